// SMPP 5.0 between the Esme and the bundled simulator over loopback: the version each side
// announces and the one in force, a 3.4 session that never carries a 5.0 TLV, and congestion_state
// reported by the simulator slowing the Esme's flow control down (counted, not timed).

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include <asio/ip/address.hpp>

#include "aiosmpp/smsc/server.hpp"
#include "esme_sim_support.hpp"
#include "support/timed_hook.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

smsc::SimConfig v50_sim(InterfaceVersion version) {
  smsc::SimConfig c = sim_config(50);
  c.interface_version = version;
  return c;
}

SubmitSm with_billing(int i) {
  SubmitSm m = make_submit(i);
  const std::uint8_t billing[] = {0x01, 'X'};
  m.tlvs.set<tlv::BillingIdentification>(billing).value();
  return m;
}

// A 5.0 Esme against a simulator speaking `sim_version` sends 5 ordinary submits and one
// carrying billing_identification (a 5.0 TLV) and waits for every outcome.
struct Mix {
  std::optional<InterfaceVersion> version;  // as the Esme reports it
  std::shared_ptr<RecordingHook> hook = std::make_shared<RecordingHook>();
  std::uint64_t sim_submits = 0;
};

Mix send_mix(InterfaceVersion sim_version) {
  constexpr int plain = 5;
  Mix mix;
  asio::io_context io;
  with_simulator(io, v50_sim(sim_version), [&](smsc::Simulator& sim, std::uint16_t port) {
    auto cfg = test_config(port);
    cfg.interface_version = InterfaceVersion::smpp_5_0;
    Esme esme(io.get_executor(), cfg, {.hook = mix.hook});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < plain; ++i)
        co_await esme.broker().enqueue(Pdu(make_submit(i)));
      co_await esme.broker().enqueue(Pdu(with_billing(plain)));
      const bool ok =
          co_await wait_until([&] { return mix.hook->outcomes() == std::size_t(plain + 1); });
      CHECK(ok);
      mix.version = esme.interface_version();
      CHECK_FALSE(esme.congestion_state());  // the simulator runs without --congestion
    });
    CHECK(mix.hook->no_duplicates());
    mix.sim_submits = sim.stats().submits;
  });
  return mix;
}

}  // namespace

TEST_CASE("v5.0: a 5.0 Esme against a 3.4 simulator speaks 3.4 and never sends a 5.0 TLV",
          "[esme][sim][v50]") {
  const auto mix = send_mix(InterfaceVersion::smpp_3_4);
  CHECK(mix.version == InterfaceVersion::smpp_3_4);
  CHECK(mix.hook->responses.size() == 5);
  REQUIRE(mix.hook->errors.size() == 1);
  const auto& failure = mix.hook->errors[0];
  CHECK(failure.log_id == "id-5");
  CHECK(failure.error.kind == SendError::Kind::invalid_message);
  CHECK(failure.error.detail.find("billing_identification") != std::string::npos);
  CHECK(mix.sim_submits == 5);  // nothing of the refused message reached the SMSC
}

TEST_CASE("v5.0: 5.0 on both sides is negotiated and 5.0 TLVs go through", "[esme][sim][v50]") {
  const auto mix = send_mix(InterfaceVersion::smpp_5_0);
  CHECK(mix.version == InterfaceVersion::smpp_5_0);
  CHECK(mix.hook->responses.size() == 6);
  CHECK(mix.hook->errors.empty());
  CHECK(mix.sim_submits == 6);
}

TEST_CASE("v5.0: the simulator's congestion_state alone slows the Esme down",
          "[esme][sim][v50][congestion]") {
  constexpr int n = 3000;
  auto run = [&](InterfaceVersion esme_version) {
    asio::io_context io;
    auto scfg = v50_sim(InterfaceVersion::smpp_5_0);
    scfg.congestion_capacity = 200;  // submit_sm per second that the simulator calls full load
    std::shared_ptr<FlowControl> flow;
    std::optional<std::uint8_t> last;
    with_simulator(io, scfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      hook->mask = HookInterest::none;  // the fast path reads it too
      auto cfg = test_config(port);
      cfg.interface_version = esme_version;
      cfg.window = 20;
      cfg.response_timeout = 10000ms;
      FlowControlOptions fo;
      fo.period = 50ms;
      flow = std::make_shared<FlowControl>(fo);
      Esme esme(io.get_executor(), cfg, {.hook = hook, .flow_control = flow});
      run_esme(
          io, esme,
          [&]() -> asio::awaitable<void> {
            for (int i = 0; i < n; ++i)
              co_await esme.broker().enqueue(Pdu(make_submit(i)));
            // Until flow control has slowed down (or every message is answered).
            const bool ok = co_await wait_until(
                [&] {
                  return flow->stats().congestion_decreases > 0 || esme.stats().responses == n;
                },
                20000ms);
            CHECK(ok);
            last = esme.congestion_state();
          },
          60s);
      CHECK(esme.stats().responses + esme.stats().send_errors == esme.stats().taken);
      // The simulator throttles nothing here: the rate went down on congestion_state alone.
      CHECK(sim.stats().throttled == 0);
      CHECK(esme.stats().throttled == 0);
    });
    return std::make_pair(flow->stats().congestion_decreases, last);
  };
  SECTION("5.0 session: congestion_state reaches flow control, which lowers the rate") {
    const auto [decreases, last] = run(InterfaceVersion::smpp_5_0);
    CHECK(decreases > 0);
    REQUIRE(last);
    CHECK(*last > 0);
  }
  SECTION("3.4 session: the simulator sends none, flow control is not touched") {
    const auto [decreases, last] = run(InterfaceVersion::smpp_3_4);
    CHECK(decreases == 0);
    CHECK_FALSE(last);
  }
}

namespace {

// A 5.0 server on loopback sends `n` deliver_sm at once to an Esme speaking `esme_version` and
// records the congestion_state of each deliver_sm_resp (nullopt: none).
std::vector<std::optional<std::uint8_t>> own_congestion(InterfaceVersion esme_version, int n) {
  asio::io_context io;
  std::vector<std::optional<std::uint8_t>> seen;
  smsc::ServerConfig scfg;
  scfg.interface_version = InterfaceVersion::smpp_5_0;
  scfg.window = static_cast<std::size_t>(n);
  smsc::Handlers h;
  h.on_bound = [&](smsc::Session& s) {
    for (int i = 0; i < n; ++i) {
      DeliverSm d;
      d.source = PhoneNumber("447700900001");
      d.destination = PhoneNumber("1234");
      d.short_message = "mo";
      const auto ec = s.send(d, [&](std::error_code e, const PduView* r) {
        CHECK_FALSE(e);
        const auto* resp = r != nullptr ? std::get_if<DeliverSmRespView>(r) : nullptr;
        REQUIRE(resp != nullptr);
        seen.push_back(resp->tlvs.get<tlv::CongestionState>());
      });
      CHECK_FALSE(ec);
    }
  };
  smsc::Server server(io.get_executor(), scfg, h);
  const auto at = server.listen({asio::ip::make_address("127.0.0.1"), 0});
  bool server_done = false;
  asio::co_spawn(io, server.run(), [&](std::exception_ptr) { server_done = true; });
  auto hook = std::make_shared<SlowReceiver>();
  auto cfg = test_config(at.port());
  cfg.interface_version = esme_version;
  cfg.window = 4;  // the Esme's backlog is a percentage of it
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    const bool ok = co_await wait_until([&] { return seen.size() == std::size_t(n); }, 10000ms);
    CHECK(ok);
  });
  CHECK(hook->received_count == std::size_t(n));
  server.stop();
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool ok = co_await wait_until([&] { return server_done; });
    CHECK(ok);
  }());
  return seen;
}

}  // namespace

TEST_CASE("v5.0: the Esme's deliver_sm_resp carry its receive backlog as congestion_state",
          "[esme][v50][congestion]") {
  constexpr int n = 12;
  SECTION("5.0 session: on every answer, above 0 while the hook is behind") {
    const auto seen = own_congestion(InterfaceVersion::smpp_5_0, n);
    REQUIRE(seen.size() == n);
    std::uint8_t highest = 0;
    for (const auto& v : seen) {
      REQUIRE(v);
      CHECK(*v <= 100);
      highest = std::max(highest, *v);
    }
    // The server wrote all twelve at once; the Esme reads more than one of them before its hook
    // (10 ms each) has answered the first, however fast the machine.
    CHECK(highest > 0);
  }
  SECTION("3.4 session: never") {
    const auto seen = own_congestion(InterfaceVersion::smpp_3_4, n);
    REQUIRE(seen.size() == n);
    for (const auto& v : seen)
      CHECK_FALSE(v);
  }
}

namespace {

struct Slowdown {
  std::vector<std::size_t> per_period;  // messages sent per 100 ms
  std::uint64_t esme_throttled = 0;     // ESME_RTHROTTLED / RMSGQFUL responses, requeued or final
  std::uint64_t sim_throttled = 0;      // ESME_RTHROTTLED the simulator gave
  std::uint64_t congestion_decreases = 0;
};

// An Esme speaking `esme_version` wants to send at 600 per second to a 5.0 simulator whose
// throttling limit is 350 submit_sm in any second (account_rate) and whose congestion_state
// reads 100 at 200 in the last second (--congestion 200). Runs for 2.5 s of sending.
Slowdown run_slowdown(InterfaceVersion esme_version) {
  Slowdown out;
  asio::io_context io;
  auto scfg = v50_sim(InterfaceVersion::smpp_5_0);
  scfg.congestion_capacity = 200;
  scfg.account_rate = 350;
  with_simulator(io, scfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<TimedHook>();
    auto cfg = test_config(port);
    cfg.interface_version = esme_version;
    cfg.window = 20;
    cfg.response_timeout = 10000ms;
    FlowControlOptions fo;
    fo.period = 50ms;
    auto flow = std::make_shared<FlowControl>(fo);
    // The demand: 600 per second (a bucket of one flow-control period), above the SMSC's limit.
    auto limiter = std::make_shared<TokenBucketRateLimiter>(600.0, 30.0);
    Esme esme(io.get_executor(), cfg,
              {.hook = hook, .rate_limiter = limiter, .flow_control = flow});
    run_esme(
        io, esme,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 2000; ++i)
            co_await esme.broker().enqueue(Pdu(make_submit(i)));
          const bool ok = co_await wait_until([&] { return hook->spans(2500ms); }, 20000ms);
          CHECK(ok);
        },
        60s);
    // Every message taken ended once (those not sent when the Esme stopped, as send errors).
    CHECK(esme.stats().responses + esme.stats().send_errors == esme.stats().taken);
    out.per_period = hook->per_period(100ms);
    out.esme_throttled = esme.stats().throttled;
    CHECK(hook->throttled <= out.esme_throttled);  // the final ones the hook saw
    out.sim_throttled = sim.stats().throttled;
    out.congestion_decreases = flow->stats().congestion_decreases;
  });
  return out;
}

}  // namespace

TEST_CASE("v5.0: the Esme slows on rising congestion_state before any ESME_RTHROTTLED",
          "[esme][sim][v50][congestion]") {
  SECTION("5.0 session: the send rate falls and the simulator never throttles") {
    const auto r = run_slowdown(InterfaceVersion::smpp_5_0);
    CHECK(r.congestion_decreases > 0);
    CHECK(r.esme_throttled == 0);
    CHECK(r.sim_throttled == 0);
    // Counts of messages per 100 ms by the hook's clock: the busiest period of the first second
    // against the mean of the complete periods after the first 1.5 s (the last, partial one
    // left out). No duration is asserted, only that later periods carry fewer messages.
    const auto [peak, later] = rate_change(r.per_period, 10, 15);
    REQUIRE(peak > 0);
    INFO("peak " << peak << " per 100 ms, later " << later);
    CHECK(later < 0.75 * static_cast<double>(peak));
  }
  SECTION("3.4 session (no congestion_state): the same demand is throttled") {
    // What makes the first section mean something: the limit is real for this demand.
    const auto r = run_slowdown(InterfaceVersion::smpp_3_4);
    CHECK(r.congestion_decreases == 0);
    CHECK(r.sim_throttled > 0);
    CHECK(r.esme_throttled > 0);
  }
}
