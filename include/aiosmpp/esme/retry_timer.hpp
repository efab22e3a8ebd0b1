#pragma once

/** @file
 *  @brief RetryTimer: how long the ESME waits before reconnecting; ExponentialBackoff, the
 *  default (aiosmpplib's SimpleExponentialBackoff plus jitter). */

#include <chrono>
#include <functional>
#include <random>
#include <system_error>

#include <asio/awaitable.hpp>

namespace aiosmpp {

/** @brief Times reconnection attempts. The ESME calls wait() after every failed or ended session,
 *  reset() after every successful bind, and wait_at_least() when the SMSC must be given time (after
 *  ESME_RALYBND the SMSC still holds the old bind until its own timeout). Used from the ESME's
 *  executor only; implementations need not be thread-safe. */
class RetryTimer {
 public:
  /** @brief The clock delays are measured on. */
  using Clock = std::chrono::steady_clock;

  virtual ~RetryTimer() = default;

  /** @brief The delay the next wait() will take (jitter and any floor included): what the ESME
   *  logs before waiting. */
  virtual Clock::duration next_delay() const = 0;

  /** @brief Returns the delay to wait now (== next_delay()) and steps the back-off; clears a floor
   *  set by wait_at_least(). Sans-io: for callers that wait their own way. */
  virtual Clock::duration advance() = 0;

  /** @brief Back to the initial state (after a successful bind). A floor is cleared too. */
  virtual void reset() = 0;

  /** @brief Makes the next wait last at least `floor` (one-shot). */
  virtual void wait_at_least(Clock::duration floor) = 0;

  /** @brief Waits advance() on a steady_timer of the calling coroutine's executor (the default; an
   *  implementation may override). A zero delay completes without suspending.
   *  @return an empty error_code after the full delay; `asio::error::operation_aborted` when the
   *  awaiting coroutine was cancelled (terminal, partial or total). The back-off has stepped
   *  either way. */
  virtual asio::awaitable<std::error_code> wait();
};

/** @brief Truncated exponential back-off with jitter. After reset(), the first wait is immediate
 *  (a dropped connection is retried at once, as aiosmpplib does); then `min_delay`, doubled after
 *  each wait up to `max_increases` times (defaults: 1 s, 5 times, so at most 32 s), each reduced by
 *  a random fraction of up to `jitter` so that many ESMEs dropped together do not reconnect in
 *  lock-step. Not thread-safe. */
class ExponentialBackoff final : public RetryTimer {
 public:
  /** @brief Delays, growth and jitter. */
  struct Options {
    /** @brief First non-zero delay; > 0. Default 1 s. */
    Clock::duration min_delay = std::chrono::seconds(1);
    /** @brief How many times the delay doubles; 0..30, and min_delay * 2^max_increases must be
     *  representable. Default 5. */
    unsigned max_increases = 5;
    /** @brief Largest fraction taken off a delay at random; 0 (none) .. 1. Default 0.2, so a
     *  delay d becomes uniformly [0.8 d, d]. */
    double jitter = 0.2;
    /** @brief Random source returning values in [0, 1) (others are clamped); empty for a private
     *  std::mt19937_64 seeded from std::random_device. Tests inject a fixed one. */
    std::function<double()> random;
  };

  /** @throws std::invalid_argument naming the field and the limit. */
  explicit ExponentialBackoff(Options options);
  ExponentialBackoff() : ExponentialBackoff(Options{}) {}

  Clock::duration next_delay() const override;
  Clock::duration advance() override;
  void reset() override;
  void wait_at_least(Clock::duration floor) override;

  /** @brief The largest delay before jitter: min_delay * 2^max_increases. */
  Clock::duration max_delay() const noexcept { return max_delay_; }

 private:
  Clock::duration jittered(Clock::duration base);

  Options options_;
  Clock::duration max_delay_;
  Clock::duration base_{0};   // the next delay before jitter: 0, then min_delay, doubling
  Clock::duration next_{0};   // base_ with jitter, drawn once so next_delay() is what wait() takes
  Clock::duration floor_{0};  // from wait_at_least(), for the next wait only
  std::mt19937_64 engine_;
};

}  // namespace aiosmpp
