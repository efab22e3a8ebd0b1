#pragma once

/** @file
 *  @brief CodecError (what went wrong encoding or decoding a PDU, and what a peer must answer)
 *  and Result<T>, the codec's value-or-error return type. No exceptions on this path. */

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "aiosmpp/basic_result.hpp"
#include "aiosmpp/error.hpp"

namespace aiosmpp {

/** @brief The class of a codec failure; CodecError::message() turns it into words. */
enum class CodecProblem : std::uint8_t {
  command_length_too_small,   ///< command_length < 16 (size = the value)
  command_length_too_large,   ///< command_length > the configured maximum (size, limit)
  length_mismatch,            ///< the buffer holds more or fewer octets than command_length
  unknown_command_id,         ///< command_id defined by neither SMPP 3.4 nor 5.0
  truncated,                  ///< a mandatory field runs past the end of the PDU
  trailing_bytes,             ///< a body-less PDU has a body (size = body octets)
  unterminated_c_string,      ///< no NUL before the end of the PDU
  c_string_too_long,          ///< size = characters (no NUL), limit = max characters
  c_string_contains_nul,      ///< (encode) the string holds a NUL, which would end it early
  invalid_time,               ///< a time field is neither empty nor 16 characters ending +,-,R
  value_out_of_range,         ///< an integer outside the values the spec allows (size = value)
  short_message_too_long,     ///< sm_length or short_message above 254 octets
  short_message_past_end,     ///< sm_length runs past the end of the PDU
  short_message_and_payload,  ///< both short_message and the message_payload TLV carry data
  invalid_entry_count,        ///< number_of_dests / no_unsuccess outside its range
  unused_field_set,           ///< a field the PDU's other fields make unused is not empty
  tlv_header_truncated,       ///< 1-3 octets after the last TLV
  tlv_length_past_end,        ///< a TLV's length runs past the end of the PDU
  tlv_length_invalid,         ///< a known TLV's length is outside its type's sizes
  tlv_not_allowed,            ///< (strict_tlvs) a known TLV this request may not carry
  tlv_value_invalid,          ///< a C-string TLV not ending in its only NUL
  tlv_too_large,              ///< (encode) a TLV value over 65535 octets
  pdu_too_large,              ///< (encode) the whole PDU would exceed 0xFFFFFFFF octets
  tlv_missing,                ///< (strict_tlvs) a TLV the PDU requires is absent
  tlv_not_in_version,         ///< (encode) a TLV newer than the peer's version (limit = it)
  command_not_in_version,     ///< a command newer than the peer's version (limit = it)
};

/** @brief A codec failure: the library's errc, the command_status an SMPP peer must answer with
 *  (generic_nack for ESME_RINVCMDLEN / ESME_RINVCMDID, otherwise the request's own _resp), and
 *  which PDU, field, size and limit.
 *
 *  `field` points at a string literal (or is empty for header problems); copying is cheap. */
struct CodecError {
  /** @brief The library error (errc::malformed_pdu, errc::invalid_field, ...). */
  errc error = errc::malformed_pdu;
  /** @brief The command_status the peer must be answered with (decode) or the one that describes
   *  the field (encode). */
  CommandStatus status = CommandStatus::unknown_error;
  /** @brief What exactly was wrong. */
  CodecProblem problem = CodecProblem::truncated;
  CommandId command_id = CommandId::generic_nack;  ///< as read or as encoded
  bool sequence_known = false;                     ///< false when the header was unreadable
  /** @brief The PDU's sequence_number, when sequence_known. */
  std::uint32_t sequence_number = 0;
  std::uint16_t tag = 0;  ///< the TLV tag for tlv_* problems
  /** @brief The spec name of the field ("destination_addr"), or empty for header problems. */
  std::string_view field;
  /** @brief The size found, in octets (or the value found, for range problems). */
  std::size_t size = 0;
  /** @brief The limit it broke, in the same unit as size. */
  std::size_t limit = 0;

  /** @brief The library error code (errc category). */
  std::error_code code() const noexcept { return make_error_code(error); }
  /** @brief "submit_sm.destination_addr: 22 octets, limit 20 (21 with NUL)". */
  std::string message() const;

  friend bool operator==(const CodecError&, const CodecError&) = default;
};

/** @brief What Result<T>::value() throws for a CodecError: SmppError carrying the command, the
 *  command_status and the message. */
[[noreturn]] inline void throw_result_error(const CodecError& e) {
  throw SmppError(e.command_id, e.status, e.message());
}

/** @brief Value or CodecError: the codec's return type (BasicResult, see basic_result.hpp).
 *  value() on an error throws SmppError (a programming error: check has_value() first on paths
 *  that must not throw). Result<void> is success or CodecError. */
template <class T>
using Result = BasicResult<T, CodecError>;

}  // namespace aiosmpp

/** @brief Prints the message, the command_status and the sequence number when known. */
template <>
struct fmt::formatter<aiosmpp::CodecError> : fmt::formatter<std::string_view> {
  /** @brief Writes the formatted value to the context (see the specialisation). */
  auto format(const aiosmpp::CodecError& e, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    if (e.sequence_known) {
      return fmt::format_to(ctx.out(), "{} [{}, sequence_number {}]", e.message(), e.status,
                            e.sequence_number);
    }
    return fmt::format_to(ctx.out(), "{} [{}]", e.message(), e.status);
  }
};
