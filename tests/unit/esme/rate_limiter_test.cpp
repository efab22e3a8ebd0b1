#include "aiosmpp/esme/rate_limiter.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "policy_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using aiosmpp::RateLimiter;
using aiosmpp::TokenBucketRateLimiter;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Catch2 v2 and v3 spell Approx differently; this needs neither.
bool near(double a, double b) {
  return std::abs(a - b) < 1e-6;
}

std::string error_of(double rate, double burst) {
  try {
    TokenBucketRateLimiter limiter(rate, burst);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace

TEST_CASE("token bucket rejects invalid rates naming the field") {
  CHECK(error_of(0.0, 0.0).find("send_rate") != std::string::npos);
  CHECK(error_of(-5.0, 0.0).find("send_rate") != std::string::npos);
  CHECK(error_of(std::nan(""), 0.0).find("send_rate") != std::string::npos);
  CHECK(error_of(std::numeric_limits<double>::infinity(), 0.0).find("send_rate") !=
        std::string::npos);
  CHECK(error_of(10.0, 0.5).find("burst") != std::string::npos);
  CHECK(error_of(10.0, -1.0).find("burst") != std::string::npos);
  CHECK(error_of(10.0, std::nan("")).find("burst") != std::string::npos);
  CHECK(error_of(10.0, 1.0) == "no exception");
  TokenBucketRateLimiter slow(0.5);  // below one per second: the bucket still holds one message
  CHECK(slow.burst() == 1.0);
}

TEST_CASE("token bucket starts full, then refills at the send rate") {
  TokenBucketRateLimiter limiter(10.0);  // aiosmpplib: bucket = one second's worth
  CHECK(limiter.burst() == 10.0);
  const auto t0 = Clock::now();
  CHECK(limiter.try_acquire(10, t0) == Clock::duration::zero());
  CHECK(near(limiter.tokens(t0), 0.0));
  // Empty: one message needs a tenth of a second; nothing is taken by a refusal.
  CHECK(limiter.try_acquire(1, t0) == 100ms);
  CHECK(limiter.try_acquire(1, t0) == 100ms);
  CHECK(limiter.try_acquire(1, t0 + 50ms) == 50ms);
  CHECK(limiter.try_acquire(1, t0 + 100ms) == Clock::duration::zero());
  CHECK(limiter.try_acquire(2, t0 + 100ms) == 200ms);
  // The bucket never holds more than burst.
  CHECK(near(limiter.tokens(t0 + 1h), 10.0));
  CHECK(limiter.try_acquire(0, t0) == Clock::duration::zero());
}

TEST_CASE("token bucket grants batches bigger than the bucket by going into debt") {
  TokenBucketRateLimiter limiter(10.0);
  const auto t0 = Clock::now();
  CHECK(limiter.try_acquire(25, t0) == Clock::duration::zero());
  CHECK(near(limiter.tokens(t0), -15.0));
  CHECK(limiter.try_acquire(1, t0) == 1600ms);  // pay back 15, then 1
  // An oversized batch still needs a full bucket.
  CHECK(limiter.try_acquire(25, t0 + 1500ms) == 1000ms);
  CHECK(limiter.try_acquire(25, t0 + 2500ms) == Clock::duration::zero());
}

TEST_CASE("token bucket keeps the configured average rate over simulated time") {
  const double rate = 1000.0;
  TokenBucketRateLimiter limiter(rate, 50.0);
  auto now = Clock::now();
  const auto end = now + 10s;
  std::size_t sent = 0;
  while (now < end) {
    const auto wait = limiter.try_acquire(7, now);
    if (wait == Clock::duration::zero()) {
      sent += 7;
    } else {
      now += wait;
    }
  }
  // 10 s at 1000/s plus the initial bucket, within one batch.
  CHECK(static_cast<double>(sent) <= 10.0 * rate + 50.0 + 7.0);
  CHECK(static_cast<double>(sent) >= 10.0 * rate + 50.0 - 7.0);
}

TEST_CASE("token bucket does not count an interval twice for an older timestamp") {
  TokenBucketRateLimiter limiter(10.0, 1.0);
  const auto t0 = Clock::now();
  CHECK(limiter.try_acquire(1, t0) == Clock::duration::zero());
  CHECK(limiter.try_acquire(1, t0 + 100ms) == Clock::duration::zero());
  // A second ESME sharing the limiter with a slightly older batch time gets nothing extra.
  CHECK(limiter.try_acquire(1, t0 + 50ms) == 100ms);
  CHECK(limiter.try_acquire(1, t0 + 200ms) == Clock::duration::zero());
}

TEST_CASE("limit() waits on a timer until permits are granted") {
  asio::io_context io;
  TokenBucketRateLimiter limiter(1000.0, 1.0);
  const auto start = Clock::now();
  auto run = [&]() -> asio::awaitable<int> {
    int granted = 0;
    for (int i = 0; i < 21; ++i) {
      auto ec = co_await limiter.limit(1);
      if (!ec) ++granted;
    }
    co_return granted;
  };
  CHECK(run_coro(io, run()) == 21);
  // The first is free (full bucket), the other 20 need 1 ms each.
  CHECK(Clock::now() - start >= 19ms);
}

TEST_CASE("limit() is cancellable and takes nothing when cancelled") {
  asio::io_context io;
  TokenBucketRateLimiter limiter(1.0, 1.0);
  CHECK(limiter.try_acquire(1, Clock::now()) == Clock::duration::zero());
  const auto start = Clock::now();
  auto ec = run_coro(io, aiosmpp::test::cancel_after(limiter.limit(1), 20ms));
  CHECK(ec == asio::error::operation_aborted);
  CHECK(Clock::now() - start < 900ms);
  CHECK(limiter.tokens(Clock::now()) < 1.0);
  CHECK(limiter.tokens(Clock::now()) > 0.0);  // refilling, nothing was taken
}

TEST_CASE("an asynchronous limiter defers to its own limit()") {
  struct Remote : RateLimiter {
    int calls = 0;
    Clock::duration try_acquire(std::size_t, Clock::time_point) override { return defer; }
    asio::awaitable<std::error_code> limit(std::size_t n) override {
      calls += static_cast<int>(n);
      co_return std::error_code{};
    }
  } remote;
  asio::io_context io;
  RateLimiter& limiter = remote;
  CHECK(limiter.try_acquire(3, Clock::now()) == RateLimiter::defer);
  CHECK_FALSE(run_coro(io, limiter.limit(3)));
  CHECK(remote.calls == 3);

  struct Broken : RateLimiter {
    Clock::duration try_acquire(std::size_t, Clock::time_point) override { return defer; }
  } broken;
  CHECK_THROWS_AS(run_coro(io, broken.limit(1)), std::logic_error);
}

TEST_CASE("token bucket logs its delays at DEBUG") {
  auto sink = std::make_shared<aiosmpp::test::EventSink>();
  TokenBucketRateLimiter limiter(10.0, 1.0, aiosmpp::Logger(sink, aiosmpp::LogLevel::debug));
  const auto t0 = Clock::now();
  CHECK(limiter.try_acquire(1, t0) == Clock::duration::zero());
  CHECK(sink->entries.empty());
  CHECK(limiter.try_acquire(1, t0) == 100ms);
  REQUIRE(sink->entries.size() == 1);
  CHECK(sink->entries[0].event == "rate_limiter_delay");
  auto j = nlohmann::json::parse(sink->entries[0].json);
  CHECK(near(j["fields"]["wait_ms"].get<double>(), 100.0));
  CHECK(j["fields"]["requested"] == 1);
}
