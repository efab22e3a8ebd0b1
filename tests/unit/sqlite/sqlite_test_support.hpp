#pragma once

// What the sqlite unit tests share: a temporary database file, a read-only query through a
// separate connection (as an inspecting tool would), and a hook that records what it saw.

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include "aiosmpp/sqlite/sqlite.hpp"
#include "support/catch.hpp"
#include "support/recording_hook.hpp"

namespace aiosmpp::sqlite_test {

// A database path unique to this process and test, removed (with its WAL files) afterwards.
class TempDb {
 public:
  TempDb() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("aiosmpp_sqlite_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++) + ".db"))
                .string();
    remove();
  }
  ~TempDb() { remove(); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;
  const std::string& path() const { return path_; }
  std::shared_ptr<SqliteDatabase> open(SqliteSync sync = SqliteSync::normal) const {
    SqliteDatabaseOptions o;
    o.path = path_;
    o.sync = sync;
    return std::make_shared<SqliteDatabase>(o);
  }

 private:
  void remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_ + suffix, ec);
  }
  std::string path_;
};

inline Pdu submit(const std::string& log_id, const std::string& extra = {}) {
  SubmitSm m;
  m.source = PhoneNumber("254722111111");
  m.destination = PhoneNumber("254722999999");
  m.text = MessageText{"hello " + log_id};
  m.tracking.log_id = log_id;
  m.tracking.extra_data = extra;
  return m;
}

inline std::vector<std::string> log_ids(const std::vector<Pdu>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) {
    Tracking t = tracking_of(p);
    SqliteBroker::strip_id(t);
    out.push_back(t.log_id);
  }
  return out;
}

// Reads one integer with a separate connection, as an inspecting tool would.
inline std::int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

using aiosmpp::test::RecordingHook;

}  // namespace aiosmpp::sqlite_test
