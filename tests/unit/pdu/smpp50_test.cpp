// SMPP 5.0 in the codec (docs/smpp-5.0.md): the golden vectors of tests/data/pdu/golden-5.0.txt
// both ways (bytes -> hand-built value, value -> bytes, the view path), malformations of the 5.0
// PDUs and TLVs, and the version rules a session relies on: a peer that negotiated 3.4 is never
// sent a 5.0 command or TLV, and a 5.0 command from it is answered as an unknown one.

#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "golden_file.hpp"
#include "pdu_test_support.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::bytes_for;
using aiosmpp::test::decode_error;
using aiosmpp::test::from_hex;
using aiosmpp::test::hdr;
using aiosmpp::test::to_hex;

namespace {

struct Golden50 {
  std::string name;
  Pdu pdu;
};

void add_octets(Tlvs& t, std::uint16_t tag, std::string_view hex) {
  t.add(tag, from_hex(hex));
}

const PhoneNumber broad("BROAD", Ton::alphanumeric);

BroadcastSm broadcast_sm() {
  BroadcastSm p;
  p.header = hdr(7);
  p.source = broad;
  p.priority_flag = 1;
  add_octets(p.tlvs, tlv::BroadcastAreaIdentifier::tag, "00 313233");
  add_octets(p.tlvs, tlv::BroadcastContentType::tag, "01 0010");
  p.tlvs.set<tlv::BroadcastRepNum>(1);
  add_octets(p.tlvs, tlv::BroadcastFrequencyInterval::tag, "08 0005");
  add_octets(p.tlvs, tlv::MessagePayload::tag, "48656c6c6f");
  return p;
}

std::vector<Golden50> goldens50() {
  std::vector<Golden50> g;
  {
    BindTransceiver p;
    p.header = hdr(4);
    p.system_id = "esme";
    p.password = "pw";
    p.interface_version = InterfaceVersion::smpp_5_0;
    g.push_back({"bind_transceiver, interface_version 0x50 (SMPP 5.0)", p});
  }
  {
    BindTransceiverResp p;
    p.header = hdr(4);
    p.system_id = "SMSC";
    p.tlvs.set<tlv::ScInterfaceVersion>(0x50);
    p.tlvs.set<tlv::CongestionState>(0);
    g.push_back({"bind_transceiver_resp, sc_interface_version 0x50 and congestion_state 0", p});
  }
  {
    SubmitSmResp p;
    p.header = hdr(5);
    p.message_id = "m-01";
    p.tlvs.set<tlv::CongestionState>(90);
    g.push_back({"submit_sm_resp with congestion_state 90", p});
  }
  {
    DeliverSmResp p;
    p.header = hdr(42);
    p.tlvs.set<tlv::CongestionState>(50);
    g.push_back({"deliver_sm_resp, NULL message_id and congestion_state 50", p});
  }
  {
    SubmitSm p;
    p.header = hdr(6);
    p.source = PhoneNumber("447700900001", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("447700900002", Ton::international, Npi::isdn);
    p.short_message = "Hi";
    add_octets(p.tlvs, tlv::BillingIdentification::tag, "01 414243");
    REQUIRE(p.tlvs.set<tlv::SourceNetworkId>("net1"));
    add_octets(p.tlvs, tlv::SourceNodeId::tag, "313233343536");
    REQUIRE(p.tlvs.set<tlv::DestNetworkId>("net2"));
    add_octets(p.tlvs, tlv::DestNodeId::tag, "363534333231");
    p.tlvs.set<tlv::DestAddrNpResolution>(1);
    add_octets(p.tlvs, tlv::DestAddrNpInformation::tag, "30313233343536373839");
    p.tlvs.set<tlv::DestAddrNpCountry>(1);
    g.push_back({"submit_sm with the 5.0 billing, routing and number portability TLVs", p});
  }
  g.push_back({"broadcast_sm with its four mandatory TLVs and message_payload", broadcast_sm()});
  {
    BroadcastSmResp p;
    p.header = hdr(7);
    p.message_id = "bc-1";
    p.tlvs.set<tlv::BroadcastErrorStatus>(
        static_cast<std::uint32_t>(CommandStatus::invalid_broadcast_area_format));
    add_octets(p.tlvs, tlv::BroadcastAreaIdentifier::tag, "00 393939");
    g.push_back({"broadcast_sm_resp with broadcast_error_status and a failed area", p});
  }
  {
    BroadcastSmResp p;
    p.header = hdr(8, CommandStatus::broadcast_failed);
    p.has_body = false;
    g.push_back({"broadcast_sm_resp ESME_RBCASTFAIL, no body", p});
  }
  {
    QueryBroadcastSm p;
    p.header = hdr(9);
    p.message_id = "bc-1";
    p.source = broad;
    p.tlvs.set<tlv::UserMessageReference>(7);
    g.push_back({"query_broadcast_sm with user_message_reference", p});
  }
  {
    QueryBroadcastSmResp p;
    p.header = hdr(9);
    p.message_id = "bc-1";
    p.tlvs.set<tlv::MessageState>(static_cast<std::uint8_t>(MessageState::enroute));
    add_octets(p.tlvs, tlv::BroadcastAreaIdentifier::tag, "00 313233");
    p.tlvs.set<tlv::BroadcastAreaSuccess>(100);
    REQUIRE(p.tlvs.set<tlv::BroadcastEndTime>("261126120000000+"));
    g.push_back({"query_broadcast_sm_resp with its mandatory TLVs and broadcast_end_time", p});
  }
  {
    CancelBroadcastSm p;
    p.header = hdr(10);
    p.message_id = "bc-1";
    p.source = broad;
    add_octets(p.tlvs, tlv::BroadcastContentType::tag, "01 0010");
    g.push_back({"cancel_broadcast_sm with broadcast_content_type", p});
  }
  {
    CancelBroadcastSmResp p;
    p.header = hdr(10);
    g.push_back({"cancel_broadcast_sm_resp", p});
  }
  return g;
}

std::vector<std::uint8_t> encoded(const Pdu& p, const EncodeOptions& o = {}) {
  std::vector<std::uint8_t> out;
  const auto r = encode(p, out, o);
  if (!r) FAIL(r.error().message());
  return out;
}

CodecError encode_error(const Pdu& p, const EncodeOptions& o) {
  std::vector<std::uint8_t> out{7};
  const auto r = encode(p, out, o);
  REQUIRE_FALSE(r);
  CHECK(out == std::vector<std::uint8_t>{7});
  const auto size = encoded_size(p, o);
  REQUIRE_FALSE(size);
  CHECK(size.error() == r.error());
  return r.error();
}

EncodeOptions for_peer(InterfaceVersion v, NewerTlvs newer = NewerTlvs::refuse) {
  EncodeOptions o;
  o.version = v;
  o.newer_tlvs = newer;
  return o;
}

}  // namespace

TEST_CASE("5.0 golden vectors cover every SMPP 5.0 PDU type") {
  // Pdu lists 3.4's 27 types first, then 5.0's six.
  std::vector<bool> seen(std::variant_size_v<Pdu>, false);
  for (const auto& g : goldens50()) {
    seen[g.pdu.index()] = true;
    CHECK(since_version(command_id_of(g.pdu)) ==
          (g.pdu.index() < 27 ? InterfaceVersion::smpp_3_4 : InterfaceVersion::smpp_5_0));
  }
  for (std::size_t i = 27; i < seen.size(); ++i) {
    INFO("variant index " << i);
    CHECK(seen[i]);
  }
  CHECK(std::variant_size_v<Pdu> == 33);
}

TEST_CASE("5.0 golden vectors both ways, owning and view") {
  for (const auto& g : goldens50()) {
    INFO(g.name);
    const auto& wire = bytes_for(g.name);
    auto decoded = decode(wire);
    if (!decoded) FAIL(decoded.error().message());
    CHECK(*decoded == g.pdu);
    CHECK(to_hex(encoded(g.pdu)) == to_hex(wire));
    CHECK(encoded_size(g.pdu).value() == wire.size());
    auto view = decode_view(wire);
    REQUIRE(view);
    CHECK(to_owning(*view) == g.pdu);
    std::vector<std::uint8_t> again;
    REQUIRE(encode(*view, again));
    CHECK(again == wire);
    // Every 5.0 golden PDU is also valid under the strict lists of 5.0.
    DecodeOptions strict;
    strict.strict_tlvs = true;
    const auto s = decode(wire, strict);
    if (!s) FAIL(s.error().message());
  }
}

TEST_CASE("5.0 TLVs read back typed") {
  const auto r =
      decode(bytes_for("query_broadcast_sm_resp with its mandatory TLVs and "
                       "broadcast_end_time"));
  REQUIRE(r);
  const auto& q = std::get<QueryBroadcastSmResp>(*r);
  CHECK(q.tlvs.get<tlv::BroadcastAreaSuccess>() == std::optional<std::uint8_t>(100));
  CHECK(q.tlvs.get<tlv::BroadcastEndTime>() == std::optional<std::string_view>("261126120000000+"));
  const auto s =
      decode(bytes_for("submit_sm with the 5.0 billing, routing and number "
                       "portability TLVs"));
  REQUIRE(s);
  const auto& t = std::get<SubmitSm>(*s).tlvs;
  CHECK(t.get<tlv::DestAddrNpCountry>() == std::optional<std::uint64_t>(1));
  CHECK(t.get<tlv::SourceNetworkId>() == std::optional<std::string_view>("net1"));
  CHECK(to_hex(*t.get<tlv::DestNodeId>()) == "363534333231");
  CHECK(tlv::find(0x0428)->since == InterfaceVersion::smpp_5_0);
  CHECK(tlv::find(0x0427)->since == InterfaceVersion::smpp_3_4);
  // 5 octets hold what 4 cannot
  Tlvs big;
  big.set<tlv::DestAddrNpCountry>(0x01'0000'0002ULL);
  CHECK(to_hex(big[0].value) == "0100000002");
}

TEST_CASE("a 3.4 peer never sees a 5.0 TLV: refused, or dropped on request") {
  const Pdu resp = goldens50()[1].pdu;  // bind_transceiver_resp with congestion_state
  auto e = encode_error(resp, for_peer(InterfaceVersion::smpp_3_4));
  CHECK(e.problem == CodecProblem::tlv_not_in_version);
  CHECK(e.status == CommandStatus::optional_param_not_allowed);
  CHECK(e.error == errc::invalid_field);
  CHECK(e.field == "congestion_state");
  CHECK(e.tag == 0x0428);
  CHECK(e.message() ==
        "bind_transceiver_resp.congestion_state (tag 0x0428): an SMPP 5.0 (0x50) TLV, and the "
        "peer speaks 3.4 (0x34)");
  // dropped: the same PDU without it, and the 3.4 TLV kept
  const auto dropped = encoded(resp, for_peer(InterfaceVersion::smpp_3_4, NewerTlvs::drop));
  CHECK(to_hex(dropped) == "0000001a800000090000000000000004534d5343000210000150");
  CHECK(encoded_size(resp, for_peer(InterfaceVersion::smpp_3_4, NewerTlvs::drop)).value() == 26);
  // 5.0 and later peers get everything
  CHECK(encoded(resp, for_peer(InterfaceVersion::smpp_5_0)) == bytes_for(goldens50()[1].name));
  CHECK(encoded(resp, for_peer(static_cast<InterfaceVersion>(0x51))).size() == 31);
  // 3.3 and earlier know no TLV at all (reference §5.1)
  const auto for_33 = encoded(resp, for_peer(InterfaceVersion::smpp_3_3, NewerTlvs::drop));
  CHECK(to_hex(for_33) == "00000015800000090000000000000004534d534300");
  CHECK(encode_error(resp, for_peer(static_cast<InterfaceVersion>(0x00))).field ==
        "sc_interface_version");
  // a PDU without 5.0 TLVs is the same bytes for either peer
  const Pdu plain = goldens50()[0].pdu;
  CHECK(encoded(plain, for_peer(InterfaceVersion::smpp_3_4)) == encoded(plain));
}

TEST_CASE("a 5.0 command is refused for a 3.4 peer and answered as unknown from one") {
  const Pdu b = broadcast_sm();
  for (const auto policy : {NewerTlvs::refuse, NewerTlvs::drop}) {
    const auto e = encode_error(b, for_peer(InterfaceVersion::smpp_3_4, policy));
    CHECK(e.problem == CodecProblem::command_not_in_version);
    CHECK(e.status == CommandStatus::invalid_command_id);
    CHECK(e.error == errc::unknown_command);
    CHECK(e.message() ==
          "command_id 0x00000111 (broadcast_sm): an SMPP 5.0 (0x50) command, and the peer "
          "speaks 3.4 (0x34)");
  }
  DecodeOptions v34;
  v34.version = InterfaceVersion::smpp_3_4;
  const auto& wire = bytes_for("broadcast_sm with its four mandatory TLVs and message_payload");
  const auto d = decode_error(wire, v34);
  CHECK(d.problem == CodecProblem::command_not_in_version);
  CHECK(d.status == CommandStatus::invalid_command_id);
  CHECK(d.sequence_known);
  const auto answer = error_response(d);
  REQUIRE(answer);
  REQUIRE(std::holds_alternative<GenericNack>(*answer));
  CHECK(std::get<GenericNack>(*answer).header == PduHeader{CommandStatus::invalid_command_id, 7});
  // 5.0 TLVs from a 3.4 peer are kept (a receiver ignores what it does not know), also strictly
  v34.strict_tlvs = true;
  const auto r = decode(bytes_for("submit_sm_resp with congestion_state 90"), v34);
  REQUIRE(r);
  CHECK(std::get<SubmitSmResp>(*r).tlvs.get<tlv::CongestionState>() == 90);
  const auto s =
      decode(bytes_for("submit_sm with the 5.0 billing, routing and number portability TLVs"), v34);
  CHECK(s);
}

TEST_CASE("strict 5.0 lists: mandatory broadcast TLVs and the version's allow-lists") {
  EncodeOptions strict;
  strict.strict_tlvs = true;
  auto b = broadcast_sm();
  CHECK(encoded(b, strict).size() == 69);
  b.tlvs.erase<tlv::BroadcastRepNum>();
  auto e = encode_error(b, strict);
  CHECK(e.problem == CodecProblem::tlv_missing);
  CHECK(e.status == CommandStatus::missing_optional_param);
  CHECK(e.field == "broadcast_rep_num");
  CHECK(e.message() ==
        "broadcast_sm.broadcast_rep_num (tag 0x0604): missing; broadcast_sm "
        "requires it");
  CHECK(encoded(b).size() == 63);                         // not checked by default
  b.header.command_status = CommandStatus::system_error;  // only PDUs with status 0 need them
  CHECK(encoded(b, strict).size() == 63);

  DecodeOptions strict_decode;
  strict_decode.strict_tlvs = true;
  // query_broadcast_sm_resp without broadcast_area_success
  const auto q = decode_error(
      from_hex("00000022 80000112 00000000 00000009 62632d31 00 0427 0001 01 0606 0004 00313233"),
      strict_decode);
  CHECK(q.problem == CodecProblem::tlv_missing);
  CHECK(q.field == "broadcast_area_success");
  CHECK(q.error == errc::malformed_pdu);
  // a header-only error response needs nothing
  CHECK(decode(bytes_for("broadcast_sm_resp ESME_RBCASTFAIL, no body"), strict_decode));

  // qos_time_to_live: data_sm only in 3.4, any message submission in 5.0
  SubmitSm s;
  s.tlvs.set<tlv::QosTimeToLive>(3600);
  std::vector<std::uint8_t> out;
  CHECK(encode(s, out, strict));
  strict.version = InterfaceVersion::smpp_3_4;
  CHECK(encode_error(s, strict).problem == CodecProblem::tlv_not_allowed);
  CHECK(tlv::allowed(CommandId::submit_sm, tlv::QosTimeToLive::tag));
  CHECK_FALSE(
      tlv::allowed(CommandId::submit_sm, tlv::QosTimeToLive::tag, InterfaceVersion::smpp_3_4));
  CHECK(tlv::allowed(CommandId::submit_sm, tlv::BillingIdentification::tag));
  CHECK_FALSE(tlv::allowed(CommandId::deliver_sm, tlv::BillingIdentification::tag));
  // a 5.0 tag counts as unknown to 3.4, so its list does not refuse it
  CHECK(tlv::allowed(CommandId::submit_sm, tlv::BroadcastRepNum::tag, InterfaceVersion::smpp_3_4));
  CHECK_FALSE(tlv::allowed(CommandId::submit_sm, tlv::BroadcastRepNum::tag));
  CHECK(tlv::allowed(CommandId::replace_sm, tlv::MessagePayload::tag));
  CHECK_FALSE(
      tlv::allowed(CommandId::replace_sm, tlv::MessagePayload::tag, InterfaceVersion::smpp_3_4));
}

TEST_CASE("malformed 5.0 PDUs and TLVs") {
  // broadcast_sm priority_flag 5 (0-4 allowed)
  auto wire = bytes_for("broadcast_sm with its four mandatory TLVs and message_payload");
  wire[16 + 1 + 8 + 1] = 5;
  auto e = decode_error(wire);
  CHECK(e.problem == CodecProblem::value_out_of_range);
  CHECK(e.status == CommandStatus::invalid_priority_flag);
  CHECK(e.field == "priority_flag");
  CHECK(e.limit == 4);
  const auto answer = error_response(e);
  REQUIRE(answer);
  REQUIRE(std::holds_alternative<BroadcastSmResp>(*answer));
  CHECK_FALSE(std::get<BroadcastSmResp>(*answer).has_body);

  // TLV lengths: congestion_state 2 octets, broadcast_content_type 2, dest_addr_np_country 4
  // (node-smpp writes 4; 5.0 says 5), source_node_id 5
  const std::string head = "00000010 80000004 00000000 00000005 00";
  for (const char* tlv : {"0428 0002 0001", "0601 0002 0100", "0613 0004 00000001",
                          "060f 0005 3132333435", "0606 0000", "060b 0000"}) {
    INFO(tlv);
    auto bytes = from_hex(std::string(head) + tlv);
    bytes[3] = static_cast<std::uint8_t>(bytes.size());
    const auto t = decode_error(bytes);
    CHECK(t.problem == CodecProblem::tlv_length_invalid);
    CHECK(t.status == CommandStatus::invalid_param_length);
  }
  // C-string TLVs must end in their only NUL
  auto bytes = from_hex(std::string(head) + "060d 0004 6e657431");
  bytes[3] = static_cast<std::uint8_t>(bytes.size());
  CHECK(decode_error(bytes).problem == CodecProblem::tlv_value_invalid);
  // cancel_broadcast_sm_resp is header only
  CHECK(decode_error(from_hex("00000011 80000113 00000000 0000000a 00")).problem ==
        CodecProblem::trailing_bytes);
  // query_broadcast_sm cut inside source_addr
  const auto cut =
      decode_error(from_hex("00000018 00000112 00000000 00000009 62632d31 00 05 00 42"));
  CHECK(cut.problem == CodecProblem::unterminated_c_string);
  CHECK(cut.field == "source_addr");
}
