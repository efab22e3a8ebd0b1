// SqliteCorrelator: the correlation file with its cache and TTL, repeat markers (within and after
// the grace period, bounded, across a restart), and held early receipts (committed before the
// receipt is acknowledged, released matched or given up, bounded, reloaded after a crash, and
// deleted through SqliteHook only once the application's hook has seen them).
//
// Results are awaited before CHECK, never inside it: g++ 12 runs a co_await inside Catch's CHECK
// macro more than once (the macro names its expression in unevaluated contexts too).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "aiosmpp/sqlite/sqlite.hpp"
#include "sqlite_test_support.hpp"
#include "support/catch.hpp"
#include "support/correlator_calls.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::sqlite_test;
using aiosmpp::test::run_coro;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

using WallClock = std::chrono::system_clock;

struct FakeWall {
  WallClock::time_point now = WallClock::time_point(std::chrono::hours(1000));
};

SqliteCorrelatorOptions options(FakeWall& clock) {
  SqliteCorrelatorOptions o;
  o.clock = [&clock] { return clock.now; };
  return o;
}

}  // namespace

TEST_CASE("SqliteCorrelator: put, get, final leaves a marker, TTL expires, survives a restart") {
  TempDb tmp;
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(1000));
  SqliteCorrelatorOptions o;
  o.delivery_ttl = std::chrono::hours(1);
  o.clock = [&] { return now; };
  {
    asio::io_context io;
    auto db = tmp.open();
    SqliteCorrelator corr(db, o);
    run_coro(io, [&]() -> asio::awaitable<void> {
      // A taken message's id prefix is stripped: the file stores the application's log_id.
      Tracking t{std::string("\x1bq42\x1b") + "order-1", "{\"c\":1}"};
      std::string key = "abc";
      co_await corr.put_delivery(std::move(key), std::move(t));
      Tracking t2{"order-2", ""};
      std::string key2 = "def";
      co_await corr.put_delivery(std::move(key2), std::move(t2));
      auto a = co_await corr.get_delivery("abc", false);  // enroute: kept
      REQUIRE(a);
      CHECK(a->log_id == "order-1");
      CHECK(a->extra_data == "{\"c\":1}");
      auto b = co_await corr.get_delivery("abc", true);  // delivered: now a marker
      REQUIRE(b);
      auto c = co_await corr.get_delivery("abc", true);  // offered again: still correlates
      REQUIRE(c);
      CHECK(c->log_id == "order-1");
      auto u = co_await corr.get_delivery("nope", false);
      CHECK(!u);
      co_await db->flush();
      {
        const auto got = co_await corr.size();
        CHECK(got == 1);
      }
      {
        const auto got = co_await corr.markers();
        CHECK(got == 1);
      }
    }());
    CHECK(query_int(tmp.path(),
                    "SELECT queue_id FROM aiosmpp_delivery WHERE smsc_message_id = 'def'") == 0);
  }
  // A new process: "def" comes from the file (no cache), with its TTL still counted.
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelator corr(db, o);
  CHECK(run_coro(io, corr.size()) == 1);
  auto d = run_coro(io, corr.get_delivery("def", false));
  REQUIRE(d);
  CHECK(d->log_id == "order-2");
  now += std::chrono::minutes(61);
  CHECK(!run_coro(io, corr.get_delivery("def", true)));
  SqliteCorrelator sweeper(db, o);  // construction sweeps expired rows (the marker's hour too)
  run_coro(io, db->flush());
  CHECK(run_coro(io, corr.size()) == 0);
  CHECK(run_coro(io, corr.markers()) == 0);
}

TEST_CASE(
    "SqliteCorrelator: a small cache falls back to the file, and deferred release keeps a final "
    "entry live until released") {
  TempDb tmp;
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelatorOptions o;
  o.cache_entries = 2;
  SqliteCorrelator corr(db, o);
  corr.defer_final_release(true);
  run_coro(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10; ++i) {
      Tracking t{"l" + std::to_string(i), ""};
      std::string key = "k" + std::to_string(i);
      co_await corr.put_delivery(std::move(key), std::move(t));
    }
    for (int i = 0; i < 10; ++i) {
      auto t = co_await corr.get_delivery("k" + std::to_string(i), true);
      REQUIRE(t);
      CHECK(t->log_id == "l" + std::to_string(i));
    }
    co_await db->flush();
    {
      const auto got = co_await corr.size();
      CHECK(got == 10);  // not released yet: live rows
    }
    auto again = co_await corr.get_delivery("k3", false);
    CHECK(again);
    corr.release_final_receipts();
    co_await db->flush();
    {
      const auto got = co_await corr.size();
      CHECK(got == 0);
    }
    {
      const auto got = co_await corr.markers();
      CHECK(got == 10);
    }
  }());
}

TEST_CASE(
    "SqliteCorrelator: a repeat within the grace period correlates, flagged, even after a "
    "restart, and after it not") {
  TempDb tmp;
  FakeWall clock;
  auto o = options(clock);
  o.receipt_grace = 10min;
  {
    asio::io_context io;
    auto db = tmp.open();
    SqliteCorrelator corr(db, o);
    run_coro(io, [&]() -> asio::awaitable<void> {
      co_await put(corr, "m1", "log-1");
      auto first = co_await correlate(corr, "m1", true);
      REQUIRE(first.tracking);
      CHECK_FALSE(first.repeat);
      auto again = co_await correlate(corr, "m1", true);  // markers are read from the file
      REQUIRE(again.tracking);
      CHECK(again.repeat);
      co_await db->flush();
    }());
  }
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelator corr(db, o);
  clock.now += 9min;
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto after_restart = co_await correlate(corr, "m1", true);  // from the file
    REQUIRE(after_restart.tracking);
    CHECK(after_restart.tracking->log_id == "log-1");
    CHECK(after_restart.tracking->extra_data == "x");
    CHECK(after_restart.repeat);
    CHECK_FALSE(after_restart.held);
  }());
  clock.now += 1min;
  o.hold_time = 0s;  // so that the unknown id is answered, not held
  SqliteCorrelator later(db, o);
  auto gone = run_coro(io, correlate(later, "m1", true));
  CHECK_FALSE(gone.tracking);
  CHECK_FALSE(gone.held);
}

TEST_CASE("SqliteCorrelator: markers are bounded in the file, the oldest deleted first") {
  TempDb tmp;
  FakeWall clock;
  auto o = options(clock);
  o.max_markers = 3;
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelator corr(db, o);
  run_coro(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10; ++i) {
      const std::string id = "m" + std::to_string(i), log_id = "log-" + std::to_string(i);
      co_await put(corr, id, log_id);
    }
    for (int i = 0; i < 10; ++i) {
      clock.now += 1s;
      const std::string id = "m" + std::to_string(i);
      {
        const auto got = co_await correlate(corr, id, true);
        CHECK(got.tracking);
      }
    }
    co_await db->flush();
    {
      const auto got = co_await corr.markers();
      CHECK(got == 10);  // the bound is enforced at the next sweep
    }
  }());
  SqliteCorrelator sweeper(db, o);  // sweeps at construction
  run_coro(io, db->flush());
  CHECK(run_coro(io, corr.markers()) == 3);
  CHECK(query_int(tmp.path(),
                  "SELECT count(*) FROM aiosmpp_delivery WHERE smsc_message_id IN "
                  "('m7', 'm8', 'm9')") == 3);

  // No grace period: a final receipt deletes the row, as before markers existed.
  o.receipt_grace = 0s;
  SqliteCorrelator none(db, o);
  run_coro(io, [&]() -> asio::awaitable<void> {
    co_await put(none, "z", "log-z");
    {
      const auto got = co_await none.get_delivery("z", true);
      CHECK(got);
    }
    co_await db->flush();
  }());
  CHECK(query_int(tmp.path(),
                  "SELECT count(*) FROM aiosmpp_delivery WHERE smsc_message_id = 'z'") == 0);
}

TEST_CASE(
    "SqliteCorrelator: an early final receipt is held on disk before it is answered, then "
    "released with its tracking, leaving a marker") {
  TempDb tmp;
  FakeWall clock;
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelator corr(db, options(clock));
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto early = co_await correlate(corr, "m1", true);
    CHECK(early.held);
    CHECK_FALSE(early.tracking);
    // Committed when correlate_receipt returned: another connection sees it.
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 1);
    CHECK(corr.held() == 1);
    CHECK(corr.next_expiry());
    auto intermediate = co_await correlate(corr, "m2", false, "ENROUTE");
    CHECK(intermediate.held);
    auto final_m2 = co_await correlate(corr, "m2", true);
    CHECK(final_m2.held);

    auto released = co_await add(corr, "m1", "log-1");
    REQUIRE(released.size() == 1);
    REQUIRE(released[0].tracking);
    CHECK(released[0].tracking->log_id == "log-1");  // no SqliteHook: no row id in it
    CHECK(text_of(released[0].receipt) == "id:m1 stat:DELIVRD");
    auto both = co_await add(corr, "m2", "log-2");
    REQUIRE(both.size() == 2);
    CHECK(text_of(both[0].receipt) == "id:m2 stat:ENROUTE");
    CHECK(text_of(both[1].receipt) == "id:m2 stat:DELIVRD");
    CHECK_FALSE(both[1].repeat);
    co_await db->flush();
    // Finalised by held receipts: markers, not live entries; the held rows are gone.
    {
      const auto got = co_await corr.size();
      CHECK(got == 0);
    }
    {
      const auto got = co_await corr.markers();
      CHECK(got == 2);
    }
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 0);
    auto repeat = co_await correlate(corr, "m1", true);
    CHECK(repeat.repeat);
    REQUIRE(repeat.tracking);
    CHECK(repeat.tracking->log_id == "log-1");
    // An intermediate one alone: the entry stays live for the final receipt.
    {
      const auto got = co_await correlate(corr, "m3", false, "ACCEPTD");
      CHECK(got.held);
    }
    {
      const auto got = co_await add(corr, "m3", "log-3");
      CHECK(got.size() == 1);
    }
    auto final_m3 = co_await correlate(corr, "m3", true);
    REQUIRE(final_m3.tracking);
    CHECK_FALSE(final_m3.repeat);
  }());
}

TEST_CASE("SqliteCorrelator: holds expire, are bounded (oldest given up first), and can be off") {
  TempDb tmp;
  FakeWall clock;
  auto o = options(clock);
  o.hold_time = 30s;
  o.max_held = 2;
  asio::io_context io;
  auto db = tmp.open();
  SqliteCorrelator corr(db, o);
  run_coro(io, [&]() -> asio::awaitable<void> {
    {
      const auto got = co_await correlate(corr, "a", true);
      CHECK(got.held);
    }
    clock.now += 10s;
    {
      const auto got = co_await correlate(corr, "b", true);
      CHECK(got.held);
    }
    auto c = co_await correlate(corr, "c", true);
    CHECK(c.held);
    REQUIRE(c.released.size() == 1);
    CHECK(text_of(c.released[0].receipt) == "id:a stat:DELIVRD");
    CHECK_FALSE(c.released[0].tracking);
    CHECK(corr.held() == 2);
    clock.now += 25s;  // b and c are 25 s old
    {
      const auto got = co_await corr.take_released_holds();
      CHECK(got.empty());
    }
    clock.now += 5s;
    auto given_up = co_await corr.take_released_holds();
    REQUIRE(given_up.size() == 2);
    CHECK(text_of(given_up[0].receipt) == "id:b stat:DELIVRD");
    CHECK_FALSE(given_up[0].tracking);
    CHECK(corr.held() == 0);
    CHECK_FALSE(corr.next_expiry());
    co_await db->flush();
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 0);
  }());
  o.max_held = 0;
  SqliteCorrelator no_hold(db, o);
  auto m = run_coro(io, correlate(no_hold, "x", true));
  CHECK_FALSE(m.held);
  o.max_held = 1;
  o.hold_time = -1s;
  CHECK_THROWS_AS(SqliteCorrelator(db, o), std::invalid_argument);
  o.hold_time = 1s;
  o.receipt_grace = -1s;
  CHECK_THROWS_AS(SqliteCorrelator(db, o), std::invalid_argument);
}

TEST_CASE(
    "SqliteCorrelator: held receipts survive a crash, and one released but not yet seen by "
    "the hook comes back matched") {
  TempDb tmp;
  FakeWall clock;
  auto o = options(clock);
  {
    asio::io_context io;
    auto db = tmp.open();
    auto corr = std::make_shared<SqliteCorrelator>(db, o);
    auto app = std::make_shared<RecordingHook>();
    SqliteHook hook(app, nullptr, corr);  // deferred release: rows go after the hook saw them
    run_coro(io, [&]() -> asio::awaitable<void> {
      {
        const auto got = co_await correlate(*corr, "waiting", true);
        CHECK(got.held);
      }
      {
        const auto got = co_await correlate(*corr, "matched", true);
        CHECK(got.held);
      }
      auto released = co_await add(*corr, "matched", "log-m");
      REQUIRE(released.size() == 1);
      // The row id rides in the tracking for SqliteHook; the "crash" comes before the hook.
      CHECK(SqliteCorrelator::held_id_of(*released[0].tracking));
      co_await db->flush();
    }());
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 2);
  }
  asio::io_context io;
  auto db = tmp.open();
  auto corr = std::make_shared<SqliteCorrelator>(db, o);
  auto app = std::make_shared<RecordingHook>();
  SqliteHook hook(app, nullptr, corr);
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto ready = co_await corr->take_released_holds();
    REQUIRE(ready.size() == 1);
    REQUIRE(ready[0].tracking);
    CHECK(text_of(ready[0].receipt) == "id:matched stat:DELIVRD");
    CHECK(corr->held() == 1);  // "waiting" is held again
    // The Esme gives it to the hook with the tracking: the application sees its own log_id.
    tracking_of(ready[0].receipt) = *ready[0].tracking;
    co_await hook.received(&ready[0].receipt, {}, "c");
    auto later = co_await add(*corr, "waiting", "log-w");
    REQUIRE(later.size() == 1);
    co_await db->flush();
    // Released, but the hook has not seen it yet: the row stays (a crash now would replay it).
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 1);
    tracking_of(later[0].receipt) = *later[0].tracking;
    co_await hook.received(&later[0].receipt, {}, "c");
    co_await db->flush();
    CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 0);
    // Given up: no tracking, and the receipt's own tracking carries only the row id.
    auto lost = co_await correlate(*corr, "lost", true);
    CHECK(lost.held);
    clock.now += o.hold_time;
    auto given_up = co_await corr->take_released_holds();
    REQUIRE(given_up.size() == 1);
    CHECK_FALSE(given_up[0].tracking);
    co_await hook.received(&given_up[0].receipt, {}, "c");
    co_await db->flush();
  }());
  CHECK(app->received_ids == std::vector<std::string>{"log-m", "log-w", ""});
  CHECK(query_int(tmp.path(), "SELECT count(*) FROM aiosmpp_held_receipt") == 0);
}
