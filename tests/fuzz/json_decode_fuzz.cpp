// Fuzz target: schema-1 JSON text to a PDU (json_decode), then to the wire.
//
// Properties:
// - json_decode() reports every problem as JsonError with a path and a problem (anything else
//   escaping is a crash: libFuzzer reports the uncaught exception).
// - What decodes writes back (json_encode) to JSON that decodes to the same JSON again: one
//   decode normalises spelling (numbers for enum names, key order, whitespace), after that it is
//   a fixed point.
// - When the PDU also encodes (encode() applies the cross-field rules json_decode leaves to it),
//   the wire bytes decode, and their JSON encodes to the same bytes: JSON -> wire -> JSON -> wire.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/json.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "fuzz_check.hpp"

namespace {

aiosmpp::Pdu decode_or_abort(std::string_view json, const char* what) {
  try {
    return aiosmpp::json_decode(json);
  } catch (const aiosmpp::JsonError& e) {
    std::fprintf(stderr, "%s: %s\n%.*s\n", what, e.what(), static_cast<int>(json.size()),
                 json.data());
    AIOSMPP_FUZZ_CHECK(false, what);
  }
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  aiosmpp::Pdu pdu;
  try {
    pdu = aiosmpp::json_decode(json);
  } catch (const aiosmpp::JsonError& e) {
    AIOSMPP_FUZZ_CHECK(!e.path().empty() && !e.problem().empty(),
                       "JsonError names path and problem");
    return 0;
  }

  const std::string once = aiosmpp::json_encode(pdu);
  const aiosmpp::Pdu reread = decode_or_abort(once, "json_encode output decodes");
  const std::string twice = aiosmpp::json_encode(reread);
  AIOSMPP_FUZZ_CHECK(once == twice, "json_decode -> json_encode is a fixed point");

  std::vector<std::uint8_t> wire;
  if (!aiosmpp::encode(pdu, wire)) return 0;
  const auto decoded = aiosmpp::decode(wire);
  AIOSMPP_FUZZ_CHECK(decoded.has_value(), "an encoded PDU decodes");
  const aiosmpp::Pdu from_wire_json =
      decode_or_abort(aiosmpp::json_encode(*decoded), "JSON of a decoded PDU decodes");
  std::vector<std::uint8_t> wire_again;
  AIOSMPP_FUZZ_CHECK(aiosmpp::encode(from_wire_json, wire_again).has_value(),
                     "wire -> JSON -> PDU encodes");
  AIOSMPP_FUZZ_CHECK(wire_again == wire, "JSON -> wire -> JSON -> wire gives the same bytes");
  return 0;
}
