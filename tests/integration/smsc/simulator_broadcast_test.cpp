// SMPP 5.0 broadcasts against the simulator over loopback (docs/smpp-5.0.md): broadcast_sm gets
// a message_id, query_broadcast_sm reports its message_state, areas and broadcast_area_success,
// cancel_broadcast_sm cancels; the store's and the areas' bounds; a 3.4 session is refused.

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "aiosmpp/smsc/simulator.hpp"
#include "smsc/raw_client.hpp"
#include "smsc/sim_harness.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using namespace aiosmpp::test;

namespace {

SimConfig v50_config() {
  SimConfig c = base_config();
  c.interface_version = InterfaceVersion::smpp_5_0;
  c.receipt_delay = {1h, 1h};  // a broadcast stays under way for the whole test
  return c;
}

asio::awaitable<void> bind_as(RawClient& c, InterfaceVersion version) {
  BindTransceiver b;
  b.system_id = "esme";
  b.password = "pw";
  b.interface_version = version;
  co_await c.send(b);
  auto r = co_await c.expect<BindTransceiverResp>();
  if (r.header.command_status != CommandStatus::ok) throw std::runtime_error("bind failed");
}

// A broadcast_sm with the TLVs 5.0 makes mandatory, to `areas` areas ("A0", "A1", ...).
BroadcastSm broadcast(int areas = 1) {
  BroadcastSm b;
  b.source = PhoneNumber("12345");
  for (int i = 0; i < areas; ++i) {
    const std::uint8_t area[] = {0x00, 'A', static_cast<std::uint8_t>('0' + i)};
    b.tlvs.add(tlv::BroadcastAreaIdentifier::tag, area);
  }
  const std::uint8_t content_type[] = {0x01, 0x00, 0x01};
  REQUIRE(b.tlvs.set<tlv::BroadcastContentType>(content_type));
  b.tlvs.set<tlv::BroadcastRepNum>(3);
  const std::uint8_t interval[] = {0x09, 0x00, 0x05};
  REQUIRE(b.tlvs.set<tlv::BroadcastFrequencyInterval>(interval));
  const std::uint8_t payload[] = {'h', 'i'};
  REQUIRE(b.tlvs.set<tlv::MessagePayload>(payload));
  return b;
}

QueryBroadcastSm query(const std::string& id) {
  QueryBroadcastSm q;
  q.message_id = id;
  q.source = PhoneNumber("12345");
  return q;
}

CancelBroadcastSm cancel(const std::string& id) {
  CancelBroadcastSm c;
  c.message_id = id;
  c.source = PhoneNumber("12345");
  return c;
}

std::vector<std::string> areas_of(const QueryBroadcastSmResp& r) {
  std::vector<std::string> out;
  for (const auto& t : r.tlvs) {
    if (t.tag == tlv::BroadcastAreaIdentifier::tag)
      out.emplace_back(t.value.begin(), t.value.end());
  }
  return out;
}

}  // namespace

TEST_CASE("sim v50: a broadcast gets a message_id, is queried under way, cancelled, deleted",
          "[sim][v50][broadcast]") {
  SimHarness t(v50_config());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await bind_as(c, InterfaceVersion::smpp_5_0);
    co_await c.send(submit());
    const auto submitted = (co_await c.expect<SubmitSmResp>()).message_id;
    co_await c.send(broadcast(2));
    const auto b = co_await c.expect<BroadcastSmResp>();
    REQUIRE(b.header.command_status == CommandStatus::ok);
    CHECK_FALSE(b.message_id.empty());
    CHECK(b.message_id != submitted);  // one id space for both

    co_await c.send(query(b.message_id));
    auto q = co_await c.expect<QueryBroadcastSmResp>();
    REQUIRE(q.header.command_status == CommandStatus::ok);
    CHECK(q.message_id == b.message_id);
    CHECK(q.tlvs.get<tlv::MessageState>() == static_cast<std::uint8_t>(MessageState::enroute));
    CHECK(q.tlvs.get<tlv::BroadcastAreaSuccess>() == 0);
    CHECK(areas_of(q) == std::vector<std::string>{std::string("\0A0", 3), std::string("\0A1", 3)});

    co_await c.send(cancel(b.message_id));
    {
      const auto status = (co_await c.expect<CancelBroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::ok);
    }
    co_await c.send(cancel(b.message_id));
    {
      const auto status = (co_await c.expect<CancelBroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::broadcast_cancel_failed);
    }
    co_await c.send(query(b.message_id));
    q = co_await c.expect<QueryBroadcastSmResp>();
    CHECK(q.tlvs.get<tlv::MessageState>() == static_cast<std::uint8_t>(MessageState::deleted));
    CHECK(q.tlvs.get<tlv::BroadcastAreaSuccess>() == 0);

    // A submit_sm's id is not a broadcast's, and an unknown id is refused.
    for (const auto& id : {submitted, std::string("999999")}) {
      co_await c.send(query(id));
      {
        const auto status = (co_await c.expect<QueryBroadcastSmResp>()).header.command_status;
        CHECK(status == CommandStatus::broadcast_query_failed);
      }
      co_await c.send(cancel(id));
      {
        const auto status = (co_await c.expect<CancelBroadcastSmResp>()).header.command_status;
        CHECK(status == CommandStatus::broadcast_cancel_failed);
      }
    }
  });
  CHECK(t.sim.stats().broadcasts == 1);
  CHECK(t.sim.stats().broadcast_errors == 0);
}

TEST_CASE("sim v50: a broadcast is complete after the receipt delay and then cannot be cancelled",
          "[sim][v50][broadcast]") {
  auto cfg = v50_config();
  cfg.receipt_delay = {0ms, 0ms};
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await bind_as(c, InterfaceVersion::smpp_5_0);
    co_await c.send(broadcast());
    const auto id = (co_await c.expect<BroadcastSmResp>()).message_id;
    co_await c.send(query(id));
    const auto q = co_await c.expect<QueryBroadcastSmResp>();
    CHECK(q.tlvs.get<tlv::MessageState>() == static_cast<std::uint8_t>(MessageState::delivered));
    CHECK(q.tlvs.get<tlv::BroadcastAreaSuccess>() == 100);
    CHECK(areas_of(q).size() == 1);
    co_await c.send(cancel(id));
    {
      const auto status = (co_await c.expect<CancelBroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::broadcast_cancel_failed);
    }
  });
}

TEST_CASE("sim v50: the broadcast store and the areas per broadcast are bounded",
          "[sim][v50][broadcast][limits]") {
  auto cfg = v50_config();
  smsc::apply_sim_option(cfg, "max-broadcasts", "2");
  smsc::apply_sim_option(cfg, "max-broadcast-areas", "3");
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await bind_as(c, InterfaceVersion::smpp_5_0);
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      co_await c.send(broadcast(3));
      const auto r = co_await c.expect<BroadcastSmResp>();
      REQUIRE(r.header.command_status == CommandStatus::ok);
      ids.push_back(r.message_id);
    }
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 3);
    // Two are kept: the oldest is forgotten.
    co_await c.send(query(ids[0]));
    {
      const auto status = (co_await c.expect<QueryBroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::broadcast_query_failed);
    }
    for (const auto& id : {ids[1], ids[2]}) {
      co_await c.send(query(id));
      {
        const auto status = (co_await c.expect<QueryBroadcastSmResp>()).header.command_status;
        CHECK(status == CommandStatus::ok);
      }
    }
    co_await c.send(broadcast(4));
    {
      const auto status = (co_await c.expect<BroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::invalid_number_of_areas);
    }
    BroadcastSm no_areas = broadcast(0);
    co_await c.send(no_areas);
    {
      const auto status = (co_await c.expect<BroadcastSmResp>()).header.command_status;
      CHECK(status == CommandStatus::missing_optional_param);
    }
  });
  CHECK(t.sim.stats().broadcasts == 3);
  CHECK(t.sim.stats().broadcast_errors == 2);
  CHECK_THROWS_WITH(smsc::apply_sim_option(cfg, "max-broadcasts", "0"),
                    Catch::Contains("max-broadcasts"));
  CHECK_THROWS_WITH(smsc::apply_sim_option(cfg, "max-broadcast-areas", "1001"),
                    Catch::Contains("max-broadcast-areas"));
}

TEST_CASE("sim v50: a 3.4 session's broadcast_sm gets generic_nack ESME_RINVCMDID",
          "[sim][v50][broadcast]") {
  SimHarness t(v50_config());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await bind_as(c, InterfaceVersion::smpp_3_4);
    const auto seq = co_await c.send(broadcast());
    const auto nack = co_await c.expect<GenericNack>();
    CHECK(nack.header.command_status == CommandStatus::invalid_command_id);
    CHECK(nack.header.sequence_number == seq);
    co_await c.send(query("1"));
    {
      const auto status = (co_await c.expect<GenericNack>()).header.command_status;
      CHECK(status == CommandStatus::invalid_command_id);
    }
    co_await c.send(submit());  // the session goes on
    {
      const auto status = (co_await c.expect<SubmitSmResp>()).header.command_status;
      CHECK(status == CommandStatus::ok);
    }
  });
  CHECK(t.sim.stats().broadcasts == 0);
}

TEST_CASE("sim v50: with --congestion, broadcast_sm counts as load and its response carries it",
          "[sim][v50][broadcast][congestion]") {
  auto cfg = v50_config();
  cfg.congestion_capacity = 4;  // four requests in a second: 100
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await bind_as(c, InterfaceVersion::smpp_5_0);
    std::vector<std::uint8_t> seen;
    for (int i = 0; i < 4; ++i) {
      co_await c.send(broadcast());
      const auto r = co_await c.expect<BroadcastSmResp>();
      REQUIRE(r.tlvs.get<tlv::CongestionState>());
      seen.push_back(*r.tlvs.get<tlv::CongestionState>());
    }
    // The first is one request of four: 25. The others count it too while it is in the last
    // second, so they never read less (how many are in it depends on the machine's speed).
    CHECK(seen.front() == 25);
    for (std::size_t i = 1; i < seen.size(); ++i) {
      CHECK(seen[i] >= 25);
      CHECK(seen[i] <= 100);
    }
  });
}
