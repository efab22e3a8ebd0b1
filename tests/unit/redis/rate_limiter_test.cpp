// RedisRateLimiter: the lease stock on a fake clock; the bucket script itself (real Redis) driven
// by a fake clock, never above burst + rate * seconds; two limiters ("two processes") sharing one
// budget under real demand, counted by the grants' timestamps against the documented bound (only
// upper bounds: a slow machine grants less, never more); leases cutting round trips; Redis
// stopped (refused after max_wait, the fallback's bounded rate, a cancellable wait) and back.
//
// Results are awaited before CHECK, never inside it (g++ 12 runs a co_await in CHECK twice).

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "redis/lease_stock.hpp"
#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The most grants with a timestamp in any interval [t, t + window).
std::size_t max_in_window(std::vector<Clock::time_point> times, Clock::duration window) {
  std::sort(times.begin(), times.end());
  std::size_t best = 0;
  std::size_t lo = 0;
  for (std::size_t hi = 0; hi < times.size(); ++hi) {
    while (times[hi] - times[lo] >= window)
      ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

RedisRateLimiterOptions limiter_options(double rate, double burst, std::size_t lease) {
  RedisRateLimiterOptions o;
  o.account = "acme";
  o.rate = rate;
  o.burst = burst;
  o.lease_size = lease;
  return o;
}

std::unique_ptr<RedisRateLimiter> make(asio::io_context& io, const RedisServer& s,
                                       RedisRateLimiterOptions o) {
  auto l = std::make_unique<RedisRateLimiter>(io.get_executor(), s.client(), std::move(o));
  REQUIRE(run_coro(io, l->client().wait_connected(5s), 10s));
  return l;
}

// Asks for one permit at a time, as fast as granted, until `until`; records each grant's time.
asio::awaitable<void> demand(RateLimiter& l, Clock::time_point until,
                             std::vector<Clock::time_point>& grants, std::size_t& failures) {
  while (Clock::now() < until) {
    if (l.try_acquire(1, Clock::now()) == Clock::duration::zero()) {
      grants.push_back(Clock::now());
      continue;
    }
    const std::error_code ec = co_await l.limit(1);
    if (ec) {
      ++failures;
      continue;
    }
    grants.push_back(Clock::now());
  }
}

asio::awaitable<void> both(RateLimiter& a, RateLimiter& b, Clock::time_point until,
                           std::vector<Clock::time_point>& ga, std::vector<Clock::time_point>& gb,
                           std::size_t& failures) {
  using namespace aiosmpp::detail::awaitable_operators;
  co_await (demand(a, until, ga, failures) && demand(b, until, gb, failures));
}

asio::awaitable<RedisBucketTake> take(RedisClient& c, std::uint64_t min, std::uint64_t max,
                                      std::uint64_t now_us, double rate = 100, double burst = 20) {
  std::string key = "t:bucket";  // named: g++ 12 may destroy a prvalue argument twice
  co_return co_await RedisRateLimiter::take_script(c, std::move(key), rate, burst, min, max,
                                                   now_us);
}

}  // namespace

TEST_CASE("LeaseStock: oldest lease first, all or nothing, expired tokens dropped and counted") {
  const Clock::time_point t0{};
  aiosmpp::detail::LeaseStock s(100ms);
  std::uint64_t dropped = 0;
  CHECK_FALSE(s.take(1, t0, dropped));
  s.add(5, t0);
  s.add(5, t0 + 50ms);
  CHECK(s.take(3, t0 + 10ms, dropped));
  CHECK_FALSE(s.take(8, t0 + 10ms, dropped));  // 7 there: none taken
  CHECK(s.size() == 7);
  CHECK(s.usable_at(t0 + 100ms) == 5);  // the first lease's 2 are gone by then
  CHECK(s.take(4, t0 + 120ms, dropped));
  CHECK(dropped == 2);
  CHECK(s.size() == 1);
  CHECK_FALSE(s.take(2, t0 + 120ms, dropped));
  CHECK(s.expire(t0 + 150ms) == 1);
  CHECK(s.size() == 0);
}

TEST_CASE("RedisRateLimiter script: all or nothing, refills at the rate, debt above the bucket") {
  RedisServer server;
  asio::io_context io;
  RedisClient c(io.get_executor(), server.client());
  REQUIRE(run_coro(io, c.wait_connected(5s), 10s));
  const std::uint64_t t0 = 1'000'000'000;

  // Starts full (20): a lease of 5..10 takes 10.
  auto t = run_coro(io, take(c, 5, 10, t0), 5s);
  CHECK(t.granted == 10);
  CHECK(t.tokens == Approx(10));
  t = run_coro(io, take(c, 5, 10, t0), 5s);
  CHECK(t.granted == 10);
  t = run_coro(io, take(c, 5, 10, t0), 5s);
  CHECK(t.granted == 0);
  CHECK(t.retry_after == 50ms);  // 5 tokens at 100/s
  // 30 ms later: 3 tokens, still not 5.
  t = run_coro(io, take(c, 5, 10, t0 + 30'000), 5s);
  CHECK(t.granted == 0);
  CHECK(t.retry_after == 20ms);
  t = run_coro(io, take(c, 5, 10, t0 + 50'000), 5s);
  CHECK(t.granted == 5);
  // A batch of 30 (> burst 20) waits for a full bucket, then leaves it 10 in debt.
  t = run_coro(io, take(c, 30, 30, t0 + 100'000), 5s);
  CHECK(t.granted == 0);
  t = run_coro(io, take(c, 30, 30, t0 + 250'000), 5s);
  CHECK(t.granted == 30);
  CHECK(t.tokens == Approx(-10));
  // The key goes when the bucket would be full again (0.3 s) plus a second.
  const auto ttl = run_coro(io, c.command({"PTTL", "t:bucket"}), 5s);
  CHECK(ttl.integer > 1000);
  CHECK(ttl.integer <= 1300);
}

TEST_CASE("RedisRateLimiter script: 20 s of demand on a fake clock stay within rate * s + burst") {
  RedisServer server;
  asio::io_context io;
  RedisClient c(io.get_executor(), server.client());
  REQUIRE(run_coro(io, c.wait_connected(5s), 10s));
  const std::uint64_t t0 = 5'000'000'000;
  const double rate = 100;
  const double burst = 20;
  std::vector<Clock::time_point> grants;  // on the fake clock, one per token
  std::uint64_t total = 0;
  // Two "processes" asking in turn every 7 ms, leases of 5..8.
  for (std::uint64_t us = 0; us <= 20'000'000; us += 7'000) {
    const auto r = run_coro(io, take(c, 5, 8, t0 + us, rate, burst), 5s);
    total += r.granted;
    for (std::uint64_t i = 0; i < r.granted; ++i)
      grants.push_back(Clock::time_point{std::chrono::microseconds(us)});
  }
  CHECK(total <= static_cast<std::uint64_t>(rate * 20 + burst));
  CHECK(total >= static_cast<std::uint64_t>(rate * 20 + burst) - 8);  // the demand was there
  CHECK(max_in_window(grants, 1s) <= static_cast<std::size_t>(rate + burst));
}

TEST_CASE("RedisRateLimiter: two limiters share one budget, no window above the bound") {
  RedisServer server;
  asio::io_context io;
  const double rate = 200;
  const double burst = 20;
  auto o = limiter_options(rate, burst, 5);
  auto a = make(io, server, o);
  auto b = make(io, server, o);  // its own connection, as another process would have
  std::vector<Clock::time_point> ga;
  std::vector<Clock::time_point> gb;
  std::size_t failures = 0;
  const auto start = Clock::now();
  run_coro(io, both(*a, *b, start + 3s, ga, gb, failures), 30s);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<Clock::time_point> all = ga;
  all.insert(all.end(), gb.begin(), gb.end());
  INFO("a " << ga.size() << " b " << gb.size() << " in " << seconds << " s");
  CHECK(failures == 0);
  CHECK_FALSE(ga.empty());
  CHECK_FALSE(gb.empty());
  // Leased on Redis's clock, which runs as fast as ours: never more than burst + rate * elapsed.
  CHECK(all.size() <= static_cast<std::size_t>(burst + rate * seconds));
  // Any second: burst + rate * (1 s + lease_ttl).
  const double ttl = std::chrono::duration<double>(o.lease_ttl).count();
  CHECK(max_in_window(all, 1s) <= static_cast<std::size_t>(burst + rate * (1 + ttl)));
  const auto sa = a->stats();
  const auto sb = b->stats();
  CHECK(sa.granted == ga.size());
  CHECK(sb.granted == gb.size());
  CHECK(sa.granted + sa.expired <= sa.leased);
}

TEST_CASE("RedisRateLimiter: leases of N cut the script calls to about one per N messages") {
  RedisServer server;
  asio::io_context io;
  auto count_calls = [&](std::size_t lease, const std::string& account) {
    auto o = limiter_options(1e6, 1e6, lease);
    o.account = account;
    auto l = make(io, server, o);
    std::vector<Clock::time_point> grants;
    std::size_t failures = 0;
    auto run = [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 1000; ++i) {
        if (l->try_acquire(1, Clock::now()) != Clock::duration::zero()) {
          const std::error_code ec = co_await l->limit(1);
          if (ec) ++failures;
        }
      }
    };
    run_coro(io, run(), 30s);
    CHECK(failures == 0);
    CHECK(l->stats().granted == 1000);
    return l->stats().script_calls;
  };
  const auto one = count_calls(1, "one");
  const auto ten = count_calls(10, "ten");
  CHECK(one >= 1000);
  CHECK(ten <= 1000 / 10 + 2);
  CHECK(ten >= 1000 / 10 / 2);  // prefetching never leases less than a lease
}

TEST_CASE("RedisRateLimiter: a batch's worth is leased ahead, so batches rarely wait for Redis") {
  RedisServer server;
  asio::io_context io;
  auto o = limiter_options(1e6, 1e6, 10);
  auto l = make(io, server, o);
  std::size_t waits = 0;
  std::size_t failures = 0;
  auto run = [&]() -> asio::awaitable<void> {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int i = 0; i < 50; ++i) {
      if (l->try_acquire(100, Clock::now()) != Clock::duration::zero()) {
        ++waits;
        if (co_await l->limit(100)) ++failures;
      }
      // The batch's round trip to the SMSC, during which the next lease can come back.
      pause.expires_after(5ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
  };
  run_coro(io, run(), 30s);
  INFO("waits " << waits << " script calls " << l->stats().script_calls);
  CHECK(failures == 0);
  CHECK(l->stats().granted == 5000);
  // Leases of 10 alone would make every batch of 100 wait.
  CHECK(waits <= 5);
  CHECK(l->stats().script_calls <= 60);
}

TEST_CASE("RedisRateLimiter: Redis stopped, refused after max_wait, then back (NOSCRIPT)") {
  RedisServer server;
  asio::io_context io;
  auto o = limiter_options(1000, 1000, 10);
  o.max_wait = 300ms;
  auto l = make(io, server, o);
  // Drains the leases it holds (lease_ttl) before Redis goes.
  run_coro(io, l->limit(1), 5s);
  const auto before = l->stats();
  CHECK(before.script_loads == 1);
  server.stop();
  asio::steady_timer pause(io, 200ms);
  run_coro(io, pause.async_wait(asio::use_awaitable), 5s);
  const std::error_code ec = run_coro(io, l->limit(1), 10s);
  CHECK(ec);
  const auto down = l->stats();
  CHECK(down.refused == 1);
  CHECK(down.redis_errors >= 1);
  CHECK(down.granted == before.granted);  // nothing went without the budget

  server.start();
  REQUIRE(run_coro(io, l->client().wait_connected(10s), 15s));
  const std::error_code back = run_coro(io, l->limit(1), 10s);
  CHECK_FALSE(back);
  // The restarted Redis had forgotten the script: EVALSHA's NOSCRIPT, then EVAL.
  CHECK(l->stats().script_loads >= 2);
  CHECK(l->stats().granted == before.granted + 1);
}

TEST_CASE("RedisRateLimiter: a hung Redis (SIGSTOP) is refused after max_wait, not later") {
  RedisServer server;
  asio::io_context io;
  auto o = limiter_options(1000, 1000, 10);
  o.max_wait = 300ms;
  auto l = make(io, server, o);
  run_coro(io, l->limit(1), 5s);
  ::kill(server.pid(), SIGSTOP);
  asio::steady_timer pause(io, 150ms);  // the leased tokens expire (lease_ttl 100 ms)
  run_coro(io, pause.async_wait(asio::use_awaitable), 5s);
  // The client's command_timeout is 10 s: the answer must come from max_wait, well before.
  const std::error_code ec = run_coro(io, l->limit(1), 5s);
  ::kill(server.pid(), SIGCONT);
  CHECK(ec == RedisErrc::command_timeout);
  CHECK(l->stats().refused == 1);
  CHECK(l->stats().granted == 1);
}

TEST_CASE("RedisRateLimiter: without Redis the fallback grants at its own rate, bounded") {
  RedisServer server;
  asio::io_context io;
  auto o = limiter_options(1000, 1000, 10);
  o.fallback_rate = 50;
  o.max_wait = 0ms;  // wait for Redis for ever (the fallback grants meanwhile)
  auto l = make(io, server, o);
  server.stop();
  std::vector<Clock::time_point> grants;
  std::size_t failures = 0;
  const auto start = Clock::now();
  run_coro(io, demand(*l, start + 1s, grants, failures), 20s);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(failures == 0);
  // The fallback's bucket: 5 at once, then 50/s.
  CHECK(grants.size() <= static_cast<std::size_t>(5 + 50 * seconds) + 1);
  CHECK(l->stats().fallback_granted == grants.size());
}

TEST_CASE("RedisRateLimiter: a wait for Redis is cancellable (stop is never held up)") {
  RedisServer server;
  asio::io_context io;
  auto o = limiter_options(1000, 1000, 10);
  o.max_wait = 0ms;  // would wait for ever
  auto l = make(io, server, o);
  server.stop();
  auto race = [&]() -> asio::awaitable<std::size_t> {
    using namespace aiosmpp::detail::awaitable_operators;
    asio::steady_timer stop(co_await asio::this_coro::executor, 300ms);
    auto r = co_await (l->limit(1) || stop.async_wait(aiosmpp::detail::use_nothrow_awaitable));
    co_return r.index();
  };
  CHECK(run_coro(io, race(), 10s) == 1);
  CHECK(l->stats().granted == 0);
}

TEST_CASE("RedisRateLimiter: refuses bad options, naming the field") {
  asio::io_context io;
  RedisClientOptions c;
  auto o = limiter_options(5, 0, 10);
  CHECK_THROWS_WITH(RedisRateLimiter(io.get_executor(), c, o), Catch::Contains("lease_size"));
  o = limiter_options(0, 0, 1);
  CHECK_THROWS_WITH(RedisRateLimiter(io.get_executor(), c, o), Catch::Contains("rate"));
  o = limiter_options(10, 0, 1);
  o.account = "a:b";
  CHECK_THROWS_WITH(RedisRateLimiter(io.get_executor(), c, o), Catch::Contains("account"));
}
