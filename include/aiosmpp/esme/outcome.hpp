#pragma once

/** @file
 *  @brief SendError: how a message taken from the broker ended when it did not get a response. */

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace aiosmpp {

/** @brief Why a message taken from the broker ended without a response (given to
 *  Hook::send_error). Every message taken from the broker ends in exactly one outcome: a response
 *  through Hook::received, or one SendError.
 *
 *  What an application may do with each kind (nothing is retried automatically, as in
 *  aiosmpplib): `invalid_message` never reaches the SMSC and will fail again unchanged;
 *  `not_sent` is safe to enqueue again; `outcome_unknown` may have been accepted by the SMSC, so
 *  re-sending risks a duplicate (query_sm with a message_id is not possible without the response;
 *  decide by the message's value: most applications re-send after a delay). */
struct SendError {
  /** @brief What is known about the message. */
  enum class Kind : std::uint8_t {
    /** The message could not be encoded (a field over its limit, ...): nothing was sent. The code
     *  is the codec's errc, the detail names the field. */
    invalid_message,
    /** The connection was down, or went down or stopped before any byte of the message was
     *  written: the SMSC never saw it. */
    not_sent,
    /** The message was written, but the connection dropped or the response did not come within
     *  the response timeout (errc::response_timeout): the SMSC may have accepted it. */
    outcome_unknown,
  };

  /** @brief What is known: invalid, never sent, or sent without an answer. */
  Kind kind = Kind::not_sent;
  std::error_code code;  ///< errc::response_timeout, errc::connection_closed, an asio error, ...
  std::string detail;    ///< a sentence for logs
};

/** @brief "invalid_message", "not_sent", "outcome_unknown". */
constexpr std::string_view to_string(SendError::Kind kind) noexcept {
  switch (kind) {
    case SendError::Kind::invalid_message:
      return "invalid_message";
    case SendError::Kind::not_sent:
      return "not_sent";
    case SendError::Kind::outcome_unknown:
      return "outcome_unknown";
  }
  return "unknown";
}

}  // namespace aiosmpp

/** @brief Prints "outcome_unknown: response timeout (detail)". */
template <>
struct fmt::formatter<aiosmpp::SendError> : fmt::formatter<std::string_view> {
  /** @brief Writes kind, code message and detail. */
  auto format(const aiosmpp::SendError& e, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    if (e.detail.empty()) {
      return fmt::format_to(ctx.out(), "{}: {}", aiosmpp::to_string(e.kind), e.code.message());
    }
    return fmt::format_to(ctx.out(), "{}: {} ({})", aiosmpp::to_string(e.kind), e.code.message(),
                          e.detail);
  }
};
