// durable_bench: the durable path end to end. A producer enqueues N submit_sm (receipt asked)
// into a SqliteBroker in batches while an Esme takes them, sends them to the SMSC, stores each
// message_id in a SqliteCorrelator and finishes each message through SqliteHook; the run ends when
// every message's receipt came back correlated to its log_id. One line:
//
//   RESULT sqlite_durable n=N seconds=S msgs_per_s=R transactions=T operations=O sync=full api=pair
//
//   durable_bench --port P [--host H] [--count N] [--window W] [--db FILE] [--sync full|normal]
//                 [--batch B] [--api pair|new]
//
// --api new routes the Esme's put_delivery/get_delivery through register_delivery and
// correlate_receipt (the calls an Esme that holds early receipts makes), so their cost shows
// beside the original pair's.
//
// The clock runs from the first enqueue to the last correlated receipt (bind excluded). The
// database file is deleted first (and its -wal/-shm).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/sqlite/sqlite.hpp"

namespace {

using namespace aiosmpp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint64_t count = 100'000;
  std::size_t window = 100;
  std::string db = "durable_bench.db";
  SqliteSync sync = SqliteSync::full;
  std::size_t batch = 1000;
  bool new_api = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "durable_bench: %s\nusage: durable_bench --port P [--host H] [--count N] "
               "[--window W] [--db FILE] [--sync full|normal] [--batch B] [--api pair|new]\n",
               why);
  std::exit(2);
}

std::uint64_t number(std::string_view flag, const char* v, std::uint64_t min, std::uint64_t max) {
  char* end = nullptr;
  const auto n = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0' || n < min || n > max) {
    usage(fmt::format("{} {}: expected an integer in {}..{}", flag, v, min, max).c_str());
  }
  return n;
}

class CountingHook final : public Hook {
 public:
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
      if (r->header.command_status == CommandStatus::ok) {
        ++accepted;
      } else {
        ++rejected;
      }
    } else if (const auto* d = std::get_if<DeliverSm>(m)) {
      if (!d->tracking.log_id.empty()) ++receipts;
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    ++errors;
    co_return;
  }
  std::uint64_t accepted = 0, rejected = 0, receipts = 0, errors = 0;
};

// The newer correlator calls behind the original pair. A receipt that would be held (one that
// overtook its response) is not expected here: the simulator answers before its receipt delay.
class NewCalls final : public Correlator {
 public:
  explicit NewCalls(std::shared_ptr<SqliteCorrelator> inner) : inner_(std::move(inner)) {}
  asio::awaitable<void> put_delivery(std::string id, Tracking tracking) override {
    auto released = co_await inner_->register_delivery(std::move(id), std::move(tracking));
    if (!released.empty()) throw std::logic_error("durable_bench: a receipt was held");
  }
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view id,
                                                        bool final_state) override {
    auto match = co_await inner_->correlate_receipt(id, final_state, receipt_);
    if (match.held) throw std::logic_error("durable_bench: a receipt overtook its response");
    co_return std::move(match.tracking);
  }

 private:
  std::shared_ptr<SqliteCorrelator> inner_;
  Pdu receipt_ = DeliverSm{};
};

asio::awaitable<void> run(const Options& o, std::shared_ptr<SqliteDatabase> db) {
  auto ex = co_await asio::this_coro::executor;
  auto broker = std::make_shared<SqliteBroker>(ex, db);
  auto corr = std::make_shared<SqliteCorrelator>(db);
  auto counter = std::make_shared<CountingHook>();
  EsmeConfig cfg;
  cfg.smsc_host = o.host;
  cfg.smsc_port = o.port;
  cfg.system_id = "durable";
  cfg.window = o.window;
  cfg.log_level = LogLevel::warning;
  Components parts;
  parts.broker = broker;
  parts.correlator = o.new_api ? std::shared_ptr<Correlator>(std::make_shared<NewCalls>(corr))
                               : std::shared_ptr<Correlator>(corr);
  parts.hook = std::make_shared<SqliteHook>(counter, broker, corr);
  Esme esme(ex, cfg, parts);
  co_await esme.connect();
  auto done = std::make_shared<std::exception_ptr>();
  asio::co_spawn(ex, esme.start(), [done](std::exception_ptr e) { *done = e; });

  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < o.count;) {
    std::vector<Pdu> batch;
    for (std::size_t k = 0; k < o.batch && i < o.count; ++k, ++i) {
      SubmitSm m;
      m.source = PhoneNumber("254722111111");
      m.destination = PhoneNumber("254722999999");
      m.short_message = "Hello from aiosmpp durable_bench";
      m.tracking.log_id = fmt::format("b{}", i);
      batch.push_back(std::move(m));
    }
    co_await broker->enqueue_batch(std::move(batch));
  }
  asio::steady_timer t(ex);
  while (counter->receipts + counter->rejected + counter->errors < o.count) {
    t.expires_after(std::chrono::milliseconds(2));
    co_await t.async_wait(asio::use_awaitable);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_await esme.stop();
  co_await db->flush();
  const auto s = db->stats();
  std::printf(
      "RESULT sqlite_durable n=%llu seconds=%.3f msgs_per_s=%.0f transactions=%llu "
      "operations=%llu sync=%s api=%s accepted=%llu receipts=%llu rejected=%llu "
      "send_errors=%llu\n",
      static_cast<unsigned long long>(o.count), seconds, static_cast<double>(o.count) / seconds,
      static_cast<unsigned long long>(s.transactions),
      static_cast<unsigned long long>(s.operations), o.sync == SqliteSync::full ? "full" : "normal",
      o.new_api ? "new" : "pair", static_cast<unsigned long long>(counter->accepted),
      static_cast<unsigned long long>(counter->receipts),
      static_cast<unsigned long long>(counter->rejected),
      static_cast<unsigned long long>(counter->errors));
  if (*done) std::rethrow_exception(*done);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(fmt::format("{} needs a value", flag).c_str());
    const char* v = argv[i + 1];
    if (flag == "--host") {
      o.host = v;
    } else if (flag == "--port") {
      o.port = static_cast<std::uint16_t>(number(flag, v, 1, 65535));
    } else if (flag == "--count") {
      o.count = number(flag, v, 1, 100'000'000);
    } else if (flag == "--window") {
      o.window = number(flag, v, 1, 65536);
    } else if (flag == "--db") {
      o.db = v;
    } else if (flag == "--batch") {
      o.batch = number(flag, v, 1, 1'000'000);
    } else if (flag == "--api") {
      const std::string_view a = v;
      if (a != "pair" && a != "new") usage("--api: expected pair or new");
      o.new_api = a == "new";
    } else if (flag == "--sync") {
      const std::string_view s = v;
      if (s == "full") {
        o.sync = SqliteSync::full;
      } else if (s == "normal") {
        o.sync = SqliteSync::normal;
      } else {
        usage("--sync: expected full or normal");
      }
    } else {
      usage(fmt::format("unknown flag {}", flag).c_str());
    }
  }
  if (o.port == 0) usage("--port is required");
  try {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(o.db + suffix, ec);
    asio::io_context io(1);
    SqliteDatabaseOptions dbo;
    dbo.path = o.db;
    dbo.sync = o.sync;
    std::exception_ptr failure;
    {
      auto db = std::make_shared<SqliteDatabase>(dbo);
      asio::co_spawn(io, run(o, db), [&](std::exception_ptr e) { failure = e; });
      io.run();
    }
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "durable_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
