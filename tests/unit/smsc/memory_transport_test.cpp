// The in-memory transport pair (tests/support/memory_transport.hpp) and a server session running
// over it, with no socket: what the fuzz target and socket-free session tests build on.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "memory_session_support.hpp"
#include "support/catch.hpp"
#include "support/memory_transport.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using aiosmpp::test::memory_transport_pair;
using aiosmpp::test::MemoryTransport;
using aiosmpp::test::pause;
using aiosmpp::test::run_coro;

namespace {

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t first = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(first + i);
  return v;
}

}  // namespace

TEST_CASE("memory transport: bytes in order, bounded, EOF after shutdown, abort after close") {
  asio::io_context io;
  auto [a, b] = memory_transport_pair(io.get_executor(), 8);
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        // 20 octets through an 8-octet pipe: the write completes only as the reader drains it.
        bool written = false;
        const auto data = bytes_of(20, 1);
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
              auto [ec, n] = co_await a->write(data);
              CHECK_FALSE(ec);
              CHECK(n == 20);
              written = true;
            },
            [](std::exception_ptr e) {
              if (e) std::rethrow_exception(e);
            });
        co_await pause(5ms);
        CHECK_FALSE(written);  // blocked: nobody read yet
        CHECK(a->unread_by_peer() == 8);
        std::vector<std::uint8_t> got;
        std::uint8_t buf[6];
        while (got.size() < 20) {
          auto [ec, n] = co_await b->read_some(buf);
          REQUIRE_FALSE(ec);
          got.insert(got.end(), buf, buf + n);
        }
        CHECK(got == data);
        co_await pause(1ms);
        CHECK(written);

        // Orderly end: the reader gets what was written, then connection_closed.
        const auto tail = bytes_of(3, 7);
        auto [wec, wn] = co_await a->write(tail);
        CHECK_FALSE(wec);
        co_await a->shutdown();
        auto [ec1, n1] = co_await b->read_some(buf);
        CHECK_FALSE(ec1);
        CHECK(n1 == 3);
        auto [ec2, n2] = co_await b->read_some(buf);
        CHECK(ec2 == make_error_code(errc::connection_closed));
        CHECK(n2 == 0);

        // b closes: its writes abort, a's writes fail as a broken pipe.
        b->close();
        CHECK_FALSE(b->is_open());
        auto [ec3, n3] = co_await b->write(tail);
        CHECK(ec3 == asio::error::operation_aborted);
        auto [ec4, n4] = co_await a->read_some(buf);
        CHECK(ec4 == make_error_code(errc::connection_closed));
        (void)n3;
        (void)n4;
      }(),
      5s);
}

TEST_CASE("memory transport: close() wakes this side's own pending read") {
  asio::io_context io;
  auto [a, b] = memory_transport_pair(io.get_executor());
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        std::error_code result;
        bool done = false;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
              std::uint8_t buf[4];
              auto [ec, n] = co_await a->read_some(buf);
              (void)n;
              result = ec;
              done = true;
            },
            [](std::exception_ptr e) {
              if (e) std::rethrow_exception(e);
            });
        co_await pause(2ms);
        CHECK_FALSE(done);
        a->close();
        co_await pause(1ms);
        CHECK(done);
        CHECK(result == asio::error::operation_aborted);
      }(),
      5s);
}

TEST_CASE("a server session runs over a memory transport: bind, submit_sm, unbind") {
  asio::io_context io;
  smsc::Handlers h;
  h.submit_sm = [](smsc::Session&, const SubmitSmView&, SubmitSmResp& resp) {
    resp.message_id = "m1";
    return smsc::Reply::now;
  };
  smsc::Server server(io.get_executor(), {}, h);
  bool server_done = false;
  asio::co_spawn(io, server.run(), [&](std::exception_ptr e) {
    server_done = true;
    if (e) std::rethrow_exception(e);
  });
  auto [client, theirs] = memory_transport_pair(io.get_executor());
  auto session = server.serve(std::move(theirs));
  REQUIRE(session);
  CHECK(server.session_count() == 1);
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        const auto script = test::bind_submit_unbind();
        co_await client->write(script);
        const auto got = co_await test::read_until_closed(*client);  // closed after unbind_resp
        REQUIRE(got.size() == 3);
        CHECK(std::holds_alternative<BindTransceiverResp>(got[0]));
        REQUIRE(std::holds_alternative<SubmitSmResp>(got[1]));
        CHECK(std::get<SubmitSmResp>(got[1]).message_id == "m1");
        CHECK(std::holds_alternative<UnbindResp>(got[2]));
      }(),
      5s);
  session.reset();
  test::stop_server(io, server, server_done);
  CHECK(server_done);
  CHECK(server.stats().binds_accepted == 1);
}

TEST_CASE("deliver_sm_resp settles its deliver_sm with the view the decoder builds, any form") {
  // The session settles a minimal deliver_sm_resp (17 octets, empty message_id) from its header
  // without the generic decoder; the handler must see what the decoder would have given, and the
  // other forms (a message_id, header only) still go through the decoder.
  asio::io_context io;
  std::vector<std::vector<std::uint8_t>> answers;
  {
    DeliverSmResp ok;  // minimal, ok
    ok.header = {CommandStatus::ok, 1};
    DeliverSmResp throttled;  // minimal, with an error status
    throttled.header = {CommandStatus::throttled, 2};
    DeliverSmResp with_id;  // a message_id: the decoder's path
    with_id.header = {CommandStatus::ok, 3};
    with_id.message_id = "abc";
    DeliverSmResp header_only;  // 3.4's error form: the decoder's path
    header_only.header = {CommandStatus::receiver_temporary_error, 4};
    header_only.has_body = false;
    for (const DeliverSmResp* r : {&ok, &throttled, &with_id, &header_only}) {
      std::vector<std::uint8_t> b;
      encode(*r, b).value();
      answers.push_back(std::move(b));
    }
  }
  REQUIRE(answers[0].size() == 17);
  REQUIRE(answers[1].size() == 17);
  struct Seen {
    std::error_code ec;
    std::optional<DeliverSmResp> resp;
  };
  std::vector<Seen> seen;
  smsc::Handlers h;
  h.on_bound = [&](smsc::Session& s) {
    for (std::size_t i = 0; i < answers.size(); ++i) {
      DeliverSm d;
      d.source = PhoneNumber("1");
      d.destination = PhoneNumber("2");
      const auto ec = s.send(d, [&](std::error_code e, const PduView* r) {
        Seen x{e, {}};
        if (r != nullptr && std::holds_alternative<DeliverSmRespView>(*r)) {
          x.resp = std::get<DeliverSmResp>(to_owning(*r));
        }
        seen.push_back(std::move(x));
      });
      REQUIRE_FALSE(ec);
    }
  };
  smsc::Server server(io.get_executor(), {}, h);
  bool server_done = false;
  asio::co_spawn(io, server.run(), [&](std::exception_ptr e) {
    server_done = true;
    if (e) std::rethrow_exception(e);
  });
  auto [client, theirs] = memory_transport_pair(io.get_executor());
  auto session = server.serve(std::move(theirs));
  REQUIRE(session);
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        BindTransceiver bind;
        bind.system_id = "esme";
        bind.header.sequence_number = 1;
        std::vector<std::uint8_t> out;
        encode(bind, out).value();
        co_await client->write(out);
        // bind_transceiver_resp, then the four deliver_sm (sequence numbers 1-4).
        Framer framer;
        std::size_t delivers = 0;
        while (delivers < answers.size()) {
          auto buf = framer.prepare();
          auto [ec, n] = co_await client->read_some(buf);
          REQUIRE_FALSE(ec);
          framer.commit(n);
          while (auto next = framer.next()) {
            if (next->empty()) break;
            if (std::holds_alternative<DeliverSm>(decode(*next).value())) ++delivers;
          }
        }
        for (const auto& a : answers)
          co_await client->write(a);
        while (seen.size() < answers.size())
          co_await pause(1ms);
      }(),
      5s);
  REQUIRE(seen.size() == 4);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    INFO("answer " << i);
    const auto expected = std::get<DeliverSmResp>(decode(answers[i]).value());
    REQUIRE(seen[i].resp);
    CHECK(seen[i].resp->header == expected.header);
    CHECK(seen[i].resp->has_body == expected.has_body);
    CHECK(seen[i].resp->message_id == expected.message_id);
    CHECK(seen[i].resp->tlvs == expected.tlvs);
  }
  CHECK_FALSE(seen[0].ec);
  CHECK(seen[1].ec == CommandStatus::throttled);
  CHECK_FALSE(seen[2].ec);
  CHECK(seen[3].ec == CommandStatus::receiver_temporary_error);
  session.reset();
  test::stop_server(io, server, server_done);
  CHECK(server_done);
}
