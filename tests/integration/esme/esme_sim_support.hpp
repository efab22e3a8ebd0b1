#pragma once

// The bundled simulator in the test's io_context, for the Esme's loopback tests against it.

#include <functional>

#include "aiosmpp/smsc/simulator.hpp"
#include "esme_test_support.hpp"

namespace aiosmpp::test {

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

}  // namespace aiosmpp::test
