#pragma once

/** @file
 *  @brief Hook: the application's view of every message sent, received or failed (aiosmpplib's
 *  AbstractHook); SimpleHook logs them at TRACE. */

#include <cstdint>
#include <span>
#include <string_view>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/outcome.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief Which Hook methods the Esme calls: a bit mask returned by Hook::interests(). */
enum class HookInterest : std::uint8_t {
  none = 0,
  sending = 1,
  received = 2,
  send_error = 4,
  all = 7,       ///< the three methods aiosmpplib has (the default)
  outcome = 8,   ///< Hook::outcome(): every message's one outcome, either shape
  session = 16,  ///< session PDUs (bind_*_resp, unbind, unbind_resp, enquire_link, ...) through
                 ///< received(), which otherwise sees only messages and responses to them
  receipt = 32,  ///< Hook::receipt(): each delivery receipt correlated (or merged), with flags
};
/** @brief Combines interests. */
constexpr HookInterest operator|(HookInterest a, HookInterest b) noexcept {
  return static_cast<HookInterest>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
/** @brief Whether `mask` includes `bit`. */
constexpr bool has_interest(HookInterest mask, HookInterest bit) noexcept {
  return (static_cast<std::uint8_t>(mask) & static_cast<std::uint8_t>(bit)) != 0;
}

/** @brief Called by the Esme, on its executor, for each message.
 *
 *  - sending(): a request is about to be written (after it was encoded and registered in flight).
 *  - received(): a PDU arrived. For a response to one of our requests, `message` is the response
 *    with the request's `tracking` (log_id, extra_data) attached; for a long message sent as
 *    several segments, one call for the whole message (the first error response, else the last
 *    response). For a delivery receipt, the deliver_sm/data_sm with the tracking of the submit it
 *    reports on (when the correlator knows it). A segmented incoming deliver_sm is given once,
 *    reassembled (its parts joined; `pdu` is then the last part's bytes); parts of a message that
 *    never completes are given one by one after EsmeConfig::reassembly_timeout. `message` is
 *    nullptr when the bytes could not be decoded. A deliver_sm or data_sm is answered only after
 *    received() returns, so a hook that stores it durably loses nothing.
 *  - send_error(): a message taken from the broker ended without a response (see SendError);
 *    for a long message, once, when any of its segments failed (the detail says how many of
 *    them the SMSC accepted).
 *
 *  g++ 12 destroys prvalue temporaries in a co_await expression twice in some cases (braced
 *  aggregates passed by value): inside hooks, pass named values to awaited calls.
 *
 *  Spans and references are valid only during the call. An exception thrown by a hook is logged
 *  and swallowed: it never ends the session, and the message's outcome still counts as given.
 *  The Esme awaits each call in turn, so a slow hook slows the session (that is the
 *  back-pressure aiosmpplib has too).
 *
 *  interests() is read once per session: return only the bits you implement and the Esme skips
 *  the others entirely, with no coroutine frame per message (the hot path stays batch-cheap). */
class Hook {
 public:
  virtual ~Hook() = default;

  /** @brief The methods this hook wants called. Default: all. */
  virtual HookInterest interests() const noexcept { return HookInterest::all; }

  /** @brief A request is about to be written: `message` with its tracking, `pdu` its encoded
   *  bytes. */
  virtual asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                        std::string_view client_id) = 0;
  /** @brief Called once after the sending() calls for one batch of requests, before any of
   *  their octets can be written (only when interests() includes HookInterest::sending, and
   *  also when the session ended during the batch). A hook that records each request in
   *  sending() without waiting waits here, once per batch, for its records (RedisHook: one
   *  Redis round trip per batch instead of one per request). The default does nothing. */
  virtual asio::awaitable<void> before_write(std::string_view client_id);
  /** @brief A PDU arrived (see the class description for responses, receipts and reassembled
   *  messages); `message` is nullptr when `pdu` did not decode. */
  virtual asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                         std::string_view client_id) = 0;
  /** @brief `message`, taken from the broker, ended without a response; `error` says whether it
   *  was invalid, not sent or of unknown outcome. */
  virtual asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                           std::string_view client_id) = 0;
  /** @brief Every message's one outcome in one shape (the response, a generic_nack or a
   *  SendError), for the broker's messages and direct requests alike; called after received()
   *  or send_error() for the same message. Only when interests() includes
   *  HookInterest::outcome. The default does nothing. */
  virtual asio::awaitable<void> outcome(const Outcome& outcome, std::string_view client_id);
  /** @brief A delivery receipt with what the correlator made of it (matched, repeat, held) and
   *  its state; with EsmeConfig::merge_receipts, one per long message. Called after received()
   *  for the same receipt (a merged one: after the last segment's). Only when interests()
   *  includes HookInterest::receipt. The default does nothing. */
  virtual asio::awaitable<void> receipt(const ReceiptOutcome& receipt, std::string_view client_id);
};

/** @brief aiosmpplib's SimpleHook: logs each call at TRACE (events "hook_sending",
 *  "hook_received", "hook_send_error") with the command, sequence number, log_id and client_id.
 *  interests() is none when the logger's TRACE is off, so it then costs nothing. */
class SimpleHook final : public Hook {
 public:
  /** @brief Logs through `logger` (default: off, so the hook costs nothing). */
  explicit SimpleHook(Logger logger = {}) : logger_(std::move(logger)) {}

  HookInterest interests() const noexcept override;
  /** @brief Logs "hook_sending" at TRACE. */
  asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override;
  /** @brief Logs "hook_received" at TRACE. */
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override;
  /** @brief Logs "hook_send_error" at TRACE. */
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view client_id) override;

 private:
  Logger logger_;
};

}  // namespace aiosmpp
