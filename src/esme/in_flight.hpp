#pragma once

// The Esme's table of requests awaiting a response: a fixed slab of `capacity` entries (the
// window), an open-addressing index from sequence number to slab slot, and a doubly linked list
// through the slab in registration order. With one response timeout for all requests that order
// is deadline order, so expiry looks at the head only. Insert, find, take and expiry are O(1), and
// nothing is allocated after construction (the Pdu moved in keeps its own storage).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp::detail {

/** The segments of one long message (defined by the Esme). */
struct SegmentGroup;

class InFlightTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

  struct Entry {
    std::uint32_t sequence_number = 0;  // 0: free (valid numbers are >= 1)
    std::uint32_t prev = npos;
    std::uint32_t next = npos;
    Clock::time_point deadline{};
    /** Position in the session's byte stream just after this request's last octet; the request
     *  was written completely once the writer has written that many octets. */
    std::uint64_t end_offset = 0;
    Pdu message;
    std::shared_ptr<SegmentGroup> group;  // set for the segments of a long message
    std::uint64_t origin = 0;             // who waits for the outcome (0: the broker)
    std::uint32_t attempts = 1;           // sends of this message so far, this one included
    Clock::time_point first_sent{};       // when it was first sent (the requeue budget)
  };

  explicit InFlightTable(std::size_t capacity) : slots_(capacity) {
    std::size_t index_size = 8;
    while (index_size < capacity * 2)
      index_size *= 2;
    index_.assign(index_size, 0);
    mask_ = index_size - 1;
    free_.reserve(capacity);
    for (std::size_t i = capacity; i > 0; --i)
      free_.push_back(static_cast<std::uint32_t>(i - 1));
  }

  std::size_t size() const noexcept { return slots_.size() - free_.size(); }
  std::size_t capacity() const noexcept { return slots_.size(); }
  bool empty() const noexcept { return head_ == npos; }
  bool full() const noexcept { return free_.empty(); }

  /** Registers a request at the tail; returns its slot, or npos when the table is full or the
   *  sequence number is already in flight (then `message` is left untouched). */
  std::uint32_t insert(std::uint32_t sequence_number, Clock::time_point deadline,
                       std::uint64_t end_offset, Pdu& message,
                       std::shared_ptr<SegmentGroup> group = nullptr) {
    return insert(sequence_number, deadline, end_offset, message, std::move(group), 0, 1, {});
  }
  /** The same, with what a requeued message carries along. */
  std::uint32_t insert(std::uint32_t sequence_number, Clock::time_point deadline,
                       std::uint64_t end_offset, Pdu& message, std::shared_ptr<SegmentGroup> group,
                       std::uint64_t origin, std::uint32_t attempts, Clock::time_point first_sent) {
    if (free_.empty() || sequence_number == 0 || find(sequence_number) != npos) return npos;
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    Entry& e = slots_[slot];
    e.sequence_number = sequence_number;
    e.deadline = deadline;
    e.end_offset = end_offset;
    e.message = std::move(message);
    e.group = std::move(group);
    e.origin = origin;
    e.attempts = attempts;
    e.first_sent = first_sent;
    e.prev = tail_;
    e.next = npos;
    if (tail_ != npos) {
      slots_[tail_].next = slot;
    } else {
      head_ = slot;
    }
    tail_ = slot;
    std::size_t i = home(sequence_number);
    while (index_[i] != 0)
      i = (i + 1) & mask_;
    index_[i] = slot + 1;
    return slot;
  }

  /** The slot holding `sequence_number`, or npos. */
  std::uint32_t find(std::uint32_t sequence_number) const noexcept {
    std::size_t i = home(sequence_number);
    while (index_[i] != 0) {
      const std::uint32_t slot = index_[i] - 1;
      if (slots_[slot].sequence_number == sequence_number) return slot;
      i = (i + 1) & mask_;
    }
    return npos;
  }

  Entry& at(std::uint32_t slot) noexcept { return slots_[slot]; }
  const Entry& at(std::uint32_t slot) const noexcept { return slots_[slot]; }
  /** The oldest registration (earliest deadline), or npos. */
  std::uint32_t head() const noexcept { return head_; }
  std::uint32_t next(std::uint32_t slot) const noexcept { return slots_[slot].next; }

  /** Removes the entry in `slot` and returns its message. */
  Pdu take(std::uint32_t slot) {
    Pdu message = std::move(slots_[slot].message);
    release(slot);
    return message;
  }

  /** Removes the entry in `slot`; its message stays in the slab until the slot is reused (the
   *  hot path: no move, and the strings are freed by the next insert's move-assignment). */
  void release(std::uint32_t slot) noexcept {
    Entry& e = slots_[slot];
    erase_index(e.sequence_number);
    if (e.prev != npos) {
      slots_[e.prev].next = e.next;
    } else {
      head_ = e.next;
    }
    if (e.next != npos) {
      slots_[e.next].prev = e.prev;
    } else {
      tail_ = e.prev;
    }
    e.sequence_number = 0;
    e.group.reset();
    e.prev = e.next = npos;
    free_.push_back(slot);  // capacity reserved: never allocates
  }

 private:
  std::size_t home(std::uint32_t sequence_number) const noexcept {
    // Multiplying by an odd constant permutes the 32-bit values, so consecutive sequence numbers
    // land on distinct home slots.
    return static_cast<std::size_t>(sequence_number * 2654435761U) & mask_;
  }

  // Linear probing with backward-shift deletion: no tombstones, so probe chains stay short
  // however many requests pass through.
  void erase_index(std::uint32_t sequence_number) noexcept {
    std::size_t i = home(sequence_number);
    while (slots_[index_[i] - 1].sequence_number != sequence_number)
      i = (i + 1) & mask_;
    index_[i] = 0;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (index_[j] == 0) return;
      const std::size_t k = home(slots_[index_[j] - 1].sequence_number);
      // Leave index_[j] where it is when its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      index_[i] = index_[j];
      index_[j] = 0;
      i = j;
    }
  }

  std::vector<Entry> slots_;
  std::vector<std::uint32_t> index_;  // slot + 1; 0 is empty
  std::vector<std::uint32_t> free_;
  std::size_t mask_ = 0;
  std::uint32_t head_ = npos;
  std::uint32_t tail_ = npos;
};

}  // namespace aiosmpp::detail
