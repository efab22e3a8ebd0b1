#include "aiosmpp/esme/flow_control.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace aiosmpp {

namespace {

constexpr double seconds(std::chrono::steady_clock::duration d) noexcept {
  return std::chrono::duration<double>(d).count();
}

// The budget's burst: a tenth of a second's worth, so batches stay batches without letting a
// limited link send a long burst at once.
double burst_of(double rate) noexcept {
  return std::max(1.0, rate * 0.1);
}

// A lower rate "helped" when the throttled share fell to this fraction of what caused it.
constexpr double helped_ratio = 0.5;
// The limit is dropped once the rate is this many times what is actually sent.
constexpr double release_ratio = 4.0;
// Throttling judged rate-insensitive stays so while its share stays within this factor of it.
constexpr double insensitive_margin = 1.5;

}  // namespace

FlowControl::FlowControl(FlowControlOptions options, Logger logger)
    : options_(options), logger_(std::move(logger)) {
  if (options_.period.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("FlowControlOptions.period: {} ms, must be > 0", options_.period.count()));
  }
  if (!(options_.throttle_threshold > 0 && options_.throttle_threshold < 1)) {
    throw std::invalid_argument(
        fmt::format("FlowControlOptions.throttle_threshold: {}, must be in (0, 1)",
                    options_.throttle_threshold));
  }
  if (!(options_.min_rate > 0) || !std::isfinite(options_.min_rate)) {
    throw std::invalid_argument(
        fmt::format("FlowControlOptions.min_rate: {}, must be finite and > 0", options_.min_rate));
  }
  if (!(options_.increase > 0) || !std::isfinite(options_.increase)) {
    throw std::invalid_argument(
        fmt::format("FlowControlOptions.increase: {}, must be finite and > 0", options_.increase));
  }
  if (options_.congestion_threshold < 1 || options_.congestion_threshold > 100) {
    throw std::invalid_argument(
        fmt::format("FlowControlOptions.congestion_threshold: {}, must be 1..100",
                    static_cast<unsigned>(options_.congestion_threshold)));
  }
}

std::optional<double> FlowControl::rate() const {
  std::lock_guard lock(mutex_);
  if (!limiting_) return std::nullopt;
  return rate_;
}

FlowControl::Stats FlowControl::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void FlowControl::refill_locked(Clock::time_point now) {
  if (now > refilled_at_) {
    tokens_ = std::min(burst_of(rate_), tokens_ + seconds(now - refilled_at_) * rate_);
    refilled_at_ = now;
  }
}

std::size_t FlowControl::acquire(std::size_t n, Clock::time_point now,
                                 Clock::time_point& retry_at) {
  std::lock_guard lock(mutex_);
  if (!options_.enabled || n == 0) return n;
  if (!started_) {
    started_ = true;
    period_start_ = now;
  }
  if (!limiting_) {
    period_sent_ += n;
    return n;
  }
  refill_locked(now);
  if (tokens_ < 1.0) {
    const double wait = (1.0 - tokens_) / rate_;
    retry_at =
        now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
    return 0;
  }
  const auto granted = std::min(n, static_cast<std::size_t>(tokens_));
  tokens_ -= static_cast<double>(granted);
  period_sent_ += granted;
  return granted;
}

void FlowControl::record(std::size_t throttled, std::size_t clean, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!options_.enabled) return;
  if (!started_) {
    started_ = true;
    period_start_ = now;
  }
  period_throttled_ += throttled;
  period_clean_ += clean;
  if (now - period_start_ >= options_.period) evaluate_locked(now);
}

void FlowControl::record_congestion(std::uint8_t value, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!options_.enabled) return;
  if (!started_) {
    started_ = true;
    period_start_ = now;
  }
  period_congestion_ = std::max(period_congestion_, std::min<unsigned>(value, 100));
  if (now - period_start_ >= options_.period) evaluate_locked(now);
}

void FlowControl::evaluate_locked(Clock::time_point now) {
  const std::size_t responses = period_throttled_ + period_clean_;
  if (responses < options_.min_samples) return;  // a quiet link is no signal: keep counting
  const double elapsed = std::max(seconds(now - period_start_), 1e-3);
  const double sent_rate = static_cast<double>(period_sent_) / elapsed;
  const double share = static_cast<double>(period_throttled_) / static_cast<double>(responses);
  const unsigned congestion = period_congestion_;
  period_start_ = now;
  period_sent_ = period_throttled_ = period_clean_ = 0;
  period_congestion_ = 0;

  if (share <= options_.throttle_threshold) {
    insensitive_share_ = 0;
    judging_decrease_ = false;
    if (congestion >= options_.congestion_threshold) {
      congestion_decrease_locked(sent_rate, congestion, now);
    } else {
      increase_locked(sent_rate, share);
    }
    return;
  }
  // The period right after a decrease tells whether the SMSC throttles by rate: if the share did
  // not fall, a lower rate does not help (only requeueing does), so the rate goes back up.
  if (judging_decrease_) {
    judging_decrease_ = false;
    if (share > share_at_decrease_ * helped_ratio) {
      insensitive_share_ = share;
      AIOSMPP_LOG(logger_, LogLevel::info, "flow_control_rate_insensitive",
                  {"throttled_share", share});
      increase_locked(sent_rate, share);
      return;
    }
  }
  if (insensitive_share_ > 0 && share <= insensitive_share_ * insensitive_margin) {
    increase_locked(sent_rate, share);
    return;
  }
  const double accepted = sent_rate * (1.0 - share);
  limit_locked(limiting_ ? std::min(rate_, accepted) : accepted, now);
  share_at_decrease_ = share;
  judging_decrease_ = true;
  insensitive_share_ = 0;
  ++stats_.decreases;
  AIOSMPP_LOG(logger_, LogLevel::info, "flow_control_decrease", {"rate", rate_},
              {"throttled_share", share}, {"sent_rate", sent_rate});
}

void FlowControl::limit_locked(double rate, Clock::time_point now) {
  rate_ = std::max(options_.min_rate, rate);
  if (!limiting_) {
    limiting_ = true;
    tokens_ = burst_of(rate_);
    refilled_at_ = now;
  }
  rate_at_decrease_ = rate_;
  tokens_ = std::min(tokens_, burst_of(rate_));
}

// The SMSC says it nears congestion (SMPP 5.0 congestion_state at or above the threshold) while
// it still accepts everything: lower the rate before it throttles, the more the higher the
// value (docs/smpp-5.0.md: the ESME keeps the SMSC in its optimum band, 80-89). Not judged for
// rate-insensitivity: the signal is the SMSC's own load, which a lower rate does lower.
void FlowControl::congestion_decrease_locked(double sent_rate, unsigned congestion,
                                             Clock::time_point now) {
  const double span = 101.0 - options_.congestion_threshold;
  const double above = static_cast<double>(congestion - options_.congestion_threshold + 1) / span;
  const double factor = 1.0 - 0.5 * above;
  const double base =
      limiting_ ? std::min(rate_, std::max(sent_rate, options_.min_rate)) : sent_rate;
  limit_locked(base * factor, now);
  ++stats_.decreases;
  ++stats_.congestion_decreases;
  AIOSMPP_LOG(logger_, LogLevel::info, "flow_control_congestion_decrease", {"rate", rate_},
              {"congestion_state", congestion}, {"sent_rate", sent_rate});
}

void FlowControl::increase_locked(double sent_rate, double share) {
  if (!limiting_) return;
  rate_ += std::max(1.0, rate_at_decrease_ * options_.increase);
  ++stats_.increases;
  if (rate_ > release_ratio * std::max(sent_rate, options_.min_rate)) {
    limiting_ = false;
    ++stats_.releases;
    AIOSMPP_LOG(logger_, LogLevel::info, "flow_control_release", {"rate", rate_},
                {"sent_rate", sent_rate});
    return;
  }
  AIOSMPP_LOG(logger_, LogLevel::debug, "flow_control_increase", {"rate", rate_},
              {"throttled_share", share});
}

SimpleRequeuePolicy::SimpleRequeuePolicy(RequeueOptions options, std::uint32_t seed)
    : options_(std::move(options)), random_(seed) {
  if (options_.max_attempts < 1) {
    throw std::invalid_argument("RequeueOptions.max_attempts: 0, must be >= 1");
  }
  if (options_.budget.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("RequeueOptions.budget: {} ms, must be > 0", options_.budget.count()));
  }
  if (options_.first_delay.count() <= 0) {
    throw std::invalid_argument(fmt::format("RequeueOptions.first_delay: {} ms, must be > 0",
                                            options_.first_delay.count()));
  }
  if (options_.max_delay < options_.first_delay) {
    throw std::invalid_argument(
        fmt::format("RequeueOptions.max_delay: {} ms, must be >= first_delay ({} ms)",
                    options_.max_delay.count(), options_.first_delay.count()));
  }
  if (!(options_.jitter >= 0 && options_.jitter < 1)) {
    throw std::invalid_argument(
        fmt::format("RequeueOptions.jitter: {}, must be in [0, 1)", options_.jitter));
  }
}

std::optional<RequeuePolicy::Clock::duration> SimpleRequeuePolicy::requeue_after(
    CommandStatus status, std::size_t attempts, Clock::duration since_first) {
  if (std::find(options_.statuses.begin(), options_.statuses.end(), status) ==
      options_.statuses.end()) {
    return std::nullopt;
  }
  if (attempts >= options_.max_attempts) return std::nullopt;
  const double factor = std::ldexp(1.0, static_cast<int>(std::min<std::size_t>(attempts - 1, 30)));
  const double ms = std::min(static_cast<double>(options_.max_delay.count()),
                             static_cast<double>(options_.first_delay.count()) * factor);
  const double low = ms * (1.0 - options_.jitter);
  const double drawn =
      options_.jitter == 0 ? ms : std::uniform_real_distribution<double>(low, ms)(random_);
  const auto delay =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(drawn));
  if (since_first + delay > options_.budget) return std::nullopt;
  return delay;
}

}  // namespace aiosmpp
