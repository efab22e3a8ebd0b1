#include <string>

#include <fmt/format.h>

#include "aiosmpp/pdu/result.hpp"
#include "aiosmpp/pdu/tlv.hpp"

namespace aiosmpp {
namespace {

std::string version_text(InterfaceVersion v) {
  const auto b = static_cast<unsigned>(v);
  if (b < 0x34) return fmt::format("3.3 or earlier (0x{:02x})", b);
  return fmt::format("{}.{} (0x{:02x})", b >> 4, b & 0x0FU, b);
}

}  // namespace

std::string CodecError::message() const {
  const std::string prefix =
      is_known(command_id) ? fmt::format("{}.", command_name(command_id)) : std::string();
  const std::string where = fmt::format("{}{}", prefix, field);
  const std::string tlv_where = fmt::format("{}{} (tag 0x{:04x})", prefix, field, tag);
  switch (problem) {
    case CodecProblem::command_length_too_small:
      return fmt::format("command_length {}: below the {}-octet header", size, limit);
    case CodecProblem::command_length_too_large:
      return fmt::format("command_length {}: above the maximum PDU size of {}", size, limit);
    case CodecProblem::length_mismatch:
      return fmt::format("command_length: the buffer holds {} octets, the PDU needs {}", size,
                         limit);
    case CodecProblem::unknown_command_id:
      return fmt::format("command_id 0x{:08x}: not an SMPP 3.4 or 5.0 command", size);
    case CodecProblem::truncated:
      return fmt::format(
          "{}: needs {} octet(s), {} left in the PDU (command_length too small "
          "for the body)",
          where, size, limit);
    case CodecProblem::trailing_bytes:
      return fmt::format("{}: {} octets of body in a header-only PDU", where, size);
    case CodecProblem::unterminated_c_string:
      return fmt::format(
          "{}: no NUL before the end of the PDU ({} octets left, limit {} ({} "
          "with NUL))",
          where, size, limit, limit + 1);
    case CodecProblem::c_string_too_long:
      return fmt::format("{}: {} octets, limit {} ({} with NUL)", where, size, limit, limit + 1);
    case CodecProblem::c_string_contains_nul:
      return fmt::format("{}: contains a NUL octet, which would end the C-octet string early",
                         where);
    case CodecProblem::invalid_time:
      return fmt::format(
          "{}: {} characters; a time is empty or 16 characters ending in '+', "
          "'-' or 'R'",
          where, size);
    case CodecProblem::value_out_of_range:
      if (field == "dest_flag") {
        return fmt::format("{}: value {}, must be 1 (SME address) or 2 (distribution list)", where,
                           size);
      }
      return fmt::format("{}: value {} (0x{:02x}), limit {} (0x{:02x})", where, size, size, limit,
                         limit);
    case CodecProblem::short_message_too_long:
      return fmt::format("{}: {} octets, limit {} (longer user data goes in message_payload)",
                         where, size, limit);
    case CodecProblem::short_message_past_end:
      return fmt::format("{}: {} octets, but only {} left in the PDU", where, size, limit);
    case CodecProblem::short_message_and_payload:
      return fmt::format("{}: {} octets next to a message_payload TLV (sm_length must be 0)", where,
                         size);
    case CodecProblem::invalid_entry_count:
      return fmt::format("{}: {}, limit {}", where, size, limit);
    case CodecProblem::unused_field_set:
      return fmt::format(
          "{}: set, but the PDU's other fields make it unused (has_body false, "
          "or the other dest_flag)",
          where);
    case CodecProblem::tlv_header_truncated:
      return fmt::format("{}tlvs: {} stray octet(s) after the last TLV (a TLV header is 4)", prefix,
                         size);
    case CodecProblem::tlv_length_past_end:
      return fmt::format("{}: length {}, but only {} octets left in the PDU", tlv_where, size,
                         limit);
    case CodecProblem::tlv_length_invalid: {
      const tlv::Info* info = tlv::find(tag);
      if (info != nullptr) {
        return fmt::format("{}: length {}, must be {}..{}", tlv_where, size, info->min_length,
                           info->max_length);
      }
      return fmt::format("{}: length {}, limit {}", tlv_where, size, limit);
    }
    case CodecProblem::tlv_not_allowed:
      return fmt::format("{}: not allowed in {}", tlv_where,
                         is_known(command_id) ? command_name(command_id) : "this PDU");
    case CodecProblem::tlv_value_invalid:
      return fmt::format(
          "{}: a C-octet string value must end with its only NUL ({} octets, "
          "limit {} with NUL)",
          tlv_where, size, limit);
    case CodecProblem::tlv_too_large:
      return fmt::format("{}: {} octets, limit {}", tlv_where, size, limit);
    case CodecProblem::pdu_too_large:
      return fmt::format("{}: {} octets, limit {}", where, size, limit);
    case CodecProblem::tlv_missing:
      return fmt::format("{}: missing; {} requires it", tlv_where,
                         is_known(command_id) ? command_name(command_id) : "this PDU");
    case CodecProblem::tlv_not_in_version: {
      const tlv::Info* info = tlv::find(tag);
      return fmt::format("{}: an SMPP {} TLV, and the peer speaks {}", tlv_where,
                         info != nullptr ? version_text(info->since) : "5.0",
                         version_text(static_cast<InterfaceVersion>(limit)));
    }
    case CodecProblem::command_not_in_version:
      return fmt::format("command_id 0x{:08x} ({}): an SMPP {} command, and the peer speaks {}",
                         size, command_name(command_id), version_text(since_version(command_id)),
                         version_text(static_cast<InterfaceVersion>(limit)));
  }
  return fmt::format("{}: invalid", where);
}

}  // namespace aiosmpp
