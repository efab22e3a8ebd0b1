// A broker of your own: a file-backed queue plugged into the Esme. Messages are written to disk
// before enqueue() returns, so they survive a crash or a restart of the application; a message
// whose outcome the hook has recorded is never sent again on restart. Copy FileBroker as the
// pattern for your own (a database table, a message bus): the Broker contract is the same.
//
//   custom_broker [--host 127.0.0.1] [--port 2775] [--dir DIR] [--enqueue N] [--capacity C]
//                 [--enqueue-only] [--seconds S]
//
// Each run first resumes what a previous run left in DIR (default ./custom_broker_queue), then
// enqueues N new messages (default 5) while the Esme sends, and stops once every message has an
// outcome (or after S seconds, default 10: exit code 1). --enqueue-only writes the N messages
// and exits without connecting: the next run sends them. Try it with aiosmpp-smsc-sim:
//   custom_broker --enqueue-only --enqueue 3     # 3 messages wait on disk
//   custom_broker --enqueue 2                    # sends those 3, then 2 new ones
//   custom_broker --enqueue 0                    # nothing left: sends nothing

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/json.hpp"
#include "common/condition.hpp"
#include "common/options.hpp"

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// A file descriptor that closes itself.
class File {
 public:
  File() = default;
  File(const std::filesystem::path& path, int flags) : fd_(::open(path.c_str(), flags, 0644)) {
    if (fd_ < 0) throw_errno("open " + path.string());
  }
  File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  File& operator=(File&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync(int fd, const std::string& what) {
  if (::fsync(fd) != 0) throw_errno("fsync " + what);
}

/** @brief A Broker that keeps its messages in a file, one JSON line each (aiosmpp's
 *  json_encode), and the acknowledged ones in a small state file next to it.
 *
 *  Files in `dir`:
 *  - `messages.jsonl`: every message enqueued and not yet compacted away, appended and fsync'd
 *    by enqueue() before it returns;
 *  - `messages.ack`: `{"committed": C, "acked": [o1, o2, ...]}`: the lines before byte offset C
 *    have their outcome, and so have the lines starting at o1, o2, ... (outcomes come out of
 *    order: the Esme has a window of messages in flight). Replaced atomically (write, fsync,
 *    rename) on every acknowledge().
 *  When every line has its outcome, both files go back to empty, so the queue does not grow.
 *
 *  Delivery is at least once: a message taken but without a recorded outcome when the process
 *  dies is sent again by the next run (its outcome is unknown: the SMSC may have it).
 *
 *  Identity: messages are acknowledged by `tracking.log_id`, which must not be empty. Messages in
 *  flight at the same time should have distinct log_ids (with duplicates, the oldest taken is
 *  acknowledged first).
 *
 *  Back-pressure: enqueue() waits while `capacity` messages lack an outcome.
 *
 *  Threads: none; every call on the executor given (the Esme's). */
class FileBroker final : public aiosmpp::Broker {
 public:
  FileBroker(asio::any_io_executor executor, std::filesystem::path dir, std::size_t capacity)
      : dir_(std::move(dir)), capacity_(capacity), data_ready_(executor), space_ready_(executor) {
    if (capacity_ == 0) throw std::invalid_argument("FileBroker capacity: 0, must be >= 1");
    data_ready_.expires_at(asio::steady_timer::time_point::max());
    space_ready_.expires_at(asio::steady_timer::time_point::max());
    std::filesystem::create_directories(dir_);
    messages_ = File(messages_path(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC);
    recover();
  }

  // ---- the Broker interface ---------------------------------------------------------------

  /** @brief Appends `message` to the file (fsync'd) once fewer than `capacity` messages lack an
   *  outcome. Cancellable while it waits: then nothing is written. Throws std::invalid_argument
   *  for an empty log_id, std::system_error when the disk refuses. */
  asio::awaitable<void> enqueue(aiosmpp::Pdu message) override {
    if (tracking_of(message).log_id.empty()) {
      throw std::invalid_argument(
          "FileBroker::enqueue: tracking.log_id is empty (it is the key "
          "acknowledge() finds the message by)");
    }
    while (unacknowledged_ >= capacity_) {
      producers_waiting_ = true;
      std::error_code woken;  // operation_aborted: a wake-up or a cancellation, told apart below
      co_await space_ready_.async_wait(asio::redirect_error(asio::use_awaitable, woken));
      throw_if_cancelled(co_await asio::this_coro::cancellation_state, "enqueue");
    }
    append(aiosmpp::json_encode(message));
  }

  asio::awaitable<aiosmpp::Pdu> dequeue() override {
    std::vector<aiosmpp::Pdu> one;
    co_await dequeue_batch(one, 1);
    co_return std::move(one.front());
  }

  // The Esme calls this first: many messages per wake-up without a coroutine frame each.
  std::size_t try_dequeue_batch(std::vector<aiosmpp::Pdu>& out, std::size_t max) override {
    return take(out, max);
  }

  // The Broker contract: a cancelled dequeue takes nothing. So messages are taken only after
  // the last suspension point, never before a wait that a cancellation can end.
  asio::awaitable<std::size_t> dequeue_batch(std::vector<aiosmpp::Pdu>& out,
                                             std::size_t max) override {
    for (;;) {
      if (const std::size_t n = take(out, std::max<std::size_t>(max, 1)); n > 0) co_return n;
      consumer_waiting_ = true;
      std::error_code woken;
      co_await data_ready_.async_wait(asio::redirect_error(asio::use_awaitable, woken));
      consumer_waiting_ = false;
      throw_if_cancelled(co_await asio::this_coro::cancellation_state, "dequeue");
    }
  }

  // ---- for the application (its hook) ----------------------------------------------------

  /** @brief The outcome of the taken message with `log_id` is recorded: it will not be sent
   *  again, even after a restart. Returns false when no taken message has that log_id. */
  bool acknowledge(const std::string& log_id) {
    const auto it = taken_.lower_bound(log_id);  // the oldest taken with this log_id
    if (it == taken_.end() || it->first != log_id) return false;
    lines_.at(it->second).acked = true;
    taken_.erase(it);
    --unacknowledged_;
    commit();
    wake(producers_waiting_, space_ready_);
    return true;
  }

  /** @brief Sends the taken message with `log_id` again later: appends a copy, then
   *  acknowledges this one (a crash in between sends it twice, never zero times). For messages
   *  that never reached the SMSC (SendError::Kind::not_sent). Does not wait for space: the
   *  number of messages without an outcome does not change. */
  bool requeue(const std::string& log_id) {
    const auto it = taken_.lower_bound(log_id);
    if (it == taken_.end() || it->first != log_id) return false;
    const auto start = it->second;
    const std::string line = read_line(start, lines_.at(start).end);
    append(line);
    return acknowledge(log_id);
  }

  /** @brief Messages without a recorded outcome (waiting in the file or taken by the Esme). */
  std::size_t unacknowledged() const noexcept { return unacknowledged_; }
  /** @brief How many of them the previous run left. */
  std::size_t recovered() const noexcept { return recovered_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Line {
    std::uint64_t end = 0;  // offset after its '\n'
    bool acked = false;
  };

  static void throw_if_cancelled(const asio::cancellation_state& state, const char* what) {
    // A wake-up and a cancellation both complete the wait with operation_aborted; only a
    // cancellation is visible in the coroutine's cancellation state.
    if (state.cancelled() != asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted,
                              fmt::format("FileBroker::{} cancelled", what));
    }
  }

  static void wake(bool& waiting, asio::steady_timer& timer) {
    if (waiting) {
      waiting = false;
      timer.cancel();
    }
  }

  std::filesystem::path messages_path() const { return dir_ / "messages.jsonl"; }
  std::filesystem::path ack_path() const { return dir_ / "messages.ack"; }

  void append(const std::string& json) {
    std::string line = json;
    line += '\n';
    try {
      write_all(messages_.fd(), line, messages_path().string());
      // Durable before enqueue() returns: a caller that was told "queued" must find it after a
      // crash. (An fsync per message costs a disk flush; a busy producer would batch them.)
      sync(messages_.fd(), messages_path().string());
    } catch (...) {
      // Disk full, say: cut off the partial line, or the next append would be glued to it.
      if (::ftruncate(messages_.fd(), static_cast<off_t>(size_)) != 0) {
        fmt::print(stderr, "{}: cannot cut a partial line at {}\n", messages_path().string(),
                   size_);
      }
      throw;
    }
    size_ += line.size();
    ++unacknowledged_;
    wake(consumer_waiting_, data_ready_);
  }

  // The line [start, end) without its '\n'.
  std::string read_line(std::uint64_t start, std::uint64_t end) const {
    std::string line(static_cast<std::size_t>(end - start), '\0');
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::pread(messages_.fd(), line.data() + done, line.size() - done,
                                static_cast<off_t>(start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw_errno("read " + messages_path().string());
      done += static_cast<std::size_t>(n);
    }
    line.pop_back();
    return line;
  }

  // The offset after the '\n' that ends the line starting at `start`, or 0 when the file ends
  // first (a line whose write never completed).
  std::uint64_t find_line_end(std::uint64_t start) const {
    char buffer[16 * 1024];
    for (std::uint64_t at = start; at < size_;) {
      const ssize_t n = ::pread(messages_.fd(), buffer, sizeof buffer, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw_errno("read " + messages_path().string());
      const std::string_view chunk(buffer, static_cast<std::size_t>(n));
      if (const auto nl = chunk.find('\n'); nl != std::string_view::npos) return at + nl + 1;
      at += static_cast<std::uint64_t>(n);
    }
    return 0;
  }

  // Moves up to `max` messages that have no outcome yet to `out`; synchronous, so either it
  // takes them or (by an exception) nothing changes for the Esme.
  std::size_t take(std::vector<aiosmpp::Pdu>& out, std::size_t max) {
    std::size_t n = 0;
    while (n < max && read_pos_ < size_) {
      const std::uint64_t start = read_pos_;
      auto line = lines_.find(start);
      if (line == lines_.end()) {
        const std::uint64_t end = find_line_end(start);
        if (end == 0) break;  // not reached: recover() and append() leave only whole lines
        line = lines_.emplace(start, Line{end, false}).first;
      }
      read_pos_ = line->second.end;
      if (line->second.acked) continue;  // its outcome was recorded before a restart
      try {
        aiosmpp::Pdu message = aiosmpp::json_decode(read_line(start, line->second.end));
        taken_.emplace(tracking_of(message).log_id, start);
        out.push_back(std::move(message));
        ++n;
      } catch (const aiosmpp::JsonError& e) {
        // Someone edited the file by hand. Keep the line (for a person to repair and enqueue
        // again) instead of losing it silently or blocking the queue behind it.
        reject(start, line->second.end, e.what());
      }
    }
    return n;
  }

  void reject(std::uint64_t start, std::uint64_t end, const std::string& why) {
    const auto path = dir_ / "rejected.jsonl";
    File rejected(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
    write_all(rejected.fd(), read_line(start, end) + "\n", path.string());
    sync(rejected.fd(), path.string());
    fmt::print(stderr, "{} at offset {}: {}; moved to {}\n", messages_path().string(), start, why,
               path.string());
    lines_.at(start).acked = true;
    --unacknowledged_;
    commit();
  }

  // Advances the committed offset over the acknowledged lines at the front and writes the
  // state file; empties both files once every line has its outcome.
  void commit() {
    while (!lines_.empty() && lines_.begin()->first == committed_ && lines_.begin()->second.acked) {
      committed_ = lines_.begin()->second.end;
      lines_.erase(lines_.begin());
    }
    if (committed_ == size_ && read_pos_ == size_ && size_ > 0) {
      // Truncate first: a crash before the state file says 0 leaves committed > size, which
      // recover() reads as "all done". The other order would resend everything.
      if (::ftruncate(messages_.fd(), 0) != 0) throw_errno("truncate " + messages_path().string());
      sync(messages_.fd(), messages_path().string());
      size_ = read_pos_ = committed_ = 0;
      lines_.clear();
    }
    nlohmann::json state{{"committed", committed_}, {"acked", nlohmann::json::array()}};
    for (const auto& [start, line] : lines_) {
      if (line.acked) state["acked"].push_back(start);
    }
    const auto tmp = dir_ / "messages.ack.tmp";
    {
      File f(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
      write_all(f.fd(), state.dump() + "\n", tmp.string());
      sync(f.fd(), tmp.string());
    }
    std::filesystem::rename(tmp, ack_path());  // atomic: the old state or the new, never half
    File directory(dir_, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sync(directory.fd(), dir_.string());  // makes the rename itself durable
  }

  // Reads the state a previous run left: what was committed, which later lines were
  // acknowledged, and how many messages still need sending.
  void recover() {
    struct stat st {};
    if (::fstat(messages_.fd(), &st) != 0) throw_errno("stat " + messages_path().string());
    size_ = static_cast<std::uint64_t>(st.st_size);

    std::set<std::uint64_t> acked;
    if (std::filesystem::exists(ack_path())) {
      const std::string path = ack_path().string();
      try {
        File f(ack_path(), O_RDONLY | O_CLOEXEC);
        std::string text;
        char buffer[4096];
        for (;;) {
          const ssize_t n = ::read(f.fd(), buffer, sizeof buffer);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw_errno("read " + path);
          if (n == 0) break;
          text.append(buffer, static_cast<std::size_t>(n));
        }
        const auto state = nlohmann::json::parse(text);
        committed_ = state.at("committed").get<std::uint64_t>();
        for (const auto& o : state.at("acked"))
          acked.insert(o.get<std::uint64_t>());
      } catch (const nlohmann::json::exception& e) {
        // Refusing to start is the safe answer: guessing would resend or drop messages.
        throw std::runtime_error(fmt::format("{}: {} (fix or delete it)", path, e.what()));
      }
    }
    if (committed_ > size_) committed_ = 0;  // crashed between truncation and state (commit())

    // A line without its '\n' is an append that never completed (its enqueue never returned):
    // drop it, or the next append would be glued to it.
    std::uint64_t pos = committed_;
    while (pos < size_) {
      const std::uint64_t end = find_line_end(pos);
      if (end == 0) {
        if (::ftruncate(messages_.fd(), static_cast<off_t>(pos)) != 0) {
          throw_errno("truncate " + messages_path().string());
        }
        size_ = pos;
        break;
      }
      const bool done = acked.count(pos) != 0;
      lines_.emplace(pos, Line{end, done});
      if (!done) ++unacknowledged_;
      pos = end;
    }
    read_pos_ = committed_;
    recovered_ = unacknowledged_;
  }

  std::filesystem::path dir_;
  std::size_t capacity_;
  File messages_;
  std::uint64_t size_ = 0;       // bytes in messages.jsonl
  std::uint64_t read_pos_ = 0;   // the next line to take
  std::uint64_t committed_ = 0;  // every line before has its outcome
  // Lines from committed_ on that are known (taken, or seen at recovery), by start offset.
  std::map<std::uint64_t, Line> lines_;
  std::multimap<std::string, std::uint64_t> taken_;  // log_id -> start, awaiting an outcome
  std::size_t unacknowledged_ = 0;
  std::size_t recovered_ = 0;
  bool consumer_waiting_ = false;
  bool producers_waiting_ = false;
  asio::steady_timer data_ready_;   // a condition variable: cancelled to wake the consumer
  asio::steady_timer space_ready_;  // and the producers
};

// Records every outcome in the broker: from then on the message is never sent again.
class AcknowledgingHook final : public aiosmpp::Hook {
 public:
  AcknowledgingHook(FileBroker& broker, examples::Condition& progress)
      : broker_(broker), progress_(progress) {}

  // outcome() alone: one call per message, whatever ended it (any response, a generic_nack, or
  // a SendError). An ESME_RTHROTTLED answer is no outcome: the Esme sends the message again
  // itself, so the broker keeps it unacknowledged until its final answer.
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const aiosmpp::Pdu*, std::span<const std::uint8_t>,
                                 std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;
  }

  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view) override {
    const std::string& log_id = o.tracking().log_id;
    if (o.error) {
      // not_sent: the SMSC never saw it, so sending it again is safe (a few times: a message
      // the SMSC's connection keeps dropping should not loop for ever). The other kinds are
      // final here; outcome_unknown could be re-sent too, at the risk of a duplicate SMS.
      if (o.error->kind == aiosmpp::SendError::Kind::not_sent && ++retries_[log_id] <= 3) {
        fmt::print("retry {}: {}\n", log_id, *o.error);
        broker_.requeue(log_id);
      } else {
        fmt::print("outcome {}: failed {}\n", log_id, *o.error);
        broker_.acknowledge(log_id);
        ++outcomes_;
      }
    } else {
      // A real application writes the outcome to its own store first, then acknowledges: if it
      // crashes in between, the message is sent again (at least once), never lost.
      fmt::print("outcome {}: {} {} message_id={}\n", log_id, o.accepted() ? "accepted" : "refused",
                 *o.status(), o.message_id());
      if (!broker_.acknowledge(log_id)) {
        fmt::print(stderr, "outcome for {}, which the broker did not hand out\n", log_id);
      }
      ++outcomes_;
    }
    std::fflush(stdout);
    progress_.notify();
    co_return;
  }

  std::size_t outcomes() const noexcept { return outcomes_; }

 private:
  FileBroker& broker_;
  examples::Condition& progress_;
  std::map<std::string, int> retries_;
  std::size_t outcomes_ = 0;
};

aiosmpp::Pdu make_message(const std::string& log_id, std::uint64_t i) {
  aiosmpp::SubmitSm msg;
  msg.source = aiosmpp::PhoneNumber("254722111111");
  msg.destination = aiosmpp::PhoneNumber("254722999999");
  msg.text = aiosmpp::MessageText{fmt::format("Queued message {}", i)};
  // Receipts are left out to keep this example about the broker; quickstart and long_message
  // show them (and a durable Correlator keeps their correlation across restarts).
  msg.registered_delivery = aiosmpp::RegisteredDelivery::none;
  msg.tracking.log_id = log_id;
  return msg;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "custom_broker_queue";
  std::uint64_t to_enqueue = 5;
  std::uint64_t capacity = 100;
  std::uint64_t seconds = 10;
  bool enqueue_only = false;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::string_flag("--dir", "DIR", "queue directory (default ./custom_broker_queue)",
                             dir),
       examples::uint_flag("--enqueue", "N", "new messages to add (default 5)", to_enqueue, 0,
                           1'000'000),
       examples::uint_flag("--capacity", "C",
                           "messages without an outcome before enqueue waits (default 100)",
                           capacity, 1, 1'000'000),
       examples::switch_flag("--enqueue-only", "add the messages and exit without sending",
                             enqueue_only),
       examples::uint_flag("--seconds", "S", "give up after S seconds (default 10)", seconds, 1,
                           3600)});

  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    auto broker = std::make_shared<FileBroker>(io.get_executor(), dir, capacity);
    fmt::print("queue {}: {} messages from a previous run\n", dir, broker->recovered());

    // log_ids must be unique across runs too: a time stamp makes them so here.
    const auto run_tag = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    const auto log_id = [&](std::uint64_t i) { return fmt::format("msg-{}-{}", run_tag, i); };

    if (enqueue_only) {
      // Nothing consumes in this mode, so waiting for space would wait for ever: refuse instead.
      if (broker->unacknowledged() + to_enqueue > broker->capacity()) {
        throw std::runtime_error(fmt::format("--enqueue {}: the queue holds {} of its capacity {}",
                                             to_enqueue, broker->unacknowledged(),
                                             broker->capacity()));
      }
      for (std::uint64_t i = 0; i < to_enqueue; ++i) {
        aiosmpp::Pdu message = make_message(log_id(i), i);
        co_await broker->enqueue(std::move(message));
      }
      fmt::print("queued {}; {} waiting to be sent\n", to_enqueue, broker->unacknowledged());
      co_return;
    }

    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.client_id = "custom-broker-example";
    config.log_level = aiosmpp::LogLevel::warning;
    examples::Condition progress(io.get_executor());
    auto hook = std::make_shared<AcknowledgingHook>(*broker, progress);
    aiosmpp::Esme esme(io.get_executor(), config, {.broker = broker, .hook = hook});
    co_await esme.connect();

    bool finished = false;
    std::exception_ptr run_error;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      run_error = e;
      finished = true;
      progress.notify();
    });

    // The producer runs beside the Esme: with more messages than `capacity`, enqueue() waits
    // for outcomes to free space (back-pressure) instead of growing the file without bound.
    bool produced = false;
    std::exception_ptr produce_error;
    asio::cancellation_signal stop_producing;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (std::uint64_t i = 0; i < to_enqueue; ++i) {
            aiosmpp::Pdu message = make_message(log_id(i), i);
            co_await broker->enqueue(std::move(message));
          }
        },
        asio::bind_cancellation_slot(stop_producing.slot(), [&](std::exception_ptr e) {
          produce_error = e;
          produced = true;
          progress.notify();
        }));

    const bool done = co_await progress.wait_until(examples::deadline_after(seconds), [&] {
      return finished || produce_error || (produced && broker->unacknowledged() == 0);
    });

    // A producer still waiting for space would wait for ever once the Esme stops: cancel it
    // (a cancelled enqueue writes nothing; what it had written stays for the next run).
    if (!produced) stop_producing.emit(asio::cancellation_type::terminal);
    co_await esme.stop();
    co_await progress.wait_until(examples::Condition::Clock::time_point::max(),
                                 [&] { return finished && produced; });
    if (run_error) std::rethrow_exception(run_error);

    fmt::print("{} outcomes; {} messages left in the queue\n", hook->outcomes(),
               broker->unacknowledged());
    if (!done) {
      throw std::runtime_error(fmt::format("{} messages still without an outcome after {} s",
                                           broker->unacknowledged(), seconds));
    }
    if (produce_error) std::rethrow_exception(produce_error);
  });
}
