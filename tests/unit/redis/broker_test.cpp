// RedisBroker and RedisHook against a real redis-server: FIFO take and settle (XPENDING seen from
// a separate connection), the redis-cli way to enqueue, an entry that is not a message, a
// cancelled dequeue that takes nothing, the claim of a dead consumer's entries by the written /
// never-written rule, and Redis killed and restarted mid-run with nothing lost.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/json.hpp"
#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

namespace {

RedisBrokerOptions fast(std::string consumer) {
  RedisBrokerOptions o;
  o.account = "acct";
  o.consumer = std::move(consumer);
  o.block = 200ms;
  o.claim_idle = 300ms;
  o.claim_interval = 100ms;
  return o;
}

asio::awaitable<long long> pending(RedisClient& c, const std::string& stream) {
  std::vector<std::string> args{"XPENDING", stream, "senders"};
  auto r = co_await c.command(std::move(args));
  co_return r.elements.empty() ? -1 : r.elements[0].integer;
}

asio::awaitable<long long> hlen(RedisClient& c, const std::string& key) {
  std::vector<std::string> args{"HLEN", key};
  co_return (co_await c.command(std::move(args))).integer;
}

asio::awaitable<void> enqueue_n(RedisBroker& b, int from, int to) {
  for (int i = from; i < to; ++i)
    co_await b.enqueue(submit("m" + std::to_string(i)));
}

asio::awaitable<std::vector<Pdu>> take(RedisBroker& b, std::size_t n) {
  std::vector<Pdu> out;
  while (out.size() < n)
    co_await b.dequeue_batch(out, n - out.size());
  co_return out;
}

asio::awaitable<std::vector<Pdu>> take_for(RedisBroker& b, std::chrono::milliseconds limit) {
  using namespace asio::experimental::awaitable_operators;
  std::vector<Pdu> out;
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(limit);
  try {
    co_await (b.dequeue_batch(out, 100) || t.async_wait(asio::use_awaitable));
  } catch (const std::system_error&) {
  }
  co_return out;
}

}  // namespace

TEST_CASE("RedisBroker: FIFO with tracking, pending until settled, redis-cli XADD accepted") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  run_coro(io, enqueue_n(*broker, 0, 3), 10s);
  // The documented way (docs/redis.md), by the real redis-cli: the same JSON, byte for byte.
  examples_test::Process cli(
      {AIOSMPP_REDIS_CLI, "-p", std::to_string(server.port()), "XADD", broker->stream_key(), "*",
       "msg",
       R"({"type":"submit_sm","source":{"number":"ACME","ton":"alphanumeric"},)"
       R"("destination":{"number":"254722999999","ton":"international","npi":"isdn"},)"
       R"("text":{"utf8":"hello"},"tracking":{"log_id":"order-17"}})"},
      std::filesystem::temp_directory_path() / ("aiosmpp_redis_cli_" + std::to_string(::getpid())),
      std::filesystem::temp_directory_path() /
          ("aiosmpp_redis_cli_err_" + std::to_string(::getpid())));
  REQUIRE(cli.wait_for(10s) == 0);
  std::error_code ignored;
  std::filesystem::remove(
      std::filesystem::temp_directory_path() / ("aiosmpp_redis_cli_" + std::to_string(::getpid())),
      ignored);
  std::filesystem::remove(std::filesystem::temp_directory_path() /
                              ("aiosmpp_redis_cli_err_" + std::to_string(::getpid())),
                          ignored);
  auto got = run_coro(io, take(*broker, 4), 10s);
  REQUIRE(got.size() == 4);
  CHECK(log_id_of(got[0]) == "m0");
  CHECK(log_id_of(got[2]) == "m2");
  CHECK(log_id_of(got[3]) == "order-17");
  CHECK(std::get<SubmitSm>(got[3]).destination.number == "254722999999");
  CHECK_FALSE(RedisBroker::entry_of(tracking_of(got[0])).empty());
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 4);

  for (const auto& m : got)
    broker->settle(m);
  run_coro(io, broker->flush(), 5s);
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 0);
  CHECK(broker->stats().taken == 4);
  CHECK(broker->stats().settled == 4);
}

TEST_CASE("RedisBroker: an entry that is not a message goes to the dead stream, logged") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  REQUIRE(run_coro(io, probe.wait_connected(5s), 10s));
  std::vector<std::string> bad{"XADD", broker->stream_key(), "*", "msg", "{not json"};
  run_coro(io, probe.command(std::move(bad)), 5s);
  run_coro(io, enqueue_n(*broker, 0, 1), 5s);
  auto got = run_coro(io, take(*broker, 1), 10s);
  CHECK(log_id_of(got.at(0)) == "m0");
  CHECK(broker->stats().dead == 1);
  std::vector<std::string> xlen{"XLEN", "aiosmpp:acct:dead"};
  CHECK(run_coro(io, probe.command(std::move(xlen)), 5s).integer == 1);
  broker->settle(got[0]);
  run_coro(io, broker->flush(), 5s);
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 0);
}

TEST_CASE("RedisBroker: a cancelled dequeue takes nothing, what it read comes next") {
  RedisServer server;
  asio::io_context io;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  CHECK(run_coro(io, take_for(*broker, 300ms), 10s).empty());
  run_coro(io, enqueue_n(*broker, 0, 2), 5s);
  auto got = run_coro(io, take(*broker, 2), 10s);
  REQUIRE(got.size() == 2);
  CHECK(log_id_of(got[0]) == "m0");
  CHECK(log_id_of(got[1]) == "m1");
}

TEST_CASE(
    "RedisBroker: a dead consumer's entries are claimed: written -> outcome_unknown, "
    "never written -> sent") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  std::string stream;
  {
    auto dying = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
    stream = dying->stream_key();
    run_coro(io, enqueue_n(*dying, 0, 3), 5s);
    auto got = run_coro(io, take(*dying, 3), 10s);
    REQUIRE(got.size() == 3);
    CHECK(run_coro(io, dying->record_written(got[0]), 5s));  // m0: its bytes went out
    dying->settle(got[2]);                                   // m2: its outcome was given
    run_coro(io, dying->flush(), 5s);
  }  // "a" dies with m0 (written) and m1 (never written) pending

  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("b"));
  auto app = std::make_shared<RecordingHook>();
  RedisHook hook(app, broker);
  auto claimed = run_coro(io, take(*broker, 1), 10s);
  REQUIRE(claimed.size() == 1);
  CHECK(log_id_of(claimed[0]) == "m1");
  // m0 reached the application as outcome_unknown (spawned: let it run).
  for (int i = 0; i < 200 && app->errors.empty(); ++i)
    io.run_for(10ms);
  REQUIRE(app->errors == std::vector<std::string>{"m0"});
  CHECK(app->kinds.at(0) == SendError::Kind::outcome_unknown);
  CHECK(broker->stats().claimed == 2);
  CHECK(broker->stats().claimed_unknown == 1);

  broker->settle(claimed[0]);
  run_coro(io, broker->flush(), 5s);
  CHECK(run_coro(io, pending(probe, stream), 5s) == 0);
  CHECK(run_coro(io, hlen(probe, "aiosmpp:acct:written"), 5s) == 0);
}

TEST_CASE(
    "RedisBroker: restarted under the same consumer name, it takes its own entries over at "
    "once (written -> outcome_unknown, never written -> sent)") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto slow_claims = fast("slot-1");
  slow_claims.claim_idle = 60s;  // no XAUTOCLAIM could take them within the test
  {
    auto first = std::make_shared<RedisBroker>(io.get_executor(), server.client(), slow_claims);
    run_coro(io, enqueue_n(*first, 0, 3), 5s);
    auto got = run_coro(io, take(*first, 3), 10s);
    REQUIRE(got.size() == 3);
    CHECK(run_coro(io, first->record_written(got[1]), 5s));  // m1: its bytes went out
    first->settle(got[2]);                                   // m2: its outcome was given
    run_coro(io, first->flush(), 5s);
  }  // the first run ends with m0 (never written) and m1 (written) pending under "slot-1"

  auto again = std::make_shared<RedisBroker>(io.get_executor(), server.client(), slow_claims);
  auto app = std::make_shared<RecordingHook>();
  RedisHook hook(app, again);
  auto resent = run_coro(io, take(*again, 1), 10s);
  REQUIRE(resent.size() == 1);
  CHECK(log_id_of(resent[0]) == "m0");
  for (int i = 0; i < 200 && app->errors.empty(); ++i)
    io.run_for(10ms);
  REQUIRE(app->errors == std::vector<std::string>{"m1"});
  CHECK(app->kinds.at(0) == SendError::Kind::outcome_unknown);
  CHECK(again->stats().recovered == 2);
  CHECK(again->stats().claimed_unknown == 1);
  // Nothing more comes: m2 was settled, and nothing is taken twice.
  CHECK(run_coro(io, take_for(*again, 400ms), 5s).empty());
  again->settle(resent[0]);
  run_coro(io, again->flush(), 5s);
  CHECK(run_coro(io, pending(probe, again->stream_key()), 5s) == 0);
}

TEST_CASE(
    "RedisHook: sending() only notes, before_write() records the whole batch in one HSET, "
    "before any byte can leave") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  auto app = std::make_shared<RecordingHook>();
  RedisHook hook(app, broker);
  run_coro(io, enqueue_n(*broker, 0, 3), 5s);
  auto got = run_coro(io, take(*broker, 3), 10s);
  REQUIRE(got.size() == 3);
  const std::span<const std::uint8_t> no_bytes;
  for (const auto& m : got)
    run_coro(io, hook.sending(m, no_bytes, "c"), 5s);
  // Noted, not yet in Redis: the Esme has not reached the write.
  CHECK(run_coro(io, hlen(probe, "aiosmpp:acct:written"), 5s) == 0);
  CHECK(broker->stats().records == 0);
  run_coro(io, hook.before_write("c"), 5s);
  CHECK(run_coro(io, hlen(probe, "aiosmpp:acct:written"), 5s) == 3);
  CHECK(broker->stats().records == 1);  // one HSET for the three
  CHECK(broker->stats().recorded == 3);
  // Nothing noted: no command at all.
  run_coro(io, hook.before_write("c"), 5s);
  CHECK(broker->stats().records == 1);
}

TEST_CASE("RedisBroker: Redis killed and restarted mid-run (append-only file): nothing lost") {
  RedisServer server(/*durable=*/true);
  asio::io_context io;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  constexpr int total = 200;
  run_coro(io, enqueue_n(*broker, 0, total), 10s);

  std::map<std::string, int> seen;
  auto consume = [&](std::size_t n) {
    auto got = run_coro(io, take(*broker, n), 20s);
    for (const auto& m : got) {
      ++seen[log_id_of(m)];
      broker->settle(m);
    }
  };
  consume(80);
  server.kill();
  // Settles sent into the dead connection are kept and sent again after the reconnect.
  auto more = run_coro(io, take_for(*broker, 200ms), 5s);
  for (const auto& m : more) {
    ++seen[log_id_of(m)];
    broker->settle(m);
  }
  server.start();
  while (seen.size() < total)
    consume(total - seen.size());
  for (const auto& [id, n] : seen)
    CHECK(n == 1);
  CHECK(seen.size() == total);
  RedisClient probe(io.get_executor(), server.client());
  REQUIRE(run_coro(io, probe.wait_connected(5s), 10s));
  for (int i = 0; i < 100 && run_coro(io, pending(probe, broker->stream_key()), 5s) != 0; ++i)
    io.run_for(20ms);
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 0);
  CHECK(broker->stats().errors >= 1);
}

TEST_CASE("RedisBroker: refuses bad options, naming the field") {
  asio::io_context io;
  RedisClientOptions c;
  RedisBrokerOptions o;
  o.account = "a:b";
  CHECK_THROWS_WITH(RedisBroker(io.get_executor(), c, o), Catch::Contains("account"));
  o = {};
  o.block = 20s;
  CHECK_THROWS_WITH(RedisBroker(io.get_executor(), c, o), Catch::Contains("block"));
  o = {};
  o.claim_count = 0;
  CHECK_THROWS_WITH(RedisBroker(io.get_executor(), c, o), Catch::Contains("claim_count"));
}

TEST_CASE(
    "RedisHook: sending and before_write record written before the write, the application sees its "
    "own "
    "log_id, an outcome settles") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  auto app = std::make_shared<RecordingHook>();
  RedisHook hook(app, broker);
  run_coro(io, enqueue_n(*broker, 0, 2), 5s);
  auto got = run_coro(io, take(*broker, 2), 10s);
  REQUIRE(got.size() == 2);

  const std::vector<std::uint8_t> bytes{0, 1};
  run_coro(io, hook.sending(got[0], bytes, "c"), 5s);
  run_coro(io, hook.before_write("c"), 5s);  // as the Esme does after each batch's sending()
  CHECK(app->sent == std::vector<std::string>{"m0"});
  CHECK(run_coro(io, hlen(probe, "aiosmpp:acct:written"), 5s) == 1);

  SubmitSmResp resp;
  resp.message_id = "smsc-1";
  resp.tracking = tracking_of(got[0]);  // the Esme attaches the request's tracking
  const Pdu response = resp;
  run_coro(io, hook.received(&response, bytes, "c"), 5s);
  CHECK(app->received_ids == std::vector<std::string>{"m0"});
  const SendError err{SendError::Kind::not_sent, {}, "test"};
  run_coro(io, hook.send_error(got[1], err, "c"), 5s);
  CHECK(app->errors == std::vector<std::string>{"m1"});
  run_coro(io, broker->flush(), 5s);
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 0);
  CHECK(run_coro(io, hlen(probe, "aiosmpp:acct:written"), 5s) == 0);
}

TEST_CASE("RedisBroker: two dequeues waiting on one broker (a pool's binds) each get messages") {
  RedisServer server;
  asio::io_context io;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), fast("a"));
  std::vector<Pdu> first, second;
  auto one = [&](std::vector<Pdu>& out) -> asio::awaitable<void> {
    while (out.empty())
      co_await broker->dequeue_batch(out, 1);
  };
  int done = 0;
  asio::co_spawn(io, one(first), [&](std::exception_ptr) { ++done; });
  asio::co_spawn(io, one(second), [&](std::exception_ptr) { ++done; });
  io.run_for(300ms);  // both wait
  CHECK(done == 0);
  run_coro(io, enqueue_n(*broker, 0, 2), 5s);
  for (int i = 0; i < 500 && done < 2; ++i)
    io.run_for(10ms);
  REQUIRE(done == 2);
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(log_id_of(first[0]) != log_id_of(second[0]));
}

namespace {

// Runs the io_context until `done` or the limit; true when done.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit = 5s) {
  for (auto waited = 0ms; waited < limit && !done(); waited += 10ms)
    io.run_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("RedisBroker: read-ahead starts the next read before the Esme asks, within its bound") {
  RedisServer server;
  asio::io_context io;
  RedisClient probe(io.get_executor(), server.client());
  auto options = fast("a");
  options.read_count = 10;
  options.prefetch = 5;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), options);
  run_coro(io, enqueue_n(*broker, 0, 40), 10s);

  auto got = run_coro(io, take(*broker, 10), 10s);
  REQUIRE(got.size() == 10);
  // Nothing left read: the next ten are read without anyone asking.
  REQUIRE(run_until(io, [&] { return broker->depth() == 10u; }));
  CHECK(broker->stats().read_ahead == 1);
  CHECK(run_coro(io, pending(probe, broker->stream_key()), 5s) == 20);
  // Five left read (not fewer than prefetch): no read starts.
  got = run_coro(io, take(*broker, 5), 10s);
  CHECK(broker->stats().read_ahead == 1);
  // Four left: the next read starts; read and not handed over stays within prefetch - 1 +
  // read_count.
  got = run_coro(io, take(*broker, 1), 10s);
  REQUIRE(run_until(io, [&] { return broker->depth() == 14u; }));
  CHECK(broker->stats().read_ahead == 2);
  CHECK(log_id_of(got.at(0)) == "m15");
  auto rest = run_coro(io, take(*broker, 24), 10s);
  CHECK(log_id_of(rest.front()) == "m16");
  CHECK(log_id_of(rest.back()) == "m39");

  // prefetch 0: a read only when the Esme finds nothing read.
  auto off_options = fast("b");
  off_options.account = "other";  // "a" still has a read waiting on its stream
  off_options.read_count = 10;
  off_options.prefetch = 0;
  auto off = std::make_shared<RedisBroker>(io.get_executor(), server.client(), off_options);
  run_coro(io, enqueue_n(*off, 40, 60), 10s);
  got = run_coro(io, take(*off, 10), 10s);
  io.run_for(300ms);
  CHECK(off->depth() == 0u);
  CHECK(off->stats().read_ahead == 0);
  CHECK(off->stats().reads == 1);
}

TEST_CASE("RedisBroker: with read-ahead keeping messages read, a dead consumer's are claimed") {
  RedisServer server;
  asio::io_context io;
  {
    auto dying_options = fast("x");
    dying_options.prefetch = 0;  // no read of its own left blocking in Redis as it dies
    auto dying = std::make_shared<RedisBroker>(io.get_executor(), server.client(), dying_options);
    run_coro(io, enqueue_n(*dying, 0, 3), 5s);
    REQUIRE(run_coro(io, take(*dying, 3), 10s).size() == 3);
  }  // "x" dies with three never written
  auto options = fast("b");
  options.read_count = 5;
  options.prefetch = 100;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), server.client(), options);
  run_coro(io, enqueue_n(*broker, 3, 200), 10s);
  std::set<std::string> seen;
  auto first = run_coro(io, take(*broker, 1), 10s);
  seen.insert(log_id_of(first.at(0)));
  // One at a time, slowly, and never with nothing read: the claim rounds must still run.
  for (int i = 0; i < 150 && broker->stats().claimed < 3; ++i) {
    REQUIRE(run_until(io, [&] { return broker->depth() > 0u; }));
    auto one = run_coro(io, take(*broker, 1), 10s);
    seen.insert(log_id_of(one.at(0)));
    io.run_for(20ms);
  }
  CHECK(broker->stats().claimed == 3);
  auto rest = run_coro(io, take(*broker, 200 - seen.size()), 10s);
  for (const auto& m : rest)
    seen.insert(log_id_of(m));
  CHECK(seen.size() == 200);  // every message once, the claimed three included
}
