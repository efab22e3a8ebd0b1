// A custom RateLimiter whose asynchronous limit() fails, throws, or is cancelled by stop(): the
// batch it was asked about is never sent, and every message taken gets exactly one outcome.

#include <stdexcept>

#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

// Defers every decision to limit(); what limit() does is scripted per call (1-based).
struct ScriptedLimiter final : RateLimiter {
  enum class Step { grant, fail, raise, block };
  std::function<Step(std::size_t call)> script;
  std::size_t calls = 0;
  std::size_t cancelled = 0;
  std::size_t granted_messages = 0;
  std::error_code failure = std::make_error_code(std::errc::connection_refused);

  Clock::duration try_acquire(std::size_t n, Clock::time_point) override {
    return n == 0 ? Clock::duration::zero() : defer;
  }
  asio::awaitable<std::error_code> limit(std::size_t n) override {
    const Step step = script(++calls);
    switch (step) {
      case Step::grant:
        granted_messages += n;
        co_return std::error_code{};
      case Step::fail:
        co_return failure;
      case Step::raise:
        throw std::runtime_error("limiter backend unreachable");
      case Step::block: {
        // Waits "forever", honouring per-operation cancellation as the contract asks.
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
        auto [ec] = co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
        if (ec) {
          ++cancelled;
          co_return make_error_code(asio::error::operation_aborted);
        }
        granted_messages += n;
        co_return std::error_code{};
      }
    }
    co_return std::error_code{};
  }
};

}  // namespace

TEST_CASE("a rate limiter that fails or throws: its batch is not sent, each message not_sent once",
          "[esme][rate]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  auto limiter = std::make_shared<ScriptedLimiter>();
  // Calls 2 and 5 fail with an error code, call 3 throws; the rest grant.
  limiter->script = [](std::size_t call) {
    if (call == 2 || call == 5) return ScriptedLimiter::Step::fail;
    if (call == 3) return ScriptedLimiter::Step::raise;
    return ScriptedLimiter::Step::grant;
  };
  auto cfg = test_config(smsc.port());
  cfg.window = 8;
  Esme esme(io.get_executor(), cfg, {.hook = hook, .rate_limiter = limiter});
  constexpr int n = 200;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    const bool ok = co_await wait_until([&] { return hook->outcomes() == n; });
    CHECK(ok);
  });
  CHECK(limiter->calls >= 6);
  CHECK(hook->outcomes() == n);
  CHECK(hook->no_duplicates());
  CHECK(esme.stats().taken == n);
  CHECK(esme.stats().taken == esme.stats().responses + esme.stats().send_errors);
  // Exactly the granted messages reached the SMSC and were answered.
  CHECK(smsc.requests == limiter->granted_messages);
  CHECK(hook->responses.size() == limiter->granted_messages);
  REQUIRE(!hook->errors.empty());
  std::size_t refused = 0;
  std::size_t raised = 0;
  for (const auto& e : hook->errors) {
    CHECK(e.error.kind == SendError::Kind::not_sent);
    if (e.error.code == std::errc::connection_refused) ++refused;
    if (e.error.detail.find("limiter backend unreachable") != std::string::npos) ++raised;
  }
  CHECK(refused > 0);
  CHECK(raised > 0);
  CHECK(refused + raised == hook->errors.size());
}

TEST_CASE("stop() during a rate limiter wait cancels it: nothing sent, each taken one not_sent",
          "[esme][rate][stop]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  auto limiter = std::make_shared<ScriptedLimiter>();
  limiter->script = [](std::size_t call) {
    return call == 1 ? ScriptedLimiter::Step::grant : ScriptedLimiter::Step::block;
  };
  auto cfg = test_config(smsc.port());
  cfg.window = 10;
  auto broker = std::make_shared<SimpleBroker>(io.get_executor(), 1000);
  Esme esme(io.get_executor(), cfg, {.broker = broker, .hook = hook, .rate_limiter = limiter});
  constexpr int n = 100;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    // The first batch goes out and is answered; the second blocks in limit().
    const bool blocked = co_await wait_until(
        [&] { return limiter->calls == 2 && hook->responses.size() == limiter->granted_messages; });
    CHECK(blocked);
    co_await sleep_ms(20);
  });
  CHECK(limiter->calls == 2);
  CHECK(limiter->cancelled == 1);
  const auto& st = esme.stats();
  CHECK(st.taken == limiter->granted_messages + hook->errors.size());
  CHECK(st.taken == st.responses + st.send_errors);
  CHECK(smsc.requests == limiter->granted_messages);
  CHECK(hook->responses.size() == limiter->granted_messages);
  CHECK(hook->no_duplicates());
  REQUIRE(!hook->errors.empty());
  for (const auto& e : hook->errors) {
    CHECK(e.error.kind == SendError::Kind::not_sent);
    CHECK(e.error.code == errc::stopped);
  }
  // What was never taken is still with the broker: nothing lost.
  CHECK(st.taken + broker->size() == n);
}
