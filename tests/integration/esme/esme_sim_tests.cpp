// The Esme against the bundled SMSC simulator (aiosmpp::smsc::Simulator) in the same io_context:
// receipts correlated, trouble (errors, withheld responses, drops) with count conservation, and
// segmented MO messages reassembled.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t esme_window = 20;

smsc::SimConfig sim_config() {
  smsc::SimConfig c;
  c.port = 0;
  c.receipts = false;
  c.stats_interval = 0ms;
  c.log_level = LogLevel::off;
  c.seed = 42;
  return c;
}

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

TEST_CASE("simulator: every submit answered, every receipt correlated to its log_id",
          "[esme][sim]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.receipts = true;
  cfg.receipt_delay = {5ms, 20ms};
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = 50;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 500;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < n; ++i) {
        Pdu m = make_submit(i);
        co_await esme.broker().enqueue(std::move(m));
      }
      const bool ok = co_await wait_until(
          [&] { return hook->responses.size() == n && hook->requests.size() == n; }, 5000ms);
      CHECK(ok);
    });
    CHECK(hook->errors.empty());
    std::set<std::string> receipt_ids;
    for (const auto& r : hook->requests) {
      const auto& d = std::get<DeliverSm>(r);
      CHECK(message_type(d.esm_class) == EsmClass::delivery_receipt);
      receipt_ids.insert(d.tracking.log_id);
    }
    CHECK(receipt_ids.size() == n);
    CHECK(receipt_ids.count("id-0") == 1);
    CHECK(receipt_ids.count(fmt::format("id-{}", n - 1)) == 1);
  });
}

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

TEST_CASE("simulator: segmented MO messages arrive reassembled", "[esme][sim]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.mo_rate = 100;
  cfg.mo_count = 3;
  cfg.mo.text = std::string(400, 'x');
  cfg.mo.long_message = text::LongMessage::udh8;
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    Esme esme(io.get_executor(), test_config(port), {.hook = hook});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      const bool ok = co_await wait_until([&] { return hook->requests.size() == 3; }, 5000ms);
      CHECK(ok);
      co_await sleep_ms(30);
    });
    REQUIRE(hook->requests.size() == 3);
    for (const auto& r : hook->requests) {
      auto decoded = text::decode_text(std::get<DeliverSm>(r));
      REQUIRE(decoded);
      CHECK(decoded->text == std::string(400, 'x'));
    }
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

TEST_CASE("simulator receipts: a mix of final states, text and TLV style, each correlated once",
          "[esme][sim][receipts]") {
  for (const auto style : {smsc::ReceiptStyle::tlv, smsc::ReceiptStyle::text}) {
    INFO("receipt style " << static_cast<int>(style));
    asio::io_context io;
    auto cfg = sim_config();
    cfg.receipts = true;
    cfg.receipt_delay = {2ms, 30ms};
    cfg.receipt_style = style;
    cfg.receipt_states = {{text::DeliveryState::delivered, 1.0},
                          {text::DeliveryState::undeliverable, 1.0},
                          {text::DeliveryState::expired, 1.0},
                          {text::DeliveryState::rejected, 1.0}};
    with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
      auto hook = std::make_shared<RecordingHook>();
      auto ecfg = test_config(port);
      ecfg.window = esme_window;
      Esme esme(io.get_executor(), ecfg, {.hook = hook});
      constexpr int n = 200;
      run_esme(io, esme, [&]() -> asio::awaitable<void> {
        co_await send_all(esme, *hook, n);
        const bool ok = co_await wait_until([&] { return hook->requests.size() == n; });
        CHECK(ok);
        co_await sleep_ms(20);
      });
      check_conservation(esme, *hook, n);
      REQUIRE(hook->requests.size() == n);
      std::set<std::string> log_ids;
      std::map<std::string, std::size_t> states;
      for (const auto& r : hook->requests) {
        const auto& d = std::get<DeliverSm>(r);
        CHECK(message_type(d.esm_class) == EsmClass::delivery_receipt);
        CHECK(d.tracking.extra_data == "extra-" + d.tracking.log_id.substr(3));
        log_ids.insert(d.tracking.log_id);
        if (style == smsc::ReceiptStyle::tlv) {
          CHECK(d.short_message.empty());
          const auto state = d.tlvs.get<tlv::MessageState>();
          REQUIRE(state);
          ++states[std::to_string(*state)];
        } else {
          CHECK(!d.tlvs.get<tlv::MessageState>());
          const auto at = d.short_message.find("stat:");
          REQUIRE(at != std::string::npos);
          ++states[d.short_message.substr(at + 5, 7)];
        }
      }
      CHECK(log_ids.size() == n);  // every message's receipt, each once
      CHECK(states.size() == 4);   // all four final states came back
      // Final receipts take their entries: the correlator holds nothing afterwards.
      auto* correlator = dynamic_cast<SimpleCorrelator*>(&esme.correlator());
      REQUIRE(correlator != nullptr);
      CHECK(correlator->size() == 0);
    });
  }
}

TEST_CASE("simulator MO injection: UCS2, UDH and SAR long messages arrive reassembled",
          "[esme][sim][mo]") {
  const std::string ucs2_text =
      "Привет, мир! Emoji 😀 and ☃ in UCS2, long enough to need several segments. "
      "Привет, мир! Emoji 😀 and ☃ in UCS2, long enough to need several segments.";
  const std::string gsm_text = std::string(200, 'a') + std::string(200, 'b');
  const std::vector<std::pair<std::string, std::string>> lines = {
      {ucs2_text, R"("encoding": "ucs2", "long": "udh8")"},
      {ucs2_text, R"("encoding": "ucs2", "long": "sar")"},
      {gsm_text, R"("encoding": "gsm7", "long": "udh16")"},
      {gsm_text, R"("encoding": "gsm7", "long": "sar")"},
      {"Short ☃", R"("encoding": "ucs2")"},
  };
  const auto path =
      std::filesystem::temp_directory_path() / fmt::format("aiosmpp-esme-mo-{}.jsonl", ::getpid());
  {
    std::ofstream f(path);
    for (const auto& [body, options] : lines)
      f << fmt::format(R"({{"text": "{}", {}}})", body, options) << "\n";
  }
  asio::io_context io;
  auto cfg = sim_config();
  cfg.mo_rate = 200;
  cfg.mo_file = path.string();
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    Esme esme(io.get_executor(), test_config(port), {.hook = hook});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      const bool ok =
          co_await wait_until([&] { return hook->requests.size() == lines.size(); }, 5000ms);
      CHECK(ok);
      co_await sleep_ms(30);
    });
    std::multiset<std::string> got;
    for (const auto& r : hook->requests) {
      const auto& d = std::get<DeliverSm>(r);
      // Whole messages: no concatenation UDH or SAR TLVs left.
      CHECK(!d.tlvs.get<tlv::SarMsgRefNum>());
      auto decoded = text::decode_text(d);
      REQUIRE(decoded);
      got.insert(decoded->text);
    }
    std::multiset<std::string> want;
    for (const auto& l : lines)
      want.insert(l.first);
    CHECK(got == want);
    CHECK(esme.stats().received > lines.size());  // the long ones came in several parts
  });
  std::filesystem::remove(path);
}

TEST_CASE("simulator: Esme::metrics() counts exactly what the hook saw", "[esme][sim][metrics]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.error_rate = 0.25;
  cfg.error_statuses = {{CommandStatus::submit_failed, 1.0}};
  cfg.receipts = true;
  cfg.receipt_delay = {1ms, 10ms};
  cfg.receipt_style = smsc::ReceiptStyle::tlv;
  cfg.receipt_states = {{text::DeliveryState::delivered, 3.0},
                        {text::DeliveryState::undeliverable, 1.0}};
  with_simulator(io, cfg, [&](smsc::Simulator&, std::uint16_t port) {
    auto hook = std::make_shared<RecordingHook>();
    auto ecfg = test_config(port);
    ecfg.window = esme_window;
    Esme esme(io.get_executor(), ecfg, {.hook = hook});
    constexpr int n = 300;
    std::size_t accepted = 0;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      co_await send_all(esme, *hook, n);
      for (const auto& r : hook->responses)
        accepted += r.status == CommandStatus::ok ? 1U : 0U;
      const bool ok = co_await wait_until([&] { return hook->requests.size() == accepted; });
      CHECK(ok);
      co_await sleep_ms(20);
    });
    check_conservation(esme, *hook, n);
    REQUIRE(accepted > 0);
    REQUIRE(accepted < std::size_t(n));  // the 25 % error rate answered some with submit_failed
    std::map<std::uint8_t, std::uint64_t> hook_states;
    for (const auto& r : hook->requests) {
      const auto state = std::get<DeliverSm>(r).tlvs.get<tlv::MessageState>();
      REQUIRE(state);
      ++hook_states[*state];
    }

    const EsmeMetrics m = esme.metrics();
    std::uint64_t ok_count = 0, failed_count = 0, other = 0;
    for (const auto& r : m.responses) {
      if (r.command == CommandId::submit_sm_resp && r.status == CommandStatus::ok) {
        ok_count += r.count;
      } else if (r.command == CommandId::submit_sm_resp &&
                 r.status == CommandStatus::submit_failed) {
        failed_count += r.count;
      } else {
        other += r.count;
      }
    }
    CHECK(ok_count == accepted);
    CHECK(failed_count == n - accepted);
    CHECK(other == 0);
    CHECK(m.response_latency.count() == std::uint64_t(n));
    std::map<std::uint8_t, std::uint64_t> metric_states;
    for (const auto& r : m.receipts) {
      CHECK(r.final);
      metric_states[static_cast<std::uint8_t>(r.state)] += r.count;
    }
    CHECK(metric_states == hook_states);
    CHECK(m.receipt_latency.count() == accepted);
    CHECK(m.stats.taken == std::uint64_t(n));
    CHECK(m.window == esme_window);
    REQUIRE(m.broker_depth);
    CHECK(*m.broker_depth == 0);
    CHECK(m.requeued_waiting == 0);
    CHECK(m.bytes_out > std::uint64_t(n) * 17);  // every submit_sm is more than a header
    CHECK(m.bytes_in > std::uint64_t(n) * 16);

    std::string text;
    write_prometheus(m, "sim-test", text);
    CHECK(text.find(fmt::format("aiosmpp_esme_taken_total{{client_id=\"sim-test\"}} {}\n", n)) !=
          std::string::npos);
    CHECK(text.find(fmt::format("aiosmpp_esme_response_latency_seconds_count{{client_id=\"sim-"
                                "test\"}} {}\n",
                                n)) != std::string::npos);
  });
}
