// Receipts over loopback against the scripted fake SMSC: a receipt that overtakes its response
// is held and reaches its log_id, a repeat is flagged, an expired hold reaches the hook
// untracked, and a long message's receipts merge into one outcome (or give up at stop).

#include <algorithm>

#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/esme/outcome.hpp"
#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using Action = FakeSmsc::Reply::Action;

namespace {

// Records what received() and receipt() see.
struct ReceiptHook final : Hook {
  std::vector<Pdu> received_pdus;      // deliver_sm / data_sm
  std::vector<std::string> responses;  // log_ids of responses
  std::vector<ReceiptOutcome> receipts;

  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::receipt;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t> pdu,
                                 std::string_view) override {
    REQUIRE(m != nullptr);
    CHECK(pdu.size() >= 16);  // held receipts too get their octets
    if (is_response(command_id_of(*m))) {
      responses.push_back(tracking_of(*m).log_id);
    } else {
      received_pdus.push_back(*m);
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> receipt(const ReceiptOutcome& r, std::string_view) override {
    receipts.push_back(r);
    co_return;
  }
};

DeliverSm text_receipt(const std::string& id, const std::string& stat) {
  DeliverSm r;
  r.esm_class = EsmClass::delivery_receipt;
  r.short_message = fmt::format(
      "id:{} sub:001 dlvrd:001 submit date:2612070101 done date:2612070102 stat:{} err:000 "
      "text:x",
      id, stat);
  return r;
}

// The fake SMSC's message_id for the request with sequence number `seq` (held responses).
std::string msg_id(std::uint32_t seq) {
  return fmt::format("msg-{}", seq);
}

}  // namespace

TEST_CASE(
    "receipts before their response are held, then reach their log_id, and repeats are flagged",
    "[esme][receipt][held]") {
  asio::io_context io;
  FakeSmsc smsc(io,
                {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::hold}; },
                 .release_every = 400ms});
  auto hook = std::make_shared<ReceiptHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    bool ok = co_await wait_until([&] { return smsc.request_sequence_numbers.size() == 2; });
    REQUIRE(ok);
    const auto seqs = smsc.request_sequence_numbers;
    // Both responses are held by the SMSC: an intermediate and a final receipt for the first,
    // a final one for the second, all before any response.
    smsc.send(text_receipt(msg_id(seqs[0]), "ENROUTE"));
    smsc.send(text_receipt(msg_id(seqs[0]), "DELIVRD"));
    smsc.send(text_receipt(msg_id(seqs[1]), "UNDELIV"));
    ok = co_await wait_until([&] { return smsc.deliver_sm_resps == 3; });
    REQUIRE(ok);
    CHECK(hook->received_pdus.empty());  // held, yet answered
    CHECK(esme.stats().held_receipts == 3);
    ok = co_await wait_until([&] { return hook->receipts.size() == 3; });
    REQUIRE(ok);
    // The SMSC offers the final receipt again.
    smsc.send(text_receipt(msg_id(seqs[0]), "DELIVRD"));
    ok = co_await wait_until([&] { return hook->receipts.size() == 4; });
    REQUIRE(ok);
  });
  REQUIRE(hook->responses.size() == 2);
  REQUIRE(hook->receipts.size() == 4);
  REQUIRE(hook->received_pdus.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO(i);
    const auto& r = hook->receipts[i];
    CHECK(r.held);
    CHECK(r.matched);
    CHECK(!r.repeat);
    CHECK(tracking_of(r.receipt) == tracking_of(hook->received_pdus[i]));
  }
  // Held receipts come in arrival order once their id registers.
  CHECK(tracking_of(hook->receipts[0].receipt).log_id == "id-0");
  CHECK(hook->receipts[0].state == MessageState::enroute);
  CHECK(!hook->receipts[0].final_state);
  CHECK(tracking_of(hook->receipts[1].receipt).log_id == "id-0");
  CHECK(hook->receipts[1].state == MessageState::delivered);
  CHECK(hook->receipts[1].final_state);
  CHECK(tracking_of(hook->receipts[2].receipt).log_id == "id-1");
  CHECK(tracking_of(hook->receipts[2].receipt).extra_data == "extra-1");
  CHECK(hook->receipts[2].state == MessageState::undeliverable);
  const auto& repeat = hook->receipts[3];
  CHECK(repeat.repeat);
  CHECK(repeat.matched);
  CHECK(!repeat.held);
  CHECK(tracking_of(repeat.receipt).log_id == "id-0");
  CHECK(esme.stats().repeated_receipts == 1);
  CHECK(smsc.deliver_sm_resps == 4);
  // Only final receipts stop the clock, once per message.
  CHECK(esme.metrics().receipt_latency.count() == 2);
  auto* correlator = dynamic_cast<SimpleCorrelator*>(&esme.correlator());
  REQUIRE(correlator != nullptr);
  CHECK(correlator->size() == 0);  // nothing left behind but the repeat marker
}

TEST_CASE("a held receipt whose response never registers reaches the hook untracked",
          "[esme][receipt][held]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<ReceiptHook>();
  SimpleCorrelator::Options o;
  o.hold_time = 100ms;
  Esme esme(io.get_executor(), test_config(smsc.port()),
            {.correlator = std::make_shared<SimpleCorrelator>(o), .hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await wait_until([&] { return smsc.binds == 1; });
    REQUIRE(ok);
    smsc.send(text_receipt("nobody-sent-this", "DELIVRD"));
    ok = co_await wait_until([&] { return smsc.deliver_sm_resps == 1; });
    REQUIRE(ok);
    CHECK(hook->receipts.empty());
    ok = co_await wait_until([&] { return hook->receipts.size() == 1; }, 3000ms);
    REQUIRE(ok);
  });
  REQUIRE(hook->receipts.size() == 1);
  CHECK(hook->receipts[0].held);
  CHECK(!hook->receipts[0].matched);
  CHECK(tracking_of(hook->receipts[0].receipt).log_id.empty());
  REQUIRE(hook->received_pdus.size() == 1);
  CHECK(esme.stats().held_receipts == 1);
}

TEST_CASE("merged receipts: one outcome per long message with the worst state",
          "[esme][receipt][merge]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<ReceiptHook>();
  auto cfg = test_config(smsc.port());
  cfg.merge_receipts = true;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  std::string long_text;
  for (int i = 0; i < 60; ++i)
    long_text += fmt::format("part{} ", i);  // 450 characters: 3 segments of GSM 7-bit text
  auto long_submit = [&](int i) {
    SubmitSm m = make_submit(i);
    m.short_message.clear();
    m.text =
        MessageText{long_text, TextEncoding::gsm7, 0, LongMessageMode::udh8, ErrorMode::strict};
    return m;
  };
  bool stopped_with_partial = false;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      Pdu a = long_submit(1);
      co_await esme.broker().enqueue(std::move(a));
      Pdu b = long_submit(2);
      co_await esme.broker().enqueue(std::move(b));
      Pdu single = make_submit(3);
      co_await esme.broker().enqueue(std::move(single));
    }
    bool ok = co_await wait_until([&] { return hook->responses.size() == 3; });
    REQUIRE(ok);
    REQUIRE(smsc.request_sequence_numbers.size() == 7);
    // The fake answers in order: message 1 is requests 1-3, message 2 is 4-6, the single is 7.
    const std::vector<std::string> stats{"DELIVRD", "UNDELIV", "DELIVRD"};
    for (std::size_t s = 0; s < 3; ++s)
      smsc.send(text_receipt(fmt::format("msg-{}", s + 1), stats[s]));
    smsc.send(text_receipt("msg-7", "DELIVRD"));
    // Message 2: two of its three segments' receipts, then the Esme stops.
    smsc.send(text_receipt("msg-4", "DELIVRD"));
    smsc.send(text_receipt("msg-5", "EXPIRED"));
    ok = co_await wait_until([&] { return smsc.deliver_sm_resps == 6; });
    REQUIRE(ok);
    ok = co_await wait_until([&] { return hook->receipts.size() == 2; });
    REQUIRE(ok);
    stopped_with_partial = true;
  });
  REQUIRE(stopped_with_partial);
  CHECK(hook->received_pdus.size() == 6);  // received() sees every segment's receipt
  REQUIRE(hook->receipts.size() == 3);
  const auto& merged = hook->receipts[0];
  CHECK(tracking_of(merged.receipt).log_id == "id-1");
  CHECK(merged.segments == 3);
  CHECK(merged.segments_received == 3);
  CHECK(merged.complete());
  CHECK(merged.state == MessageState::undeliverable);
  CHECK(merged.matched);
  const auto& single = hook->receipts[1];
  CHECK(tracking_of(single.receipt).log_id == "id-3");
  CHECK(single.segments == 1);
  CHECK(single.state == MessageState::delivered);
  // Given up at stop: what came, as one incomplete outcome.
  const auto& partial = hook->receipts[2];
  CHECK(tracking_of(partial.receipt).log_id == "id-2");
  CHECK(partial.segments == 3);
  CHECK(partial.segments_received == 2);
  CHECK(!partial.complete());
  CHECK(partial.state == MessageState::expired);
}

TEST_CASE("ReceiptMerger bound: the oldest long message is given up, nothing swallowed",
          "[esme][receipt][merge]") {
  CHECK(worst_state(MessageState::delivered, MessageState::expired) == MessageState::expired);
  CHECK(worst_state(MessageState::rejected, MessageState::undeliverable) == MessageState::rejected);
  CHECK(worst_state(std::nullopt, MessageState::delivered) == MessageState::delivered);
  CHECK(!worst_state(std::nullopt, std::nullopt));
  auto cfg = test_config(1);
  cfg.merge_receipts_limit = 0;
  CHECK_THROWS_WITH(validate(cfg), Catch::Contains("merge_receipts_limit"));
}
