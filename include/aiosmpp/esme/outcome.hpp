#pragma once

/** @file
 *  @brief SendError (how a message ended when it did not get a response) and Outcome (how it
 *  ended, either way). */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief Why a message taken from the broker ended without a response (given to
 *  Hook::send_error). Every message taken from the broker ends in exactly one outcome: a response
 *  through Hook::received, or one SendError.
 *
 *  What an application may do with each kind (the Esme sends nothing again on its own except
 *  throttling answers, EsmeConfig::requeue): `invalid_message` never reaches the SMSC and will fail
 * again unchanged; `not_sent` is safe to enqueue again; `outcome_unknown` may have been accepted by
 * the SMSC, so re-sending risks a duplicate (query_sm with a message_id is not possible without the
 * response; decide by the message's value: most applications re-send after a delay). */
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

/** @brief How one message ended, in one shape for every path: the SMSC's response (any
 *  command_status; a submit_sm_resp, data_sm_resp, query_sm_resp, ... or a generic_nack), or a
 *  SendError. Returned by Esme::submit() and the other direct requests, and given to
 *  Hook::outcome() for every message, taken from the broker or sent directly. */
struct Outcome {
  /** @brief The message as it was taken (for a long message, the original with its text), with
   *  its tracking. */
  Pdu message;
  /** @brief The SMSC's answer, with the message's tracking attached; empty when `error` is set. */
  std::optional<Pdu> response;
  /** @brief Why there is no response; empty when `response` is set. */
  std::optional<SendError> error;

  /** @brief A response with ESME_ROK. */
  bool accepted() const noexcept {
    return response && header_of(*response).command_status == CommandStatus::ok;
  }
  /** @brief The response's command_status; nullopt without a response. */
  std::optional<CommandStatus> status() const noexcept {
    if (!response) return std::nullopt;
    return header_of(*response).command_status;
  }
  /** @brief The SMSC's message_id from the response (empty when it has none). */
  std::string_view message_id() const noexcept {
    if (!response) return {};
    return message_id_of(*response);
  }
  /** @brief The message's tracking (log_id, extra_data). */
  const Tracking& tracking() const noexcept { return tracking_of(message); }
};

/** @brief A delivery receipt as the Esme correlated it (Hook::receipt()): the receipt itself
 *  (received() sees the same PDU), and what the correlator and the text layer made of it.
 *
 *  With EsmeConfig::merge_receipts, a message sent as several segments gets one ReceiptOutcome
 *  once every segment's final receipt is in (or the merge gives up, see `complete`), carrying the
 *  worst state of its segments; intermediate receipts and single-segment messages come one by
 *  one as without merging. */
struct ReceiptOutcome {
  /** @brief The deliver_sm or data_sm, with the submit's tracking when `matched`. For a merged
   *  receipt, the last segment's. */
  Pdu receipt;
  /** @brief The state it reports (message_state TLV, else the `stat:` word); for a merged
   *  receipt the worst of its segments' (see worst_state()); nullopt when unreadable. */
  std::optional<MessageState> state;
  /** @brief It ends the message (EsmeConfig::receipt_finality). */
  bool final_state = false;
  /** @brief The correlator knew the message id: `receipt`'s tracking is the submit's. */
  bool matched = false;
  /** @brief The SMSC offered this receipt again after its final one was seen (within the
   *  correlator's grace period); `matched` is true. */
  bool repeat = false;
  /** @brief It arrived before its submit's response and was held until the response came (or
   *  the hold expired: then `matched` is false). */
  bool held = false;
  /** @brief Segments this outcome stands for: 1, or the message's segment count when merged. */
  std::size_t segments = 1;
  /** @brief Segments whose final receipt came; equals `segments` unless a merge was given up
   *  (EsmeConfig::merge_receipts_limit or the message's entry expired). */
  std::size_t segments_received = 1;
  /** @brief Every segment's final receipt is in. */
  bool complete() const noexcept { return segments_received == segments; }
};

/** @brief The worse of two receipt states for a merged receipt: any failure beats delivered, and
 *  among failures rejected > undeliverable > expired > deleted > unknown > skipped; a state
 *  beats none. */
std::optional<MessageState> worst_state(std::optional<MessageState> a,
                                        std::optional<MessageState> b) noexcept;

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
