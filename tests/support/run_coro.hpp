#pragma once

// run_coro: runs a coroutine on an io_context to completion, or fails the test when it takes too
// long, so that a hung coroutine test fails instead of hanging CI (Boost.Redis test/common.cpp).
// Header-only on purpose: it needs no change to the test main library.

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp::test {

/** Thrown by run_coro when the coroutine did not finish in time. */
class CoroTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace run_coro_detail {

template <class T>
struct RunCoroState {
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  bool done = false;
  std::exception_ptr error;
  std::optional<Value> value;
};

// The result is stored by this wrapper, so co_spawn only ever completes with void: its non-void
// path default-constructs a T for the exception case, which g++ 12 -O1 with sanitizers reports as
// maybe-uninitialized for types such as std::optional of a struct holding strings.
template <class T>
asio::awaitable<void> run_coro_store(std::shared_ptr<RunCoroState<T>> state,
                                     asio::awaitable<T> coro) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(coro);
  } else {
    state->value.emplace(co_await std::move(coro));
  }
}

}  // namespace run_coro_detail

/** Spawns `coro` on `io`, runs `io` until the coroutine finishes, and returns its result or
 *  rethrows its exception. Other work on `io` (servers, timers) runs meanwhile.
 *
 *  Throws CoroTimeout when `timeout` passes first: the coroutine then gets a terminal cancellation
 *  and up to `grace` more to unwind before the throw, so it does not keep running into the next
 *  test. Throws std::runtime_error, also after cancelling, when something stops `io` before the
 *  coroutine finishes. Call from the thread that runs `io`; `io` is restarted first if it was
 *  stopped. */
template <class T>
T run_coro(asio::io_context& io, asio::awaitable<T> coro,
           std::chrono::steady_clock::duration timeout = std::chrono::seconds(10),
           std::chrono::steady_clock::duration grace = std::chrono::seconds(1)) {
  // Shared with the completion handler: after a timeout the handler may run when this function
  // has already returned (if the io_context is run again).
  auto state = std::make_shared<run_coro_detail::RunCoroState<T>>();
  asio::cancellation_signal cancel;
  asio::co_spawn(io, run_coro_detail::run_coro_store<T>(state, std::move(coro)),
                 asio::bind_cancellation_slot(cancel.slot(), [state](std::exception_ptr e) {
                   state->done = true;
                   state->error = e;
                 }));

  auto run_until = [&](std::chrono::steady_clock::time_point deadline) {
    if (io.stopped()) io.restart();
    while (!state->done && std::chrono::steady_clock::now() < deadline) {
      if (io.run_one_until(deadline) == 0 && io.stopped()) break;
    }
  };

  run_until(std::chrono::steady_clock::now() + timeout);
  if (!state->done) {
    // co_spawn keeps work on the context until the coroutine finishes, so the loop ends early only
    // when something called io.stop().
    const bool stopped = io.stopped();
    cancel.emit(asio::cancellation_type::terminal);
    run_until(std::chrono::steady_clock::now() + grace);
    if (stopped) {
      throw std::runtime_error(
          "run_coro: the io_context was stopped while the coroutine was still running");
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    throw CoroTimeout("run_coro: the coroutine did not finish within " + std::to_string(ms) +
                      " ms");
  }
  if (state->error) std::rethrow_exception(state->error);
  if constexpr (!std::is_void_v<T>) return std::move(*state->value);
}

/** Waits `d` on the calling coroutine's executor; a cancellation ends the wait early, quietly. */
inline asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
}

}  // namespace aiosmpp::test
