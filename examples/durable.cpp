// A sender that survives restarts (docs/durable.md): messages live in a SQLite file from the moment
// enqueue() returns until the application has seen their outcome, and receipt correlation lives
// there too, so a receipt arriving after a restart still finds its log_id. Kill it at any moment
// (kill -9 included) and start it again: it first lists the messages whose outcome is unknown and
// decides about them (--unknown requeue: send again, accepting a possible duplicate; --unknown
// report: give them up and say so), then carries on. It stops when its queue is empty and nothing
// is in flight, once this run's receipts are in (or --receipt-wait seconds after its last outcome;
// later receipts still find their log_id in the next run).
//
//   durable [--host 127.0.0.1] [--port 2775] [--db durable.db] [--count 10]
//           [--unknown requeue|report] [--receipt-wait 5] [--seconds 10]
//                                                       (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/sqlite/sqlite.hpp"
#include "aiosmpp/text/received.hpp"
#include "common/options.hpp"

namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

// The application's hook. SqliteHook calls it first and only then lets the message leave the
// database, so whatever this hook records is never lost (a crash right after it may show the
// same outcome once more, as "unknown", on the next start).
class AppHook final : public aiosmpp::Hook {
 public:
  explicit AppHook(std::shared_ptr<aiosmpp::SqliteBroker> broker) : broker_(std::move(broker)) {}

  // received() and send_error() rather than the one-shape outcome(): SqliteHook finishes the
  // message in the database as soon as these return and calls outcome() only after that, so
  // only what is recorded here survives a crash. A generic_nack arrives through received().
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::received | aiosmpp::HookInterest::send_error;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const aiosmpp::Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) co_return;
    const auto& t = tracking_of(*m);
    if (const auto* r = std::get_if<aiosmpp::SubmitSmResp>(m)) {
      fmt::print("{}: {} message_id={}\n", t.log_id, r->header.command_status, r->message_id);
      count_outcome();
      if (r->header.command_status == aiosmpp::CommandStatus::ok) awaited.insert(r->message_id);
    } else if (const auto* d = std::get_if<aiosmpp::DeliverSm>(m)) {
      fmt::print("receipt for {}\n", t.log_id.empty() ? "an unknown message" : t.log_id);
      ++receipts;
      if (auto receipt = aiosmpp::text::parse_receipt(*d)) awaited.erase(receipt->id);
    } else {
      // Any other answer to a message (a generic_nack) is its outcome too.
      fmt::print("{}: {}\n", t.log_id, aiosmpp::command_id_of(*m));
      count_outcome();
    }
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu& m, const aiosmpp::SendError& e,
                                   std::string_view) override {
    fmt::print("{}: {}\n", tracking_of(m).log_id, e);
    count_outcome();
    if (e.kind == aiosmpp::SendError::Kind::not_sent ||
        e.kind == aiosmpp::SendError::Kind::outcome_unknown) {
      // Retry: safe for not_sent; for outcome_unknown a duplicate is possible (docs/durable.md).
      aiosmpp::Pdu again = m;
      co_await broker_->enqueue(std::move(again));
    }
  }

  int outcomes = 0;
  int receipts = 0;
  std::set<std::string> awaited;  // message_ids accepted in this run, receipt not yet seen
  std::chrono::steady_clock::time_point last_outcome = std::chrono::steady_clock::now();

 private:
  void count_outcome() {
    ++outcomes;
    last_outcome = std::chrono::steady_clock::now();
  }

  std::shared_ptr<aiosmpp::SqliteBroker> broker_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string db_path = "durable.db";
  std::string unknown = "requeue";
  std::uint64_t count = 10;
  std::uint64_t seconds = 10;
  std::uint64_t receipt_wait = 5;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::string_flag("--db", "FILE", "the SQLite file (created on first use)", db_path),
       examples::uint_flag("--count", "N", "new messages to send this time", count, 0, 1'000'000),
       examples::string_flag("--unknown", "requeue|report",
                             "what to do with messages of unknown outcome", unknown),
       examples::uint_flag("--receipt-wait", "S",
                           "how long to wait for this run's receipts after the last outcome",
                           receipt_wait, 0, 3600),
       examples::uint_flag("--seconds", "S", "how long to run at most", seconds, 1, 86'400)});
  if (unknown != "requeue" && unknown != "report") {
    std::fprintf(stderr, "--unknown: expected requeue or report, got %s\n", unknown.c_str());
    return 2;
  }
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::SqliteDatabaseOptions dbo;
    dbo.path = db_path;
    auto db = std::make_shared<aiosmpp::SqliteDatabase>(dbo);
    auto broker = std::make_shared<aiosmpp::SqliteBroker>(io.get_executor(), db);
    auto correlator = std::make_shared<aiosmpp::SqliteCorrelator>(db);
    fmt::print("run {} on {}\n", db->run(), db->path());

    // Recovery: what an earlier run took and never finished may or may not have reached the SMSC.
    const auto unfinished = co_await broker->unfinished();
    std::vector<std::int64_t> ids;
    for (const auto& u : unfinished) {
      fmt::print("{}: outcome unknown (taken by run {}), {}\n", tracking_of(u.message).log_id,
                 u.run, unknown == "requeue" ? "sending again" : "reported as failed");
      ids.push_back(u.id);
    }
    if (unknown == "requeue") {
      co_await broker->requeue(ids);
    } else {
      co_await broker->forget(ids);
    }

    std::vector<aiosmpp::Pdu> batch;
    for (std::uint64_t i = 0; i < count; ++i) {
      aiosmpp::SubmitSm msg;
      msg.source = aiosmpp::PhoneNumber("254722111111");
      msg.destination = aiosmpp::PhoneNumber("254722999999");
      msg.text = aiosmpp::MessageText{fmt::format("Durable message {} of run {}", i, db->run())};
      msg.tracking.log_id = fmt::format("run{}-{}", db->run(), i);
      batch.push_back(std::move(msg));
    }
    co_await broker->enqueue_batch(std::move(batch));  // committed: safe from here on
    const auto queued = co_await broker->counts();
    fmt::print("{} messages waiting\n", queued.ready);

    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "durable";
    config.password = "password";
    config.log_level = aiosmpp::LogLevel::warning;
    auto app = std::make_shared<AppHook>(broker);
    aiosmpp::Components parts;
    parts.broker = broker;
    parts.correlator = correlator;
    parts.hook = std::make_shared<aiosmpp::SqliteHook>(app, broker, correlator);
    aiosmpp::Esme esme(io.get_executor(), config, parts);

    auto finished = std::make_shared<bool>(false);
    asio::co_spawn(io, esme.start(), [finished](std::exception_ptr e) {
      *finished = true;
      if (e) std::rethrow_exception(e);
    });
    // Until the queue is empty and nothing is in flight (every message has its outcome), and this
    // run's receipts came or stopped coming; or the time is up. Not until the correlation table is
    // empty: a row may stay behind until it expires (docs/durable.md), and repeat markers stay
    // for their grace period.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      co_await sleep_for(std::chrono::milliseconds(100));
      const auto c = co_await broker->counts();
      if (c.ready != 0 || c.in_progress != 0) continue;
      const bool waited_enough = std::chrono::steady_clock::now() - app->last_outcome >=
                                 std::chrono::seconds(receipt_wait);
      done = app->awaited.empty() || waited_enough;
    }
    co_await esme.stop();
    while (!*finished)
      co_await sleep_for(std::chrono::milliseconds(1));
    co_await db->flush();
    fmt::print("{} outcomes, {} receipts this run\n", app->outcomes, app->receipts);
    const auto left = co_await broker->counts();
    if (done) {
      fmt::print("stopped: done ({} receipts not seen)\n", app->awaited.size());
    } else {
      fmt::print("stopped: --seconds reached, {} messages waiting, {} in flight\n", left.ready,
                 left.in_progress);
    }
  });
}
