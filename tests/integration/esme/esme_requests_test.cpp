// Over loopback: direct requests (submit() and the others), the one-shape Outcome in the hook,
// session PDUs for hooks that ask, the SMSC's unbind with responses still owed, and stop() with
// requests already read.

#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using Action = FakeSmsc::Reply::Action;

namespace {

struct OutcomeHook final : Hook {
  HookInterest mask = HookInterest::outcome | HookInterest::session;
  std::vector<Outcome> outcomes;
  std::vector<CommandId> session_pdus;
  HookInterest interests() const noexcept override { return mask; }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m != nullptr) session_pdus.push_back(command_id_of(*m));
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view) override {
    outcomes.push_back(o);
    co_return;
  }
};

}  // namespace

TEST_CASE("submit() returns the response with its message_id, or the SendError",
          "[esme][request]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  if (n == 2)
                    return FakeSmsc::Reply{Action::respond, CommandStatus::invalid_dest_address};
                  if (n == 3) return FakeSmsc::Reply{Action::ignore};
                  return FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<OutcomeHook>();
  auto cfg = test_config(smsc.port());
  cfg.response_timeout = 200ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    auto first = co_await esme.submit(make_submit(1));
    CHECK(first.accepted());
    CHECK_FALSE(first.message_id().empty());
    CHECK(first.tracking().log_id == "id-1");
    auto second = co_await esme.submit(make_submit(2));
    CHECK_FALSE(second.accepted());
    CHECK(second.status() == CommandStatus::invalid_dest_address);
    auto third = co_await esme.submit(make_submit(3));
    REQUIRE(third.error);
    CHECK(third.error->kind == SendError::Kind::outcome_unknown);
    CHECK(third.error->code == errc::response_timeout);
    SubmitSm bad = make_submit(4);
    bad.destination = PhoneNumber(std::string(30, '9'));
    auto fourth = co_await esme.submit(bad);
    REQUIRE(fourth.error);
    CHECK(fourth.error->kind == SendError::Kind::invalid_message);
    // Several at once, each gets its own.
    std::vector<Outcome> many(5);
    int done = 0;
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < 5; ++i) {
      asio::co_spawn(
          ex,
          [&, i]() -> asio::awaitable<void> {
            many[static_cast<std::size_t>(i)] = co_await esme.submit(make_submit(10 + i));
            ++done;
          },
          asio::detached);
    }
    CHECK(co_await wait_until([&] { return done == 5; }));
    for (int i = 0; i < 5; ++i)
      CHECK(many[static_cast<std::size_t>(i)].tracking().log_id == fmt::format("id-{}", 10 + i));
  });
  // The hook saw the same outcomes, in one shape, and the accounting holds.
  CHECK(hook->outcomes.size() == 9);
  CHECK(esme.stats().taken == 9);
  CHECK(esme.stats().responses + esme.stats().send_errors == 9);
}

// The bundled simulator answers generic_nack only to PDUs the Esme never writes (an unknown
// command_id, a short body), so the scripted fake SMSC sends this one.
TEST_CASE("submit() answered by generic_nack: the nack is its outcome, in one shape",
          "[esme][request]") {
  asio::io_context io;
  FakeSmsc smsc(
      io, {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::ignore}; }});
  auto hook = std::make_shared<OutcomeHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    Outcome out;
    bool done = false;
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          out = co_await esme.submit(make_submit(1));
          done = true;
        },
        asio::detached);
    REQUIRE(co_await wait_until([&] { return smsc.requests == 1; }));
    GenericNack nack;
    nack.header.command_status = CommandStatus::system_error;
    nack.header.sequence_number = smsc.request_sequence_numbers.back();
    std::vector<std::uint8_t> bytes;
    encode(Pdu(nack), bytes).value();
    smsc.send_raw(bytes);
    REQUIRE(co_await wait_until([&] { return done; }));
    REQUIRE(out.response);
    CHECK(std::holds_alternative<GenericNack>(*out.response));
    CHECK_FALSE(out.accepted());
    CHECK(out.status() == CommandStatus::system_error);
    CHECK_FALSE(out.error);
    CHECK(out.tracking().log_id == "id-1");
  });
  REQUIRE(hook->outcomes.size() == 1);
  CHECK(std::holds_alternative<GenericNack>(*hook->outcomes[0].response));
  CHECK(hook->outcomes[0].tracking().log_id == "id-1");
  CHECK(esme.stats().responses == 1);
  CHECK(esme.stats().send_errors == 0);
}

TEST_CASE("submit() when the Esme does not run: not_sent at once", "[esme][request]") {
  asio::io_context io;
  Esme esme(io.get_executor(), test_config(1));
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto o = co_await esme.submit(make_submit(1));
    REQUIRE(o.error);
    CHECK(o.error->kind == SendError::Kind::not_sent);
    CHECK(o.error->code == errc::not_bound);
  }());
}

TEST_CASE("session PDUs reach a hook that asks for them", "[esme][request]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<OutcomeHook>();
  auto cfg = test_config(smsc.port());
  cfg.enquire_link_interval = 50ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    CHECK(co_await wait_until([&] {
      return std::count(hook->session_pdus.begin(), hook->session_pdus.end(),
                        CommandId::enquire_link_resp) >= 1;
    }));
  });
  REQUIRE_FALSE(hook->session_pdus.empty());
  CHECK(hook->session_pdus.front() == CommandId::bind_transceiver_resp);
  CHECK(std::count(hook->session_pdus.begin(), hook->session_pdus.end(), CommandId::unbind_resp) ==
        1);
}

TEST_CASE("the SMSC's unbind: responses it still writes are matched, not reported unknown",
          "[esme][unbind]") {
  asio::io_context io;
  // Every request is held and answered 100 ms later; the SMSC unbinds in between.
  FakeSmsc smsc(io,
                {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::hold}; },
                 .release_every = 100ms});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()),
            {.hook = hook, .retry_timer = fast_retry(1000ms)});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    CHECK(co_await wait_until([&] { return smsc.requests == 5; }));
    Unbind u;
    u.header.sequence_number = 900;
    smsc.send(u);
    CHECK(co_await wait_until([&] { return hook->outcomes() == 5; }));
  });
  CHECK(hook->responses.size() == 5);
  CHECK(hook->errors.empty());
}

TEST_CASE("stop() answers the deliver_sm it has read before unbind_resp", "[esme][stop]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    CHECK(co_await wait_until([&] { return esme.session_state() == SessionState::bound; }));
    for (std::uint32_t i = 0; i < 20; ++i) {
      DeliverSm d;
      d.header.sequence_number = 500 + i;
      d.source = PhoneNumber("254722000001");
      d.destination = PhoneNumber("1000");
      d.short_message = "mo";
      smsc.send(d);
    }
    // stop() right away: what is in the read buffer is still answered.
  });
  CHECK(hook->requests.size() == 20);
  CHECK(smsc.deliver_sm_resps == 20);
}

namespace {

// Denies every request while `deny` is set; counts the denials.
struct SwitchedThrottle final : ThrottleHandler {
  void record_responses(std::size_t, std::size_t) override {}
  bool allow_request(Clock::time_point) override {
    if (deny) ++denials;
    return !deny;
  }
  Clock::duration throttle_delay() override { return 20ms; }
  bool deny = false;
  int denials = 0;
};

}  // namespace

TEST_CASE("submit() waits for the throttle handler like the broker's messages", "[esme][request]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto throttle = std::make_shared<SwitchedThrottle>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.throttle_handler = throttle});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    CHECK(co_await wait_until([&] { return esme.session_state() == SessionState::bound; }));
    throttle->deny = true;
    Outcome out;
    bool done = false;
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          out = co_await esme.submit(make_submit(1));
          done = true;
        },
        asio::detached);
    // Held back while the handler denies (it is asked again every 20 ms): nothing is written.
    co_await sleep_ms(200);
    CHECK_FALSE(done);
    CHECK(smsc.requests == 0);
    CHECK(throttle->denials >= 2);
    throttle->deny = false;
    CHECK(co_await wait_until([&] { return done; }));
    CHECK(out.accepted());
  });
  CHECK(smsc.requests == 1);
}
