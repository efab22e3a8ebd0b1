#pragma once

/** @file
 *  @brief Correlator: remembers which submit an SMSC message_id belongs to, so a delivery receipt
 *  that arrives hours later reaches the application with the original log_id and extra_data
 *  (aiosmpplib's AbstractCorrelator put_delivery/get_delivery); SimpleCorrelator keeps it in
 *  memory. Beyond aiosmpplib, a correlator may hold a receipt that arrives before the response
 *  naming its id (SMSCs under load do that) and recognise a final receipt offered again.
 *
 *  Request↔response correlation by sequence number is not part of this interface: sequence
 *  numbers mean nothing outside the connection that sent them, so the Esme keeps its in-flight
 *  requests in its own table (O(1) insert/lookup/removal, deadline-ordered timer-driven expiry,
 *  all reported the moment the connection drops). What must survive a restart is the
 *  message_id mapping, and that is what a durable (database, Redis) implementation provides by
 *  implementing these calls. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief A held receipt, now matched with its submit or given up. */
struct ReleasedReceipt {
  /** @brief The deliver_sm / data_sm as received. Its own tracking is whatever the correlator
   *  wants the hook to see when `tracking` is empty (empty for SimpleCorrelator). */
  Pdu receipt;
  /** @brief The submit's tracking when matched; nullopt when the hold expired or was evicted. The
   *  Esme sets the receipt's tracking to it before the hook sees it. */
  std::optional<Tracking> tracking;
  /** @brief A final receipt for this id was released before this one (the SMSC sent the early
   *  receipt twice). */
  bool repeat = false;
};

/** @brief The answer to a receipt (Correlator::correlate_receipt()). */
struct ReceiptMatch {
  /** @brief The submit's tracking, when the id is known (or was, see `repeat`). */
  std::optional<Tracking> tracking;
  /** @brief The id's final receipt was already seen (within the correlator's grace period):
   *  this receipt is one the SMSC offers again. `tracking` is set. */
  bool repeat = false;
  /** @brief The id is unknown and the correlator keeps the receipt: it comes back later through
   *  register_delivery() (matched) or take_released_holds() (given up). The receipt must not be
   *  given to the hook now; answer the SMSC as usual. `tracking` is empty. */
  bool held = false;
  /** @brief Receipts held earlier and given up by this call to keep the hold within its bound
   *  (oldest first, each without tracking): give them to the hook now. Empty (no allocation)
   *  unless the hold was full. */
  std::vector<ReleasedReceipt> released;
};

/** @brief Stores SMSC message_id → Tracking for delivery receipts.
 *
 *  Keys are message ids as the Esme hands them over, already normalised (see
 *  EsmeConfig::message_ids): an implementation compares them byte for byte, never rewrites them.
 *
 *  Two generations of calls. The original pair (put_delivery(), get_delivery()) is all a custom
 *  correlator must implement; the newer calls (register_delivery(), correlate_receipt(),
 *  take_released_holds()) have defaults built on that pair, which neither hold receipts nor flag
 *  repeats. An Esme uses either the pair or the newer calls, never both for one id.
 *
 *  Common contract for every call: the Esme awaits it on its executor, one call at a time per
 *  Esme (Esmes sharing a correlator interleave at suspension points, so an implementation shared
 *  that way must keep its state consistent across each co_await). A call must not block the
 *  thread: a slow store suspends (the Esme reads no further PDU meanwhile). An exception is
 *  logged by the Esme (`correlator_failed`) and the receipt or response goes on as if the id were
 *  unknown. The Esme does not cancel these calls; one still running when the Esme is destroyed
 *  is abandoned with its coroutine frame. */
class Correlator {
 public:
  virtual ~Correlator() = default;

  /** @brief Remembers that `smsc_message_id` belongs to `tracking`. Called when a submit_sm,
   *  submit_multi or data_sm that asked for a receipt (registered_delivery) and carries a
   *  non-empty tracking gets a successful response with a message_id. */
  virtual asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) = 0;

  /** @brief The tracking stored for `smsc_message_id`, or nullopt when unknown (never stored,
   *  expired, or forgotten). `final_state`: the receipt reports a final state (delivered,
   *  expired, ...), so the entry can be forgotten (or kept as a repeat marker); intermediate
   *  receipts (enroute, accepted) leave it for the next one. */
  virtual asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                                bool final_state) = 0;

  /** @brief put_delivery() that also hands back the receipts held for this id (see
   *  correlate_receipt()), in the order they arrived, each with `tracking`: give them to the hook.
   *  When a held receipt is final, the entry is finalised at once (never left behind for its
   *  TTL). Called where put_delivery() would be. Default: put_delivery(), nothing held. */
  virtual asio::awaitable<std::vector<ReleasedReceipt>> register_delivery(
      std::string smsc_message_id, Tracking tracking);

  /** @brief The answer to a receipt for `smsc_message_id`: its tracking (with `repeat` when this
   *  id's final receipt was already seen), or, when the id is unknown, `held` when the
   *  implementation keeps `receipt` (a copy) until the id is registered or the hold expires.
   *  `final_state` as for get_delivery(). Called instead of get_delivery() for each receipt.
   *  Default: get_delivery(); never holds, never flags a repeat. */
  virtual asio::awaitable<ReceiptMatch> correlate_receipt(std::string_view smsc_message_id,
                                                          bool final_state, const Pdu& receipt);

  /** @brief Held receipts whose hold is over (given up: no tracking), and any the correlator
   *  matched outside a call (SqliteCorrelator: found matched when reloaded after a crash), oldest
   *  first: give them to the hook. Called by the Esme's timer when next_expiry() is due, by an
   *  Esme that calls correlate_receipt(). Default: none. */
  virtual asio::awaitable<std::vector<ReleasedReceipt>> take_released_holds();

  /** @brief Held receipts that would be lost when the Esme stops (an in-memory hold does not
   *  outlive the process, and the SMSC already has its deliver_sm_resp): the Esme gives them to
   *  the hook untracked as it stops. A durable correlator keeps them for the next run and
   *  returns none (the default). A correlator shared by several Esmes is asked by each as it
   *  stops. */
  virtual asio::awaitable<std::vector<ReleasedReceipt>> release_holds_at_stop();

  /** @brief When the next entry, marker or hold expires, on steady_clock, for an implementation
   *  that expires them itself in memory; nullopt when nothing is due (the default: stores with
   *  their own expiry, such as Redis TTLs, need nothing from the Esme).
   *
   *  While a session runs, the Esme's timer calls expire_due() (and take_released_holds()) at that
   *  time (grouping expiries up to 50 ms apart) and asks again; it asks again after each call that
   *  may have added something when nothing was scheduled. The timer lives only while the Esme
   *  runs, so a stopped Esme leaves no pending wait behind (an io_context's run() returns).
   *  Called on the Esme's executor; must not block; an exception is logged and the timer retries
   *  after a second. */
  virtual std::optional<std::chrono::steady_clock::time_point> next_expiry() const {
    return std::nullopt;
  }

  /** @brief Drops the entries and markers whose time has passed (see next_expiry()); held
   *  receipts leave only through take_released_holds(). Default: nothing. */
  virtual void expire_due() {}
};

/** @brief A bounded, time-limited list of receipts waiting for their message id: the early-receipt
 *  hold of SimpleCorrelator and SqliteCorrelator, usable by a custom correlator that keeps its
 *  holds in memory.
 *
 *  Times are durations since the owner's clock's epoch (so the owner's clock, steady or wall,
 *  injected or not, decides). Receipts leave in arrival order, which is also expiry order since
 *  every hold lasts the same. When `max_held` receipts are held, add() evicts the oldest first.
 *  Every operation is O(1) except take() (O(receipts for that id)). Not thread-safe. */
class ReceiptHold {
 public:
  /** @brief Time since the owner clock's epoch. */
  using Time = std::chrono::nanoseconds;

  /** @brief One held receipt. */
  struct Held {
    std::string id;            ///< the message id it reports on (normalised)
    Pdu receipt;               ///< as received
    bool final_state = false;  ///< reports a final state
    Time due{};                ///< when its hold expires
    std::uint64_t key = 0;     ///< the owner's handle (SqliteCorrelator: its row)
  };

  /** @brief `hold_time` >= 0, `max_held` >= 0; either 0 disables holding (enabled() false). */
  ReceiptHold(Time hold_time, std::size_t max_held) noexcept
      : hold_time_(hold_time), max_held_(max_held) {}

  /** @brief Whether receipts may be held at all. */
  bool enabled() const noexcept { return hold_time_ > Time::zero() && max_held_ > 0; }
  /** @brief How long a receipt is held. */
  Time hold_time() const noexcept { return hold_time_; }

  /** @brief Holds `held` (the caller sets its `due`, normally now + hold_time()); moves the
   *  oldest receipts evicted to make room to the end of `evicted`. Precondition: enabled(). */
  void add(Held held, std::vector<Held>& evicted);
  /** @brief Removes and returns the receipts held for `id`, oldest first (empty when none). */
  std::vector<Held> take(std::string_view id);
  /** @brief Removes the receipts whose hold expired at `now`, oldest first, to the end of `out`. */
  void take_due(Time now, std::vector<Held>& out);
  /** @brief Whether a receipt is held for `id`. */
  bool holds(std::string_view id) const { return by_id_.find(id) != by_id_.end(); }
  /** @brief When the oldest hold expires; nullopt when nothing is held. */
  std::optional<Time> next_due() const noexcept;
  /** @brief Receipts held. */
  std::size_t size() const noexcept { return held_.size(); }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Iter = std::list<Held>::iterator;
  Held pop_front();

  Time hold_time_;
  std::size_t max_held_;
  std::list<Held> held_;  // arrival (= expiry) order
  std::unordered_map<std::string, std::vector<Iter>, KeyHash, std::equal_to<>> by_id_;
};

/** @brief In-memory Correlator with a time to live (aiosmpplib's SimpleCorrelator, whose default
 *  TTL for receipts is 3 days), repeat markers and an early-receipt hold, each bounded.
 *
 *  Entries: every operation is O(1). An entry sits in a hash map and in an intrusive,
 *  insertion-ordered list (no allocation beyond the map node); because the TTL is the same for
 *  all, the oldest entry is always the next to expire, so expiry pops from the front of the list
 *  instead of scanning. When `max_entries` live entries are held the oldest is dropped early.
 *
 *  Markers: a final receipt turns its entry into a marker (the same map node, moved to a second
 *  list, no allocation) kept for `receipt_grace`, so a receipt the SMSC offers again still gets
 *  its tracking, flagged `repeat` (through get_delivery() too, without the flag). At most
 *  `max_markers` are kept, the oldest dropped first. A marker costs what an entry costs: on
 *  x86-64 with libstdc++, about 170 bytes (one 160-byte map node and a bucket pointer), plus the
 *  heap copies of an id, log_id or extra_data longer than 15 bytes.
 *
 *  Hold (correlate_receipt() only): a receipt for an unknown id is held (ReceiptHold) for
 *  `hold_time`, at most `max_held` of them, the oldest evicted first (returned in
 *  ReceiptMatch::released), until register_delivery() names its id or take_released_holds()
 *  gives it up.
 *
 *  Expiry runs on the Esme's timer (next_expiry() / expire_due() / take_released_holds()) and on
 *  every call. Not thread-safe (use it from the Esme's executor). */
class SimpleCorrelator final : public Correlator {
 public:
  /** @brief The clock the TTL is measured on. */
  using Clock = std::chrono::steady_clock;

  /** @brief Time limits, bounds and clock. */
  struct Options {
    /** @brief How long a message_id is remembered; > 0. Default 3 days. */
    Clock::duration delivery_ttl = std::chrono::hours(72);
    /** @brief Most live entries kept; >= 1. Default 1,000,000. */
    std::size_t max_entries = 1'000'000;
    /** @brief How long a final receipt's marker is kept; >= 0, 0 keeps none (a final receipt
     *  then forgets the entry). Default 1 hour. */
    Clock::duration receipt_grace = std::chrono::hours(1);
    /** @brief Most markers kept; 0 keeps none. Default 100,000 (about 17 MB). */
    std::size_t max_markers = 100'000;
    /** @brief How long a receipt for an unknown id is held; >= 0, 0 holds none. Set it above
     *  the Esme's response_timeout (15 s by default): a response comes within it or never.
     *  Default 30 s. */
    Clock::duration hold_time = std::chrono::seconds(30);
    /** @brief Most receipts held; 0 holds none. Default 10,000. */
    std::size_t max_held = 10'000;
    /** @brief Time source; empty for Clock::now (tests inject their own). */
    std::function<Clock::time_point()> clock;
  };

  /** @throws std::invalid_argument naming the field and the limit. */
  explicit SimpleCorrelator(Options options);
  SimpleCorrelator() : SimpleCorrelator(Options{}) {}

  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;
  asio::awaitable<std::vector<ReleasedReceipt>> register_delivery(std::string smsc_message_id,
                                                                  Tracking tracking) override;
  asio::awaitable<ReceiptMatch> correlate_receipt(std::string_view smsc_message_id,
                                                  bool final_state, const Pdu& receipt) override;
  asio::awaitable<std::vector<ReleasedReceipt>> take_released_holds() override;
  /** @brief Every receipt still held, given up (nothing in memory outlives the Esme's stop). */
  asio::awaitable<std::vector<ReleasedReceipt>> release_holds_at_stop() override;

  /** @brief put_delivery(), synchronously (held receipts for the id stay held). */
  void put(std::string smsc_message_id, Tracking tracking);
  /** @brief get_delivery(), synchronously: a marker answers with its tracking. */
  std::optional<Tracking> get(std::string_view smsc_message_id, bool final_state);
  /** @brief register_delivery(), synchronously. */
  std::vector<ReleasedReceipt> add(std::string smsc_message_id, Tracking tracking);
  /** @brief correlate_receipt(), synchronously. */
  ReceiptMatch correlate(std::string_view smsc_message_id, bool final_state, const Pdu& receipt);
  /** @brief take_released_holds(), synchronously. */
  std::vector<ReleasedReceipt> take_released();

  /** @brief The earliest of the oldest entry's, marker's and hold's expiry (measured on
   *  `Options::clock`, mapped onto steady_clock), or nullopt when all are empty. */
  std::optional<std::chrono::steady_clock::time_point> next_expiry() const override;
  /** @brief Drops the entries and markers whose time has passed. */
  void expire_due() override;

  /** @brief Live entries (expired ones included until the next call or expire_due()). */
  std::size_t size() const noexcept { return live_.size; }
  /** @brief Repeat markers kept. */
  std::size_t markers() const noexcept { return markers_.size; }
  /** @brief Receipts held. */
  std::size_t held() const noexcept { return hold_.size(); }

 private:
  struct Entry;
  struct List {
    Entry* head = nullptr;
    Entry* tail = nullptr;
    std::size_t size = 0;
  };
  struct Entry {
    Tracking tracking;
    Clock::time_point expires;
    const std::string* key = nullptr;  // the map's own key: stable, unordered_map never moves nodes
    Entry* prev = nullptr;             // in live_ or markers_, in expiry order
    Entry* next = nullptr;
    bool marker = false;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Map = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;

  Clock::time_point now() const { return options_.clock ? options_.clock() : Clock::now(); }
  void expire(Clock::time_point now);
  ReceiptMatch lookup(std::string_view smsc_message_id, bool final_state, Clock::time_point now);
  static void link(List& list, Entry& e) noexcept;
  static void unlink(List& list, Entry& e) noexcept;
  void erase(Entry& e);
  Entry& store(std::string smsc_message_id, Tracking tracking, Clock::time_point now);
  void finalise(Entry& e, Clock::time_point now);
  bool keeps_markers() const noexcept {
    return options_.receipt_grace > Clock::duration::zero() && options_.max_markers > 0;
  }
  static ReceiptHold::Time since_epoch(Clock::time_point t) { return t.time_since_epoch(); }

  Options options_;
  Map map_;
  List live_;
  List markers_;
  ReceiptHold hold_;
};

}  // namespace aiosmpp
