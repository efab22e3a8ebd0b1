#include "aiosmpp/esme/correlator.hpp"

#include <algorithm>
#include <stdexcept>

namespace aiosmpp {

SimpleCorrelator::SimpleCorrelator(Options options) : options_(std::move(options)) {
  if (options_.delivery_ttl <= Clock::duration::zero()) {
    throw std::invalid_argument("SimpleCorrelator delivery_ttl: must be > 0");
  }
  if (options_.max_entries == 0) {
    throw std::invalid_argument("SimpleCorrelator max_entries: 0, must be >= 1");
  }
  if (options_.executor) {
    timer_.emplace(options_.executor);
    alive_ = std::make_shared<bool>(true);
  }
}

SimpleCorrelator::~SimpleCorrelator() {
  // The timer's destructor cancels its wait, but the handler still runs later: it must find
  // `alive_` false and leave `this` alone.
  if (alive_) *alive_ = false;
}

void SimpleCorrelator::arm_timer(Clock::time_point t) {
  if (!timer_ || queue_.empty()) return;
  // One timer for the whole queue, set for its front. Expiries that fall close together share a
  // wake-up: under a steady stream of receipts the timer fires at most every `slack`. The wait is
  // computed from the TTL clock's time `t` but set on the steady clock, so an injected clock can
  // never make the timer spin.
  const Clock::duration slack =
      std::min<Clock::duration>(options_.delivery_ttl / 100, std::chrono::seconds(1));
  const Clock::duration remaining = std::max(queue_.front().expires - t, Clock::duration::zero());
  const Clock::time_point at = (options_.clock ? Clock::now() : t) + remaining + slack;
  if (timer_armed_ && timer_at_ <= at) return;
  timer_armed_ = true;
  timer_at_ = at;
  timer_->expires_at(at);
  timer_->async_wait([this, alive = alive_](const std::error_code& ec) {
    // Aborted: destroyed (alive false) or re-armed earlier (a newer wait owns the timer).
    if (!*alive || ec == asio::error::operation_aborted) return;
    timer_armed_ = false;
    const auto fired_at = now();
    expire(fired_at);
    arm_timer(fired_at);
  });
}

void SimpleCorrelator::expire(Clock::time_point now) {
  // One TTL for all: the queue is in expiry order, so only its front can be due. Records whose
  // entry was already taken (or replaced) are skipped as they come to the front.
  while (!queue_.empty() &&
         (queue_.front().expires <= now || queue_.size() > options_.max_entries)) {
    auto it = map_.find(queue_.front().key);
    if (it != map_.end() && it->second.generation == queue_.front().generation) map_.erase(it);
    queue_.pop_front();
  }
}

void SimpleCorrelator::put(std::string smsc_message_id, Tracking tracking) {
  const auto t = now();
  expire(t);
  const std::uint64_t generation = next_generation_++;
  if (auto it = map_.find(smsc_message_id); it != map_.end()) {
    it->second = Entry{std::move(tracking), generation};
  } else {
    map_.emplace(smsc_message_id, Entry{std::move(tracking), generation});
  }
  queue_.push_back(QueueRecord{t + options_.delivery_ttl, std::move(smsc_message_id), generation});
  expire(t);
  arm_timer(t);
}

std::optional<Tracking> SimpleCorrelator::get(std::string_view smsc_message_id, bool final_state) {
  expire(now());
  auto it = map_.find(smsc_message_id);
  if (it == map_.end()) return std::nullopt;
  if (!final_state) return it->second.tracking;
  Tracking t = std::move(it->second.tracking);
  map_.erase(it);
  return t;
}

asio::awaitable<void> SimpleCorrelator::put_delivery(std::string smsc_message_id,
                                                     Tracking tracking) {
  put(std::move(smsc_message_id), std::move(tracking));
  co_return;
}

asio::awaitable<std::optional<Tracking>> SimpleCorrelator::get_delivery(
    std::string_view smsc_message_id, bool final_state) {
  co_return get(smsc_message_id, final_state);
}

}  // namespace aiosmpp
