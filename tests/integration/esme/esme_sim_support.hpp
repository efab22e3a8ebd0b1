#pragma once

// The bundled simulator in the test's io_context, for the Esme's loopback tests against it, and
// the conservation checks those tests share.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "aiosmpp/smsc/simulator.hpp"
#include "esme_test_support.hpp"

namespace aiosmpp::test {

/** The window the simulator tests give the Esme. */
inline constexpr std::size_t esme_window = 20;

/** A quiet simulator on an ephemeral port, receipts off, with a fixed seed (0: random). */
inline smsc::SimConfig sim_config(std::uint64_t seed = 42) {
  using namespace std::chrono_literals;
  smsc::SimConfig c;
  c.port = 0;
  c.receipts = false;
  c.stats_interval = 0ms;
  c.log_level = LogLevel::off;
  c.seed = seed;
  return c;
}

/** Runs the simulator for the duration of `body` (which may read its stats); stops it and lets
 *  it finish afterwards. */
inline void with_simulator(
    asio::io_context& io, smsc::SimConfig cfg,
    const std::function<void(smsc::Simulator& sim, std::uint16_t port)>& body) {
  smsc::Simulator sim(io.get_executor(), std::move(cfg));
  const auto port = sim.listen().port();
  bool done = false;
  asio::co_spawn(io, sim.run(), [&](std::exception_ptr) { done = true; });
  body(sim, port);
  sim.stop();
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool ok = co_await wait_until([&] { return done; });
    CHECK(ok);
  }());
}

/** Enqueues submits id-0 .. id-(n-1) and waits until each has its outcome. */
inline asio::awaitable<void> send_all(
    Esme& esme, const RecordingHook& hook, int n,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  for (int i = 0; i < n; ++i) {
    Pdu m = make_submit(i);
    co_await esme.broker().enqueue(std::move(m));
  }
  const bool ok = co_await wait_until([&] { return hook.outcomes() == std::size_t(n); }, timeout);
  CHECK(ok);
}

/** The Esme's promise: every message taken has exactly one outcome, and nothing else. */
inline void check_conservation(const Esme& esme, const RecordingHook& hook, int n,
                               std::size_t window = 20) {
  CHECK(hook.outcomes() == std::size_t(n));
  CHECK(hook.no_duplicates());
  CHECK(esme.stats().taken == std::uint64_t(n));
  CHECK(esme.stats().responses + esme.stats().send_errors == esme.stats().taken);
  CHECK(esme.stats().in_flight == 0);
  CHECK(esme.stats().max_in_flight <= window);
  // Every response carries the tracking of its own message.
  for (const auto& r : hook.responses)
    CHECK(r.extra_data == "extra-" + r.log_id.substr(3));
}

}  // namespace aiosmpp::test
