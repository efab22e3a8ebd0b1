// The server session's bounds and deadlines (issue 15), driven over the in-memory transport so
// that a peer that never reads is exact (a pipe of a few hundred octets) and no socket is needed:
// failed-bind limits, the state check before decoding, the per-PDU and inactivity deadlines, the
// closing and shutdown deadlines with a peer that never reads, connection limits per address,
// withheld responses, the backlog and write-buffer bounds. Durations are short; assertions on
// time are lower bounds only (a loaded machine makes them longer, never shorter).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "support/catch.hpp"
#include "support/memory_transport.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using aiosmpp::test::memory_transport_pair;
using aiosmpp::test::MemoryTransport;
using aiosmpp::test::pause;
using aiosmpp::test::run_coro;
using SteadyClock = std::chrono::steady_clock;

namespace {

// A Server without a listening socket; each client is a memory pipe handed to serve().
struct MemServer {
  explicit MemServer(ServerConfig config = {}, Handlers handlers = {})
      : server(io.get_executor(), std::move(config), std::move(handlers)) {
    asio::co_spawn(io, server.run(), [this](std::exception_ptr e) {
      done = true;
      error = e;
    });
  }
  ~MemServer() {
    server.stop();
    const auto until = SteadyClock::now() + 10s;
    while (!done && SteadyClock::now() < until)
      io.run_one_for(50ms);
  }
  // `to_server` and `to_client` bound each direction of the pipe.
  std::unique_ptr<MemoryTransport> connect(std::size_t to_server = 64 * 1024,
                                           std::size_t to_client = 64 * 1024,
                                           const asio::ip::tcp::endpoint& remote = {}) {
    auto [client, theirs] = memory_transport_pair(io.get_executor(), to_server, to_client);
    auto session = server.serve(std::move(theirs), remote);
    return session ? std::move(client) : nullptr;
  }
  template <class F>
  void run(F body, std::chrono::milliseconds timeout = 15s) {
    run_coro(io, body(), timeout);
  }
  // Runs the io_context until `pred` holds (or fails the test after `within`).
  template <class Pred>
  asio::awaitable<void> until(Pred pred, std::chrono::milliseconds within = 10s) {
    const auto end = SteadyClock::now() + within;
    while (!pred()) {
      REQUIRE(SteadyClock::now() < end);
      co_await pause(5ms);
    }
  }

  asio::io_context io;
  Server server;
  bool done = false;
  std::exception_ptr error;
};

template <class P>
std::vector<std::uint8_t> bytes_of(P pdu, std::uint32_t seq) {
  pdu.header.sequence_number = seq;
  std::vector<std::uint8_t> out;
  encode(pdu, out).value();
  return out;
}

asio::awaitable<void> write(MemoryTransport& t, const std::vector<std::uint8_t>& bytes) {
  auto [ec, n] = co_await t.write(bytes);
  (void)n;
  REQUIRE_FALSE(ec);
}

// (g++ 12 destroys temporaries of a co_await full-expression twice inside loops, so the tests
// build PDU bytes into named variables before awaiting a write.)

// Reads whole PDUs from a client end; nullopt at EOF.
struct PduReader {
  asio::awaitable<std::optional<Pdu>> next(MemoryTransport& t) {
    for (;;) {
      auto r = framer.next();
      REQUIRE(r);
      if (!r->empty()) co_return decode(*r).value();
      auto buf = framer.prepare();
      auto [ec, n] = co_await t.read_some(buf);
      if (ec) co_return std::nullopt;
      framer.commit(n);
    }
  }
  template <class P>
  asio::awaitable<P> expect(MemoryTransport& t) {
    auto p = co_await next(t);
    REQUIRE(p);
    REQUIRE(std::holds_alternative<P>(*p));
    co_return std::get<P>(std::move(*p));
  }
  // True once the server has closed (PDUs before that are skipped). g++ 12 miscompiles a
  // co_await in a loop condition here, hence the plain loop.
  asio::awaitable<bool> closed(MemoryTransport& t) {
    for (;;) {
      auto p = co_await next(t);
      if (!p) break;
    }
    co_return true;
  }
  Framer framer;
};

BindTransceiver a_bind(const char* password = "pw") {
  BindTransceiver b;
  b.system_id = "esme";
  b.password = password;
  return b;
}

SubmitSm a_submit() {
  SubmitSm s;
  s.source = PhoneNumber("12345");
  s.destination = PhoneNumber("447700900123");
  s.short_message = "hello";
  return s;
}

asio::awaitable<void> bind(MemoryTransport& t, PduReader& r) {
  {
    const auto pdu_bytes = bytes_of(a_bind(), 1);
    co_await write(t, pdu_bytes);
  }
  auto resp = co_await r.expect<BindTransceiverResp>(t);
  REQUIRE(resp.header.command_status == CommandStatus::ok);
}

Handlers password_handlers() {
  Handlers h;
  h.bind = [](Session&, const BindRequest& b) {
    return secret_equal("pw", b.password) ? CommandStatus::ok : CommandStatus::invalid_password;
  };
  h.submit_sm = [](Session&, const SubmitSmView&, SubmitSmResp& resp) {
    resp.message_id = "1";
    return Reply::now;
  };
  return h;
}

}  // namespace

TEST_CASE("secret_equal compares every octet, lengths included") {
  CHECK(secret_equal("secret", "secret"));
  CHECK(secret_equal("", ""));
  CHECK_FALSE(secret_equal("secret", "secreT"));
  CHECK_FALSE(secret_equal("secret", "Secret"));
  CHECK_FALSE(secret_equal("secret", "secret2"));
  CHECK_FALSE(secret_equal("secret", "secre"));
  CHECK_FALSE(secret_equal("a", std::string_view("a\0", 2)));
}

TEST_CASE("failed binds: each answer held back by the delay, closed after the limit") {
  ServerConfig cfg;
  cfg.max_bind_failures = 3;
  cfg.bind_failure_delay = 100ms;
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    // A guesser pipelines ten wrong passwords and then the right one.
    std::vector<std::uint8_t> burst;
    for (std::uint32_t i = 1; i <= 10; ++i) {
      auto b = bytes_of(a_bind("guess"), i);
      burst.insert(burst.end(), b.begin(), b.end());
    }
    auto right = bytes_of(a_bind("pw"), 11);
    burst.insert(burst.end(), right.begin(), right.end());
    const auto start = SteadyClock::now();
    co_await write(*c, burst);
    for (std::uint32_t i = 1; i <= 3; ++i) {
      auto resp = co_await r.expect<BindTransceiverResp>(*c);
      CHECK(resp.header.command_status == CommandStatus::invalid_password);
      CHECK(resp.header.sequence_number == i);
    }
    CHECK(co_await r.closed(*c));  // nothing more: not the right password either
    CHECK(SteadyClock::now() - start >= 300ms);
    CHECK(t.server.stats().binds_rejected == 3);
    CHECK(t.server.stats().binds_accepted == 0);
    CHECK(t.server.stats().bind_failure_closes == 1);

    // A fresh connection that knows the password still binds.
    auto fresh = t.connect();
    PduReader r2;
    co_await bind(*fresh, r2);
  });
}

TEST_CASE("the bind state is checked before the body is decoded") {
  MemServer t({}, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    // A submit_sm with a field error (priority_flag 9) and one whose body is cut short: before
    // bind both are ESME_RINVBNDSTS, not a field error or a generic_nack.
    auto bad_field = bytes_of(a_submit(), 7);
    const std::size_t priority_at = 16 + 1 + 2 + 6 + 2 + 13 + 1 + 1;
    REQUIRE(bad_field[priority_at] == 0);
    bad_field[priority_at] = 9;
    co_await write(*c, bad_field);
    auto r1 = co_await r.expect<SubmitSmResp>(*c);
    CHECK(r1.header.command_status == CommandStatus::invalid_bind_status);
    CHECK(r1.header.sequence_number == 7);

    std::vector<std::uint8_t> truncated{0, 0, 0, 20, 0, 0, 0,   4,   0,   0,
                                        0, 0, 0, 0,  0, 8, 'C', 'M', 'T', 0};
    co_await write(*c, truncated);
    auto r2 = co_await r.expect<SubmitSmResp>(*c);
    CHECK(r2.header.command_status == CommandStatus::invalid_bind_status);
    CHECK(t.server.stats().decode_errors == 0);
    CHECK(t.server.stats().state_errors == 2);

    // After bind the same bytes get the field's status.
    co_await bind(*c, r);
    bad_field[15] = 9;
    co_await write(*c, bad_field);
    auto r3 = co_await r.expect<SubmitSmResp>(*c);
    CHECK(r3.header.command_status == CommandStatus::invalid_priority_flag);
  });
}

TEST_CASE("a PDU that started arriving must be complete within pdu_timeout, however it drips") {
  ServerConfig cfg;
  cfg.pdu_timeout = 200ms;
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    co_await bind(*c, r);
    const auto submit = bytes_of(a_submit(), 2);
    const auto start = SteadyClock::now();
    // One octet every 20 ms: each read is fresh, the PDU never completes in time.
    for (std::size_t i = 0; i + 1 < submit.size() && c->is_open(); ++i) {
      std::vector<std::uint8_t> one{submit[i]};
      auto [ec, n] = co_await c->write(one);
      (void)n;
      if (ec) break;
      co_await pause(20ms);
      if (t.server.session_count() == 0) break;
    }
    CHECK(co_await r.closed(*c));
    CHECK(SteadyClock::now() - start >= 200ms);
    CHECK(t.server.stats().sessions_timed_out == 1);
  });
}

TEST_CASE("inactivity counts whole PDUs, not reads") {
  ServerConfig cfg;
  cfg.inactivity_timeout = 300ms;
  cfg.pdu_timeout = 0ms;  // off: only inactivity can end the drip
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    co_await bind(*c, r);
    // Whole PDUs every 100 ms keep it open well past the timeout...
    for (std::uint32_t i = 0; i < 6; ++i) {
      {
        const auto pdu_bytes = bytes_of(EnquireLink{}, 10 + i);
        co_await write(*c, pdu_bytes);
      }
      auto resp = co_await r.expect<EnquireLinkResp>(*c);
      CHECK(resp.header.sequence_number == 10 + i);
      co_await pause(100ms);
    }
    CHECK(t.server.session_count() == 1);
    // ...octets of a PDU that never completes do not.
    const auto submit = bytes_of(a_submit(), 30);
    for (std::size_t i = 0; i + 1 < submit.size(); ++i) {
      std::vector<std::uint8_t> one{submit[i]};
      auto [ec, n] = co_await c->write(one);
      (void)n;
      if (ec || t.server.session_count() == 0) break;
      co_await pause(30ms);
    }
    CHECK(co_await r.closed(*c));
    CHECK(t.server.stats().sessions_timed_out == 1);
  });
}

TEST_CASE("a peer that never reads: unbind, then the close deadline ends the session") {
  ServerConfig cfg;
  cfg.close_timeout = 150ms;
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    // The server's writes to this client fit 256 octets and the client never reads after bind.
    auto c = t.connect(64 * 1024, 256);
    PduReader r;
    co_await bind(*c, r);
    std::vector<std::uint8_t> burst;
    for (std::uint32_t i = 0; i < 300; ++i) {
      auto e = bytes_of(EnquireLink{}, 100 + i);
      burst.insert(burst.end(), e.begin(), e.end());
    }
    auto u = bytes_of(Unbind{}, 999);
    burst.insert(burst.end(), u.begin(), u.end());
    const auto start = SteadyClock::now();
    co_await write(*c, burst);
    co_await t.until([&] { return t.server.session_count() == 0; });
    CHECK(SteadyClock::now() - start >= 150ms);
    CHECK(t.server.stats().sessions_timed_out == 1);
  });
}

TEST_CASE("stop() completes within shutdown_timeout when a peer never reads") {
  ServerConfig cfg;
  // The session's own deadlines are off, so only the shutdown deadline can end it.
  cfg.unbind_timeout = 0ms;
  cfg.close_timeout = 0ms;
  cfg.shutdown_timeout = 200ms;
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect(64 * 1024, 256);
    PduReader r;
    co_await bind(*c, r);
    std::vector<std::uint8_t> burst;
    for (std::uint32_t i = 0; i < 300; ++i) {
      auto e = bytes_of(EnquireLink{}, 100 + i);
      burst.insert(burst.end(), e.begin(), e.end());
    }
    co_await write(*c, burst);
    co_await pause(20ms);
    const auto start = SteadyClock::now();
    t.server.stop();
    co_await t.until([&] { return t.done; });
    CHECK(SteadyClock::now() - start >= 200ms);
    CHECK(t.server.stats().shutdown_closes == 1);
  });
}

TEST_CASE("connections per source address and in total") {
  ServerConfig cfg;
  cfg.max_connections = 4;
  cfg.max_connections_per_address = 2;
  MemServer t(cfg, password_handlers());
  const asio::ip::tcp::endpoint a{asio::ip::make_address("192.0.2.1"), 40000};
  const asio::ip::tcp::endpoint b{asio::ip::make_address("192.0.2.2"), 40000};
  auto a1 = t.connect(1024, 1024, a);
  auto a2 = t.connect(1024, 1024, a);
  auto a3 = t.connect(1024, 1024, a);
  CHECK(a1);
  CHECK(a2);
  CHECK_FALSE(a3);  // refused: a third from the same address
  auto b1 = t.connect(1024, 1024, b);
  auto b2 = t.connect(1024, 1024, b);
  auto b3 = t.connect(1024, 1024, b);
  CHECK(b1);
  CHECK(b2);
  CHECK_FALSE(b3);
  auto other = t.connect(1024, 1024, {asio::ip::make_address("192.0.2.3"), 1});
  CHECK_FALSE(other);  // refused: four in total
  CHECK(t.server.stats().connections_refused == 3);
  t.run([&]() -> asio::awaitable<void> {
    a1->close();
    co_await t.until([&] { return t.server.session_count() == 3; });
    auto again = t.connect(1024, 1024, a);
    CHECK(again);  // the address has room again
  });
}

TEST_CASE(
    "withheld responses (Reply::never) are not pending - deferred ones are, up to the limit") {
  ServerConfig cfg;
  cfg.max_pending_requests = 2;
  Handlers h = password_handlers();
  int calls = 0;
  h.submit_sm = [&](Session&, const SubmitSmView&, SubmitSmResp&) {
    ++calls;
    return calls <= 5 ? Reply::never : Reply::later;
  };
  MemServer t(cfg, h);
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    co_await bind(*c, r);
    for (std::uint32_t i = 0; i < 5; ++i) {
      const auto pdu_bytes = bytes_of(a_submit(), 10 + i);
      co_await write(*c, pdu_bytes);
    }
    {
      const auto pdu_bytes = bytes_of(EnquireLink{}, 20);
      co_await write(*c, pdu_bytes);
    }
    auto link = co_await r.expect<EnquireLinkResp>(*c);
    CHECK(link.header.sequence_number == 20);
    REQUIRE(t.server.sessions().size() == 1);
    CHECK(t.server.sessions()[0]->pending_requests() == 0);
    // Deferred ones count: the third beyond max_pending_requests is throttled by the session.
    for (std::uint32_t i = 0; i < 3; ++i) {
      const auto pdu_bytes = bytes_of(a_submit(), 30 + i);
      co_await write(*c, pdu_bytes);
    }
    auto throttled = co_await r.expect<SubmitSmResp>(*c);
    CHECK(throttled.header.command_status == CommandStatus::throttled);
    CHECK(throttled.header.sequence_number == 32);
    CHECK(t.server.sessions()[0]->pending_requests() == 2);
    CHECK(t.server.stats().pending_throttled == 1);
    CHECK(calls == 7);
  });
}

TEST_CASE("the server's backlog is bounded: send() beyond max_backlog is refused") {
  ServerConfig cfg;
  cfg.window = 1;
  cfg.max_backlog = 2;
  MemServer t(cfg, password_handlers());
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect();
    PduReader r;
    co_await bind(*c, r);
    REQUIRE(t.server.sessions().size() == 1);
    auto session = t.server.sessions()[0];
    DeliverSm d;
    d.source = PhoneNumber("1");
    d.destination = PhoneNumber("2");
    int outcomes = 0;
    auto count = [&](std::error_code, const PduView*) { ++outcomes; };
    CHECK_FALSE(session->send(d, count));  // in flight
    CHECK_FALSE(session->send(d, count));  // backlog 1
    CHECK_FALSE(session->send(d, count));  // backlog 2
    CHECK(session->send(d, count) == std::make_error_code(std::errc::no_buffer_space));
    CHECK(session->backlog() == 2);
    CHECK(t.server.stats().backlog_full == 1);
    session.reset();
    c->close();
    co_await t.until([&] { return t.server.session_count() == 0; });
    CHECK(outcomes == 3);  // each accepted request ends once
  });
}

TEST_CASE("the write buffer is bounded: a peer that never reads while responses pile up") {
  ServerConfig cfg;
  cfg.write_high_water = 1024;
  cfg.max_write_buffer = 2048;
  Handlers h = password_handlers();
  std::vector<SubmitSmResp> deferred;
  h.submit_sm = [&](Session&, const SubmitSmView&, SubmitSmResp& resp) {
    deferred.push_back(resp);
    return Reply::later;
  };
  MemServer t(cfg, h);
  t.run([&]() -> asio::awaitable<void> {
    auto c = t.connect(64 * 1024, 128);
    PduReader r;
    co_await bind(*c, r);
    for (std::uint32_t i = 0; i < 200; ++i) {
      const auto pdu_bytes = bytes_of(a_submit(), 10 + i);
      co_await write(*c, pdu_bytes);
    }
    co_await t.until([&] { return deferred.size() == 200; });
    REQUIRE(t.server.sessions().size() == 1);
    auto session = t.server.sessions()[0];
    std::size_t refused = 0;
    for (auto& resp : deferred) {
      resp.message_id = "a-long-message-id-0123456789012345678901234567890";
      if (session->respond(resp)) ++refused;
    }
    CHECK(refused > 0);  // the session closed itself on the way
    session.reset();
    co_await t.until([&] { return t.server.session_count() == 0; });
    CHECK(t.server.stats().write_overflows == 1);
  });
}
