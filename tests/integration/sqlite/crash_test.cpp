// The durability proof: crash_child (an Esme with SqliteBroker, SqliteCorrelator and SqliteHook)
// sends a few thousand messages with receipts to the real aiosmpp-smsc-sim process; the test kills
// it with SIGKILL at seeded random points, restarts it on the same database, lets the last run
// finish, and then checks from the child's log, the database and the simulator's count that
//   - every message was accepted by the SMSC, and got a correlated receipt with its log_id;
//   - a message is accepted more than once only if it was "outcome unknown" (taken but not
//     finished) at a kill, and then the application requeued it: duplicates <= unfinished;
//   - the SMSC accepted at most N + (messages unfinished at the kills) submit_sm in all;
//   - a receipt offered again after a kill (never acknowledged) still reaches its log_id;
//   - nothing is left in the queue, and the correlation table holds only repeat markers and rows
//     whose receipt came.
// Seed: AIOSMPP_CRASH_SEED (default fixed), printed so a failure can be replayed.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "support/catch.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A child process with its stdout on a pipe; killed and reaped by its pid if still running.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      const int null = ::open("/dev/null", O_RDONLY);
      if (null >= 0) ::dup2(null, STDIN_FILENO);
      std::vector<char*> argv;
      for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /** The next stdout line, or nullopt at end of file or when `timeout` passes. */
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (eof_) return std::nullopt;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const auto n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) {
        eof_ = true;
      } else {
        buf_.append(chunk, static_cast<std::size_t>(n));
      }
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  /** Waits for the exit; returns the exit status, or 128 + signal. */
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
  bool eof_ = false;
};

std::int64_t query_int(const std::string& path, const char* sql) {
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

std::vector<std::string> rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::uint64_t stat_value(const std::string& stats, const std::string& key) {
  const auto at = stats.find(" " + key + "=");
  REQUIRE(at != std::string::npos);
  return std::stoull(stats.substr(at + key.size() + 2));
}

}  // namespace

TEST_CASE("SQLite durability: SIGKILL at seeded random points loses nothing") {
  constexpr int messages = 2000;
  constexpr int kills = 3;
  constexpr int window = 64;  // crash_child's EsmeConfig::window
  std::uint32_t seed = 20261126;
  if (const char* s = std::getenv("AIOSMPP_CRASH_SEED"))
    seed = static_cast<std::uint32_t>(std::stoul(s));
  INFO("seed " << seed << " (set AIOSMPP_CRASH_SEED to replay)");
  std::mt19937 rng(seed);

  const auto dir =
      std::filesystem::temp_directory_path() / ("aiosmpp_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "durable.db").string();
  const std::string log = (dir / "child.log").string();

  Process sim({AIOSMPP_SMSC_SIM, "--port", "0", "--stats-interval", "0", "--receipt-delay",
               "20-300ms", "--seed", std::to_string(seed), "--log-level", "warning"});
  std::string port;
  for (auto line = sim.read_line(std::chrono::seconds(20)); line;
       line = sim.read_line(std::chrono::seconds(20))) {
    if (line->rfind("listening ", 0) == 0) {
      port = line->substr(line->rfind(':') + 1);
      break;
    }
  }
  REQUIRE(!port.empty());

  {
    Process fill(
        {AIOSMPP_CRASH_CHILD, "--db", db, "--log", log, "--enqueue", std::to_string(messages)});
    REQUIRE(fill.wait() == 0);
  }
  REQUIRE(query_int(db, "SELECT count(*) FROM aiosmpp_queue") == messages);

  // Each killed run dies after a random number of outcomes (progress is printed every 20).
  std::uniform_int_distribution<int> after(0, 500);
  for (int k = 0; k < kills; ++k) {
    const int threshold = after(rng);
    Process child({AIOSMPP_CRASH_CHILD, "--db", db, "--log", log, "--port", port});
    bool finished = false;
    for (;;) {
      auto line = child.read_line(std::chrono::seconds(60));
      REQUIRE(line);  // a hung child fails the test instead of hanging it
      if (*line == "done") {
        finished = true;
        break;
      }
      if (line->rfind("P ", 0) == 0 && std::stoi(line->substr(2)) >= threshold) break;
    }
    if (finished) {
      WARN("run " << k << " finished before its kill point " << threshold);
      break;
    }
    child.signal(SIGKILL);
    REQUIRE(child.wait() == 128 + SIGKILL);
  }
  {
    Process last({AIOSMPP_CRASH_CHILD, "--db", db, "--log", log, "--port", port});
    bool done = false;
    for (auto line = last.read_line(std::chrono::seconds(60)); line;
         line = last.read_line(std::chrono::seconds(60))) {
      if (*line == "done") done = true;
    }
    REQUIRE(done);
    REQUIRE(last.wait() == 0);
  }

  sim.signal(SIGTERM);
  std::string stats;
  for (auto line = sim.read_line(std::chrono::seconds(20)); line;
       line = sim.read_line(std::chrono::seconds(20))) {
    if (line->rfind("stats ", 0) == 0) stats = *line;
  }
  REQUIRE(sim.wait() == 0);
  REQUIRE(!stats.empty());

  // What the child saw, over all its runs.
  std::map<std::string, std::set<std::string>> accepted;  // log_id -> message_ids of ok responses
  std::map<std::string, int> unfinished;                  // log_id -> times unfinished at start
  std::map<std::string, std::string> owner;               // message_id -> log_id (ok responses)
  std::vector<std::pair<std::string, std::string>> receipts;  // (log_id or "-", message_id)
  int send_errors = 0;
  std::vector<int> unfinished_per_restart;  // U lines come first in a run, as one block
  {
    std::ifstream in(log);
    std::string line;
    bool previous_was_u = false;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string kind, id;
      f >> kind >> id;
      const bool in_block = previous_was_u;
      previous_was_u = kind == "U";
      if (kind == "R") {
        std::string status, mid;
        f >> status >> mid;
        REQUIRE(status == "0");
        accepted[id].insert(mid);
        owner[mid] = id;
      } else if (kind == "U") {
        ++unfinished[id];
        if (!in_block) unfinished_per_restart.push_back(0);
        ++unfinished_per_restart.back();
      } else if (kind == "D") {
        std::string mid;
        f >> mid;
        receipts.emplace_back(id, mid);
      } else if (kind == "E") {
        ++send_errors;
      } else {
        FAIL("unexpected log line: " << line);
      }
    }
  }

  // The bound: the database can hold at most `window` taken-but-unfinished messages, because the
  // Esme takes new messages only into free window slots, and taking them commits every finish
  // queued before (one ordered queue). So a kill leaves at most `window` messages whose outcome
  // is unknown, and each can be accepted by the SMSC at most twice.
  for (const int n : unfinished_per_restart)
    CHECK(n <= window);
  int total_unfinished = 0;
  for (const auto& [id, n] : unfinished)
    total_unfinished += n;
  int duplicates = 0;
  std::set<std::string> correlated;       // log_ids with a correlated receipt
  std::set<std::string> correlated_mids;  // message_ids whose receipt came correlated
  std::set<std::string> uncorrelated_mids;
  for (const auto& [lid, mid] : receipts) {
    if (lid == "-") {
      uncorrelated_mids.insert(mid);
      continue;
    }
    correlated.insert(lid);
    correlated_mids.insert(mid);
    // A correlated receipt names the message it was submitted as (or one whose response the
    // kill swallowed, which only an unfinished message can have).
    const auto o = owner.find(mid);
    if (o != owner.end()) {
      CHECK(o->second == lid);
    } else {
      CHECK(unfinished.count(lid) == 1);
    }
  }
  for (int i = 0; i < messages; ++i) {
    const std::string lid = "m" + std::to_string(i);
    INFO(lid);
    const auto a = accepted.find(lid);
    REQUIRE(a != accepted.end());       // accepted by the SMSC (a response the application saw)
    CHECK(correlated.count(lid) == 1);  // its receipt came back with its log_id
    const int extra = static_cast<int>(a->second.size()) - 1;
    duplicates += extra;
    // Only a message that was "outcome unknown" at a kill, and requeued, can be sent twice.
    CHECK(extra <= (unfinished.count(lid) != 0 ? unfinished.at(lid) : 0));
  }
  CHECK(accepted.size() == static_cast<std::size_t>(messages));  // no unknown log_ids

  const auto submits = stat_value(stats, "submits");
  // The SMSC's own count: every message at least once; beyond that only the unfinished ones
  // (accepted before the kill with the response unseen, or seen but not yet finished).
  CHECK(submits >= static_cast<std::uint64_t>(messages));
  CHECK(submits <= static_cast<std::uint64_t>(messages + total_unfinished));
  CHECK(stat_value(stats, "submit_errors") == 0);
  // A receipt comes uncorrelated only for a copy whose correlation died unsaved with its run: a
  // copy of an unfinished message. A receipt the simulator offers again after a kill (it was
  // never acknowledged) still correlates: the row, or the marker its first final receipt left,
  // is in the file.
  std::size_t uncorrelated = 0;
  for (const auto& mid : uncorrelated_mids) {
    INFO("message_id " << mid << " came both correlated and uncorrelated");
    CHECK(correlated_mids.count(mid) == 0);
    uncorrelated += correlated_mids.count(mid) == 0 ? 1U : 0U;
  }
  CHECK(uncorrelated <= static_cast<std::size_t>(total_unfinished));
  std::map<std::string, int> receipts_per_mid;
  for (const auto& [lid, mid] : receipts)
    ++receipts_per_mid[mid];
  int repeats = 0;
  for (const auto& [mid, n] : receipts_per_mid)
    repeats += n - 1;

  CHECK(query_int(db, "SELECT count(*) FROM aiosmpp_queue") == 0);
  // A correlation row outlives its receipt as a repeat marker (for the grace period), or, live,
  // when the receipt was answered just before a kill (its change not yet committed): never one
  // still awaited.
  std::set<std::string> receipted;
  for (const auto& r : receipts)
    receipted.insert(r.second);
  const auto stale = rows(db, "SELECT smsc_message_id FROM aiosmpp_delivery");
  for (const auto& mid : stale) {
    INFO("correlation left for " << mid);
    CHECK(receipted.count(mid) == 1);
  }

  WARN("crash test: seed " << seed << ", " << messages << " messages, " << kills
                           << " SIGKILLs; unfinished at restarts " << total_unfinished
                           << "; SMSC accepted " << submits
                           << " (duplicates seen by the application " << duplicates << ", bound "
                           << total_unfinished << "); uncorrelated receipts " << uncorrelated
                           << "; receipts offered again " << repeats << ", all correlated"
                           << "; send errors " << send_errors);
  std::filesystem::remove_all(dir);
}
