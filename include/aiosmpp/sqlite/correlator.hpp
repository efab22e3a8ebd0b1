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

/** @brief Settings of a SqliteCorrelator (SimpleCorrelator's TTL). */
struct SqliteCorrelatorOptions {
  /** @brief Wall clock: expiry times are stored in the file and must mean the same after a
   *  restart. */
  using Clock = std::chrono::system_clock;
  /** @brief How long a message_id is remembered; > 0. Default 3 days (aiosmpplib's). Wall-clock
   *  time, so it runs on across restarts. */
  Clock::duration delivery_ttl = std::chrono::hours(72);
  /** @brief Entries also kept in memory so that receipts arriving soon after their submit need
   *  no disk read; >= 0. Default 100,000. */
  std::size_t cache_entries = 100'000;
  /** @brief Time source; empty for Clock::now (tests inject their own). */
  std::function<Clock::time_point()> clock;
};

/** @brief The durable Correlator.
 *
 *  put_delivery() writes behind: it updates the memory cache and queues the insert to the
 *  database thread without waiting for the commit, so the Esme's receive loop never waits on the
 *  disk. Durability comes from the order of that queue: when the SqliteDatabase is shared with
 *  the SqliteBroker, the insert is committed no later than the removal of the message from the
 *  queue, so a message that left the queue always has its correlation on disk; one whose
 *  correlation was lost in a crash is still in the queue as unfinished.
 *
 *  get_delivery() answers from the cache, or else from the file. A final receipt's entry is
 *  removed; when a SqliteHook is attached (SqliteHook's constructor does it) only after the
 *  application's hook has seen the receipt, so a receipt the SMSC offers again after a crash
 *  still correlates. Expired entries are never returned and are deleted in the background.
 *
 *  Request↔response correlation stays in the Esme's memory (it dies with the connection), and
 *  the Esme keeps the status of segmented messages and incoming segments itself (see
 *  docs/durable.md).
 *
 *  Threads: one Esme's calls at a time (the Esme's executor); release_final_receipts() likewise.
 *  Failures of write-behind statements are logged through the database's logger and counted in
 *  SqliteDatabaseStats::failures. */
class SqliteCorrelator final : public Correlator {
 public:
  /** @throws std::invalid_argument when `database` is null or an option is out of range. */
  SqliteCorrelator(std::shared_ptr<SqliteDatabase> database, SqliteCorrelatorOptions options = {});
  ~SqliteCorrelator() override;

  /** @brief Remembers `smsc_message_id` → `tracking` (a SqliteBroker id prefix in the log_id is
   *  stripped; the queue id is kept in its own column). Never waits for the disk; never throws
   *  for the disk (see the class). */
  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  /** @brief The tracking for `smsc_message_id`, or nullopt (unknown, expired, or taken by a
   *  final receipt). @throws SqliteError when the file cannot be read. */
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;

  /** @brief Deletes the entries of the final receipts answered by get_delivery() since the last
   *  call (SqliteHook calls it after the application's hook returned). Never waits. */
  void release_final_receipts();
  /** @brief When true, final receipts' entries are deleted only by release_final_receipts();
   *  when false (the default without a SqliteHook), at once. */
  void defer_final_release(bool defer) noexcept { defer_release_ = defer; }

  /** @brief Entries stored in the file (expired ones included until they are swept).
   *  @throws SqliteError. */
  asio::awaitable<std::uint64_t> size();

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
  std::int64_t now_ms() const;
  void cache_put(const std::string& key, const Tracking& tracking, std::int64_t expires_ms);
  void queue_delete(std::vector<std::string> keys);
  void sweep(std::int64_t now);

  std::shared_ptr<SqliteDatabase> db_;
  SqliteCorrelatorOptions options_;
  bool defer_release_ = false;
  std::unordered_map<std::string, Cached, KeyHash, std::equal_to<>> cache_;
  std::deque<std::pair<std::string, std::uint64_t>> cache_order_;
  std::uint64_t next_generation_ = 0;
  std::vector<std::string> finals_pending_;
  std::uint64_t puts_since_sweep_ = 0;
};

}  // namespace aiosmpp
