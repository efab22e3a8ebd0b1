#include "aiosmpp/esme/throttle_handler.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp {

asio::awaitable<std::error_code> ThrottleHandler::wait_until_allowed() {
  std::optional<asio::steady_timer> timer;
  while (!allow_request(Clock::now())) {
    if (!timer) timer.emplace(co_await asio::this_coro::executor);
    timer->expires_after(throttle_delay());
    auto [ec] = co_await timer->async_wait(detail::use_nothrow_awaitable);
    if (ec) co_return ec;
  }
  co_return std::error_code{};
}

SimpleThrottleHandler::SimpleThrottleHandler(Options options, Logger logger,
                                             Clock::time_point start)
    : options_(options), logger_(std::move(logger)), updated_at_(start) {
  using std::chrono::duration;
  if (options_.sampling_period <= Clock::duration::zero()) {
    throw std::invalid_argument(
        fmt::format("SimpleThrottleHandler: sampling_period must be > 0 (got {} s)",
                    duration<double>(options_.sampling_period).count()));
  }
  if (!(options_.deny_request_at >= 0.0 && options_.deny_request_at <= 100.0)) {
    throw std::invalid_argument(fmt::format(
        "SimpleThrottleHandler: deny_request_at must be a percentage in 0..100 (got {})",
        options_.deny_request_at));
  }
  if (options_.throttle_wait <= Clock::duration::zero()) {
    throw std::invalid_argument(
        fmt::format("SimpleThrottleHandler: throttle_wait must be > 0 (got {} s)",
                    duration<double>(options_.throttle_wait).count()));
  }
}

void SimpleThrottleHandler::record_responses(std::size_t throttled, std::size_t not_throttled) {
  std::lock_guard lock(mutex_);
  throttled_ += throttled;
  not_throttled_ += not_throttled;
}

double SimpleThrottleHandler::percent_locked() const noexcept {
  const std::size_t total = throttled_ + not_throttled_;
  // Too few responses to judge: assume the happy case, as aiosmpplib does.
  if (total == 0 || total < options_.sample_size) return 0.0;
  const double percent = static_cast<double>(throttled_) / static_cast<double>(total) * 100.0;
  return std::round(percent * 100.0) / 100.0;
}

double SimpleThrottleHandler::percent_throttled() const {
  std::lock_guard lock(mutex_);
  return percent_locked();
}

bool SimpleThrottleHandler::allow_request(Clock::time_point now) {
  double percent = 0.0;
  std::size_t throttled = 0;
  std::size_t not_throttled = 0;
  {
    std::lock_guard lock(mutex_);
    // Decide on the period just ended before restarting the counts, as aiosmpplib does.
    percent = percent_locked();
    throttled = throttled_;
    not_throttled = not_throttled_;
    if (now - updated_at_ > options_.sampling_period) {
      throttled_ = 0;
      not_throttled_ = 0;
      updated_at_ = now;
    }
  }
  const bool allowed = percent <= options_.deny_request_at;
  AIOSMPP_LOG(logger_, allowed ? LogLevel::debug : LogLevel::warning, "throttle_decision",
              {"result", allowed ? "allowed" : "denied"}, {"percent_throttled", percent},
              {"throttled_responses", throttled}, {"other_responses", not_throttled},
              {"sample_size", options_.sample_size}, {"deny_request_at", options_.deny_request_at});
  return allowed;
}

}  // namespace aiosmpp
