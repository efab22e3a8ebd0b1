#include "aiosmpp/smsc/state.hpp"

namespace aiosmpp::smsc {

std::string_view to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::open:
      return "open";
    case SessionState::outbound:
      return "outbound";
    case SessionState::bound_tx:
      return "bound_tx";
    case SessionState::bound_rx:
      return "bound_rx";
    case SessionState::bound_trx:
      return "bound_trx";
    case SessionState::unbinding:
      return "unbinding";
    case SessionState::closed:
      return "closed";
  }
  return "unknown";
}

SessionState bound_state(BindType type) noexcept {
  switch (type) {
    case BindType::transmitter:
      return SessionState::bound_tx;
    case BindType::receiver:
      return SessionState::bound_rx;
    case BindType::transceiver:
      break;
  }
  return SessionState::bound_trx;
}

CommandStatus check_request(SessionState state, CommandId id) noexcept {
  const auto ok = CommandStatus::ok;
  const auto wrong = CommandStatus::invalid_bind_status;
  if (state == SessionState::closed) return wrong;
  switch (id) {
    case CommandId::bind_transmitter:
    case CommandId::bind_receiver:
    case CommandId::bind_transceiver:
      if (state == SessionState::open) return ok;
      // 3.4 answers an outbind with bind_receiver; 5.0 also allows bind_transceiver.
      if (state == SessionState::outbound) return id == CommandId::bind_transmitter ? wrong : ok;
      return is_bound(state) ? CommandStatus::already_bound : wrong;
    case CommandId::enquire_link:
      return ok;
    case CommandId::unbind:
      return is_bound(state) || state == SessionState::unbinding ? ok : wrong;
    case CommandId::submit_sm:
    case CommandId::submit_multi:
    case CommandId::query_sm:
    case CommandId::cancel_sm:
    case CommandId::replace_sm:    // table 2-1 says TX only; practice and 5.0 allow TRX too (§11)
    case CommandId::data_sm:       // from the ESME only when it may send (TX, TRX)
    case CommandId::broadcast_sm:  // 5.0 (a 3.4 session's decoder refuses them: RINVCMDID)
    case CommandId::query_broadcast_sm:
    case CommandId::cancel_broadcast_sm:
      return state == SessionState::bound_tx || state == SessionState::bound_trx ? ok : wrong;
    default:
      // deliver_sm and everything else flows SMSC -> ESME only.
      return wrong;
  }
}

bool may_send(SessionState state, CommandId id) noexcept {
  switch (id) {
    case CommandId::deliver_sm:
    case CommandId::alert_notification:
      return state == SessionState::bound_rx || state == SessionState::bound_trx;
    case CommandId::data_sm:
    case CommandId::unbind:
      return is_bound(state);
    case CommandId::enquire_link:
      return is_bound(state) || state == SessionState::open || state == SessionState::outbound;
    case CommandId::outbind:
      return state == SessionState::outbound;
    default:
      return false;
  }
}

}  // namespace aiosmpp::smsc
