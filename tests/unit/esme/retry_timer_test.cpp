#include "aiosmpp/esme/retry_timer.hpp"

#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/error.hpp>
#include <asio/io_context.hpp>

#include "policy_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using aiosmpp::ExponentialBackoff;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<Clock::duration> take(ExponentialBackoff& timer, int n) {
  std::vector<Clock::duration> out;
  for (int i = 0; i < n; ++i) {
    const auto announced = timer.next_delay();
    out.push_back(timer.advance());
    CHECK(out.back() == announced);  // what the ESME logs is what it waits
  }
  return out;
}

std::string error_of(ExponentialBackoff::Options options) {
  try {
    ExponentialBackoff timer(std::move(options));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace

TEST_CASE("back-off is immediate, then 1 s doubled five times, then stays at 32 s") {
  ExponentialBackoff timer({.jitter = 0.0});
  CHECK(timer.max_delay() == 32s);
  const std::vector<Clock::duration> expected = {0s, 1s, 2s, 4s, 8s, 16s, 32s, 32s, 32s};
  CHECK(take(timer, 9) == expected);
  timer.reset();
  CHECK(timer.next_delay() == 0s);
  CHECK(take(timer, 3) == std::vector<Clock::duration>{0s, 1s, 2s});
}

TEST_CASE("back-off with no increases repeats the minimum") {
  ExponentialBackoff timer({.min_delay = 250ms, .max_increases = 0, .jitter = 0.0});
  CHECK(take(timer, 4) == std::vector<Clock::duration>{0ms, 250ms, 250ms, 250ms});
}

TEST_CASE("jitter takes a random fraction off each delay, never adding") {
  double u = 0.5;
  ExponentialBackoff timer({.jitter = 0.2, .random = [&] { return u; }});
  CHECK(take(timer, 4) == std::vector<Clock::duration>{0s, 900ms, 1800ms, 3600ms});
  u = 7.0;  // out of range: clamped to 1, the largest reduction
  timer.reset();
  CHECK(take(timer, 2) == std::vector<Clock::duration>{0s, 800ms});
  // Each delay is drawn when the previous wait is taken (so next_delay() is exact): the 2 s step
  // was drawn with u = 7, the 4 s one with NaN, which counts as 0 (no reduction).
  u = std::numeric_limits<double>::quiet_NaN();
  CHECK(take(timer, 2) == std::vector<Clock::duration>{1600ms, 4s});

  ExponentialBackoff real;
  (void)real.advance();
  for (int i = 0; i < 6; ++i) {
    const auto base = 1s * (1 << i);
    const auto d = real.advance();
    CHECK(d <= base);
    CHECK(d >= base * 8 / 10);
  }
}

TEST_CASE("wait_at_least sets a one-shot floor, as after ESME_RALYBND") {
  ExponentialBackoff timer({.jitter = 0.0});
  timer.wait_at_least(45s);
  CHECK(timer.next_delay() == 45s);
  CHECK(timer.advance() == 45s);  // even the first, otherwise immediate, wait
  CHECK(timer.advance() == 1s);   // the floor is gone, the back-off went on underneath
  timer.wait_at_least(500ms);     // below the back-off: no effect
  CHECK(timer.advance() == 2s);
  timer.wait_at_least(10s);
  timer.reset();  // a successful bind clears it
  CHECK(timer.next_delay() == 0s);
}

TEST_CASE("back-off rejects invalid options naming the field") {
  CHECK(error_of({.min_delay = 0s}).find("min_delay") != std::string::npos);
  CHECK(error_of({.max_increases = 31}).find("max_increases") != std::string::npos);
  CHECK(error_of({.min_delay = std::chrono::hours(1000000), .max_increases = 30})
            .find("max_increases") != std::string::npos);
  CHECK(error_of({.jitter = -0.1}).find("jitter") != std::string::npos);
  CHECK(error_of({.jitter = 1.5}).find("jitter") != std::string::npos);
  CHECK(error_of({.jitter = std::numeric_limits<double>::quiet_NaN()}).find("jitter") !=
        std::string::npos);
  CHECK(error_of({.max_increases = 30}) == "no exception");
}

TEST_CASE("wait() sleeps the back-off on a timer and is cancellable") {
  asio::io_context io;
  ExponentialBackoff timer({.min_delay = 20ms, .jitter = 0.0});
  // The first retry is immediate: its delay is zero, whatever the machine's load makes of the
  // time the wait itself takes.
  CHECK(timer.next_delay() == Clock::duration::zero());
  CHECK_FALSE(run_coro(io, timer.wait()));
  auto start = Clock::now();
  CHECK_FALSE(run_coro(io, timer.wait()));
  CHECK(Clock::now() - start >= 20ms);
  CHECK(timer.next_delay() == 40ms);

  timer.wait_at_least(1h);
  start = Clock::now();
  auto ec = run_coro(io, aiosmpp::test::cancel_after(timer.wait(), 10ms));
  CHECK(ec == asio::error::operation_aborted);
  CHECK(Clock::now() - start < 1s);
}
