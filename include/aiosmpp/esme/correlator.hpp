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
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asio/awaitable.hpp>

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

  /** @brief When the next entry expires, on steady_clock, for an implementation that expires
   *  entries itself in memory; nullopt when nothing is due (the default: stores with their own
   *  expiry, such as Redis TTLs, need nothing from the Esme).
   *
   *  While a session runs, the Esme's timer calls expire_due() at that time (grouping expiries
   *  up to 50 ms apart) and asks again; it asks again after a put_delivery() when nothing was
   *  scheduled. The timer lives only while the Esme runs, so a stopped Esme leaves no pending
   *  wait behind (an io_context's run() returns). Called on the Esme's executor; must not
   *  block; an exception is logged and the timer retries after a second. */
  virtual std::optional<std::chrono::steady_clock::time_point> next_expiry() const {
    return std::nullopt;
  }

  /** @brief Drops the entries whose TTL has passed (see next_expiry()). Default: nothing. */
  virtual void expire_due() {}
};

/** @brief In-memory Correlator with a time to live (aiosmpplib's SimpleCorrelator, whose default
 *  TTL for receipts is 3 days) and bounded size.
 *
 *  Every operation is O(1): entries sit in a hash map and in an insertion-ordered list; because
 *  the TTL is the same for all, the oldest entry is always the next to expire, so expiry pops
 *  from the front of the list instead of scanning. Taking an entry (a final receipt) unlinks it
 *  from the list too, so memory follows the entries held, not the messages ever sent. Expired
 * entries are dropped on time by the Esme's timer while it runs (next_expiry() / expire_due()), and
 * by every put() and get(). When `max_entries` is reached the oldest entry is dropped early. Not
 * thread-safe (use it from the Esme's executor). */
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
  };

  /** @throws std::invalid_argument naming the field and the limit. */
  explicit SimpleCorrelator(Options options);
  SimpleCorrelator() : SimpleCorrelator(Options{}) {}

  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;

  /** @brief The synchronous operations behind the awaitables. */
  void put(std::string smsc_message_id, Tracking tracking);
  /** @brief As get_delivery(), synchronously. */
  std::optional<Tracking> get(std::string_view smsc_message_id, bool final_state);

  /** @brief The oldest entry's expiry (its TTL measured on `Options::clock`, mapped onto
   *  steady_clock), or nullopt when empty. */
  std::optional<std::chrono::steady_clock::time_point> next_expiry() const override;
  /** @brief Drops the entries whose TTL has passed. */
  void expire_due() override;

  /** @brief Entries held (expired ones included until the next put, get or expire_due()). */
  std::size_t size() const noexcept { return map_.size(); }

 private:
  struct QueueRecord {
    Clock::time_point expires;
    const std::string* key;  // the map's own key: stable, as unordered_map never moves nodes
  };
  struct Entry {
    Tracking tracking;
    std::list<QueueRecord>::iterator record;  // its place in expiry order
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  Clock::time_point now() const { return options_.clock ? options_.clock() : Clock::now(); }
  void expire(Clock::time_point now);

  Options options_;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> map_;
  std::list<QueueRecord> queue_;
};

}  // namespace aiosmpp
