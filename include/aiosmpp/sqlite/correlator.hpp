#pragma once

/** @file
 *  @brief SqliteCorrelator: the SMSC message_id → tracking map for delivery receipts, kept in the
 *  SQLite file so that a receipt arriving days later, after restarts, still finds its log_id. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/correlator.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/sqlite/database.hpp"

namespace aiosmpp {

/** @brief Settings of a SqliteCorrelator (SimpleCorrelator's TTL, grace period and hold). */
struct SqliteCorrelatorOptions {
  /** @brief Wall clock: expiry times are stored in the file and must mean the same after a
   *  restart. */
  using Clock = std::chrono::system_clock;
  /** @brief How long a message_id is remembered; > 0. Default 3 days (aiosmpplib's). Wall-clock
   *  time, so it runs on across restarts. */
  Clock::duration delivery_ttl = std::chrono::hours(72);
  /** @brief Entries also kept in memory so that receipts arriving soon after their submit need
   *  no disk read (repeat markers are not: a repeat reads the file); >= 0. Default 100,000. */
  std::size_t cache_entries = 100'000;
  /** @brief How long a final receipt's row is kept as a repeat marker; >= 0, 0 keeps none (the
   *  row is deleted). Default 1 hour. */
  Clock::duration receipt_grace = std::chrono::hours(1);
  /** @brief Most markers kept in the file (the oldest are deleted first, checked every 1,024
   *  registrations or final receipts); 0 keeps none. Default 1,000,000. A marker is its row (the
   *  id, log_id and extra_data plus about 20 bytes) and two index entries (the id and expiry). */
  std::size_t max_markers = 1'000'000;
  /** @brief How long a receipt for an unknown id is held; >= 0, 0 holds none. Set it above the
   *  Esme's response_timeout. Default 30 s. */
  Clock::duration hold_time = std::chrono::seconds(30);
  /** @brief Most receipts held (in the file and in memory); 0 holds none. Default 10,000. */
  std::size_t max_held = 10'000;
  /** @brief Time source; empty for Clock::now (tests inject their own). */
  std::function<Clock::time_point()> clock;
};

/** @brief The durable Correlator.
 *
 *  register_delivery() / put_delivery() write behind: they update the memory cache and queue the
 *  insert to the database thread without waiting for the commit, so the Esme's receive loop never
 *  waits on the disk. Durability comes from the order of that queue: when the SqliteDatabase is
 *  shared with the SqliteBroker, the insert is committed no later than the removal of the message
 *  from the queue, so a message that left the queue always has its correlation on disk; one whose
 *  correlation was lost in a crash is still in the queue as unfinished.
 *
 *  correlate_receipt() / get_delivery() answer from the cache, or else from the file. A final
 *  receipt turns its row into a repeat marker kept for `receipt_grace` (when a SqliteHook is
 *  attached, only after the application's hook has seen the receipt), so a receipt the SMSC
 *  offers again, after a crash or a dropped connection, still correlates, flagged `repeat`.
 *  Expired rows are never returned and are deleted in the background.
 *
 *  A receipt for an unknown id is held (correlate_receipt() only): written to the file, and
 *  correlate_receipt() returns only once that is committed, because the Esme acknowledges the
 *  receipt right after; so a crash never loses a held receipt. register_delivery() hands it back
 *  matched, take_released_holds() given up when its hold expires; with a SqliteHook its row is
 *  deleted once the application's hook has seen it (its tracking carries the row id, as a taken
 *  message's carries its queue id, stripped again by SqliteHook). Held receipts left by a crash are
 *  loaded again at the first call: those whose id was registered meanwhile come back matched
 *  through take_released_holds(), the others stay held until their hold expires.
 *
 *  Request↔response correlation stays in the Esme's memory (it dies with the connection), and
 *  the Esme keeps the status of segmented messages and incoming segments itself (see
 *  docs/durable.md).
 *
 *  Threads: the calls of the Esmes sharing it on one executor (the state stays consistent across
 *  suspension points); release_final_receipts() and release_held() likewise. Failures of
 *  write-behind statements are logged through the database's logger and counted in
 *  SqliteDatabaseStats::failures. */
class SqliteCorrelator final : public Correlator {
 public:
  /** @throws std::invalid_argument when `database` is null or an option is out of range. */
  SqliteCorrelator(std::shared_ptr<SqliteDatabase> database, SqliteCorrelatorOptions options = {});
  ~SqliteCorrelator() override;

  /** @brief Remembers `smsc_message_id` → `tracking` (a SqliteBroker id prefix in the log_id is
   *  stripped; the queue id is kept in its own column). Never waits for the disk; never throws
   *  for the disk (see the class). Receipts held for the id stay held. */
  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  /** @brief The tracking for `smsc_message_id` (a marker's too), or nullopt (unknown or
   *  expired). @throws SqliteError when the file cannot be read. */
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;
  /** @brief put_delivery() that also hands back the receipts held for the id (see the class).
   *  Waits for the disk only at the first call of a run (loading held receipts). */
  asio::awaitable<std::vector<ReleasedReceipt>> register_delivery(std::string smsc_message_id,
                                                                  Tracking tracking) override;
  /** @brief get_delivery() with the repeat flag, holding a receipt for an unknown id (waiting
   *  for its commit). A failed commit is logged and the receipt stays held in memory.
   *  @throws SqliteError when the file cannot be read. */
  asio::awaitable<ReceiptMatch> correlate_receipt(std::string_view smsc_message_id,
                                                  bool final_state, const Pdu& receipt) override;
  /** @brief Expired holds (given up) and holds found matched when loaded after a crash. */
  asio::awaitable<std::vector<ReleasedReceipt>> take_released_holds() override;
  /** @brief When the oldest hold expires (now when matched ones wait), on steady_clock; nullopt
   *  when nothing is held. Entries and markers expire in the file by themselves. */
  std::optional<std::chrono::steady_clock::time_point> next_expiry() const override;

  /** @brief Turns the rows of the final receipts answered since the last call into markers (or
   *  deletes them without a grace period). SqliteHook calls it after the application's hook
   *  returned. Never waits. */
  void release_final_receipts();
  /** @brief When true, final receipts' rows change only by release_final_receipts(), and
   *  released held receipts' rows are deleted only by release_held(); when false (the default
   *  without a SqliteHook), at once. */
  void defer_final_release(bool defer) noexcept { defer_release_ = defer; }
  /** @brief Deletes a released held receipt's row (SqliteHook calls it, with the id it found in
   *  the receipt's tracking, after the application's hook returned). Never waits. */
  void release_held(std::int64_t hold_id);

  /** @brief The held-receipt row id a released receipt's tracking carries, or nullopt. */
  static std::optional<std::int64_t> held_id_of(const Tracking& tracking) noexcept;
  /** @brief Removes that id prefix from `tracking.log_id` (nothing when there is none). */
  static void strip_held_id(Tracking& tracking);

  /** @brief Live entries stored in the file (expired ones included until they are swept).
   *  @throws SqliteError. */
  asio::awaitable<std::uint64_t> size();
  /** @brief Repeat markers stored in the file. @throws SqliteError. */
  asio::awaitable<std::uint64_t> markers();
  /** @brief Receipts held now (loaded ones included once a call has loaded them). */
  std::size_t held() const noexcept { return hold_.size(); }

 private:
  using Clock = SqliteCorrelatorOptions::Clock;
  struct Cached {
    Tracking tracking;
    std::int64_t expires_ms;
    std::uint64_t generation;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  struct Loaded;
  struct FileCounts;
  std::int64_t now_ms() const;
  std::int64_t ms(Clock::duration d) const;
  bool keeps_markers() const noexcept;
  void cache_put(const std::string& key, const Tracking& tracking, std::int64_t expires_ms);
  void queue_delete(std::vector<std::string> keys);
  void queue_finals(std::vector<std::pair<std::string, std::int64_t>> finals);
  void queue_held_delete(std::vector<std::int64_t> ids);
  void count_op(std::int64_t now);
  void sweep(std::int64_t now);
  void finalise(std::string_view key, std::int64_t now);
  asio::awaitable<ReceiptMatch> lookup(std::string_view key, bool final_state, std::int64_t now);
  asio::awaitable<void> load_holds();
  ReleasedReceipt release(ReceiptHold::Held held, std::optional<Tracking> tracking, bool repeat);
  std::vector<ReleasedReceipt> give_up(std::vector<ReceiptHold::Held> held);

  std::shared_ptr<SqliteDatabase> db_;
  SqliteCorrelatorOptions options_;
  bool defer_release_ = false;
  std::unordered_map<std::string, Cached, KeyHash, std::equal_to<>> cache_;
  std::deque<std::pair<std::string, std::uint64_t>> cache_order_;
  std::uint64_t next_generation_ = 0;
  std::vector<std::pair<std::string, std::int64_t>> finals_pending_;  // key, marker expiry
  std::uint64_t ops_since_sweep_ = 0;
  std::shared_ptr<FileCounts> file_counts_;  // touched on the database thread only
  ReceiptHold hold_;
  std::shared_ptr<Loaded> loaded_;  // written by the database thread before its commit
  bool holds_loaded_ = false;
  std::vector<ReleasedReceipt> ready_;  // matched when loaded, for take_released_holds()
  std::int64_t next_hold_ = 0;
};

}  // namespace aiosmpp
