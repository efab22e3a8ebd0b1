#include "aiosmpp/text/network_error.hpp"

#include "aiosmpp/pdu/command_status.hpp"

namespace aiosmpp::text {

std::string_view to_string(NetworkType type) noexcept {
  switch (type) {
    case NetworkType::unspecified:
      return "unspecified";
    case NetworkType::ansi_136:
      return "ansi_136";
    case NetworkType::is_95:
      return "is_95";
    case NetworkType::gsm:
      return "gsm";
    case NetworkType::ansi_136_cause:
      return "ansi_136_cause";
    case NetworkType::is_95_cause:
      return "is_95_cause";
    case NetworkType::ansi_41:
      return "ansi_41";
    case NetworkType::smpp:
      return "smpp";
    case NetworkType::mc_specific:
      return "mc_specific";
  }
  return "reserved";
}

std::optional<NetworkError> parse_network_error_code(std::span<const std::uint8_t> v) noexcept {
  if (v.size() != 3) return std::nullopt;
  auto digit = [](std::uint8_t b) { return b >= '0' && b <= '9'; };
  if (digit(v[0]) && digit(v[1]) && digit(v[2])) {
    // Not a network type (types are 0-8): an SMSC that writes the code as text, as in `err:`.
    return NetworkError{
        NetworkType::unspecified,
        static_cast<std::uint32_t>((v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0'))};
  }
  return NetworkError{static_cast<NetworkType>(v[0]),
                      static_cast<std::uint32_t>((v[1] << 8) | v[2])};
}

std::string_view gsm_map_error_text(std::uint32_t code) noexcept {
  // The local error codes of the MAP-Errors module, 3GPP TS 29.002 §17.6.6 (checked against
  // RestComm jss7's MAPErrorCode and the module's ASN.1 as quoted from TS 29.002 V19.1.0). The
  // handover, group call and ATM errors no SMS delivery returns are left out.
  switch (code) {
    case 1:
      return "unknown subscriber";
    case 3:
      return "unknown MSC";
    case 5:
      return "unidentified subscriber";
    case 6:
      return "absent subscriber for SM";
    case 7:
      return "unknown equipment";
    case 8:
      return "roaming not allowed";
    case 9:
      return "illegal subscriber";
    case 10:
      return "bearer service not provisioned";
    case 11:
      return "teleservice not provisioned";
    case 12:
      return "illegal equipment";
    case 13:
      return "call barred";
    case 14:
      return "forwarding violation";
    case 15:
      return "CUG reject";
    case 16:
      return "illegal SS operation";
    case 17:
      return "SS error status";
    case 18:
      return "SS not available";
    case 19:
      return "SS subscription violation";
    case 20:
      return "SS incompatibility";
    case 21:
      return "facility not supported";
    case 22:
      return "ongoing group call";
    case 27:
      return "absent subscriber";
    case 28:
      return "incompatible terminal";
    case 29:
      return "short term denial";
    case 30:
      return "long term denial";
    case 31:
      return "subscriber busy for MT SMS";
    case 32:
      return "SM delivery failure";
    case 33:
      return "message waiting list full";
    case 34:
      return "system failure";
    case 35:
      return "data missing";
    case 36:
      return "unexpected data value";
    case 37:
      return "PW registration failure";
    case 38:
      return "negative PW check";
    case 39:
      return "no roaming number available";
    case 40:
      return "tracing buffer full";
    case 43:
      return "number of PW attempts violation";
    case 44:
      return "number changed";
    case 45:
      return "busy subscriber";
    case 46:
      return "no subscriber reply";
    case 47:
      return "forwarding failed";
    case 48:
      return "OR not allowed";
    case 49:
      return "ATI not allowed";
    case 51:
      return "resource limitation";
    case 52:
      return "unauthorized requesting network";
    case 53:
      return "unauthorized LCS client";
    case 54:
      return "position method failure";
    case 58:
      return "unknown or unreachable LCS client";
    case 59:
      return "MM event not supported";
    case 60:
      return "ATSI not allowed";
    case 62:
      return "information not available";
    case 71:
      return "unknown alphabet";
    case 72:
      return "USSD busy";
    default:
      return {};
  }
}

std::string_view sm_delivery_failure_cause_text(std::uint32_t cause) noexcept {
  switch (cause) {
    case 0:
      return "memory capacity exceeded";
    case 1:
      return "equipment protocol error";
    case 2:
      return "equipment not SM-equipped";
    case 3:
      return "unknown service centre";
    case 4:
      return "SC congestion";
    case 5:
      return "invalid SME address";
    case 6:
      return "subscriber not SC subscriber";
    default:
      return {};
  }
}

std::string_view describe(const NetworkError& e) noexcept {
  if (e.code == 0) return "no error";
  switch (e.type) {
    case NetworkType::gsm:
      return gsm_map_error_text(e.code);
    case NetworkType::smpp:
      return status_description(static_cast<CommandStatus>(e.code));
    default:
      return {};
  }
}

}  // namespace aiosmpp::text
