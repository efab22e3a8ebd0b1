// SessionMachine: connection lifecycle, deadlines and output (see session_machine.hpp). The
// receive side is in session_receive.cpp, the send side in session_send.cpp.

#include "esme/session_machine.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "aiosmpp/esme/sequence_generator.hpp"
#include "aiosmpp/esme/throttle_handler.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "pdu/wire.hpp"

namespace aiosmpp::detail {

namespace {

// A single write stays within this, so both peers keep working at once (performance.md §4).
constexpr std::size_t write_reserve = 32 * 1024;
// Partial incoming messages held at most (the oldest is given up beyond).
constexpr std::size_t max_partial_messages = 10000;

text::MessageIdRule id_rule(MessageIdForms forms) noexcept {
  text::MessageIdRule rule;
  switch (forms) {
    case MessageIdForms::as_given:
      break;
    case MessageIdForms::hex_response_decimal_receipt:
      rule.response = text::IdForm::hex;
      rule.receipt = text::IdForm::decimal;
      break;
    case MessageIdForms::decimal_response_hex_receipt:
      rule.response = text::IdForm::decimal;
      rule.receipt = text::IdForm::hex;
      break;
  }
  return rule;
}

text::TextDecodeOptions decode_options(const text::CodecRegistry* codecs) {
  text::TextDecodeOptions options;
  options.registry = codecs;
  return options;
}

template <class Bind>
Result<void> encode_bind(Bind bind, const EsmeConfig& cfg, std::uint32_t sequence,
                         std::vector<std::uint8_t>& out) {
  bind.header.sequence_number = sequence;
  bind.interface_version = cfg.interface_version;
  bind.system_id = cfg.system_id;
  bind.password = cfg.password;
  bind.system_type = cfg.system_type;
  bind.address_range = PhoneNumber(cfg.address_range, cfg.addr_ton, cfg.addr_npi);
  return encode(bind, out);
}

}  // namespace

std::string_view to_string(Phase phase) noexcept {
  switch (phase) {
    case Phase::idle:
      return "idle";
    case Phase::outbound:
      return "outbound";
    case Phase::binding:
      return "binding";
    case Phase::bound:
      return "bound";
    case Phase::draining:
      return "draining";
    case Phase::unbinding:
      return "unbinding";
    case Phase::peer_unbound:
      return "peer_unbound";
    case Phase::closing:
      return "closing";
    case Phase::closed:
      return "closed";
  }
  return "unknown";
}

SessionMachine::SessionMachine(const EsmeConfig& config, Parts parts)
    : cfg_(config),
      sequence_(parts.sequence),
      throttle_(parts.throttle),
      flow_(parts.flow),
      requeue_(parts.requeue),
      log_(parts.log),
      ids_(id_rule(config.message_ids)),
      reassembler_(text::DeliverSmReassembler::Inner::Config{config.reassembly_timeout,
                                                             max_partial_messages},
                   decode_options(parts.codecs)),
      reassembly_period_(std::clamp<Clock::duration>(
          config.reassembly_timeout / 8, std::chrono::milliseconds(1), std::chrono::seconds(1))),
      framer_(config.max_pdu_size, 64 * 1024),
      in_flight_(config.window) {
  render_options_.registry = parts.codecs;
  out_.reserve(write_reserve);
  writing_.reserve(write_reserve);
}

void SessionMachine::set_phase(Phase p) noexcept {
  phase_ = p;
  wake(wake_phase | wake_timer | wake_writer);
}

void SessionMachine::reset_connection(Clock::time_point now, HookInterest interests) {
  error_ = {};
  bind_status_ = CommandStatus::ok;
  version_.reset();
  congestion_.reset();
  congestion_pending_ = false;
  congestion_high_ = 0;
  interests_ = interests;
  framer_.reset();
  out_.clear();
  writing_.clear();
  stage_.clear();
  staged_.clear();
  queued_total_ = written_total_ = 0;
  unbind_sequence_ = 0;
  enquire_pending_ = false;
  unwritten_expired_ = false;
  answers_owed_ = 0;
  last_read_ = now;
  throttled_pending_ = not_throttled_pending_ = 0;
}

void SessionMachine::queue_bind(Clock::time_point now) {
  bind_sequence_ = sequence_.next();
  const std::size_t before = out_.size();
  Result<void> encoded;
  switch (cfg_.bind_mode) {
    case BindType::transmitter:
      encoded = encode_bind(BindTransmitter{}, cfg_, bind_sequence_, out_);
      break;
    case BindType::receiver:
      encoded = encode_bind(BindReceiver{}, cfg_, bind_sequence_, out_);
      break;
    case BindType::transceiver:
      encoded = encode_bind(BindTransceiver{}, cfg_, bind_sequence_, out_);
      break;
  }
  if (!encoded) {
    // validate() checks every field the bind carries, so this is a broken invariant, not input.
    error_ = encoded.error().code();
    set_phase(Phase::closed);
    return;
  }
  queued_total_ += out_.size() - before;
  wake(wake_writer);
  phase_deadline_ = now + cfg_.socket_timeout;
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_sent",
              {"command", command_name(bind_command(cfg_.bind_mode))},
              {"sequence_number", bind_sequence_});
  set_phase(Phase::binding);
}

void SessionMachine::begin(Clock::time_point now, HookInterest interests) {
  reset_connection(now, interests);
  queue_bind(now);
}

void SessionMachine::begin_outbound(Clock::time_point now, HookInterest interests) {
  reset_connection(now, interests);
  phase_deadline_ = now + cfg_.socket_timeout;
  set_phase(Phase::outbound);
}

void SessionMachine::stop(Clock::time_point now) {
  switch (phase_) {
    case Phase::outbound:
    case Phase::binding:
      close_now(errc::stopped);
      return;
    case Phase::bound:
      AIOSMPP_LOG(log_, LogLevel::info, "unbinding", {"in_flight", in_flight_.size()});
      set_phase(Phase::draining);
      phase_deadline_ = now + cfg_.stop_timeout;
      after_response(now);
      return;
    default:
      // Already ending (draining, unbinding, after the SMSC's unbind, closing) or not connected.
      return;
  }
}

void SessionMachine::close(std::error_code ec, Clock::time_point now) {
  if (phase_ == Phase::closing || phase_ == Phase::closed) return;
  error_ = ec;
  if (!out_.empty() || !writing_.empty() || answers_owed_ > 0) {
    // What is queued (answers, unbind_resp, a generic_nack) and the answers the hook still owes
    // go out, within a bound: a peer that does not read, or a hook that does not return, cannot
    // hold the connection.
    phase_deadline_ = now + std::min(cfg_.socket_timeout, cfg_.stop_timeout);
    set_phase(Phase::closing);
  } else {
    set_phase(Phase::closed);
  }
}

void SessionMachine::close_now(std::error_code ec) {
  if (phase_ == Phase::closed) return;
  if (!error_ || phase_ != Phase::closing) error_ = ec;
  set_phase(Phase::closed);
}

void SessionMachine::on_transport_error(std::error_code ec) {
  if (phase_ == Phase::closed || phase_ == Phase::idle) return;
  // Once we decided to close (unbind done, a nack sent), the peer closing first is expected.
  if (phase_ != Phase::closing) {
    AIOSMPP_LOG(log_, LogLevel::warning, "connection_lost", {"error", ec.message()},
                {"phase", to_string(phase_)});
    error_ = ec;
  }
  set_phase(Phase::closed);
}

// A request in flight got its answer: stopping or after the SMSC's unbind, the last one lets the
// connection move on at once instead of at its deadline.
void SessionMachine::after_response(Clock::time_point now) {
  if (!in_flight_.empty()) return;
  if (phase_ == Phase::draining) {
    // The SMSC's requests already read are answered before our unbind: an SMSC may close as
    // soon as it has answered the unbind, and drop the answers that follow it.
    if (answers_owed_ == 0) start_unbind(now);
  } else if (phase_ == Phase::peer_unbound) {
    close(errc::connection_closed, now);
  }
}

void SessionMachine::start_unbind(Clock::time_point now) {
  unbind_sequence_ = sequence_.next();
  queue_request(CommandId::unbind, unbind_sequence_);
  phase_deadline_ = now + std::min(cfg_.stop_timeout, cfg_.socket_timeout);
  set_phase(Phase::unbinding);
}

void SessionMachine::queue(const Answer& a) {
  const std::size_t at = out_.size();
  queued_total_ += append_header_only(out_, a.id, a.status, a.sequence_number, a.empty_message_id);
  if (version_ == InterfaceVersion::smpp_5_0 && a.status == CommandStatus::ok &&
      (a.id == CommandId::deliver_sm_resp || a.id == CommandId::data_sm_resp)) {
    queued_total_ += append_congestion_state(out_, at, own_congestion());
  }
  wake(wake_writer);
}

// The Esme's own load for the congestion_state of its deliver_sm_resp / data_sm_resp on a 5.0
// session (docs/smpp-5.0.md): the SMSC's deliver_sm / data_sm read and not yet answered (handed
// to the hook, or behind it in the same read), this answer excluded, as a percentage of
// EsmeConfig::window, at most 100. 0 when the hook keeps up; 100 when as many wait as the Esme
// lets itself have in flight the other way.
std::uint8_t SessionMachine::own_congestion() const noexcept {
  const std::size_t window = std::max<std::size_t>(cfg_.window, 1);
  return static_cast<std::uint8_t>(std::min<std::size_t>(100, answers_owed_ * 100 / window));
}

void SessionMachine::queue_request(CommandId id, std::uint32_t sequence_number) {
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
              {"sequence_number", sequence_number});
  queue(Answer{id, CommandStatus::ok, sequence_number, false});
}

void SessionMachine::answer(const Answer& a, Clock::time_point now) {
  if (phase_ == Phase::idle || phase_ == Phase::closed) return;
  if (answers_owed_ > 0) --answers_owed_;
  queue(a);
  if (phase_ == Phase::draining) after_response(now);
}

void SessionMachine::on_read(std::size_t n, Clock::time_point now) {
  framer_.commit(n);
  metrics_.read(n);
  last_read_ = now;
  if (enquire_pending_) {
    // Anything read proves the link alive: the next enquire_link is due an interval from now,
    // which may be earlier than the wait for this one's answer.
    enquire_pending_ = false;
    wake(wake_timer);
  }
}

std::span<const std::uint8_t> SessionMachine::take_output() {
  std::swap(out_, writing_);
  return writing_;
}

void SessionMachine::on_written(std::size_t n) noexcept {
  const std::uint64_t before = written_total_;
  written_total_ += n;
  metrics_.written(n);
  // The oldest request's deadline counts from the moment its last octet is out: the timer must
  // learn it then (it may be asleep until a later keepalive).
  const std::uint32_t head = in_flight_.head();
  if (unwritten_expired_ ||
      (head != InFlightTable::npos && in_flight_.at(head).end_offset > before &&
       in_flight_.at(head).end_offset <= written_total_)) {
    unwritten_expired_ = false;
    wake(wake_timer);
  }
}

void SessionMachine::write_done() {
  writing_.clear();
  if (phase_ == Phase::closing && out_.empty() && answers_owed_ == 0) set_phase(Phase::closed);
}

SessionMachine::Clock::time_point SessionMachine::next_deadline() const noexcept {
  auto t = Clock::time_point::max();
  switch (phase_) {
    case Phase::idle:
    case Phase::closed:
      return t;
    case Phase::outbound:
    case Phase::binding:
    case Phase::closing:
      return phase_deadline_;
    case Phase::bound:
      break;
    case Phase::draining:
    case Phase::unbinding:
    case Phase::peer_unbound:
      t = phase_deadline_;
      break;
  }
  const std::uint32_t head = in_flight_.head();
  if (head != InFlightTable::npos && in_flight_.at(head).end_offset <= written_total_) {
    t = std::min(t, in_flight_.at(head).deadline);
  }
  t = std::min(t, enquire_pending_ ? enquire_sent_ + cfg_.socket_timeout
                                   : last_read_ + cfg_.enquire_link_interval);
  if (reassembler_.pending() > 0) t = std::min(t, next_reassembly_check_);
  if (phase_ == Phase::bound && !requeued_.empty()) t = std::min(t, requeued_.front().due);
  return t;
}

void SessionMachine::on_timer(Clock::time_point now, Events& out) {
  switch (phase_) {
    case Phase::idle:
    case Phase::closed:
      return;
    case Phase::outbound:
      if (now >= phase_deadline_) {
        AIOSMPP_LOG(log_, LogLevel::error, "outbind_timeout");
        close_now(errc::response_timeout);
      }
      return;
    case Phase::binding:
      if (now >= phase_deadline_) {
        AIOSMPP_LOG(
            log_, LogLevel::error, "bind_timeout",
            {"timeout_ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.socket_timeout).count()});
        close_now(errc::response_timeout);
      }
      return;
    case Phase::closing:
      if (now >= phase_deadline_) {
        AIOSMPP_LOG(log_, LogLevel::warning, "flush_timeout", {"unwritten", out_.size()});
        set_phase(Phase::closed);
      }
      return;
    case Phase::bound:
      break;
    case Phase::draining:
      if (now >= phase_deadline_) start_unbind(now);
      break;
    case Phase::unbinding:
      if (now >= phase_deadline_) {
        AIOSMPP_LOG(log_, LogLevel::warning, "unbind_resp_missing");
        close(errc::stopped, now);
        return;
      }
      break;
    case Phase::peer_unbound:
      if (now >= phase_deadline_) {
        AIOSMPP_LOG(log_, LogLevel::warning, "unbind_drain_timeout",
                    {"in_flight", in_flight_.size()});
        close(errc::connection_closed, now);
        return;
      }
      break;
  }
  expire_responses(now, out);
  check_keepalive(now);
  expire_partials(now, out);
  if (phase_ == Phase::bound) promote_due(now);
}

namespace {
constexpr auto later_due = [](const auto& a, const auto& b) { return a.due > b.due; };
}  // namespace

bool SessionMachine::requeue(Unit& unit, CommandStatus status, const PduView& response,
                             Clock::time_point now) {
  if (requeue_ == nullptr || phase_ != Phase::bound) return false;
  const auto delay = requeue_->requeue_after(status, unit.attempts, now - unit.first_sent);
  if (!delay) return false;
  ++stats_.requeued;
  unit.last_response = to_owning(response);
  AIOSMPP_LOG(log_, LogLevel::debug, "requeued", {"log_id", tracking_of(unit.pdu).log_id},
              {"command_status", static_cast<std::uint32_t>(status)}, {"attempts", unit.attempts},
              {"delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(*delay).count()});
  requeued_.push_back(Requeued{now + *delay, std::move(unit)});
  std::push_heap(requeued_.begin(), requeued_.end(), later_due);
  wake(wake_timer);
  return true;
}

void SessionMachine::promote_due(Clock::time_point now) {
  bool any = false;
  while (!requeued_.empty() && requeued_.front().due <= now) {
    std::pop_heap(requeued_.begin(), requeued_.end(), later_due);
    ready_.push_back(std::move(requeued_.back().unit));
    requeued_.pop_back();
    any = true;
  }
  if (any) wake(wake_ready);
}

void SessionMachine::give_up_requeued(Events& out) {
  auto finish = [&](Unit& u) {
    Pdu response = std::move(*u.last_response);
    unit_answered(std::move(u.pdu), u.group, std::move(response), {}, out, u.origin);
  };
  for (auto& u : ready_)
    finish(u);
  for (auto& r : requeued_)
    finish(r.unit);
  ready_.clear();
  requeued_.clear();
}

void SessionMachine::expire_responses(Clock::time_point now, Events& out) {
  bool expired = false;
  for (std::uint32_t s = in_flight_.head(); s != InFlightTable::npos; s = in_flight_.head()) {
    const auto& e = in_flight_.at(s);
    if (e.deadline > now) break;
    if (e.end_offset > written_total_) {
      // Not out yet (the peer is not reading, or `sending` hooks still run): it times out once
      // its last octet is written, since only then can the SMSC answer it.
      unwritten_expired_ = true;
      break;
    }
    AIOSMPP_LOG(log_, LogLevel::warning, "response_timeout", {"sequence_number", e.sequence_number},
                {"log_id", tracking_of(e.message).log_id});
    const std::uint64_t origin = e.origin;
    auto group = std::move(in_flight_.at(s).group);
    Pdu message = in_flight_.take(s);
    unit_failed(
        std::move(message), group,
        SendError{
            SendError::Kind::outcome_unknown, errc::response_timeout,
            fmt::format("no response within {} ms",
                        std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.response_timeout)
                            .count())},
        out, origin);
    expired = true;
  }
  if (expired) {
    stats_.in_flight = in_flight_.size();
    wake(wake_pump);
    after_response(now);
  }
}

void SessionMachine::check_keepalive(Clock::time_point now) {
  if (phase_ != Phase::bound && phase_ != Phase::draining && phase_ != Phase::unbinding &&
      phase_ != Phase::peer_unbound) {
    return;
  }
  if (enquire_pending_) {
    if (now < enquire_sent_ + cfg_.socket_timeout) return;
    AIOSMPP_LOG(
        log_, LogLevel::warning, "enquire_link_timeout",
        {"timeout_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.socket_timeout).count()});
    enquire_pending_ = false;
    close_now(errc::enquire_link_timeout);
    return;
  }
  if (now - last_read_ < cfg_.enquire_link_interval) return;
  const std::uint32_t seq = sequence_.next();
  queue_request(CommandId::enquire_link, seq);
  AIOSMPP_LOG(log_, LogLevel::debug, "enquire_link_sent", {"sequence_number", seq});
  enquire_pending_ = true;
  enquire_sent_ = now;
}

void SessionMachine::expire_partials(Clock::time_point now, Events& out) {
  if (reassembler_.pending() == 0 || now < next_reassembly_check_) return;
  for (auto& partial : reassembler_.expire(now)) {
    AIOSMPP_LOG(
        log_, LogLevel::warning, partial.evicted ? "reassembly_evicted" : "reassembly_timeout",
        {"parts_received", partial.parts.size()}, {"parts_missing", partial.missing.size()});
    for (auto& part : partial.parts) {
      out.emplace_back(IncomingEvent{Pdu(std::move(part)), {}, {}, false, std::nullopt});
    }
  }
  next_reassembly_check_ =
      reassembler_.pending() > 0 ? now + reassembly_period_ : Clock::time_point::max();
}

void SessionMachine::give_up_partials(Clock::time_point now, Events& out) {
  next_reassembly_check_ = Clock::time_point::min();
  expire_partials(now + cfg_.reassembly_timeout, out);
}

void SessionMachine::end(std::error_code ec, Events& out) {
  if (!ec) ec = error_ ? error_ : std::error_code(errc::connection_closed);
  std::size_t failed = 0;
  while (!in_flight_.empty()) {
    const std::uint32_t s = in_flight_.head();
    const bool written = in_flight_.at(s).end_offset <= written_total_;
    const std::uint64_t origin = in_flight_.at(s).origin;
    auto group = std::move(in_flight_.at(s).group);
    Pdu m = in_flight_.take(s);
    SendError e = written ? SendError{SendError::Kind::outcome_unknown, ec,
                                      "written, connection ended before the response"}
                          : SendError{SendError::Kind::not_sent, ec,
                                      "connection ended before it was written"};
    unit_failed(std::move(m), group, std::move(e), out, origin);
    ++failed;
  }
  for (std::size_t i = units_pos_; i < units_.size(); ++i) {
    unit_failed(std::move(units_[i]), unit_tags_[i].group,
                SendError{SendError::Kind::not_sent, ec,
                          "taken from the broker, connection ended before it was written"},
                out, unit_tags_[i].origin);
    ++failed;
  }
  // Requeued messages wait for the next connection: they are the Esme's.
  for (auto& u : ready_) {
    requeued_.push_back(Requeued{Clock::time_point::min(), std::move(u)});
    std::push_heap(requeued_.begin(), requeued_.end(), later_due);
  }
  ready_.clear();
  units_.clear();
  unit_tags_.clear();
  units_pos_ = 0;
  stats_.in_flight = 0;
  out_.clear();
  writing_.clear();
  stage_.clear();
  staged_.clear();
  if (failed > 0) {
    AIOSMPP_LOG(log_, LogLevel::warning, "in_flight_failed", {"count", failed},
                {"error", ec.message()});
  }
  flush_throttle_counts(last_read_);
  phase_ = Phase::idle;
  wakeups_ = 0;
}

}  // namespace aiosmpp::detail
