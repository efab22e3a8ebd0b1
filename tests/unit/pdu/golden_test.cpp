// Golden byte vectors for every SMPP 3.4 PDU, in tests/data/pdu/golden.txt, written by hand from
// the field tables of ../shared/docs/smpp-3.4-reference.md (§1.3's worked examples first). Here is
// the decoded value of each; both are checked both ways: bytes -> Pdu must equal the hand-built
// value, value -> bytes must equal the vector, and the zero-copy path (decode_view, encode of the
// view, to_owning) must agree.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "golden_file.hpp"
#include "pdu_test_support.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::bytes_for;
using aiosmpp::test::from_hex;
using aiosmpp::test::hdr;
using aiosmpp::test::to_hex;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

struct Golden {
  std::string name;
  Pdu pdu;
};

std::vector<Golden> goldens() {
  std::vector<Golden> g;

  {  // §1.3 row 1: bind_transmitter, seq 1, "esme01"/"pw123", interface_version 0x34
    BindTransmitter p;
    p.header = hdr(1);
    p.system_id = "esme01";
    p.password = "pw123";
    g.push_back({"bind_transmitter (reference §1.3)", p});
  }
  {
    BindReceiver p;
    p.header = hdr(7);
    p.system_id = "rx";
    p.system_type = "VMS";
    p.address_range = PhoneNumber("^44", Ton::international, Npi::isdn);
    g.push_back({"bind_receiver with system_type and address_range", p});
  }
  {
    BindTransceiver p;
    p.header = hdr(3);
    p.system_id = "trx";
    p.password = "secret";
    p.interface_version = InterfaceVersion::smpp_3_3;
    p.address_range.ton = Ton::alphanumeric;
    g.push_back({"bind_transceiver, interface_version 0x33", p});
  }
  {
    BindTransmitterResp p;
    p.header = hdr(1);
    p.system_id = "SMSC";
    p.tlvs.set<tlv::ScInterfaceVersion>(0x34);
    g.push_back({"bind_transmitter_resp with sc_interface_version", p});
  }
  {
    BindReceiverResp p;
    p.header = hdr(7, CommandStatus::bind_failed);
    p.has_body = false;
    g.push_back({"bind_receiver_resp, ESME_RBINDFAIL, no body (3.4 §3.2)", p});
  }
  {
    BindTransceiverResp p;
    p.header = hdr(3);
    g.push_back({"bind_transceiver_resp, empty system_id", p});
  }
  {
    Outbind p;
    p.header = hdr(1);
    p.system_id = "smsc";
    p.password = "pw";
    g.push_back({"outbind", p});
  }
  {
    Unbind p;
    p.header = hdr(5);
    g.push_back({"unbind", p});
  }
  {
    UnbindResp p;
    p.header = hdr(5);
    g.push_back({"unbind_resp", p});
  }
  {
    GenericNack p;
    p.header = hdr(9, CommandStatus::invalid_command_id);
    g.push_back({"generic_nack ESME_RINVCMDID", p});
  }
  {  // §1.3 row 2
    SubmitSm p;
    p.header = hdr(2);
    p.source = PhoneNumber("Test", Ton::alphanumeric, Npi::unknown);
    p.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.short_message = "Hello";
    g.push_back({"submit_sm (reference §1.3)", p});
  }
  {
    SubmitSm p;
    p.header = hdr(0x10);
    p.service_type = "CMT";
    p.source = PhoneNumber("447700900001", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("447700900002", Ton::international, Npi::isdn);
    p.esm_class = EsmClass::udhi;
    p.priority_flag = 1;
    p.validity_period = "000001000000000R";
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.data_coding = DataCoding::ucs2;
    p.short_message = std::string("\x05\x00\x03\x2a\x02\x01\x00\x48", 8);
    p.tlvs.set<tlv::SarMsgRefNum>(0x1234);
    p.tlvs.set<tlv::SarTotalSegments>(3);
    p.tlvs.set<tlv::SarSegmentSeqnum>(1);
    p.tlvs.set<tlv::UserMessageReference>(0x0102);
    p.tlvs.push_back(Tlv{0x1400, {0xaa, 0xbb, 0xcc}});  // vendor-specific: kept as is
    g.push_back({"submit_sm with UDH, relative validity, SAR TLVs and a vendor TLV", p});
  }
  {  // §1.3 row 3
    SubmitSmResp p;
    p.header = hdr(2);
    p.message_id = "abc123";
    g.push_back({"submit_sm_resp (reference §1.3)", p});
  }
  {  // §1.3 row 4
    SubmitSmResp p;
    p.header = hdr(2, CommandStatus::throttled);
    p.has_body = false;
    g.push_back({"submit_sm_resp ESME_RTHROTTLED, no body (reference §1.3)", p});
  }
  {
    SubmitMulti p;
    p.header = hdr(4);
    p.source = PhoneNumber("Info", Ton::alphanumeric);
    p.dest_addresses.push_back(
        {DestFlag::sme_address, PhoneNumber("4477001", Ton::international, Npi::isdn), ""});
    p.dest_addresses.push_back({DestFlag::distribution_list, {}, "friends"});
    p.registered_delivery = RegisteredDelivery::none;
    p.short_message = "Hi";
    p.tlvs.set<tlv::SourcePort>(0x0b84);
    g.push_back({"submit_multi with an SME address and a distribution list", p});
  }
  {
    SubmitMultiResp p;
    p.header = hdr(4);
    p.message_id = "m1";
    p.unsuccess_smes.push_back(UnsuccessSme{PhoneNumber("4477001", Ton::international, Npi::isdn),
                                            CommandStatus::submit_failed});
    g.push_back({"submit_multi_resp with one unsuccess_sme", p});
  }
  {
    DeliverSm p;
    p.header = hdr(0x2a);
    p.source = PhoneNumber("447700900123", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("Test", Ton::alphanumeric);
    p.esm_class = EsmClass::delivery_receipt;
    p.short_message = "id:abc123 stat:DELIVRD";
    REQUIRE(p.tlvs.set<tlv::ReceiptedMessageId>("abc123"));
    p.tlvs.set<tlv::MessageState>(2);
    g.push_back({"deliver_sm delivery receipt with receipted_message_id and message_state", p});
  }
  {
    DeliverSmResp p;
    p.header = hdr(0x2a);
    g.push_back({"deliver_sm_resp, NULL message_id (reference §3.10)", p});
  }
  {
    DeliverSmResp p;
    p.header = hdr(0x2b);
    p.has_body = false;
    g.push_back({"deliver_sm_resp, length 16 (practice)", p});
  }
  {
    DataSm p;
    p.header = hdr(6);
    p.service_type = "WAP";
    p.source = PhoneNumber("4477", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("4488", Ton::international, Npi::isdn);
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.data_coding = DataCoding::binary;
    REQUIRE(p.tlvs.set<tlv::MessagePayload>(bytes_of("AB")));
    p.tlvs.set<tlv::AlertOnMessageDelivery>();
    p.tlvs.set<tlv::QosTimeToLive>(3600);
    g.push_back({"data_sm with message_payload, a flag TLV and a 4-octet TLV", p});
  }
  {
    DataSmResp p;
    p.header = hdr(6, CommandStatus::delivery_failure);
    p.tlvs.set<tlv::DeliveryFailureReason>(1);
    const std::uint8_t nec[] = {0x03, 0x00, 0x0b};
    REQUIRE(p.tlvs.set<tlv::NetworkErrorCode>(nec));
    REQUIRE(p.tlvs.set<tlv::AdditionalStatusInfoText>("busy"));
    p.tlvs.set<tlv::DpfResult>(1);
    g.push_back({"data_sm_resp ESME_RDELIVERYFAILURE with its four TLVs", p});
  }
  {
    QuerySm p;
    p.header = hdr(8);
    p.message_id = "abc123";
    p.source = PhoneNumber("4477", Ton::international, Npi::isdn);
    g.push_back({"query_sm", p});
  }
  {
    QuerySmResp p;
    p.header = hdr(8);
    p.message_id = "abc123";
    p.final_date = "251126120000004+";
    p.message_state = MessageState::delivered;
    g.push_back({"query_sm_resp with final_date", p});
  }
  {
    CancelSm p;
    p.header = hdr(9);
    p.message_id = "abc123";
    p.source = PhoneNumber("4477", Ton::international, Npi::isdn);
    p.destination = PhoneNumber("4488", Ton::international, Npi::isdn);
    g.push_back({"cancel_sm", p});
  }
  {
    CancelSmResp p;
    p.header = hdr(9);
    g.push_back({"cancel_sm_resp", p});
  }
  {
    ReplaceSm p;
    p.header = hdr(10);
    p.message_id = "abc123";
    p.source = PhoneNumber("4477", Ton::international, Npi::isdn);
    p.registered_delivery = RegisteredDelivery::receipt_always;
    p.short_message = "New";
    g.push_back({"replace_sm", p});
  }
  {
    ReplaceSmResp p;
    p.header = hdr(10, CommandStatus::replace_failed);
    g.push_back({"replace_sm_resp ESME_RREPLACEFAIL", p});
  }
  {
    EnquireLink p;
    p.header = hdr(11);
    g.push_back({"enquire_link", p});
  }
  {
    EnquireLinkResp p;
    p.header = hdr(11);
    g.push_back({"enquire_link_resp", p});
  }
  {
    AlertNotification p;
    p.header = hdr(12);
    p.source = PhoneNumber("4477", Ton::international, Npi::isdn);
    p.esme_addr = PhoneNumber("esme");
    p.tlvs.set<tlv::MsAvailabilityStatus>(0);
    g.push_back({"alert_notification with ms_availability_status", p});
  }
  return g;
}

}  // namespace

TEST_CASE("golden vectors cover every SMPP 3.4 PDU type") {
  // Pdu lists 3.4's 27 types first; golden_5_0_test.cpp covers 5.0's.
  std::vector<bool> seen(27, false);
  for (const auto& g : goldens()) {
    REQUIRE(g.pdu.index() < seen.size());
    seen[g.pdu.index()] = true;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO("variant index " << i);
    CHECK(seen[i]);
  }
}

TEST_CASE("golden vectors: decode gives the hand-built PDU") {
  for (const auto& g : goldens()) {
    INFO(g.name);
    const auto& wire = bytes_for(g.name);
    auto decoded = decode(wire);
    if (!decoded) FAIL(decoded.error().message());
    CHECK(*decoded == g.pdu);
  }
}

TEST_CASE("golden vectors: encode gives the hand-written bytes") {
  for (const auto& g : goldens()) {
    INFO(g.name);
    std::vector<std::uint8_t> out{0xee};  // encode appends
    auto r = encode(g.pdu, out);
    if (!r) FAIL(r.error().message());
    CHECK(to_hex(std::span(out).subspan(1)) == to_hex(bytes_for(g.name)));
    CHECK(out[0] == 0xee);
    auto size = encoded_size(g.pdu);
    REQUIRE(size);
    CHECK(*size == out.size() - 1);
  }
}

TEST_CASE("golden vectors: the view path agrees with the owning path") {
  for (const auto& g : goldens()) {
    INFO(g.name);
    const auto& wire = bytes_for(g.name);
    auto view = decode_view(wire);
    if (!view) FAIL(view.error().message());
    CHECK(view->index() == g.pdu.index());
    CHECK(to_owning(*view) == g.pdu);
    std::vector<std::uint8_t> out;
    REQUIRE(encode(*view, out));
    CHECK(to_hex(out) == to_hex(wire));
  }
}

TEST_CASE("golden vectors: view fields point into the receive buffer") {
  const auto wire = from_hex(
      "00000036 00000004 00000000 00000002 00 05 00 54657374 00 01 01 343437373030393030313233 00"
      "00 00 00 00 00 01 00 00 00 05 48656c6c6f");
  auto r = decode_view(wire);
  REQUIRE(r);
  const auto& v = std::get<SubmitSmView>(*r);
  const auto* base = reinterpret_cast<const char*>(wire.data());
  CHECK(v.short_message == "Hello");
  CHECK(v.short_message.data() == base + 49);
  CHECK(v.destination.number.data() == base + 26);
  CHECK(v.destination.ton == Ton::international);
  CHECK(v.tlvs.empty());
}

TEST_CASE("typed TLV access on decoded views") {
  const auto wire = from_hex(
      "00000057 00000005 00000000 0000002a 00 01 01 343437373030393030313233 00 05 00 54657374 00"
      "04 00 00 00 00 00 00 00 00"
      "16 69643a616263313233207374 61743a44454c49565244"
      "001e 0007 616263313233 00 0427 0001 02");
  auto r = decode_view(wire);
  REQUIRE(r);
  const auto& d = std::get<DeliverSmView>(*r);
  CHECK(message_type(d.esm_class) == EsmClass::delivery_receipt);
  CHECK(d.tlvs.get<tlv::ReceiptedMessageId>() == std::optional<std::string_view>("abc123"));
  CHECK(d.tlvs.get<tlv::MessageState>() == std::optional<std::uint8_t>(2));
  CHECK_FALSE(d.tlvs.get<tlv::SarMsgRefNum>().has_value());
  CHECK_FALSE(d.tlvs.get<tlv::AlertOnMessageDelivery>());
  CHECK(d.tlvs.size() == 2);
}
