#pragma once

/** @file
 *  @brief Server-side session states and which PDUs each allows (reference §9.2). Sans-io. */

#include <cstdint>
#include <string_view>

#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"
#include "aiosmpp/pdu/enums.hpp"

namespace aiosmpp::smsc {

/** @brief How the ESME bound: the pdu layer's BindType (one enum for both sides). */
using aiosmpp::BindType;

/** @brief A server session's state (reference §9.1). */
enum class SessionState : std::uint8_t {
  open,       ///< TCP connected, no successful bind yet
  outbound,   ///< the SMSC connected to the ESME and sent outbind; waiting for its bind
  bound_tx,   ///< bound as transmitter
  bound_rx,   ///< bound as receiver
  bound_trx,  ///< bound as transceiver
  unbinding,  ///< unbind sent or received; the connection closes once it is answered
  closed,     ///< the connection is closed
};

/** @brief "open", "outbound", "bound_tx", "bound_rx", "bound_trx", "unbinding", "closed". */
std::string_view to_string(SessionState state) noexcept;
using aiosmpp::to_string;

/** @brief The bound state a successful bind of `type` leads to. */
SessionState bound_state(BindType type) noexcept;

/** @brief True in bound_tx, bound_rx and bound_trx. */
constexpr bool is_bound(SessionState s) noexcept {
  return s == SessionState::bound_tx || s == SessionState::bound_rx || s == SessionState::bound_trx;
}

/** @brief What the server answers a request `id` received from the ESME in `state` with, before
 *  any handler runs: ESME_ROK when the state allows it, ESME_RALYBND for a bind on a bound
 *  session, ESME_RINVBNDSTS for anything else sent in the wrong state (submit_sm on a receiver,
 *  before bind, deliver_sm from an ESME, ...). enquire_link is allowed in every state but closed
 *  (practice, and SMPP 5.0). In `outbound` only bind_receiver and bind_transceiver are allowed.
 *  Responses and PDUs without a response are not requests: the result is ESME_RINVBNDSTS. */
CommandStatus check_request(SessionState state, CommandId id) noexcept;

/** @brief Whether the server may send request `id` to the ESME in `state`: deliver_sm and
 *  alert_notification need bound_rx or bound_trx, data_sm any bound state, enquire_link and
 *  unbind any bound state (enquire_link also open/outbound), outbind only in outbound. */
bool may_send(SessionState state, CommandId id) noexcept;

}  // namespace aiosmpp::smsc
