// Issue 16's delivery semantics, tested with aiosmpp's Esme against node-smpp (npm `smpp`) over
// loopback: throttling one submit_sm in four, receipts written before their response, the
// SMSC's unbind with responses still owed, stop() with receipts in flight, the direct request
// API (submit(), data_sm()) and outbind from node-smpp's client.
//
// The peer is tests/interop/node/esme_server_peer.js, started on a free port for each test case
// and stopped by its process id when the case ends. Besides what the Esme's hook saw, each case
// asserts the peer's own tally ({"op":"stats"}): how many submit_sm it received and throttled, how
// often it accepted each text, and whether every request it sent got its response.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme_run.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

NodePeer delivery_peer() {
  return NodePeer(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_ESME_PEER_SCRIPT);
}

// Every outcome and receipt in the one shape each has (Hook::outcome, Hook::receipt), and the
// requests the SMSC sent.
struct DeliveryHook final : Hook {
  std::vector<Outcome> outcomes;
  std::vector<ReceiptOutcome> receipts;
  std::vector<Pdu> requests;

  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::outcome | HookInterest::receipt;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m != nullptr && !is_response(command_id_of(*m))) requests.push_back(*m);
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view) override {
    outcomes.push_back(o);
    co_return;
  }
  asio::awaitable<void> receipt(const ReceiptOutcome& r, std::string_view) override {
    receipts.push_back(r);
    co_return;
  }

  // How many outcomes each log_id got.
  std::map<std::string, int> outcomes_by_log_id() const {
    std::map<std::string, int> seen;
    for (const auto& o : outcomes)
      ++seen[o.tracking().log_id];
    return seen;
  }
};

EsmeConfig delivery_config(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_port = port;
  c.system_id = "aiosmpp";
  c.password = "pw";
  c.client_id = "interop-delivery";
  c.enquire_link_interval = 5s;
  c.socket_timeout = 2s;
  c.response_timeout = 5s;
  c.stop_timeout = 1s;
  c.unbind_drain_timeout = 2s;
  c.window = 8;
  c.log_level = LogLevel::off;
  return c;
}

std::shared_ptr<RetryTimer> quick_retry() {
  ExponentialBackoff::Options o;
  o.min_delay = 20ms;
  o.max_increases = 2;
  o.jitter = 0.2;
  return std::make_shared<ExponentialBackoff>(o);
}

// Message i: log_id "m<i>", text "message <i>", extra_data "extra-m<i>".
SubmitSm numbered(int i, bool receipt) {
  SubmitSm m;
  m.source = PhoneNumber("254722000001", Ton::international, Npi::isdn);
  m.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
  m.registered_delivery = receipt ? RegisteredDelivery::receipt_always : RegisteredDelivery::none;
  m.tracking.log_id = fmt::format("m{:02}", i);
  m.tracking.extra_data = "extra-" + m.tracking.log_id;
  m.short_message = fmt::format("message {:02}", i);
  return m;
}

std::span<const std::uint8_t> as_octets(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

asio::awaitable<void> enqueue_numbered(Esme& esme, int count, bool receipt) {
  for (int i = 0; i < count; ++i) {
    Pdu p = numbered(i, receipt);
    co_await esme.broker().enqueue(std::move(p));
  }
}

// The peer's own tally, asked for now.
json peer_stats(asio::io_context& io, NodePeer& peer) {
  peer.command({{"op", "stats"}});
  REQUIRE(run_coro(io, peer.settle()));
  const auto stats = peer.select([](const json& e) { return e.value("event", "") == "stats"; });
  REQUIRE(!stats.empty());
  return stats.back();
}

// The message_id the peer answered each text with (the "answered" submit_sm and "released"
// events).
std::map<std::string, std::string> answered_ids(NodePeer& peer) {
  std::map<std::string, std::string> ids;
  for (const auto& e : peer.events()) {
    const auto ev = e.value("event", "");
    if ((ev == "pdu" || ev == "released") && e.value("action", "") == "answered" &&
        e.contains("text")) {
      ids[e.at("text").get<std::string>()] = e.at("message_id").get<std::string>();
    }
  }
  return ids;
}

bool closed(NodePeer& peer, int session) {
  return !peer.select([session](const json& e) {
                return e.value("event", "") == "close" && e.value("session", 0) == session;
              })
              .empty();
}

}  // namespace

TEST_CASE(
    "node-smpp throttles one submit_sm in four: every message ends once, accepted, and the "
    "throttled ones are sent again",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  peer.command({{"op", "set"}, {"throttle_every", 4}});
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  auto cfg = delivery_config(peer.port());
  cfg.requeue.first_delay = 2ms;
  cfg.requeue.max_delay = 10ms;
  cfg.requeue.max_attempts = 20;  // a message throttled 20 times in a row: never, in practice
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  constexpr int count = 40;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, false);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    CHECK(ok);
    co_await peer.wait([] { return false; }, 50ms);  // no late extra outcome
  });

  // Exactly one outcome per message, each the response that accepted it.
  REQUIRE(hook->outcomes.size() == count);
  const auto seen = hook->outcomes_by_log_id();
  CHECK(seen.size() == count);
  for (const auto& [id, n] : seen) {
    INFO(id);
    CHECK(n == 1);
  }
  const auto ids = answered_ids(peer);
  for (const auto& o : hook->outcomes) {
    INFO(o.tracking().log_id);
    REQUIRE(o.response.has_value());
    CHECK(o.accepted());
    CHECK(std::get_if<SubmitSmResp>(&*o.response) != nullptr);
    const auto& text = std::get<SubmitSm>(o.message).short_message;
    REQUIRE(ids.count(text) == 1);
    CHECK(o.message_id() == ids.at(text));
  }

  // Every 4th submit_sm the peer received was throttled: with T throttled, the peer received
  // count + T submit_sm and T == (count + T) / 4. Each throttled one was sent again, once.
  const json stats = peer_stats(io, peer);
  const auto throttled = stats.at("statuses").value("88", 0);  // ESME_RTHROTTLED, 0x58
  CHECK(stats.at("submits") == count + throttled);
  CHECK(throttled == (count + throttled) / 4);
  CHECK(stats.at("statuses").value("0", 0) == count);
  CHECK(esme.stats().throttled == static_cast<std::uint64_t>(throttled));
  CHECK(esme.stats().requeued == static_cast<std::uint64_t>(throttled));
  // The peer accepted each text exactly once: nothing was sent again after it was accepted.
  CHECK(stats.at("accepted").size() == count);
  for (const auto& [text, n] : stats.at("accepted").items()) {
    INFO(text);
    CHECK(n == 1);
  }
  CHECK(esme.stats().taken == count);
  CHECK(esme.stats().responses + esme.stats().send_errors == count);
}

TEST_CASE("node-smpp writes receipts before their submit_sm_resp: every receipt reaches its log_id",
          "[interop][esme][issue16]") {
  // 1: every receipt comes before its response; 2: every other one.
  for (const int every : {1, 2}) {
    INFO("receipt_first_every " << every);
    NodePeer peer = delivery_peer();
    peer.command({{"op", "set"}, {"auto_receipt", true}, {"receipt_first_every", every}});
    asio::io_context io;
    auto hook = std::make_shared<DeliveryHook>();
    auto correlator = std::make_shared<SimpleCorrelator>();
    Esme esme(io.get_executor(), delivery_config(peer.port()),
              {.correlator = correlator, .hook = hook});
    constexpr int count = 20;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      bool ok = co_await peer.settle();
      REQUIRE(ok);
      co_await enqueue_numbered(esme, count, true);
      ok = co_await peer.wait(
          [&] { return hook->outcomes.size() == count && hook->receipts.size() == count; });
      CHECK(ok);
      ok = co_await peer.wait_received("deliver_sm_resp", count);
      CHECK(ok);
    });

    const auto early = peer.select([](const json& e) {
      return e.value("event", "") == "pdu" && e.value("receipt", "") == "before_response";
    });
    CHECK(early.size() == static_cast<std::size_t>(count / every));
    std::set<std::string> early_ids;
    for (const auto& e : early)
      early_ids.insert(e.at("message_id").get<std::string>());

    // Each receipt carries its submit's tracking; those that came first were held for it.
    REQUIRE(hook->receipts.size() == count);
    std::map<std::string, int> receipts_by_log_id;
    std::size_t held = 0;
    for (const auto& r : hook->receipts) {
      const auto* d = std::get_if<DeliverSm>(&r.receipt);
      REQUIRE(d != nullptr);
      auto parsed = text::parse_receipt(*d);
      REQUIRE(parsed.has_value());
      INFO(parsed->id);
      CHECK(r.matched);
      CHECK(r.final_state);
      CHECK(!r.repeat);
      CHECK(r.held == (early_ids.count(parsed->id) == 1));
      held += r.held ? 1U : 0U;
      const auto& t = d->tracking;
      ++receipts_by_log_id[t.log_id];
      CHECK(t.extra_data == "extra-" + t.log_id);
    }
    CHECK(held == early.size());
    CHECK(esme.stats().held_receipts == early.size());
    CHECK(receipts_by_log_id.size() == count);
    for (const auto& [id, n] : receipts_by_log_id) {
      INFO(id);
      CHECK(n == 1);
    }
    // Each receipt's log_id is the one of the submit the peer answered with its id.
    const auto ids = answered_ids(peer);
    for (const auto& o : hook->outcomes) {
      REQUIRE(o.accepted());
      CHECK(o.message_id() == ids.at(std::get<SubmitSm>(o.message).short_message));
    }
    // Nothing left in the correlator: every entry was finalised by its receipt, held or not.
    CHECK(correlator->size() == 0);
    CHECK(correlator->held() == 0);
    // Every deliver_sm the peer wrote was answered.
    const json stats = peer_stats(io, peer);
    CHECK(stats.at("requests").at("deliver_sm").at("sent") == count);
    CHECK(stats.at("requests").at("deliver_sm").at("answered") == count);
  }
}

TEST_CASE(
    "node-smpp unbinds while it owes responses and writes them after its unbind: each is "
    "matched, none is outcome_unknown",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  peer.command({{"op", "set"}, {"withhold_after", 3}});  // the first session holds all but 3
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), delivery_config(peer.port()),
            {.hook = hook, .retry_timer = quick_retry()});
  constexpr int count = 12;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, false);
    // 3 answered, then the window (8) fills with requests whose responses the peer holds.
    ok = co_await peer.wait(
        [&] { return hook->outcomes.size() == 3 && peer.received("submit_sm").size() == 11; });
    REQUIRE(ok);
    peer.command({{"op", "set"}, {"withhold_after", -1}});  // for the next session
    // unbind, then the 8 held responses, then (on the Esme's unbind_resp) the close.
    peer.command({{"op", "unbind"}, {"release", true}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    CHECK(ok);
    co_await peer.wait([] { return false; }, 50ms);  // no late extra outcome
  });

  const auto released =
      peer.select([](const json& e) { return e.value("event", "") == "released"; });
  CHECK(released.size() == 8);
  // Written after the unbind: the peer reports the unbind as sent before the first of them.
  const auto& events = peer.events();
  std::size_t unbind_at = events.size();
  std::size_t first_release_at = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (unbind_at == events.size() && e.value("event", "") == "sent" &&
        e.value("command", "") == "unbind")
      unbind_at = i;
    if (first_release_at == events.size() && e.value("event", "") == "released")
      first_release_at = i;
  }
  CHECK(unbind_at < first_release_at);

  REQUIRE(hook->outcomes.size() == count);
  const auto seen = hook->outcomes_by_log_id();
  CHECK(seen.size() == count);
  for (const auto& [id, n] : seen) {
    INFO(id);
    CHECK(n == 1);
  }
  // Every message ended with its response, with the message_id the peer gave it; the 8 held
  // ones on session 1, after the unbind.
  const auto ids = answered_ids(peer);
  std::set<std::string> released_texts;
  for (const auto& e : released)
    released_texts.insert(e.at("text").get<std::string>());
  std::size_t matched_after_unbind = 0;
  for (const auto& o : hook->outcomes) {
    INFO(o.tracking().log_id);
    CHECK(!o.error.has_value());
    REQUIRE(o.response.has_value());
    CHECK(o.accepted());
    const auto& text = std::get<SubmitSm>(o.message).short_message;
    REQUIRE(ids.count(text) == 1);
    CHECK(o.message_id() == ids.at(text));
    matched_after_unbind += released_texts.count(text);
  }
  CHECK(matched_after_unbind == 8);
  CHECK(esme.stats().send_errors == 0);
  CHECK(esme.stats().late_responses == 0);
  CHECK(esme.stats().connects == 2);
  const auto resps = peer.received("unbind_resp");
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("session") == 1);
  // The peer accepted each text once: nothing held was sent again on the second session.
  const json stats = peer_stats(io, peer);
  CHECK(stats.at("accepted").size() == count);
  for (const auto& [text, n] : stats.at("accepted").items()) {
    INFO(text);
    CHECK(n == 1);
  }
}

TEST_CASE(
    "stop() while node-smpp writes receipts, before and after the Esme's unbind: every "
    "deliver_sm is answered",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  // On the Esme's unbind the peer writes the receipts not written yet, then unbind_resp.
  peer.command({{"op", "set"}, {"receipts_on_unbind", true}});
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), delivery_config(peer.port()), {.hook = hook});
  constexpr int count = 8;
  constexpr int before_stop = 4;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, true);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    REQUIRE(ok);
    // Receipts for the first messages, written right before stop(): the Esme has not read them
    // yet when it stops (nothing waits for their answers).
    for (int i = 0; i < before_stop; ++i) {
      const auto& o = hook->outcomes[static_cast<std::size_t>(i)];
      peer.command({{"op", "receipt"}, {"message_id", std::string(o.message_id())}});
    }
    ok = co_await peer.wait([&] {
      return peer.select([](const json& e) { return e.value("event", "") == "sent"; }).size() ==
             before_stop;
    });
    REQUIRE(ok);
    co_await esme.stop();
  });
  REQUIRE(run_coro(io, peer.wait([&] { return closed(peer, 1); })));

  const auto sent = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "deliver_sm";
  });
  REQUIRE(sent.size() == count);
  // The last ones were written after the Esme's unbind reached the peer, before its
  // unbind_resp.
  const auto& events = peer.events();
  std::size_t unbind_at = events.size();
  std::size_t after_unbind = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e.value("event", "") == "pdu" && e.at("pdu").value("command", "") == "unbind")
      unbind_at = i;
    if (i > unbind_at && e.value("event", "") == "sent" && e.value("command", "") == "deliver_sm")
      ++after_unbind;
  }
  REQUIRE(unbind_at < events.size());
  CHECK(after_unbind == count - before_stop);
  // node-smpp got a deliver_sm_resp for each, by its own count and by sequence number.
  const json stats = peer_stats(io, peer);
  CHECK(stats.at("requests").at("deliver_sm").at("sent") == count);
  CHECK(stats.at("requests").at("deliver_sm").at("answered") == count);
  CHECK(stats.at("unanswered").empty());
  std::set<std::uint32_t> sent_seqs;
  std::set<std::uint32_t> resp_seqs;
  for (const auto& e : sent)
    sent_seqs.insert(e.at("sequence_number").get<std::uint32_t>());
  for (const auto& e : peer.received("deliver_sm_resp")) {
    CHECK(e.at("pdu").at("command_status") == 0);
    resp_seqs.insert(e.at("pdu").at("sequence_number").get<std::uint32_t>());
  }
  CHECK(sent_seqs == resp_seqs);
  // And each reached the hook with its submit's log_id.
  REQUIRE(hook->receipts.size() == count);
  std::set<std::string> log_ids;
  for (const auto& r : hook->receipts) {
    CHECK(r.matched);
    log_ids.insert(tracking_of(r.receipt).log_id);
  }
  CHECK(log_ids.size() == count);
  CHECK(esme.stats().received == count);
}

TEST_CASE(
    "submit() and data_sm() against node-smpp return the response with node-smpp's "
    "message_id",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), delivery_config(peer.port()), {.hook = hook});
  std::vector<Outcome> got;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(1, false)));
    // A refusal is a response too: the outcome carries node-smpp's status.
    peer.command({{"op", "set"}, {"submit_statuses", {0x0B}}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(2, false)));
    DataSm d;
    d.source = PhoneNumber("254722000001", Ton::international, Npi::isdn);
    d.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
    d.tracking.log_id = "data-1";
    const std::string payload = "direct data sm";
    REQUIRE(
        d.tlvs.set<tlv::MessagePayload>(std::vector<std::uint8_t>(payload.begin(), payload.end()))
            .has_value());
    got.push_back(co_await esme.data_sm(std::move(d)));
  });

  REQUIRE(got.size() == 3);
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 2);
  const auto* r1 = got[0].response ? std::get_if<SubmitSmResp>(&*got[0].response) : nullptr;
  REQUIRE(r1 != nullptr);
  CHECK(got[0].accepted());
  CHECK(!got[0].error.has_value());
  CHECK(got[0].tracking().log_id == "m01");
  CHECK(r1->tracking.log_id == "m01");
  CHECK(got[0].message_id() == submits[0].at("message_id").get<std::string>());
  CHECK(r1->header.sequence_number == submits[0].at("pdu").at("sequence_number"));

  CHECK(!got[1].accepted());
  CHECK(got[1].status() == CommandStatus::invalid_dest_address);
  CHECK(got[1].message_id().empty());
  CHECK(got[1].tracking().log_id == "m02");
  CHECK(submits[1].at("action") == "rejected");

  const auto datas = peer.received("data_sm");
  REQUIRE(datas.size() == 1);
  CHECK(datas[0].at("text") == "direct data sm");
  const auto* r3 = got[2].response ? std::get_if<DataSmResp>(&*got[2].response) : nullptr;
  REQUIRE(r3 != nullptr);
  CHECK(got[2].accepted());
  CHECK(got[2].tracking().log_id == "data-1");
  CHECK(got[2].message_id() == datas[0].at("message_id").get<std::string>());
  CHECK(!got[2].message_id().empty());

  // The hook saw the same three outcomes.
  REQUIRE(hook->outcomes.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(hook->outcomes[i].tracking().log_id == got[i].tracking().log_id);
    CHECK(hook->outcomes[i].message_id() == got[i].message_id());
  }
}

TEST_CASE(
    "outbind from node-smpp's client: the Esme refuses a wrong password, then binds as "
    "receiver on the next outbind and takes a deliver_sm",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  asio::io_context io;
  std::uint16_t port = 0;
  {
    // A port nobody listens on now: the Esme's outbind port must be given before it starts.
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto cfg = delivery_config(port);
  cfg.bind_mode = BindMode::receiver;
  cfg.system_id = "esme-rx";
  cfg.outbind.enabled = true;
  cfg.outbind.listen_port = port;
  cfg.outbind.system_id = "node-smsc";
  cfg.outbind.password = "opw";
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = quick_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    // node-smpp connects (trying again while the Esme's acceptor is not open yet) and sends
    // outbind.
    peer.command(
        {{"op", "outbind"}, {"port", port}, {"system_id", "node-smsc"}, {"password", "wrong"}});
    bool ok = co_await peer.wait([&] { return closed(peer, 1); });
    REQUIRE(ok);
    peer.command(
        {{"op", "outbind"}, {"port", port}, {"system_id", "node-smsc"}, {"password", "opw"}});
    ok = co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(ok);
    peer.command({{"op", "deliver"},
                  {"params",
                   {{"source_addr", "254700000001"},
                    {"destination_addr", "4040"},
                    {"short_message", {{"hex", to_hex(as_octets("mo over outbind"))}}}}}});
    ok = co_await peer.settle();
    CHECK(ok);
    ok = co_await peer.wait_received("deliver_sm_resp", 1);
    CHECK(ok);
  });

  const auto outbinds = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "outbind";
  });
  REQUIRE(outbinds.size() == 2);
  CHECK(outbinds[0].at("session") == 1);
  CHECK(outbinds[1].at("session") == 2);
  // Refused: no bind on the first connection. Accepted: bind_receiver on the outbind's own
  // connection, with the Esme's credentials.
  const auto binds = peer.received("bind_receiver");
  REQUIRE(binds.size() == 1);
  CHECK(binds[0].at("session") == 2);
  CHECK(binds[0].at("pdu").at("system_id") == "esme-rx");
  CHECK(binds[0].at("pdu").at("password") == "pw");
  CHECK(peer.received("bind_transceiver").empty());
  CHECK(peer.received("bind_transmitter").empty());
  CHECK(esme.stats().connects == 1);
  REQUIRE(hook->requests.size() == 1);
  const auto* d = std::get_if<DeliverSm>(&hook->requests[0]);
  REQUIRE(d != nullptr);
  CHECK(d->short_message == "mo over outbind");
  const auto resps = peer.received("deliver_sm_resp");
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("session") == 2);
  CHECK(resps[0].at("pdu").at("command_status") == 0);
  // stop(): the Esme unbinds the receiver session; node-smpp answers.
  const auto unbinds = peer.received("unbind");
  REQUIRE(unbinds.size() == 1);
  CHECK(unbinds[0].at("session") == 2);
}
