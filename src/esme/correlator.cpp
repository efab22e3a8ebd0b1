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
  // One TTL for all: the list is in expiry order, so only its front can be due. Every record
  // belongs to a live entry (taking or replacing an entry unlinks its record).
  while (!queue_.empty() && (queue_.front().expires <= now || map_.size() > options_.max_entries)) {
    const auto it = map_.find(*queue_.front().key);
    queue_.pop_front();
    map_.erase(it);
  }
}

void SimpleCorrelator::put(std::string smsc_message_id, Tracking tracking) {
  const auto t = now();
  expire(t);
  auto it = map_.find(smsc_message_id);
  if (it != map_.end()) {
    // The same id again (an SMSC reusing ids): the new message's tracking, and a fresh TTL.
    queue_.erase(it->second.record);
    it->second.tracking = std::move(tracking);
  } else {
    it = map_.emplace(std::move(smsc_message_id), Entry{std::move(tracking), {}}).first;
  }
  it->second.record =
      queue_.insert(queue_.end(), QueueRecord{t + options_.delivery_ttl, &it->first});
  expire(t);
}

std::optional<Tracking> SimpleCorrelator::get(std::string_view smsc_message_id, bool final_state) {
  expire(now());
  auto it = map_.find(smsc_message_id);
  if (it == map_.end()) return std::nullopt;
  if (!final_state) return it->second.tracking;
  Tracking t = std::move(it->second.tracking);
  queue_.erase(it->second.record);
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
