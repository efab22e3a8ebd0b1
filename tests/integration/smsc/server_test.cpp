// Server sessions over loopback with raw-socket clients: binds, state checks, malformed input,
// timers, unbind both ways, outbind, handlers and the server's own window.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include "aiosmpp/smsc/server.hpp"
#include "smsc/raw_client.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using aiosmpp::test::pause;
using aiosmpp::test::raw_header;
using aiosmpp::test::RawClient;
using aiosmpp::test::run_coro;

namespace {

const asio::ip::tcp::endpoint any_port{asio::ip::make_address("127.0.0.1"), 0};

// AIOSMPP_TEST_TRACE=1 logs every PDU the server sees and sends, to debug a failing test.
ServerConfig traced(ServerConfig c) {
  if (std::getenv("AIOSMPP_TEST_TRACE") != nullptr) {
    c.logger = Logger(std::make_shared<TextSink>(stderr), LogLevel::trace);
  }
  return c;
}

// A server on a free port, running on `io` until the test body ends; then stopped, and run() is
// awaited so that no session outlives the test.
struct Harness {
  explicit Harness(ServerConfig config = {}, Handlers handlers = {})
      : server(io.get_executor(), traced(std::move(config)), std::move(handlers)) {
    at = server.listen(any_port);
    asio::co_spawn(io, server.run(), [this](std::exception_ptr e) {
      done = true;
      error = e;
    });
  }
  ~Harness() {
    server.stop();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < until)
      io.run_one_for(100ms);
  }
  template <class F>
  void run(F body, std::chrono::milliseconds timeout = 10s) {
    run_coro(io, body(), timeout);
  }

  asio::io_context io;
  Server server;
  asio::ip::tcp::endpoint at;
  bool done = false;
  std::exception_ptr error;
};

Handlers accepting_handlers() {
  Handlers h;
  h.submit_sm = [](Session&, const SubmitSmView&, SubmitSmResp& resp) {
    resp.message_id = "id" + std::to_string(resp.header.sequence_number);
    return Reply::now;
  };
  return h;
}

SubmitSm a_submit() {
  SubmitSm s;
  s.source = PhoneNumber("12345");
  s.destination = PhoneNumber("447700900123");
  s.short_message = "hello";
  return s;
}

}  // namespace

TEST_CASE("binds: the authenticator decides, and the response carries system_id and version") {
  Handlers h = accepting_handlers();
  h.bind = [](Session&, const BindRequest& b) {
    if (b.system_id != "alice") return CommandStatus::invalid_system_id;
    if (b.password != "secret") return CommandStatus::invalid_password;
    if (b.system_type == "blocked") return CommandStatus::bind_failed;
    return CommandStatus::ok;
  };
  ServerConfig cfg;
  cfg.system_id = "test-smsc";
  cfg.max_bind_failures = 0;  // the limit and its delay have their own test
  cfg.bind_failure_delay = 0ms;
  Harness t(cfg, h);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    BindTransmitter b;
    b.system_id = "bob";
    b.password = "secret";
    auto seq = co_await c.send(b);
    auto r1 = co_await c.expect<BindTransmitterResp>();
    CHECK(r1.header.command_status == CommandStatus::invalid_system_id);
    CHECK(r1.header.sequence_number == seq);
    CHECK_FALSE(r1.has_body);  // 3.4: no body on error

    b.system_id = "alice";
    b.password = "wrong";
    co_await c.send(b);
    {
      auto awaited_1 = co_await c.expect<BindTransmitterResp>();
      CHECK((awaited_1).header.command_status == CommandStatus::invalid_password);
    }
    b.password = "secret";
    b.system_type = "blocked";
    co_await c.send(b);
    {
      auto awaited_2 = co_await c.expect<BindTransmitterResp>();
      CHECK((awaited_2).header.command_status == CommandStatus::bind_failed);
    }

    BindReceiver ok;
    ok.system_id = "alice";
    ok.password = "secret";
    seq = co_await c.send(ok);
    auto r2 = co_await c.expect<BindReceiverResp>();
    CHECK(r2.header.command_status == CommandStatus::ok);
    CHECK(r2.header.sequence_number == seq);
    CHECK(r2.system_id == "test-smsc");
    CHECK(r2.tlvs.get<tlv::ScInterfaceVersion>() == std::optional<std::uint8_t>(0x34));
    CHECK(t.server.bound_count() == 1);
    REQUIRE(t.server.sessions().size() == 1);
    CHECK(t.server.sessions()[0]->state() == SessionState::bound_rx);
    CHECK(t.server.sessions()[0]->system_id() == "alice");

    co_await c.send(ok);
    {
      auto awaited_3 = co_await c.expect<BindReceiverResp>();
      CHECK((awaited_3).header.command_status == CommandStatus::already_bound);
    }
    CHECK(t.server.stats().binds_accepted == 1);
    CHECK(t.server.stats().binds_rejected == 3);
  });
}

TEST_CASE("max sessions: a bind beyond the limit gets ESME_RBINDFAIL until a session ends") {
  ServerConfig cfg;
  cfg.max_sessions = 1;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient a(t.io.get_executor());
    RawClient b(t.io.get_executor());
    co_await a.connect(t.at);
    co_await b.connect(t.at);
    co_await a.bind();
    BindTransceiver bind;
    bind.system_id = "esme";
    co_await b.send(bind);
    {
      auto awaited_4 = co_await b.expect<BindTransceiverResp>();
      CHECK((awaited_4).header.command_status == CommandStatus::bind_failed);
    }
    co_await a.send_new<Unbind>();
    co_await a.expect<UnbindResp>();
    {
      auto awaited_5 = co_await a.closed();
      CHECK(awaited_5);
    }
    co_await pause(20ms);
    co_await b.send(bind);
    {
      auto awaited_6 = co_await b.expect<BindTransceiverResp>();
      CHECK((awaited_6).header.command_status == CommandStatus::ok);
    }
  });
}

TEST_CASE("wrong-state PDUs get their own response with ESME_RINVBNDSTS") {
  Harness t({}, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    // Before bind.
    auto seq = co_await c.send(a_submit());
    auto r = co_await c.expect<SubmitSmResp>();
    CHECK(r.header.command_status == CommandStatus::invalid_bind_status);
    CHECK(r.header.sequence_number == seq);
    co_await c.send_new<Unbind>();
    {
      auto awaited_7 = co_await c.expect<UnbindResp>();
      CHECK((awaited_7).header.command_status == CommandStatus::invalid_bind_status);
    }
    // enquire_link is answered in every state.
    co_await c.send_new<EnquireLink>();
    {
      auto awaited_8 = co_await c.expect<EnquireLinkResp>();
      CHECK((awaited_8).header.command_status == CommandStatus::ok);
    }

    // A receiver may not submit, query, cancel or replace; nobody may send deliver_sm to us.
    co_await c.bind<BindReceiver>();
    co_await c.send(a_submit());
    {
      auto awaited_9 = co_await c.expect<SubmitSmResp>();
      CHECK((awaited_9).header.command_status == CommandStatus::invalid_bind_status);
    }
    QuerySm q;
    q.message_id = "1";
    co_await c.send(q);
    {
      auto awaited_10 = co_await c.expect<QuerySmResp>();
      CHECK((awaited_10).header.command_status == CommandStatus::invalid_bind_status);
    }
    DeliverSm d;
    d.destination = PhoneNumber("1");
    seq = co_await c.send(d);
    auto dr = co_await c.expect<DeliverSmResp>();
    CHECK(dr.header.command_status == CommandStatus::invalid_bind_status);
    CHECK(dr.header.sequence_number == seq);
    // outbind and alert_notification have no response: dropped, the session goes on.
    co_await c.send_new<Outbind>();
    co_await c.send_new<AlertNotification>();
    co_await c.send_new<EnquireLink>();
    {
      auto awaited_11 = co_await c.expect<EnquireLinkResp>();
      CHECK((awaited_11).header.command_status == CommandStatus::ok);
    }
    CHECK(t.server.stats().state_errors == 5);
  });
}

TEST_CASE("malformed PDUs: generic_nack by class, field errors in the matching response") {
  Harness t({}, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();

    SECTION("unknown command_id") {
      co_await c.send_bytes(raw_header(16, 0x00000099, 0, 77));
      auto n = co_await c.expect<GenericNack>();
      CHECK(n.header.command_status == CommandStatus::invalid_command_id);
      CHECK(n.header.sequence_number == 77);
      // Vendor range and an unknown response id too.
      co_await c.send_bytes(raw_header(16, 0x00010200, 0, 78));
      {
        auto awaited_12 = co_await c.expect<GenericNack>();
        CHECK((awaited_12).header.sequence_number == 78);
      }
      co_await c.send_bytes(raw_header(16, 0x80000099, 0, 79));
      {
        auto awaited_13 = co_await c.expect<GenericNack>();
        CHECK((awaited_13).header.command_status == CommandStatus::invalid_command_id);
      }
    }
    SECTION("a body shorter than its mandatory fields") {
      auto bytes = raw_header(20, 0x00000004, 0, 80);
      const std::vector<std::uint8_t> body{'C', 'M', 'T', 0};  // service_type, then nothing
      bytes.insert(bytes.end(), body.begin(), body.end());
      co_await c.send_bytes(bytes);
      auto n = co_await c.expect<GenericNack>();
      CHECK(n.header.command_status == CommandStatus::invalid_command_length);
      CHECK(n.header.sequence_number == 80);
    }
    SECTION("a header-only PDU with a body") {
      auto bytes = raw_header(20, 0x00000015, 0, 81);
      const std::vector<std::uint8_t> body{1, 2, 3, 4};
      bytes.insert(bytes.end(), body.begin(), body.end());
      co_await c.send_bytes(bytes);
      auto n = co_await c.expect<GenericNack>();
      CHECK(n.header.command_status == CommandStatus::invalid_command_length);
      CHECK(n.header.sequence_number == 81);
    }
    SECTION("a bad field gets the request's response with the field's status") {
      SubmitSm s = a_submit();
      std::vector<std::uint8_t> bytes;
      encode(s, bytes).value();
      // priority_flag is the 11th octet after the three addresses; find it by re-encoding.
      const std::size_t priority_at = 16 + 1 + 2 + 6 + 2 + 13 + 1 + 1;
      REQUIRE(bytes[priority_at] == 0);
      bytes[priority_at] = 9;
      bytes[15] = 82;
      co_await c.send_bytes(bytes);
      auto r = co_await c.expect<SubmitSmResp>();
      CHECK(r.header.command_status == CommandStatus::invalid_priority_flag);
      CHECK(r.header.sequence_number == 82);
    }
    SECTION("a response nobody asked for is ignored") {
      DeliverSmResp stray;
      co_await c.send(stray, 999);
      // message_id without its NUL: undecodable, and a response is never answered.
      auto bad = raw_header(17, 0x80000005, 0, 998);
      bad.push_back('x');
      co_await c.send_bytes(bad);
    }
    // The session still works afterwards.
    auto seq = co_await c.send(a_submit());
    auto ok = co_await c.expect<SubmitSmResp>();
    CHECK(ok.header.command_status == CommandStatus::ok);
    CHECK(ok.header.sequence_number == seq);
    CHECK(ok.message_id == "id" + std::to_string(seq));
  });
}

TEST_CASE("hostile lengths close that connection only - other sessions keep being served") {
  ServerConfig cfg;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient good(t.io.get_executor());
    co_await good.connect(t.at);
    co_await good.bind();

    const std::vector<std::uint32_t> lengths{0x80000000U, 0xFFFFFFFFU, 8U, 0U};
    for (std::uint32_t length : lengths) {
      RawClient bad(t.io.get_executor());
      co_await bad.connect(t.at);
      co_await bad.bind();
      // A 2 GB announced length: answered and closed without waiting for (or buffering) the body.
      co_await bad.send_bytes(raw_header(length, 0x00000004, 0, 55));
      auto r = co_await bad.read();
      REQUIRE(r.pdu);
      REQUIRE(std::holds_alternative<GenericNack>(*r.pdu));
      CHECK(header_of(*r.pdu).command_status == CommandStatus::invalid_command_length);
      // Above the limit the rest of the header is still read for its sequence_number; below 16
      // nothing after command_length belongs to the header (§1.1), so it is 0.
      CHECK(header_of(*r.pdu).sequence_number == (length >= 16 ? 55U : 0U));
      {
        auto awaited_14 = co_await bad.closed();
        CHECK(awaited_14);
      }

      auto seq = co_await good.send(a_submit());
      auto ok = co_await good.expect<SubmitSmResp>();
      CHECK(ok.header.command_status == CommandStatus::ok);
      CHECK(ok.header.sequence_number == seq);
    }
    // Garbage that is not even a whole header, then a close from the client side.
    {
      RawClient bad(t.io.get_executor());
      co_await bad.connect(t.at);
      std::vector<std::uint8_t> partial(3, 0);
      co_await bad.send_bytes(partial);
      bad.socket().close();
    }
    co_await pause(50ms);
    CHECK(t.server.session_count() == 1);
    CHECK(t.server.stats().generic_nacks_sent == 4);
  });
}

TEST_CASE("enquire_link both ways - an unanswered one closes the session") {
  ServerConfig cfg;
  cfg.enquire_link_interval = 100ms;
  cfg.response_timeout = 200ms;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    auto seq = co_await c.send_new<EnquireLink>();
    auto resp = co_await c.expect<EnquireLinkResp>();
    CHECK(resp.header.sequence_number == seq);
    // Idle: the server asks; answer it, and it asks again later.
    auto ask = co_await c.expect<EnquireLink>(1s);
    CHECK(ask.header.sequence_number >= 1);
    EnquireLinkResp answer;
    co_await c.send(answer, ask.header.sequence_number);
    auto again = co_await c.expect<EnquireLink>(1s);
    CHECK(again.header.sequence_number > ask.header.sequence_number);
    // Do not answer this one: the link counts as dead after response_timeout.
    {
      auto awaited_15 = co_await c.closed(2s);
      CHECK(awaited_15);
    }
  });
}

TEST_CASE("unbind both ways and graceful shutdown") {
  Harness t({}, accepting_handlers());
  std::vector<std::error_code> reasons;
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    auto seq = co_await c.send_new<Unbind>();
    auto r = co_await c.expect<UnbindResp>();
    CHECK(r.header.sequence_number == seq);
    CHECK(r.header.command_status == CommandStatus::ok);
    {
      auto awaited_16 = co_await c.closed();
      CHECK(awaited_16);
    }

    RawClient d(t.io.get_executor());
    co_await d.connect(t.at);
    co_await d.bind();
    RawClient idle(t.io.get_executor());  // never binds: closed at shutdown
    co_await idle.connect(t.at);
    co_await pause(20ms);
    t.server.stop();
    auto u = co_await d.expect<Unbind>();
    UnbindResp answer;
    co_await d.send(answer, u.header.sequence_number);
    {
      auto awaited_17 = co_await d.closed();
      CHECK(awaited_17);
    }
    {
      auto awaited_18 = co_await idle.closed();
      CHECK(awaited_18);
    }
    // Refused after stop.
    RawClient late(t.io.get_executor());
    auto [ec] = co_await late.socket().async_connect(t.at, aiosmpp::detail::use_nothrow_awaitable);
    CHECK(ec);
  });
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (!t.done && std::chrono::steady_clock::now() < until)
    t.io.run_one_for(50ms);
  CHECK(t.done);
  CHECK(t.server.session_count() == 0);
}

TEST_CASE("graceful shutdown closes a session that does not answer unbind") {
  ServerConfig cfg;
  cfg.unbind_timeout = 150ms;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    const auto start = std::chrono::steady_clock::now();
    t.server.stop();
    co_await c.expect<Unbind>();
    {
      auto awaited_19 = co_await c.closed(2s);
      CHECK(awaited_19);
    }
    CHECK(std::chrono::steady_clock::now() - start >= 140ms);
  });
}

TEST_CASE("outbind: the server connects, sends outbind, and the ESME binds as receiver") {
  ServerConfig cfg;
  cfg.system_id = "smsc1";
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    asio::ip::tcp::acceptor esme(t.io, any_port);
    OutbindRequest request{esme.local_endpoint(), "", "opw"};
    auto session = co_await t.server.outbind(request);
    REQUIRE(session);
    CHECK(session->state() == SessionState::outbound);
    RawClient c(t.io.get_executor());
    c.socket() = co_await esme.async_accept(asio::use_awaitable);
    c.socket().set_option(asio::ip::tcp::no_delay(true));
    auto ob = co_await c.expect<Outbind>();
    CHECK(ob.system_id == "smsc1");
    CHECK(ob.password == "opw");
    // In outbound only bind_receiver / bind_transceiver are allowed.
    BindTransmitter tx;
    co_await c.send(tx);
    {
      auto awaited_20 = co_await c.expect<BindTransmitterResp>();
      CHECK((awaited_20).header.command_status == CommandStatus::invalid_bind_status);
    }
    co_await c.bind<BindReceiver>();
    CHECK(session->state() == SessionState::bound_rx);
    DeliverSm d;
    d.destination = PhoneNumber("1");
    d.short_message = "pushed";
    std::error_code outcome = errc::cancelled;
    CHECK_FALSE(session->send(d, [&](std::error_code ec, const PduView*) { outcome = ec; }));
    auto got = co_await c.expect<DeliverSm>();
    CHECK(got.short_message == "pushed");
    DeliverSmResp ack;
    co_await c.send(ack, got.header.sequence_number);
    co_await pause(20ms);
    CHECK_FALSE(outcome);
  });
}

TEST_CASE("session_init_timeout closes a connection that never binds") {
  ServerConfig cfg;
  cfg.session_init_timeout = 100ms;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    {
      auto awaited_21 = co_await c.closed(2s);
      CHECK(awaited_21);
    }
  });
}

TEST_CASE("handlers: missing ones answer with the failure status - deferred answers - a throw") {
  Handlers h;
  std::shared_ptr<Session> deferred_session;
  std::uint32_t deferred_seq = 0;
  h.data_sm = [&](Session& s, const DataSmView&, DataSmResp& resp) {
    deferred_session = s.shared_from_this();
    deferred_seq = resp.header.sequence_number;
    return Reply::later;
  };
  h.query_sm = [](Session&, const QuerySmView&, QuerySmResp&) -> Reply {
    throw std::runtime_error("handler bug");
  };
  std::error_code closed_with;
  h.on_closed = [&](Session&, std::error_code ec) { closed_with = ec; };
  Harness t({}, h);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    co_await c.send(a_submit());
    {
      auto awaited_22 = co_await c.expect<SubmitSmResp>();
      CHECK((awaited_22).header.command_status == CommandStatus::submit_failed);
    }
    CancelSm cancel;
    cancel.message_id = "1";
    co_await c.send(cancel);
    {
      auto awaited_23 = co_await c.expect<CancelSmResp>();
      CHECK((awaited_23).header.command_status == CommandStatus::cancel_failed);
    }
    ReplaceSm replace;
    replace.message_id = "1";
    co_await c.send(replace);
    {
      auto awaited_24 = co_await c.expect<ReplaceSmResp>();
      CHECK((awaited_24).header.command_status == CommandStatus::replace_failed);
    }

    DataSm data;
    data.destination = PhoneNumber("1");
    auto seq = co_await c.send(data);
    auto early = co_await c.read(100ms);
    CHECK(early.timeout);
    REQUIRE(deferred_session);
    CHECK(deferred_session->pending_requests() == 1);
    DataSmResp resp;
    resp.header = {CommandStatus::ok, deferred_seq};
    resp.message_id = "later-1";
    CHECK_FALSE(deferred_session->respond(Pdu{resp}));
    auto got = co_await c.expect<DataSmResp>();
    CHECK(got.header.sequence_number == seq);
    CHECK(got.message_id == "later-1");
    CHECK(deferred_session->pending_requests() == 0);
    // An invalid response is the caller's bug: it throws, nothing is sent.
    resp.message_id = std::string(70, 'x');
    CHECK_THROWS_AS(deferred_session->respond(Pdu{resp}), SmppError);

    QuerySm q;
    q.message_id = "1";
    co_await c.send(q);
    {
      auto awaited_25 = co_await c.closed();
      CHECK(awaited_25);
    }
    co_await pause(20ms);  // on_closed runs once the session's coroutines have wound down
  });
  CHECK(closed_with == errc::stopped);
  CHECK_FALSE(deferred_session->respond(Pdu{DataSmResp{}}) == std::error_code{});
  deferred_session.reset();  // a Session, like any Asio object, must go before its io_context
}

TEST_CASE("the server's window: deliver_sm beyond it waits in the backlog, in order") {
  ServerConfig cfg;
  cfg.window = 2;
  cfg.response_timeout = 300ms;
  Harness t(cfg, accepting_handlers());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind<BindTransmitter>();
    auto s = t.server.sessions().at(0);
    DeliverSm d;
    d.destination = PhoneNumber("1");
    CHECK(s->send(d, {}) == errc::not_bound);  // a transmitter cannot receive
    CHECK_FALSE(s->send(DataSm{}, {}));        // data_sm may go to any bound ESME
    auto ds = co_await c.expect<DataSm>();
    DataSmResp dsr;
    co_await c.send(dsr, ds.header.sequence_number);

    RawClient r(t.io.get_executor());
    co_await r.connect(t.at);
    co_await r.bind<BindReceiver>();
    auto rx = t.server.sessions().at(0)->can_receive() ? t.server.sessions().at(0)
                                                       : t.server.sessions().at(1);
    std::vector<std::string> outcomes;
    for (int i = 0; i < 5; ++i) {
      d.short_message = "m" + std::to_string(i);
      CHECK_FALSE(rx->send(d, [&outcomes, i](std::error_code ec, const PduView*) {
        outcomes.push_back(std::to_string(i) + ":" + (ec ? ec.message() : "ok"));
      }));
    }
    CHECK(rx->in_flight() == 2);
    CHECK(rx->backlog() == 3);
    for (int i = 0; i < 4; ++i) {
      auto got = co_await r.expect<DeliverSm>();
      CHECK(got.short_message == "m" + std::to_string(i));
      DeliverSmResp ack;
      ack.header.command_status =
          i == 1 ? CommandStatus::receiver_temporary_error : CommandStatus::ok;
      co_await r.send(ack, got.header.sequence_number);
    }
    // The fifth is never answered: it times out.
    auto last = co_await r.expect<DeliverSm>();
    CHECK(last.short_message == "m4");
    co_await pause(600ms);
    REQUIRE(outcomes.size() == 5);
    CHECK(outcomes[0] == "0:ok");
    CHECK(outcomes[1].rfind("1:", 0) == 0);
    CHECK(outcomes[1] != "1:ok");
    CHECK(outcomes[2] == "2:ok");
    CHECK(outcomes[4] == "4:" + make_error_code(errc::response_timeout).message());
    CHECK(rx->in_flight() == 0);
  });
}
