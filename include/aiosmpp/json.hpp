#pragma once

/** @file
 *  @brief JSON for every PDU and message type (nlohmann_json), so a broker can persist messages
 *  and an operator can read and write PDUs by hand. Stable across versions: schema 1.
 *
 *  Every PDU type has a form, SMPP 5.0's broadcast PDUs included ("type": "broadcast_sm", ...,
 *  with the same conventions).
 *
 *  `to_json` / `from_json` are found by ADL, so `nlohmann::json j = pdu;` and
 *  `j.get<SubmitSm>()` work, for both `nlohmann::json` and `nlohmann::ordered_json` (the
 *  ordered form keeps the wire order of the fields, which is what `json_encode` writes).
 *
 *  Schema 1, one PDU:
 *  @code{.json}
 *  {
 *    "type": "submit_sm",                  // command name (the discriminator; required)
 *    "schema": 1,                          // optional on input; a newer version is refused
 *    "command_status": "ESME_ROK",         // spec name, or a number / "0x58"
 *    "sequence_number": 7,
 *    "service_type": "",
 *    "source": {"number": "ACME", "ton": "alphanumeric", "npi": "unknown"},
 *    "destination": {"number": "447700900123", "ton": "international", "npi": "isdn"},
 *    "esm_class": "store_and_forward_mode|udhi",   // bit names joined by '|', or a number
 *    "protocol_id": 0,
 *    "priority_flag": 0,
 *    "schedule_delivery_time": "",
 *    "validity_period": "261126120000000+",
 *    "registered_delivery": "receipt_always",     // bit names joined by '|', or a number
 *    "replace_if_present_flag": 0,
 *    "data_coding": "ucs2",                       // name, or a number (any byte)
 *    "sm_default_msg_id": 0,
 *    "short_message": "050003a70201004800690021", // octets as lower-case hex
 *    "tlvs": [                                    // wire order, repeats kept
 *      {"name": "user_message_reference", "value": 513},
 *      {"name": "alert_on_message_delivery", "tag": "0x130c", "hex": "01"},  // 5.0 form
 *      {"tag": "0x1403", "hex": "cafe"}
 *    ],
 *    "tracking": {"log_id": "order-42", "extra_data": "{\"customer\":17}"},
 *    "text": {"utf8": "Hi!", "encoding": "automatic", "custom_data_coding": 0,
 *             "long_message": "udh8", "errors": "strict"}
 *  }
 *  @endcode
 *  Rules:
 *  - Body fields use the spec's names, except that each address triple (`*_ton`, `*_npi`,
 *    `*_addr`) is one object named as the C++ member: `source`, `destination`, `esme_addr`,
 *    `address_range`, and `address` inside `dest_addresses` / `unsuccess_smes` entries. The
 *    implied fields (command_length, sm_length, number_of_dests, no_unsuccess) are not written.
 *  - C-octet strings are JSON strings (their octets, which must be UTF-8); a value that is not
 *    UTF-8 is written `{"hex": "..."}`, which is also accepted wherever a string is.
 *  - Octet strings (short_message, octet TLVs) are lower-case hex; whitespace is allowed on input.
 *  - Enums are written by name when the name reads back to the same byte, else as a number;
 *    input takes either, and numbers also as "0x.." strings.
 *  - TLVs: a TLV of 3.4 or 5.0 whose value is in its canonical form is `{"name", "value"}` with
 *    a typed value (integer, string for C-string TLVs, hex for octet TLVs, `true` for flags);
 *    anything else (vendor tags, non-minimal integer lengths) is `{"tag", "hex"}` (plus "name"
 *    when known), so decode → JSON → encode gives the same bytes.
 *  - `has_body` (responses) is written only when false; `tracking` only when not empty;
 *    `text` only when set. Missing fields take the C++ defaults.
 *  - Keys starting with '_' are annotations (the `aiosmpp-pdu` inspector adds them) and are
 *    ignored on input; any other unknown key is an error, so a typo cannot silently drop a field.
 *
 *  Errors: every `from_json` / `json_decode` failure throws JsonError, whose message names the
 *  JSON path and what was expected: `submit_sm.destination.number: expected a string`,
 *  `submit_sm.destination.number: 25 characters, limit 20`. Field sizes and ranges are checked
 *  as the codec checks them; cross-field rules (short_message next to message_payload, the TLV
 *  allow-list) are left to `encode`, which names them too. */

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aiosmpp/pdu/pdu.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/split.hpp"

namespace aiosmpp {

/** @brief The schema version this library writes and the newest it reads. */
inline constexpr int json_schema_version = 1;

/** @brief A JSON value that does not describe the type asked for. what() is
 *  "<path>: <problem>", e.g. "submit_sm.tlvs[2].value: expected an integer 0-255". */
class JsonError : public std::runtime_error {
 public:
  /** @brief `path`: where (e.g. "submit_sm.tlvs[2].value"); `problem`: what was wrong. */
  JsonError(std::string path, std::string problem);
  /** @brief Where: "submit_sm.destination.number" (the root is the type's name). */
  const std::string& path() const noexcept { return path_; }
  /** @brief What was wrong or expected: "expected a string". */
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

// ADL conversions for nlohmann::json and nlohmann::ordered_json. from_json throws JsonError.
#define AIOSMPP_JSON_DECLARE(T)                        \
  void to_json(nlohmann::json& j, const T& v);         \
  void to_json(nlohmann::ordered_json& j, const T& v); \
  void from_json(const nlohmann::json& j, T& v);       \
  void from_json(const nlohmann::ordered_json& j, T& v);

#define AIOSMPP_JSON_DECLARE_PDU(Owning, View, O, V) AIOSMPP_JSON_DECLARE(Owning)
AIOSMPP_PDU_LIST(AIOSMPP_JSON_DECLARE_PDU)
#undef AIOSMPP_JSON_DECLARE_PDU

// Any PDU, with its "type" discriminator.
AIOSMPP_JSON_DECLARE(Pdu)
AIOSMPP_JSON_DECLARE(PduHeader)
AIOSMPP_JSON_DECLARE(Tracking)
AIOSMPP_JSON_DECLARE(PhoneNumber)
AIOSMPP_JSON_DECLARE(MessageText)
AIOSMPP_JSON_DECLARE(SubmitMultiDest)
AIOSMPP_JSON_DECLARE(UnsuccessSme)
// One TLV: `{"name", "value"}` or `{"tag", "hex"}` (see the schema above).
AIOSMPP_JSON_DECLARE(Tlv)
// An array of TLVs in wire order.
AIOSMPP_JSON_DECLARE(Tlvs)
AIOSMPP_JSON_DECLARE(CommandId)
AIOSMPP_JSON_DECLARE(CommandStatus)
AIOSMPP_JSON_DECLARE(Ton)
AIOSMPP_JSON_DECLARE(Npi)
AIOSMPP_JSON_DECLARE(DataCoding)
AIOSMPP_JSON_DECLARE(EsmClass)
AIOSMPP_JSON_DECLARE(RegisteredDelivery)
AIOSMPP_JSON_DECLARE(MessageState)
AIOSMPP_JSON_DECLARE(InterfaceVersion)
AIOSMPP_JSON_DECLARE(DestFlag)
AIOSMPP_JSON_DECLARE(TextEncoding)
AIOSMPP_JSON_DECLARE(LongMessageMode)
AIOSMPP_JSON_DECLARE(ErrorMode)

/** @brief `pdu` as schema-1 JSON text, fields in wire order; `indent` < 0 gives one line,
 *  otherwise pretty-printed with that many spaces. Never throws for a PDU value (non-UTF-8
 *  strings are written as hex). */
std::string json_encode(const Pdu& pdu, int indent = -1);

/** @brief `pdu` as schema-1 JSON on one line without the fields whose value is the type's
 *  default (json_decode fills them in again): `type` and `schema`, then what was set. What the
 *  Redis broker stores, where a third of the bytes makes each message cheaper to write, keep
 *  and parse. Never throws for a PDU value. */
std::string json_encode_compact(const Pdu& pdu);

/** @brief Parses schema-1 JSON text into a PDU. Throws JsonError: for text that is not JSON
 *  (path "json", with the byte offset) and for any field that is wrong (its path). */
Pdu json_decode(std::string_view json);

namespace text {

// A delivery receipt:
// `{"id", "submitted", "delivered", "submit_date": {"raw", "time", "utc_offset_quarter_hours"},
// "done_date", "stat", "state", "err", "error_code", "text", "receipted_message_id",
// "network_error": {"type", "code"}, "extras": [["key", "value"], ...], "id_from_tlv",
// "state_from_tlv"}`; absent optionals are
// omitted; `time` is local ISO 8601 ("2026-11-26T07:02:00").
AIOSMPP_JSON_DECLARE(Receipt)
AIOSMPP_JSON_DECLARE(ReceiptDate)
// A receipt state (text::DeliveryState) is an aiosmpp::MessageState: its conversions are above.

/** @brief What `split` produced (write-only, for display): encoding, data_coding, codec, unit,
 *  long_message, udhi, message_payload, total_units, national tables, and per segment its hex,
 *  UDH hex, text units and concatenation or SAR values. */
void to_json(nlohmann::json& j, const SplitResult& v);
/** @brief The same, keys in order. */
void to_json(nlohmann::ordered_json& j, const SplitResult& v);

}  // namespace text

#undef AIOSMPP_JSON_DECLARE

}  // namespace aiosmpp
