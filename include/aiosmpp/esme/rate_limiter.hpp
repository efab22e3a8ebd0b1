#pragma once

/** @file
 *  @brief RateLimiter: how fast the ESME may send requests; TokenBucketRateLimiter, the default
 *  (aiosmpplib's SimpleRateLimiter). */

#include <chrono>
#include <cstddef>
#include <mutex>
#include <system_error>

#include <asio/awaitable.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp {

/** @brief Limits the rate of requests the ESME sends.
 *
 *  The ESME asks once per *batch* of `n` messages, not once per message. It first calls the
 *  sans-io try_acquire() with the batch's timestamp: when that grants, the batch goes out with no
 *  coroutine frame and no clock read. Only when it does not grant does the ESME `co_await
 * limit(n)`.
 *
 *  A synchronous implementation overrides try_acquire() only; the default limit() retries it on a
 *  steady_timer. An asynchronous implementation (a limiter shared through Redis, say) returns
 *  @ref defer from try_acquire() and overrides limit().
 *
 *  What the Esme does with the answer (the batch's messages are taken from the broker, not yet
 *  written):
 *  - granted (zero from try_acquire(), an empty error_code from limit()): the batch is sent;
 *  - stop(), the end of the connection, or the hard stop (cancelling start()) while the Esme waits:
 *    limit() is cancelled (per-operation cancellation; it should return operation_aborted and take
 *    nothing), nothing of the batch is sent, and each message gets one Hook::send_error of kind
 *    `not_sent` (errc::stopped on stop(), the connection's error otherwise), like every message
 *    taken and not written when a session ends;
 *  - failure (limit() returns an error, or try_acquire()/limit() throws): nothing of the batch is
 *    sent; each message gets one Hook::send_error of kind `not_sent` carrying that error (or
 *    std::errc::io_error for an exception other than std::system_error, its what() in the
 *    detail). The session goes on with the next batch: the limiter is asked again. */
class RateLimiter {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;

  /** @brief Returned by try_acquire() to say "not decided here: call limit()". */
  static constexpr Clock::duration defer = Clock::duration::max();

  virtual ~RateLimiter() = default;

  /** @brief Tries to take `n` permits at time `now` (the ESME passes its batch timestamp; `now`
   *  may be slightly older than a previous call's when several ESMEs share the limiter).
   *  @return zero when the permits were taken; otherwise nothing is taken and the result is how
   *  long to wait before trying again, or @ref defer. `n == 0` is always granted. */
  virtual Clock::duration try_acquire(std::size_t n, Clock::time_point now) = 0;

  /** @brief Waits until `n` permits are taken.
   *
   *  The default implementation calls try_acquire(n, Clock::now()) and waits what it returns on a
   *  steady_timer of the calling coroutine's executor, until it grants.
   *  @return an empty error_code once the permits are taken; `asio::error::operation_aborted`
   *  when the wait was cancelled (per-operation cancellation of the awaiting coroutine: terminal,
   *  partial and total are all honoured), in which case nothing was taken.
   *  @throws std::logic_error from the default implementation if try_acquire() returns @ref defer
   *  (an implementation that defers must override limit()). */
  virtual asio::awaitable<std::error_code> limit(std::size_t n);
};

/** @brief Token bucket, as aiosmpplib's SimpleRateLimiter: tokens accrue at `send_rate` per second
 *  up to `burst` (by default one second's worth, as aiosmpplib's `max_tokens = send_rate`); a
 *  request for `n` needs `n` tokens. The bucket starts full.
 *
 *  A batch larger than the bucket would never fit, so a request for `n > burst` is granted once the
 *  bucket is full and leaves it in debt: the average rate still holds, the next batches wait
 * longer.
 *
 *  Thread-safe (a mutex): one limiter may be shared by several ESMEs that bind the same account,
 *  to keep their combined rate. */
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  /** @brief `send_rate`: messages per second, finite and > 0 (aiosmpplib's default 100000).
   *  `burst`: bucket size in messages, finite and >= 1, or 0 for `send_rate` (at least 1).
   *  `logger`: logs each delay at DEBUG (event "rate_limiter_delay").
   *  @throws std::invalid_argument naming the field and the limit. */
  explicit TokenBucketRateLimiter(double send_rate = 100000.0, double burst = 0.0,
                                  Logger logger = {});

  Clock::duration try_acquire(std::size_t n, Clock::time_point now) override;

  /** @brief Messages per second. */
  double send_rate() const noexcept { return send_rate_; }
  /** @brief Bucket size in messages. */
  double burst() const noexcept { return burst_; }
  /** @brief Tokens available at `now` (negative while in debt); does not take any. */
  double tokens(Clock::time_point now) const;

 private:
  double refilled_locked(Clock::time_point now) const noexcept;

  double send_rate_;
  double burst_;
  Logger logger_;
  mutable std::mutex mutex_;
  double tokens_;
  Clock::time_point updated_at_;
  bool started_ = false;  // the first call's `now` is the bucket's origin
};

}  // namespace aiosmpp
