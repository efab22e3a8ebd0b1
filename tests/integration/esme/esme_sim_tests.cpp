// The Esme against the bundled SMSC simulator (aiosmpp::smsc::Simulator) in the same io_context:
// submits answered and receipts correlated, segmented and injected MO messages reassembled, and the
// metrics agreeing with the hook. Trouble (errors, throttling, delays, drops, refused binds) is in
// esme_sim_trouble.cpp.

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
