// The Esme against the bundled simulator throttling every fourth submit_sm (throttle_every = 4,
// as aiosmpp-smsc-sim --throttle-every 4): every message ends once, accepted, and the window keeps
// sending fresh messages while throttled ones wait outside it, within EsmeConfig::requeue_limit.
// Asserted on counts and on the Esme's state as each outcome arrives, never on time.

#include <map>
#include <set>
#include <string>

#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

/** Counts each message's one outcome, and samples the Esme's window and holding area at each
 *  send and each outcome. */
struct SamplingHook final : Hook {
  const Esme* esme = nullptr;
  std::map<std::string, int> per_log_id;
  std::size_t accepted = 0;
  std::size_t others = 0;
  std::set<std::string> sent;
  std::size_t fresh_while_waiting = 0;  // first sends of a message while others waited
  std::uint64_t max_waiting = 0;        // messages waiting to be sent again
  std::uint64_t max_held = 0;           // in flight + waiting

  HookInterest interests() const noexcept override {
    return HookInterest::sending | HookInterest::outcome;
  }
  asio::awaitable<void> sending(const Pdu& m, std::span<const std::uint8_t>,
                                std::string_view) override {
    const bool fresh = sent.insert(tracking_of(m).log_id).second;
    const EsmeMetrics metrics = esme->metrics();
    if (fresh && metrics.requeued_waiting > 0) ++fresh_while_waiting;
    sample(metrics);
    co_return;
  }
  asio::awaitable<void> received(const Pdu*, std::span<const std::uint8_t>,
                                 std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view) override {
    ++per_log_id[tracking_of(o.message).log_id];
    if (o.accepted()) {
      ++accepted;
    } else {
      ++others;
    }
    sample(esme->metrics());
    co_return;
  }
  void sample(const EsmeMetrics& m) {
    max_waiting = std::max(max_waiting, m.requeued_waiting);
    max_held = std::max(max_held, m.stats.in_flight + m.requeued_waiting);
  }
  std::size_t outcomes() const { return accepted + others; }
};

}  // namespace

TEST_CASE("simulator throttling one submit_sm in four: one outcome each, the window keeps sending",
          "[esme][sim][throttle][requeue]") {
  asio::io_context io;
  smsc::SimConfig cfg = sim_config(0);
  cfg.throttle_every = 4;
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<SamplingHook>();
    auto ecfg = test_config(port);
    ecfg.window = 16;
    ecfg.requeue_limit = 48;
    // A delay long beside a loopback round trip: many fresh messages go out while one waits.
    ecfg.requeue.first_delay = 100ms;
    ecfg.requeue.max_delay = 100ms;
    ecfg.requeue.max_attempts = 20;  // every fourth at most: never throttled 20 times in a row
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    hook->esme = &esme;
    constexpr int n = 600;
    run_esme(
        io, esme,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < n; ++i) {
            Pdu m = make_submit(i);
            co_await esme.broker().enqueue(std::move(m));
          }
          const bool ok =
              co_await wait_until([&] { return hook->outcomes() == std::size_t(n); }, 30000ms);
          CHECK(ok);
        },
        60s);
    // Every message ended once, accepted; every throttled answer was a requeue, not an outcome.
    CHECK(hook->per_log_id.size() == std::size_t(n));
    for (const auto& [id, count] : hook->per_log_id)
      CHECK(count == 1);
    CHECK(hook->accepted == std::size_t(n));
    CHECK(esme.stats().taken == std::uint64_t(n));
    CHECK(esme.stats().requeued == esme.stats().throttled);
    CHECK(esme.stats().throttled == sim.stats().throttled);
    CHECK(sim.stats().submits == n + esme.stats().requeued);
    CHECK(sim.stats().throttled >= std::uint64_t(n / 4));
    CHECK(esme.metrics().requeued_waiting == 0);
    // Throttled messages waited outside the window: fresh messages went out while they waited,
    // more were held than the window has slots (waiting ones held slots before, so never more
    // than the window), and the holding area kept its bound.
    CHECK(hook->fresh_while_waiting > 0);
    CHECK(hook->max_held > ecfg.window);
    CHECK(hook->max_waiting <= ecfg.requeue_limit);
    CHECK(hook->max_held <= ecfg.requeue_limit);
    CHECK(esme.stats().max_in_flight <= ecfg.window);
  });
}
