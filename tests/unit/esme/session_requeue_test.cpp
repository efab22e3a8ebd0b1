// Requeued messages wait outside the window, in a holding area bounded by
// EsmeConfig::requeue_limit: the SessionMachine keeps sending fresh messages while throttled ones
// wait their delay, takes nothing new when the holding area could not take back everything in
// flight, and settles every waiting message once (also at stop and across a reconnection).
// Counted with bytes and a fake clock (session_machine_support.hpp).

#include <map>
#include <set>

#include "unit/esme/session_machine_support.hpp"

namespace aiosmpp::test {

namespace {

/** An SMSC that answers every `every`-th submit_sm it reads with ESME_RTHROTTLED (as
 *  aiosmpp-smsc-sim --throttle-every does), the others with a message id. */
struct ThrottlingSmsc {
  std::size_t every = 4;
  std::size_t submits = 0;
  std::size_t throttled = 0;

  void answer(MachineHarness& h, const std::vector<Pdu>& written) {
    for (const auto& pdu : written) {
      if (command_id_of(pdu) != CommandId::submit_sm) continue;
      if (++submits % every == 0) {
        ++throttled;
        h.feed(submit_resp(seq_of(pdu), "", CommandStatus::throttled));
      } else {
        h.feed(submit_resp(seq_of(pdu), "m" + std::to_string(submits)));
      }
    }
  }
};

/** The Esme's pump, sans-io: takes from `broker` only what window_free() allows (in one batch),
 *  then sends what may be sent. Returns what was written. */
std::vector<Pdu> pump(MachineHarness& h, std::vector<Pdu>& broker) {
  const std::size_t want = std::min(h.machine->window_free(), broker.size());
  if (want > 0 && h.machine->pending() == 0) {
    std::vector<Pdu> batch(std::make_move_iterator(broker.begin()),
                           std::make_move_iterator(broker.begin() + static_cast<long>(want)));
    broker.erase(broker.begin(), broker.begin() + static_cast<long>(want));
    h.machine->take(batch, h.events);
  }
  h.machine->send_pending(h.now, false, h.events);
  return h.written();
}

std::vector<Pdu> messages(std::size_t n) {
  std::vector<Pdu> out;
  for (std::size_t i = 0; i < n; ++i)
    out.emplace_back(submit("m" + std::to_string(i)));
  return out;
}

/** Outcomes per log_id, counted as they come. */
struct Outcomes {
  std::map<std::string, int> per_log_id;
  std::size_t accepted = 0;
  std::size_t final_throttled = 0;
  std::size_t errors = 0;

  void collect(MachineHarness& h) {
    for (auto& o : h.take_events<OutcomeEvent>()) {
      ++per_log_id[tracking_of(o.message).log_id];
      if (!o.response) {
        ++errors;
      } else if (header_of(*o.response).command_status == CommandStatus::ok) {
        ++accepted;
      } else {
        ++final_throttled;
      }
    }
  }
  bool each_once(std::size_t n) const {
    if (per_log_id.size() != n) return false;
    for (const auto& [id, count] : per_log_id)
      if (count != 1) return false;
    return true;
  }
};

}  // namespace

TEST_CASE("requeue: throttled messages wait outside the window while fresh ones keep going",
          "[esme][machine][requeue]") {
  SimpleRequeuePolicy policy(
      RequeueOptions{.max_attempts = 10, .first_delay = 50ms, .max_delay = 50ms, .jitter = 0});
  auto cfg = MachineHarness::default_config();
  cfg.window = 4;  // requeue_limit 0: 16
  MachineHarness h(cfg, &policy);
  REQUIRE(h.machine->requeue_limit() == 16);
  h.bind(HookInterest::all);
  ThrottlingSmsc smsc;
  Outcomes outcomes;
  constexpr std::size_t n = 200;
  auto broker = messages(n);
  std::size_t fresh_while_waiting = 0;  // new messages written while others were waiting
  std::size_t full_window_while_waiting = 0;
  std::size_t rounds = 0;
  std::size_t max_waiting = 0;
  while (outcomes.per_log_id.size() < n && rounds < 10'000) {
    ++rounds;
    const std::size_t waiting = h.machine->requeued();
    auto written = pump(h, broker);
    max_waiting = std::max(max_waiting, h.machine->requeued());
    // Only sending a due one lowers requeued() here: the rest written were fresh messages.
    const std::size_t fresh = written.size() - (waiting - h.machine->requeued());
    if (fresh > 0 && h.machine->requeued() > 0) ++fresh_while_waiting;
    if (h.machine->requeued() > 0 && !broker.empty()) {
      // Waiting messages do not shrink the window: it is full of requests in flight.
      if (h.machine->in_flight() == cfg.window) ++full_window_while_waiting;
      CHECK(h.machine->in_flight() + h.machine->requeued() <= h.machine->requeue_limit());
    }
    smsc.answer(h, written);
    outcomes.collect(h);
    h.advance(10ms);
  }
  CHECK(outcomes.each_once(n));
  CHECK(outcomes.accepted == n);  // none throttled 10 times in a row
  CHECK(outcomes.errors == 0);
  CHECK(smsc.throttled == h.machine->stats().requeued);
  CHECK(smsc.throttled >= n / 4);
  CHECK(smsc.submits == n + smsc.throttled);
  CHECK(fresh_while_waiting > 10);
  CHECK(full_window_while_waiting > 10);
  CHECK(max_waiting > 0);
  CHECK(max_waiting <= h.machine->requeue_limit());
  CHECK(h.machine->requeued() == 0);
  CHECK(h.machine->in_flight() == 0);
  CHECK(h.machine->stats().taken == n);
}

TEST_CASE("requeue: a full holding area takes nothing new, and nothing is lost",
          "[esme][machine][requeue]") {
  // Everything is throttled, and the delay is long: the holding area fills up.
  SimpleRequeuePolicy policy(
      RequeueOptions{.max_attempts = 3, .first_delay = 1s, .max_delay = 1s, .jitter = 0});
  auto cfg = MachineHarness::default_config();
  cfg.window = 4;
  cfg.requeue_limit = 8;
  MachineHarness h(cfg, &policy);
  h.bind(HookInterest::all);
  ThrottlingSmsc smsc{.every = 1};
  auto broker = messages(20);
  auto sent = pump(h, broker);
  REQUIRE(sent.size() == 4);
  smsc.answer(h, sent);
  CHECK(h.machine->requeued() == 4);
  CHECK(h.machine->in_flight() == 0);
  CHECK(h.machine->window_free() == 4);  // in flight + waiting may still grow to 8
  sent = pump(h, broker);
  REQUIRE(sent.size() == 4);
  smsc.answer(h, sent);
  CHECK(h.machine->requeued() == 8);
  // Full: the window is empty, yet nothing is taken from the broker.
  CHECK(h.machine->in_flight() == 0);
  CHECK(h.machine->window_free() == 0);
  CHECK(pump(h, broker).empty());
  CHECK(broker.size() == 12);
  CHECK(h.machine->stats().taken == 8);
  SECTION("messages taken before it filled wait as pending, unsent") {
    std::vector<Pdu> early;
    early.emplace_back(submit("early"));
    h.machine->take(early, h.events);
    CHECK(h.machine->pending() == 1);
    CHECK(h.machine->sendable() == 0);
    CHECK(h.machine->send_pending(h.now, false, h.events) == 0);
    // The due ones go first, into the window; the holding area empties as they are accepted.
    h.advance(1s);
    CHECK(h.machine->requeued() == 8);
    CHECK(h.machine->sendable() == 4);
    sent = pump(h, broker);
    REQUIRE(sent.size() == 4);
    CHECK(h.machine->requeued() == 4);
    for (const auto& p : sent)
      h.feed(submit_resp(seq_of(p), "ok"));
    Outcomes outcomes;
    outcomes.collect(h);
    CHECK(outcomes.accepted == 4);
    // in flight + waiting is 4 now: the early one may go, with the other due ones first.
    sent = pump(h, broker);
    REQUIRE(sent.size() == 4);
    CHECK(h.machine->pending() == 1);
    for (const auto& p : sent)
      h.feed(submit_resp(seq_of(p), "ok"));
    sent = pump(h, broker);
    REQUIRE(sent.size() == 1);  // the early one; nothing was taken while it was pending
    h.feed(submit_resp(seq_of(sent[0]), "ok"));
    outcomes.collect(h);
    CHECK(outcomes.per_log_id.count("early") == 1);
    CHECK(outcomes.accepted == 9);
    CHECK(h.machine->requeued() == 0);
  }
  SECTION("accepted later: every message ends once, the broker drains") {
    Outcomes outcomes;
    for (int round = 0; round < 100 && outcomes.per_log_id.size() < 20; ++round) {
      h.advance(1s);
      sent = pump(h, broker);
      CHECK(h.machine->requeued() <= 8);
      for (const auto& p : sent)
        h.feed(submit_resp(seq_of(p), "ok"));
      outcomes.collect(h);
    }
    CHECK(outcomes.each_once(20));
    CHECK(outcomes.accepted == 20);
    CHECK(broker.empty());
  }
}

TEST_CASE("requeue: waiting messages end once at stop and survive a reconnection",
          "[esme][machine][requeue]") {
  SimpleRequeuePolicy policy(
      RequeueOptions{.max_attempts = 5, .first_delay = 100ms, .max_delay = 100ms, .jitter = 0});
  auto cfg = MachineHarness::default_config();
  cfg.window = 4;
  MachineHarness h(cfg, &policy);
  h.bind(HookInterest::all);
  auto broker = messages(8);
  // Two throttled and waiting, two accepted; then four fresh ones go out beside the waiting two.
  auto sent = pump(h, broker);
  REQUIRE(sent.size() == 4);
  h.feed(submit_resp(seq_of(sent[0]), "", CommandStatus::throttled));
  h.feed(submit_resp(seq_of(sent[1]), "", CommandStatus::message_queue_full));
  h.feed(submit_resp(seq_of(sent[2]), "a2"));
  h.feed(submit_resp(seq_of(sent[3]), "a3"));
  Outcomes outcomes;
  outcomes.collect(h);
  CHECK(outcomes.accepted == 2);
  sent = pump(h, broker);
  REQUIRE(sent.size() == 4);
  CHECK(h.machine->in_flight() == 4);
  CHECK(h.machine->requeued() == 2);

  SECTION("stop: in flight answered, the waiting ones end with their last answer") {
    h.advance(100ms);  // both due: ready, but stopping sends nothing new
    h.machine->stop(h.now);
    CHECK(h.machine->sendable() == 0);
    for (const auto& p : sent)
      h.feed(submit_resp(seq_of(p), "ok"));
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::unbind);
    UnbindResp ur;
    ur.header.sequence_number = seq_of(out[0]);
    h.feed(ur);
    h.written();
    CHECK(h.machine->over());
    h.machine->end({}, h.events);
    h.machine->give_up_requeued(h.events);
    outcomes.collect(h);
    CHECK(outcomes.each_once(8));
    CHECK(outcomes.accepted == 6);
    CHECK(outcomes.final_throttled == 2);
    CHECK(h.machine->requeued() == 0);
    h.machine->give_up_requeued(h.events);  // twice: nothing more
    CHECK(h.take_events<OutcomeEvent>().empty());
  }
  SECTION("a dropped connection: in flight end unknown, the waiting ones are sent on the next") {
    h.machine->on_transport_error(errc::connection_closed);
    h.machine->end({}, h.events);
    outcomes.collect(h);
    CHECK(outcomes.errors == 4);  // written, no response: outcome_unknown
    CHECK(h.machine->requeued() == 2);
    h.bind(HookInterest::all);
    h.advance(100ms);
    CHECK(h.machine->sendable() == 2);
    sent = pump(h, broker);
    REQUIRE(sent.size() == 2);
    for (const auto& p : sent)
      h.feed(submit_resp(seq_of(p), "ok"));
    outcomes.collect(h);
    CHECK(outcomes.each_once(8));
    CHECK(outcomes.accepted == 4);
    CHECK(h.machine->requeued() == 0);
  }
}

}  // namespace aiosmpp::test
