// The Esme against the bundled simulator for each delivery behaviour of issue 16: one submit in
// four throttled, receipts before their response, the simulator's unbind with responses written
// after it, stop() with receipts still arriving, and the direct requests with each SendError kind.

#include <set>

#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/esme/rate_limiter.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t delivery_window = 20;

smsc::SimConfig delivery_sim_config() {
  return sim_config(7);
}

std::size_t count_status(const RecordingHook& hook, CommandStatus status) {
  std::size_t n = 0;
  for (const auto& r : hook.responses)
    n += r.status == status ? 1U : 0U;
  return n;
}

/** Spawns `make()` on the test's executor; the outcome lands in `out`, `done` counts it. */
template <class F>
void spawn_request(asio::any_io_executor ex, F make, Outcome& out, int& done) {
  asio::co_spawn(
      ex,
      [make, &out, &done]() -> asio::awaitable<void> {
        out = co_await make();
        ++done;
      },
      asio::detached);
}

/** A hook that takes its time over each deliver_sm (a database write, say), so that the
 *  receipts behind it wait in the Esme's read buffer. */
struct SlowReceiptHook final : Hook {
  RecordingHook rec;
  HookInterest interests() const noexcept override { return rec.interests(); }
  asio::awaitable<void> sending(const Pdu& m, std::span<const std::uint8_t> pdu,
                                std::string_view id) override {
    return rec.sending(m, pdu, id);
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t> pdu,
                                 std::string_view id) override {
    co_await rec.received(m, pdu, id);
    if (m != nullptr && std::holds_alternative<DeliverSm>(*m)) co_await sleep_ms(2);
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view id) override {
    return rec.send_error(m, e, id);
  }
};

}  // namespace

TEST_CASE("simulator throttling one submit in four: sent again, every message one outcome",
          "[esme][sim][throttle]") {
  asio::io_context io;
  auto cfg = delivery_sim_config();
  cfg.throttle_every = 4;
  constexpr int n = 200;
  SECTION("requeue budget enough: nothing reported throttled") {
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = delivery_window;
      ecfg.flow_control.period = 50ms;
      ecfg.requeue.first_delay = 5ms;
      ecfg.requeue.max_delay = 20ms;
      Esme esme(io.get_executor(), ecfg, {.hook = hook});
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      check_conservation(esme, *hook, n, delivery_window);
      CHECK(hook->errors.empty());
      CHECK(count_status(*hook, CommandStatus::ok) == n);
      // One in four of all sends was throttled, and each of those went out again.
      CHECK(sim.stats().throttled == sim.stats().submits / 4);
      CHECK(esme.stats().requeued > 0);
      CHECK(esme.stats().requeued == sim.stats().throttled);
      CHECK(sim.stats().submits == n + esme.stats().requeued);
    });
  }
  SECTION("one attempt only: exactly the throttled ones reported with ESME_RTHROTTLED") {
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = delivery_window;
      ecfg.requeue.max_attempts = 1;
      Esme esme(io.get_executor(), ecfg, {.hook = hook});
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      check_conservation(esme, *hook, n, delivery_window);
      CHECK(esme.stats().requeued == 0);
      CHECK(sim.stats().throttled == n / 4);
      CHECK(count_status(*hook, CommandStatus::throttled) == n / 4);
      CHECK(count_status(*hook, CommandStatus::ok) == n - n / 4);
    });
  }
}

TEST_CASE("simulator receipts before their response: every receipt reaches its log_id",
          "[esme][sim][receipts]") {
  asio::io_context io;
  auto cfg = delivery_sim_config();
  cfg.receipts = true;
  cfg.receipt_delay = {1ms, 5ms};
  SECTION("every second receipt first") {
    cfg.receipt_first_every = 2;
  }
  SECTION("a share of receipts first") {
    cfg.receipt_first_rate = 0.5;
  }
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = delivery_window;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 200;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      co_await send_all(esme, *hook, n);
      CHECK(co_await wait_until([&] { return hook->requests.size() == n; }));
    });
    check_conservation(esme, *hook, n, delivery_window);
    CHECK(sim.stats().receipts_first > 0);
    // Each receipt written first was held until its response came, then correlated.
    CHECK(esme.stats().held_receipts == sim.stats().receipts_first);
    std::set<std::string> ids;
    for (const auto& r : hook->requests) {
      const auto& d = std::get<DeliverSm>(r);
      CHECK(message_type(d.esm_class) == EsmClass::delivery_receipt);
      CHECK_FALSE(d.tracking.log_id.empty());
      CHECK(d.tracking.extra_data == "extra-" + d.tracking.log_id.substr(3));
      ids.insert(d.tracking.log_id);
    }
    CHECK(ids.size() == n);
    CHECK(sim.stats().receipts_acked == n);
  });
}

TEST_CASE("simulator unbinds with responses owed: those written after its unbind are matched",
          "[esme][sim][unbind]") {
  asio::io_context io;
  auto cfg = delivery_sim_config();
  constexpr std::uint64_t after = 40;
  constexpr std::uint64_t owed = 5;
  cfg.unbind_after = after;
  cfg.unbind_owed = owed;
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    // A window of `owed`: when the simulator unbinds, the window is full of the submits it owes,
    // so the first session carries exactly `after` submits (id-0 .. id-<after - 1>).
    ecfg.window = owed;
    Esme esme(io.get_executor(), ecfg, {.hook = hook, .retry_timer = fast_retry(5ms)});
    constexpr int n = 100;
    run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
    check_conservation(esme, *hook, n, owed);
    CHECK(sim.stats().unbinds >= 1);
    CHECK(esme.stats().connects >= 2);
    CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == 0);
    // The last `owed` of the first session were answered after the unbind: reported with their
    // response, as accepted.
    std::map<std::string, CommandStatus> status;
    for (const auto& r : hook->responses)
      status[r.log_id] = r.status;
    for (std::uint64_t i = after - owed; i < after; ++i) {
      INFO("id-" << i);
      const auto it = status.find(fmt::format("id-{}", i));
      REQUIRE(it != status.end());
      CHECK(it->second == CommandStatus::ok);
    }
    // Nothing was lost: every message has one outcome, sent once or again after the reconnect.
    CHECK(hook->outcomes() == n);
  });
}

TEST_CASE("simulator receipts read when stop() starts: each answered before the unbind",
          "[esme][sim][stop]") {
  asio::io_context io;
  with_simulator(io, delivery_sim_config(), [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<SlowReceiptHook>();
    auto ecfg = test_config(port);
    ecfg.stop_timeout = 5s;  // stop() waits for the slow hook's answers up to this
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr std::size_t n = 40;
    std::size_t read_at_stop = 0;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      std::vector<smsc::ReceiptInfo> infos;
      for (std::size_t i = 0; i < n; ++i) {
        auto o = co_await esme.submit(make_submit(int(i)));
        REQUIRE(o.accepted());
        smsc::ReceiptInfo info;
        info.message_id = std::string(o.message_id());
        info.source = PhoneNumber("254722111111");
        info.destination = PhoneNumber("254722999999");
        info.submitted = std::chrono::system_clock::now();
        infos.push_back(std::move(info));
      }
      const auto sessions = sim.sessions();
      REQUIRE(sessions.size() == 1);
      const auto bytes_before = esme.metrics().bytes_in;
      for (const auto& info : infos)
        sim.inject_receipt(sessions.front().id, info);
      // The hook holds the first receipt while the rest of the Esme's read waits behind it;
      // stop() starts now. How many receipts that read held follows from the octets read.
      CHECK(co_await wait_until([&] { return hook->rec.requests.size() == 1; }));
      const auto read = esme.metrics().bytes_in - bytes_before;
      std::uint64_t octets = 0;
      for (const auto& info : infos) {
        std::vector<std::uint8_t> bytes;
        encode(Pdu(smsc::make_receipt(info, sim.config().receipt_style,
                                      std::chrono::system_clock::now())),
               bytes)
            .value();
        octets += bytes.size();
        if (octets > read) break;
        ++read_at_stop;
      }
    });
    // Not just the one in the hook: the test would prove nothing otherwise.
    REQUIRE(read_at_stop >= 2);
    const auto s = sim.stats();
    CHECK(s.receipts_sent == n);
    // Every receipt reached the hook: those read later arrived before unbind_resp.
    CHECK(hook->rec.requests.size() == n);
    for (const auto& r : hook->rec.requests)
      CHECK_FALSE(std::get<DeliverSm>(r).tracking.log_id.empty());
    // Those already read were answered before the Esme's unbind, so the simulator (which closes
    // once it has answered an unbind, as SMPP allows) took every answer. Receipts read after the
    // unbind are answered too, but this simulator no longer reads them: it counts them failed.
    CHECK(s.receipts_acked >= read_at_stop);
    CHECK(s.receipts_acked + s.receipts_failed == n);
  });
}

TEST_CASE("simulator direct requests: submit() and the others return the response",
          "[esme][sim][request]") {
  asio::io_context io;
  auto cfg = delivery_sim_config();
  cfg.receipts = true;
  cfg.receipt_delay = {60s, 60s};  // query, replace and cancel find the message pending
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    Esme esme(io.get_executor(), test_config(port));
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      CHECK(co_await wait_until([&] { return esme.session_state() == SessionState::bound; }));
      auto sub = co_await esme.submit(make_submit(1));
      REQUIRE(sub.accepted());
      REQUIRE(sub.response);
      CHECK(std::holds_alternative<SubmitSmResp>(*sub.response));
      const std::string id(sub.message_id());
      CHECK_FALSE(id.empty());
      CHECK(sub.tracking().log_id == "id-1");

      DataSm d;
      d.source = PhoneNumber("254722111111");
      d.destination = PhoneNumber("254722999999");
      d.tracking.log_id = "data-1";
      auto data = co_await esme.data_sm(d);
      REQUIRE(data.accepted());
      CHECK(std::holds_alternative<DataSmResp>(*data.response));
      CHECK_FALSE(data.message_id().empty());
      CHECK(data.message_id() != id);

      QuerySm q;
      q.message_id = id;
      q.source = PhoneNumber("254722111111");
      auto query = co_await esme.query_sm(q);
      REQUIRE(query.accepted());
      CHECK(std::get<QuerySmResp>(*query.response).message_state == MessageState::enroute);
      CHECK(query.message_id() == id);

      ReplaceSm rep;
      rep.message_id = id;
      rep.source = PhoneNumber("254722111111");
      rep.short_message = "replaced";
      auto replace = co_await esme.replace_sm(rep);
      CHECK(replace.accepted());
      CHECK(std::holds_alternative<ReplaceSmResp>(*replace.response));

      CancelSm c;
      c.message_id = id;
      c.source = PhoneNumber("254722111111");
      c.destination = PhoneNumber("254722999999");
      auto cancel = co_await esme.cancel_sm(c);
      CHECK(cancel.accepted());
      auto cancel_again = co_await esme.cancel_sm(c);
      CHECK(cancel_again.status() == CommandStatus::cancel_failed);

      // request() with a Pdu: the same path; the cancelled message now reads DELETED.
      auto queried = co_await esme.request(Pdu(q));
      REQUIRE(queried.accepted());
      CHECK(std::get<QuerySmResp>(*queried.response).message_state == MessageState::deleted);
      auto via_request = co_await esme.request(Pdu(make_submit(2)));
      CHECK(via_request.accepted());
      CHECK(via_request.tracking().log_id == "id-2");

      // invalid_message: refused before a byte is written.
      const auto submits = sim.stats().submits;
      SubmitSm bad = make_submit(3);
      bad.destination = PhoneNumber(std::string(30, '9'));
      auto invalid = co_await esme.submit(bad);
      REQUIRE(invalid.error);
      CHECK(invalid.error->kind == SendError::Kind::invalid_message);
      CHECK_FALSE(invalid.response);
      CHECK(sim.stats().submits == submits);
    });
    CHECK(esme.stats().taken == 9);
    CHECK(esme.stats().responses == 8);
    CHECK(esme.stats().send_errors == 1);
  });
}

TEST_CASE("simulator direct requests: not_sent and outcome_unknown at a stop or a drop",
          "[esme][sim][request]") {
  asio::io_context io;
  auto cfg = delivery_sim_config();
  cfg.withhold_rate = 1;  // no submit_sm is ever answered
  SECTION("stop(): the one in flight unknown, the ones behind the window and after stop not_sent") {
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto ecfg = test_config(port);
      ecfg.window = 1;
      Esme esme(io.get_executor(), ecfg);
      std::vector<Outcome> out(4);
      int done = 0;
      run_esme(io, esme, [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        CHECK(co_await wait_until([&] { return esme.session_state() == SessionState::bound; }));
        for (std::size_t i = 0; i < 3; ++i)
          spawn_request(
              ex, [&esme, i] { return esme.submit(make_submit(int(i))); }, out[i], done);
        CHECK(co_await wait_until([&] { return sim.stats().withheld == 1; }));
        // stop() in the background; a submit() while it runs is refused at once.
        bool stopped = false;
        asio::co_spawn(ex, esme.stop(), [&](std::exception_ptr) { stopped = true; });
        out[3] = co_await esme.submit(make_submit(3));
        ++done;
        CHECK(co_await wait_until([&] { return stopped && done == 4; }));
      });
      REQUIRE(done == 4);
      REQUIRE(out[0].error);
      CHECK(out[0].error->kind == SendError::Kind::outcome_unknown);
      for (std::size_t i = 1; i < 4; ++i) {
        INFO("request " << i);
        REQUIRE(out[i].error);
        CHECK(out[i].error->kind == SendError::Kind::not_sent);
        CHECK(out[i].error->code == errc::stopped);
      }
      CHECK(sim.stats().submits == 1);
    });
  }
  SECTION("a dropped connection: the one written unknown, the one taken and unwritten not_sent") {
    // The simulator drops on the third PDU of a session: bind, the submit (withheld), then the
    // first enquire_link. The second submit waits for the rate limiter's next token meanwhile.
    cfg.drop_every = 3;
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto ecfg = test_config(port);
      ecfg.enquire_link_interval = 200ms;
      auto limiter = std::make_shared<TokenBucketRateLimiter>(0.2, 1.0);
      Esme esme(io.get_executor(), ecfg,
                {.rate_limiter = limiter, .retry_timer = fast_retry(1000ms)});
      std::vector<Outcome> out(2);
      int done = 0;
      run_esme(io, esme, [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        CHECK(co_await wait_until([&] { return esme.session_state() == SessionState::bound; }));
        spawn_request(
            ex, [&esme] { return esme.submit(make_submit(0)); }, out[0], done);
        CHECK(co_await wait_until([&] { return sim.stats().withheld == 1; }));
        spawn_request(
            ex, [&esme] { return esme.submit(make_submit(1)); }, out[1], done);
        CHECK(co_await wait_until([&] { return done == 2; }));
      });
      REQUIRE(done == 2);
      REQUIRE(out[0].error);
      CHECK(out[0].error->kind == SendError::Kind::outcome_unknown);
      REQUIRE(out[1].error);
      CHECK(out[1].error->kind == SendError::Kind::not_sent);
      CHECK(sim.stats().drops >= 1);
      CHECK(sim.stats().submits == 1);
    });
  }
}
