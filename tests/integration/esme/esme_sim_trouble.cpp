// The Esme against the bundled SMSC simulator in trouble: error statuses, throttling and a
// maximum submit rate, response delays and withheld responses, dropped connections and refused
// binds, every message ending in exactly one outcome.

#include <map>

#include "aiosmpp/smsc/simulator.hpp"
#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

// Counts what the Esme tells its throttle handler and how often it was held back.
struct CountingThrottle final : ThrottleHandler {
  explicit CountingThrottle(SimpleThrottleHandler::Options o) : inner(o) {}
  void record_responses(std::size_t t, std::size_t n) override {
    throttled += t;
    others += n;
    inner.record_responses(t, n);
  }
  bool allow_request(Clock::time_point now) override {
    const bool allowed = inner.allow_request(now);
    if (!allowed) ++denials;
    return allowed;
  }
  Clock::duration throttle_delay() override { return inner.throttle_delay(); }

  SimpleThrottleHandler inner;
  std::size_t throttled = 0;
  std::size_t others = 0;
  std::size_t denials = 0;
};

std::shared_ptr<CountingThrottle> quick_throttle() {
  SimpleThrottleHandler::Options o;
  o.sampling_period = 100ms;
  o.sample_size = 20;
  o.deny_request_at = 5.0;
  o.throttle_wait = 30ms;
  return std::make_shared<CountingThrottle>(o);
}

// Records the back-off delays the Esme waits between attempts.
struct RecordingRetry final : RetryTimer {
  explicit RecordingRetry(std::shared_ptr<RetryTimer> t) : inner(std::move(t)) {}
  Clock::duration next_delay() const override { return inner->next_delay(); }
  Clock::duration advance() override { return inner->advance(); }
  void reset() override { inner->reset(); }
  void wait_at_least(Clock::duration floor) override { inner->wait_at_least(floor); }
  asio::awaitable<std::error_code> wait() override {
    waits.push_back(inner->next_delay());
    return inner->wait();
  }
  std::shared_ptr<RetryTimer> inner;
  std::vector<Clock::duration> waits;
};

}  // namespace

TEST_CASE("simulator trouble: errors, withheld responses and drops, every message one outcome",
          "[esme][sim]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.error_rate = 0.1;
  // Not ESME_RTHROTTLED: that would (rightly) make the throttle handler pause the sender.
  cfg.error_statuses = {{CommandStatus::submit_failed, 1.0}};
  cfg.withhold_rate = 0.02;
  cfg.drop_every = 97;
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.response_timeout = 150ms;
    ecfg.window = 20;
    Esme esme(io.get_executor(), ecfg, {.hook = hook, .retry_timer = fast_retry(5ms)});
    constexpr int n = 600;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < n; ++i) {
        Pdu m = make_submit(i);
        co_await esme.broker().enqueue(std::move(m));
      }
      const bool ok = co_await wait_until([&] { return hook->outcomes() == n; }, 10000ms);
      CHECK(ok);
      co_await sleep_ms(50);
    });
    CHECK(hook->outcomes() == n);
    CHECK(hook->no_duplicates());
    CHECK(esme.stats().taken == n);
    CHECK(esme.stats().connects >= 2);
    std::size_t error_statuses = 0;
    for (const auto& r : hook->responses)
      error_statuses += r.status != CommandStatus::ok ? 1U : 0U;
    CHECK(error_statuses > 0);
    CHECK(hook->count_errors(SendError::Kind::outcome_unknown) > 0);
  });
}

TEST_CASE(
    "simulator ESME_RTHROTTLED and ESME_RMSGQFUL: sent again until accepted, one outcome each",
    "[esme][sim][throttle]") {
  for (const auto status : {CommandStatus::throttled, CommandStatus::message_queue_full}) {
    INFO("command_status " << static_cast<std::uint32_t>(status));
    asio::io_context io;
    auto cfg = sim_config();
    cfg.error_rate = 0.3;
    cfg.error_statuses = {{status, 1.0}};
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = esme_window;
      // 20 sends at 30 % each: a message throttled every time is a 1-in-10^10 event.
      ecfg.requeue.max_attempts = 20;
      ecfg.requeue.first_delay = 5ms;
      ecfg.requeue.max_delay = 20ms;
      Esme esme(io.get_executor(), ecfg, {.hook = hook});
      constexpr int n = 200;
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      check_conservation(esme, *hook, n);
      CHECK(hook->errors.empty());
      for (const auto& r : hook->responses)
        CHECK(r.status == CommandStatus::ok);
      // Every throttled answer sent its message again; none was an outcome.
      CHECK(esme.stats().requeued > 0);
      CHECK(esme.stats().requeued == esme.stats().throttled);
      CHECK(esme.stats().throttled == sim.stats().submit_errors);
      CHECK(sim.stats().submits == n + esme.stats().requeued);
    });
  }
}

TEST_CASE(
    "simulator ESME_RTHROTTLED with requeueing off: a plugged throttle handler holds the "
    "sender back",
    "[esme][sim][throttle]") {
  for (const auto status : {CommandStatus::throttled, CommandStatus::message_queue_full}) {
    INFO("command_status " << static_cast<std::uint32_t>(status));
    asio::io_context io;
    auto cfg = sim_config();
    cfg.error_rate = 0.3;
    cfg.error_statuses = {{status, 1.0}};
    with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto throttle = quick_throttle();
      auto ecfg = test_config(port);
      ecfg.window = esme_window;
      ecfg.requeue.statuses.clear();
      ecfg.flow_control.enabled = false;
      Esme esme(io.get_executor(), ecfg, {.hook = hook, .throttle_handler = throttle});
      constexpr int n = 200;
      const auto t0 = std::chrono::steady_clock::now();
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      const auto elapsed = std::chrono::steady_clock::now() - t0;
      check_conservation(esme, *hook, n);
      // The error answers are outcomes like any other (the application decides to retry), and
      // each one was counted as throttling.
      CHECK(hook->errors.empty());
      std::size_t with_status = 0;
      for (const auto& r : hook->responses) {
        CHECK((r.status == CommandStatus::ok || r.status == status));
        with_status += r.status == status ? 1U : 0U;
      }
      CHECK(with_status > 0);
      CHECK(throttle->throttled == with_status);
      CHECK(throttle->others == n - with_status);
      // ~30 % throttled is far above the 5 % threshold: the sender was held back.
      CHECK(throttle->denials > 0);
      CHECK(elapsed >= 30ms);
    });
  }
}

TEST_CASE("simulator other error status: a response like any other, no throttling", "[esme][sim]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.error_rate = 0.25;
  cfg.error_statuses = {{CommandStatus::invalid_dest_address, 1.0},
                        {CommandStatus::system_error, 1.0}};
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto throttle = quick_throttle();
    auto ecfg = test_config(port);
    ecfg.window = esme_window;
    Esme esme(io.get_executor(), ecfg, {.hook = hook, .throttle_handler = throttle});
    constexpr int n = 300;
    run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
    check_conservation(esme, *hook, n);
    CHECK(hook->errors.empty());
    std::map<CommandStatus, std::size_t> by_status;
    for (const auto& r : hook->responses) {
      CHECK(r.command == CommandId::submit_sm_resp);
      ++by_status[r.status];
    }
    CHECK(by_status[CommandStatus::invalid_dest_address] > 0);
    CHECK(by_status[CommandStatus::system_error] > 0);
    CHECK(by_status[CommandStatus::ok] + by_status[CommandStatus::invalid_dest_address] +
              by_status[CommandStatus::system_error] ==
          std::size_t(n));
    CHECK(throttle->throttled == 0);
    CHECK(throttle->denials == 0);
  });
}

TEST_CASE("simulator response delay beyond response_timeout: outcome_unknown, late answers dropped",
          "[esme][sim][timeout]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.response_delay = {120ms, 120ms};
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = 10;
    ecfg.response_timeout = 40ms;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 40;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      co_await send_all(esme, *hook, n);
      // The answers still come, after their requests timed out: dropped, never matched.
      const bool late = co_await wait_until([&] { return esme.stats().late_responses == n; });
      CHECK(late);
    });
    CHECK(hook->outcomes() == n);
    CHECK(hook->no_duplicates());
    CHECK(hook->responses.empty());
    CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == n);
    for (const auto& e : hook->errors)
      CHECK(e.error.code == errc::response_timeout);
    CHECK(esme.stats().connects == 1);  // a slow SMSC is not a dead link
  });
}

TEST_CASE("simulator response delay within response_timeout: every message its response",
          "[esme][sim][timeout]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.response_delay = {5ms, 40ms};
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = esme_window;
    ecfg.response_timeout = 1000ms;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 200;
    run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
    check_conservation(esme, *hook, n);
    CHECK(hook->errors.empty());
    CHECK(esme.stats().late_responses == 0);
    CHECK(esme.stats().max_in_flight == esme_window);  // delays keep the window full
  });
}

TEST_CASE("simulator withheld responses: exactly those end outcome_unknown after the timeout",
          "[esme][sim][timeout]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.withhold_rate = 0.1;
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = esme_window;
    ecfg.response_timeout = 100ms;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 300;
    run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
    check_conservation(esme, *hook, n);
    const auto withheld = sim.stats().withheld;
    CHECK(withheld > 0);
    CHECK(hook->errors.size() == withheld);
    CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == withheld);
    for (const auto& e : hook->errors)
      CHECK(e.error.code == errc::response_timeout);
    CHECK(hook->responses.size() == n - withheld);
    CHECK(esme.stats().connects == 1);
  });
}

TEST_CASE("simulator drops the connection every N PDUs: reconnect, every message one outcome",
          "[esme][sim][reconnect]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.drop_every = 37;
  with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = esme_window;
    Esme esme(io.get_executor(), ecfg, {.hook = hook, .retry_timer = fast_retry(5ms)});
    constexpr int n = 400;
    run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
    check_conservation(esme, *hook, n);
    const auto drops = sim.stats().drops;
    CHECK(drops >= 2);
    CHECK(esme.stats().connects >= drops);
    // What the drops cut off: reported at once, as not_sent (never written) or outcome_unknown
    // (written, unanswered), never as a timeout, and at most a window's worth per drop.
    CHECK(!hook->errors.empty());
    CHECK(hook->errors.size() <= drops * esme_window);
    for (const auto& e : hook->errors) {
      CHECK((e.error.kind == SendError::Kind::not_sent ||
             e.error.kind == SendError::Kind::outcome_unknown));
      CHECK(e.error.code != errc::response_timeout);
    }
    // The SMSC answered exactly the responses the hook saw, and saw at least those submits.
    CHECK(sim.stats().submits >= hook->responses.size());
  });
}

TEST_CASE("simulator maximum submit rate: excess throttled, the Esme backs off or keeps under it",
          "[esme][sim][throttle]") {
  constexpr double max_rate = 1000;  // per second, burst 100
  constexpr int n = 300;
  SECTION("no rate limiter: the SMSC throttles, flow control slows down, throttled ones go again") {
    asio::io_context io;
    auto cfg = sim_config();
    cfg.max_submit_rate = max_rate;
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = esme_window;
      ecfg.flow_control.period = 50ms;
      ecfg.requeue.first_delay = 20ms;
      ecfg.requeue.max_attempts = 50;
      Esme esme(io.get_executor(), ecfg, {.hook = hook});
      const auto t0 = std::chrono::steady_clock::now();
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      check_conservation(esme, *hook, n);
      CHECK(hook->errors.empty());
      std::size_t ok = 0;
      for (const auto& r : hook->responses)
        ok += r.status == CommandStatus::ok ? 1U : 0U;
      CHECK(ok == n);
      CHECK(sim.stats().throttled > 0);
      CHECK(esme.stats().requeued == sim.stats().throttled);
      // The SMSC's limit held: accepted no faster than its rate plus its burst.
      CHECK(double(ok) <= max_rate * seconds + max_rate / 10 + 1);
    });
  }
  SECTION("a rate limiter below the SMSC's maximum: nothing throttled") {
    asio::io_context io;
    auto cfg = sim_config();
    cfg.max_submit_rate = max_rate;
    with_simulator(io, cfg, [&](smsc::Simulator& sim, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = 10;
      auto limiter = std::make_shared<TokenBucketRateLimiter>(max_rate / 2, 10.0);
      Esme esme(io.get_executor(), ecfg, {.hook = hook, .rate_limiter = limiter});
      run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await send_all(esme, *hook, n); });
      check_conservation(esme, *hook, n);
      CHECK(hook->errors.empty());
      for (const auto& r : hook->responses)
        CHECK(r.status == CommandStatus::ok);
      CHECK(sim.stats().throttled == 0);
    });
  }
}

TEST_CASE("simulator refusing binds: connect() throws the status, start() backs off and binds",
          "[esme][sim][bind]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.refuse_binds = CommandStatus::invalid_password;
  auto refusing = std::make_unique<smsc::Simulator>(io.get_executor(), cfg);
  const auto port = refusing->listen().port();
  bool refusing_done = false;
  asio::co_spawn(io, refusing->run(), [&](std::exception_ptr) { refusing_done = true; });

  {
    Esme esme(io.get_executor(), test_config(port));
    bool thrown = false;
    run_coro(io, [&]() -> asio::awaitable<void> {
      try {
        co_await esme.connect();
      } catch (const SmppError& e) {
        thrown = true;
        CHECK(e.command_status() == CommandStatus::invalid_password);
        CHECK(e.command_id() == CommandId::bind_transceiver);
      }
    }());
    CHECK(thrown);
    CHECK(esme.session_state() == SessionState::closed);
  }

  auto hook = std::make_shared<RecordingHook>();
  auto retry = std::make_shared<RecordingRetry>(fast_retry(10ms));
  Esme esme(io.get_executor(), test_config(port), {.hook = hook, .retry_timer = retry});
  std::unique_ptr<smsc::Simulator> accepting;
  bool accepting_done = false;
  constexpr int n = 20;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      // One refusal was connect()'s above; four more are this Esme's.
      const bool ok = co_await wait_until([&] { return refusing->stats().bind_failures >= 5; });
      CHECK(ok);
    }
    CHECK(esme.session_state() != SessionState::bound);
    // Messages wait in the broker while no bind succeeds.
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    CHECK(esme.stats().taken == 0);
    // The SMSC relents: a new simulator on the same port accepts the bind.
    refusing->stop();
    {
      const bool ok = co_await wait_until([&] { return refusing_done; });
      CHECK(ok);
    }
    auto cfg2 = sim_config();
    cfg2.port = port;
    accepting = std::make_unique<smsc::Simulator>(io.get_executor(), cfg2);
    const auto listening = accepting->listen();
    CHECK(listening.port() == port);
    asio::co_spawn(io, accepting->run(), [&](std::exception_ptr) { accepting_done = true; });
    const bool ok = co_await wait_until([&] { return hook->outcomes() == n; }, 5000ms);
    CHECK(ok);
  });
  CHECK(esme.stats().connects == 1);
  CHECK(hook->responses.size() == n);
  CHECK(hook->errors.empty());
  // Truncated exponential back-off: at once, then 10 ms doubling (less up to 20 % jitter).
  REQUIRE(retry->waits.size() >= 4);
  CHECK(retry->waits[0] == std::chrono::steady_clock::duration::zero());
  CHECK(retry->waits[1] >= 8ms);
  CHECK(retry->waits[1] < retry->waits[2]);
  CHECK(retry->waits[2] < retry->waits[3]);
  accepting->stop();
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool ok = co_await wait_until([&] { return accepting_done; });
    CHECK(ok);
  }());
}
