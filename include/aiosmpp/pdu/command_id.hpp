#pragma once

/** @file
 *  @brief SMPP 3.4 command_id values (reference §2). */

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
};

/** @brief True for the 27 command ids SMPP 3.4 defines. */
bool is_known(CommandId id) noexcept;

/** @brief The spec's lower-case name ("submit_sm"), or "unknown" for an id 3.4 does not define. */
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

/** @brief Prints "submit_sm", or "0x00000111" for an id 3.4 does not define. */
template <>
struct fmt::formatter<aiosmpp::CommandId> : fmt::formatter<std::string_view> {
  /** @brief Writes the formatted value to the context (see the specialisation). */
  auto format(aiosmpp::CommandId id, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    if (aiosmpp::is_known(id)) return fmt::format_to(ctx.out(), "{}", aiosmpp::command_name(id));
    return fmt::format_to(ctx.out(), "0x{:08x}", static_cast<std::uint32_t>(id));
  }
};
