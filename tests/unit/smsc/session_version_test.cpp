// SMPP 5.0 in the server session, over the in-memory transport (no socket): the version a session
// speaks, sc_interface_version in the bind response, and congestion_state only to 5.0 sessions.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/smsc/server.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "memory_session_support.hpp"
#include "support/catch.hpp"
#include "support/memory_transport.hpp"
#include "support/run_coro.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using aiosmpp::test::memory_transport_pair;
using aiosmpp::test::run_coro;

namespace {

struct Exchange {
  std::vector<Pdu> got;  // bind_resp, submit_sm_resp, unbind_resp
  InterfaceVersion session_version = InterfaceVersion::smpp_3_3;
};

// An ESME binding with `esme` to a server speaking `server_version` sends one submit_sm; the
// handler sets the session's congestion_state and, with `own`, puts its own in the response.
Exchange run(InterfaceVersion esme, InterfaceVersion server_version,
             std::optional<std::uint8_t> own) {
  asio::io_context io;
  Exchange x;
  smsc::Handlers h;
  h.submit_sm = [&](smsc::Session& s, const SubmitSmView&, SubmitSmResp& resp) {
    x.session_version = s.interface_version();
    s.set_congestion_state(95);
    resp.message_id = "m1";
    if (own) resp.tlvs.set<tlv::CongestionState>(*own);
    return smsc::Reply::now;
  };
  smsc::ServerConfig config;
  config.interface_version = server_version;
  smsc::Server server(io.get_executor(), config, h);
  bool server_done = false;
  asio::co_spawn(io, server.run(), [&](std::exception_ptr) { server_done = true; });
  auto [client, theirs] = memory_transport_pair(io.get_executor());
  auto session = server.serve(std::move(theirs));
  REQUIRE(session);
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        const auto script = test::bind_submit_unbind(esme);
        co_await client->write(script);
        x.got = co_await test::read_until_closed(*client);
      }(),
      5s);
  session.reset();
  test::stop_server(io, server, server_done);
  return x;
}

}  // namespace

TEST_CASE("server session: sc_interface_version is the server's, the session speaks the lower",
          "[smsc][v50]") {
  using V = InterfaceVersion;
  struct Case {
    V esme, server, expected;
  };
  for (const auto c :
       {Case{V::smpp_3_4, V::smpp_3_4, V::smpp_3_4}, Case{V::smpp_5_0, V::smpp_3_4, V::smpp_3_4},
        Case{V::smpp_3_4, V::smpp_5_0, V::smpp_3_4}, Case{V::smpp_5_0, V::smpp_5_0, V::smpp_5_0}}) {
    const auto x = run(c.esme, c.server, std::nullopt);
    REQUIRE(x.got.size() == 3);
    const auto& bind_resp = std::get<BindTransceiverResp>(x.got[0]);
    CHECK(bind_resp.tlvs.get<tlv::ScInterfaceVersion>() == static_cast<std::uint8_t>(c.server));
    CHECK(x.session_version == c.expected);
    const auto& resp = std::get<SubmitSmResp>(x.got[1]);
    if (c.expected == V::smpp_5_0) {
      CHECK(resp.tlvs.get<tlv::CongestionState>() == 95);
    } else {
      CHECK_FALSE(resp.tlvs.contains<tlv::CongestionState>());  // never to a 3.4 session
    }
  }
}

TEST_CASE("server session: a handler's own congestion_state wins on 5.0, is dropped on 3.4",
          "[smsc][v50]") {
  const auto v50 = run(InterfaceVersion::smpp_5_0, InterfaceVersion::smpp_5_0, 42);
  REQUIRE(v50.got.size() == 3);
  const auto& resp50 = std::get<SubmitSmResp>(v50.got[1]);
  CHECK(resp50.tlvs.get<tlv::CongestionState>() == 42);
  CHECK(resp50.tlvs.size() == 1);
  CHECK(resp50.message_id == "m1");

  const auto v34 = run(InterfaceVersion::smpp_3_4, InterfaceVersion::smpp_5_0, 42);
  REQUIRE(v34.got.size() == 3);
  const auto& resp34 = std::get<SubmitSmResp>(v34.got[1]);
  CHECK(resp34.tlvs.empty());
  CHECK(resp34.message_id == "m1");
}

TEST_CASE("server: interface_version other than 3.4 and 5.0 is refused", "[smsc][v50]") {
  asio::io_context io;
  smsc::ServerConfig config;
  config.interface_version = InterfaceVersion::smpp_3_3;
  CHECK_THROWS_AS(smsc::Server(io.get_executor(), config, {}), std::invalid_argument);
}

TEST_CASE("simulator: --interface-version and --congestion", "[smsc][v50][sim]") {
  smsc::SimConfig c;
  CHECK(c.interface_version == InterfaceVersion::smpp_3_4);  // unchanged for existing clients
  smsc::apply_sim_option(c, "interface-version", "5.0");
  CHECK(c.interface_version == InterfaceVersion::smpp_5_0);
  smsc::apply_sim_option(c, "interface-version", "0x34");
  CHECK(c.interface_version == InterfaceVersion::smpp_3_4);
  CHECK_THROWS_WITH(smsc::apply_sim_option(c, "interface-version", "4.0"),
                    Catch::Contains("interface-version") && Catch::Contains("3.4 or 5.0"));
  smsc::apply_sim_option(c, "congestion", "250");
  CHECK(c.congestion_capacity == 250);
}

TEST_CASE("simulator: LoadMeter counts the last second in 100 ms buckets", "[smsc][v50][sim]") {
  smsc::LoadMeter m;
  smsc::LoadMeter::Clock::time_point t{};
  for (int i = 0; i < 10; ++i)
    m.add(t + std::chrono::milliseconds(i * 10));  // 10 in the first bucket
  CHECK(m.add(t + 500ms) == 11);
  CHECK(m.add(t + 1050ms) == 2);  // the first bucket has left the window
  CHECK(m.add(t + 1200ms) == 3);  // the 500 ms one is still in it
  CHECK(m.add(t + 1600ms) == 3);  // now it has left
  CHECK(m.add(t + 10s) == 1);     // a long silence empties it
}

namespace {

// bind_transceiver with `version`, then broadcast_sm, query_broadcast_sm, cancel_broadcast_sm
// and unbind (sequence numbers 1-5); every octet the server writes until it closes.
std::vector<std::uint8_t> broadcast_exchange(InterfaceVersion version, smsc::Handlers h) {
  asio::io_context io;
  smsc::ServerConfig config;
  config.interface_version = InterfaceVersion::smpp_5_0;
  smsc::Server server(io.get_executor(), config, std::move(h));
  bool server_done = false;
  asio::co_spawn(io, server.run(), [&](std::exception_ptr) { server_done = true; });
  auto [client, theirs] = memory_transport_pair(io.get_executor());
  auto session = server.serve(std::move(theirs));
  REQUIRE(session);
  std::vector<std::uint8_t> script;
  BindTransceiver bind;
  bind.system_id = "esme";
  bind.interface_version = version;
  bind.header.sequence_number = 1;
  encode(bind, script).value();
  BroadcastSm b;
  b.header.sequence_number = 2;
  encode(b, script).value();
  QueryBroadcastSm q;
  q.message_id = "7";
  q.header.sequence_number = 3;
  encode(q, script).value();
  CancelBroadcastSm c;
  c.message_id = "7";
  c.header.sequence_number = 4;
  encode(c, script).value();
  Unbind unbind;
  unbind.header.sequence_number = 5;
  encode(unbind, script).value();
  std::vector<std::uint8_t> got;
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        co_await client->write(script);
        std::vector<std::uint8_t> buf(4096);
        for (;;) {
          auto [ec, n] = co_await client->read_some(buf);
          if (ec) break;
          got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        }
      }(),
      5s);
  session.reset();
  test::stop_server(io, server, server_done);
  return got;
}

// The octets after the bind response (whose length depends on system_id and TLVs).
std::vector<std::uint8_t> after_bind_resp(const std::vector<std::uint8_t>& got) {
  REQUIRE(got.size() >= 16);
  const std::size_t len = (std::size_t{got[2]} << 8) | got[3];
  return {got.begin() + static_cast<long>(len), got.end()};
}

}  // namespace

TEST_CASE("server session: the broadcast operations without handlers get their failure statuses",
          "[smsc][v50][broadcast]") {
  // Golden: header-only responses, ESME_RBCASTFAIL (0x10D), ESME_RBCASTQUERYFAIL (0x10E),
  // ESME_RBCASTCANCELFAIL (0x10F), then unbind_resp.
  const auto got = after_bind_resp(broadcast_exchange(InterfaceVersion::smpp_5_0, {}));
  CHECK(got == test::from_hex("00000010 80000111 0000010D 00000002"
                              "00000010 80000112 0000010E 00000003"
                              "00000010 80000113 0000010F 00000004"
                              "00000010 80000006 00000000 00000005"));
}

TEST_CASE("server session: broadcast handlers answer on a 5.0 session, never on a 3.4 one",
          "[smsc][v50][broadcast]") {
  int calls = 0;
  smsc::Handlers h;
  h.broadcast_sm = [&](smsc::Session&, const BroadcastSmView&, BroadcastSmResp& resp) {
    ++calls;
    resp.message_id = "7";
    return smsc::Reply::now;
  };
  h.query_broadcast_sm = [&](smsc::Session&, const QueryBroadcastSmView& q,
                             QueryBroadcastSmResp& resp) {
    ++calls;
    resp.message_id = std::string(q.message_id);
    resp.tlvs.set<tlv::MessageState>(static_cast<std::uint8_t>(MessageState::enroute));
    return smsc::Reply::now;
  };
  h.cancel_broadcast_sm = [&](smsc::Session&, const CancelBroadcastSmView& c,
                              CancelBroadcastSmResp&) {
    ++calls;
    CHECK(c.message_id == "7");
    return smsc::Reply::now;
  };
  SECTION("5.0: each handler answers (golden bytes)") {
    const auto got = after_bind_resp(broadcast_exchange(InterfaceVersion::smpp_5_0, h));
    CHECK(calls == 3);
    CHECK(got == test::from_hex("00000012 80000111 00000000 00000002 3700"
                                "00000017 80000112 00000000 00000003 3700 0427000101"
                                "00000010 80000113 00000000 00000004"
                                "00000010 80000006 00000000 00000005"));
  }
  SECTION("3.4: generic_nack ESME_RINVCMDID, no handler called (golden bytes)") {
    const auto got = after_bind_resp(broadcast_exchange(InterfaceVersion::smpp_3_4, h));
    CHECK(calls == 0);
    CHECK(got == test::from_hex("00000010 80000000 00000003 00000002"
                                "00000010 80000000 00000003 00000003"
                                "00000010 80000000 00000003 00000004"
                                "00000010 80000006 00000000 00000005"));
  }
}

TEST_CASE("simulator: --max-broadcasts and --max-broadcast-areas", "[smsc][v50][sim]") {
  smsc::SimConfig c;
  CHECK(c.max_broadcasts == 10000);
  CHECK(c.max_broadcast_areas == 16);
  smsc::apply_sim_option(c, "max-broadcasts", "5");
  smsc::apply_sim_option(c, "max_broadcast_areas", "2");
  CHECK(c.max_broadcasts == 5);
  CHECK(c.max_broadcast_areas == 2);
  CHECK_THROWS_WITH(smsc::apply_sim_option(c, "max-broadcasts", "0"),
                    Catch::Contains("max-broadcasts") && Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(smsc::apply_sim_option(c, "max-broadcast-areas", "x"),
                    Catch::Contains("max-broadcast-areas"));
}
