#pragma once

/** @file
 *  @brief Correlator: remembers which submit an SMSC message_id belongs to, so a delivery receipt
 *  that arrives hours later reaches the application with the original log_id and extra_data
 *  (aiosmpplib's AbstractCorrelator put_delivery/get_delivery); SimpleCorrelator keeps it in
 *  memory.
 *
 *  Request↔response correlation by sequence number is not part of this interface: sequence
 *  numbers mean nothing outside the connection that sent them, so the Esme keeps its in-flight
 *  requests in its own table (O(1) insert/lookup/removal, deadline-ordered timer-driven expiry,
 *  all reported the moment the connection drops). What must survive a restart is the
 *  message_id mapping, and that is what a durable (database, Redis) implementation provides by
 *  implementing these two calls. */

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief Stores SMSC message_id → Tracking for delivery receipts.
 *
 *  The Esme calls put_delivery() when a submit_sm, submit_multi or data_sm that asked for a
 *  receipt (registered_delivery) and carries a non-empty tracking gets a successful response with
 *  a message_id, and get_delivery() when a receipt arrives. Called on the Esme's executor, one at
 *  a time per Esme. */
class Correlator {
 public:
  virtual ~Correlator() = default;

  /** @brief Remembers that `smsc_message_id` belongs to `tracking`. */
  virtual asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) = 0;

  /** @brief The tracking stored for `smsc_message_id`, or nullopt when unknown (never stored,
   *  expired, or already taken by a final receipt). `final_state`: the receipt reports a final
   *  state (delivered, expired, ...), so the entry can be forgotten; intermediate receipts
   *  (enroute, accepted) leave it for the next one. */
  virtual asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                                bool final_state) = 0;
};

/** @brief In-memory Correlator with a time to live (aiosmpplib's SimpleCorrelator, whose default
 *  TTL for receipts is 3 days) and bounded size.
 *
 *  Every operation is O(1) amortised: entries sit in a hash map and in an insertion-ordered queue;
 *  because the TTL is the same for all, the oldest entry is always the next to expire, so expiry
 *  pops from the front of the queue instead of scanning. Expired entries are dropped by a timer
 *  (Options::executor; the Esme's default correlator has one) and by every put() and get(). When
 *  `max_entries` is reached the oldest entry is dropped early. Not
 *  thread-safe (use it from the Esme's executor). */
class SimpleCorrelator final : public Correlator {
 public:
  /** @brief The clock the TTL is measured on. */
  using Clock = std::chrono::steady_clock;

  /** @brief TTL, size bound and clock. */
  struct Options {
    /** @brief How long a message_id is remembered; > 0. Default 3 days. */
    Clock::duration delivery_ttl = std::chrono::hours(72);
    /** @brief Most entries kept; >= 1. Default 1,000,000. */
    std::size_t max_entries = 1'000'000;
    /** @brief Time source; empty for Clock::now (tests inject their own). */
    std::function<Clock::time_point()> clock;
    /** @brief When set, a steady_timer on this executor drops entries as their TTL passes, even
     *  when no put or get comes (the Esme's default correlator runs on the Esme's executor). It
     *  must be the executor (or strand) every other call is made on. Empty: expiry happens in
     *  put() and get() only. The timer waits in steady_clock time whatever `clock` says, and
     *  groups expiries that fall within min(delivery_ttl / 100, 1 s) of each other. */
    asio::any_io_executor executor;
  };

  /** @throws std::invalid_argument naming the field and the limit. */
  explicit SimpleCorrelator(Options options);
  SimpleCorrelator() : SimpleCorrelator(Options{}) {}
  ~SimpleCorrelator() override;
  SimpleCorrelator(const SimpleCorrelator&) = delete;
  SimpleCorrelator& operator=(const SimpleCorrelator&) = delete;

  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;

  /** @brief The synchronous operations behind the awaitables. */
  void put(std::string smsc_message_id, Tracking tracking);
  /** @brief As get_delivery(), synchronously. */
  std::optional<Tracking> get(std::string_view smsc_message_id, bool final_state);

  /** @brief Entries held (expired ones included until the next put, get or expiry timer). */
  std::size_t size() const noexcept { return map_.size(); }

 private:
  struct Entry {
    Tracking tracking;
    std::uint64_t generation;  // matches the queue record that will expire it
  };
  struct QueueRecord {
    Clock::time_point expires;
    std::string key;
    std::uint64_t generation;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  Clock::time_point now() const { return options_.clock ? options_.clock() : Clock::now(); }
  void expire(Clock::time_point now);
  void arm_timer(Clock::time_point t);

  Options options_;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> map_;
  std::deque<QueueRecord> queue_;
  std::uint64_t next_generation_ = 0;
  std::optional<asio::steady_timer> timer_;  // only with Options::executor
  std::shared_ptr<bool> alive_;              // false once destroyed: a late handler does nothing
  bool timer_armed_ = false;
  Clock::time_point timer_at_{};
};

}  // namespace aiosmpp
