// SMPP 5.0 in the Esme's SessionMachine, without sockets: the version negotiated at bind, what a
// 3.4 session refuses to send (and how the message ends), and congestion_state reaching flow
// control (docs/smpp-5.0.md).

#include <map>
#include <optional>
#include <string>

#include "aiosmpp/esme/config.hpp"
#include "aiosmpp/esme/flow_control.hpp"
#include "unit/esme/session_machine_support.hpp"

namespace aiosmpp::test {

namespace {

EsmeConfig config_for(InterfaceVersion v) {
  EsmeConfig c = MachineHarness::default_config();
  c.interface_version = v;
  return c;
}

// Binds with `ours`; the SMSC answers with `theirs` as sc_interface_version (none: absent).
std::optional<InterfaceVersion> negotiated(InterfaceVersion ours,
                                           std::optional<std::uint8_t> theirs) {
  MachineHarness h(config_for(ours));
  h.sc_interface_version = theirs;
  h.machine->begin(h.now, HookInterest::all);
  CHECK_FALSE(h.machine->interface_version());  // not before the bind response
  h.machine->end({}, h.events);
  h.bind();
  REQUIRE(h.machine->phase() == Phase::bound);
  return h.machine->interface_version();
}

SubmitSm with_billing(std::string log_id) {
  SubmitSm s = submit(std::move(log_id));
  const std::uint8_t billing[] = {0x01, 'A', 'B'};
  REQUIRE(s.tlvs.set<tlv::BillingIdentification>(billing));
  return s;
}

Pdu resp_with_congestion(std::uint32_t seq, std::uint8_t congestion) {
  SubmitSmResp r;
  r.header = {CommandStatus::ok, seq};
  r.message_id = "m";
  r.tlvs.set<tlv::CongestionState>(congestion);
  return r;
}

}  // namespace

TEST_CASE("version: the bind carries EsmeConfig::interface_version", "[esme][machine][v50]") {
  for (const auto v : {InterfaceVersion::smpp_3_4, InterfaceVersion::smpp_5_0}) {
    MachineHarness h(config_for(v));
    h.machine->begin(h.now, HookInterest::all);
    const auto sent = h.written();
    REQUIRE(sent.size() == 1);
    CHECK(std::get<BindTransceiver>(sent[0]).interface_version == v);
  }
  CHECK(EsmeConfig{}.interface_version == InterfaceVersion::smpp_3_4);  // 5.0 is opt-in
}

TEST_CASE("version: the lower of ours and sc_interface_version, absent counting as 3.4",
          "[esme][machine][v50]") {
  using V = InterfaceVersion;
  CHECK(negotiated(V::smpp_5_0, 0x50) == V::smpp_5_0);
  CHECK(negotiated(V::smpp_5_0, std::nullopt) == V::smpp_3_4);
  CHECK(negotiated(V::smpp_5_0, 0x34) == V::smpp_3_4);
  CHECK(negotiated(V::smpp_3_4, 0x50) == V::smpp_3_4);
  CHECK(negotiated(V::smpp_3_4, std::nullopt) == V::smpp_3_4);
  CHECK(negotiated(V::smpp_5_0, 0x33) == V::smpp_3_3);  // no TLVs at all then
  CHECK(negotiated(V::smpp_5_0, 0x60) == V::smpp_5_0);
}

TEST_CASE("version: interface_version other than 3.4 and 5.0 is refused by validate()",
          "[esme][v50]") {
  EsmeConfig c = MachineHarness::default_config();
  c.interface_version = InterfaceVersion::smpp_3_3;
  try {
    validate(c);
    FAIL("validate() accepted interface_version 0x33");
  } catch (const ConfigError& e) {
    CHECK(e.field() == "interface_version");
    CHECK(std::string(e.what()).find("0x33") != std::string::npos);
  }
}

TEST_CASE(
    "version: a 3.4 session never writes a 5.0 TLV or command, and each such message ends "
    "once, invalid_message naming it",
    "[esme][machine][v50]") {
  MachineHarness h(config_for(InterfaceVersion::smpp_5_0));  // the SMSC announces nothing
  h.bind();
  REQUIRE(h.machine->interface_version() == InterfaceVersion::smpp_3_4);

  SubmitSm long_message = with_billing("long");
  long_message.short_message.clear();
  long_message.text = MessageText{std::string(400, 'a')};
  BroadcastSm broadcast;
  broadcast.tracking.log_id = "broadcast";
  SubmitSm plain = submit("plain");
  plain.tlvs.set<tlv::UserMessageReference>(7);  // a 3.4 TLV: sent
  std::vector<Pdu> messages{Pdu(with_billing("billing")), Pdu(long_message), Pdu(broadcast),
                            Pdu(plain)};
  const auto sent = h.send(std::move(messages));

  REQUIRE(sent.size() == 1);
  CHECK(std::get<SubmitSm>(sent[0]).tlvs.get<tlv::UserMessageReference>() == 7);
  for (const auto& p : sent) {
    for (const auto& t : std::get<SubmitSm>(p).tlvs) {
      const auto* info = tlv::find(t.tag);
      REQUIRE(info != nullptr);
      CHECK(info->since == InterfaceVersion::smpp_3_4);
    }
  }
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 3);  // one each
  std::map<std::string, SendError> by_id;
  for (auto& o : outcomes) {
    CHECK_FALSE(o.response);
    by_id[tracking_of(o.message).log_id] = o.error;
  }
  REQUIRE(by_id.size() == 3);
  for (const auto* id : {"billing", "long"}) {
    CHECK(by_id[id].kind == SendError::Kind::invalid_message);
    CHECK(by_id[id].detail.find("billing_identification") != std::string::npos);
    CHECK(by_id[id].detail.find("3.4") != std::string::npos);
  }
  CHECK(by_id["broadcast"].kind == SendError::Kind::invalid_message);
  CHECK(by_id["broadcast"].code == errc::unknown_command);
  CHECK(by_id["broadcast"].detail.find("broadcast_sm") != std::string::npos);
  CHECK(h.machine->stats().send_errors == 3);
  CHECK(h.machine->in_flight() == 1);
}

TEST_CASE("version: a 5.0 session sends 5.0 TLVs and broadcast_sm", "[esme][machine][v50]") {
  MachineHarness h(config_for(InterfaceVersion::smpp_5_0));
  h.sc_interface_version = 0x50;
  h.bind();
  REQUIRE(h.machine->interface_version() == InterfaceVersion::smpp_5_0);
  BroadcastSm broadcast;
  broadcast.message_id = "b1";
  std::vector<Pdu> messages{Pdu(with_billing("billing")), Pdu(broadcast)};
  const auto sent = h.send(std::move(messages));
  REQUIRE(sent.size() == 2);
  CHECK(std::get<SubmitSm>(sent[0]).tlvs.contains<tlv::BillingIdentification>());
  CHECK(command_id_of(sent[1]) == CommandId::broadcast_sm);
  BroadcastSmResp resp;
  resp.header = {CommandStatus::ok, seq_of(sent[1])};
  resp.message_id = "b1";
  h.feed(resp);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  REQUIRE(outcomes[0].response);
  CHECK(command_id_of(*outcomes[0].response) == CommandId::broadcast_sm_resp);
}

TEST_CASE("version: congestion_state of a 5.0 session's responses reaches flow control",
          "[esme][machine][v50][congestion]") {
  FlowControl flow;
  auto run = [&](std::optional<std::uint8_t> sc, std::uint8_t congestion, HookInterest interest) {
    MachineHarness h(config_for(InterfaceVersion::smpp_5_0), nullptr, &flow);
    h.sc_interface_version = sc;
    h.bind(interest);
    for (int round = 0; round < 3; ++round) {
      const auto sent = h.send(
          pdus({submit("a"), submit("b"), submit("c"), submit("d"), submit("e"), submit("f")}));
      REQUIRE(sent.size() == 6);
      for (const auto& p : sent)
        h.feed(resp_with_congestion(seq_of(p), congestion));
      h.now += 600ms;
    }
    return h.machine->congestion_state();
  };
  SECTION("3.4 session: not read") {
    CHECK_FALSE(run(std::nullopt, 100, HookInterest::all));
    CHECK_FALSE(flow.rate());
    CHECK(flow.stats().congestion_decreases == 0);
  }
  SECTION("5.0 session, general path: the rate goes down without any throttling") {
    CHECK(run(0x50, 95, HookInterest::all) == 95);
    CHECK(flow.rate());
    CHECK(flow.stats().congestion_decreases > 0);
  }
  SECTION("5.0 session, fast path (no hook interest): the same") {
    CHECK(run(0x50, 100, HookInterest::none) == 100);
    CHECK(flow.rate());
    CHECK(flow.stats().congestion_decreases > 0);
  }
  SECTION("5.0 session, below the threshold: nothing") {
    CHECK(run(0x50, 85, HookInterest::all) == 85);
    CHECK_FALSE(flow.rate());
  }
}

TEST_CASE("version: the fast path reads only well-formed responses, malformed ones end unknown",
          "[esme][machine][v50][congestion]") {
  // No hook interest: responses take the fast path, which reads them without a PduView; what
  // decode_view() would refuse must still end its request as outcome_unknown.
  MachineHarness h(config_for(InterfaceVersion::smpp_5_0));
  h.sc_interface_version = 0x50;
  h.bind(HookInterest::none);
  const auto sent = h.send(pdus({submit("a"), submit("b"), submit("c"), submit("d")}));
  REQUIRE(sent.size() == 4);
  auto good = bytes_of(resp_with_congestion(seq_of(sent[0]), 70));
  h.feed_bytes(good);
  CHECK(h.events.empty());
  CHECK(h.machine->congestion_state() == 70);
  CHECK(h.machine->in_flight() == 3);

  auto unterminated = bytes_of(submit_resp(seq_of(sent[1]), "abc"));
  unterminated.back() = 'z';
  auto long_congestion = bytes_of(resp_with_congestion(seq_of(sent[2]), 99));
  long_congestion[long_congestion.size() - 2] = 0x02;  // length 2 of a one-octet TLV ...
  long_congestion.push_back(0);                        // ... with a second octet
  long_congestion[3] = static_cast<std::uint8_t>(long_congestion.size());
  auto past_end = bytes_of(resp_with_congestion(seq_of(sent[3]), 99));
  past_end[past_end.size() - 2] = 0x09;  // the TLV's length runs past the end
  for (const auto& bytes : {unterminated, long_congestion, past_end})
    h.feed_bytes(bytes);
  const auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 3);
  for (const auto& o : outcomes) {
    CHECK_FALSE(o.response);
    CHECK(o.error.kind == SendError::Kind::outcome_unknown);
  }
  CHECK(h.machine->congestion_state() == 70);  // nothing read from the malformed ones
  CHECK(h.machine->in_flight() == 0);
  CHECK(h.machine->stats().responses == 1);
}

}  // namespace aiosmpp::test

namespace aiosmpp::test {

namespace {

// The Esme's answers to `n` deliver_sm and one data_sm that arrive in one read, each answered
// once the hook has had them all (as when the hook is slower than the SMSC).
std::vector<Pdu> answers_to_burst(std::optional<std::uint8_t> sc, std::size_t window, int n) {
  EsmeConfig cfg = config_for(InterfaceVersion::smpp_5_0);
  cfg.window = window;
  MachineHarness h(cfg);
  h.sc_interface_version = sc;
  h.bind();
  std::vector<std::uint8_t> burst;
  for (int i = 0; i < n; ++i) {
    DeliverSm d;
    d.header = {CommandStatus::ok, static_cast<std::uint32_t>(100 + i)};
    d.source = PhoneNumber("447700900001");
    d.destination = PhoneNumber("1234");
    d.short_message = "hi";
    const auto b = bytes_of(d);
    burst.insert(burst.end(), b.begin(), b.end());
  }
  DataSm data;
  data.header = {CommandStatus::ok, 200};
  data.source = PhoneNumber("447700900001");
  data.destination = PhoneNumber("1234");
  const auto b = bytes_of(data);
  burst.insert(burst.end(), b.begin(), b.end());
  h.feed_bytes(burst);
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == static_cast<std::size_t>(n) + 1);
  for (const auto& e : incoming) {
    REQUIRE(e.answer);
    h.machine->answer(*e.answer);
  }
  return h.written();
}

}  // namespace

TEST_CASE(
    "version: a 5.0 Esme answers deliver_sm / data_sm with its receive backlog as "
    "congestion_state, a 3.4 one never",
    "[esme][machine][v50][congestion]") {
  SECTION("5.0: the SMSC's requests still waiting behind each answer, as a % of the window") {
    const auto sent = answers_to_burst(0x50, 4, 4);
    REQUIRE(sent.size() == 5);
    const std::uint8_t expected[] = {100, 75, 50, 25, 0};  // 4, 3, 2, 1, 0 waiting of 4
    for (std::size_t i = 0; i < 4; ++i) {
      const auto& r = std::get<DeliverSmResp>(sent[i]);
      CHECK(r.header.sequence_number == 100 + i);
      CHECK(r.message_id.empty());
      CHECK(r.tlvs.get<tlv::CongestionState>() == expected[i]);
    }
    const auto& data = std::get<DataSmResp>(sent[4]);
    CHECK(data.tlvs.get<tlv::CongestionState>() == expected[4]);
  }
  SECTION("5.0: more waiting than the window reads 100") {
    const auto sent = answers_to_burst(0x50, 2, 6);
    REQUIRE(sent.size() == 7);
    CHECK(std::get<DeliverSmResp>(sent[0]).tlvs.get<tlv::CongestionState>() == 100);
    CHECK(std::get<DeliverSmResp>(sent[5]).tlvs.get<tlv::CongestionState>() == 50);
  }
  SECTION("3.4 (the SMSC announced no 5.0): no TLV, the 17-octet answer of 3.4") {
    const auto sent = answers_to_burst(std::nullopt, 4, 4);
    REQUIRE(sent.size() == 5);
    for (const auto& p : sent) {
      std::visit(
          [](const auto& r) {
            if constexpr (requires { r.tlvs; }) CHECK(r.tlvs.empty());
          },
          p);
      CHECK(bytes_of(p).size() == 17);
    }
  }
}

}  // namespace aiosmpp::test
