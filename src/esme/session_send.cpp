// SessionMachine, send side: messages taken from the broker become wire PDUs, are registered in
// flight before any of their octets can be written, and end in exactly one outcome each.

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "aiosmpp/esme/sequence_generator.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "esme/session_machine.hpp"

namespace aiosmpp::detail {

namespace {

constexpr bool is_sendable_request(CommandId id) noexcept {
  switch (id) {
    case CommandId::submit_sm:
    case CommandId::submit_multi:
    case CommandId::data_sm:
    case CommandId::query_sm:
    case CommandId::cancel_sm:
    case CommandId::replace_sm:
    case CommandId::broadcast_sm:  // SMPP 5.0: refused by the encoder on a 3.4 session
    case CommandId::query_broadcast_sm:
    case CommandId::cancel_broadcast_sm:
      return true;
    default:
      return false;
  }
}

// Whether `message` goes out as given: a request the broker may carry, with no text to render.
// It runs for every message taken, so it is one visit with the command known at compile time.
bool is_plain(const Pdu& message) noexcept {
  return std::visit(
      [](const auto& p) {
        using T = std::remove_cvref_t<decltype(p)>;
        if constexpr (!is_sendable_request(T::command_id)) {
          return false;
        } else if constexpr (requires { p.text; }) {
          return !p.text.has_value();
        } else {
          return true;
        }
      },
      message);
}

}  // namespace

bool SessionMachine::may_take() const noexcept {
  return phase_ == Phase::bound && cfg_.bind_mode != BindType::receiver;
}

// Requeued messages wait outside the window: only those due claim slots (they go first). The
// requeue limit bounds in flight + waiting, so every request in flight fits in the holding area
// should the SMSC throttle it: when it is near full, fewer (then no) new messages are taken.
std::size_t SessionMachine::window_free() const noexcept {
  if (!may_take()) return 0;
  const std::size_t busy = in_flight_.size() + ready_.size();
  const std::size_t slots = busy >= in_flight_.capacity() ? 0 : in_flight_.capacity() - busy;
  const std::size_t held = in_flight_.size() + requeued();
  return std::min(slots, held >= requeue_limit_ ? 0 : requeue_limit_ - held);
}

void SessionMachine::take(std::vector<Pdu>& messages, Events& out, std::uint64_t origin) {
  stats_.taken += messages.size();
  if (units_pos_ == units_.size()) {
    units_.clear();
    unit_tags_.clear();
    units_pos_ = 0;
  }
  render_units(messages, origin, out);
  messages.clear();
}

std::size_t SessionMachine::sendable() const noexcept {
  if (!may_take()) return 0;
  const std::size_t in = in_flight_.size();
  const std::size_t slots = in >= in_flight_.capacity() ? 0 : in_flight_.capacity() - in;
  const std::size_t held = in + requeued();
  const std::size_t fresh = std::min(pending(), held >= requeue_limit_ ? 0 : requeue_limit_ - held);
  return std::min(slots, ready_.size() + fresh);
}

void SessionMachine::add_unit(Pdu&& pdu, std::shared_ptr<SegmentGroup> group,
                              std::uint64_t origin) {
  units_.push_back(std::move(pdu));
  unit_tags_.push_back(UnitTag{std::move(group), origin});
}

// Checks what the application enqueued and renders text into wire PDUs: a message that renders
// to several segments becomes several units sharing one SegmentGroup, so the application still
// gets one outcome for it. What cannot be sent ends now as invalid_message.
void SessionMachine::render_units(std::vector<Pdu>& messages, std::uint64_t origin, Events& out) {
  if (std::all_of(messages.begin(), messages.end(), is_plain)) {  // the hot path: as given
    if (units_.empty()) {
      units_.swap(messages);  // the batch becomes the units without moving a message
    } else {
      for (auto& m : messages)
        units_.push_back(std::move(m));
    }
    unit_tags_.resize(units_.size(), UnitTag{nullptr, origin});
    return;
  }
  for (auto& m : messages) {
    const CommandId id = command_id_of(m);
    if (!is_sendable_request(id)) {
      unit_failed(std::move(m), nullptr,
                  SendError{SendError::Kind::invalid_message, errc::invalid_field,
                            fmt::format("{} cannot be sent through the broker (submit_sm, "
                                        "submit_multi, data_sm, query_sm, cancel_sm, replace_sm "
                                        "and the 5.0 broadcast operations can)",
                                        command_name(id))},
                  out, origin);
      continue;
    }
    std::vector<Pdu> rendered;
    std::optional<text::TextError> error;
    std::visit(
        [&](auto& p) {
          using T = std::remove_cvref_t<decltype(p)>;
          if constexpr (requires { p.text; }) {
            if (!p.text) return;
            if (p.text->encoding == TextEncoding::automatic &&
                cfg_.default_encoding != TextEncoding::automatic) {
              p.text->encoding = cfg_.default_encoding;
            }
            auto r = text::render(p, render_options_);
            if (!r) {
              error = r.error();
            } else if constexpr (std::is_same_v<T, ReplaceSm>) {
              rendered.emplace_back(std::move(*r));
            } else {
              for (auto& segment : *r)
                rendered.emplace_back(std::move(segment));
            }
          }
        },
        m);
    if (error) {
      unit_failed(std::move(m), nullptr,
                  SendError{SendError::Kind::invalid_message, errc::invalid_field, error->message},
                  out, origin);
    } else if (rendered.empty()) {  // no text: octets as given
      add_unit(std::move(m), nullptr, origin);
    } else if (rendered.size() == 1) {
      add_unit(std::move(rendered.front()), nullptr, origin);
    } else if (auto refused = refused_segment(rendered)) {
      // A long message goes out whole or not at all: a segment the session's version (or
      // anything else) refuses fails the message before any segment is sent.
      unit_failed(std::move(m), nullptr, std::move(*refused), out, origin);
    } else {
      auto group = std::make_shared<SegmentGroup>();
      group->serial = ++group_serial_;
      group->total = group->remaining = rendered.size();
      group->original = std::move(m);
      for (auto& segment : rendered)
        add_unit(std::move(segment), group, origin);
    }
  }
}

std::optional<SendError> SessionMachine::refused_segment(const std::vector<Pdu>& segments) const {
  const EncodeOptions options{.version = wire_version()};
  for (const auto& segment : segments) {
    if (auto r = encoded_size(segment, options); !r) {
      return SendError{SendError::Kind::invalid_message, r.error().code(), r.error().message()};
    }
  }
  return std::nullopt;
}

// Encodes back to back, registers each before any octet is written (a fast response can then
// never beat its registration), one clock read for the whole batch. Requeued messages that are
// due go first; new ones as far as the window and the requeue limit allow (a long message's
// segments may take several rounds of it); all of them as far as flow control allows. Each PDU is
// encoded where it waits and moved once, into the in-flight table.
std::size_t SessionMachine::send_pending(Clock::time_point now, bool stage, Events& out) {
  std::size_t n = sendable();
  if (n == 0) return 0;
  if (flow_ != nullptr) {
    n = flow_->acquire(n, now, send_at_);
    if (n == 0) return 0;
  }
  sequence_numbers_.resize(n);
  sequence_.next_batch(sequence_numbers_);
  auto& buf = stage ? stage_ : out_;
  if (stage) {
    stage_.clear();
    staged_.clear();
  }
  // The negotiated version: a 5.0 command or TLV on a 3.4 session is refused here, before any
  // octet of it is queued, and ends as invalid_message naming it (CodecProblem::*_not_in_version).
  const SendBatch batch{buf, buf.size(), stage, now + cfg_.response_timeout,
                        EncodeOptions{.version = wire_version()}};
  const bool was_empty = in_flight_.empty();
  for (std::size_t k = 0; k < n; ++k) {
    if (!ready_.empty()) {
      Unit& u = ready_.front();
      if (u.attempts++ == 0) u.first_sent = now;
      send_one(Sending{u.pdu, u.group, u.origin, u.attempts, u.first_sent}, sequence_numbers_[k],
               batch, out);
      ready_.pop_front();
    } else {
      UnitTag& tag = unit_tags_[units_pos_];
      send_one(Sending{units_[units_pos_], tag.group, tag.origin, 1, now}, sequence_numbers_[k],
               batch, out);
      ++units_pos_;
    }
  }
  if (units_pos_ == units_.size()) {
    units_.clear();
    unit_tags_.clear();
    units_pos_ = 0;
  }
  stats_.in_flight = in_flight_.size();
  stats_.max_in_flight = std::max<std::uint64_t>(stats_.max_in_flight, in_flight_.size());
  if (!stage) {
    queued_total_ += buf.size() - batch.base;
    wake(wake_writer);
  }
  if (was_empty && !in_flight_.empty()) wake(wake_timer);
  return n;
}

// One wire PDU of send_pending(): encoded into the batch's buffer and registered, or failed.
void SessionMachine::send_one(const Sending& s, std::uint32_t sequence_number,
                              const SendBatch& batch, Events& out) {
  header_of(s.pdu) = PduHeader{CommandStatus::ok, sequence_number};
  auto& buf = batch.buf;
  const std::size_t before = buf.size();
  if (auto r = encode(s.pdu, buf, batch.options); !r) {
    unit_failed(std::move(s.pdu), s.group,
                SendError{SendError::Kind::invalid_message, r.error().code(), r.error().message()},
                out, s.origin);
    return;
  }
  const std::uint64_t end = batch.stage ? std::numeric_limits<std::uint64_t>::max()
                                        : queued_total_ + (buf.size() - batch.base);
  const std::uint32_t slot = in_flight_.insert(sequence_number, batch.deadline, end, s.pdu, s.group,
                                               s.origin, s.attempts, s.first_sent);
  if (slot == InFlightTable::npos) {
    buf.resize(before);
    unit_failed(std::move(s.pdu), s.group,
                SendError{SendError::Kind::invalid_message, errc::invalid_field,
                          fmt::format("sequence_number {} is already in flight (the "
                                      "SequenceGenerator repeated it)",
                                      sequence_number)},
                out, s.origin);
    return;
  }
  if (batch.stage) staged_.push_back(Staged{slot, sequence_number, before, buf.size()});
  AIOSMPP_LOG(log_, LogLevel::trace, "pdu_sent",
              {"command", command_name(command_id_of(in_flight_.at(slot).message))},
              {"sequence_number", sequence_number},
              {"log_id", tracking_of(in_flight_.at(slot).message).log_id});
}

void SessionMachine::commit_staged() {
  if (phase_ == Phase::idle || phase_ == Phase::closed) return;  // end() reports them not_sent
  for (const Staged& s : staged_) {
    auto& entry = in_flight_.at(s.slot);
    if (entry.sequence_number == s.sequence_number) entry.end_offset = queued_total_ + s.end;
  }
  out_.insert(out_.end(), stage_.begin(), stage_.end());
  queued_total_ += stage_.size();
  stage_.clear();
  staged_.clear();
  wake(wake_writer | wake_timer);
}

void SessionMachine::fail_pending(const SendError& error, Events& out) {
  AIOSMPP_LOG(log_, LogLevel::error, "rate_limiter_failed", {"count", pending()},
              {"error", error.code.message()}, {"detail", error.detail});
  for (std::size_t i = units_pos_; i < units_.size(); ++i) {
    unit_failed(std::move(units_[i]), unit_tags_[i].group, error, out, unit_tags_[i].origin);
  }
  units_.clear();
  unit_tags_.clear();
  units_pos_ = 0;
}

void SessionMachine::report_failure(Pdu message, SendError error, Events& out,
                                    std::uint64_t origin) {
  ++stats_.send_errors;
  AIOSMPP_LOG(log_, LogLevel::debug, "send_error",
              {"command", command_name(command_id_of(message))},
              {"log_id", tracking_of(message).log_id}, {"kind", to_string(error.kind)},
              {"error", error.code.message()}, {"detail", error.detail});
  out.emplace_back(OutcomeEvent{std::move(message), std::nullopt, std::move(error), {}, origin});
}

// The last segment of a long message ended and one of them failed: the message's send_error.
void SessionMachine::report_group_failure(SegmentGroup& group, Events& out, std::uint64_t origin) {
  SendError e = std::move(*group.failure);
  e.detail = fmt::format("{} ({} of {} segments accepted)", e.detail, group.accepted, group.total);
  report_failure(std::move(group.original), std::move(e), out, origin);
}

// One wire PDU failed: the message's outcome, or one segment's share of it.
void SessionMachine::unit_failed(Pdu message, const std::shared_ptr<SegmentGroup>& group,
                                 SendError error, Events& out, std::uint64_t origin) {
  if (!group) {
    report_failure(std::move(message), std::move(error), out, origin);
    return;
  }
  if (group->remaining == 0) return;
  --group->remaining;
  if (!group->failure || error.kind == SendError::Kind::outcome_unknown) {
    group->failure = std::move(error);
  }
  if (group->remaining == 0) report_group_failure(*group, out, origin);
}

// One wire PDU got its response: the message's outcome, or one segment's share of it (the last
// segment gives the first error response, else the last response).
void SessionMachine::unit_answered(Pdu request, const std::shared_ptr<SegmentGroup>& group,
                                   Pdu response, std::span<const std::uint8_t> bytes, Events& out,
                                   std::uint64_t origin) {
  if (group) {
    if (group->remaining == 0) return;
    --group->remaining;
    if (header_of(response).command_status == CommandStatus::ok) {
      ++group->accepted;
      group->last_response = std::move(response);
    } else if (!group->error_response) {
      group->error_response = std::move(response);
    }
    if (group->remaining > 0) return;
    if (group->failure) {
      report_group_failure(*group, out, origin);
      return;
    }
    request = std::move(group->original);
    response = std::move(group->error_response ? *group->error_response : *group->last_response);
  }
  ++stats_.responses;
  tracking_of(response) = tracking_of(request);  // both keep it: Outcome shows the two
  out.emplace_back(OutcomeEvent{std::move(request), std::move(response), {}, bytes, origin});
}

}  // namespace aiosmpp::detail
