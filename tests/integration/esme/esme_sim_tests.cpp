// The Esme against the bundled SMSC simulator (aiosmpp::smsc::Simulator) in the same io_context:
// receipts correlated, trouble (errors, withheld responses, drops) with count conservation, and
// segmented MO messages reassembled.

#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

smsc::SimConfig sim_config() {
  smsc::SimConfig c;
  c.port = 0;
  c.receipts = false;
  c.stats_interval = 0ms;
  c.log_level = LogLevel::off;
  c.seed = 42;
  return c;
}

/** Runs the simulator for the duration of `body`; stops it and lets it finish afterwards. */
void with_simulator(asio::io_context& io, smsc::SimConfig cfg,
                    const std::function<void(std::uint16_t port)>& body) {
  smsc::Simulator sim(io.get_executor(), std::move(cfg));
  const auto port = sim.listen().port();
  bool done = false;
  asio::co_spawn(io, sim.run(), [&](std::exception_ptr) { done = true; });
  body(port);
  sim.stop();
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool ok = co_await wait_until([&] { return done; });
    CHECK(ok);
  }());
}

}  // namespace

TEST_CASE("simulator: every submit answered, every receipt correlated to its log_id",
          "[esme][sim]") {
  asio::io_context io;
  auto cfg = sim_config();
  cfg.receipts = true;
  cfg.receipt_delay = {5ms, 20ms};
  with_simulator(io, cfg, [&](std::uint16_t port) {
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
  with_simulator(io, cfg, [&](std::uint16_t port) {
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
  with_simulator(io, cfg, [&](std::uint16_t port) {
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
