// Encoder validation (one check per field class, naming PDU, field, size and limit; the output
// untouched on error), allocation behaviour, typed TLV setters, enums and status formatting.

#include <string>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/pdu/pdu.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::to_hex;

namespace {

SubmitSm valid_submit() {
  SubmitSm p;
  p.header.sequence_number = 2;
  p.source = PhoneNumber("Test", Ton::alphanumeric);
  p.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
  p.short_message = "Hello";
  return p;
}

template <class P>
CodecError encode_error(const P& p, const EncodeOptions& options = {}) {
  std::vector<std::uint8_t> out{1, 2, 3};
  out.reserve(1024);
  const auto before = out;
  auto r = encode(p, out, options);
  REQUIRE_FALSE(r.has_value());
  CHECK(out == before);  // never a partial PDU
  auto size = encoded_size(p, options);
  REQUIRE_FALSE(size.has_value());
  CHECK(size.error() == r.error());
  CHECK(r.error().error == errc::invalid_field);
  return r.error();
}

}  // namespace

TEST_CASE("encode: C-octet string above its size names PDU, field, size and limit") {
  auto p = valid_submit();
  p.destination.number = std::string(22, '1');
  auto e = encode_error(p);
  CHECK(e.problem == CodecProblem::c_string_too_long);
  CHECK(e.status == CommandStatus::invalid_dest_address);
  CHECK(e.message() == "submit_sm.destination_addr: 22 octets, limit 20 (21 with NUL)");
  CHECK(e.sequence_number == 2);
  p.destination.number = std::string(20, '1');  // exactly at the limit is fine
  std::vector<std::uint8_t> out;
  CHECK(encode(p, out));

  BindTransmitter b;
  b.system_id = std::string(16, 's');
  CHECK(encode_error(b).message() ==
        "bind_transmitter.system_id: 16 octets, limit 15 (16 with NUL)");
  b.system_id = "ok";
  b.password = std::string(9, 'p');
  CHECK(encode_error(b).status == CommandStatus::invalid_password);
  b.password.clear();
  b.address_range.number = std::string(41, 'r');
  CHECK(encode_error(b).field == "address_range");

  DataSm d;  // data_sm addresses allow 64 characters
  d.source.number = std::string(64, '1');
  CHECK(encode(d, out));
  d.source.number += '1';
  CHECK(encode_error(d).message() == "data_sm.source_addr: 65 octets, limit 64 (65 with NUL)");
}

TEST_CASE("encode: a NUL inside a C-octet string") {
  auto p = valid_submit();
  p.service_type = std::string("CM\0T", 4);
  auto e = encode_error(p);
  CHECK(e.problem == CodecProblem::c_string_contains_nul);
  CHECK(e.field == "service_type");
  CHECK(e.status == CommandStatus::invalid_service_type);
}

TEST_CASE("encode: time fields are empty or 16 characters") {
  auto p = valid_submit();
  p.schedule_delivery_time = "2511261200";
  auto e = encode_error(p);
  CHECK(e.problem == CodecProblem::invalid_time);
  CHECK(e.status == CommandStatus::invalid_schedule);
  CHECK(e.size == 10);
  p.schedule_delivery_time = "251126120000000X";
  CHECK(encode_error(p).problem == CodecProblem::invalid_time);
  p.schedule_delivery_time = "251126120000004-";
  std::vector<std::uint8_t> out;
  CHECK(encode(p, out));
}

TEST_CASE("encode: enumerated values against their ranges") {
  auto p = valid_submit();
  p.priority_flag = 4;
  auto e = encode_error(p);
  CHECK(e.status == CommandStatus::invalid_priority_flag);
  CHECK(e.message() == "submit_sm.priority_flag: value 4 (0x04), limit 3 (0x03)");
  p.priority_flag = 3;
  p.registered_delivery = RegisteredDelivery{0x21};
  CHECK(encode_error(p).status == CommandStatus::invalid_registered_delivery);
  p.registered_delivery = RegisteredDelivery::receipt_on_failure | RegisteredDelivery::sme_user_ack;
  p.replace_if_present_flag = 2;
  CHECK(encode_error(p).status == CommandStatus::invalid_replace_flag);
}

TEST_CASE("encode: short_message limits and the message_payload rule") {
  auto p = valid_submit();
  p.short_message = std::string(255, 'x');
  auto e = encode_error(p);
  CHECK(e.problem == CodecProblem::short_message_too_long);
  CHECK(e.status == CommandStatus::invalid_message_length);
  CHECK(e.size == 255);
  CHECK(e.limit == 254);
  p.short_message = std::string(254, 'x');
  std::vector<std::uint8_t> out;
  CHECK(encode(p, out));
  REQUIRE(p.tlvs.set<tlv::MessagePayload>(std::vector<std::uint8_t>(300, 0x41)));
  CHECK(encode_error(p).problem == CodecProblem::short_message_and_payload);
  p.short_message.clear();
  out.clear();
  CHECK(encode(p, out));
  CHECK(out.size() == 54 - 5 + 4 + 300);
}

TEST_CASE("encode: TLV checks") {
  auto p = valid_submit();
  p.tlvs.push_back(Tlv{tlv::SarMsgRefNum::tag, {0x01}});
  auto e = encode_error(p);
  CHECK(e.problem == CodecProblem::tlv_length_invalid);
  CHECK(e.status == CommandStatus::invalid_param_length);
  CHECK(e.field == "sar_msg_ref_num");

  p = valid_submit();
  p.tlvs.set<tlv::ScInterfaceVersion>(0x34);  // bind responses only
  EncodeOptions strict;
  strict.strict_tlvs = true;
  e = encode_error(p, strict);
  CHECK(e.problem == CodecProblem::tlv_not_allowed);
  CHECK(e.status == CommandStatus::optional_param_not_allowed);
  CHECK(e.message() == "submit_sm.sc_interface_version (tag 0x0210): not allowed in submit_sm");

  p = valid_submit();
  p.tlvs.push_back(Tlv{tlv::ReceiptedMessageId::tag, {'a', 'b'}});  // C-string without NUL
  p.tlvs.erase<tlv::ReceiptedMessageId>();
  p.tlvs.push_back(Tlv{tlv::CallbackNum::tag, {1, 2}});  // callback_num is 4..19
  CHECK(encode_error(p).field == "callback_num");

  DeliverSm d;
  d.tlvs.push_back(Tlv{tlv::ReceiptedMessageId::tag, {'a', 'b'}});
  CHECK(encode_error(d).problem == CodecProblem::tlv_value_invalid);

  p = valid_submit();
  p.tlvs.push_back(Tlv{0x1401, std::vector<std::uint8_t>(70000, 0)});
  e = encode_error(p);
  CHECK(e.problem == CodecProblem::tlv_too_large);
  CHECK(e.limit == 0xFFFF);
}

TEST_CASE("encode: the TLV allow-lists are validation the caller asks for") {
  // libsmpp34 writes submit_sm with receipted_message_id; the default decoder keeps such a TLV,
  // so the default encoder must write it back (a gateway forwards what it received).
  auto p = valid_submit();
  REQUIRE(p.tlvs.set<tlv::ReceiptedMessageId>("abc123"));
  std::vector<std::uint8_t> wire;
  REQUIRE(encode(p, wire));
  CHECK(encoded_size(p).value() == wire.size());
  auto back = decode(wire);
  REQUIRE(back);
  CHECK(std::get<SubmitSm>(*back) == p);
  std::vector<std::uint8_t> again;
  REQUIRE(encode(*back, again));
  CHECK(again == wire);

  // With strict_tlvs both sides refuse it, with the same error.
  EncodeOptions strict;
  strict.strict_tlvs = true;
  const auto e = encode_error(p, strict);
  CHECK(e.problem == CodecProblem::tlv_not_allowed);
  CHECK(e.field == "receipted_message_id");
  DecodeOptions strict_decode;
  strict_decode.strict_tlvs = true;
  const auto d = decode(wire, strict_decode);
  REQUIRE_FALSE(d);
  CHECK(d.error().problem == e.problem);
  CHECK(d.error().status == e.status);
  CHECK(d.error().field == e.field);
  CHECK(d.error().error == errc::malformed_pdu);

  // Responses may carry any TLV, strict or not.
  SubmitSmResp r;
  r.message_id = "m1";
  r.tlvs.set<tlv::MessageState>(2);
  wire.clear();
  CHECK(encode(r, wire, strict));
}

TEST_CASE("encode: submit_multi and submit_multi_resp lists") {
  SubmitMulti m;
  auto e = encode_error(m);
  CHECK(e.problem == CodecProblem::invalid_entry_count);
  CHECK(e.status == CommandStatus::invalid_number_of_dests);
  CHECK(e.field == "number_of_dests");
  m.dest_addresses.resize(255);
  CHECK(encode_error(m).size == 255);
  m.dest_addresses.resize(254);
  std::vector<std::uint8_t> out;
  CHECK(encode(m, out));
  m.dest_addresses.resize(1);
  m.dest_addresses[0].dest_flag = static_cast<DestFlag>(3);
  e = encode_error(m);
  CHECK(e.status == CommandStatus::invalid_dest_flag);
  CHECK(e.message() ==
        "submit_multi.dest_flag: value 3, must be 1 (SME address) or 2 "
        "(distribution list)");
  m.dest_addresses[0] = {DestFlag::distribution_list, PhoneNumber("123"), "list"};
  CHECK(encode_error(m).problem == CodecProblem::unused_field_set);
  m.dest_addresses[0] = {DestFlag::sme_address, PhoneNumber("123"), "list"};
  CHECK(encode_error(m).field == "dl_name");
  m.dest_addresses[0] = {DestFlag::distribution_list, {}, std::string(21, 'l')};
  CHECK(encode_error(m).status == CommandStatus::invalid_dl_name);

  SubmitMultiResp r;
  r.unsuccess_smes.resize(256);
  CHECK(encode_error(r).field == "no_unsuccess");
}

TEST_CASE("encode: has_body false requires the body fields to be unset") {
  SubmitSmResp r;
  r.header.command_status = CommandStatus::throttled;
  r.has_body = false;
  std::vector<std::uint8_t> out;
  REQUIRE(encode(r, out));
  CHECK(out.size() == 16);
  r.message_id = "lost";
  auto e = encode_error(r);
  CHECK(e.problem == CodecProblem::unused_field_set);
  CHECK(e.field == "message_id");
  QuerySmResp q;  // fields with non-zero defaults count as unset when left at their defaults
  q.has_body = false;
  out.clear();
  CHECK(encode(q, out));
}

TEST_CASE("encode appends without allocating when the buffer has room") {
  auto p = valid_submit();
  std::vector<std::uint8_t> out;
  out.reserve(4096);
  const auto* data = out.data();
  for (int i = 0; i < 50; ++i)
    REQUIRE(encode(p, out));
  CHECK(out.data() == data);
  CHECK(out.size() == 50 * 54);
  Pdu any = p;
  REQUIRE(encode(any, out));
  CHECK(out.size() == 51 * 54);
}

TEST_CASE("validate(PhoneNumber) against a field size") {
  CHECK(validate(PhoneNumber("12345678901234567890"), 21));
  auto r = validate(PhoneNumber(std::string(21, '1')), 21, "destination_addr");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "destination_addr: 21 octets, limit 20 (21 with NUL)");
  CHECK(r.error().status == CommandStatus::invalid_dest_address);
  CHECK_FALSE(validate(PhoneNumber(std::string("1\0002", 3)), 21));
  const PhoneNumber defaults("254722111111");
  CHECK(defaults.ton == Ton::unknown);
  CHECK(defaults.npi == Npi::unknown);
}

TEST_CASE("typed TLV setters check lengths and keep order and unknown tags") {
  Tlvs t;
  t.push_back(Tlv{0x1400, {9}});
  t.set<tlv::SarMsgRefNum>(0xabcd);
  t.set<tlv::SourceTelematicsId>(0x12);
  t.set<tlv::AlertOnMessageDelivery>();
  CHECK(t.size() == 4);
  CHECK(t[0].tag == 0x1400);
  CHECK(t.get<tlv::SarMsgRefNum>() == std::optional<std::uint16_t>(0xabcd));
  CHECK(t[2].value.size() == 1);  // source_telematics_id: 1 octet (reference §11)
  CHECK(t.get<tlv::AlertOnMessageDelivery>());
  t.set<tlv::SarMsgRefNum>(0x0102);  // replaces in place
  CHECK(t.size() == 4);
  CHECK(t[1].value == std::vector<std::uint8_t>{1, 2});

  auto too_long = t.set<tlv::ReceiptedMessageId>(std::string(65, 'x'));
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().field == "receipted_message_id");
  CHECK(too_long.error().status == CommandStatus::invalid_param_length);
  CHECK(t.set<tlv::ReceiptedMessageId>(std::string(64, 'x')));
  CHECK_FALSE(t.set<tlv::ReceiptedMessageId>(std::string("a\0b", 3)));
  const std::uint8_t two[] = {1, 2};
  CHECK_FALSE(t.set<tlv::NetworkErrorCode>(two));
  CHECK(t.erase<tlv::ReceiptedMessageId>() == 1);
  CHECK_FALSE(t.get<tlv::ReceiptedMessageId>().has_value());
  CHECK(tlv::find(0x0424)->name == "message_payload");
  CHECK(tlv::find(0x1400) == nullptr);
  CHECK(tlv::all().size() == 64);  // 44 of 3.4, 20 of 5.0
  CHECK(tlv::allowed(CommandId::deliver_sm, tlv::ReceiptedMessageId::tag));
  CHECK_FALSE(tlv::allowed(CommandId::submit_sm, tlv::ReceiptedMessageId::tag));
  CHECK(tlv::allowed(CommandId::bind_transmitter, 0x1400));
}

TEST_CASE("command_status: names, descriptions, error_code and fmt") {
  CHECK(fmt::format("{}", CommandStatus::throttled) == "ESME_RTHROTTLED (0x58: throttling error)");
  CHECK(status_name(CommandStatus::invalid_command_length) == "ESME_RINVCMDLEN");
  CHECK(status_name(CommandStatus::receiver_temporary_error) == "ESME_RX_T_APPN");
  CHECK(status_name(static_cast<CommandStatus>(0x401)) == "VENDOR_SPECIFIC");
  CHECK(status_name(static_cast<CommandStatus>(0x09)) == "RESERVED");
  CHECK(status_description(static_cast<CommandStatus>(0x401)) == "SMSC vendor-specific error");
  CHECK(fmt::format("{}", static_cast<CommandStatus>(0x401)) ==
        "VENDOR_SPECIFIC (0x401: SMSC vendor-specific error)");
  std::error_code ec = CommandStatus::throttled;
  CHECK(ec == CommandStatus::throttled);
  CHECK(ec != CommandStatus::message_queue_full);
  CHECK(ec.message() == "ESME_RTHROTTLED (0x58: throttling error)");
  CHECK(std::string(ec.category().name()) == "smpp");
  std::error_code lib = errc::response_timeout;
  CHECK(lib == errc::response_timeout);
  CHECK(lib != ec);
  CHECK(lib.message() == "response timeout");
  CHECK(std::string(lib.category().name()) == "aiosmpp");
}

TEST_CASE("SmppError carries command and status") {
  const SmppError e(CommandId::submit_sm, CommandStatus::throttled);
  CHECK(e.command_id() == CommandId::submit_sm);
  CHECK(e.command_status() == CommandStatus::throttled);
  CHECK(e.code() == CommandStatus::throttled);
  CHECK(std::string(e.what()) == "submit_sm: ESME_RTHROTTLED (0x58: throttling error)");
  // Result::value() on an error throws it
  Result<std::size_t> bad = encoded_size(SubmitMulti{});
  CHECK_THROWS_AS(bad.value(), SmppError);
}

TEST_CASE("command ids and enums print readably") {
  CHECK(fmt::format("{}", CommandId::deliver_sm_resp) == "deliver_sm_resp");
  CHECK(fmt::format("{}", static_cast<CommandId>(0x114)) == "0x00000114");
  CHECK(fmt::format("{}", CommandId::broadcast_sm) == "broadcast_sm");
  CHECK(response_id(CommandId::submit_sm) == CommandId::submit_sm_resp);
  CHECK(response_id(CommandId::alert_notification) == CommandId::generic_nack);
  CHECK(is_response(CommandId::generic_nack));
  CHECK_FALSE(is_response(CommandId::outbind));
  CHECK(fmt::format("{}", Ton::international) == "international (0x01)");
  CHECK(fmt::format("{}", Npi::isdn) == "isdn (0x01)");
  CHECK(fmt::format("{}", static_cast<Ton>(9)) == "reserved (0x09)");
  CHECK(fmt::format("{}", DataCoding::ucs2) == "ucs2 (0x08)");
  CHECK(fmt::format("{}", DataCoding{0xf1}) == "gsm_message_class (0xf1)");
  CHECK(fmt::format(
            "{}", EsmClass::store_and_forward_mode | EsmClass::delivery_receipt | EsmClass::udhi) ==
        "store_and_forward_mode|delivery_receipt|udhi (0x47)");
  CHECK(fmt::format("{}",
                    RegisteredDelivery::receipt_always | RegisteredDelivery::sme_delivery_ack) ==
        "receipt_always|sme_delivery_ack (0x05)");
  CHECK(fmt::format("{}", RegisteredDelivery::none) == "none (0x00)");
  CHECK(fmt::format("{}", MessageState::delivered) == "delivered (0x02)");
  CHECK(fmt::format("{}", InterfaceVersion::smpp_3_4) == "smpp_3_4 (0x34)");
  CHECK(fmt::format("{}", DestFlag::distribution_list) == "distribution_list (0x02)");
  CHECK(message_type(EsmClass{0x44}) == EsmClass::delivery_receipt);
  CHECK(has_udhi(EsmClass{0x44}));
  CHECK(message_mode(EsmClass{0x43}) == EsmClass::store_and_forward_mode);
}

TEST_CASE("CodecError formats with its status and sequence number") {
  auto p = valid_submit();
  p.destination.number = std::string(22, '1');
  std::vector<std::uint8_t> out;
  auto r = encode(p, out);
  REQUIRE_FALSE(r);
  CHECK(fmt::format("{}", r.error()) ==
        "submit_sm.destination_addr: 22 octets, limit 20 (21 with NUL) [ESME_RINVDSTADR (0xb: "
        "invalid destination address), sequence_number 2]");
}
