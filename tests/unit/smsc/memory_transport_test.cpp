// The in-memory transport pair (tests/support/memory_transport.hpp) and a server session running
// over it, with no socket: what the fuzz target and socket-free session tests build on.

#include <chrono>
#include <cstdint>
#include <memory>
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
