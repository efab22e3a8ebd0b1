#pragma once

/** @file
 *  @brief SMPP command_id values: 3.4 (reference §2) and the three broadcast commands of 5.0
 *  (docs/smpp-5.0.md). */

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

namespace aiosmpp {

/** @brief An SMPP command_id. Bit 31 marks a response; any 32-bit value can be stored, so an
 *  unknown id read off the wire can still be reported. */
enum class CommandId : std::uint32_t {
  generic_nack = 0x80000000,
  bind_receiver = 0x00000001,
  bind_receiver_resp = 0x80000001,
  bind_transmitter = 0x00000002,
  bind_transmitter_resp = 0x80000002,
  query_sm = 0x00000003,
  query_sm_resp = 0x80000003,
  submit_sm = 0x00000004,
  submit_sm_resp = 0x80000004,
  deliver_sm = 0x00000005,
  deliver_sm_resp = 0x80000005,
  unbind = 0x00000006,
  unbind_resp = 0x80000006,
  replace_sm = 0x00000007,
  replace_sm_resp = 0x80000007,
  cancel_sm = 0x00000008,
  cancel_sm_resp = 0x80000008,
  bind_transceiver = 0x00000009,
  bind_transceiver_resp = 0x80000009,
  outbind = 0x0000000B,
  enquire_link = 0x00000015,
  enquire_link_resp = 0x80000015,
  submit_multi = 0x00000021,
  submit_multi_resp = 0x80000021,
  alert_notification = 0x00000102,
  data_sm = 0x00000103,
  data_sm_resp = 0x80000103,
  // SMPP 5.0 only (docs/smpp-5.0.md)
  broadcast_sm = 0x00000111,
  broadcast_sm_resp = 0x80000111,
  query_broadcast_sm = 0x00000112,
  query_broadcast_sm_resp = 0x80000112,
  cancel_broadcast_sm = 0x00000113,
  cancel_broadcast_sm_resp = 0x80000113,
};

/** @brief True for the 33 command ids SMPP 3.4 and 5.0 define (27 in 3.4, 6 broadcast ones added
 *  by 5.0; since_version() in enums.hpp tells which). */
bool is_known(CommandId id) noexcept;

/** @brief The spec's lower-case name ("submit_sm"), or "unknown" for an id neither 3.4 nor 5.0
 *  defines. */
std::string_view command_name(CommandId id) noexcept;

/** @brief True when bit 31 is set (every response, and generic_nack). */
constexpr bool is_response(CommandId id) noexcept {
  return (static_cast<std::uint32_t>(id) & 0x80000000U) != 0;
}

/** @brief The response id for a request (`id | 0x80000000`); outbind and alert_notification have
 *  none and give generic_nack. */
constexpr CommandId response_id(CommandId id) noexcept {
  if (id == CommandId::outbind || id == CommandId::alert_notification) {
    return CommandId::generic_nack;
  }
  return static_cast<CommandId>(static_cast<std::uint32_t>(id) | 0x80000000U);
}

}  // namespace aiosmpp

/** @brief Prints "submit_sm", or "0x00000114" for an id the library does not know. */
template <>
struct fmt::formatter<aiosmpp::CommandId> : fmt::formatter<std::string_view> {
  /** @brief Writes the formatted value to the context (see the specialisation). */
  auto format(aiosmpp::CommandId id, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    if (aiosmpp::is_known(id)) return fmt::format_to(ctx.out(), "{}", aiosmpp::command_name(id));
    return fmt::format_to(ctx.out(), "0x{:08x}", static_cast<std::uint32_t>(id));
  }
};
