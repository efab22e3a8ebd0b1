#include "esme/receipt_merger.hpp"

#include <algorithm>

namespace aiosmpp {

namespace {

// Larger is worse; delivered is the best final state. Non-final states only rank above nothing.
int severity(MessageState s) noexcept {
  switch (s) {
    case MessageState::delivered:
      return 1;
    case MessageState::scheduled:
      return 2;
    case MessageState::enroute:
      return 3;
    case MessageState::accepted:
      return 4;
    case MessageState::skipped:
      return 5;
    case MessageState::unknown:
      return 6;
    case MessageState::deleted:
      return 7;
    case MessageState::expired:
      return 8;
    case MessageState::undeliverable:
      return 9;
    case MessageState::rejected:
      return 10;
  }
  return 6;
}

}  // namespace

std::optional<MessageState> worst_state(std::optional<MessageState> a,
                                        std::optional<MessageState> b) noexcept {
  if (!a) return b;
  if (!b) return a;
  return severity(*b) > severity(*a) ? b : a;
}

namespace detail {

void ReceiptMerger::expect(const std::string& key, std::uint64_t group, std::size_t segments,
                           std::vector<ReceiptOutcome>& out) {
  if (limit_ == 0 || segments < 2 || group == 0) return;
  auto [it, added] = groups_.try_emplace(group);
  if (added) {
    it->second.segments = segments;
    it->second.order = order_.insert(order_.end(), group);
  }
  // A segment sent again after a throttle registers its new id; the old one never gets a
  // receipt, so the message waits for the ids the SMSC accepted last.
  if (segments_.try_emplace(key, Segment{group, false}).second) it->second.keys.push_back(key);
  while (groups_.size() > limit_) {
    const auto oldest = groups_.find(order_.front());
    finish(oldest, out);
  }
}

bool ReceiptMerger::add(const std::string& key, ReceiptOutcome& receipt,
                        std::vector<ReceiptOutcome>& out) {
  const auto s = segments_.find(key);
  if (s == segments_.end() || s->second.received) return false;  // not a segment, or a repeat
  s->second.received = true;
  const auto it = groups_.find(s->second.group);
  if (it == groups_.end()) return false;
  Group& g = it->second;
  ++g.received;
  if (!g.merged) {
    g.merged = std::move(receipt);
  } else {
    const auto worst = worst_state(g.merged->state, receipt.state);
    const bool matched = g.merged->matched && receipt.matched;
    const bool held = g.merged->held || receipt.held;
    g.merged = std::move(receipt);
    g.merged->state = worst;
    g.merged->matched = matched;
    g.merged->held = held;
  }
  if (g.received >= g.segments) finish(it, out);
  return true;
}

void ReceiptMerger::give_up_all(std::vector<ReceiptOutcome>& out) {
  while (!groups_.empty())
    finish(groups_.find(order_.front()), out);
}

void ReceiptMerger::finish(std::unordered_map<std::uint64_t, Group>::iterator it,
                           std::vector<ReceiptOutcome>& out) {
  Group& g = it->second;
  if (g.merged) {
    g.merged->segments = g.segments;
    g.merged->segments_received = g.received;
    g.merged->repeat = false;
    out.push_back(std::move(*g.merged));
  }
  for (const auto& k : g.keys)
    segments_.erase(k);
  order_.erase(g.order);
  groups_.erase(it);
}

}  // namespace detail
}  // namespace aiosmpp
