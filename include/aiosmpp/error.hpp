#pragma once

/** @file
 *  @brief The library's error codes: `aiosmpp::errc` (its own failures), `CommandStatus` (the
 * wire's ESME_R* codes, see pdu/command_status.hpp) and the `SmppError` exception. */

#include <string>
#include <system_error>

#include <fmt/format.h>

#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"

namespace aiosmpp {

/** @brief Failures of the library itself (category "aiosmpp"). 0 is never used: it means success.
 */
enum class errc {
  malformed_pdu = 1,     ///< bytes that are not a valid PDU (the CodecError says which field)
  pdu_too_large,         ///< command_length above the configured maximum
  invalid_field,         ///< a PDU to encode has a field outside its size or range
  unknown_command,       ///< a command_id the codec (or the negotiated version) does not define
  bind_failed,           ///< the SMSC rejected the bind (the CommandStatus says why)
  response_timeout,      ///< no response to a request within the response timeout
  enquire_link_timeout,  ///< the peer did not answer enquire_link: the link is dead
  connection_closed,     ///< the peer closed the connection (or unbound)
  not_bound,             ///< an operation that needs a bound session was attempted without one
  // 10 was window_full, which nothing produced (a full window is back-pressure, not an error);
  // the numbers after it are kept so that logged values keep their meaning.
  cancelled = 11,  ///< the operation was cancelled
  stopped,         ///< the ESME or session is stopping or stopped
  /** @brief The TLS handshake failed: no common protocol version or cipher, a peer that does not
   *  speak TLS (a plain SMPP port), an alert from the peer, or no handshake in time. The log and
   *  Esme::connect()'s exception carry OpenSSL's reason. */
  tls_handshake_failed,
  /** @brief The peer's certificate was refused: untrusted issuer, expired or not yet valid, a name
   *  that does not match, or a client certificate the server requires and did not get. The log
   *  and Esme::connect()'s exception say which. */
  tls_verify_failed,
};

/** @brief The category of `errc` ("aiosmpp"). */
const std::error_category& aiosmpp_category() noexcept;

/** @brief Makes `std::error_code ec = errc::x` work. */
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), aiosmpp_category()};
}

/** @brief A failed SMPP operation: which command and the command_status it ended with.
 *
 *  A `std::system_error` whose code() is the CommandStatus, so `catch (const std::system_error&)`
 *  catches it too. what() reads "submit_sm: ESME_RTHROTTLED (0x58: throttling error)", or
 *  "submit_sm: <detail>: ESME_RTHROTTLED (0x58: throttling error)" when a detail was given. */
class SmppError : public std::system_error {
 public:
  /** @brief `command` failed with `status`; `detail` (optional) is added to what(). */
  SmppError(CommandId command, CommandStatus status, const std::string& detail = {});

  /** @brief The command that failed (a request id, or the id of the PDU that could not be
   *  decoded). */
  CommandId command_id() const noexcept { return command_; }
  /** @brief The command_status the operation ended with. */
  CommandStatus command_status() const noexcept { return status_; }

 private:
  CommandId command_;
  CommandStatus status_;
};

}  // namespace aiosmpp

template <>
struct std::is_error_code_enum<aiosmpp::errc> : std::true_type {};

/** @brief Prints the errc's message ("response timeout"). */
template <>
struct fmt::formatter<aiosmpp::errc> : fmt::formatter<std::string_view> {
  /** @brief Writes the errc's message. */
  auto format(aiosmpp::errc e, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{}", aiosmpp::make_error_code(e).message());
  }
};
