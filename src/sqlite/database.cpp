#include "aiosmpp/sqlite/database.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "sqlite/database_impl.hpp"

namespace aiosmpp {

SqliteError::SqliteError(int code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

namespace detail {

namespace {

// Schema version 1. The queue's AUTOINCREMENT id is the FIFO order and is never reused, so a
// requeued message keeps its place and ids in logs stay unambiguous. run = 0: ready; otherwise the
// run (SqliteDatabase::run) that took it.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE aiosmpp_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE aiosmpp_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  run INTEGER NOT NULL DEFAULT 0,
  taken_at INTEGER
);
CREATE INDEX aiosmpp_queue_by_run ON aiosmpp_queue (run, id);
CREATE TABLE aiosmpp_delivery (
  smsc_message_id TEXT PRIMARY KEY,
  log_id TEXT NOT NULL,
  extra_data TEXT NOT NULL,
  queue_id INTEGER,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX aiosmpp_delivery_by_expiry ON aiosmpp_delivery (expires_at);
INSERT INTO aiosmpp_meta (key, value) VALUES ('run', 0);
PRAGMA user_version = 1;
)sql";

// Version 2: repeat markers (a final receipt's row kept with marker = 1 for the grace period; the
// partial index holds only them, so registering a live entry costs no extra index write) and
// receipts held until their message id is registered. A version 1 file is migrated in place.
constexpr const char* schema_v1_to_v2 = R"sql(
ALTER TABLE aiosmpp_delivery ADD COLUMN marker INTEGER NOT NULL DEFAULT 0;
CREATE INDEX aiosmpp_delivery_markers ON aiosmpp_delivery (expires_at) WHERE marker = 1;
CREATE TABLE aiosmpp_held_receipt (
  hold_id INTEGER PRIMARY KEY,
  smsc_message_id TEXT NOT NULL,
  final INTEGER NOT NULL,
  receipt TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
PRAGMA user_version = 2;
)sql";

constexpr char tag_mark = '\x1b';

}  // namespace

void sqlite_check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(ext, fmt::format("sqlite: {}: {}", what, msg));
}

std::string tag_log_id(char kind, std::int64_t id, std::string_view log_id) {
  return fmt::format("{}{}{}{}{}", tag_mark, kind, id, tag_mark, log_id);
}

std::optional<std::pair<std::int64_t, std::size_t>> parse_log_id_tag(
    char kind, std::string_view log_id) noexcept {
  if (log_id.size() < 4 || log_id[0] != tag_mark || log_id[1] != kind) return std::nullopt;
  const auto end = log_id.find(tag_mark, 2);
  if (end == std::string_view::npos || end == 2) return std::nullopt;
  std::int64_t id = 0;
  const char* first = log_id.data() + 2;
  const char* last = log_id.data() + end;
  const auto [ptr, ec] = std::from_chars(first, last, id);
  if (ec != std::errc{} || ptr != last || id <= 0) return std::nullopt;
  return std::pair{id, end + 1};
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db), sql_(sql) {
  sqlite_check(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
               sql);
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite_check(db_, sqlite3_bind_int64(stmt_, index, value), sql_);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw SqliteError(SQLITE_TOOBIG,
                      fmt::format("sqlite: {}: parameter {} is {} bytes, limit {}", sql_, index,
                                  value.size(), std::numeric_limits<int>::max()));
  }
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  sqlite_check(db_,
               sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                 SQLITE_TRANSIENT),
               sql_);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite_check(db_, sqlite3_bind_null(stmt_, index), sql_);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite_check(db_, rc, sql_);
  return false;
}

int Statement::run() {
  while (step()) {
  }
  return sqlite3_changes(db_);
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const noexcept {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view Statement::column_text(int index) const noexcept {
  const auto* p = sqlite3_column_text(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);
  if (p == nullptr || n <= 0) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

bool Statement::column_is_null(int index) const noexcept {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Statement& Connection::statement(const char* sql) {
  auto& s = statements_[sql];
  if (!s) s = std::make_unique<Statement>(db_, sql);
  return *s;
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(db_), fmt::format("sqlite: {}: {}", sql, msg));
  }
}

SqliteDatabaseImpl::SqliteDatabaseImpl(SqliteDatabaseOptions opts) : options(std::move(opts)) {
  if (options.path.empty()) {
    throw std::invalid_argument("SqliteDatabaseOptions.path: empty, a file name is required");
  }
  if (options.max_batch < 1 || options.max_batch > 1'000'000) {
    throw std::invalid_argument(
        fmt::format("SqliteDatabaseOptions.max_batch: {}, limit 1..1000000", options.max_batch));
  }
  if (options.busy_timeout.count() < 0 ||
      options.busy_timeout.count() > std::numeric_limits<int>::max()) {
    throw std::invalid_argument(
        fmt::format("SqliteDatabaseOptions.busy_timeout: {} ms, limit 0..{}",
                    options.busy_timeout.count(), std::numeric_limits<int>::max()));
  }
  logger = options.logger ? *options.logger
                          : Logger(std::make_shared<JsonLinesSink>(stderr), LogLevel::warning);

  // NOMUTEX: only the database thread (and this constructor, before it starts) uses the handle.
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  try {
    if (rc != SQLITE_OK) {
      throw SqliteError(rc, fmt::format("sqlite: open {}: {}", options.path,
                                        db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite_check(db_, sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count())),
                 "busy_timeout");
    connection_ = std::make_unique<Connection>(db_);
    Connection& c = *connection_;
    c.exec("PRAGMA journal_mode = WAL");
    c.exec(options.sync == SqliteSync::full ? "PRAGMA synchronous = FULL"
                                            : "PRAGMA synchronous = NORMAL");
    c.exec("BEGIN IMMEDIATE");
    try {
      std::int64_t version = 0;
      {
        Statement s(db_, "PRAGMA user_version");
        if (s.step()) version = s.column_int(0);
      }
      if (version > SqliteDatabase::schema_version) {
        throw SqliteError(SQLITE_ERROR,
                          fmt::format("sqlite: {}: schema version {}, this library reads up to {}",
                                      options.path, version, SqliteDatabase::schema_version));
      }
      if (version < 1) c.exec(schema_v1);
      if (version < 2) c.exec(schema_v1_to_v2);
      c.exec("UPDATE aiosmpp_meta SET value = value + 1 WHERE key = 'run'");
      Statement s(db_, "SELECT value FROM aiosmpp_meta WHERE key = 'run'");
      if (!s.step()) throw SqliteError(SQLITE_CORRUPT, "sqlite: aiosmpp_meta has no 'run' row");
      run_number = s.column_int(0);
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    c.exec("COMMIT");
  } catch (...) {
    connection_.reset();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
  thread_ = std::thread([this] { thread_main(); });
}

SqliteDatabaseImpl::~SqliteDatabaseImpl() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  cv.notify_all();
  if (thread_.joinable()) thread_.join();
  connection_.reset();  // statements are finalized before the handle is closed
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void SqliteDatabaseImpl::submit(Operation op) {
  {
    std::lock_guard lock(mutex);
    queue.push_back(std::move(op));
  }
  cv.notify_one();
}

void SqliteDatabaseImpl::log_failure(const char* what, const std::exception& e) noexcept {
  AIOSMPP_LOG(logger, LogLevel::error, "sqlite_failed", {"operation", what}, {"error", e.what()},
              {"path", options.path});
}

void SqliteDatabaseImpl::thread_main() {
  std::vector<Operation> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything queued has run
      if (queue.size() <= options.max_batch) {
        batch.swap(queue);
      } else {
        const auto n = static_cast<std::ptrdiff_t>(options.max_batch);
        batch.assign(std::make_move_iterator(queue.begin()),
                     std::make_move_iterator(queue.begin() + n));
        queue.erase(queue.begin(), queue.begin() + n);
      }
    }
    run_batch(batch);
    batch.clear();
  }
}

// One transaction for the whole batch. An operation that throws is rolled back alone (its
// savepoint) and gets its exception; the others commit. A failed commit fails them all.
void SqliteDatabaseImpl::run_batch(std::vector<Operation>& batch) {
  std::vector<std::exception_ptr> errors(batch.size());
  std::uint64_t failed = 0;
  std::exception_ptr commit_error;
  try {
    connection_->exec("BEGIN IMMEDIATE");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      connection_->statement("SAVEPOINT op").run();
      try {
        batch[i].run(*connection_);
        connection_->statement("RELEASE op").run();
      } catch (...) {
        errors[i] = std::current_exception();
        ++failed;
        if (!batch[i].done) {
          try {
            std::rethrow_exception(errors[i]);
          } catch (const std::exception& e) {
            log_failure("write-behind", e);
          } catch (...) {
          }
        }
        connection_->statement("ROLLBACK TO op").run();
        connection_->statement("RELEASE op").run();
      }
    }
    connection_->exec("COMMIT");
  } catch (...) {
    commit_error = std::current_exception();
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    try {
      std::rethrow_exception(commit_error);
    } catch (const std::exception& e) {
      log_failure("commit", e);
    } catch (...) {
    }
  }
  {
    std::lock_guard lock(mutex);
    if (commit_error) {
      counters.failures += batch.size();
    } else {
      ++counters.transactions;
      counters.operations += batch.size();
      counters.failures += failed;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(commit_error ? commit_error : errors[i]);
  }
}

}  // namespace detail

SqliteDatabase::SqliteDatabase(SqliteDatabaseOptions options)
    : impl_(std::make_unique<detail::SqliteDatabaseImpl>(std::move(options))) {}

SqliteDatabase::~SqliteDatabase() = default;

const std::string& SqliteDatabase::path() const noexcept {
  return impl_->options.path;
}

std::int64_t SqliteDatabase::run() const noexcept {
  return impl_->run_number;
}

SqliteDatabaseStats SqliteDatabase::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

asio::awaitable<void> SqliteDatabase::flush() {
  std::function<void(detail::Connection&)> nothing = [](detail::Connection&) {};
  co_await impl_->wait_for(std::move(nothing));
}

}  // namespace aiosmpp
