// aiosmpplib's SimpleCorrelator directory (the samples in tests/data/aiosmpplib, written by
// reading aiosmpplib's source) put into a SqliteCorrelator file by the code aiosmpp-pdu
// import-aiosmpplib --sqlite runs (tools/pdu/import_sqlite.cpp): a later process's correlator
// answers a receipt for an imported message id with the tracking aiosmpplib stored, and each
// entry expires when it would have in aiosmpplib.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>

#include "aiosmpp/json/aiosmpplib.hpp"
#include "aiosmpp/sqlite/sqlite.hpp"
#include "import_sqlite.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "unit/sqlite/sqlite_test_support.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
namespace fs = std::filesystem;

namespace {

// What a new process's SqliteCorrelator on `path` answers for `id` at `at`.
std::optional<Tracking> lookup(const std::string& path, Clock::time_point at, std::string_view id) {
  SqliteDatabaseOptions db_options;
  db_options.path = path;
  auto db = std::make_shared<SqliteDatabase>(db_options);  // a new process: its own connection
  SqliteCorrelatorOptions options;
  options.delivery_ttl = 72h;
  options.clock = [at] { return at; };
  SqliteCorrelator correlator(db, options);
  asio::io_context io;
  return test::run_coro(io, correlator.get_delivery(id, false));
}

}  // namespace

TEST_CASE(
    "aiosmpplib import into a SqliteCorrelator: imported ids correlate, expiry carried over") {
  const auto data = aiosmpplib::read_correlator(fs::path(AIOSMPP_AIOSMPPLIB_DATA) / "correlator");
  sqlite_test::TempDb file;  // the sqlite tests' temporary file
  const Clock::time_point now{std::chrono::hours(500'000)};
  const auto result = tools::fill_sqlite_correlator(file.path(), data, now, 72h);
  CHECK(result.written == 4);
  CHECK(result.expired == 1);

  const auto one = lookup(file.path(), now + 10s, "msg-0001");
  REQUIRE(one);
  CHECK(one->log_id == "order-1");
  CHECK(one->extra_data == "{\"customer\": 17}");
  const auto seg = lookup(file.path(), now + 10s, "seg-a2");
  REQUIRE(seg);
  CHECK(seg->log_id == "order-4");
  CHECK_FALSE(lookup(file.path(), now + 10s, "old-0003"));  // past aiosmpplib's TTL: not written
  CHECK_FALSE(lookup(file.path(), now + 10s, "msg-9999"));

  // msg-0001 was stored 1000.5 s before the newest entry: it has 72 h - 1000.5 s left.
  const auto left = std::chrono::duration_cast<Clock::duration>(72h - 1000500ms);
  CHECK(lookup(file.path(), now + left - 1s, "msg-0001"));
  CHECK_FALSE(lookup(file.path(), now + left + 1s, "msg-0001"));
  CHECK(lookup(file.path(), now + left + 1s, "msg-0002"));  // the newest: 72 h from the import
  CHECK_FALSE(lookup(file.path(), now + 72h + 1s, "msg-0002"));
}
