// SMPP 5.0 between the Esme and the bundled simulator over loopback: the version each side
// announces and the one in force, a 3.4 session that never carries a 5.0 TLV, and congestion_state
// reported by the simulator slowing the Esme's flow control down (counted, not timed).

#include <optional>

#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

smsc::SimConfig v50_sim(InterfaceVersion version) {
  smsc::SimConfig c;
  c.port = 0;
  c.receipts = false;
  c.stats_interval = 0ms;
  c.log_level = LogLevel::off;
  c.seed = 50;
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
