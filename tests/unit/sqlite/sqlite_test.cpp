// aiosmpp::sqlite: the database file, the durable broker's life of a message (take, finish,
// unfinished after a "crash", requeue, forget), and the hook that ties them to the application's
// hook. The correlator's tests are in correlator_test.cpp.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/sqlite/sqlite.hpp"
#include "sqlite_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::sqlite_test;
using aiosmpp::test::run_coro;

TEST_CASE("SqliteDatabase creates the versioned schema in WAL mode and counts runs") {
  TempDb tmp;
  {
    auto db = tmp.open();
    CHECK(db->run() == 1);
    CHECK(db->path() == tmp.path());
  }
  {
    auto db = tmp.open();
    CHECK(db->run() == 2);
  }
  CHECK(query_int(tmp.path(), "PRAGMA user_version") == SqliteDatabase::schema_version);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(tmp.path().c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  // A file written by a newer library is refused, not misread.
  REQUIRE(sqlite3_exec(raw, "PRAGMA user_version = 7", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  CHECK_THROWS_AS(tmp.open(), SqliteError);
}

TEST_CASE("SqliteDatabase migrates a version 1 file in place: its queue and correlations work") {
  TempDb tmp;
  {
    // The file as version 1 of the library wrote it.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(tmp.path().c_str(), &raw) == SQLITE_OK);
    const char* v1 = R"sql(
      CREATE TABLE aiosmpp_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE aiosmpp_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL,
        enqueued_at INTEGER NOT NULL, run INTEGER NOT NULL DEFAULT 0, taken_at INTEGER);
      CREATE INDEX aiosmpp_queue_by_run ON aiosmpp_queue (run, id);
      CREATE TABLE aiosmpp_delivery (smsc_message_id TEXT PRIMARY KEY, log_id TEXT NOT NULL,
        extra_data TEXT NOT NULL, queue_id INTEGER, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX aiosmpp_delivery_by_expiry ON aiosmpp_delivery (expires_at);
      INSERT INTO aiosmpp_meta (key, value) VALUES ('run', 3);
      INSERT INTO aiosmpp_queue (message, enqueued_at) VALUES
        ('{"type":"submit_sm","tracking":{"log_id":"queued"}}', 0);
      INSERT INTO aiosmpp_delivery VALUES ('old-id', 'old-log', 'old-extra', NULL, 9000000000000);
      PRAGMA user_version = 1;
    )sql";
    REQUIRE(sqlite3_exec(raw, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  asio::io_context io;
  auto db = tmp.open();
  CHECK(db->run() == 4);
  CHECK(query_int(tmp.path(), "PRAGMA user_version") == 2);
  CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 0);
  SqliteBroker broker(io.get_executor(), db);
  SqliteCorrelator corr(db);
  Pdu next = run_coro(io, broker.dequeue());
  CHECK(log_ids({next}) == std::vector<std::string>{"queued"});
  // The correlation written by version 1 answers, and its final receipt leaves a marker.
  auto t = run_coro(io, corr.get_delivery("old-id", true));
  REQUIRE(t);
  CHECK(t->log_id == "old-log");
  run_coro(io, db->flush());
  CHECK(query_int(tmp.path(),
                  "SELECT marker FROM aiosmpp_delivery WHERE smsc_message_id = 'old-id'") == 1);
  auto again = run_coro(io, corr.get_delivery("old-id", true));
  REQUIRE(again);
  CHECK(again->extra_data == "old-extra");
}

TEST_CASE("SqliteDatabase refuses bad options and unusable files, naming the problem") {
  SqliteDatabaseOptions o;
  CHECK_THROWS_AS(SqliteDatabase(o), std::invalid_argument);
  o.path = "x.db";
  o.max_batch = 0;
  CHECK_THROWS_AS(SqliteDatabase(o), std::invalid_argument);
  o.max_batch = 10;
  o.busy_timeout = std::chrono::milliseconds(-1);
  CHECK_THROWS_AS(SqliteDatabase(o), std::invalid_argument);
  SqliteDatabaseOptions bad;
  bad.path = "/nonexistent-dir-aiosmpp/sub/x.db";
  try {
    SqliteDatabase db(bad);
    FAIL("opened a file in a missing directory");
  } catch (const SqliteError& e) {
    CHECK(std::string(e.what()).find("/nonexistent-dir-aiosmpp/sub/x.db") != std::string::npos);
  }
}

TEST_CASE("SqliteBroker: FIFO, tracking kept, a message leaves only when finished") {
  TempDb tmp;
  asio::io_context io;
  auto db = tmp.open();
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  run_coro(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Pdu m = submit("m" + std::to_string(i), "x" + std::to_string(i));
      co_await broker->enqueue(std::move(m));
    }
  }());
  // enqueue() returned, so the rows are committed: another connection sees them.
  CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_queue") == 5);

  std::vector<Pdu> got;
  const auto n = run_coro(io, broker->dequeue_batch(got, 3));
  REQUIRE(n == 3);
  CHECK(log_ids(got) == std::vector<std::string>{"m0", "m1", "m2"});
  CHECK(tracking_of(got[1]).extra_data == "x1");
  REQUIRE(SqliteBroker::id_of(tracking_of(got[0])));
  CHECK(std::get<SubmitSm>(got[0]).text->utf8 == "hello m0");

  auto c = run_coro(io, broker->counts());
  CHECK(c.ready == 2);
  CHECK(c.in_progress == 3);
  CHECK(c.unfinished == 0);

  broker->finish(got[0]);
  broker->finish(got[2]);
  Pdu plain = submit("not-taken");
  broker->finish(plain);  // no id: ignored
  run_coro(io, db->flush());
  c = run_coro(io, broker->counts());
  CHECK(c.ready == 2);
  CHECK(c.in_progress == 1);

  Pdu next = run_coro(io, broker->dequeue());
  CHECK(log_ids({next}) == std::vector<std::string>{"m3"});
}

TEST_CASE(
    "SqliteBroker: after a restart, taken but unfinished messages are listed, requeued first or "
    "forgotten") {
  TempDb tmp;
  std::vector<std::int64_t> ids;
  {
    asio::io_context io;
    auto db = tmp.open();
    auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
    std::vector<Pdu> batch;
    for (int i = 0; i < 6; ++i)
      batch.push_back(submit("m" + std::to_string(i)));
    run_coro(io, broker->enqueue_batch(std::move(batch)));
    std::vector<Pdu> got;
    REQUIRE(run_coro(io, broker->dequeue_batch(got, 4)) == 4);
    for (const auto& p : got)
      ids.push_back(*SqliteBroker::id_of(tracking_of(p)));
    broker->finish(got[1]);  // m1's outcome is known; m0, m2, m3 are in flight at the "crash"
    run_coro(io, db->flush());
  }
  asio::io_context io;
  auto db = tmp.open();
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  auto c = run_coro(io, broker->counts());
  CHECK(c.ready == 2);
  CHECK(c.in_progress == 0);
  CHECK(c.unfinished == 3);

  auto unfinished = run_coro(io, broker->unfinished());
  REQUIRE(unfinished.size() == 3);
  CHECK(tracking_of(unfinished[0].message).log_id == "m0");  // as enqueued: no id prefix
  CHECK(tracking_of(unfinished[2].message).log_id == "m3");
  CHECK(unfinished[0].run == db->run() - 1);
  CHECK(unfinished[0].id == ids[0]);
  CHECK(unfinished[0].taken_at.time_since_epoch().count() > 0);

  // The application requeues m0 and m3 (accepting a possible duplicate) and reports m2.
  std::vector<std::int64_t> again{ids[0], ids[3], 999999};
  CHECK(run_coro(io, broker->requeue(again)) == 2);
  std::vector<std::int64_t> drop{ids[2], ids[1]};
  CHECK(run_coro(io, broker->forget(drop)) == 1);  // ids[1] is gone already

  std::vector<Pdu> got;
  REQUIRE(run_coro(io, broker->dequeue_batch(got, 10)) == 4);
  CHECK(log_ids(got) == std::vector<std::string>{"m0", "m3", "m4", "m5"});
  // Messages this run took are not "unfinished" for it.
  CHECK(run_coro(io, broker->unfinished()).empty());
  std::vector<std::int64_t> mine{*SqliteBroker::id_of(tracking_of(got[0]))};
  CHECK(run_coro(io, broker->requeue(mine)) == 0);
}

TEST_CASE("SqliteBroker: a waiting dequeue wakes on enqueue, and a cancelled one takes nothing") {
  TempDb tmp;
  asio::io_context io;
  auto db = tmp.open();
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  std::vector<Pdu> got;
  run_coro(io, [&]() -> asio::awaitable<void> {
    using namespace aiosmpp::detail::awaitable_operators;
    asio::steady_timer t(co_await asio::this_coro::executor);
    // Nothing queued: the dequeue waits, and the timer wins the race (cancelling it).
    t.expires_after(std::chrono::milliseconds(50));
    auto r = co_await (broker->dequeue_batch(got, 5) || t.async_wait(asio::use_awaitable));
    CHECK(r.index() == 1);
    CHECK(got.empty());
    // A producer on the same executor enqueues while the consumer waits.
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer d(co_await asio::this_coro::executor);
          d.expires_after(std::chrono::milliseconds(20));
          co_await d.async_wait(asio::use_awaitable);
          Pdu m = submit("late");
          co_await broker->enqueue(std::move(m));
        },
        asio::detached);
    const auto start = std::chrono::steady_clock::now();
    const std::size_t n = co_await broker->dequeue_batch(got, 5);
    CHECK(n == 1);
    // Woken by the enqueue, not by the 1 s poll.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(800));
  }());
  CHECK(log_ids(got) == std::vector<std::string>{"late"});
  auto c = run_coro(io, broker->counts());
  CHECK(c.in_progress == 1);
  CHECK(c.ready == 0);
}

TEST_CASE("SqliteBroker: enqueues from other threads are committed in shared transactions") {
  TempDb tmp;
  asio::io_context io;
  constexpr int producers = 4, each = 200;
  // Each producer's io_context outlives the database: the database thread may still be inside
  // post() (signalling the context's condition variable) when the last completion has already
  // run and the producer's run() returned. Declared before `db`, they are destroyed after it,
  // that is after the database thread is joined.
  std::vector<std::unique_ptr<asio::io_context>> owns;
  for (int p = 0; p < producers; ++p)
    owns.push_back(std::make_unique<asio::io_context>());
  auto db = tmp.open(SqliteSync::full);
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      asio::io_context& own = *owns[static_cast<std::size_t>(p)];
      for (int i = 0; i < each; ++i) {
        // Several enqueues in flight per thread, so batches can form.
        asio::co_spawn(
            own,
            [&, p, i]() -> asio::awaitable<void> {
              Pdu m = submit(std::to_string(p) + "-" + std::to_string(i));
              co_await broker->enqueue(std::move(m));
            },
            [&](std::exception_ptr e) {
              if (e) ++failures;
            });
      }
      own.run();
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(failures == 0);
  const auto stats = db->stats();
  CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_queue") == producers * each);
  CHECK(stats.operations >= static_cast<std::uint64_t>(producers * each));
  CHECK(stats.transactions < stats.operations);  // group commit happened
  CHECK(stats.failures == 0);
  // Each producer's messages stay in its own order.
  std::vector<Pdu> all;
  while (all.size() < static_cast<std::size_t>(producers * each)) {
    run_coro(io, broker->dequeue_batch(all, 1000));
  }
  std::vector<int> last(producers, -1);
  for (const auto& id : log_ids(all)) {
    const auto dash = id.find('-');
    const int p = std::stoi(id.substr(0, dash));
    const int i = std::stoi(id.substr(dash + 1));
    CHECK(i == last[static_cast<std::size_t>(p)] + 1);
    last[static_cast<std::size_t>(p)] = i;
  }
}

TEST_CASE("SqliteHook: the application sees its own log_id, then the message leaves the queue") {
  TempDb tmp;
  asio::io_context io;
  auto db = tmp.open();
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  auto corr = std::make_shared<SqliteCorrelator>(db);
  auto app = std::make_shared<RecordingHook>();
  SqliteHook hook(app, broker, corr);
  CHECK(hook.interests() == HookInterest::all);
  CHECK_THROWS_AS(SqliteHook(app, nullptr, nullptr), std::invalid_argument);

  run_coro(io, [&]() -> asio::awaitable<void> {
    std::vector<Pdu> batch{submit("a"), submit("b"), submit("c")};
    co_await broker->enqueue_batch(std::move(batch));
    std::vector<Pdu> got;
    co_await broker->dequeue_batch(got, 3);
    co_await hook.sending(got[0], {}, "client");
    // A response carries the request's tracking (the Esme copies it).
    SubmitSmResp resp;
    resp.message_id = "smsc-1";
    resp.tracking = tracking_of(got[0]);
    Pdu r = resp;
    co_await hook.received(&r, {}, "client");
    SendError e;
    e.kind = SendError::Kind::not_sent;
    co_await hook.send_error(got[1], e, "client");
    // The application's hook throws: the outcome still counts, the message still leaves.
    app->throw_on_received = true;
    SubmitSmResp resp2;
    resp2.tracking = tracking_of(got[2]);
    Pdu r2 = resp2;
    bool threw = false;
    try {
      co_await hook.received(&r2, {}, "client");
    } catch (const std::runtime_error&) {
      threw = true;
    }
    CHECK(threw);
    co_await db->flush();
    auto c = co_await broker->counts();
    CHECK(c.in_progress == 0);
    CHECK(c.ready == 0);
  }());
  CHECK(app->sent == std::vector<std::string>{"a"});
  CHECK(app->received_ids == std::vector<std::string>{"a", "c"});
  CHECK(app->errors == std::vector<std::string>{"b"});
}

TEST_CASE("SqliteHook passes outcome() and receipt() on, without the queue's id") {
  TempDb tmp;
  asio::io_context io;
  auto db = tmp.open();
  auto broker = std::make_shared<SqliteBroker>(io.get_executor(), db);
  auto corr = std::make_shared<SqliteCorrelator>(db);
  auto app = std::make_shared<RecordingHook>();
  app->wants = HookInterest::all | HookInterest::outcome | HookInterest::receipt;
  SqliteHook hook(app, broker, corr);
  CHECK(has_interest(hook.interests(), HookInterest::outcome));

  run_coro(io, [&]() -> asio::awaitable<void> {
    std::vector<Pdu> batch{submit("a"), submit("b")};
    co_await broker->enqueue_batch(std::move(batch));
    std::vector<Pdu> got;
    co_await broker->dequeue_batch(got, 2);
    REQUIRE(SqliteBroker::id_of(tracking_of(got[0])).has_value());
    SubmitSmResp resp;
    resp.message_id = "smsc-1";
    resp.tracking = tracking_of(got[0]);
    Outcome accepted{got[0], Pdu{resp}, std::nullopt};
    co_await hook.received(&*accepted.response, {}, "client");
    co_await hook.outcome(accepted, "client");
    SendError e;
    e.kind = SendError::Kind::not_sent;
    Outcome failed{got[1], std::nullopt, e};
    co_await hook.send_error(got[1], e, "client");
    co_await hook.outcome(failed, "client");
    // Named, not a temporary in the co_await expression (g++ 12 destroys such temporaries of
    // aggregate type twice in a coroutine).
    DeliverSm receipt;
    receipt.tracking = tracking_of(got[0]);
    ReceiptOutcome matched;
    matched.receipt = receipt;
    matched.matched = true;
    co_await hook.receipt(matched, "client");
  }());
  CHECK(app->outcome_ids == std::vector<std::string>{"a", "b"});
  REQUIRE(app->outcome_trackings.size() == 3);  // a's message and response, b's message
  for (const auto& t : app->outcome_trackings) {
    CHECK_FALSE(SqliteBroker::id_of(t).has_value());
  }
  REQUIRE(app->receipt_trackings.size() == 1);
  CHECK(app->receipt_trackings[0].log_id == "a");
  CHECK_FALSE(SqliteBroker::id_of(app->receipt_trackings[0]).has_value());
}
