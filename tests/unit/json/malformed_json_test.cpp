// Malformed JSON: every case must throw JsonError whose message names the JSON path of the bad
// field and what was expected.

#include <string>
#include <string_view>

#include "aiosmpp/json.hpp"
#include "json_test_support.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using aiosmpp::test::error_as;

namespace {

/** The JsonError message json_decode gives for `text`, or "no error". */
std::string error_of(std::string_view text) {
  try {
    (void)json_decode(text);
  } catch (const JsonError& e) {
    return e.what();
  }
  return "no error";
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("not JSON, or not a PDU object") {
  const auto e = error_of(R"({"type": "submit_sm",)");
  INFO(e);
  CHECK(starts_with(e, "json: not valid JSON (byte "));
  // Syntax nlohmann reads but cannot hold (found by the json_decode fuzzer) is a JsonError too.
  CHECK(starts_with(error_of("1E400"), "json: not usable JSON: number overflow"));
  CHECK(starts_with(error_of(R"({"type": "enquire_link", "sequence_number": 2E147483647})"),
                    "json: not usable JSON"));
  CHECK(error_of("[]") == "pdu: expected an object, got array");
  CHECK(error_of("{}") == "pdu.type: missing: expected a command name such as \"submit_sm\"");
  CHECK(error_of(R"({"type": 4})") ==
        "pdu.type: expected a command name such as \"submit_sm\", got number");
  CHECK(error_of(R"({"type": "submit"})") == "pdu.type: unknown command \"submit\"");
  CHECK(error_of(R"({"type": "submit_sm", "schema": 2})") ==
        "submit_sm.schema: version 2 is not one this library reads (1-1)");
  CHECK(error_as<SubmitSm>(R"({"type": "deliver_sm"})") ==
        "submit_sm.type: expected \"submit_sm\"");
}

TEST_CASE("unknown fields are refused, annotations are not") {
  CHECK(error_of(R"({"type": "submit_sm", "destinaton": {}})") ==
        "submit_sm.destinaton: unknown field");
  CHECK(error_of(R"({"type": "query_sm", "text": {"utf8": "x"}})") ==
        "query_sm.text: unknown field");
  CHECK(error_of(R"({"type": "submit_sm", "destination": {"number": "1", "plan": 1}})") ==
        "submit_sm.destination.plan: unknown field");
  CHECK(error_of(R"({"type": "submit_sm", "_anything": 1, "destination": {"_x": 2}})") ==
        "no error");
}

TEST_CASE("header fields") {
  CHECK(error_of(R"({"type": "unbind", "sequence_number": -1})") ==
        "unbind.sequence_number: expected an integer 0-4294967295, got -1");
  CHECK(error_of(R"({"type": "unbind", "sequence_number": 1.5})") ==
        "unbind.sequence_number: expected an integer 0-4294967295, got number");
  CHECK(error_of(R"({"type": "unbind", "sequence_number": 4294967296})") ==
        "unbind.sequence_number: expected an integer 0-4294967295, got 4294967296");
  CHECK(error_of(R"({"type": "unbind", "sequence_number": "12"})") ==
        "unbind.sequence_number: expected an integer 0-4294967295 (or a \"0x..\" string), got "
        "\"12\"");
  const auto e = error_of(R"({"type": "unbind", "command_status": "ESME_RBOGUS"})");
  INFO(e);
  CHECK(starts_with(e,
                    "unbind.command_status: unknown name \"ESME_RBOGUS\"; expected one of "
                    "ESME_ROK, ESME_RINVMSGLEN"));
}

TEST_CASE("strings and addresses") {
  CHECK(error_of(R"({"type": "submit_sm", "destination": {"number": 447700}})") ==
        "submit_sm.destination.number: expected a string, got number");
  CHECK(error_of(
            R"({"type": "submit_sm", "destination": {"number": "1234567890123456789012345"}})") ==
        "submit_sm.destination.number: 25 characters, limit 20");
  // data_sm addresses are C 65.
  CHECK(error_of(R"({"type": "data_sm", "destination": {"number": ")" + std::string(64, '1') +
                 R"("}})") == "no error");
  CHECK(error_of(R"({"type": "data_sm", "destination": {"number": ")" + std::string(65, '1') +
                 R"("}})") == "data_sm.destination.number: 65 characters, limit 64");
  CHECK(error_of(R"({"type": "submit_sm", "destination": "4477"})") ==
        "submit_sm.destination: expected an object, got string");
  CHECK(error_of(R"({"type": "submit_sm", "destination": {"ton": "intl"}})")
            .starts_with("submit_sm.destination.ton: unknown name \"intl\"; expected one of "
                         "unknown, international"));
  CHECK(error_of(R"({"type": "submit_sm", "source": {"npi": 256}})") ==
        "submit_sm.source.npi: expected an integer 0-255, got 256");
  CHECK(error_of(R"({"type": "bind_transmitter", "system_id": "a\u0000b"})") ==
        "bind_transmitter.system_id: contains a NUL at offset 1, which would end the C-octet "
        "string");
  CHECK(error_of(R"({"type": "bind_transmitter", "password": "0123456789"})") ==
        "bind_transmitter.password: 10 characters, limit 8");
  CHECK(error_of(R"({"type": "bind_transmitter", "password": "\u00e9\u00e9\u00e9\u00e9\u00e9"})") ==
        "bind_transmitter.password: 10 octets, limit 8");
  CHECK(error_of(R"({"type": "bind_transmitter", "system_id": {"hex": "zz"}})") ==
        "bind_transmitter.system_id.hex: expected hex octets: 'z' at offset 0 is not a hex digit");
  CHECK(error_of(R"({"type": "bind_transmitter", "system_id": {"hex": "61", "x": 1}})") ==
        "bind_transmitter.system_id.x: unknown field");
  CHECK(error_of(R"({"type": "bind_transmitter", "system_id": {"text": "61"}})") ==
        "bind_transmitter.system_id: expected a string or {\"hex\": ...}");
  CHECK(error_of(R"({"type": "submit_sm", "validity_period": "tomorrow"})") ==
        "submit_sm.validity_period: \"tomorrow\" is not an SMPP time: expected \"\" or 16 "
        "characters YYMMDDhhmmsstnnp ending in '+', '-' or 'R'");
  CHECK(error_of(R"({"type": "submit_sm", "tracking": {"log_id": 5}})") ==
        "submit_sm.tracking.log_id: expected a string, got number");
}

TEST_CASE("octets and bounded integers") {
  CHECK(error_of(R"({"type": "submit_sm", "short_message": "abc"})") ==
        "submit_sm.short_message: expected hex octets: odd number of hex digits (a lone digit at "
        "offset 2)");
  CHECK(error_of(R"({"type": "submit_sm", "short_message": "48 65 6c 6c 6f"})") == "no error");
  CHECK(error_of(R"({"type": "submit_sm", "short_message": "hello"})") ==
        "submit_sm.short_message: expected hex octets: 'h' at offset 0 is not a hex digit");
  CHECK(error_of(R"({"type": "submit_sm", "short_message": ")" + std::string(510, 'a') + R"("})") ==
        "submit_sm.short_message: 255 octets, limit 254 (longer user data goes in the "
        "message_payload TLV)");
  CHECK(error_of(R"({"type": "submit_sm", "priority_flag": 4})") ==
        "submit_sm.priority_flag: 4, limit 3");
  CHECK(error_of(R"({"type": "submit_sm", "replace_if_present_flag": 2})") ==
        "submit_sm.replace_if_present_flag: 2, limit 1");
  CHECK(error_of(R"({"type": "submit_sm", "protocol_id": true})") ==
        "submit_sm.protocol_id: expected an integer 0-255, got boolean");
  CHECK(error_of(R"({"type": "submit_sm", "registered_delivery": 32})") ==
        "submit_sm.registered_delivery: 0x20 sets reserved bits (allowed: 0x1f)");
  CHECK(error_of(R"({"type": "submit_sm", "esm_class": "udhi|bogus"})")
            .starts_with("submit_sm.esm_class: unknown name \"bogus\"; expected names joined by "
                         "'|' from default, "
                         "default_mode, datagram_mode"));
  CHECK(error_of(R"({"type": "submit_sm", "esm_class": "datagram_mode|forward_mode"})") ==
        "submit_sm.esm_class: \"forward_mode\" conflicts with an earlier name setting the same "
        "bits");
  CHECK(error_of(R"({"type": "submit_sm", "data_coding": "utf8"})")
            .starts_with(
                "submit_sm.data_coding: unknown name \"utf8\"; expected one of smsc_default, ia5"));
  CHECK(error_of(R"({"type": "bind_receiver_resp", "has_body": "no"})") ==
        "bind_receiver_resp.has_body: expected true or false, got string");
}

TEST_CASE("lists") {
  CHECK(error_of(R"({"type": "submit_multi", "dest_addresses": {}})") ==
        "submit_multi.dest_addresses: expected an array, got object");
  CHECK(error_of(R"({"type": "submit_multi", "dest_addresses": [{"address": {"number": "1"}},
        {"address": {"number": "123456789012345678901"}}]})") ==
        "submit_multi.dest_addresses[1].address.number: 21 characters, limit 20");
  CHECK(error_of(R"({"type": "submit_multi", "dest_addresses": [{"dest_flag": "group"}]})")
            .starts_with("submit_multi.dest_addresses[0].dest_flag: unknown name \"group\""));
  CHECK(
      error_of(R"({"type": "submit_multi_resp", "unsuccess_smes": [{"error_status_code": -3}]})") ==
      "submit_multi_resp.unsuccess_smes[0].error_status_code: expected an integer 0-4294967295, "
      "got -3");
  std::string many = R"({"type": "submit_multi", "dest_addresses": [)";
  for (int i = 0; i < 255; ++i)
    many += std::string(i == 0 ? "" : ",") + R"({"address": {"number": "1"}})";
  many += "]}";
  CHECK(error_of(many) == "submit_multi.dest_addresses: 255 entries, limit 254");
}

TEST_CASE("TLVs") {
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": {"sar_msg_ref_num": 1}})") ==
        "submit_sm.tlvs: expected an array of TLVs, got object");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"name": "sar_ref", "value": 1}]})") ==
        "submit_sm.tlvs[0].name: unknown TLV \"sar_ref\" (give other tags as {\"tag\": "
        "\"0x1400\", \"hex\": \"...\"})");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"name": "source_port", "value": 1},
        {"name": "sar_total_segments", "value": 256}]})") ==
        "submit_sm.tlvs[1].value: expected an integer 0-255, got 256");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"name": "source_port", "value": 1,
        "hex": "0001"}]})") ==
        "submit_sm.tlvs[0].value: give either \"value\" or \"hex\", not both");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"name": "source_port", "tag": "0x020b",
        "hex": "0001"}]})") ==
        "submit_sm.tlvs[0].tag: 0x020b does not match name \"source_port\" (0x020a)");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"tag": "0x1400"}]})") ==
        "submit_sm.tlvs[0]: expected \"value\" or \"hex\"");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"tag": "0x1400", "value": 1}]})") ==
        "submit_sm.tlvs[0].value: a TLV given by tag needs \"hex\"");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"tag": 65536, "hex": ""}]})") ==
        "submit_sm.tlvs[0].tag: expected an integer 0-65535, got 65536");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"hex": "00"}]})") ==
        "submit_sm.tlvs[0]: expected \"name\" or \"tag\"");
  CHECK(error_of(R"({"type": "submit_sm", "tlvs": [{"name": "alert_on_message_delivery",
        "value": false}]})") ==
        "submit_sm.tlvs[0].value: expected true (leave the TLV out to leave the flag unset), got "
        "boolean");
  CHECK(error_of(R"({"type": "deliver_sm", "tlvs": [{"name": "receipted_message_id", "value": ")" +
                 std::string(65, 'a') + R"("}]})") ==
        "deliver_sm.tlvs[0].value: 65 characters, limit 64");
  CHECK(error_of(R"({"type": "deliver_sm", "tlvs": [{"name": "network_error_code",
        "value": "0300"}]})") ==
        "deliver_sm.tlvs[0].value: 2 octets; network_error_code takes 3-3");
  CHECK(error_of(R"({"type": "deliver_sm", "tlvs": [{"name": "message_payload", "value": 5}]})") ==
        "deliver_sm.tlvs[0].value: expected hex octets (a string), got number");
  CHECK(error_of(R"({"type": "deliver_sm", "tlvs": [{"name": "message_payload", "value": "00",
        "colour": "red"}]})") == "deliver_sm.tlvs[0].colour: unknown field");
}

TEST_CASE("message text") {
  CHECK(error_of(R"({"type": "submit_sm", "text": "hello"})") ==
        "submit_sm.text: expected an object, got string");
  CHECK(error_of(R"({"type": "submit_sm", "text": {"utf8": "hi", "encoding": "utf7"}})") ==
        "submit_sm.text.encoding: unknown name \"utf7\"; expected one of automatic, smsc_default, "
        "gsm7, gsm7_packed, ascii, latin1, ucs2, custom");
  CHECK(error_of(R"({"type": "submit_sm", "text": {"utf8": "hi", "encoding": 2}})") ==
        "submit_sm.text.encoding: expected one of automatic, smsc_default, gsm7, gsm7_packed, "
        "ascii, latin1, ucs2, custom, got number");
  CHECK(error_of(R"({"type": "submit_sm", "text": {"long_message": "split"}})")
            .starts_with("submit_sm.text.long_message: unknown name \"split\""));
  CHECK(error_of(R"({"type": "submit_sm", "text": {"utf8": 41}})") ==
        "submit_sm.text.utf8: expected a string, got number");
}
