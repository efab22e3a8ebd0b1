#pragma once

/** @file
 *  @brief SMPP command_status codes (reference §4) as a `std::error_code` enum. */

#include <cstdint>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace aiosmpp {

/** @brief An SMPP command_status. Every 3.4 code is named (plus the 5.0 codes a 5.0 SMSC may
 *  return); any 32-bit value can be stored.
 *
 *  It is an error-code enum: `std::error_code ec = CommandStatus::throttled;` and
 *  `ec == CommandStatus::throttled` work, and `ec.message()` gives the formatted form below. */
enum class CommandStatus : std::uint32_t {
  ok = 0x00,                             ///< ESME_ROK
  invalid_message_length = 0x01,         ///< ESME_RINVMSGLEN
  invalid_command_length = 0x02,         ///< ESME_RINVCMDLEN
  invalid_command_id = 0x03,             ///< ESME_RINVCMDID
  invalid_bind_status = 0x04,            ///< ESME_RINVBNDSTS
  already_bound = 0x05,                  ///< ESME_RALYBND
  invalid_priority_flag = 0x06,          ///< ESME_RINVPRTFLG
  invalid_registered_delivery = 0x07,    ///< ESME_RINVREGDLVFLG
  system_error = 0x08,                   ///< ESME_RSYSERR
  invalid_source_address = 0x0A,         ///< ESME_RINVSRCADR
  invalid_dest_address = 0x0B,           ///< ESME_RINVDSTADR
  invalid_message_id = 0x0C,             ///< ESME_RINVMSGID
  bind_failed = 0x0D,                    ///< ESME_RBINDFAIL
  invalid_password = 0x0E,               ///< ESME_RINVPASWD
  invalid_system_id = 0x0F,              ///< ESME_RINVSYSID
  cancel_failed = 0x11,                  ///< ESME_RCANCELFAIL
  replace_failed = 0x13,                 ///< ESME_RREPLACEFAIL
  message_queue_full = 0x14,             ///< ESME_RMSGQFUL
  invalid_service_type = 0x15,           ///< ESME_RINVSERTYP
  invalid_number_of_dests = 0x33,        ///< ESME_RINVNUMDESTS
  invalid_dl_name = 0x34,                ///< ESME_RINVDLNAME
  invalid_dest_flag = 0x40,              ///< ESME_RINVDESTFLAG
  invalid_submit_with_replace = 0x42,    ///< ESME_RINVSUBREP
  invalid_esm_class = 0x43,              ///< ESME_RINVESMCLASS
  cannot_submit_to_dl = 0x44,            ///< ESME_RCNTSUBDL
  submit_failed = 0x45,                  ///< ESME_RSUBMITFAIL
  invalid_source_ton = 0x48,             ///< ESME_RINVSRCTON
  invalid_source_npi = 0x49,             ///< ESME_RINVSRCNPI
  invalid_dest_ton = 0x50,               ///< ESME_RINVDSTTON
  invalid_dest_npi = 0x51,               ///< ESME_RINVDSTNPI
  invalid_system_type = 0x53,            ///< ESME_RINVSYSTYP
  invalid_replace_flag = 0x54,           ///< ESME_RINVREPFLAG
  invalid_number_of_messages = 0x55,     ///< ESME_RINVNUMMSGS
  throttled = 0x58,                      ///< ESME_RTHROTTLED
  invalid_schedule = 0x61,               ///< ESME_RINVSCHED
  invalid_expiry = 0x62,                 ///< ESME_RINVEXPIRY
  invalid_default_msg_id = 0x63,         ///< ESME_RINVDFTMSGID
  receiver_temporary_error = 0x64,       ///< ESME_RX_T_APPN
  receiver_permanent_error = 0x65,       ///< ESME_RX_P_APPN
  receiver_reject = 0x66,                ///< ESME_RX_R_APPN
  query_failed = 0x67,                   ///< ESME_RQUERYFAIL
  invalid_optional_param_stream = 0xC0,  ///< ESME_RINVOPTPARSTREAM
  optional_param_not_allowed = 0xC1,     ///< ESME_ROPTPARNOTALLWD
  invalid_param_length = 0xC2,           ///< ESME_RINVPARLEN
  missing_optional_param = 0xC3,         ///< ESME_RMISSINGOPTPARAM
  invalid_optional_param_value = 0xC4,   ///< ESME_RINVOPTPARAMVAL
  delivery_failure = 0xFE,               ///< ESME_RDELIVERYFAILURE
  unknown_error = 0xFF,                  ///< ESME_RUNKNOWNERR
  // SMPP 5.0 only (a 5.0 SMSC may send them)
  service_type_unauthorised = 0x100,        ///< ESME_RSERTYPUNAUTH
  prohibited = 0x101,                       ///< ESME_RPROHIBITED
  service_type_unavailable = 0x102,         ///< ESME_RSERTYPUNAVAIL
  service_type_denied = 0x103,              ///< ESME_RSERTYPDENIED
  invalid_data_coding = 0x104,              ///< ESME_RINVDCS
  invalid_source_subunit = 0x105,           ///< ESME_RINVSRCADDRSUBUNIT
  invalid_dest_subunit = 0x106,             ///< ESME_RINVDSTADDRSUBUNIT
  invalid_broadcast_frequency = 0x107,      ///< ESME_RINVBCASTFREQINT
  invalid_broadcast_alias = 0x108,          ///< ESME_RINVBCASTALIAS_NAME
  invalid_broadcast_area_format = 0x109,    ///< ESME_RINVBCASTAREAFMT
  invalid_number_of_areas = 0x10A,          ///< ESME_RINVNUMBCAST_AREAS
  invalid_broadcast_content = 0x10B,        ///< ESME_RINVBCASTCNTTYPE
  invalid_broadcast_class = 0x10C,          ///< ESME_RINVBCASTMSGCLASS
  broadcast_failed = 0x10D,                 ///< ESME_RBCASTFAIL
  broadcast_query_failed = 0x10E,           ///< ESME_RBCASTQUERYFAIL
  broadcast_cancel_failed = 0x10F,          ///< ESME_RBCASTCANCELFAIL
  invalid_broadcast_repetitions = 0x110,    ///< ESME_RINVBCAST_REP
  invalid_broadcast_service_group = 0x111,  ///< ESME_RINVBCASTSRVGRP
  invalid_broadcast_channel = 0x112,        ///< ESME_RINVBCASTCHANIND
};

/** @brief The spec name ("ESME_RTHROTTLED"). Values the spec does not name give "RESERVED",
 *  "VENDOR_SPECIFIC" (0x400-0x4FF) or "SMPP_EXTENSION" (0x100-0x3FF), never an empty string. */
std::string_view status_name(CommandStatus status) noexcept;

/** @brief A one-line lower-case description ("throttling error"), for every value. */
std::string_view status_description(CommandStatus status) noexcept;

/** @brief The category of CommandStatus error codes ("smpp"). */
const std::error_category& command_status_category() noexcept;

/** @brief Makes `std::error_code ec = CommandStatus::x` work. */
inline std::error_code make_error_code(CommandStatus status) noexcept {
  return {static_cast<int>(status), command_status_category()};
}

}  // namespace aiosmpp

template <>
struct std::is_error_code_enum<aiosmpp::CommandStatus> : std::true_type {};

/** @brief Prints `ESME_RTHROTTLED (0x58: throttling error)`. */
template <>
struct fmt::formatter<aiosmpp::CommandStatus> : fmt::formatter<std::string_view> {
  /** @brief Writes the formatted value to the context (see the specialisation). */
  auto format(aiosmpp::CommandStatus s, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{} (0x{:x}: {})", aiosmpp::status_name(s),
                          static_cast<std::uint32_t>(s), aiosmpp::status_description(s));
  }
};
