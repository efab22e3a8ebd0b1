#pragma once

// A condition variable for coroutines on one executor: hooks and signal handlers notify(), the
// main coroutine waits until its predicate holds or a deadline passes. It is a steady_timer that
// never expires by itself before the deadline and is cancelled to wake the waiter; no threads,
// no polling loop.

#include <chrono>
#include <cstdint>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace examples {

class Condition {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Condition(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  /** Wakes the waiter (if any) so that it tests its predicate again. */
  void notify() { timer_.cancel(); }

  /** Waits until `ready()` is true (returns true) or `deadline` passes (returns false). The
   *  predicate is taken by reference: it lives until the awaiting full-expression ends. */
  template <class Predicate>
  asio::awaitable<bool> wait_until(Clock::time_point deadline, const Predicate& ready) {
    while (!ready()) {
      if (Clock::now() >= deadline) co_return false;
      timer_.expires_at(deadline);
      // operation_aborted means notify(); either way the loop tests the predicate again, so the
      // wait's error is kept instead of thrown.
      std::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return true;
  }

  template <class Predicate>
  asio::awaitable<bool> wait_for(Clock::duration limit, const Predicate& ready) {
    co_return co_await wait_until(Clock::now() + limit, ready);
  }

 private:
  asio::steady_timer timer_;
};

/** A deadline `seconds` from now; 0 means none (the far future). */
inline Condition::Clock::time_point deadline_after(std::uint64_t seconds) {
  if (seconds == 0) return Condition::Clock::time_point::max();
  return Condition::Clock::now() +
         std::chrono::seconds(static_cast<std::chrono::seconds::rep>(seconds));
}

}  // namespace examples
