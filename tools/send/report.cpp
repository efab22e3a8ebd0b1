// aiosmpp-send's outcome file, counts, progress and summary (see report.hpp).

#include "report.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace aiosmpp::send {

std::string to_json_line(const OutcomeRecord& r) {
  return outcome_json(r);
}

void Tally::count(OutcomeKind kind) noexcept {
  switch (kind) {
    case OutcomeKind::ok:
      ++ok;
      break;
    case OutcomeKind::rejected:
      ++rejected;
      break;
    case OutcomeKind::unknown:
      ++unknown;
      break;
    case OutcomeKind::invalid:
      ++invalid;
      break;
    case OutcomeKind::not_sent:
      ++not_sent;
      break;
  }
}

namespace {

// The "line" of every whole record in `path`, and the file cut after its last newline.
std::set<std::size_t> read_ended(const std::string& path) {
  std::set<std::size_t> ended;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ended;
  std::uintmax_t whole = 0;
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // no newline after it: torn
    whole += line.size() + 1;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("line") && j["line"].is_number_unsigned()) {
      ended.insert(j["line"].get<std::size_t>());
    }
  }
  in.close();
  if (std::filesystem::file_size(path) != whole) std::filesystem::resize_file(path, whole);
  return ended;
}

}  // namespace

OutcomeWriter::OutcomeWriter(const std::string& path, bool append) {
  if (path.empty()) return;
  if (append) ended_ = read_ended(path);
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (file_ == nullptr) {
    throw std::runtime_error(fmt::format("--out {}: {}", path, std::strerror(errno)));
  }
}

OutcomeWriter::~OutcomeWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void OutcomeWriter::write(const OutcomeRecord& r) {
  tally_.count(r.kind);
  if (file_ == nullptr) return;
  auto line = to_json_line(r);
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw std::runtime_error(fmt::format("--out: write failed: {}", std::strerror(errno)));
  }
}

namespace {

std::string duration_text(double seconds) {
  if (seconds < 0) return "-";
  const auto s = static_cast<std::uint64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

Progress::Progress(asio::any_io_executor executor, ProgressMode mode,
                   std::chrono::milliseconds interval, const Tally& tally,
                   std::function<std::uint64_t()> in_flight)
    : timer_(std::move(executor)),
      mode_(mode),
      interval_(interval),
      tally_(tally),
      in_flight_(std::move(in_flight)) {
  if (interval_.count() == 0) {
    interval_ = mode_ == ProgressMode::bar ? std::chrono::milliseconds(250)
                                           : std::chrono::milliseconds(5000);
  }
}

std::string Progress::line(std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const auto done = tally_.done();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const auto left = tally_.total > done ? tally_.total - done : 0;
  const double eta = rate > 0 ? static_cast<double>(left) / rate : -1.0;
  const auto percent = tally_.total == 0 ? 100 : done * 100 / tally_.total;
  return fmt::format(
      "{}/{} {}% {:.1f} msg/s in_flight={} ok={} rejected={} unknown={} invalid={} eta={}", done,
      tally_.total, percent, rate, in_flight_(), tally_.ok, tally_.rejected, tally_.unknown,
      tally_.invalid, left == 0 ? "0:00" : duration_text(eta));
}

void Progress::draw(std::chrono::steady_clock::time_point now) {
  if (mode_ == ProgressMode::bar) {
    constexpr std::size_t width = 20;
    const auto filled =
        tally_.total == 0 ? width : static_cast<std::size_t>(tally_.done() * width / tally_.total);
    // \r and "erase to end of line": the bar is redrawn in place.
    fmt::print(stderr, "\r[{:#<{}}{:-<{}}] {}\x1b[K", "", filled, "", width - filled, line(now));
    drawn_ = true;
  } else {
    fmt::print(stderr, "progress {}\n", line(now));
  }
  std::fflush(stderr);
}

asio::awaitable<void> Progress::run() {
  if (mode_ == ProgressMode::off) co_return;
  while (!stopped_) {
    timer_.expires_after(interval_);
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    draw(std::chrono::steady_clock::now());
  }
}

void Progress::stop() {
  stopped_ = true;
  timer_.cancel();
  if (drawn_) {
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

std::string summary_line(const Tally& tally, std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return fmt::format(
      "summary total={} ok={} rejected={} unknown={} invalid={} not_sent={} receipts={} "
      "seconds={:.1f} rate={:.1f}",
      tally.total, tally.ok, tally.rejected, tally.unknown, tally.invalid, tally.not_sent,
      tally.receipts, seconds, seconds > 0 ? static_cast<double>(tally.done()) / seconds : 0.0);
}

}  // namespace aiosmpp::send
