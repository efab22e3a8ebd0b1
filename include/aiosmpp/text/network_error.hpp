#pragma once

/** @file
 *  @brief The error a delivery receipt reports, as typed values: the network_error_code TLV
 *  (network type + 2-octet code, reference §5.2) and the `err:` field of the text, with the
 *  meaning of the GSM MAP errors an SMS delivery ends with (3GPP TS 29.002 §17.6.6). */

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace aiosmpp::text {

/** @brief Octet 1 of network_error_code. 1-3 are SMPP 3.4; 4-8 are SMPP 5.0. */
enum class NetworkType : std::uint8_t {
  /** @brief Not a network type: a code read from `err:` without a known convention, or a TLV
   *  some SMSCs write as three ASCII digits. */
  unspecified = 0,
  ansi_136 = 1,        ///< ANSI-136 (5.0: ANSI-136 access denied reason)
  is_95 = 2,           ///< IS-95 (5.0: IS-95 access denied reason)
  gsm = 3,             ///< GSM: the code is a GSM MAP error (3GPP TS 29.002)
  ansi_136_cause = 4,  ///< SMPP 5.0: ANSI-136 cause code
  is_95_cause = 5,     ///< SMPP 5.0: IS-95 cause code
  ansi_41 = 6,         ///< SMPP 5.0: ANSI-41 error
  smpp = 7,            ///< SMPP 5.0: an SMPP command_status
  mc_specific = 8,     ///< SMPP 5.0: specific to the message centre
};

/** @brief "gsm", "ansi_136", ..., "unspecified"; "reserved" above 8. */
std::string_view to_string(NetworkType type) noexcept;

/** @brief A receipt's error: which network (or convention) and the code. */
struct NetworkError {
  /** @brief How to read `code`. */
  NetworkType type = NetworkType::unspecified;
  /** @brief The code (two octets in the TLV; `err:` may hold more digits). 0: no error. */
  std::uint32_t code = 0;
  friend bool operator==(const NetworkError&, const NetworkError&) = default;
};

/** @brief Reads a network_error_code TLV value (exactly 3 octets: type, then the code
 *  big-endian). Three ASCII digits ("027"), which some SMSCs write instead (Kannel reads them so
 *  too), give the decimal code with type `unspecified`. nullopt for any other length. */
std::optional<NetworkError> parse_network_error_code(std::span<const std::uint8_t> value) noexcept;

/** @brief What a GSM MAP error code means (3GPP TS 29.002 §17.6.6, MAP-Errors): 1 "unknown
 *  subscriber", 6 "absent subscriber for SM", 11 "teleservice not provisioned", 13 "call
 *  barred", 21 "facility not supported", 27 "absent subscriber", 31 "subscriber busy for MT
 *  SMS", 32 "SM delivery failure", 34 "system failure", 35 "data missing", 36 "unexpected data
 *  value", ...; empty for a code the module does not define. */
std::string_view gsm_map_error_text(std::uint32_t code) noexcept;

/** @brief What an sm-DeliveryFailure cause means (MAP error 32's SM-EnumeratedDeliveryFailureCause,
 *  3GPP TS 29.002 MAP-ER-DataTypes): 0 "memory capacity exceeded", 1 "equipment protocol error",
 *  2 "equipment not SM-equipped", 3 "unknown service centre", 4 "SC congestion", 5 "invalid SME
 *  address", 6 "subscriber not SC subscriber"; empty otherwise. */
std::string_view sm_delivery_failure_cause_text(std::uint32_t cause) noexcept;

/** @brief The meaning of `error` where its type says how to read the code: 0 is "no error";
 *  GSM: `gsm_map_error_text`; SMPP: the command_status's description; empty otherwise. */
std::string_view describe(const NetworkError& error) noexcept;

/** @brief How an SMSC fills a receipt's `err:` field. SMPP 3.4 Appendix B only says "network
 *  specific error code or an SMSC error code" (3 digits); the SMSC's documentation says which. */
enum class ErrConvention : std::uint8_t {
  gsm_map,  ///< the GSM MAP error, in decimal (err:027: absent subscriber): the common one
  smpp,     ///< an SMPP command_status in decimal (err:011: ESME_RINVDSTADR)
  vendor,   ///< the SMSC's own codes (type mc_specific, no text)
};

}  // namespace aiosmpp::text
