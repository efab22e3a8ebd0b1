// The process the crash test kills: an Esme with SqliteBroker + SqliteCorrelator (+ SqliteHook)
// sending what the database holds to aiosmpp-smsc-sim. Its record of what it saw goes to an
// append-only file with one write(2) per line, so lines survive SIGKILL (they are in the kernel
// once write returns).
//
//   crash_child --db FILE --log FILE --enqueue N      store N messages m0..m<N-1>, exit
//   crash_child --db FILE --log FILE --port P         recover, send until everything is finished
//
// Log lines:  U <log_id>                 unfinished at start (outcome unknown), requeued
//             R <log_id> <status> <message_id>   a submit_sm_resp
//             E <log_id> <kind>          a send_error (the message is enqueued again)
//             D <log_id|-> <message_id>  a delivery receipt (- when uncorrelated)
// Stdout: "P <outcomes>" every few outcomes, "done" at the end.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/sqlite/sqlite.hpp"
#include "aiosmpp/text/received.hpp"

namespace {

using namespace aiosmpp;

class LineLog {
 public:
  explicit LineLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  ~LineLog() { ::close(fd_); }
  LineLog(const LineLog&) = delete;
  LineLog& operator=(const LineLog&) = delete;
  void line(const std::string& s) const {
    std::string l = s + "\n";
    // O_APPEND: one write is one line, even if a previous run died mid-way through its own.
    if (::write(fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
      throw std::runtime_error("log write failed");
    }
  }

 private:
  int fd_;
};

// Message ids accepted (R lines) whose receipt has not come (no D line), over every run so far.
struct Awaited {
  std::set<std::string> accepted, receipted;
  std::size_t missing() const {
    std::size_t n = 0;
    for (const auto& id : accepted)
      if (receipted.count(id) == 0) ++n;
    return n;
  }
  void load(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string kind, a, b, c;
      f >> kind >> a >> b >> c;
      if (kind == "R" && b == "0") accepted.insert(c);
      if (kind == "D") receipted.insert(b);
    }
  }
};

class ChildHook final : public Hook {
 public:
  ChildHook(LineLog& log, std::shared_ptr<SqliteBroker> broker, Awaited& awaited)
      : log_(log), broker_(std::move(broker)), awaited_(awaited) {}
  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::send_error;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) co_return;
    if (const auto* r = std::get_if<SubmitSmResp>(m)) {
      log_.line(fmt::format("R {} {} {}", r->tracking.log_id,
                            static_cast<std::uint32_t>(r->header.command_status), r->message_id));
      if (r->header.command_status == CommandStatus::ok) awaited_.accepted.insert(r->message_id);
      progress();
    } else if (const auto* d = std::get_if<DeliverSm>(m)) {
      auto receipt = text::parse_receipt(*d);
      const std::string& id = d->tracking.log_id;
      log_.line(fmt::format("D {} {}", id.empty() ? "-" : id, receipt ? receipt->id : "?"));
      if (receipt) awaited_.receipted.insert(receipt->id);
    }
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view) override {
    log_.line(fmt::format("E {} {}", tracking_of(m).log_id, to_string(e.kind)));
    progress();
    // The test's policy: every failed message is sent again (a duplicate is possible only for
    // outcome_unknown, which the test counts).
    Pdu again = m;
    co_await broker_->enqueue(std::move(again));
  }

 private:
  void progress() {
    if (++outcomes_ % 20 == 0) {
      std::fprintf(stdout, "P %llu\n", static_cast<unsigned long long>(outcomes_));
      std::fflush(stdout);
    }
  }
  LineLog& log_;
  std::shared_ptr<SqliteBroker> broker_;
  Awaited& awaited_;
  std::uint64_t outcomes_ = 0;
};

asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> enqueue_all(SqliteBroker& broker, int count) {
  for (int i = 0; i < count;) {
    std::vector<Pdu> batch;
    for (int k = 0; k < 250 && i < count; ++k, ++i) {
      SubmitSm m;
      m.source = PhoneNumber("254722111111");
      m.destination = PhoneNumber(fmt::format("2547{:08}", i));
      m.text = MessageText{fmt::format("durable message {}", i)};
      m.tracking.log_id = fmt::format("m{}", i);
      m.tracking.extra_data = fmt::format("x{}", i);
      batch.push_back(std::move(m));
    }
    co_await broker.enqueue_batch(std::move(batch));
  }
}

asio::awaitable<void> send_all(asio::io_context& io, std::shared_ptr<SqliteDatabase> db,
                               std::uint16_t port, LineLog& log, const std::string& log_path) {
  Awaited awaited;
  awaited.load(log_path);
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  auto corr = std::make_shared<SqliteCorrelator>(db);
  // Recovery: the application's decision for "outcome unknown" is to send again.
  auto unfinished = co_await broker->unfinished();
  std::vector<std::int64_t> ids;
  for (const auto& u : unfinished) {
    log.line(fmt::format("U {}", tracking_of(u.message).log_id));
    ids.push_back(u.id);
  }
  co_await broker->requeue(ids);

  EsmeConfig cfg;
  cfg.smsc_port = port;
  cfg.system_id = "durable";
  cfg.password = "pw";
  cfg.window = 64;
  cfg.log_level = LogLevel::warning;
  Components parts;
  parts.broker = broker;
  parts.correlator = corr;
  auto app = std::make_shared<ChildHook>(log, broker, awaited);
  parts.hook = std::make_shared<SqliteHook>(app, broker, corr);
  Esme esme(io.get_executor(), cfg, parts);

  // Shared: the completion may run after this frame is gone.
  auto esme_failure = std::make_shared<std::exception_ptr>();
  asio::co_spawn(io, esme.start(), [esme_failure](std::exception_ptr e) { *esme_failure = e; });
  // Done when nothing is queued or in flight and every accepted message's receipt came (in
  // this run or an earlier one); then a quiet period lets receipts offered again arrive. (The
  // correlation table may keep a row whose receipt was answered just before a kill: its delete
  // was not committed yet. Such a row is stale, not lost: it expires with the TTL.)
  int idle = 0;
  while (idle < 15) {
    co_await sleep_ms(100);
    const auto c = co_await broker->counts();
    const bool quiet =
        c.ready == 0 && c.in_progress == 0 && c.unfinished == 0 && awaited.missing() == 0;
    idle = quiet ? idle + 1 : 0;
  }
  co_await esme.stop();
  co_await db->flush();
  if (*esme_failure) std::rethrow_exception(*esme_failure);
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path, log_path;
  int enqueue = -1;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    if (k == "--db")
      db_path = argv[i + 1];
    else if (k == "--log")
      log_path = argv[i + 1];
    else if (k == "--enqueue")
      enqueue = std::atoi(argv[i + 1]);
    else if (k == "--port")
      port = std::atoi(argv[i + 1]);
  }
  if (db_path.empty() || log_path.empty() || (enqueue < 0 && (port <= 0 || port > 65535))) {
    std::fprintf(stderr, "usage: crash_child --db FILE --log FILE (--enqueue N | --port P)\n");
    return 2;
  }
  try {
    asio::io_context io(1);
    LineLog log(log_path);
    SqliteDatabaseOptions o;
    o.path = db_path;
    auto db = std::make_shared<SqliteDatabase>(o);
    std::exception_ptr failure;
    auto body = [&]() -> asio::awaitable<void> {
      if (enqueue >= 0) {
        SqliteBroker broker(io.get_executor(), db);
        co_await enqueue_all(broker, enqueue);
      } else {
        co_await send_all(io, db, static_cast<std::uint16_t>(port), log, log_path);
      }
    };
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      failure = e;
      io.stop();
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
    std::fprintf(stdout, "done\n");
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash_child: %s\n", e.what());
    return 1;
  }
  return 0;
}
