#include "aiosmpp/esme/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp {

asio::awaitable<std::error_code> RateLimiter::limit(std::size_t n) {
  std::optional<asio::steady_timer> timer;
  for (;;) {
    const auto wait = try_acquire(n, Clock::now());
    if (wait <= Clock::duration::zero()) co_return std::error_code{};
    if (wait == defer) {
      throw std::logic_error(
          "RateLimiter::limit: try_acquire returned defer but limit() is not overridden");
    }
    if (!timer) timer.emplace(co_await asio::this_coro::executor);
    timer->expires_after(wait);
    auto [ec] = co_await timer->async_wait(detail::use_nothrow_awaitable);
    if (ec) co_return ec;
  }
}

namespace {

// Far enough to mean "not in any useful time", short enough that adding it to now() can't overflow.
constexpr double max_wait_seconds = 1e6;

}  // namespace

TokenBucketRateLimiter::TokenBucketRateLimiter(double send_rate, double burst, Logger logger)
    : send_rate_(send_rate), burst_(burst), logger_(std::move(logger)) {
  if (!std::isfinite(send_rate) || send_rate <= 0.0) {
    throw std::invalid_argument(fmt::format(
        "TokenBucketRateLimiter: send_rate must be a finite number > 0 (got {})", send_rate));
  }
  if (!std::isfinite(burst) || (burst != 0.0 && burst < 1.0)) {
    throw std::invalid_argument(fmt::format(
        "TokenBucketRateLimiter: burst must be 0 (one second's worth) or a finite number >= 1 "
        "(got {})",
        burst));
  }
  if (burst_ == 0.0) burst_ = std::max(send_rate_, 1.0);
  tokens_ = burst_;
}

double TokenBucketRateLimiter::refilled_locked(Clock::time_point now) const noexcept {
  if (!started_ || now <= updated_at_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - updated_at_).count();
  return std::min(burst_, tokens_ + elapsed * send_rate_);
}

RateLimiter::Clock::duration TokenBucketRateLimiter::try_acquire(std::size_t n,
                                                                 Clock::time_point now) {
  if (n == 0) return Clock::duration::zero();
  const double wanted = static_cast<double>(n);
  const double needed = std::min(wanted, burst_);
  double missing = 0.0;
  double available = 0.0;
  {
    std::lock_guard lock(mutex_);
    tokens_ = refilled_locked(now);
    // A caller with an older batch timestamp must not move the origin back (it would add
    // tokens twice for the same interval).
    if (!started_ || now > updated_at_) updated_at_ = now;
    started_ = true;
    if (tokens_ >= needed) {
      tokens_ -= wanted;  // may go negative for n > burst: debt keeps the average rate
      return Clock::duration::zero();
    }
    missing = needed - tokens_;
    available = tokens_;
  }
  const double seconds = std::min(missing / send_rate_, max_wait_seconds);
  auto wait = std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds));
  if (wait <= Clock::duration::zero()) wait = Clock::duration(1);
  AIOSMPP_LOG(logger_, LogLevel::debug, "rate_limiter_delay", {"requested", n},
              {"tokens", available}, {"send_rate", send_rate_},
              {"wait_ms", std::chrono::duration<double, std::milli>(wait).count()});
  return wait;
}

double TokenBucketRateLimiter::tokens(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return refilled_locked(now);
}

}  // namespace aiosmpp
