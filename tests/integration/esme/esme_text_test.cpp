// The Esme with the message layer: enqueued text is rendered (long messages split), a long
// message gets one outcome, and segmented incoming messages arrive reassembled.

#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using Action = FakeSmsc::Reply::Action;

namespace {

std::string long_text() {
  std::string t;
  for (int i = 0; i < 40; ++i)
    t += fmt::format("word{} ", i);
  return t;  // ~300 GSM characters: 2-3 segments
}

SubmitSm text_submit(int i, LongMessageMode mode) {
  SubmitSm m = make_submit(i);
  m.short_message.clear();
  MessageText text;
  text.utf8 = long_text();
  text.long_message = mode;
  m.text = text;
  return m;
}

}  // namespace

TEST_CASE("a long text message is split and gets exactly one outcome", "[esme][text]") {
  for (auto mode : {LongMessageMode::udh8, LongMessageMode::udh16, LongMessageMode::sar}) {
    asio::io_context io;
    FakeSmsc smsc(io, {});
    auto hook = std::make_shared<RecordingHook>();
    Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < 3; ++i) {
        Pdu m = text_submit(i, mode);
        co_await esme.broker().enqueue(std::move(m));
      }
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 3; });
      CHECK(ok);
      co_await sleep_ms(20);  // no late extra outcomes
    });
    CHECK(hook->responses.size() == 3);
    CHECK(hook->errors.empty());
    CHECK(hook->no_duplicates());
    CHECK(smsc.requests >= 6);  // every message took at least two segments
    CHECK(esme.stats().responses == 3);
    // The segments on the wire carry what the mode asks for.
    for (const auto& p : smsc.received_requests) {
      const auto& s = std::get<SubmitSm>(p);
      if (mode == LongMessageMode::sar) {
        CHECK(s.tlvs.contains<tlv::SarMsgRefNum>());
        CHECK(!has_udhi(s.esm_class));
      } else {
        CHECK(has_udhi(s.esm_class));
      }
      CHECK(s.tracking.log_id.empty());  // never encoded
    }
  }
}

TEST_CASE("a short text message is rendered into one submit_sm", "[esme][text]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    SubmitSm m = make_submit(1);
    m.short_message.clear();
    m.text = MessageText{"Habari yako? €", TextEncoding::automatic, 0,
                         LongMessageMode::message_payload, ErrorMode::strict};
    Pdu p = std::move(m);
    co_await esme.broker().enqueue(std::move(p));
    const bool ok = co_await wait_until([&] { return hook->outcomes() == 1; });
    CHECK(ok);
  });
  REQUIRE(smsc.received_requests.size() == 1);
  const auto& s = std::get<SubmitSm>(smsc.received_requests[0]);
  CHECK(!s.short_message.empty());
  REQUIRE(hook->responses.size() == 1);
  CHECK(hook->responses[0].log_id == "id-1");
}

TEST_CASE("text that cannot be encoded ends as invalid_message", "[esme][text]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    SubmitSm m = make_submit(1);
    m.text = MessageText{"ascii only? ☃", TextEncoding::ascii, 0, LongMessageMode::udh8,
                         ErrorMode::strict};
    Pdu p = std::move(m);
    co_await esme.broker().enqueue(std::move(p));
    const bool ok = co_await wait_until([&] { return hook->outcomes() == 1; });
    CHECK(ok);
  });
  REQUIRE(hook->errors.size() == 1);
  CHECK(hook->errors[0].error.kind == SendError::Kind::invalid_message);
  CHECK(smsc.requests == 0);
}

TEST_CASE("one rejected segment makes the long message's one outcome that error", "[esme][text]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  return n == 2 ? FakeSmsc::Reply{Action::respond, CommandStatus::system_error}
                                : FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    Pdu m = text_submit(1, LongMessageMode::udh8);
    co_await esme.broker().enqueue(std::move(m));
    const bool ok = co_await wait_until([&] { return hook->outcomes() == 1; });
    CHECK(ok);
  });
  REQUIRE(hook->responses.size() == 1);
  CHECK(hook->responses[0].log_id == "id-1");
  CHECK(hook->responses[0].status == CommandStatus::system_error);
}

TEST_CASE("a long message cut by a drop gets one send_error", "[esme][text]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  return n == 2 ? FakeSmsc::Reply{Action::drop} : FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.window = 1;  // segment 3 is still waiting for the window when segment 2 is dropped
  Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = fast_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    Pdu m = text_submit(1, LongMessageMode::udh8);
    co_await esme.broker().enqueue(std::move(m));
    const bool ok = co_await wait_until([&] { return hook->outcomes() == 1; });
    CHECK(ok);
    co_await sleep_ms(30);
  });
  CHECK(hook->outcomes() == 1);
  REQUIRE(hook->errors.size() == 1);
  CHECK(hook->errors[0].log_id == "id-1");
  CHECK(hook->errors[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(hook->errors[0].error.detail.find("1 of") != std::string::npos);
}

TEST_CASE("a segmented incoming message reaches the hook reassembled, each part answered",
          "[esme][text]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  DeliverSm mo;
  mo.source = PhoneNumber("254700000001");
  mo.destination = PhoneNumber("1234");
  mo.text = MessageText{long_text(), TextEncoding::automatic, 0, LongMessageMode::udh8,
                        ErrorMode::strict};
  auto parts = text::render(mo).value();
  REQUIRE(parts.size() >= 2);
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    // Out of order, with a duplicate while the message is incomplete. (A duplicate arriving
    // after its message completed would start a new partial message, given to the hook part by
    // part on timeout or at stop(): the reassembler does not remember completed messages.)
    smsc.send(parts.back());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      smsc.send(*it);
    const bool ok = co_await wait_until([&] { return smsc.deliver_sm_resps == parts.size() + 1; });
    CHECK(ok);
    co_await sleep_ms(20);
  });
  REQUIRE(hook->requests.size() == 1);
  const auto& whole = std::get<DeliverSm>(hook->requests[0]);
  auto decoded = text::decode_text(whole);
  REQUIRE(decoded);
  CHECK(decoded->text == long_text());
}

namespace {

std::vector<DeliverSm> mo_parts() {
  DeliverSm mo;
  mo.source = PhoneNumber("254700000001");
  mo.destination = PhoneNumber("1234");
  mo.text = MessageText{long_text() + long_text(), TextEncoding::automatic, 0,
                        LongMessageMode::udh8, ErrorMode::strict};
  return text::render(mo).value();
}

}  // namespace

TEST_CASE("a partial incoming message is given up on a timer, with no further part arriving",
          "[esme][text][reassembly]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.reassembly_timeout = 80ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  const auto parts = mo_parts();
  REQUIRE(parts.size() >= 3);
  std::chrono::steady_clock::duration waited{};
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    // Two parts of one message, then nothing: no later arrival can trigger the expiry.
    const auto t0 = std::chrono::steady_clock::now();
    smsc.send(parts[0]);
    smsc.send(parts[2]);
    {
      const bool ok = co_await wait_until([&] { return smsc.deliver_sm_resps == 2; });
      CHECK(ok);
    }
    CHECK(hook->requests.empty());  // held while the rest may still come
    const bool expired = co_await wait_until([&] { return hook->requests.size() == 2; }, 2000ms);
    waited = std::chrono::steady_clock::now() - t0;
    CHECK(expired);
  });
  CHECK(waited >= 80ms);
  REQUIRE(hook->requests.size() == 2);
  // The parts as received, in sequence order, each still carrying its UDH.
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& part = std::get<DeliverSm>(hook->requests[i]);
    CHECK((static_cast<std::uint8_t>(part.esm_class) & 0x40) != 0);
    CHECK(part.short_message == parts[i == 0 ? 0 : 2].short_message);
  }
  CHECK(smsc.deliver_sm_resps == 2);
}

TEST_CASE("stop() gives the parts of partial incoming messages to the hook",
          "[esme][text][reassembly]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.reassembly_timeout = 60'000ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  const auto parts = mo_parts();
  REQUIRE(parts.size() >= 2);
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    smsc.send(parts[1]);
    const bool ok = co_await wait_until([&] { return smsc.deliver_sm_resps == 1; });
    CHECK(ok);
    co_await sleep_ms(20);
    CHECK(hook->requests.empty());
  });
  REQUIRE(hook->requests.size() == 1);
  CHECK(std::get<DeliverSm>(hook->requests[0]).short_message == parts[1].short_message);
}
