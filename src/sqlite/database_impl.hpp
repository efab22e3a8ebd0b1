#pragma once

// The database thread: one connection, one FIFO of operations, each batch of queued operations run
// in one transaction (group commit). Awaiting coroutines get their completion posted back to their
// own executor, so SQLite never runs on the network loop.

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/sqlite/database.hpp"

namespace aiosmpp::detail {

/** Throws SqliteError for `rc` unless it is SQLITE_OK/ROW/DONE. */
void sqlite_check(sqlite3* db, int rc, const char* what);

/** A prepared statement, reset after each use. */
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);
  /** true: a row is available; false: done. Throws on error. */
  bool step();
  /** Runs to completion (for statements without rows); returns sqlite3_changes. */
  int run();
  void reset() noexcept;

  std::int64_t column_int(int index) const noexcept;
  std::string_view column_text(int index) const noexcept;
  bool column_is_null(int index) const noexcept;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* sql_;
};

/** Resets a statement when leaving scope, so an exception leaves it reusable. */
class StatementUse {
 public:
  explicit StatementUse(Statement& s) noexcept : s_(s) {}
  ~StatementUse() { s_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  Statement* operator->() noexcept { return &s_; }

 private:
  Statement& s_;
};

/** What operations see: the connection and its prepared statements, on the database thread. */
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* handle() const noexcept { return db_; }
  /** The statement for `sql` (a string literal: cached by its address). */
  Statement& statement(const char* sql);
  void exec(const char* sql);

 private:
  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
};

struct SqliteDatabaseImpl {
  struct Operation {
    std::function<void(Connection&)> run;
    // Called on the database thread after the commit with the operation's (or the commit's)
    // error; empty for write-behind operations.
    std::function<void(std::exception_ptr)> done;
  };

  explicit SqliteDatabaseImpl(SqliteDatabaseOptions options);
  ~SqliteDatabaseImpl();

  /** Queues an operation; thread-safe. */
  void submit(Operation op);

  /** Runs `fn` on the database thread inside the next transaction and resumes the awaiting
   *  coroutine on its executor with the result (or the exception). */
  template <class Fn>
  auto call(Fn fn) -> asio::awaitable<std::invoke_result_t<Fn&, Connection&>> {
    using R = std::invoke_result_t<Fn&, Connection&>;
    if constexpr (std::is_void_v<R>) {
      std::function<void(Connection&)> op = [fn = std::move(fn)](Connection& c) mutable { fn(c); };
      co_await wait_for(std::move(op));
    } else {
      auto result = std::make_shared<std::optional<R>>();
      std::function<void(Connection&)> op = [fn = std::move(fn), result](Connection& c) mutable {
        result->emplace(fn(c));
      };
      co_await wait_for(std::move(op));
      co_return std::move(**result);
    }
  }

  /** Queues `run` and completes after its transaction committed. */
  asio::awaitable<void> wait_for(std::function<void(Connection&)> run) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr)>(
        [this, &run](auto handler) {
          using Handler = decltype(handler);
          auto h = std::make_shared<Handler>(std::move(handler));
          submit(Operation{std::move(run), [h](std::exception_ptr e) mutable {
                             auto ex = asio::get_associated_executor(*h);
                             asio::post(ex, [h = std::move(h), e]() mutable { (*h)(e); });
                           }});
        },
        asio::use_awaitable);
  }

  /** A logged failure of a write-behind operation. */
  void log_failure(const char* what, const std::exception& e) noexcept;

  SqliteDatabaseOptions options;
  Logger logger;
  std::int64_t run_number = 0;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::vector<Operation> queue;
  bool stopping = false;
  SqliteDatabaseStats counters;

 private:
  void thread_main();
  void run_batch(std::vector<Operation>& batch);

  sqlite3* db_ = nullptr;
  std::unique_ptr<Connection> connection_;
  std::thread thread_;
};

/** A row id carried in front of a log_id, so that SqliteHook can tell the store which row an
 *  outcome is about: ESC `kind` <decimal id> ESC (ESC is not something applications put in a
 *  log_id, and the framing makes the prefix unambiguous). SqliteBroker tags taken messages 'q',
 *  SqliteCorrelator released held receipts 'h'. */
std::string tag_log_id(char kind, std::int64_t id, std::string_view log_id);
/** The id of a `kind` tag and where the original log_id starts; nullopt when there is none. */
std::optional<std::pair<std::int64_t, std::size_t>> parse_log_id_tag(
    char kind, std::string_view log_id) noexcept;

/** Milliseconds since the Unix epoch. */
std::int64_t unix_ms(std::chrono::system_clock::time_point t) noexcept;

}  // namespace aiosmpp::detail
