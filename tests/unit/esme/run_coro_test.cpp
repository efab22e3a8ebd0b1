#include "support/run_coro.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "support/catch.hpp"

using aiosmpp::test::CoroTimeout;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

namespace {

asio::awaitable<int> sleep_then(std::chrono::milliseconds d, int value) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
  co_return value;
}

asio::awaitable<void> fail_after_yield() {
  co_await sleep_then(1ms, 0);
  throw std::domain_error("inside");
}

asio::awaitable<void> sleep_forever(bool& unwound) {
  try {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    co_await timer.async_wait(asio::use_awaitable);
  } catch (...) {
    unwound = true;
    throw;
  }
}

asio::awaitable<void> stop_then_sleep(asio::io_context& io, bool& unwound) {
  io.stop();
  co_await sleep_forever(unwound);
}

}  // namespace

TEST_CASE("run_coro returns the coroutine's value and rethrows its exception") {
  asio::io_context io;
  CHECK(run_coro(io, sleep_then(5ms, 42)) == 42);
  CHECK(run_coro(io, sleep_then(0ms, 7)) == 7);  // the io_context is reusable
  CHECK_THROWS_AS(run_coro(io, fail_after_yield()), std::domain_error);
}

TEST_CASE("run_coro fails a hung coroutine on time and cancels it") {
  asio::io_context io;
  bool unwound = false;
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(run_coro(io, sleep_forever(unwound), 50ms), CoroTimeout);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 50ms);
  CHECK(took < 5s);
  CHECK(unwound);  // terminal cancellation reached the pending timer
}

TEST_CASE("run_coro reports an io_context stopped under a running coroutine") {
  asio::io_context io;
  bool unwound = false;
  const auto start = std::chrono::steady_clock::now();
  try {
    run_coro(io, stop_then_sleep(io, unwound), 10s);
    FAIL("expected std::runtime_error");
  } catch (const CoroTimeout&) {
    FAIL("reported as a timeout, expected a stopped io_context");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("stopped") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(unwound);                                // cancelled and unwound during the grace period
  CHECK(run_coro(io, sleep_then(1ms, 3)) == 3);  // and the io_context is usable again
}
