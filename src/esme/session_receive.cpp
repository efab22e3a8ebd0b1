// SessionMachine, receive side: what each PDU from the SMSC means and what to answer it.

#include <fmt/format.h>

#include "aiosmpp/esme/throttle_handler.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme/session_machine.hpp"

namespace aiosmpp::detail {

namespace {

// Whether a successful response to `request` should be remembered for its delivery receipt: the
// request asked for one and carries a handle worth correlating (without one the receipt reaches
// the hook all the same, and remembering nothing keeps memory flat).
bool wants_receipt(const Pdu& request) noexcept {
  const Tracking& t = tracking_of(request);
  if (t.log_id.empty() && t.extra_data.empty()) return false;
  return std::visit(
      [](const auto& p) {
        if constexpr (requires { p.registered_delivery; }) {
          return receipt_request(p.registered_delivery) != RegisteredDelivery::none;
        } else {
          return false;
        }
      },
      request);
}

// The answer the codec's error_response() chooses for an undecodable request (every one of them
// is header-only: a generic_nack or the request's own bodiless _resp).
std::optional<Answer> answer_for(const CodecError& error) {
  const auto response = error_response(error);
  if (!response) return std::nullopt;
  const PduHeader& h = header_of(*response);
  return Answer{command_id_of(*response), h.command_status, h.sequence_number, false};
}

// A one-octet TLV of any PDU (nullopt when absent, of a wrong length, or the PDU has no TLVs).
template <tlv::Definition Def>
std::optional<std::uint8_t> octet_tlv(const PduView& view) noexcept {
  return std::visit(
      [](const auto& p) -> std::optional<std::uint8_t> {
        if constexpr (requires { p.tlvs; }) {
          return p.tlvs.template get<Def>();
        } else {
          return std::nullopt;
        }
      },
      view);
}

}  // namespace

void SessionMachine::process(Clock::time_point now, Events& out) {
  while (phase_ != Phase::idle && phase_ != Phase::closed) {
    auto pdu = framer_.next();
    if (!pdu) {
      // The stream has lost its framing (a command_length out of bounds): answer as the codec
      // says and end the connection once the answer is out.
      const CodecError& e = pdu.error();
      AIOSMPP_LOG(log_, LogLevel::error, "framing_error", {"error", e.message()});
      if (auto a = answer_for(e)) queue(*a);
      close(e.code(), now);
      break;
    }
    if (pdu->empty()) break;
    if (phase_ == Phase::closing) continue;  // only what is queued still matters
    const std::size_t before = out.size();
    handle(*pdu, now, out);
    for (std::size_t i = before; i < out.size(); ++i) {
      const auto* e = std::get_if<IncomingEvent>(&out[i]);
      if (e != nullptr && e->answer) ++answers_owed_;
    }
  }
  flush_throttle_counts(now);
}

void SessionMachine::count_status(CommandStatus status) noexcept {
  if (ThrottleHandler::is_throttling_status(static_cast<std::uint32_t>(status))) {
    ++throttled_pending_;
    ++stats_.throttled;
  } else {
    ++not_throttled_pending_;
  }
}

// A 5.0 SMSC may put congestion_state in any response (docs/smpp-5.0.md): the highest value of
// a read goes to flow control with that read's statuses. A 3.4 session's responses are not
// read for it (the SMSC did not agree to speak 5.0).
void SessionMachine::note_congestion(const PduView& response) noexcept {
  if (version_ != InterfaceVersion::smpp_5_0) return;
  note_congestion(octet_tlv<tlv::CongestionState>(response));
}

void SessionMachine::note_congestion(const TlvsView& tlvs) noexcept {
  if (version_ != InterfaceVersion::smpp_5_0) return;
  note_congestion(tlvs.get<tlv::CongestionState>());
}

void SessionMachine::note_congestion(std::optional<std::uint8_t> value) noexcept {
  if (!value) return;
  congestion_ = *value;
  congestion_high_ = congestion_pending_ ? std::max(congestion_high_, *value) : *value;
  congestion_pending_ = true;
}

// Response statuses are counted per read and reported at once: one call per batch, not per PDU.
// The congestion_state goes first, so that the period it closes judges it with its responses.
void SessionMachine::flush_throttle_counts(Clock::time_point now) {
  if (congestion_pending_) {
    if (flow_ != nullptr) flow_->record_congestion(congestion_high_, now);
    congestion_pending_ = false;
  }
  if (throttled_pending_ + not_throttled_pending_ == 0) return;
  if (throttle_ != nullptr) throttle_->record_responses(throttled_pending_, not_throttled_pending_);
  if (flow_ != nullptr) flow_->record(throttled_pending_, not_throttled_pending_, now);
  throttled_pending_ = not_throttled_pending_ = 0;
}

void SessionMachine::handle(std::span<const std::uint8_t> bytes, Clock::time_point now,
                            Events& out) {
  const auto h = read_header(bytes);  // the framer hands over whole PDUs of 16 octets or more
  if (!h) return;
  if (phase_ == Phase::outbound) {
    handle_outbound(*h, bytes, now);
    return;
  }
  if (phase_ == Phase::binding) {
    handle_binding(*h, bytes, out);
    return;
  }
  if (handle_fast(*h, bytes, now)) return;
  auto decoded = decode_view(bytes, DecodeOptions{cfg_.max_pdu_size});
  if (!decoded) {
    handle_malformed(decoded.error(), bytes, now, out);
    return;
  }
  const PduView& view = *decoded;
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(h->command_id)},
              {"command_status", static_cast<std::uint32_t>(h->command_status)},
              {"sequence_number", h->sequence_number});
  if (is_response(h->command_id)) {
    handle_response(view, bytes, now, out);
  } else {
    handle_request(view, bytes, now, out);
  }
}

void SessionMachine::handle_binding(const RawHeader& h, std::span<const std::uint8_t> bytes,
                                    Events& out) {
  const CommandId bind_id = bind_command(cfg_.bind_mode);
  if (has_interest(interests_, HookInterest::session)) {
    auto pdu = decode(bytes, DecodeOptions{cfg_.max_pdu_size});
    out.emplace_back(IncomingEvent{pdu ? std::optional<Pdu>(std::move(*pdu)) : std::nullopt,
                                   bytes,
                                   {},
                                   false,
                                   std::nullopt,
                                   true});
  }
  if ((h.command_id == response_id(bind_id) || h.command_id == CommandId::generic_nack) &&
      h.sequence_number == bind_sequence_) {
    bind_status_ = h.command_status;
    if (h.command_status != CommandStatus::ok) {
      AIOSMPP_LOG(log_, LogLevel::error, "bind_rejected",
                  {"error", make_error_code(h.command_status).message()});
      close_now(errc::bind_failed);
      return;
    }
    on_bound(bytes);
    return;
  }
  if (h.command_id == CommandId::enquire_link && bytes.size() == pdu_header_size) {
    // Some SMSCs probe before answering the bind; answering keeps them from dropping us.
    queue(Answer{CommandId::enquire_link_resp, CommandStatus::ok, h.sequence_number, false});
    return;
  }
  AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu_before_bind",
              {"command", command_name(h.command_id)}, {"sequence_number", h.sequence_number});
}

// The bind succeeded: the version in force is the lower of ours and the SMSC's
// sc_interface_version. A response without it counts as 3.4: the 5.0 spec (§2.11.2) says an ESME
// should then assume no TLVs at all, but the Esme has always sent 3.4 TLVs to such SMSCs and
// many 3.4 SMSCs leave the TLV out; 5.0 is never assumed (docs/smpp-5.0.md).
void SessionMachine::on_bound(std::span<const std::uint8_t> bytes) {
  auto decoded = decode_view(bytes, DecodeOptions{cfg_.max_pdu_size});
  const auto announced =
      decoded ? octet_tlv<tlv::ScInterfaceVersion>(*decoded) : std::optional<std::uint8_t>{};
  version_ =
      common_version(static_cast<std::uint8_t>(cfg_.interface_version),
                     announced.value_or(static_cast<std::uint8_t>(InterfaceVersion::smpp_3_4)));
  ++stats_.connects;
  AIOSMPP_LOG(log_, LogLevel::info, "bound", {"bind_mode", to_string(cfg_.bind_mode)},
              {"window", cfg_.window}, {"interface_version", to_string(*version_)},
              {"sc_interface_version", announced ? static_cast<int>(*announced) : -1});
  set_phase(Phase::bound);
}

namespace {

// Equal strings compared in time that depends on their lengths only, not on where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

}  // namespace

// The SMSC connected to us (EsmeConfig::outbind): its outbind, when its credentials are the ones
// expected, is answered with our bind on the same connection (reference §3.3).
void SessionMachine::handle_outbound(const RawHeader& h, std::span<const std::uint8_t> bytes,
                                     Clock::time_point now) {
  if (h.command_id == CommandId::enquire_link && bytes.size() == pdu_header_size) {
    queue(Answer{CommandId::enquire_link_resp, CommandStatus::ok, h.sequence_number, false});
    return;
  }
  if (h.command_id != CommandId::outbind) {
    AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu_before_outbind",
                {"command", command_name(h.command_id)});
    return;
  }
  auto decoded = decode_view(bytes, DecodeOptions{cfg_.max_pdu_size});
  const auto* outbind = decoded ? std::get_if<OutbindView>(&*decoded) : nullptr;
  if (outbind == nullptr) {
    AIOSMPP_LOG(log_, LogLevel::error, "outbind_refused", {"reason", "malformed"});
    close_now(errc::malformed_pdu);
    return;
  }
  const bool id_ok =
      cfg_.outbind.system_id.empty() || same_secret(outbind->system_id, cfg_.outbind.system_id);
  const bool password_ok =
      cfg_.outbind.password.empty() || same_secret(outbind->password, cfg_.outbind.password);
  if (!id_ok || !password_ok) {
    AIOSMPP_LOG(log_, LogLevel::error, "outbind_refused", {"reason", "credentials"},
                {"outbind_system_id", outbind->system_id});
    close_now(errc::bind_failed);
    return;
  }
  AIOSMPP_LOG(log_, LogLevel::info, "outbind_received", {"outbind_system_id", outbind->system_id});
  queue_bind(now);
}

// The common PDUs handled without decoding into owning types or producing an event: a
// well-formed response to a request in flight that needs neither the hook nor the correlator,
// enquire_link and its response. Anything else (or anything odd about these) goes the general
// way.
bool SessionMachine::handle_fast(const RawHeader& h, std::span<const std::uint8_t> bytes,
                                 Clock::time_point now) {
  const CommandId id = h.command_id;
  if (id == CommandId::enquire_link_resp || id == CommandId::enquire_link) {
    if (bytes.size() != pdu_header_size || has_interest(interests_, HookInterest::session)) {
      return false;
    }
    AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(id)},
                {"sequence_number", h.sequence_number});
    if (id == CommandId::enquire_link) {
      queue(Answer{CommandId::enquire_link_resp, CommandStatus::ok, h.sequence_number, false});
    }
    return true;
  }
  if (!is_response(id) || id == CommandId::generic_nack) return false;
  if (has_interest(interests_, HookInterest::received | HookInterest::outcome)) return false;
  if (h.command_status != CommandStatus::ok && requeue_ != nullptr) return false;
  const std::uint32_t slot = in_flight_.find(h.sequence_number);
  if (slot == InFlightTable::npos) return false;
  const auto& entry = in_flight_.at(slot);
  if (entry.group || entry.origin != 0) return false;
  if (id != response_id(command_id_of(entry.message))) return false;
  if (h.command_status == CommandStatus::ok && wants_receipt(entry.message)) return false;
  // Checked as decode_view() checks it (a malformed one goes the general way); a message_id
  // response, nearly every one here, without building a PduView.
  const DecodeOptions options{cfg_.max_pdu_size};
  if (has_message_id_body(id)) {
    const auto response = decode_message_id_response(bytes, options);
    if (!response) return false;
    note_congestion(response->tlvs);
  } else {
    const auto view = decode_view(bytes, options);
    if (!view) return false;
    note_congestion(*view);
  }
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_received", {"command", command_name(id)},
              {"command_status", static_cast<std::uint32_t>(h.command_status)},
              {"sequence_number", h.sequence_number});
  metrics_.response(id, h.command_status, now - (entry.deadline - cfg_.response_timeout));
  in_flight_.release(slot);
  ++stats_.responses;
  stats_.in_flight = in_flight_.size();
  count_status(h.command_status);
  wake(wake_pump);
  after_response(now);
  return true;
}

void SessionMachine::handle_malformed(const CodecError& error, std::span<const std::uint8_t> bytes,
                                      Clock::time_point now, Events& out) {
  AIOSMPP_LOG(log_, LogLevel::warning, "malformed_pdu", {"error", error.message()},
              {"command_status", static_cast<std::uint32_t>(error.status)});
  const auto h = read_header(bytes);
  if (!is_response(h->command_id)) {
    // A request: the hook sees its octets first, then it gets the answer the codec chooses.
    auto a = answer_for(error);
    if (has_interest(interests_, HookInterest::received)) {
      out.emplace_back(IncomingEvent{std::nullopt, bytes, {}, false, a});
    } else if (a) {
      queue(*a);
    }
    return;
  }
  if (has_interest(interests_, HookInterest::received)) {
    out.emplace_back(IncomingEvent{std::nullopt, bytes, {}, false, std::nullopt});
  }
  // A response we cannot read still answers its request: the SMSC may or may not have taken it.
  const std::uint32_t slot = in_flight_.find(h->sequence_number);
  if (slot == InFlightTable::npos) return;
  const std::uint64_t origin = in_flight_.at(slot).origin;
  auto group = std::move(in_flight_.at(slot).group);
  Pdu message = in_flight_.take(slot);
  stats_.in_flight = in_flight_.size();
  wake(wake_pump);
  unit_failed(std::move(message), group,
              SendError{SendError::Kind::outcome_unknown, error.code(),
                        fmt::format("undecodable response: {}", error)},
              out, origin);
  after_response(now);
}

void SessionMachine::handle_response(const PduView& view, std::span<const std::uint8_t> bytes,
                                     Clock::time_point now, Events& out) {
  const CommandId id = command_id_of(view);
  const PduHeader& header = header_of(view);
  note_congestion(view);
  const bool session_pdu = id == CommandId::enquire_link_resp || id == CommandId::unbind_resp ||
                           (id == CommandId::generic_nack && unbind_sequence_ != 0 &&
                            header.sequence_number == unbind_sequence_);
  if (session_pdu && has_interest(interests_, HookInterest::session)) {
    out.emplace_back(IncomingEvent{to_owning(view), bytes, {}, false, std::nullopt, true});
  }
  if (id == CommandId::enquire_link_resp) return;  // on_read() already noted the link lives
  if (id == CommandId::unbind_resp || (id == CommandId::generic_nack && unbind_sequence_ != 0 &&
                                       header.sequence_number == unbind_sequence_)) {
    if (unbind_sequence_ != 0 && header.sequence_number == unbind_sequence_) {
      close(errc::stopped, now);
    }
    return;
  }
  const std::uint32_t slot = in_flight_.find(header.sequence_number);
  if (slot == InFlightTable::npos) {
    // After a timeout (or for a request we never sent): dropped, never matched to a newer one.
    ++stats_.late_responses;
    AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_response", {"command", command_name(id)},
                {"sequence_number", header.sequence_number},
                {"command_status", static_cast<std::uint32_t>(header.command_status)});
    return;
  }
  const CommandId request_id = command_id_of(in_flight_.at(slot).message);
  if (id != response_id(request_id) && id != CommandId::generic_nack) {
    AIOSMPP_LOG(log_, LogLevel::warning, "mismatched_response", {"command", command_name(id)},
                {"request", command_name(request_id)}, {"sequence_number", header.sequence_number});
  }
  auto& entry = in_flight_.at(slot);
  metrics_.response(id, header.command_status, now - (entry.deadline - cfg_.response_timeout));
  Unit unit{Pdu{}, std::move(entry.group), entry.origin, entry.attempts, entry.first_sent, {}};
  unit.pdu = in_flight_.take(slot);
  stats_.in_flight = in_flight_.size();
  count_status(header.command_status);
  wake(wake_pump);
  if (header.command_status != CommandStatus::ok &&
      requeue(unit, header.command_status, view, now)) {
    return;  // sent again later: not an outcome
  }

  const bool remember = header.command_status == CommandStatus::ok && wants_receipt(unit.pdu);
  if (!unit.group && !remember && unit.origin == 0 &&
      !has_interest(interests_, HookInterest::received | HookInterest::outcome)) {
    ++stats_.responses;
    after_response(now);
    return;
  }
  Pdu response = to_owning(view);
  if (remember) {
    if (const auto message_id = message_id_of(response); !message_id.empty()) {
      out.emplace_back(RegisterEvent{ids_.response_key(message_id), tracking_of(unit.pdu),
                                     unit.first_sent, unit.group ? unit.group->serial : 0,
                                     unit.group ? unit.group->total : 1});
    }
  }
  unit_answered(std::move(unit.pdu), unit.group, std::move(response), bytes, out, unit.origin);
  after_response(now);
}

void SessionMachine::handle_request(const PduView& view, std::span<const std::uint8_t> bytes,
                                    Clock::time_point now, Events& out) {
  const CommandId id = command_id_of(view);
  const std::uint32_t seq = header_of(view).sequence_number;
  if ((id == CommandId::enquire_link || id == CommandId::unbind || id == CommandId::outbind) &&
      has_interest(interests_, HookInterest::session)) {
    out.emplace_back(IncomingEvent{to_owning(view), bytes, {}, false, std::nullopt, true});
  }
  switch (id) {
    case CommandId::enquire_link:
      queue(Answer{CommandId::enquire_link_resp, CommandStatus::ok, seq, false});
      return;
    case CommandId::unbind:
      AIOSMPP_LOG(log_, LogLevel::info, "unbind_received", {"in_flight", in_flight_.size()});
      queue(Answer{CommandId::unbind_resp, CommandStatus::ok, seq, false});
      if (phase_ == Phase::unbinding) {
        close(errc::stopped, now);  // both sides unbound at once: nothing more is owed
        return;
      }
      // Keep reading: responses the SMSC wrote before (or after) its unbind still match.
      phase_deadline_ = now + cfg_.unbind_drain_timeout;
      set_phase(Phase::peer_unbound);
      after_response(now);
      return;
    case CommandId::deliver_sm:
    case CommandId::data_sm:
      ++stats_.received;
      if (cfg_.bind_mode == BindType::transmitter) {
        // §2.3: a transmitter cannot be delivered to.
        queue(Answer{response_id(id), CommandStatus::invalid_bind_status, seq, false});
        return;
      }
      handle_message(view, bytes, now, out);
      return;
    case CommandId::alert_notification:
      ++stats_.received;
      if (has_interest(interests_, HookInterest::received)) {
        out.emplace_back(IncomingEvent{to_owning(view), bytes, {}, false, std::nullopt});
      }
      return;
    case CommandId::outbind:
      AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu", {"command", "outbind"});
      return;
    default:
      // A request an SMSC may not send to a bound ESME (submit_sm, bind, ...): §2.3 wrong state.
      AIOSMPP_LOG(log_, LogLevel::warning, "unexpected_pdu", {"command", command_name(id)},
                  {"sequence_number", seq});
      queue(Answer{response_id(id), CommandStatus::invalid_bind_status, seq, false});
      return;
  }
}

// deliver_sm / data_sm: a receipt goes to the correlator and the hook, a part of a long message
// to the reassembler, anything else to the hook; each is answered once the hook has it.
void SessionMachine::handle_message(const PduView& view, std::span<const std::uint8_t> bytes,
                                    Clock::time_point now, Events& out) {
  const CommandId id = command_id_of(view);
  const Answer answer{response_id(id), CommandStatus::ok, header_of(view).sequence_number, true};
  // The text layer reads which message a receipt reports on and whether its state is final
  // (without allocating); a receipt that names no message is shown as any other message.
  std::optional<text::ReceiptSummary> receipt;
  if (const auto* d = std::get_if<DeliverSmView>(&view)) receipt = text::summarize_receipt(*d);
  if (const auto* d = std::get_if<DataSmView>(&view)) receipt = text::summarize_receipt(*d);
  if (receipt) metrics_.receipt(receipt->state, receipt->is_final(cfg_.receipt_finality));
  if (receipt && receipt->message_id.empty()) receipt.reset();
  if (!receipt && !has_interest(interests_, HookInterest::received)) {
    queue(answer);
    return;
  }
  Pdu message = to_owning(view);
  if (receipt) {
    out.emplace_back(IncomingEvent{std::move(message), bytes, ids_.receipt_key(receipt->message_id),
                                   receipt->is_final(cfg_.receipt_finality), answer, false,
                                   receipt->state});
    return;
  }
  auto* deliver = std::get_if<DeliverSm>(&message);
  if (deliver == nullptr || !text::part_info(*deliver)) {
    out.emplace_back(IncomingEvent{std::move(message), bytes, {}, false, answer});
    return;
  }
  // One part of a segmented message: the hook gets the whole message once the last part is in
  // (parts may come in any order; duplicates are ignored). Parts before it are answered now.
  auto whole = reassembler_.add(std::move(*deliver), now);
  if (!whole) {
    AIOSMPP_LOG(log_, LogLevel::error, "reassembly_failed", {"error", whole.error().message});
    queue(answer);
  } else if (*whole) {
    out.emplace_back(IncomingEvent{Pdu(std::move((*whole)->message)), bytes, {}, false, answer});
  } else {
    queue(answer);
  }
  if (reassembler_.pending() > 0 && next_reassembly_check_ == Clock::time_point::max()) {
    next_reassembly_check_ = now + reassembly_period_;
    wake(wake_timer);
  }
}

}  // namespace aiosmpp::detail
