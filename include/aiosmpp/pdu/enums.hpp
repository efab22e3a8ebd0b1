#pragma once

/** @file
 *  @brief SMPP 3.4 enumerations and bit fields (reference §6): TON, NPI, data_coding, esm_class,
 *  registered_delivery, message_state, interface_version, dest_flag.
 *
 *  Every enum has `std::uint8_t` as its underlying type and may hold any byte, so a value the spec
 *  reserves survives decode and encode unchanged. fmt prints each as "name (0xNN)". */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "aiosmpp/pdu/command_id.hpp"

namespace aiosmpp {

/** @brief Type of number (§6.1). */
enum class Ton : std::uint8_t {
  unknown = 0x00,
  international = 0x01,
  national = 0x02,
  network_specific = 0x03,
  subscriber_number = 0x04,
  alphanumeric = 0x05,
  abbreviated = 0x06,
};

/** @brief Numbering plan indicator (§6.2). */
enum class Npi : std::uint8_t {
  unknown = 0x00,
  isdn = 0x01,
  data = 0x03,
  telex = 0x04,
  land_mobile = 0x06,
  national = 0x08,
  private_plan = 0x09,
  ermes = 0x0A,
  internet = 0x0E,
  wap_client_id = 0x12,
};

/** @brief data_coding (§6.3). Named constants for the 3.4 values; any byte (GSM DCS groups
 *  0xC0-0xFF included) may be stored. */
enum class DataCoding : std::uint8_t {
  smsc_default = 0x00,
  ia5 = 0x01,
  octet_unspecified = 0x02,
  latin1 = 0x03,
  binary = 0x04,  ///< octet unspecified (8-bit binary), the usual value for binary/WAP
  jis = 0x05,
  cyrillic = 0x06,
  latin_hebrew = 0x07,
  ucs2 = 0x08,
  pictogram = 0x09,
  iso2022_jp = 0x0A,
  extended_kanji = 0x0D,
  ks_c_5601 = 0x0E,
};

/** @brief esm_class bits (§6.4): messaging mode (bits 1-0), message type (bits 5-2), GSM features
 *  (bits 7-6). Combine with `|`; `EsmClass{0x44}` is a receipt with a UDH. */
enum class EsmClass : std::uint8_t {
  default_mode = 0x00,
  datagram_mode = 0x01,
  forward_mode = 0x02,
  store_and_forward_mode = 0x03,
  delivery_receipt = 0x04,           ///< SMSC delivery receipt (deliver_sm, data_sm)
  delivery_ack = 0x08,               ///< (ESME|SME) delivery acknowledgement
  user_ack = 0x10,                   ///< (ESME|SME) manual/user acknowledgement
  conversation_abort = 0x18,         ///< Korean CDMA
  intermediate_notification = 0x20,  ///< intermediate delivery notification
  udhi = 0x40,                       ///< user data begins with a User Data Header
  reply_path = 0x80,                 ///< GSM reply path
};

/** @brief Mask of the esm_class messaging-mode bits. */
inline constexpr std::uint8_t esm_class_mode_mask = 0x03;
/** @brief Mask of the esm_class message-type bits. */
inline constexpr std::uint8_t esm_class_type_mask = 0x3C;

/** @brief Combines esm_class bits. */
constexpr EsmClass operator|(EsmClass a, EsmClass b) noexcept {
  return static_cast<EsmClass>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
/** @brief The esm_class bits set in both. */
constexpr EsmClass operator&(EsmClass a, EsmClass b) noexcept {
  return static_cast<EsmClass>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
/** @brief The messaging mode (bits 1-0) alone. */
constexpr EsmClass message_mode(EsmClass e) noexcept {
  return static_cast<EsmClass>(static_cast<std::uint8_t>(e) & esm_class_mode_mask);
}
/** @brief The message type (bits 5-2) alone, e.g. EsmClass::delivery_receipt. */
constexpr EsmClass message_type(EsmClass e) noexcept {
  return static_cast<EsmClass>(static_cast<std::uint8_t>(e) & esm_class_type_mask);
}
/** @brief True when the UDHI bit (0x40) is set. */
constexpr bool has_udhi(EsmClass e) noexcept {
  return (static_cast<std::uint8_t>(e) & 0x40U) != 0;
}

/** @brief registered_delivery bits (§6.5). Bits 7-5 are reserved and must be 0. */
enum class RegisteredDelivery : std::uint8_t {
  none = 0x00,
  receipt_always = 0x01,      ///< SMSC receipt on success or failure
  receipt_on_failure = 0x02,  ///< SMSC receipt on failure only
  receipt_on_success = 0x03,  ///< reserved in 3.4; 5.0: on success only
  sme_delivery_ack = 0x04,
  sme_user_ack = 0x08,
  intermediate_notification = 0x10,
};

/** @brief Mask of the registered_delivery bits 3.4 defines; the encoder and decoder reject others
 *  with ESME_RINVREGDLVFLG. */
inline constexpr std::uint8_t registered_delivery_mask = 0x1F;

/** @brief Combines registered_delivery bits. */
constexpr RegisteredDelivery operator|(RegisteredDelivery a, RegisteredDelivery b) noexcept {
  return static_cast<RegisteredDelivery>(static_cast<std::uint8_t>(a) |
                                         static_cast<std::uint8_t>(b));
}
/** @brief The registered_delivery bits set in both. */
constexpr RegisteredDelivery operator&(RegisteredDelivery a, RegisteredDelivery b) noexcept {
  return static_cast<RegisteredDelivery>(static_cast<std::uint8_t>(a) &
                                         static_cast<std::uint8_t>(b));
}
/** @brief The SMSC-receipt part (bits 1-0). */
constexpr RegisteredDelivery receipt_request(RegisteredDelivery r) noexcept {
  return static_cast<RegisteredDelivery>(static_cast<std::uint8_t>(r) & 0x03U);
}

/** @brief message_state (§6.8), in query_sm_resp and the message_state TLV. */
enum class MessageState : std::uint8_t {
  scheduled = 0,  ///< SMPP 5.0 only
  enroute = 1,
  delivered = 2,
  expired = 3,
  deleted = 4,
  undeliverable = 5,
  accepted = 6,
  unknown = 7,
  rejected = 8,
  skipped = 9,  ///< SMPP 5.0 only
};

/** @brief interface_version (§6.10). 0x00-0x33 mean SMPP 3.3 or earlier. */
enum class InterfaceVersion : std::uint8_t {
  smpp_3_3 = 0x33,
  smpp_3_4 = 0x34,
  smpp_5_0 = 0x50,
};

/** @brief Whether a peer speaking `peer` knows what came with version `since`: compares the
 *  bytes, so 3.3 and earlier (0x00-0x33) know no TLV, 3.4 knows no 5.0 command or TLV, and a
 *  version above 0x50 counts as 5.0's successor. */
constexpr bool version_has(InterfaceVersion peer, InterfaceVersion since) noexcept {
  return static_cast<std::uint8_t>(since) <= static_cast<std::uint8_t>(peer);
}

/** @brief The version two peers speak together: the lower of what each announces (the bind's
 *  interface_version, the bind response's sc_interface_version), read as the version it belongs
 *  to: 0x50 and above 5.0, 0x34-0x4F 3.4, below 0x34 3.3 (no TLVs; reference §6.10). */
constexpr InterfaceVersion common_version(std::uint8_t a, std::uint8_t b) noexcept {
  const std::uint8_t low = a < b ? a : b;
  if (low >= static_cast<std::uint8_t>(InterfaceVersion::smpp_5_0)) {
    return InterfaceVersion::smpp_5_0;
  }
  if (low >= static_cast<std::uint8_t>(InterfaceVersion::smpp_3_4)) {
    return InterfaceVersion::smpp_3_4;
  }
  return InterfaceVersion::smpp_3_3;
}

/** @brief The version that introduced a command: smpp_5_0 for the broadcast commands (and their
 *  responses), smpp_3_4 for the rest (the 3.3 commands are counted as 3.4's, as the codec speaks
 *  3.4 to a 3.3 peer). The encoder refuses a command a peer's version lacks (EncodeOptions). */
constexpr InterfaceVersion since_version(CommandId id) noexcept {
  switch (id) {
    case CommandId::broadcast_sm:
    case CommandId::broadcast_sm_resp:
    case CommandId::query_broadcast_sm:
    case CommandId::query_broadcast_sm_resp:
    case CommandId::cancel_broadcast_sm:
    case CommandId::cancel_broadcast_sm_resp:
      return InterfaceVersion::smpp_5_0;
    default:
      return InterfaceVersion::smpp_3_4;
  }
}

/** @brief dest_flag of a submit_multi destination (§3.7). Only these two values are valid. */
enum class DestFlag : std::uint8_t {
  sme_address = 1,
  distribution_list = 2,
};

/** @brief How an ESME binds (reference §2.2): a transmitter sends only, a receiver receives only,
 *  a transceiver both. The one enum for both sides (the Esme's BindMode and the server's
 *  smsc::BindType are this type). */
enum class BindType : std::uint8_t { transmitter, receiver, transceiver };

/** @brief bind_transmitter, bind_receiver or bind_transceiver. */
constexpr CommandId bind_command(BindType type) noexcept {
  switch (type) {
    case BindType::transmitter:
      return CommandId::bind_transmitter;
    case BindType::receiver:
      return CommandId::bind_receiver;
    case BindType::transceiver:
      break;
  }
  return CommandId::bind_transceiver;
}

/** @brief The bind type a bind request (or its response) asks for; nullopt for other commands. */
constexpr std::optional<BindType> bind_type_of(CommandId id) noexcept {
  switch (id) {
    case CommandId::bind_transmitter:
    case CommandId::bind_transmitter_resp:
      return BindType::transmitter;
    case CommandId::bind_receiver:
    case CommandId::bind_receiver_resp:
      return BindType::receiver;
    case CommandId::bind_transceiver:
    case CommandId::bind_transceiver_resp:
      return BindType::transceiver;
    default:
      return std::nullopt;
  }
}

/** @brief "transmitter", "receiver", "transceiver". */
std::string_view to_string(BindType type) noexcept;

/** @brief Names for logs ("international"); "reserved" for a value the spec does not define. */
std::string_view to_string(Ton v) noexcept;
/** @brief The NPI's name ("isdn"), or "reserved". */
std::string_view to_string(Npi v) noexcept;
/** @brief The data_coding's name ("ucs2"), or "reserved". */
std::string_view to_string(DataCoding v) noexcept;
/** @brief The message state's name ("delivered"), or "reserved". */
std::string_view to_string(MessageState v) noexcept;
/** @brief The interface version's name ("smpp_3_4"), or "reserved". */
std::string_view to_string(InterfaceVersion v) noexcept;
/** @brief The dest_flag's name ("sme_address"), or "reserved". */
std::string_view to_string(DestFlag v) noexcept;
/** @brief Bit names joined by '|' ("store_and_forward_mode|delivery_receipt|udhi"). */
std::string to_string(EsmClass v);
/** @brief Bit names joined by '|' ("receipt_always|sme_delivery_ack"), "none" for 0. */
std::string to_string(RegisteredDelivery v);

namespace detail {
template <class E>
struct EnumFormatter : fmt::formatter<std::string_view> {
  auto format(E v, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{} (0x{:02x})", aiosmpp::to_string(v),
                          static_cast<unsigned>(v));
  }
};
}  // namespace detail

}  // namespace aiosmpp

template <>
struct fmt::formatter<aiosmpp::Ton> : aiosmpp::detail::EnumFormatter<aiosmpp::Ton> {};
template <>
struct fmt::formatter<aiosmpp::Npi> : aiosmpp::detail::EnumFormatter<aiosmpp::Npi> {};
template <>
struct fmt::formatter<aiosmpp::DataCoding> : aiosmpp::detail::EnumFormatter<aiosmpp::DataCoding> {};
template <>
struct fmt::formatter<aiosmpp::EsmClass> : aiosmpp::detail::EnumFormatter<aiosmpp::EsmClass> {};
template <>
struct fmt::formatter<aiosmpp::RegisteredDelivery>
    : aiosmpp::detail::EnumFormatter<aiosmpp::RegisteredDelivery> {};
template <>
struct fmt::formatter<aiosmpp::MessageState>
    : aiosmpp::detail::EnumFormatter<aiosmpp::MessageState> {};
template <>
struct fmt::formatter<aiosmpp::InterfaceVersion>
    : aiosmpp::detail::EnumFormatter<aiosmpp::InterfaceVersion> {};
template <>
struct fmt::formatter<aiosmpp::DestFlag> : aiosmpp::detail::EnumFormatter<aiosmpp::DestFlag> {};
