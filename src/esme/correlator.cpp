#include "aiosmpp/esme/correlator.hpp"

#include <algorithm>
#include <stdexcept>

namespace aiosmpp {

// The defaults: what a correlator written for put_delivery/get_delivery does under the newer
// calls. It never holds, so nothing is ever released and nothing is a repeat.
asio::awaitable<std::vector<ReleasedReceipt>> Correlator::register_delivery(
    std::string smsc_message_id, Tracking tracking) {
  co_await put_delivery(std::move(smsc_message_id), std::move(tracking));
  co_return std::vector<ReleasedReceipt>{};
}

asio::awaitable<ReceiptMatch> Correlator::correlate_receipt(std::string_view smsc_message_id,
                                                            bool final_state, const Pdu&) {
  ReceiptMatch match;
  match.tracking = co_await get_delivery(smsc_message_id, final_state);
  co_return match;
}

asio::awaitable<std::vector<ReleasedReceipt>> Correlator::take_released_holds() {
  co_return std::vector<ReleasedReceipt>{};
}

asio::awaitable<std::vector<ReleasedReceipt>> Correlator::release_holds_at_stop() {
  co_return std::vector<ReleasedReceipt>{};
}

ReceiptHold::Held ReceiptHold::pop_front() {
  // The globally oldest receipt is also the oldest of its id.
  auto it = by_id_.find(held_.front().id);
  auto& of_id = it->second;
  of_id.erase(of_id.begin());
  if (of_id.empty()) by_id_.erase(it);
  Held h = std::move(held_.front());
  held_.pop_front();
  return h;
}

void ReceiptHold::add(Held held, std::vector<Held>& evicted) {
  while (!held_.empty() && held_.size() >= max_held_)
    evicted.push_back(pop_front());
  held_.push_back(std::move(held));
  const auto last = std::prev(held_.end());
  by_id_[last->id].push_back(last);
}

std::vector<ReceiptHold::Held> ReceiptHold::take(std::string_view id) {
  std::vector<Held> out;
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return out;
  out.reserve(it->second.size());
  for (const Iter h : it->second) {
    out.push_back(std::move(*h));
    held_.erase(h);
  }
  by_id_.erase(it);
  return out;
}

void ReceiptHold::take_due(Time now, std::vector<Held>& out) {
  while (!held_.empty() && held_.front().due <= now)
    out.push_back(pop_front());
}

std::optional<ReceiptHold::Time> ReceiptHold::next_due() const noexcept {
  if (held_.empty()) return std::nullopt;
  return held_.front().due;
}

SimpleCorrelator::SimpleCorrelator(Options options)
    : options_(std::move(options)),
      hold_(std::chrono::duration_cast<ReceiptHold::Time>(options_.hold_time), options_.max_held) {
  if (options_.delivery_ttl <= Clock::duration::zero()) {
    throw std::invalid_argument("SimpleCorrelator delivery_ttl: must be > 0");
  }
  if (options_.max_entries == 0) {
    throw std::invalid_argument("SimpleCorrelator max_entries: 0, must be >= 1");
  }
  if (options_.receipt_grace < Clock::duration::zero()) {
    throw std::invalid_argument("SimpleCorrelator receipt_grace: negative, must be >= 0");
  }
  if (options_.hold_time < Clock::duration::zero()) {
    throw std::invalid_argument("SimpleCorrelator hold_time: negative, must be >= 0");
  }
}

void SimpleCorrelator::link(List& list, Entry& e) noexcept {
  e.prev = list.tail;
  e.next = nullptr;
  if (list.tail != nullptr) {
    list.tail->next = &e;
  } else {
    list.head = &e;
  }
  list.tail = &e;
  ++list.size;
}

void SimpleCorrelator::unlink(List& list, Entry& e) noexcept {
  (e.prev != nullptr ? e.prev->next : list.head) = e.next;
  (e.next != nullptr ? e.next->prev : list.tail) = e.prev;
  e.prev = e.next = nullptr;
  --list.size;
}

void SimpleCorrelator::erase(Entry& e) {
  unlink(e.marker ? markers_ : live_, e);
  map_.erase(map_.find(*e.key));
}

std::optional<std::chrono::steady_clock::time_point> SimpleCorrelator::next_expiry() const {
  std::optional<Clock::time_point> next;
  auto earlier = [&next](Clock::time_point t) {
    if (!next || t < *next) next = t;
  };
  if (live_.head != nullptr) earlier(live_.head->expires);
  if (markers_.head != nullptr) earlier(markers_.head->expires);
  if (auto due = hold_.next_due()) {
    earlier(Clock::time_point(std::chrono::duration_cast<Clock::duration>(*due)));
  }
  if (!next || !options_.clock) return next;
  // An injected clock: what remains, from the steady clock's now, so a clock that stands still
  // can never make the caller's timer spin.
  return Clock::now() + std::max(*next - now(), Clock::duration::zero());
}

void SimpleCorrelator::expire_due() {
  expire(now());
}

void SimpleCorrelator::expire(Clock::time_point now) {
  // One TTL per list: each list is in expiry order, so only its front can be due. Every record
  // belongs to a live map node (taking or replacing an entry unlinks it).
  while (live_.head != nullptr &&
         (live_.head->expires <= now || live_.size > options_.max_entries)) {
    erase(*live_.head);
  }
  while (markers_.head != nullptr &&
         (markers_.head->expires <= now || markers_.size > options_.max_markers)) {
    erase(*markers_.head);
  }
}

SimpleCorrelator::Entry& SimpleCorrelator::store(std::string smsc_message_id, Tracking tracking,
                                                 Clock::time_point now) {
  auto [it, inserted] = map_.try_emplace(std::move(smsc_message_id));
  Entry& e = it->second;
  if (inserted) {
    e.key = &it->first;
  } else {
    // The same id again (an SMSC reusing ids): the new message's tracking, and a fresh TTL.
    unlink(e.marker ? markers_ : live_, e);
  }
  e.tracking = std::move(tracking);
  e.marker = false;
  e.expires = now + options_.delivery_ttl;
  link(live_, e);
  return e;
}

void SimpleCorrelator::finalise(Entry& e, Clock::time_point now) {
  if (!keeps_markers()) {
    erase(e);
    return;
  }
  // The node stays: only its list and expiry change, so a marker costs no allocation.
  unlink(live_, e);
  e.marker = true;
  e.expires = now + options_.receipt_grace;
  link(markers_, e);
}

void SimpleCorrelator::put(std::string smsc_message_id, Tracking tracking) {
  const auto t = now();
  expire(t);
  store(std::move(smsc_message_id), std::move(tracking), t);
  expire(t);
}

std::optional<Tracking> SimpleCorrelator::get(std::string_view smsc_message_id, bool final_state) {
  return lookup(smsc_message_id, final_state, now()).tracking;
}

ReceiptMatch SimpleCorrelator::lookup(std::string_view smsc_message_id, bool final_state,
                                      Clock::time_point now) {
  expire(now);
  ReceiptMatch m;
  auto it = map_.find(smsc_message_id);
  if (it == map_.end()) return m;
  Entry& e = it->second;
  if (e.marker) {
    m.tracking = e.tracking;
    m.repeat = true;
  } else if (!final_state) {
    m.tracking = e.tracking;
  } else {
    // Without markers the entry goes: its tracking can be moved out.
    m.tracking = keeps_markers() ? e.tracking : std::move(e.tracking);
    finalise(e, now);
    expire(now);
  }
  return m;
}

ReceiptMatch SimpleCorrelator::correlate(std::string_view smsc_message_id, bool final_state,
                                         const Pdu& receipt) {
  const auto t = now();
  ReceiptMatch m = lookup(smsc_message_id, final_state, t);
  if (m.tracking || !hold_.enabled()) return m;
  std::vector<ReceiptHold::Held> evicted;
  hold_.add(
      {std::string(smsc_message_id), receipt, final_state, since_epoch(t) + hold_.hold_time(), 0},
      evicted);
  for (auto& h : evicted)
    m.released.push_back({std::move(h.receipt), std::nullopt, false});
  m.held = true;
  return m;
}

std::vector<ReleasedReceipt> SimpleCorrelator::add(std::string smsc_message_id, Tracking tracking) {
  const auto t = now();
  expire(t);
  std::vector<ReleasedReceipt> released;
  if (hold_.size() == 0 || !hold_.holds(smsc_message_id)) {
    store(std::move(smsc_message_id), std::move(tracking), t);
  } else {
    auto held = hold_.take(smsc_message_id);
    released.reserve(held.size());
    bool final_seen = false;
    for (auto& h : held) {
      released.push_back({std::move(h.receipt), tracking, final_seen});
      final_seen = final_seen || h.final_state;
    }
    Entry& e = store(std::move(smsc_message_id), std::move(tracking), t);
    // A final receipt came first: the entry is done, kept only as a marker.
    if (final_seen) finalise(e, t);
  }
  expire(t);
  return released;
}

std::vector<ReleasedReceipt> SimpleCorrelator::take_released() {
  std::vector<ReleasedReceipt> released;
  if (hold_.size() == 0) return released;
  std::vector<ReceiptHold::Held> due;
  hold_.take_due(since_epoch(now()), due);
  released.reserve(due.size());
  for (auto& h : due)
    released.push_back({std::move(h.receipt), std::nullopt, false});
  return released;
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

asio::awaitable<std::vector<ReleasedReceipt>> SimpleCorrelator::register_delivery(
    std::string smsc_message_id, Tracking tracking) {
  co_return add(std::move(smsc_message_id), std::move(tracking));
}

asio::awaitable<ReceiptMatch> SimpleCorrelator::correlate_receipt(std::string_view smsc_message_id,
                                                                  bool final_state,
                                                                  const Pdu& receipt) {
  co_return correlate(smsc_message_id, final_state, receipt);
}

asio::awaitable<std::vector<ReleasedReceipt>> SimpleCorrelator::take_released_holds() {
  co_return take_released();
}

asio::awaitable<std::vector<ReleasedReceipt>> SimpleCorrelator::release_holds_at_stop() {
  std::vector<ReceiptHold::Held> all;
  hold_.take_due(ReceiptHold::Time::max(), all);
  std::vector<ReleasedReceipt> released;
  released.reserve(all.size());
  for (auto& h : all)
    released.push_back({std::move(h.receipt), std::nullopt, false});
  co_return released;
}

}  // namespace aiosmpp
