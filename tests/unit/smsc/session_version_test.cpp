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
