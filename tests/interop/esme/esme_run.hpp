#pragma once

// Runs an Esme for an interop test body against a peer process, and always stops it.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

namespace aiosmpp::test {

// Starts `esme`, runs `body`, stops the Esme gracefully and waits for start() to return. When
// the body fails (a REQUIRE) or hangs, the Esme is still stopped, by cancelling start() if need
// be, so it never outlives the test case with coroutines pending on the io_context.
inline void run_esme(asio::io_context& io, Esme& esme, std::function<asio::awaitable<void>()> body,
                     std::chrono::seconds timeout = std::chrono::seconds(20)) {
  auto done = std::make_shared<std::pair<bool, std::exception_ptr>>(false, nullptr);
  asio::cancellation_signal hard_stop;
  asio::co_spawn(io, esme.start(),
                 asio::bind_cancellation_slot(hard_stop.slot(), [done](std::exception_ptr e) {
                   done->first = true;
                   done->second = e;
                 }));
  std::exception_ptr failed;
  try {
    run_coro(
        io,
        [&]() -> asio::awaitable<void> {
          std::exception_ptr body_failed;
          try {
            co_await body();
          } catch (...) {
            body_failed = std::current_exception();
          }
          co_await esme.stop();
          asio::steady_timer t(co_await asio::this_coro::executor);
          while (!done->first) {
            t.expires_after(std::chrono::milliseconds(2));
            co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
          }
          if (body_failed) std::rethrow_exception(body_failed);
        }(),
        timeout);
  } catch (...) {
    failed = std::current_exception();
  }
  if (!done->first) {
    hard_stop.emit(asio::cancellation_type::terminal);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    if (io.stopped()) io.restart();
    while (!done->first && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(std::chrono::milliseconds(10));
  }
  if (failed) std::rethrow_exception(failed);
  REQUIRE(done->first);
  if (done->second) std::rethrow_exception(done->second);
}

}  // namespace aiosmpp::test
