#include "aiosmpp/esme/retry_timer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp {

asio::awaitable<std::error_code> RetryTimer::wait() {
  const auto delay = advance();
  if (delay <= Clock::duration::zero()) co_return std::error_code{};
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  auto [ec] = co_await timer.async_wait(detail::use_nothrow_awaitable);
  co_return ec;
}

ExponentialBackoff::ExponentialBackoff(Options options) : options_(std::move(options)) {
  using std::chrono::duration;
  if (options_.min_delay <= Clock::duration::zero()) {
    throw std::invalid_argument(fmt::format("ExponentialBackoff: min_delay must be > 0 (got {} s)",
                                            duration<double>(options_.min_delay).count()));
  }
  if (options_.max_increases > 30 ||
      options_.min_delay.count() > (Clock::duration::max().count() >> options_.max_increases)) {
    throw std::invalid_argument(fmt::format(
        "ExponentialBackoff: max_increases must be in 0..30 with min_delay * 2^max_increases "
        "representable (got {} with min_delay {} s)",
        options_.max_increases, duration<double>(options_.min_delay).count()));
  }
  if (!(options_.jitter >= 0.0 && options_.jitter <= 1.0)) {
    throw std::invalid_argument(fmt::format(
        "ExponentialBackoff: jitter must be a fraction in 0..1 (got {})", options_.jitter));
  }
  max_delay_ = options_.min_delay * (std::int64_t{1} << options_.max_increases);
  if (!options_.random) engine_.seed(std::random_device{}());
}

RetryTimer::Clock::duration ExponentialBackoff::jittered(Clock::duration base) {
  if (base <= Clock::duration::zero() || options_.jitter == 0.0) return base;
  double u = 0.0;
  if (options_.random) {
    u = options_.random();
    if (!(u >= 0.0)) u = 0.0;  // also NaN
    if (u > 1.0) u = 1.0;
  } else {
    u = std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }
  const double factor = 1.0 - options_.jitter * u;
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, Clock::period>(static_cast<double>(base.count()) * factor));
}

RetryTimer::Clock::duration ExponentialBackoff::next_delay() const {
  return std::max(next_, floor_);
}

RetryTimer::Clock::duration ExponentialBackoff::advance() {
  const auto delay = next_delay();
  // base_ is min_delay * 2^k, so below max_delay_ doubling can't pass it (nor overflow).
  base_ = base_ == Clock::duration::zero() ? options_.min_delay
                                           : (base_ >= max_delay_ ? max_delay_ : base_ * 2);
  next_ = jittered(base_);
  floor_ = Clock::duration::zero();
  return delay;
}

void ExponentialBackoff::reset() {
  base_ = next_ = floor_ = Clock::duration::zero();
}

void ExponentialBackoff::wait_at_least(Clock::duration floor) {
  floor_ = std::max(floor_, floor);
}

}  // namespace aiosmpp
