// Loopback tests of the Esme's session: binding, sending, outcomes, windowing, keep-alive,
// reconnects and stop(), against the scripted fake SMSC.

#include <sstream>

#include <nlohmann/json.hpp>

#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using Action = FakeSmsc::Reply::Action;

TEST_CASE("connect() throws SmppError with the bind response's status", "[esme][bind]") {
  for (auto status : {CommandStatus::invalid_password, CommandStatus::invalid_system_id,
                      CommandStatus::bind_failed, CommandStatus::already_bound,
                      CommandStatus::invalid_bind_status}) {
    asio::io_context io;
    FakeSmsc smsc(io, {.bind_status = status});
    Esme esme(io.get_executor(), test_config(smsc.port()));
    bool thrown = false;
    run_coro(io, [&]() -> asio::awaitable<void> {
      try {
        co_await esme.connect();
      } catch (const SmppError& e) {
        thrown = true;
        CHECK(e.command_status() == status);
        CHECK(e.command_id() == CommandId::bind_transceiver);
      }
    }());
    CHECK(thrown);
    CHECK(esme.session_state() == SessionState::closed);
    REQUIRE(smsc.bound_system_ids.size() == 1);
    CHECK(smsc.bound_system_ids[0] == "test");
  }
}

TEST_CASE("connect() throws std::system_error when the transport fails", "[esme][bind]") {
  asio::io_context io;
  SECTION("connection refused") {
    std::uint16_t port = 0;
    {
      // A port nobody listens on: bound, read, closed (no coroutine left behind).
      asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
      port = probe.local_endpoint().port();
    }
    Esme esme(io.get_executor(), test_config(port));
    run_coro(io, [&]() -> asio::awaitable<void> {
      CHECK_THROWS_AS(co_await esme.connect(), std::system_error);
    }());
  }
  SECTION("bind not answered within socket_timeout") {
    FakeSmsc smsc(io, {.answer_bind = false});
    auto cfg = test_config(smsc.port());
    cfg.socket_timeout = 100ms;
    Esme esme(io.get_executor(), cfg);
    const auto t0 = std::chrono::steady_clock::now();
    std::error_code code;
    run_coro(io, [&]() -> asio::awaitable<void> {
      try {
        co_await esme.connect();
      } catch (const std::system_error& e) {
        code = e.code();
      }
    }());
    CHECK(code == errc::response_timeout);
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  }
}

TEST_CASE("every message gets its response with log_id and extra_data attached", "[esme]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  constexpr int n = 200;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == n; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->responses.size() == n);
  CHECK(hook->errors.empty());
  CHECK(hook->sending_ids.size() == n);
  for (int i = 0; i < n; ++i) {
    CHECK(hook->responses[static_cast<std::size_t>(i)].log_id == fmt::format("id-{}", i));
    CHECK(hook->responses[static_cast<std::size_t>(i)].extra_data == fmt::format("extra-{}", i));
    CHECK(hook->responses[static_cast<std::size_t>(i)].command == CommandId::submit_sm_resp);
  }
  CHECK(esme.stats().taken == n);
  CHECK(esme.stats().responses == n);
  CHECK(smsc.unbinds == 1);  // stop() unbound
  CHECK(esme.session_state() == SessionState::closed);
}

TEST_CASE("the window is never exceeded and is used in full", "[esme][window]") {
  asio::io_context io;
  // Hold every request and release them all every 10 ms: the ESME fills its window each time.
  FakeSmsc smsc(io,
                {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::hold}; },
                 .release_every = 10ms});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.window = 8;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  constexpr int n = 300;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == n; }, 5000ms);
      CHECK(ok);
    }
  });
  CHECK(hook->responses.size() == n);
  CHECK(smsc.max_outstanding == 8);
  CHECK(esme.stats().max_in_flight == 8);
}

TEST_CASE("a response timeout gives send_error outcome_unknown, a late response is dropped",
          "[esme][timeout]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  return n == 2 ? FakeSmsc::Reply{Action::ignore} : FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.response_timeout = 150ms;
  cfg.window = 1;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 4; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 4; });
      CHECK(ok);
    }
    // Now answer the timed-out request: it must not match anything.
    REQUIRE(smsc.request_sequence_numbers.size() == 4);
    SubmitSmResp late;
    late.header.sequence_number = smsc.request_sequence_numbers[1];
    late.message_id = "late";
    std::vector<std::uint8_t> bytes;
    encode(late, bytes).value();
    smsc.send_raw(bytes);
    {
      const bool ok = co_await wait_until([&] { return esme.stats().late_responses == 1; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->errors.size() == 1);
  CHECK(hook->errors[0].log_id == "id-1");
  CHECK(hook->errors[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(hook->errors[0].error.code == errc::response_timeout);
  CHECK(hook->responses.size() == 3);
  CHECK(hook->no_duplicates());
}

TEST_CASE("a dropped connection reports every request in flight at once, then reconnects",
          "[esme][reconnect]") {
  asio::io_context io;
  // Requests 1-10 are held (never answered before the drop); later ones are answered.
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  return n <= 10 ? FakeSmsc::Reply{Action::ignore} : FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.response_timeout = 10s;  // the drop, not a timer, must report them
  Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = fast_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return smsc.requests == 10; });
      CHECK(ok);
    }
    const auto t0 = std::chrono::steady_clock::now();
    smsc.drop();
    {
      const bool ok = co_await wait_until([&] { return hook->errors.size() == 10; });
      CHECK(ok);
    }
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    // Reconnects with back-off, and the next messages go through.
    for (int i = 10; i < 20; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 20; });
      CHECK(ok);
    }
  });
  CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == 10);
  CHECK(hook->responses.size() == 10);
  CHECK(hook->no_duplicates());
  CHECK(smsc.connections == 2);
  CHECK(esme.stats().taken == esme.stats().responses + esme.stats().send_errors);
}

TEST_CASE("the server dropping mid-stream: sent = responded + reported, none twice",
          "[esme][reconnect]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t n, CommandId) {
                  if (n == 50 || n == 120) return FakeSmsc::Reply{Action::drop};
                  return FakeSmsc::Reply{};
                }});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()),
            {.hook = hook, .retry_timer = fast_retry(10ms)});
  constexpr int n = 300;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == n; }, 5000ms);
      CHECK(ok);
    }
  });
  CHECK(hook->outcomes() == n);
  CHECK(hook->no_duplicates());
  CHECK(smsc.connections >= 3);
  CHECK(hook->errors.size() >= 2);
  for (const auto& e : hook->errors)
    CHECK(e.error.kind != SendError::Kind::invalid_message);
  CHECK(esme.stats().taken == n);
}

TEST_CASE("stop() mid-stream: every message taken gets one outcome, the rest stay queued",
          "[esme][stop]") {
  asio::io_context io;
  FakeSmsc smsc(io,
                {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::hold}; },
                 .release_every = 5ms});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.window = 10;
  auto broker = std::make_shared<SimpleBroker>(io.get_executor(), 1000);
  Esme esme(io.get_executor(), cfg, {.broker = broker, .hook = hook});
  constexpr int n = 800;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->responses.size() >= 50; });
      CHECK(ok);
    }
  });
  const auto taken = esme.stats().taken;
  CHECK(taken < n);
  CHECK(taken + broker->size() == n);
  CHECK(hook->outcomes() == taken);
  CHECK(hook->no_duplicates());
  CHECK(smsc.unbinds == 1);
}

TEST_CASE("stop() with requests still unanswered reports them after stop_timeout", "[esme][stop]") {
  asio::io_context io;
  FakeSmsc smsc(
      io, {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::ignore}; }});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.response_timeout = 10s;
  cfg.stop_timeout = 100ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return smsc.requests == 5; });
      CHECK(ok);
    }
  });
  CHECK(hook->errors.size() == 5);
  CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == 5);
  for (const auto& e : hook->errors)
    CHECK(e.error.code == errc::stopped);
  CHECK(smsc.unbinds == 1);
}

TEST_CASE("stop() is idempotent and callable from several coroutines", "[esme][stop]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  Esme esme(io.get_executor(), test_config(smsc.port()));
  int stops = 0;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < 3; ++i) {
      asio::co_spawn(ex, esme.stop(), [&](std::exception_ptr e) {
        CHECK(!e);
        ++stops;
      });
    }
    co_await esme.stop();
  });
  CHECK(stops == 3);
  run_coro(io, esme.stop());  // nothing runs: returns at once
  CHECK(smsc.unbinds == 1);
}

TEST_CASE("invalid messages end as invalid_message without being sent", "[esme]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    auto bad = make_submit(1);
    bad.destination = PhoneNumber(std::string(30, '1'));
    {
      Pdu p = std::move(bad);
      co_await esme.broker().enqueue(std::move(p));
    }
    EnquireLink not_allowed;
    not_allowed.tracking.log_id = "id-2";
    {
      Pdu p = std::move(not_allowed);
      co_await esme.broker().enqueue(std::move(p));
    }
    {
      Pdu m = make_submit(3);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 3; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->errors.size() == 2);
  std::map<std::string, SendError> by_id;
  for (const auto& e : hook->errors)
    by_id[e.log_id] = e.error;
  CHECK(by_id["id-1"].kind == SendError::Kind::invalid_message);
  CHECK(by_id["id-1"].detail.find("destination_addr") != std::string::npos);
  CHECK(by_id["id-2"].kind == SendError::Kind::invalid_message);
  CHECK(by_id["id-2"].detail.find("enquire_link") != std::string::npos);
  CHECK(smsc.requests == 1);
  REQUIRE(hook->responses.size() == 1);
  CHECK(hook->responses[0].log_id == "id-3");
}

TEST_CASE("data_sm, query_sm, cancel_sm, replace_sm and submit_multi are correlated", "[esme]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    DataSm d;
    d.tracking.log_id = "data";
    d.destination = PhoneNumber("1234");
    {
      Pdu p = std::move(d);
      co_await esme.broker().enqueue(std::move(p));
    }
    QuerySm q;
    q.tracking.log_id = "query";
    q.message_id = "abc";
    {
      Pdu p = std::move(q);
      co_await esme.broker().enqueue(std::move(p));
    }
    CancelSm c;
    c.tracking.log_id = "cancel";
    c.message_id = "abc";
    {
      Pdu p = std::move(c);
      co_await esme.broker().enqueue(std::move(p));
    }
    ReplaceSm r;
    r.tracking.log_id = "replace";
    r.message_id = "abc";
    r.short_message = "new";
    {
      Pdu p = std::move(r);
      co_await esme.broker().enqueue(std::move(p));
    }
    SubmitMulti m;
    m.tracking.log_id = "multi";
    m.dest_addresses.push_back({DestFlag::sme_address, PhoneNumber("1"), {}});
    m.dest_addresses.push_back({DestFlag::sme_address, PhoneNumber("2"), {}});
    m.short_message = "hi";
    {
      Pdu p = std::move(m);
      co_await esme.broker().enqueue(std::move(p));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 5; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->responses.size() == 5);
  std::map<std::string, CommandId> got;
  for (const auto& r : hook->responses)
    got[r.log_id] = r.command;
  CHECK(got["data"] == CommandId::data_sm_resp);
  CHECK(got["query"] == CommandId::query_sm_resp);
  CHECK(got["cancel"] == CommandId::cancel_sm_resp);
  CHECK(got["replace"] == CommandId::replace_sm_resp);
  CHECK(got["multi"] == CommandId::submit_multi_resp);
}

TEST_CASE("sequence numbers wrap from 0x7FFFFFFF to 1", "[esme]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  auto seq = std::make_shared<SimpleSequenceGenerator>();
  seq->restart_at(0x7FFFFFFD);
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook, .sequence_generator = seq});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 6; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->outcomes() == 6; });
      CHECK(ok);
    }
  });
  CHECK(hook->responses.size() == 6);
  // The bind took 0x7FFFFFFD; the submits 0x7FFFFFFE, 0x7FFFFFFF, then 1, 2, ...
  REQUIRE(smsc.request_sequence_numbers.size() == 6);
  CHECK(smsc.request_sequence_numbers[0] == 0x7FFFFFFE);
  CHECK(smsc.request_sequence_numbers[1] == 0x7FFFFFFF);
  CHECK(smsc.request_sequence_numbers[2] == 1);
  for (std::size_t i = 0; i < 6; ++i)
    CHECK(hook->responses[i].log_id == fmt::format("id-{}", i));
}

TEST_CASE("enquire_link is sent after silence, no answer is a dead link and reconnects",
          "[esme][keepalive]") {
  asio::io_context io;
  SECTION("answered: the session stays up") {
    FakeSmsc smsc(io, {});
    auto cfg = test_config(smsc.port());
    cfg.enquire_link_interval = 40ms;
    Esme esme(io.get_executor(), cfg);
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      {
        const bool ok = co_await wait_until([&] { return smsc.enquire_links >= 3; });
        CHECK(ok);
      }
    });
    CHECK(smsc.connections == 1);
  }
  SECTION("answered, with socket_timeout far longer than the interval: the interval is kept") {
    // The next enquire_link is due an interval after the answer, not after socket_timeout: at
    // 40 ms intervals, six take about 240 ms; waiting out a 3 s timeout each would take 15 s.
    FakeSmsc smsc(io, {});
    auto cfg = test_config(smsc.port());
    cfg.enquire_link_interval = 40ms;
    cfg.socket_timeout = 3s;
    Esme esme(io.get_executor(), cfg);
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      {
        const bool ok =
            co_await wait_until([&] { return smsc.enquire_links >= 6; }, std::chrono::seconds(2));
        CHECK(ok);
      }
    });
    CHECK(smsc.connections == 1);
  }
  SECTION("not answered: dead link after socket_timeout, then a new connection") {
    FakeSmsc smsc(io, {.answer_enquire_link = false});
    auto cfg = test_config(smsc.port());
    cfg.enquire_link_interval = 40ms;
    cfg.socket_timeout = 80ms;
    Esme esme(io.get_executor(), cfg, {.retry_timer = fast_retry()});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      {
        const bool ok = co_await wait_until([&] { return smsc.connections >= 2; });
        CHECK(ok);
      }
    });
    CHECK(smsc.enquire_links >= 1);
  }
}

TEST_CASE("a plugged ThrottleHandler slows the sender down", "[esme][throttle]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.script = [](std::uint64_t, CommandId) {
                  return FakeSmsc::Reply{Action::respond, CommandStatus::throttled};
                }});
  auto hook = std::make_shared<RecordingHook>();
  SimpleThrottleHandler::Options topt;
  topt.sample_size = 5;
  topt.deny_request_at = 1.0;
  topt.throttle_wait = 150ms;
  auto cfg = test_config(smsc.port());
  cfg.window = 1;
  // aiosmpplib's interface alone: no requeueing, no adaptive rate.
  cfg.requeue.statuses.clear();
  cfg.flow_control.enabled = false;
  Esme esme(io.get_executor(), cfg,
            {.hook = hook, .throttle_handler = std::make_shared<SimpleThrottleHandler>(topt)});
  std::size_t after_300ms = 0;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 50; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    co_await sleep_ms(300);
    after_300ms = smsc.requests;
  });
  // Without throttling all 50 go in a few ms; with it, 5 samples then one per 150 ms at most.
  CHECK(after_300ms >= 5);
  CHECK(after_300ms <= 9);
  for (const auto& r : hook->responses)
    CHECK(r.status == CommandStatus::throttled);
  CHECK(hook->outcomes() == esme.stats().taken);
}

TEST_CASE("failed binds back off exponentially with jitter", "[esme][reconnect]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.bind_status = CommandStatus::bind_failed});
  Esme esme(io.get_executor(), test_config(smsc.port()), {.retry_timer = fast_retry(20ms)});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok = co_await wait_until([&] { return smsc.binds >= 4; });
      CHECK(ok);
    }
  });
  REQUIRE(smsc.connect_times.size() >= 4);
  // As aiosmpplib: the first retry is immediate, then 20, 40 ms (each less up to 20% jitter).
  const auto gap = [&](std::size_t i) { return smsc.connect_times[i] - smsc.connect_times[i - 1]; };
  CHECK(gap(2) >= 16ms);
  CHECK(gap(3) >= 32ms);
  CHECK(gap(3) < 500ms);
}

TEST_CASE("ESME_RALYBND makes the next bind wait out already_bound_delay", "[esme][bind]") {
  asio::io_context io;
  FakeSmsc smsc(io, {.bind_status = CommandStatus::already_bound});
  auto cfg = test_config(smsc.port());
  cfg.already_bound_delay = 150ms;
  Esme esme(io.get_executor(), cfg, {.retry_timer = fast_retry(5ms)});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok = co_await wait_until([&] { return smsc.binds >= 2; });
      CHECK(ok);
    }
  });
  REQUIRE(smsc.connect_times.size() >= 2);
  CHECK(smsc.connect_times[1] - smsc.connect_times[0] >= 150ms);
}

TEST_CASE("requests from the SMSC are answered, the hook sees them first", "[esme][receive]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), test_config(smsc.port()), {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    DeliverSm mo;
    mo.source = PhoneNumber("254700000001");
    mo.short_message = "hello from a phone";
    smsc.send(mo);
    DataSm data;
    data.source = PhoneNumber("254700000002");
    smsc.send(data);
    AlertNotification alert;
    alert.source = PhoneNumber("254700000003");
    smsc.send(alert);
    // An unknown command id: generic_nack ESME_RINVCMDID, and the session carries on.
    smsc.send_raw({0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 42});
    // A submit_sm from the SMSC is a wrong-state request: submit_sm_resp ESME_RINVBNDSTS.
    smsc.send(make_submit(1));
    {
      const bool ok = co_await wait_until([&] {
        return smsc.deliver_sm_resps == 2 && hook->requests.size() == 3 && smsc.generic_nacks >= 1;
      });
      CHECK(ok);
    }
    {
      Pdu m = make_submit(2);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->responses.size() == 1; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->requests.size() == 3);
  CHECK(command_id_of(hook->requests[0]) == CommandId::deliver_sm);
  CHECK(std::get<DeliverSm>(hook->requests[0]).short_message == "hello from a phone");
  CHECK(command_id_of(hook->requests[1]) == CommandId::data_sm);
  CHECK(command_id_of(hook->requests[2]) == CommandId::alert_notification);
  REQUIRE(smsc.deliver_resp_statuses.size() == 2);
  CHECK(smsc.deliver_resp_statuses[0] == CommandStatus::ok);
  REQUIRE(!smsc.nack_statuses.empty());
  CHECK(smsc.nack_statuses[0] == CommandStatus::invalid_command_id);
  CHECK(hook->undecodable >= 1);
  CHECK(smsc.connections == 1);
}

TEST_CASE("delivery receipts reach the hook with the original log_id and extra_data",
          "[esme][receipt]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  // A receipt for an unknown id is held in case its response is still coming; a short hold
  // gives it to the hook (untracked) within the test.
  SimpleCorrelator::Options held_briefly;
  held_briefly.hold_time = 50ms;
  Esme esme(io.get_executor(), test_config(smsc.port()),
            {.correlator = std::make_shared<SimpleCorrelator>(held_briefly), .hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      Pdu m = make_submit(7);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      Pdu m = make_submit(8);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return hook->responses.size() == 2; });
      CHECK(ok);
    }
    // The fake's message_ids are msg-<n>: text receipt for the first, TLV receipt for the second.
    DeliverSm r1;
    r1.esm_class = EsmClass::delivery_receipt;
    r1.short_message =
        "id:msg-1 sub:001 dlvrd:001 submit date:2601020304 done date:2601020305 stat:DELIVRD "
        "err:000 text:Test";
    smsc.send(r1);
    DeliverSm r2;
    r2.esm_class = EsmClass::delivery_receipt;
    r2.tlvs = Tlvs{{tlv::ReceiptedMessageId::tag, {'m', 's', 'g', '-', '2', 0}},
                   {tlv::MessageState::tag, {2}}};
    smsc.send(r2);
    // Unknown id: delivered without tracking.
    DeliverSm r3;
    r3.esm_class = EsmClass::delivery_receipt;
    r3.short_message = "id:nope stat:DELIVRD";
    smsc.send(r3);
    {
      const bool ok = co_await wait_until([&] { return hook->requests.size() == 3; });
      CHECK(ok);
    }
  });
  REQUIRE(hook->requests.size() == 3);
  CHECK(std::get<DeliverSm>(hook->requests[0]).tracking.log_id == "id-7");
  CHECK(std::get<DeliverSm>(hook->requests[0]).tracking.extra_data == "extra-7");
  CHECK(std::get<DeliverSm>(hook->requests[1]).tracking.log_id == "id-8");
  CHECK(std::get<DeliverSm>(hook->requests[2]).tracking.log_id.empty());
  CHECK(smsc.deliver_sm_resps == 3);
}

TEST_CASE("unbind from the SMSC is answered, then the ESME reconnects", "[esme][reconnect]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  Esme esme(io.get_executor(), test_config(smsc.port()), {.retry_timer = fast_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    smsc.send(Unbind{});
    {
      const bool ok = co_await wait_until([&] { return smsc.connections == 2 && smsc.binds == 2; });
      CHECK(ok);
    }
  });
}

TEST_CASE("a receiver-mode ESME does not take messages from the broker", "[esme]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto cfg = test_config(smsc.port());
  cfg.bind_mode = BindMode::receiver;
  auto broker = std::make_shared<SimpleBroker>(io.get_executor());
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), cfg, {.broker = broker, .hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      Pdu m = make_submit(1);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    DeliverSm mo;
    mo.short_message = "in";
    smsc.send(mo);
    {
      const bool ok = co_await wait_until([&] { return hook->requests.size() == 1; });
      CHECK(ok);
    }
  });
  CHECK(broker->size() == 1);
  CHECK(esme.stats().taken == 0);
  CHECK(smsc.requests == 0);
}

TEST_CASE("JSON log lines parse, carry the metadata, and never contain the password",
          "[esme][log]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  std::ostringstream out;
  auto logger = std::make_shared<Logger>(std::make_shared<JsonLinesSink>(out), LogLevel::trace);
  auto cfg = test_config(smsc.port());
  Esme esme(io.get_executor(), cfg, {.logger = logger});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
    {
      const bool ok = co_await wait_until([&] { return esme.stats().responses == 3; });
      CHECK(ok);
    }
  });
  std::istringstream lines(out.str());
  std::string line;
  std::size_t count = 0;
  bool saw_bound = false;
  while (std::getline(lines, line)) {
    ++count;
    CHECK(line.find(cfg.password) == std::string::npos);
    auto j = nlohmann::json::parse(line);
    CHECK(j["metadata"]["client_id"] == "test-client");
    CHECK(j["metadata"]["smsc_host"] == "127.0.0.1");
    CHECK(j["metadata"]["system_id"] == "test");
    if (j["event"] == "bound") saw_bound = true;
  }
  CHECK(count > 10);  // TRACE: every PDU
  CHECK(saw_bound);
}

TEST_CASE("hard cancellation of start() still reports every message taken", "[esme][stop]") {
  asio::io_context io;
  FakeSmsc smsc(
      io, {.script = [](std::uint64_t, CommandId) { return FakeSmsc::Reply{Action::ignore}; }});
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = test_config(smsc.port());
  cfg.response_timeout = 10s;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_coro(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Pdu m = make_submit(i);
      co_await esme.broker().enqueue(std::move(m));
    }
  }());
  CHECK_THROWS_AS(run_coro(io, esme.start(), 300ms), CoroTimeout);
  CHECK(smsc.requests == 5);
  CHECK(hook->errors.size() == 5);
  CHECK(hook->count_errors(SendError::Kind::outcome_unknown) == 5);
  CHECK(esme.session_state() == SessionState::closed);
}
