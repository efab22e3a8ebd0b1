#pragma once

/** @file
 *  @brief SqliteDatabase: the SQLite file behind SqliteBroker and SqliteCorrelator, and the one
 *  thread that runs every statement on it (so the network loop never waits on the disk). */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <asio/awaitable.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp {

/** @brief A failure reported by SQLite (open, schema, a statement, a commit). what() names the
 *  operation and SQLite's message; code() is SQLite's extended result code. */
class SqliteError : public std::runtime_error {
 public:
  /** @brief `code`: SQLite's (extended) result code. */
  SqliteError(int code, const std::string& message);
  /** @brief SQLite's extended result code (SQLITE_BUSY, SQLITE_FULL, ...). */
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/** @brief How SQLite syncs a commit to disk (PRAGMA synchronous, in WAL mode). */
enum class SqliteSync : std::uint8_t {
  /** Survives a crash of the process (kill -9) but a power loss may roll back the last
   *  transactions. */
  normal,
  /** Every commit is on disk before it completes: survives power loss too (the default). */
  full,
};

/** @brief Settings of a SqliteDatabase. */
struct SqliteDatabaseOptions {
  /** @brief The database file (created when missing); not empty. ":memory:" works but survives
   *  nothing. */
  std::string path;
  /** @brief See SqliteSync. Default full. */
  SqliteSync sync = SqliteSync::full;
  /** @brief Most operations committed in one transaction (1..1,000,000). Operations queued while a
   *  transaction runs are committed together in the next one: that batching is what makes the
   *  store fast under load, while a lone operation still commits at once. Default 4096. */
  std::size_t max_batch = 4096;
  /** @brief How long a statement waits for a lock held by another connection (another process
   *  reading the file). >= 0. Default 5 s. */
  std::chrono::milliseconds busy_timeout{5000};
  /** @brief Where write-behind failures (see SqliteCorrelator) are logged; empty: stderr at
   *  warning. */
  std::shared_ptr<Logger> logger;
};

/** @brief Counters of a SqliteDatabase. */
struct SqliteDatabaseStats {
  std::uint64_t transactions = 0;  ///< transactions committed
  std::uint64_t operations = 0;    ///< operations run in them
  std::uint64_t failures = 0;      ///< operations or commits that failed
};

namespace detail {
struct SqliteDatabaseImpl;
}

/** @brief An open database file, its schema, and the worker thread that runs every statement.
 *
 *  Opening creates the file and the schema on first use (schema version 2, recorded in
 *  PRAGMA user_version; a file of an older version is migrated in place, in the opening
 *  transaction), switches the file to WAL mode, and starts a new *run* (a number stored
 *  in the file, one higher at every open): SqliteBroker uses it to tell messages leased by this
 *  run from those a previous run left unfinished.
 *
 *  Share one SqliteDatabase between the SqliteBroker and the SqliteCorrelator of a service: their
 *  operations then go through one ordered queue, which is what makes "a message's receipt
 *  correlation is stored before the message leaves the queue" hold across a crash.
 *
 *  Threads: every member is thread-safe. The worker thread is started by the constructor and
 *  stopped by the destructor, which first runs and commits every operation already queued.
 *  Completions of awaited operations are posted to the awaiting coroutine's executor, so destroy
 *  the SqliteDatabase (and the components holding it) before the io_context they are awaited on.
 *  One process should own a database file at a time (others may read it). */
class SqliteDatabase {
 public:
  /** @brief Opens (or creates) the file and starts the worker thread.
   *  @throws std::invalid_argument naming the option and its limit; SqliteError when the file
   *  cannot be opened, is not a database, has a schema newer than this library's, or cannot be
   *  migrated. */
  explicit SqliteDatabase(SqliteDatabaseOptions options);
  /** @brief Commits what is queued, then stops the worker thread. */
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  /** @brief The schema version this library writes and reads. */
  static constexpr int schema_version = 2;

  /** @brief The path given at construction. */
  const std::string& path() const noexcept;
  /** @brief This run's number (1 for the first open of a new file). */
  std::int64_t run() const noexcept;
  /** @brief Counters so far. Thread-safe. */
  SqliteDatabaseStats stats() const;

  /** @brief Completes once every operation queued before the call (write-behind ones included)
   *  is committed. @throws SqliteError when that commit failed. Not cancellable: the commit
   *  happens anyway. */
  asio::awaitable<void> flush();

  /** @brief For SqliteBroker and SqliteCorrelator. */
  detail::SqliteDatabaseImpl& impl() noexcept { return *impl_; }

 private:
  std::unique_ptr<detail::SqliteDatabaseImpl> impl_;
};

}  // namespace aiosmpp
