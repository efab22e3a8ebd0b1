#pragma once

/** @file
 *  @brief One JSON schema for how a message ended, shared by `aiosmpp-send --out` and the Redis
 *  outcome stream (RedisOutcomeStream): OutcomeRecord, its one-line JSON and its parser.
 *
 *  One object per record, keys in this order, optional ones left out when not set:
 *  @code{.json}
 *  {"event":"outcome",            // optional: "outcome" or "receipt"; absent reads as "outcome"
 *   "line":2,                     // optional: aiosmpp-send's input line
 *   "id":"order-17",              // the tracking's log_id, null when empty
 *   "destination":"447700900001",
 *   "outcome":"ok",               // ok | rejected | unknown | invalid | not_sent (outcome events)
 *   "command_status":"ESME_ROK",  // spec name, null without a response (outcome events)
 *   "command_status_code":0,      // the same as a number, or null (outcome events)
 *   "message_id":"9a1f",          // the SMSC's id, null when none
 *   "error":null,                 // why, in words, or null (outcome events)
 *   "receipt":"delivered",        // optional (see receipt_asked); always in receipt events
 *   "final":true,"matched":true,"repeat":false,"held":false,  // receipt events only
 *   "extra_data":"...",           // optional: the tracking's extra_data when not empty
 *   "client_id":"acme#0"}         // optional: the bind that saw it, when known
 *  @endcode
 *  A record of aiosmpp-send has `line` and none of `event`, `extra_data`, `client_id`; a record
 *  of the outcome stream has `event` and no `line`. */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "aiosmpp/pdu/command_status.hpp"
#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief How a message ended, as outcome records name it. */
enum class OutcomeKind : std::uint8_t {
  ok,        ///< ESME_ROK
  rejected,  ///< an error command_status, or generic_nack
  unknown,   ///< written, no response (timeout, connection lost): the SMSC may have it
  invalid,   ///< could not be encoded (or, in aiosmpp-send, a bad input line)
  not_sent,  ///< never written
};

/** @brief "ok", "rejected", "unknown", "invalid", "not_sent". */
std::string_view to_string(OutcomeKind kind) noexcept;

/** @brief The kind of a response: ok for ESME_ROK (a generic_nack never is), else rejected. */
OutcomeKind outcome_kind_of_response(const Pdu& response) noexcept;

/** @brief The kind of a SendError::Kind (aiosmpp/esme/outcome.hpp): invalid_message -> invalid,
 *  not_sent -> not_sent, outcome_unknown -> unknown. A template so that this layer does not
 *  include the runtime's header. */
template <class SendErrorKind>
requires std::is_enum_v<SendErrorKind>
constexpr OutcomeKind outcome_kind_of_send_error(SendErrorKind kind) noexcept {
  switch (kind) {
    case SendErrorKind::invalid_message:
      return OutcomeKind::invalid;
    case SendErrorKind::outcome_unknown:
      return OutcomeKind::unknown;
    case SendErrorKind::not_sent:
      return OutcomeKind::not_sent;
  }
  return OutcomeKind::unknown;
}

/** @brief One record: a message's outcome, or (in the outcome stream) a delivery receipt. */
struct OutcomeRecord {
  /** @brief What the record reports. */
  enum class Event : std::uint8_t { outcome, receipt };
  /** @brief Written as "event" when set; a record read without it is an outcome. */
  std::optional<Event> event;
  /** @brief aiosmpp-send's input line (from 1); written when not 0. */
  std::size_t line = 0;
  std::string id;                      ///< the tracking's log_id (null when empty)
  std::string destination;             ///< the message's destination address (the receipt's source)
  OutcomeKind kind = OutcomeKind::ok;  ///< outcome events
  std::optional<CommandStatus> status;  ///< the response's command_status (outcome events)
  std::string message_id;               ///< the SMSC's message id (null when empty)
  std::string error;                    ///< why, in words (outcome events; null when empty)
  /** @brief Outcome events: write "receipt" (receipt_state or null); aiosmpp-send's
   *  --wait-receipts. Receipt events always have it. */
  bool receipt_asked = false;
  std::optional<std::string> receipt_state;  ///< a receipt's state name, e.g. "delivered"
  bool final_state = false;                  ///< receipt events: the state is final
  bool matched = false;                      ///< receipt events: the correlator knew the id
  bool repeat = false;                       ///< receipt events: offered again after its final
  bool held = false;       ///< receipt events: it came before the response and was held
  std::string extra_data;  ///< the tracking's extra_data; written when not empty
  std::string client_id;   ///< the bind that saw it; written when not empty
};

/** @brief Sets kind, status, message_id and error (the status's description when rejected) from
 *  the SMSC's response. */
void set_response(OutcomeRecord& record, const Pdu& response);

/** @brief Sets kind and error from a SendError (aiosmpp/esme/outcome.hpp; a template for the
 *  same reason as outcome_kind_of_send_error()). */
template <class SendErrorT>
void set_send_error(OutcomeRecord& record, const SendErrorT& error) {
  record.kind = outcome_kind_of_send_error(error.kind);
  record.error = fmt::format("{}", error);
}

/** @brief The record as one line of JSON (no newline). Text that is not UTF-8 is replaced, not
 *  refused. */
std::string outcome_json(const OutcomeRecord& record);

/** @brief Reads a record written by outcome_json(). @throws JsonError naming the key and what
 *  was expected. */
OutcomeRecord outcome_from_json(std::string_view text);

}  // namespace aiosmpp
