// See import_sqlite.hpp.

#include "import_sqlite.hpp"

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/sqlite/sqlite.hpp"

namespace aiosmpp::tools {

namespace {

using Clock = std::chrono::system_clock;

// Parameters are pointers (trivially destructible): g++ 12 destroys prvalue arguments of a
// co_await twice, so nothing owning is passed by value into the coroutine.
asio::awaitable<void> put_all(SqliteCorrelator* correlator, SqliteDatabase* db,
                              const aiosmpplib::CorrelatorData* data, Clock::time_point now,
                              Clock::time_point* clock, SqliteImportResult* result) {
  for (const auto& entry : data->deliveries) {
    if (entry.expired) {
      ++result->expired;
      continue;
    }
    *clock = now - std::chrono::duration_cast<Clock::duration>(entry.age);
    std::string key = entry.smsc_message_id;
    Tracking tracking = std::get<SubmitSm>(entry.submit).tracking;
    co_await correlator->put_delivery(std::move(key), std::move(tracking));
    ++result->written;
  }
  *clock = now;
  co_await db->flush();
}

}  // namespace

SqliteImportResult fill_sqlite_correlator(const std::string& path,
                                          const aiosmpplib::CorrelatorData& data,
                                          Clock::time_point now, Clock::duration delivery_ttl) {
  // Before the database: its worker thread may still be inside the post() that completed the
  // last operation when io.run() returns, so it must be joined (the database destroyed) before
  // the io_context is (ThreadSanitizer found it).
  asio::io_context io;
  SqliteDatabaseOptions db_options;
  db_options.path = path;
  auto db = std::make_shared<SqliteDatabase>(db_options);
  Clock::time_point clock = now;
  SqliteCorrelatorOptions options;
  options.delivery_ttl = delivery_ttl;
  options.clock = [&clock] { return clock; };
  SqliteImportResult result;
  {
    SqliteCorrelator correlator(db, options);
    std::exception_ptr failure;
    asio::co_spawn(io, put_all(&correlator, db.get(), &data, now, &clock, &result),
                   [&failure](std::exception_ptr e) { failure = std::move(e); });
    io.run();
    if (failure) std::rethrow_exception(failure);
  }
  return result;
}

}  // namespace aiosmpp::tools
