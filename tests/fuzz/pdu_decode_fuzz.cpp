// Fuzz target: one PDU through decode() and decode_view().
//
// Properties:
// - decode() and decode_view() agree on whether the input is a valid PDU, and on the error.
// - The default (lenient) decoder accepts exactly what the strict one (DecodeOptions::strict_tlvs)
//   accepts, plus PDUs whose only fault is a known TLV outside the request's list or a TLV the
//   PDU requires missing (SMPP 5.0's broadcast PDUs); the strict encoder
//   (EncodeOptions::strict_tlvs) refuses exactly those again, for the same TLV.
// - For a 3.4 peer (EncodeOptions::version), the encoder refuses a 5.0 command or TLV, or with
//   NewerTlvs::drop writes the PDU without its 5.0 TLVs, which decodes to the same PDU minus them.
// - Whatever decodes with the default options re-encodes with the default options to exactly the
//   input, from the owning value, from the view and from to_owning(view), and encoded_size() is
//   the input's size. The codec keeps every wire detail (unknown TLVs byte for byte, TLV order and
//   repeats, has_body for header-only responses), so there is no normalisation to allow for.
// - The same PDU with max_pdu_size one below its length is refused as too large.
// - An input that does not decode gets an error_response() that encodes, decodes back, and
//   carries the offending sequence_number (0 when the header was unreadable).

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "fuzz_check.hpp"

namespace {

using aiosmpp::CodecProblem;

std::uint32_t sequence_of(const aiosmpp::Pdu& pdu) {
  return std::visit([](const auto& p) { return p.header.sequence_number; }, pdu);
}

aiosmpp::CommandId command_of(const aiosmpp::Pdu& pdu) {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::command_id; }, pdu);
}

void check_error_response(const aiosmpp::CodecError& error) {
  const auto response = aiosmpp::error_response(error);
  if (!response) return;
  std::vector<std::uint8_t> out;
  const auto encoded = aiosmpp::encode(*response, out);
  AIOSMPP_FUZZ_CHECK(encoded.has_value(), "error_response() encodes");
  const auto back = aiosmpp::decode(out);
  AIOSMPP_FUZZ_CHECK(back.has_value(), "error_response() decodes back");
  AIOSMPP_FUZZ_CHECK(command_of(*back) == command_of(*response), "error_response() command_id");
  const std::uint32_t expected = error.sequence_known ? error.sequence_number : 0;
  AIOSMPP_FUZZ_CHECK(sequence_of(*back) == expected, "error_response() sequence_number");
}

bool only_strict(CodecProblem p) {
  return p == CodecProblem::tlv_not_allowed || p == CodecProblem::tlv_missing;
}

bool is_5_0(std::uint16_t tag) {
  const auto* info = aiosmpp::tlv::find(tag);
  return info != nullptr && info->since == aiosmpp::InterfaceVersion::smpp_5_0;
}

// A 3.4 peer never sees 5.0: refused, or (drop) the PDU without its 5.0 TLVs, nothing else lost.
void check_for_3_4_peer(const aiosmpp::Pdu& pdu) {
  aiosmpp::EncodeOptions refuse;
  refuse.version = aiosmpp::InterfaceVersion::smpp_3_4;
  aiosmpp::EncodeOptions drop = refuse;
  drop.newer_tlvs = aiosmpp::NewerTlvs::drop;
  const bool v50_command =
      aiosmpp::since_version(command_of(pdu)) == aiosmpp::InterfaceVersion::smpp_5_0;
  bool has_50_tlv = false;
  std::visit(
      [&](const auto& p) {
        if constexpr (requires { p.tlvs; }) {
          for (const auto& t : p.tlvs)
            has_50_tlv = has_50_tlv || is_5_0(t.tag);
        }
      },
      pdu);
  std::vector<std::uint8_t> out;
  const auto refused = aiosmpp::encode(pdu, out, refuse);
  AIOSMPP_FUZZ_CHECK(refused.has_value() == (!v50_command && !has_50_tlv),
                     "a 3.4 peer: refused exactly when the PDU has something of 5.0");
  out.clear();
  const auto dropped = aiosmpp::encode(pdu, out, drop);
  AIOSMPP_FUZZ_CHECK(dropped.has_value() == !v50_command, "drop refuses only 5.0 commands");
  if (!dropped) return;
  const auto back = aiosmpp::decode(out);
  AIOSMPP_FUZZ_CHECK(back.has_value(), "what is written for a 3.4 peer decodes");
  aiosmpp::Pdu expected = pdu;
  std::visit(
      [](auto& p) {
        if constexpr (requires { p.tlvs; }) {
          aiosmpp::Tlvs kept;
          for (const auto& t : p.tlvs) {
            if (!is_5_0(t.tag)) kept.push_back(t);
          }
          p.tlvs = std::move(kept);
        }
      },
      expected);
  AIOSMPP_FUZZ_CHECK(*back == expected, "dropping leaves out the 5.0 TLVs and nothing else");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);

  const auto header = aiosmpp::read_header(in);
  AIOSMPP_FUZZ_CHECK(header.has_value() == (size >= aiosmpp::pdu_header_size),
                     "read_header() needs exactly 16 octets");

  aiosmpp::DecodeOptions strict;
  strict.strict_tlvs = true;
  const auto owned = aiosmpp::decode(in);
  const auto view = aiosmpp::decode_view(in);
  const auto strictly = aiosmpp::decode(in, strict);
  if (strictly) {
    AIOSMPP_FUZZ_CHECK(owned.has_value() && *owned == *strictly,
                       "what decodes strictly decodes the same by default");
  } else if (owned) {
    AIOSMPP_FUZZ_CHECK(only_strict(strictly.error().problem),
                       "the default decoder differs only on the TLV lists");
  } else {
    AIOSMPP_FUZZ_CHECK(owned.error() == strictly.error() || only_strict(strictly.error().problem),
                       "both decoders refuse with the same error");
  }
  AIOSMPP_FUZZ_CHECK(owned.has_value() == view.has_value(), "decode and decode_view agree");
  if (!owned) {
    AIOSMPP_FUZZ_CHECK(owned.error() == view.error(), "decode and decode_view report one error");
    AIOSMPP_FUZZ_CHECK(!owned.error().message().empty(), "every error has a message");
    check_error_response(owned.error());
    return 0;
  }

  aiosmpp::EncodeOptions strict_encode;
  strict_encode.strict_tlvs = true;
  std::vector<std::uint8_t> strict_out;
  const auto strict_encoded = aiosmpp::encode(*owned, strict_out, strict_encode);
  AIOSMPP_FUZZ_CHECK(strict_encoded.has_value() == strictly.has_value(),
                     "the strict encoder refuses exactly what the strict decoder refuses");
  if (!strict_encoded) {
    AIOSMPP_FUZZ_CHECK(strict_encoded.error().problem == strictly.error().problem &&
                           strict_encoded.error().tag == strictly.error().tag,
                       "and for the same reason and TLV");
  }
  check_for_3_4_peer(*owned);

  AIOSMPP_FUZZ_CHECK(header && header->command_length == size, "a decoded PDU's command_length");
  AIOSMPP_FUZZ_CHECK(command_of(*owned) == header->command_id, "decoded command_id");
  AIOSMPP_FUZZ_CHECK(sequence_of(*owned) == header->sequence_number, "decoded sequence_number");

  std::vector<std::uint8_t> out;
  AIOSMPP_FUZZ_CHECK(aiosmpp::encode(*owned, out).has_value(), "a decoded PDU re-encodes");
  AIOSMPP_FUZZ_CHECK(std::span<const std::uint8_t>(out).size() == size &&
                         std::equal(out.begin(), out.end(), in.begin()),
                     "decode -> encode gives the input back");

  const auto size_owned = aiosmpp::encoded_size(*owned);
  AIOSMPP_FUZZ_CHECK(size_owned.has_value() && *size_owned == size, "encoded_size(owning)");
  const auto size_view = aiosmpp::encoded_size(*view);
  AIOSMPP_FUZZ_CHECK(size_view.has_value() && *size_view == size, "encoded_size(view)");

  out.clear();
  AIOSMPP_FUZZ_CHECK(aiosmpp::encode(*view, out).has_value(), "a decoded view re-encodes");
  AIOSMPP_FUZZ_CHECK(out.size() == size && std::equal(out.begin(), out.end(), in.begin()),
                     "decode_view -> encode gives the input back");

  out.clear();
  const aiosmpp::Pdu copied = aiosmpp::to_owning(*view);
  AIOSMPP_FUZZ_CHECK(aiosmpp::encode(copied, out).has_value(), "to_owning(view) re-encodes");
  AIOSMPP_FUZZ_CHECK(out.size() == size && std::equal(out.begin(), out.end(), in.begin()),
                     "to_owning(view) -> encode gives the input back");

  aiosmpp::DecodeOptions limit;
  limit.max_pdu_size = size - 1;
  const auto limited = aiosmpp::decode(in, limit);
  AIOSMPP_FUZZ_CHECK(
      !limited.has_value() && limited.error().problem == CodecProblem::command_length_too_large,
      "max_pdu_size below command_length refuses the PDU");
  return 0;
}
