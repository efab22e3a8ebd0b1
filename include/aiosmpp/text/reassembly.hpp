#pragma once

/** @file
 *  @brief Reassembly of concatenated incoming messages (UDH or SAR): parts in any order,
 *  duplicates ignored, partial messages reported when they expire. No timers: the caller passes
 *  the time to `add` and calls `expire` when it wants (for example from its receive loop). */

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aiosmpp::text {

/** @brief What identifies one concatenated message. */
struct ConcatKey {
  /** @brief source_addr of the parts. */
  std::string source;
  /** @brief destination_addr of the parts. */
  std::string destination;
  /** @brief The concatenation reference (8 or 16 bits, or sar_msg_ref_num). */
  std::uint16_t reference = 0;
  /** @brief Number of parts. */
  std::uint8_t total = 0;
  friend auto operator<=>(const ConcatKey&, const ConcatKey&) = default;
  friend bool operator==(const ConcatKey&, const ConcatKey&) = default;
};

/** @brief Collects the parts of concatenated messages; `Part` is whatever the caller keeps of
 *  each part (a DeliverSm, its decoded text, ...), so the message keeps its parts' metadata.
 *
 *  Not thread-safe: use it from one thread (the session's). Memory is bounded by `max_pending`
 *  messages; the oldest partial message is evicted (and reported by `expire`) beyond it. */
template <class Part>
class Reassembler {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;
  /** @brief A receive time. */
  using TimePoint = Clock::time_point;

  /** @brief Limits: how long to wait and how many partial messages to hold. */
  struct Config {
    /** @brief How long after its first part a partial message is given up. */
    std::chrono::milliseconds timeout = std::chrono::minutes(5);
    /** @brief Partial messages held at most. */
    std::size_t max_pending = 10000;
  };

  /** @brief A complete message: every part, in sequence order. */
  struct Complete {
    /** @brief Which message. */
    ConcatKey key;
    /** @brief Every part, in sequence order. */
    std::vector<Part> parts;
  };

  /** @brief A message given up: the parts that came (in sequence order) and what is missing. */
  struct Incomplete {
    /** @brief expired: timed out; evicted: dropped to respect max_pending. */
    enum class Reason : std::uint8_t { expired, evicted };
    /** @brief Which message. */
    ConcatKey key;
    /** @brief The parts that came, in sequence order. */
    std::vector<Part> parts;
    std::vector<std::uint8_t> received;  ///< sequence numbers of `parts`
    std::vector<std::uint8_t> missing;   ///< sequence numbers never received
    /** @brief When its first part arrived. */
    TimePoint first_seen;
    /** @brief Why it was given up. */
    Reason reason = Reason::expired;
  };

  /** @brief What add() did with a part. */
  enum class Outcome : std::uint8_t {
    complete,   ///< this part completed the message (see `AddResult::message`)
    pending,    ///< stored; more parts are due
    duplicate,  ///< this sequence number was already held: ignored
    invalid     ///< total 0, or seqnum 0 or above total: ignored
  };

  /** @brief add()'s result. */
  struct AddResult {
    /** @brief What happened to the part. */
    Outcome outcome = Outcome::pending;
    /** @brief The whole message when outcome is complete. */
    std::optional<Complete> message;
  };

  /** @brief An empty reassembler with `config`'s limits. */
  explicit Reassembler(Config config = {}) : config_(config) {}

  /** @brief Adds part `seqnum` (1-based) of the message `key`, received at `now`. */
  AddResult add(const ConcatKey& key, std::uint8_t seqnum, Part part, TimePoint now) {
    if (key.total == 0 || seqnum == 0 || seqnum > key.total) return {Outcome::invalid, {}};
    auto it = pending_.find(key);
    if (it == pending_.end()) {
      if (key.total == 1) {
        Complete c{key, {}};
        c.parts.push_back(std::move(part));
        return {Outcome::complete, std::move(c)};
      }
      if (pending_.size() >= config_.max_pending) evict_oldest();
      it = pending_.emplace(key, Entry{std::vector<std::optional<Part>>(key.total), 0, now}).first;
    }
    Entry& e = it->second;
    auto& slot = e.slots[seqnum - 1u];
    if (slot) return {Outcome::duplicate, {}};
    slot = std::move(part);
    if (++e.received < e.slots.size()) return {Outcome::pending, {}};
    Complete c{key, {}};
    c.parts.reserve(e.slots.size());
    for (auto& s : e.slots)
      c.parts.push_back(std::move(*s));
    pending_.erase(it);
    return {Outcome::complete, std::move(c)};
  }

  /** @brief Removes and returns the partial messages whose first part is older than the
   *  timeout at `now`, and any evicted since the last call. */
  std::vector<Incomplete> expire(TimePoint now) {
    std::vector<Incomplete> out = std::move(evicted_);
    evicted_.clear();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (now - it->second.first_seen >= config_.timeout) {
        out.push_back(take(it, Incomplete::Reason::expired));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  /** @brief Partial messages held. */
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Entry {
    std::vector<std::optional<Part>> slots;
    std::size_t received = 0;
    TimePoint first_seen;
  };
  using Map = std::map<ConcatKey, Entry>;

  Incomplete take(typename Map::iterator it, typename Incomplete::Reason reason) {
    Incomplete inc;
    inc.key = it->first;
    inc.first_seen = it->second.first_seen;
    inc.reason = reason;
    for (std::size_t i = 0; i < it->second.slots.size(); ++i) {
      auto& s = it->second.slots[i];
      const auto seq = static_cast<std::uint8_t>(i + 1);
      if (s) {
        inc.parts.push_back(std::move(*s));
        inc.received.push_back(seq);
      } else {
        inc.missing.push_back(seq);
      }
    }
    return inc;
  }

  void evict_oldest() {
    auto oldest = pending_.begin();
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->second.first_seen < oldest->second.first_seen) oldest = it;
    }
    if (oldest == pending_.end()) return;
    evicted_.push_back(take(oldest, Incomplete::Reason::evicted));
    pending_.erase(oldest);
  }

  Config config_;
  Map pending_;
  std::vector<Incomplete> evicted_;
};

}  // namespace aiosmpp::text
