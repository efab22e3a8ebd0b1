#pragma once

/** @file
 *  @brief RedisRateLimiter: one messages/s budget per account shared by every process and bind,
 *  a token bucket in Redis (a Lua script) from which each process leases tokens in small
 *  batches. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/rate_limiter.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/redis/client.hpp"

namespace aiosmpp {

/** @brief Settings of a RedisRateLimiter. Every process of an account must use the same `rate`
 *  and `burst` (the script takes them from each caller). Key: `<key_prefix>:<account>:rate`. */
struct RedisRateLimiterOptions {
  /** @brief The account whose budget this is; not empty, no ':'. Default "default". */
  std::string account = "default";
  /** @brief First part of the key; not empty. Default "aiosmpp". */
  std::string key_prefix = "aiosmpp";
  /** @brief The budget: messages per second for the account, all processes together; finite
   *  and > 0. Default 100. */
  double rate = 100.0;
  /** @brief The bucket's size in messages (what may go at once after a quiet period); finite and
   *  >= 1, or 0 for one second's worth (`rate`, at least 1). Default 0. */
  double burst = 0.0;
  /** @brief Tokens asked of Redis per lease (more when a batch needs more): one script call per
   *  `lease_size` messages; >= 1. Default 10. A lease also takes, when the bucket has them, up
   *  to the last batch's size (at most `burst`, and half of `rate * lease_ttl`) and the next
   *  lease is asked for as soon as the stock falls below that, so batches of the same size
   *  rarely wait for Redis. */
  std::size_t lease_size = 10;
  /** @brief A leased token not used within this is dropped, so tokens cannot pile up in a
   *  process and leave later than the bucket allowed; > 0. Any interval of T seconds then sees
   *  at most `burst + rate * (T + lease_ttl)` messages across all processes. Keep it well above
   *  the round trip to Redis (a lease that arrives expired grants nothing). Default 100 ms. */
  std::chrono::milliseconds lease_ttl{100};
  /** @brief How long one limit() waits for Redis (a lease unanswered, or Redis failing) before
   *  it gives up with the error (the Esme then reports that batch not_sent); 0 waits until Redis
   *  answers (the wait stays cancellable). Waiting for tokens the bucket does not have yet is
   *  not bounded by it: that is the rate. Default 10 s. */
  std::chrono::milliseconds max_wait{10000};
  /** @brief While Redis fails (a lease came back with an error, or the client's
   *  command_timeout passed), a local token bucket at this rate (messages/s for this process)
   *  stands in for the shared one; 0 (the default) sends nothing without Redis. With P processes
   *  the account may then see up to P times this rate. Finite and >= 0. */
  double fallback_rate = 0.0;
  /** @brief Events redis_rate_limiter_* (default: off). */
  Logger logger;
};

/** @brief Counters of a RedisRateLimiter. */
struct RedisRateLimiterStats {
  std::uint64_t granted = 0;           ///< permits given to the Esme from leased tokens
  std::uint64_t leased = 0;            ///< tokens leased from Redis
  std::uint64_t expired = 0;           ///< leased tokens dropped unused after lease_ttl
  std::uint64_t script_calls = 0;      ///< EVALSHA and EVAL sent (one per lease)
  std::uint64_t script_loads = 0;      ///< SCRIPT LOAD sent, and EVAL after NOSCRIPT
  std::uint64_t redis_errors = 0;      ///< leases that failed (Redis down, slow or erroring)
  std::uint64_t refused = 0;           ///< limit() calls that gave up after max_wait
  std::uint64_t fallback_granted = 0;  ///< permits given by the local fallback bucket
};

/** @brief The outcome of one run of the bucket script (see RedisRateLimiter::take_script()). */
struct RedisBucketTake {
  std::uint64_t granted = 0;                 ///< tokens taken: 0, or between `min` and `max`
  std::chrono::microseconds retry_after{0};  ///< when granted is 0: until `min` tokens are there
  double tokens = 0;                         ///< tokens left in the bucket (negative: in debt)
};

/** @brief The RateLimiter on a token bucket kept in Redis, shared by any number of processes.
 *
 *  The bucket (`<key_prefix>:<account>:rate`, a hash of `tokens` and `ts`) is refilled and taken
 *  from by one Lua script on Redis's own clock (TIME), so hosts' clocks do not matter. A process
 *  does not ask Redis per message: it leases `lease_size` tokens at a time (EVALSHA, EVAL after
 *  NOSCRIPT) and grants the Esme's batches from them without suspending (try_acquire()); when
 *  the lease runs low it asks for the next one in the background. A batch larger than the bucket
 *  is granted once the bucket is full and leaves it in debt, as TokenBucketRateLimiter does.
 *
 *  Bound: a leased token is used within `lease_ttl` or dropped, so over any interval of T
 *  seconds the account's processes together send at most `burst + rate * (T + lease_ttl)`.
 *
 *  Redis down or failing: nothing is granted from the shared budget. limit() waits for Redis (it
 *  retries with the client's reconnection) up to `max_wait`, then fails with the error (counted
 *  in `refused`; the Esme reports that batch not_sent and asks again with the next one); with
 *  `fallback_rate` > 0 a local bucket grants at that rate instead. Waits are cancellable (the
 *  Esme's stop() is never held up by Redis).
 *
 *  Threads: every call on `executor` (the Esme's or the pool's). */
class RedisRateLimiter final : public RateLimiter {
 public:
  /** @brief Connects to Redis at `client`. @throws std::invalid_argument naming an option. */
  RedisRateLimiter(asio::any_io_executor executor, RedisClientOptions client,
                   RedisRateLimiterOptions options = {});
  ~RedisRateLimiter() override;
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  /** @brief Grants from the leased tokens at once; otherwise starts a lease and returns @ref
   *  defer (or the fallback bucket's answer while Redis is failing). */
  Clock::duration try_acquire(std::size_t n, Clock::time_point now) override;
  /** @brief Waits until `n` tokens are leased and takes them. @return empty, operation_aborted
   *  when cancelled (nothing taken), or the Redis error after `max_wait` without Redis. */
  asio::awaitable<std::error_code> limit(std::size_t n) override;

  /** @brief Counters since construction. */
  RedisRateLimiterStats stats() const noexcept;
  /** @brief Leased tokens not yet used (those not expired at `now`). */
  std::size_t leased_tokens(Clock::time_point now) const;
  /** @brief The bucket's key. */
  const std::string& key() const noexcept;
  /** @brief The options in use (burst resolved). */
  const RedisRateLimiterOptions& options() const noexcept;
  /** @brief The connection (for tests and health checks). */
  RedisClient& client() noexcept;

  /** @brief The bucket script's text (Lua). Arguments: KEYS[1] the bucket; ARGV rate, burst,
   *  min, max, key TTL in ms, and optionally the time in microseconds (else Redis's TIME). It
   *  returns {granted, retry_after_us, tokens * 1000}. */
  static const std::string& bucket_script();
  /** @brief Runs the bucket script once on `client` at time `now_us` (a fake clock: tests drive
   *  the real script with it) and returns what it decided. @throws RedisError. */
  static asio::awaitable<RedisBucketTake> take_script(RedisClient& client, std::string key,
                                                      double rate, double burst, std::uint64_t min,
                                                      std::uint64_t max, std::uint64_t now_us);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace aiosmpp
