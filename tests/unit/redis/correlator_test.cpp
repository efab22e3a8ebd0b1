// RedisCorrelator against a real redis-server, mirroring the SQLite and in-memory correlators'
// tests: put/get, a final receipt leaves a repeat marker for the grace period (then the id is
// unknown), the TTL, held early receipts released matched in order (a final one finalises at
// once) or given up, bounded, off; plus what only a shared store has: two correlators ("two
// processes") see each other's registrations, and Redis down during a lookup holds the receipt.
//
// Results are awaited before CHECK, never inside it (g++ 12 runs a co_await in CHECK twice).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/correlator_calls.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

RedisCorrelatorOptions opts() {
  RedisCorrelatorOptions o;
  o.hold_poll = 50ms;
  return o;
}

std::unique_ptr<RedisCorrelator> make(asio::io_context& io, const RedisServer& s,
                                      RedisCorrelatorOptions o = opts()) {
  auto c = std::make_unique<RedisCorrelator>(io.get_executor(), s.client(), std::move(o));
  REQUIRE(run_coro(io, c->client().wait_connected(5s), 10s));
  return c;
}

// take_released_holds() until nothing is held any more or `limit` passes (the Esme's timer does
// this), everything it gave back in order: holds due at different times may come in several calls.
std::vector<ReleasedReceipt> released_within(asio::io_context& io, RedisCorrelator& c,
                                             std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  std::vector<ReleasedReceipt> all;
  for (;;) {
    auto r = run_coro(io, c.take_released_holds(), 5s);
    for (auto& x : r)
      all.push_back(std::move(x));
    if (c.held() == 0 || std::chrono::steady_clock::now() > end) return all;
    io.run_for(20ms);
  }
}

}  // namespace

TEST_CASE("RedisCorrelator: put, get, final leaves a marker (repeat) for the grace period") {
  RedisServer server;
  asio::io_context io;
  auto o = opts();
  o.receipt_grace = 1000ms;  // long enough for two round trips on a loaded machine
  o.hold_time = 0s;
  auto corr = make(io, server, o);
  run_coro(io, put(*corr, "m1", "log-1"), 5s);
  auto mid = run_coro(io, corr->get_delivery("m1", false), 5s);
  REQUIRE(mid);
  CHECK(mid->log_id == "log-1");
  CHECK(mid->extra_data == "x");
  auto first = run_coro(io, correlate(*corr, "m1", true), 5s);
  REQUIRE(first.tracking);
  CHECK_FALSE(first.repeat);
  auto again = run_coro(io, correlate(*corr, "m1", true), 5s);
  REQUIRE(again.tracking);
  CHECK(again.tracking->log_id == "log-1");
  CHECK(again.repeat);
  io.run_for(1300ms);  // the marker's PX passes
  auto gone = run_coro(io, correlate(*corr, "m1", true), 5s);
  CHECK_FALSE(gone.tracking);
  CHECK_FALSE(gone.held);
}

TEST_CASE(
    "RedisCorrelator: the TTL forgets an id, and without markers the final receipt deletes it") {
  RedisServer server;
  asio::io_context io;
  auto o = opts();
  o.delivery_ttl = 1000ms;
  o.receipt_grace = 0ms;
  o.hold_time = 0s;
  auto corr = make(io, server, o);
  run_coro(io, put(*corr, "a", "la"), 5s);
  run_coro(io, put(*corr, "b", "lb"), 5s);
  auto fin = run_coro(io, correlate(*corr, "a", true), 5s);
  CHECK(fin.tracking);
  auto after = run_coro(io, correlate(*corr, "a", true), 5s);
  CHECK_FALSE(after.tracking);  // deleted, no marker
  io.run_for(1300ms);
  auto expired = run_coro(io, corr->get_delivery("b", false), 5s);
  CHECK_FALSE(expired);
}

TEST_CASE(
    "RedisCorrelator: early receipts are held, released matched in order, a final one "
    "finalises at once") {
  RedisServer server;
  asio::io_context io;
  auto corr = make(io, server);
  auto h1 = run_coro(io, correlate(*corr, "e1", false, "ENROUTE"), 5s);
  CHECK(h1.held);
  auto h2 = run_coro(io, correlate(*corr, "e1", true, "DELIVRD"), 5s);
  CHECK(h2.held);
  auto h3 = run_coro(io, correlate(*corr, "e1", true, "DELIVRD-again"), 5s);
  CHECK(h3.held);
  CHECK(corr->held() == 3);
  auto released = run_coro(io, add(*corr, "e1", "log-e1"), 5s);
  REQUIRE(released.size() == 3);
  CHECK(text_of(released[0].receipt) == "id:e1 stat:ENROUTE");
  CHECK(released[0].tracking->log_id == "log-e1");
  CHECK_FALSE(released[1].repeat);
  CHECK(released[2].repeat);  // a final receipt for this id was released before it
  CHECK(corr->held() == 0);
  auto later = run_coro(io, correlate(*corr, "e1", true), 5s);  // the entry is a marker already
  REQUIRE(later.tracking);
  CHECK(later.repeat);
}

TEST_CASE("RedisCorrelator: holds expire untracked, are bounded (oldest first), and can be off") {
  RedisServer server;
  asio::io_context io;
  auto o = opts();
  o.hold_time = 200ms;
  o.max_held = 2;
  auto corr = make(io, server, o);
  run_coro(io, correlate(*corr, "x1", true), 5s);
  run_coro(io, correlate(*corr, "x2", true), 5s);
  auto third = run_coro(io, correlate(*corr, "x3", true), 5s);
  CHECK(third.held);
  REQUIRE(third.released.size() == 1);  // x1 evicted, given up
  CHECK(text_of(third.released[0].receipt) == "id:x1 stat:DELIVRD");
  CHECK_FALSE(third.released[0].tracking);
  REQUIRE(corr->next_expiry());
  auto expired = released_within(io, *corr, 2000ms);
  REQUIRE(expired.size() == 2);
  CHECK_FALSE(expired[0].tracking);
  CHECK(corr->held() == 0);
  CHECK_FALSE(corr->next_expiry());

  auto off_opts = opts();
  off_opts.hold_time = 0s;
  auto off = make(io, server, off_opts);
  auto m = run_coro(io, correlate(*off, "y", true), 5s);
  CHECK_FALSE(m.held);
  CHECK_FALSE(m.tracking);
}

TEST_CASE(
    "RedisCorrelator: shared by two processes: a receipt held in one is released matched "
    "when the other registers its id") {
  RedisServer server;
  asio::io_context io;
  auto a = make(io, server);
  auto b = make(io, server);
  run_coro(io, put(*a, "s1", "log-s1"), 5s);
  auto direct = run_coro(io, correlate(*b, "s1", true), 5s);
  REQUIRE(direct.tracking);
  CHECK(direct.tracking->log_id == "log-s1");
  auto repeat = run_coro(io, correlate(*a, "s1", true), 5s);
  CHECK(repeat.repeat);

  auto held = run_coro(io, correlate(*b, "s2", true), 5s);
  CHECK(held.held);
  run_coro(io, add(*a, "s2", "log-s2"), 5s);
  auto released = released_within(io, *b, 3000ms);
  REQUIRE(released.size() == 1);
  REQUIRE(released[0].tracking);
  CHECK(released[0].tracking->log_id == "log-s2");
  auto after = run_coro(io, correlate(*a, "s2", true), 5s);  // finalised by the released final
  CHECK(after.repeat);
}

TEST_CASE("RedisCorrelator: the broker's entry id never reaches the stored tracking") {
  RedisServer server;
  asio::io_context io;
  auto corr = make(io, server);
  Tracking t{std::string("\x1br1700-0\x1bmy-log"), "x"};
  run_coro(io, corr->put_delivery("t1", t), 5s);
  auto got = run_coro(io, corr->get_delivery("t1", false), 5s);
  REQUIRE(got);
  CHECK(got->log_id == "my-log");
}

TEST_CASE("RedisCorrelator: Redis down during a lookup holds the receipt, it matches once back") {
  RedisServer server(/*durable=*/true);
  asio::io_context io;
  auto corr = make(io, server);
  run_coro(io, put(*corr, "d1", "log-d1"), 5s);
  run_coro(io, corr->get_delivery("d1", false), 5s);  // the SET is in Redis
  server.kill();
  ReceiptMatch m;
  for (int i = 0; i < 50 && !m.held; ++i)
    m = run_coro(io, correlate(*corr, "d1", true), 5s);
  CHECK(m.held);
  CHECK(corr->stats().errors >= 1);
  server.start();
  REQUIRE(run_coro(io, corr->client().wait_connected(10s), 15s));
  auto released = released_within(io, *corr, 3000ms);
  REQUIRE(released.size() == 1);
  REQUIRE(released[0].tracking);
  CHECK(released[0].tracking->log_id == "log-d1");
}
