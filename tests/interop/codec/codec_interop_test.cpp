// Interop of the PDU codec with node-smpp (npm `smpp`), the most used JavaScript implementation.
//
// Every case is one PDU written twice by hand: as an aiosmpp value and as node-smpp's parameters.
// Three checks per case, so that neither codec is trusted on its own:
//   1. both encoders produce the same bytes;
//   2. node-smpp decodes aiosmpp's bytes into the given parameters, field by field;
//   3. aiosmpp decodes node-smpp's bytes into a value equal to the one written here.
// node-smpp runs as a child process (tests/interop/node/codec_peer.js) with its text filters off,
// so octet strings are compared as bytes.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiosmpp/pdu/codec.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

namespace {

// ordered_json: node-smpp writes TLVs in the order of its parameters object, so keep ours.
using json = nlohmann::ordered_json;
using namespace aiosmpp;

struct Case {
  std::string name;
  Pdu pdu;
  std::string node_command;
  json node_params;
};

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}
std::string hex_of(std::string_view s) {
  auto b = bytes_of(s);
  return test::to_hex(b);
}

Tlv octets_tlv(std::uint16_t tag, std::string_view hex) {
  return Tlv{tag, test::from_hex(hex)};
}

// SMPP 5.0 (docs/smpp-5.0.md): the broadcast PDUs, interface_version 0x50, and congestion_state
// both ways (from the SMSC in its responses, from the ESME in deliver_sm_resp). node-smpp keeps a
// TLV it may repeat (broadcast_area_identifier) as an array.
void add_smpp50_cases(std::vector<Case>& out) {
  {
    BindTransceiver p;
    p.header.sequence_number = 60;
    p.system_id = "esme";
    p.password = "pw";
    p.interface_version = InterfaceVersion::smpp_5_0;
    out.push_back({"bind_transceiver, interface_version 0x50",
                   p,
                   "bind_transceiver",
                   {{"sequence_number", 60},
                    {"system_id", "esme"},
                    {"password", "pw"},
                    {"interface_version", 0x50}}});
  }
  {
    BindTransceiverResp p;
    p.header.sequence_number = 60;
    p.system_id = "SMSC";
    p.tlvs.set<tlv::ScInterfaceVersion>(0x50);
    p.tlvs.set<tlv::CongestionState>(20);
    out.push_back({"bind_transceiver_resp, sc_interface_version 0x50, congestion_state 20",
                   p,
                   "bind_transceiver_resp",
                   {{"sequence_number", 60},
                    {"system_id", "SMSC"},
                    {"sc_interface_version", 0x50},
                    {"congestion_state", 20}}});
  }
  {
    SubmitSmResp p;
    p.header.sequence_number = 61;
    p.message_id = "m-61";
    p.tlvs.set<tlv::CongestionState>(95);
    out.push_back({"submit_sm_resp with congestion_state 95 (SMSC to ESME)",
                   p,
                   "submit_sm_resp",
                   {{"sequence_number", 61}, {"message_id", "m-61"}, {"congestion_state", 95}}});
  }
  {
    DeliverSmResp p;
    p.header.sequence_number = 62;
    p.tlvs.set<tlv::CongestionState>(40);
    out.push_back({"deliver_sm_resp with congestion_state 40 (ESME to SMSC)",
                   p,
                   "deliver_sm_resp",
                   {{"sequence_number", 62}, {"message_id", ""}, {"congestion_state", 40}}});
  }
  {
    BroadcastSm p;
    p.header.sequence_number = 63;
    p.service_type = "CBS";
    p.source = PhoneNumber("BROAD", Ton::alphanumeric, Npi::unknown);
    p.priority_flag = 4;
    p.validity_period = "000001000000000R";
    p.data_coding = DataCoding::ucs2;
    p.tlvs.push_back(octets_tlv(tlv::BroadcastAreaIdentifier::tag, "00 313233"));
    p.tlvs.push_back(octets_tlv(tlv::BroadcastAreaIdentifier::tag, "00 343536"));
    p.tlvs.push_back(octets_tlv(tlv::BroadcastContentType::tag, "01 0010"));
    p.tlvs.set<tlv::BroadcastRepNum>(3);
    p.tlvs.push_back(octets_tlv(tlv::BroadcastFrequencyInterval::tag, "08 0005"));
    p.tlvs.set<tlv::BroadcastChannelIndicator>(1);
    p.tlvs.set<tlv::BroadcastMessageClass>(2);
    p.tlvs.push_back(octets_tlv(tlv::MessagePayload::tag, "00480069"));
    out.push_back({"broadcast_sm with two areas and its broadcast TLVs",
                   p,
                   "broadcast_sm",
                   {{"sequence_number", 63},
                    {"service_type", "CBS"},
                    {"source_addr_ton", 5},
                    {"source_addr", "BROAD"},
                    {"priority_flag", 4},
                    {"validity_period", "000001000000000R"},
                    {"data_coding", 8},
                    {"broadcast_area_identifier",
                     json::array({{{"hex", "00313233"}}, {{"hex", "00343536"}}})},
                    {"broadcast_content_type", {{"hex", "010010"}}},
                    {"broadcast_rep_num", 3},
                    {"broadcast_frequency_interval", {{"hex", "080005"}}},
                    {"broadcast_channel_indicator", 1},
                    {"broadcast_message_class", 2},
                    {"message_payload", {{"hex", "00480069"}}}}});
  }
  {
    BroadcastSmResp p;
    p.header.sequence_number = 63;
    p.message_id = "bc-63";
    p.tlvs.set<tlv::BroadcastErrorStatus>(0x109);
    p.tlvs.push_back(octets_tlv(tlv::BroadcastAreaIdentifier::tag, "00 343536"));
    p.tlvs.set<tlv::CongestionState>(70);
    out.push_back({"broadcast_sm_resp with a failed area and congestion_state",
                   p,
                   "broadcast_sm_resp",
                   {{"sequence_number", 63},
                    {"message_id", "bc-63"},
                    {"broadcast_error_status", json::array({0x109})},
                    {"failed_broadcast_area_identifier", json::array({{{"hex", "00343536"}}})},
                    {"congestion_state", 70}}});
  }
  {
    QueryBroadcastSm p;
    p.header.sequence_number = 64;
    p.message_id = "bc-63";
    p.source = PhoneNumber("BROAD", Ton::alphanumeric, Npi::unknown);
    p.tlvs.set<tlv::UserMessageReference>(9);
    out.push_back({"query_broadcast_sm",
                   p,
                   "query_broadcast_sm",
                   {{"sequence_number", 64},
                    {"message_id", "bc-63"},
                    {"source_addr_ton", 5},
                    {"source_addr", "BROAD"},
                    {"user_message_reference", 9}}});
  }
  {
    QueryBroadcastSmResp p;
    p.header.sequence_number = 64;
    p.message_id = "bc-63";
    p.tlvs.set<tlv::MessageState>(1);
    p.tlvs.push_back(octets_tlv(tlv::BroadcastAreaIdentifier::tag, "00 313233"));
    p.tlvs.set<tlv::BroadcastAreaSuccess>(55);
    out.push_back({"query_broadcast_sm_resp",
                   p,
                   "query_broadcast_sm_resp",
                   {{"sequence_number", 64},
                    {"message_id", "bc-63"},
                    {"message_state", 1},
                    {"broadcast_area_identifier", json::array({{{"hex", "00313233"}}})},
                    {"broadcast_area_success", 55}}});
  }
  {
    CancelBroadcastSm p;
    p.header.sequence_number = 65;
    p.message_id = "bc-63";
    p.source = PhoneNumber("BROAD", Ton::alphanumeric, Npi::unknown);
    p.tlvs.push_back(octets_tlv(tlv::BroadcastContentType::tag, "01 0010"));
    out.push_back({"cancel_broadcast_sm",
                   p,
                   "cancel_broadcast_sm",
                   {{"sequence_number", 65},
                    {"message_id", "bc-63"},
                    {"source_addr_ton", 5},
                    {"source_addr", "BROAD"},
                    {"broadcast_content_type", {{"hex", "010010"}}}}});
  }
  {
    CancelBroadcastSmResp p;
    p.header.sequence_number = 65;
    out.push_back(
        {"cancel_broadcast_sm_resp", p, "cancel_broadcast_sm_resp", {{"sequence_number", 65}}});
  }
}

std::vector<Case> cases() {
  std::vector<Case> out;

  {
    SubmitSm p;
    p.header.sequence_number = 2;
    p.source = PhoneNumber("Test", Ton::alphanumeric, Npi::unknown);
    p.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
    p.esm_class = EsmClass::udhi;
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.data_coding = DataCoding::ucs2;
    p.short_message = std::string("\x05\x00\x03\x2a\x02\x01\x00H\x00i", 10);
    p.tlvs.set<tlv::UserMessageReference>(7);
    p.tlvs.set<tlv::SourcePort>(5000);
    out.push_back({"submit_sm, UCS2 with UDH and TLVs",
                   p,
                   "submit_sm",
                   {{"sequence_number", 2},
                    {"source_addr_ton", 5},
                    {"source_addr", "Test"},
                    {"dest_addr_ton", 1},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "447700900123"},
                    {"esm_class", 0x40},
                    {"registered_delivery", 1},
                    {"data_coding", 8},
                    {"short_message", {{"hex", hex_of(p.short_message)}}},
                    {"user_message_reference", 7},
                    {"source_port", 5000}}});
  }
  {
    SubmitSm p;
    p.header.sequence_number = 0x7fffffff;
    p.service_type = "CMT";
    p.source = PhoneNumber("254722111111", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("254722999999", Ton::international, Npi::isdn);
    p.priority_flag = 1;
    p.validity_period = "000001000000000R";
    p.schedule_delivery_time = "261126101500004+";
    p.tlvs.set<tlv::SarMsgRefNum>(0x1234);
    p.tlvs.set<tlv::SarTotalSegments>(3);
    p.tlvs.set<tlv::SarSegmentSeqnum>(1);
    p.short_message = "segment one";
    out.push_back({"submit_sm, SAR TLVs and times",
                   p,
                   "submit_sm",
                   {{"sequence_number", 0x7fffffff},
                    {"service_type", "CMT"},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254722111111"},
                    {"dest_addr_ton", 1},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "254722999999"},
                    {"priority_flag", 1},
                    {"schedule_delivery_time", "261126101500004+"},
                    {"validity_period", "000001000000000R"},
                    {"registered_delivery", 1},
                    {"short_message", {{"hex", hex_of("segment one")}}},
                    {"sar_msg_ref_num", 0x1234},
                    {"sar_total_segments", 3},
                    {"sar_segment_seqnum", 1}}});
  }
  {
    SubmitSm p;
    p.header.sequence_number = 9;
    p.source = PhoneNumber("1234", Ton::national, Npi::isdn);
    p.destination = PhoneNumber("5678", Ton::national, Npi::isdn);
    p.registered_delivery = RegisteredDelivery::none;
    const std::string payload(300, 'x');
    auto pb = bytes_of(payload);
    REQUIRE(p.tlvs.set<tlv::MessagePayload>(pb).has_value());
    out.push_back({"submit_sm, 300-octet message_payload",
                   p,
                   "submit_sm",
                   {{"sequence_number", 9},
                    {"source_addr_ton", 2},
                    {"source_addr_npi", 1},
                    {"source_addr", "1234"},
                    {"dest_addr_ton", 2},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "5678"},
                    {"registered_delivery", 0},
                    {"short_message", {{"hex", ""}}},
                    {"message_payload", {{"hex", hex_of(payload)}}}}});
  }
  {
    DeliverSm p;
    p.header.sequence_number = 77;
    p.source = PhoneNumber("254722999999", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("254722111111", Ton::international, Npi::isdn);
    p.esm_class = EsmClass::delivery_receipt;
    const std::string receipt =
        "id:abc123 sub:001 dlvrd:001 submit date:2611261015 done date:2611261016 stat:DELIVRD "
        "err:000 text:Test message 0";
    p.short_message = receipt;
    REQUIRE(p.tlvs.set<tlv::ReceiptedMessageId>("abc123").has_value());
    p.tlvs.set<tlv::MessageState>(2);
    out.push_back({"deliver_sm, delivery receipt with TLVs",
                   p,
                   "deliver_sm",
                   {{"sequence_number", 77},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254722999999"},
                    {"dest_addr_ton", 1},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "254722111111"},
                    {"esm_class", 4},
                    {"short_message", {{"hex", hex_of(receipt)}}},
                    {"receipted_message_id", "abc123"},
                    {"message_state", 2}}});
  }
  {
    BindTransceiver p;
    p.header.sequence_number = 1;
    p.system_id = "esme01";
    p.password = "pw123";
    p.system_type = "VMS";
    p.address_range = PhoneNumber("^2547", Ton::international, Npi::isdn);
    out.push_back({"bind_transceiver",
                   p,
                   "bind_transceiver",
                   {{"sequence_number", 1},
                    {"system_id", "esme01"},
                    {"password", "pw123"},
                    {"system_type", "VMS"},
                    {"interface_version", 0x34},
                    {"addr_ton", 1},
                    {"addr_npi", 1},
                    {"address_range", "^2547"}}});
  }
  {
    BindTransmitter p;
    p.header.sequence_number = 3;
    p.system_id = "tx";
    p.password = "secret";
    out.push_back({"bind_transmitter",
                   p,
                   "bind_transmitter",
                   {{"sequence_number", 3},
                    {"system_id", "tx"},
                    {"password", "secret"},
                    {"interface_version", 0x34}}});
  }
  {
    BindReceiver p;
    p.header.sequence_number = 4;
    p.system_id = "rx";
    out.push_back({"bind_receiver",
                   p,
                   "bind_receiver",
                   {{"sequence_number", 4}, {"system_id", "rx"}, {"interface_version", 0x34}}});
  }
  {
    BindTransceiverResp p;
    p.header.sequence_number = 1;
    p.system_id = "SMSC";
    p.tlvs.set<tlv::ScInterfaceVersion>(0x34);
    out.push_back(
        {"bind_transceiver_resp with sc_interface_version",
         p,
         "bind_transceiver_resp",
         {{"sequence_number", 1}, {"system_id", "SMSC"}, {"sc_interface_version", 0x34}}});
  }
  {
    BindTransmitterResp p;
    p.header.sequence_number = 3;
    p.header.command_status = CommandStatus::invalid_password;
    p.has_body = false;
    out.push_back({"bind_transmitter_resp, ESME_RINVPASWD, header only",
                   p,
                   "bind_transmitter_resp",
                   {{"sequence_number", 3}, {"command_status", 0x0e}}});
  }
  {
    SubmitSmResp p;
    p.header.sequence_number = 2;
    p.message_id = "abc123";
    out.push_back({"submit_sm_resp",
                   p,
                   "submit_sm_resp",
                   {{"sequence_number", 2}, {"message_id", "abc123"}}});
  }
  {
    SubmitSmResp p;
    p.header.sequence_number = 2;
    p.header.command_status = CommandStatus::throttled;
    p.has_body = false;
    out.push_back({"submit_sm_resp, ESME_RTHROTTLED, header only",
                   p,
                   "submit_sm_resp",
                   {{"sequence_number", 2}, {"command_status", 0x58}}});
  }
  {
    DeliverSmResp p;
    p.header.sequence_number = 77;
    out.push_back(
        {"deliver_sm_resp", p, "deliver_sm_resp", {{"sequence_number", 77}, {"message_id", ""}}});
  }
  {
    DataSm p;
    p.header.sequence_number = 12;
    p.service_type = "WAP";
    p.source = PhoneNumber("100", Ton::network_specific, Npi::unknown);
    p.destination = PhoneNumber("254700000001", Ton::international, Npi::isdn);
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.data_coding = DataCoding::binary;
    const std::string payload("\x01\x02\x03\xff", 4);
    auto pb = bytes_of(payload);
    REQUIRE(p.tlvs.set<tlv::MessagePayload>(pb).has_value());
    out.push_back({"data_sm with message_payload",
                   p,
                   "data_sm",
                   {{"sequence_number", 12},
                    {"service_type", "WAP"},
                    {"source_addr_ton", 3},
                    {"source_addr", "100"},
                    {"dest_addr_ton", 1},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "254700000001"},
                    {"registered_delivery", 1},
                    {"data_coding", 4},
                    {"message_payload", {{"hex", "010203ff"}}}}});
  }
  {
    DataSmResp p;
    p.header.sequence_number = 12;
    p.message_id = "d-1";
    out.push_back(
        {"data_sm_resp", p, "data_sm_resp", {{"sequence_number", 12}, {"message_id", "d-1"}}});
  }
  {
    QuerySm p;
    p.header.sequence_number = 20;
    p.message_id = "abc123";
    p.source = PhoneNumber("254722111111", Ton::international, Npi::isdn);
    out.push_back({"query_sm",
                   p,
                   "query_sm",
                   {{"sequence_number", 20},
                    {"message_id", "abc123"},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254722111111"}}});
  }
  {
    QuerySmResp p;
    p.header.sequence_number = 20;
    p.message_id = "abc123";
    p.final_date = "261126101600004+";
    p.message_state = MessageState::delivered;
    out.push_back({"query_sm_resp",
                   p,
                   "query_sm_resp",
                   {{"sequence_number", 20},
                    {"message_id", "abc123"},
                    {"final_date", "261126101600004+"},
                    {"message_state", 2},
                    {"error_code", 0}}});
  }
  {
    CancelSm p;
    p.header.sequence_number = 21;
    p.message_id = "abc123";
    p.source = PhoneNumber("1", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("2", Ton::international, Npi::isdn);
    out.push_back({"cancel_sm",
                   p,
                   "cancel_sm",
                   {{"sequence_number", 21},
                    {"message_id", "abc123"},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "1"},
                    {"dest_addr_ton", 1},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "2"}}});
  }
  {
    CancelSmResp p;
    p.header.sequence_number = 21;
    out.push_back({"cancel_sm_resp", p, "cancel_sm_resp", {{"sequence_number", 21}}});
  }
  {
    ReplaceSm p;
    p.header.sequence_number = 22;
    p.message_id = "abc123";
    p.source = PhoneNumber("1", Ton::international, Npi::isdn);
    p.validity_period = "000002000000000R";
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.short_message = "new text";
    out.push_back({"replace_sm",
                   p,
                   "replace_sm",
                   {{"sequence_number", 22},
                    {"message_id", "abc123"},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "1"},
                    {"validity_period", "000002000000000R"},
                    {"registered_delivery", 1},
                    {"short_message", {{"hex", hex_of("new text")}}}}});
  }
  {
    ReplaceSmResp p;
    p.header.sequence_number = 22;
    out.push_back({"replace_sm_resp", p, "replace_sm_resp", {{"sequence_number", 22}}});
  }
  {
    SubmitMulti p;
    p.header.sequence_number = 30;
    p.source = PhoneNumber("INFO", Ton::alphanumeric, Npi::unknown);
    SubmitMultiDest a;
    a.address = PhoneNumber("254700000001", Ton::international, Npi::isdn);
    SubmitMultiDest b;
    b.dest_flag = DestFlag::distribution_list;
    b.dl_name = "friends";
    p.dest_addresses = {a, b};
    p.short_message = "hi all";
    out.push_back({"submit_multi with an SME and a distribution list",
                   p,
                   "submit_multi",
                   {{"sequence_number", 30},
                    {"source_addr_ton", 5},
                    {"source_addr", "INFO"},
                    {"dest_address", json::array({{{"dest_addr_ton", 1},
                                                   {"dest_addr_npi", 1},
                                                   {"destination_addr", "254700000001"}},
                                                  {{"dl_name", "friends"}}})},
                    {"registered_delivery", 1},
                    {"short_message", {{"hex", hex_of("hi all")}}}}});
  }
  {
    SubmitMultiResp p;
    p.header.sequence_number = 30;
    p.message_id = "m-1";
    UnsuccessSme u;
    u.address = PhoneNumber("254700000002", Ton::international, Npi::isdn);
    u.error_status_code = CommandStatus::invalid_dest_address;
    p.unsuccess_smes = {u};
    out.push_back({"submit_multi_resp with one unsuccessful SME",
                   p,
                   "submit_multi_resp",
                   {{"sequence_number", 30},
                    {"message_id", "m-1"},
                    {"unsuccess_sme", json::array({{{"dest_addr_ton", 1},
                                                    {"dest_addr_npi", 1},
                                                    {"destination_addr", "254700000002"},
                                                    {"error_status_code", 0x0b}}})}}});
  }
  {
    AlertNotification p;
    p.header.sequence_number = 40;
    p.source = PhoneNumber("254700000003", Ton::international, Npi::isdn);
    p.esme_addr = PhoneNumber("ESME", Ton::alphanumeric, Npi::unknown);
    p.tlvs.set<tlv::MsAvailabilityStatus>(1);
    out.push_back({"alert_notification",
                   p,
                   "alert_notification",
                   {{"sequence_number", 40},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254700000003"},
                    {"esme_addr_ton", 5},
                    {"esme_addr", "ESME"},
                    {"ms_availability_status", 1}}});
  }
  {
    Outbind p;
    p.header.sequence_number = 41;
    p.system_id = "SMSC";
    p.password = "pw";
    out.push_back({"outbind",
                   p,
                   "outbind",
                   {{"sequence_number", 41}, {"system_id", "SMSC"}, {"password", "pw"}}});
  }
  {
    EnquireLink p;
    p.header.sequence_number = 50;
    out.push_back({"enquire_link", p, "enquire_link", {{"sequence_number", 50}}});
  }
  {
    EnquireLinkResp p;
    p.header.sequence_number = 50;
    out.push_back({"enquire_link_resp", p, "enquire_link_resp", {{"sequence_number", 50}}});
  }
  {
    Unbind p;
    p.header.sequence_number = 51;
    out.push_back({"unbind", p, "unbind", {{"sequence_number", 51}}});
  }
  {
    UnbindResp p;
    p.header.sequence_number = 51;
    out.push_back({"unbind_resp", p, "unbind_resp", {{"sequence_number", 51}}});
  }
  {
    GenericNack p;
    p.header.sequence_number = 52;
    p.header.command_status = CommandStatus::invalid_command_id;
    out.push_back({"generic_nack, ESME_RINVCMDID",
                   p,
                   "generic_nack",
                   {{"sequence_number", 52}, {"command_status", 3}}});
  }
  add_smpp50_cases(out);
  return out;
}

// Runs node-smpp once over all requests (one JSON line each) and returns its answers in order.
// `name` keeps the files of test cases that ctest runs in parallel apart.
std::vector<json> ask_node(const std::vector<json>& requests, const std::string& name) {
  const std::string dir = AIOSMPP_INTEROP_WORK_DIR;
  const std::string in = dir + "/codec_requests_" + name + ".jsonl";
  const std::string out = dir + "/codec_answers_" + name + ".jsonl";
  {
    std::ofstream f(in, std::ios::trunc);
    for (const auto& r : requests)
      f << r.dump() << '\n';
  }
  const std::string cmd = std::string("\"") + AIOSMPP_NODE_EXECUTABLE + "\" \"" +
                          AIOSMPP_CODEC_PEER_SCRIPT + "\" < \"" + in + "\" > \"" + out + "\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::vector<json> answers;
  std::ifstream f(out);
  for (std::string line; std::getline(f, line);)
    answers.push_back(json::parse(line));
  REQUIRE(answers.size() == requests.size());
  return answers;
}

}  // namespace

TEST_CASE("every PDU type: aiosmpp and node-smpp agree on the bytes and the fields") {
  const auto all = cases();
  std::vector<json> requests;
  std::vector<std::string> ours;
  for (const auto& c : all) {
    std::vector<std::uint8_t> bytes;
    auto r = encode(c.pdu, bytes);
    INFO(c.name);
    REQUIRE(r.has_value());
    ours.push_back(test::to_hex(bytes));
    requests.push_back({{"op", "encode"}, {"command", c.node_command}, {"params", c.node_params}});
    requests.push_back({{"op", "decode"}, {"hex", ours.back()}});
  }
  const auto answers = ask_node(requests, "all");

  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = all[i];
    const auto& encoded = answers[2 * i];
    const auto& decoded = answers[2 * i + 1];
    INFO(c.name);
    REQUIRE(encoded.at("ok").get<bool>());
    REQUIRE(decoded.at("ok").get<bool>());

    // 1. Same bytes from both encoders.
    const auto node_hex = encoded.at("hex").get<std::string>();
    CHECK(node_hex == ours[i]);

    // 2. node-smpp reads every field of aiosmpp's bytes as written here.
    const auto& fields = decoded.at("pdu");
    CHECK(fields.at("command").get<std::string>() == c.node_command);
    for (const auto& [key, value] : c.node_params.items()) {
      INFO("field " << key);
      REQUIRE(fields.contains(key));
      CHECK(fields.at(key) == value);
    }

    // 3. aiosmpp reads node-smpp's bytes back into the value written here.
    const auto node_bytes = test::from_hex(node_hex);
    auto back = decode(node_bytes);
    REQUIRE(back.has_value());
    CHECK(back.value() == c.pdu);
  }
}

TEST_CASE("broadcast_end_time: node-smpp leaves out the NUL that 5.0 gives it (docs/smpp-5.0.md)") {
  // 5.0 types broadcast_end_time as a C-octet string of 17 octets (16 characters and the NUL);
  // node-smpp writes the 16 characters alone. aiosmpp refuses that form with the status a peer
  // must get, and names the TLV, rather than guessing.
  const json params = {{"sequence_number", 66},
                       {"message_id", "bc-66"},
                       {"message_state", 2},
                       {"broadcast_area_identifier", json::array({{{"hex", "00313233"}}})},
                       {"broadcast_area_success", 100},
                       {"broadcast_end_time", "261126120000000+"}};
  const auto answers =
      ask_node({{{"op", "encode"}, {"command", "query_broadcast_sm_resp"}, {"params", params}}},
               "broadcast_end_time");
  REQUIRE(answers[0].at("ok").get<bool>());
  const auto hex = answers[0].at("hex").get<std::string>();
  CHECK(hex.find("06090010" + test::to_hex(bytes_of("261126120000000+"))) != std::string::npos);
  const auto r = decode(test::from_hex(hex));
  REQUIRE_FALSE(r);
  CHECK(r.error().field == "broadcast_end_time");
  CHECK(r.error().status == CommandStatus::invalid_optional_param_value);
}
