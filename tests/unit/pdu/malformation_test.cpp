// One test per malformation class: the exact CodecProblem, errc and the command_status a peer
// must be answered with (reference §1.1, §3, §4 "which status to use when decoding fails", §5).

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "pdu_test_support.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::decode_error;
using aiosmpp::test::from_hex;

namespace {

// submit_sm from reference §1.3 (54 octets), in parts so tests can splice in broken fields.
constexpr const char* submit_head = "00000004 00000000 00000002";  // after command_length
constexpr const char* submit_body =
    "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00 00 00 00 01 00 00 00"
    " 05 48656c6c6f";

// Builds a PDU from a command_id/status/seq hex and a body, filling in command_length.
std::vector<std::uint8_t> pdu(std::string_view head, std::string_view body) {
  const auto h = from_hex(head);
  const auto b = from_hex(body);
  std::vector<std::uint8_t> out(4 + h.size() + b.size());
  const auto n = static_cast<std::uint32_t>(out.size());
  for (std::size_t i = 0; i < 4; ++i)
    out[i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  std::copy(h.begin(), h.end(), out.begin() + 4);
  std::copy(b.begin(), b.end(), out.begin() + 4 + static_cast<std::ptrdiff_t>(h.size()));
  return out;
}

std::string submit_with_tlvs(std::string_view tlvs) {
  return std::string(submit_body) + " " + std::string(tlvs);
}

}  // namespace

TEST_CASE("the §1.3 submit_sm base vector decodes") {
  REQUIRE(decode(pdu(submit_head, submit_body)));
}

TEST_CASE("malformed: command_length below 16") {
  auto e = decode_error(from_hex("0000000f 00000004 00000000 00000002"));
  CHECK(e.problem == CodecProblem::command_length_too_small);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.error == errc::malformed_pdu);
  CHECK(e.size == 15);
  CHECK_FALSE(e.sequence_known);
}

TEST_CASE("malformed: command_length above the configured maximum") {
  auto e = decode_error(pdu(submit_head, submit_body), DecodeOptions{40});
  CHECK(e.problem == CodecProblem::command_length_too_large);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.error == errc::pdu_too_large);
  CHECK(e.size == 54);
  CHECK(e.limit == 40);
  CHECK(e.sequence_known);
  CHECK(e.sequence_number == 2);
  CHECK(e.message() == "command_length 54: above the maximum PDU size of 40");
}

TEST_CASE("malformed: buffer shorter or longer than command_length") {
  auto bytes = pdu(submit_head, submit_body);
  bytes.push_back(0);
  auto e = decode_error(bytes);
  CHECK(e.problem == CodecProblem::length_mismatch);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.sequence_number == 2);
  bytes.resize(20);
  CHECK(decode_error(bytes).problem == CodecProblem::length_mismatch);
  CHECK(decode_error(from_hex("000000")).problem == CodecProblem::length_mismatch);
  CHECK(decode_error({}).problem == CodecProblem::length_mismatch);
}

TEST_CASE("malformed: unknown command_id") {
  // an id after 5.0's cancel_broadcast_sm, a reserved id, and alert_notification's non-existent
  // response.
  for (const char* id : {"00000114", "0000000a", "80000102", "01000001"}) {
    INFO(id);
    auto e = decode_error(pdu(std::string(id) + " 00000000 0000002a", ""));
    CHECK(e.problem == CodecProblem::unknown_command_id);
    CHECK(e.status == CommandStatus::invalid_command_id);
    CHECK(e.error == errc::unknown_command);
    CHECK(e.sequence_known);
    CHECK(e.sequence_number == 0x2a);
  }
}

TEST_CASE("malformed: body shorter than its fields") {
  // submit_sm cut after destination_addr: esm_class is missing.
  auto e = decode_error(pdu(submit_head, "00 05 00 54657374 00 01 01 343437373030393030313233 00"));
  CHECK(e.problem == CodecProblem::truncated);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.field == "esm_class");
  CHECK(e.command_id == CommandId::submit_sm);
  CHECK(e.sequence_number == 2);
  // query_sm_resp cut before error_code; submit_sm cut inside an address's TON/NPI.
  CHECK(decode_error(pdu("80000003 00000000 00000001", "00 00 02")).field == "error_code");
  CHECK(decode_error(pdu(submit_head, "00 05")).field == "source_addr");
  // a bind with no body at all
  CHECK(decode_error(pdu("00000002 00000000 00000001", "")).problem ==
        CodecProblem::unterminated_c_string);
}

TEST_CASE("malformed: unterminated C-octet string") {
  auto e = decode_error(pdu("00000002 00000000 00000001", "65736d65"));  // "esme", no NUL
  CHECK(e.problem == CodecProblem::unterminated_c_string);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.field == "system_id");
  CHECK(e.size == 4);
}

TEST_CASE("malformed: oversize C-octet strings carry the field's own status") {
  // destination_addr of 21 characters (limit 20 + NUL)
  auto e = decode_error(pdu(submit_head,
                            "00 05 00 54657374 00 01 01 343437373030393030313233343536373839303132"
                            " 00 00 00 00 00 00 01 00 00 00 00"));
  CHECK(e.problem == CodecProblem::c_string_too_long);
  CHECK(e.status == CommandStatus::invalid_dest_address);
  CHECK(e.field == "destination_addr");
  CHECK(e.size == 21);
  CHECK(e.limit == 20);
  CHECK(e.message() == "submit_sm.destination_addr: 21 octets, limit 20 (21 with NUL)");

  auto sys = decode_error(
      pdu("00000002 00000000 00000001", "41414141414141414141414141414141 00 00 00 34 00 00 00"));
  CHECK(sys.status == CommandStatus::invalid_system_id);
  CHECK(sys.size == 16);
  auto pw = decode_error(
      pdu("00000002 00000000 00000001", "41 00 42424242424242424242 00 00 34 00 00 00"));
  CHECK(pw.status == CommandStatus::invalid_password);
  CHECK(pw.field == "password");
  auto st = decode_error(pdu(submit_head, "41414141414141 00"));
  CHECK(st.status == CommandStatus::invalid_service_type);
}

TEST_CASE("malformed: time fields must be empty or 16 characters") {
  auto e = decode_error(pdu(submit_head,
                            "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00 00"
                            " 3132333435 00 00 01 00 00 00 00"));
  CHECK(e.problem == CodecProblem::invalid_time);
  CHECK(e.status == CommandStatus::invalid_schedule);
  CHECK(e.field == "schedule_delivery_time");
  CHECK(e.size == 5);
  // 16 characters not ending in + - R
  auto v = decode_error(pdu(submit_head,
                            "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00 00 00"
                            " 30303030303130303030303030303030 00 01 00 00 00 00"));
  CHECK(v.status == CommandStatus::invalid_expiry);
}

TEST_CASE("malformed: sm_length beyond the body or above 254") {
  auto past = decode_error(pdu(submit_head,
                               "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00 00"
                               " 00 00 01 00 00 00 06 48656c6c6f"));
  CHECK(past.problem == CodecProblem::short_message_past_end);
  CHECK(past.status == CommandStatus::invalid_message_length);
  CHECK(past.field == "sm_length");
  CHECK(past.size == 6);
  CHECK(past.limit == 5);

  std::string body =
      "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00 00 00 00 01 00 00 00 ff";
  for (int i = 0; i < 255; ++i)
    body += " 41";
  auto big = decode_error(pdu(submit_head, body));
  CHECK(big.problem == CodecProblem::short_message_too_long);
  CHECK(big.status == CommandStatus::invalid_message_length);
  CHECK(big.size == 255);
}

TEST_CASE("malformed: short_message together with message_payload") {
  auto e = decode_error(pdu(submit_head, submit_with_tlvs("0424 0002 4142")));
  CHECK(e.problem == CodecProblem::short_message_and_payload);
  CHECK(e.status == CommandStatus::invalid_message_length);
}

TEST_CASE("malformed: TLV header truncated (stray octets after the mandatory fields)") {
  for (const char* tail : {"02", "020c", "020c00"}) {
    auto e = decode_error(pdu(submit_head, submit_with_tlvs(tail)));
    CHECK(e.problem == CodecProblem::tlv_header_truncated);
    CHECK(e.status == CommandStatus::invalid_optional_param_stream);
  }
}

TEST_CASE("malformed: TLV length past the end of the PDU") {
  auto e = decode_error(pdu(submit_head, submit_with_tlvs("020c 0005 1234")));
  CHECK(e.problem == CodecProblem::tlv_length_past_end);
  CHECK(e.status == CommandStatus::invalid_optional_param_stream);
  CHECK(e.tag == 0x020c);
  CHECK(e.size == 5);
  CHECK(e.limit == 2);
  // an unknown tag overrunning is just as broken
  CHECK(decode_error(pdu(submit_head, submit_with_tlvs("1400 0001"))).problem ==
        CodecProblem::tlv_length_past_end);
}

TEST_CASE("malformed: TLV length wrong for its type") {
  auto e = decode_error(pdu(submit_head, submit_with_tlvs("020c 0001 12")));
  CHECK(e.problem == CodecProblem::tlv_length_invalid);
  CHECK(e.status == CommandStatus::invalid_param_length);
  CHECK(e.field == "sar_msg_ref_num");
  CHECK(e.message() == "submit_sm.sar_msg_ref_num (tag 0x020c): length 1, must be 2..2");
  // §11 tolerances: source_telematics_id of 2 octets and alert_on_message_delivery of 1 decode.
  CHECK(decode(pdu("00000103 00000000 00000001", "00 00 00 00 00 00 00 00 00 00 0010 0002 0001")));
  CHECK(decode(pdu(submit_head, submit_with_tlvs("130c 0001 01"))));
  CHECK(decode_error(pdu(submit_head, submit_with_tlvs("130c 0002 0101"))).problem ==
        CodecProblem::tlv_length_invalid);
}

TEST_CASE("malformed: C-string TLV not ending in its only NUL") {
  const std::string head = "00000005 00000000 00000001";
  auto e = decode_error(pdu(head, submit_with_tlvs("001e 0003 616263")));
  CHECK(e.problem == CodecProblem::tlv_value_invalid);
  CHECK(e.status == CommandStatus::invalid_optional_param_value);
  CHECK(e.field == "receipted_message_id");
  CHECK(decode_error(pdu(head, submit_with_tlvs("001e 0004 61006200"))).problem ==
        CodecProblem::tlv_value_invalid);
}

TEST_CASE("malformed: a known TLV a request may not carry") {
  DecodeOptions strict;
  strict.strict_tlvs = true;
  auto e = decode_error(pdu(submit_head, submit_with_tlvs("0210 0001 34")), strict);
  CHECK(e.problem == CodecProblem::tlv_not_allowed);
  CHECK(e.status == CommandStatus::optional_param_not_allowed);
  CHECK(e.field == "sc_interface_version");
  // deliver_sm-only TLVs in a submit_sm
  CHECK(decode_error(pdu(submit_head, submit_with_tlvs("0427 0001 02")), strict).status ==
        CommandStatus::optional_param_not_allowed);
  // By default the decoder keeps them (as SMSCs send them), still checking their lengths.
  auto lenient = decode(pdu(submit_head, submit_with_tlvs("0427 0001 02")));
  REQUIRE(lenient);
  CHECK(std::get<SubmitSm>(*lenient).tlvs.get<tlv::MessageState>() == 2);
  CHECK(decode_error(pdu(submit_head, submit_with_tlvs("0427 0002 0202"))).problem ==
        CodecProblem::tlv_length_invalid);
  // but a response may carry any TLV (losing a response would lose its message), and unknown
  // tags are fine everywhere
  auto resp = decode(pdu("80000004 00000000 00000002", "616263 00 0423 0003 030001"));
  REQUIRE(resp);
  CHECK(std::get<SubmitSmResp>(*resp).tlvs.contains<tlv::NetworkErrorCode>());
  CHECK(decode(pdu(submit_head, submit_with_tlvs("3fff 0000"))));
}

TEST_CASE("malformed: a header-only PDU with a body") {
  auto e = decode_error(pdu("00000015 00000000 00000001", "00"));
  CHECK(e.problem == CodecProblem::trailing_bytes);
  CHECK(e.status == CommandStatus::invalid_command_length);
  CHECK(e.command_id == CommandId::enquire_link);
  CHECK(decode_error(pdu("80000000 00000003 00000001", "00000000")).problem ==
        CodecProblem::trailing_bytes);
}

TEST_CASE("malformed: enumerated values out of range") {
  const std::string pre = "00 05 00 54657374 00 01 01 343437373030393030313233 00 00 00";
  auto prio = decode_error(pdu(submit_head, pre + " 04 00 00 01 00 00 00 00"));
  CHECK(prio.problem == CodecProblem::value_out_of_range);
  CHECK(prio.status == CommandStatus::invalid_priority_flag);
  CHECK(prio.size == 4);
  CHECK(prio.limit == 3);
  auto reg = decode_error(pdu(submit_head, pre + " 00 00 00 20 00 00 00 00"));
  CHECK(reg.status == CommandStatus::invalid_registered_delivery);
  auto rep = decode_error(pdu(submit_head, pre + " 00 00 00 01 02 00 00 00"));
  CHECK(rep.status == CommandStatus::invalid_replace_flag);
}

TEST_CASE("malformed: submit_multi destination list") {
  const std::string head = "00000021 00000000 00000004";
  const std::string tail = " 00 00 00 00 00 00 00 00 00 00";
  auto zero = decode_error(pdu(head, "00 05 00 496e666f 00 00" + tail));
  CHECK(zero.problem == CodecProblem::invalid_entry_count);
  CHECK(zero.status == CommandStatus::invalid_number_of_dests);
  auto flag = decode_error(pdu(head, "00 05 00 496e666f 00 01 03 01 01 31 00" + tail));
  CHECK(flag.problem == CodecProblem::value_out_of_range);
  CHECK(flag.status == CommandStatus::invalid_dest_flag);
  CHECK(flag.field == "dest_flag");
  auto dl = decode_error(
      pdu(head, "00 05 00 496e666f 00 01 02 414141414141414141414141414141414141414141 00" + tail));
  CHECK(dl.status == CommandStatus::invalid_dl_name);
  auto cut = decode_error(pdu(head, "00 05 00 496e666f 00 02 01 01 01 31 00"));
  CHECK(cut.problem == CodecProblem::truncated);
  CHECK(cut.field == "dest_flag");
}

TEST_CASE("malformed: submit_multi_resp unsuccess_sme cut short") {
  auto e = decode_error(pdu("80000021 00000000 00000004", "6d31 00 01 01 01 31 00 0000"));
  CHECK(e.problem == CodecProblem::truncated);
  CHECK(e.field == "error_status_code");
  CHECK(e.status == CommandStatus::invalid_command_length);
}

TEST_CASE("decoder never reads out of bounds: every prefix and random corruption") {
  // Under ASan/UBSan this proves the bounds; everywhere it proves decode returns, never throws.
  const std::vector<std::vector<std::uint8_t>> seeds{
      pdu(submit_head, submit_with_tlvs("020c 0002 1234 1400 0003 aabbcc")),
      pdu("00000021 00000000 00000004",
          "00 05 00 496e666f 00 02 01 01 01 31 00 02 41 00 00 00 00 00 00 00 00 00 00 02 4869"),
      pdu("80000021 00000000 00000004", "6d31 00 02 01 01 31 00 00000045 00 00 32 00 00000001"),
      pdu("00000103 00000000 00000001", "00 00 00 31 00 00 00 32 00 00 00 00 0424 0003 414243"),
      pdu("00000002 00000000 00000001", "65736d653031 00 7077313233 00 00 34 00 00 00"),
  };
  std::mt19937 rng(20261126);
  std::size_t ok = 0;
  std::size_t failed = 0;
  for (const auto& seed : seeds) {
    for (std::size_t cut = 0; cut <= seed.size(); ++cut) {
      std::vector<std::uint8_t> b(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(cut));
      if (b.size() >= 4) {  // keep command_length honest so the body parser is exercised
        b[3] = static_cast<std::uint8_t>(b.size());
      }
      (decode_view(b) ? ok : failed)++;
      (decode(b) ? ok : failed)++;
    }
    for (int i = 0; i < 2000; ++i) {
      auto b = seed;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        b[16 + rng() % (b.size() - 16)] = static_cast<std::uint8_t>(rng());
      }
      // Default options on both sides: whatever the decoder accepts re-encodes exactly.
      auto v = decode_view(b);
      auto o = decode(b);
      CHECK(v.has_value() == o.has_value());
      if (v && o) {
        CHECK(to_owning(*v) == *o);
        std::vector<std::uint8_t> again;
        REQUIRE(encode(*v, again));
        CHECK(again == b);  // anything accepted re-encodes byte for byte
      }
      (v ? ok : failed)++;
    }
  }
  CHECK(ok > 0);
  CHECK(failed > 0);
}

TEST_CASE("error_response: what to answer an undecodable PDU with") {
  // bad length -> generic_nack ESME_RINVCMDLEN with the sequence number when readable
  auto nack = error_response(decode_error(pdu(submit_head, "00 05")));
  REQUIRE(nack);
  REQUIRE(std::holds_alternative<GenericNack>(*nack));
  CHECK(std::get<GenericNack>(*nack).header == PduHeader{CommandStatus::invalid_command_length, 2});
  auto small = error_response(decode_error(from_hex("0000000f 00000004 00000000 00000002")));
  REQUIRE(small);
  CHECK(std::get<GenericNack>(*small).header.sequence_number == 0);
  auto unknown = error_response(decode_error(pdu("00000114 00000000 0000002a", "")));
  REQUIRE(unknown);
  CHECK(std::get<GenericNack>(*unknown).header ==
        PduHeader{CommandStatus::invalid_command_id, 0x2a});
  // a field error in a request -> that request's _resp, header only
  auto resp = error_response(decode_error(
      pdu(submit_head,
          "00 05 00 54657374 00 01 01 343437373030393030313233343536373839303132 00 00 00 00 00 00"
          " 01 00 00 00 00")));
  REQUIRE(resp);
  REQUIRE(std::holds_alternative<SubmitSmResp>(*resp));
  const auto& r = std::get<SubmitSmResp>(*resp);
  CHECK(r.header == PduHeader{CommandStatus::invalid_dest_address, 2});
  CHECK_FALSE(r.has_body);
  std::vector<std::uint8_t> out;
  REQUIRE(encode(*resp, out));
  CHECK(out == from_hex("00000010 80000004 0000000b 00000002"));
  DecodeOptions strict;
  strict.strict_tlvs = true;
  auto tlv = error_response(decode_error(
      pdu("00000103 00000000 00000007", "00 00 00 00 00 00 00 00 00 00 0210 0001 34"), strict));
  REQUIRE(tlv);
  CHECK(std::get<DataSmResp>(*tlv).header.command_status ==
        CommandStatus::optional_param_not_allowed);
  // responses, generic_nack and alert_notification are never answered
  CHECK_FALSE(error_response(decode_error(pdu("80000004 00000000 00000002", "4141 0001"))));
  CHECK_FALSE(error_response(decode_error(pdu("80000000 00000000 00000002", "00"))));
  // ... even when their body is shorter than its fields (ESME_RINVCMDLEN for a request)
  CHECK_FALSE(error_response(decode_error(pdu("80000005 00000000 00000002", "78"))));
  CHECK_FALSE(error_response(
      decode_error(pdu("00000102 00000000 00000002", "00 00 00 00 00 00 0422 0002 0000"))));
}
