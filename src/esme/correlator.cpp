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
}

std::optional<std::chrono::steady_clock::time_point> SimpleCorrelator::next_expiry() const {
  if (queue_.empty()) return std::nullopt;
  if (!options_.clock) return queue_.front().expires;
  // An injected clock: what remains of the TTL, from the steady clock's now, so a clock that
  // stands still can never make the caller's timer spin.
  return Clock::now() + std::max(queue_.front().expires - now(), Clock::duration::zero());
}

void SimpleCorrelator::expire_due() {
  expire(now());
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
