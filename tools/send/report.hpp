#pragma once

// What aiosmpp-send tells the user: one JSON line per message (--out, schema in
// docs/guides/send.md#outcomes), the counts by outcome, the progress (a redrawn bar on a terminal,
// plain lines otherwise, on an asio timer of the sending io_context) and the summary.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/json/outcome.hpp"
#include "options.hpp"

namespace aiosmpp::send {

// How a message ended and one line of the outcome file: the library's outcome record, the one
// schema the Redis outcome stream writes too (aiosmpp/json/outcome.hpp).
using aiosmpp::OutcomeKind;
using aiosmpp::OutcomeRecord;
using aiosmpp::to_string;

/** The record as one JSON object (no newline). */
std::string to_json_line(const OutcomeRecord& r);

struct Tally {
  std::uint64_t total = 0;  // messages (bad input lines included) this run is to end
  std::uint64_t ok = 0;
  std::uint64_t rejected = 0;
  std::uint64_t unknown = 0;
  std::uint64_t invalid = 0;
  std::uint64_t not_sent = 0;
  std::uint64_t receipts = 0;  // final receipts matched (--wait-receipts)

  std::uint64_t done() const noexcept { return ok + rejected + unknown + invalid + not_sent; }
  void count(OutcomeKind kind) noexcept;
};

/** Appends records to --out (or nowhere) and counts them. Each record is flushed to the file
 *  before write() returns: with --state, the message leaves the state file only after its line
 *  is written, so a crash may repeat a line but never lose one. */
class OutcomeWriter {
 public:
  /** Opens `path` (empty: no file) for writing, appending when `append`. An appended file's
   *  lines are read first (ended_lines()), and a torn last line (a crash in the middle of a
   *  write) is cut off. @throws std::runtime_error naming the file when it cannot be opened. */
  OutcomeWriter(const std::string& path, bool append);
  ~OutcomeWriter();
  OutcomeWriter(const OutcomeWriter&) = delete;
  OutcomeWriter& operator=(const OutcomeWriter&) = delete;

  void write(const OutcomeRecord& r);
  /** The input lines the file held when opened for appending. */
  const std::set<std::size_t>& ended_lines() const noexcept { return ended_; }
  Tally& tally() noexcept { return tally_; }
  const Tally& tally() const noexcept { return tally_; }

 private:
  std::FILE* file_ = nullptr;
  Tally tally_;
  std::set<std::size_t> ended_;
};

/** The progress display: started once sending starts, redrawn on a timer until stop(). */
class Progress {
 public:
  /** `in_flight` reads the Esme's requests awaiting a response. */
  Progress(asio::any_io_executor executor, ProgressMode mode, std::chrono::milliseconds interval,
           const Tally& tally, std::function<std::uint64_t()> in_flight);

  /** Draws until stop() (co_spawn it). */
  asio::awaitable<void> run();
  /** Ends run() and clears the bar. */
  void stop();
  /** The line shown now (also the non-terminal line), for tests and the bar. */
  std::string line(std::chrono::steady_clock::time_point now) const;

 private:
  void draw(std::chrono::steady_clock::time_point now);

  asio::steady_timer timer_;
  ProgressMode mode_;
  std::chrono::milliseconds interval_;
  const Tally& tally_;
  std::function<std::uint64_t()> in_flight_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool stopped_ = false;
  bool drawn_ = false;
};

/** The last line: counts, elapsed time and rate. */
std::string summary_line(const Tally& tally, std::chrono::steady_clock::duration elapsed);

}  // namespace aiosmpp::send
