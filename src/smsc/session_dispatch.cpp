// What a server session does with each PDU it reads (state check, decode, handlers, responses to
// its own requests) and how it writes PDUs: responses, its own requests with their window and
// backlog. Header-only PDUs go through the pdu layer's wire writer; what to answer to a PDU that
// does not decode is the codec's error_response().

#include <algorithm>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "pdu/wire.hpp"
#include "smsc/server_core.hpp"
#include "smsc/session_impl.hpp"

namespace aiosmpp::smsc {

namespace {

// bind view type -> its response type
template <class View>
struct BindRespOf;
template <>
struct BindRespOf<BindTransmitterView> {
  using type = BindTransmitterResp;
};
template <>
struct BindRespOf<BindReceiverView> {
  using type = BindReceiverResp;
};
template <>
struct BindRespOf<BindTransceiverView> {
  using type = BindTransceiverResp;
};

}  // namespace

std::uint32_t Session::Impl::next_sequence() noexcept {
  // 1..0x7FFFFFFF, wrapping (reference §1.1); the ESME's numbers are independent of ours.
  last_sequence_ = last_sequence_ >= 0x7FFFFFFFU ? 1U : last_sequence_ + 1U;
  return last_sequence_;
}

void Session::Impl::queue_header_only(CommandId id, CommandStatus status, std::uint32_t sequence) {
  aiosmpp::detail::append_header_only(out_, id, status, sequence);
  if (id == CommandId::generic_nack) ++core_->stats.generic_nacks_sent;
  if (sequence == 0 && !is_response(id)) return;  // put_in_flight logs it with its number
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
              {"sequence_number", sequence}, {"command_status", static_cast<std::uint32_t>(status)},
              {"command_length", pdu_header_size});
}

template <class P>
void Session::Impl::encode_response(const P& response) {
  const auto status = response.header.command_status;
  if (status != CommandStatus::ok) {
    // 3.4 sends no body with a non-zero command_status (§3.2, §3.6).
    queue_header_only(P::command_id, status, response.header.sequence_number);
    return;
  }
  const auto at = out_.size();
  // A TLV newer than the session's version is left out (the response itself must go out).
  auto r =
      encode(response, out_, EncodeOptions{.version = version_, .newer_tlvs = NewerTlvs::drop});
  if (r) {
    if constexpr (requires { response.tlvs; }) {
      if (congestion_ && version_ == InterfaceVersion::smpp_5_0 &&
          !response.tlvs.template contains<tlv::CongestionState>()) {
        append_congestion(at);
      }
    }
  }
  if (!r) {
    out_.resize(at);
    AIOSMPP_LOG(logger_, LogLevel::error, "invalid_response", {"error", r.error().message()});
    queue_header_only(P::command_id, CommandStatus::system_error, response.header.sequence_number);
    return;
  }
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(P::command_id)},
              {"sequence_number", response.header.sequence_number}, {"command_status", 0U},
              {"command_length", out_.size() - at});
}

// congestion_state (SMPP 5.0, 0x0428, one octet) after the response's last TLV at `at`, and its
// command_length grown to match: no copy of the response on the hot path.
void Session::Impl::append_congestion(std::size_t at) {
  aiosmpp::detail::append_congestion_state(out_, at, *congestion_);
}

std::error_code Session::Impl::respond(const Pdu& response) {
  if (closing_ || state_ == SessionState::closed) return errc::stopped;
  const CommandId id = command_id_of(response);
  if (!is_response(id)) {
    throw SmppError(id, CommandStatus::invalid_command_id,
                    "Session::respond takes a response PDU, not a request");
  }
  // Validate first: an invalid PDU is the caller's bug and must not reach the wire half-written.
  if (header_of(response).command_status == CommandStatus::ok) {
    auto size = encoded_size(response);
    if (!size) throw SmppError(id, size.error().status, size.error().message());
  }
  if (pending_requests_ > 0) --pending_requests_;
  std::visit([this](const auto& p) { encode_response(p); }, response);
  wake_writer();
  return {};
}

void Session::Impl::put_in_flight(CommandId id, std::size_t at, ResponseHandler handler) {
  const std::uint32_t seq = next_sequence();
  aiosmpp::detail::store32(out_.data() + at + 12, seq);
  InFlight f{id, in_batch_ ? batch_now_ : Clock::now(), std::move(handler)};
  if (!spare_nodes_.empty()) {
    auto node = std::move(spare_nodes_.back());
    spare_nodes_.pop_back();
    node.key() = seq;
    node.mapped() = std::move(f);
    auto r = in_flight_.insert(std::move(node));
    if (!r.inserted) r.position->second = std::move(r.node.mapped());  // a wrapped sequence
  } else {
    in_flight_.insert_or_assign(seq, std::move(f));
  }
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
              {"sequence_number", seq}, {"command_length", out_.size() - at});
}

template <class Req>
std::error_code Session::Impl::send(const Req& request, ResponseHandler handler, bool use_window) {
  constexpr CommandId id = Req::command_id;
  if (closing_ || state_ == SessionState::closed || state_ == SessionState::unbinding) {
    return errc::stopped;
  }
  if (!may_send(state_, id)) return errc::not_bound;
  const bool room =
      !use_window ||
      (in_flight_.size() < std::max<std::size_t>(core_->config.window, 1) && backlog_.empty());
  if (room) {
    const auto at = out_.size();
    auto r = encode(request, out_, EncodeOptions{.version = version_});
    if (!r) {
      out_.resize(at);
      throw SmppError(id, r.error().status, r.error().message());
    }
    if constexpr (id == CommandId::alert_notification || id == CommandId::outbind) {
      const std::uint32_t seq = next_sequence();
      aiosmpp::detail::store32(out_.data() + at + 12, seq);
      AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
                  {"sequence_number", seq}, {"command_length", out_.size() - at});
    } else {
      put_in_flight(id, at, std::move(handler));
    }
    wake_writer();
    return {};
  }
  const auto max_backlog = core_->config.max_backlog;
  if (max_backlog != 0 && backlog_.size() >= max_backlog) {
    ++core_->stats.backlog_full;
    return std::make_error_code(std::errc::no_buffer_space);
  }
  Waiting w{id, {}, std::move(handler)};
  auto r = encode(request, w.bytes, EncodeOptions{.version = version_});
  if (!r) throw SmppError(id, r.error().status, r.error().message());
  backlog_.push_back(std::move(w));
  return {};
}

template std::error_code Session::Impl::send(const DeliverSm&, ResponseHandler, bool);
template std::error_code Session::Impl::send(const DeliverSmView&, ResponseHandler, bool);
template std::error_code Session::Impl::send(const DataSm&, ResponseHandler, bool);
template std::error_code Session::Impl::send(const AlertNotification&, ResponseHandler, bool);

std::error_code Session::Impl::enquire_link(ResponseHandler handler) {
  if (closing_ || state_ == SessionState::closed) return errc::stopped;
  const auto at = out_.size();
  queue_header_only(CommandId::enquire_link, CommandStatus::ok, 0);
  put_in_flight(CommandId::enquire_link, at, std::move(handler));
  enquire_link_in_flight_ = true;
  wake_writer();
  return {};
}

void Session::Impl::queue_initial(const Pdu& pdu) {
  const auto at = out_.size();
  encode(pdu, out_).value();
  aiosmpp::detail::store32(out_.data() + at + 12, next_sequence());
}

void Session::Impl::release_backlog() {
  const std::size_t window = std::max<std::size_t>(core_->config.window, 1);
  bool any = false;
  while (!backlog_.empty() && in_flight_.size() < window && !closing_ &&
         may_send(state_, backlog_.front().command)) {
    Waiting w = std::move(backlog_.front());
    backlog_.pop_front();
    const auto at = out_.size();
    out_.insert(out_.end(), w.bytes.begin(), w.bytes.end());
    put_in_flight(w.command, at, std::move(w.handler));
    any = true;
  }
  if (any) wake_writer();
}

void Session::Impl::finish_request(std::uint32_t sequence, std::error_code ec,
                                   const PduView* response) {
  auto it = in_flight_.find(sequence);
  if (it == in_flight_.end()) {
    AIOSMPP_LOG(logger_, LogLevel::warning, "unexpected_response", {"sequence_number", sequence});
    return;
  }
  finish_request(it, ec, response);
}

void Session::Impl::finish_request(InFlightMap::iterator it, std::error_code ec,
                                   const PduView* response) {
  auto node = in_flight_.extract(it);
  InFlight f = std::move(node.mapped());
  if (spare_nodes_.size() < core_->config.window) spare_nodes_.push_back(std::move(node));
  if (f.command == CommandId::enquire_link) enquire_link_in_flight_ = false;
  if (f.handler) f.handler(ec, response);
  if (f.command == CommandId::unbind) {
    close_after_flush();
    return;
  }
  release_backlog();
}

void Session::Impl::on_response(CommandId id, std::uint32_t sequence, CommandStatus status,
                                const PduView* response) {
  auto it = in_flight_.find(sequence);
  if (it == in_flight_.end()) {
    AIOSMPP_LOG(logger_, LogLevel::warning, "unexpected_response", {"command", command_name(id)},
                {"sequence_number", sequence});
    return;
  }
  std::error_code ec;
  if (id != CommandId::generic_nack && id != response_id(it->second.command)) {
    AIOSMPP_LOG(logger_, LogLevel::warning, "mismatched_response", {"command", command_name(id)},
                {"expected", command_name(response_id(it->second.command))},
                {"sequence_number", sequence});
    ec = errc::malformed_pdu;
  } else if (status != CommandStatus::ok) {
    ec = status;
  }
  finish_request(it, ec, response);  // found once, not again by sequence
}

template <class View>
void Session::Impl::on_bind(const View& bind, BindType type) {
  using Resp = typename BindRespOf<View>::type;
  const std::uint32_t seq = bind.header.sequence_number;
  BindRequest request{type,
                      bind.system_id,
                      bind.password,
                      bind.system_type,
                      bind.interface_version,
                      bind.address_range,
                      remote_};
  CommandStatus status = CommandStatus::ok;
  auto& core = *core_;
  if (core.stopping) {
    status = CommandStatus::bind_failed;
  } else if (core.bound >= core.config.max_sessions) {
    AIOSMPP_LOG(logger_, LogLevel::warning, "bind_refused", {"reason", "max_sessions"},
                {"max_sessions", core.config.max_sessions});
    status = CommandStatus::bind_failed;
  } else if (core.handlers.bind) {
    status = core.handlers.bind(self_, request);
  }
  if (status != CommandStatus::ok) {
    ++core.stats.binds_rejected;
    ++bind_failures_;
    AIOSMPP_LOG(logger_, LogLevel::info, "bind_rejected", {"system_id", bind.system_id},
                {"bind_type", to_string(type)}, {"command_status", status_name(status)},
                {"failures", bind_failures_});
    failed_bind_ = FailedBind{true, Resp::command_id, status, seq};
    // The reader holds the response back for bind_failure_delay (and reads nothing else).
    if (core.config.bind_failure_delay.count() <= 0) finish_failed_bind();
    return;
  }
  ++core.stats.binds_accepted;
  ++core.bound;
  counted_bound_ = true;
  state_ = bound_state(type);
  bind_type_ = type;
  system_id_.assign(bind.system_id);
  version_ = common_version(static_cast<std::uint8_t>(bind.interface_version),
                            static_cast<std::uint8_t>(core.config.interface_version));
  decode_options_.version = version_;  // a 5.0 command from a 3.4 ESME: generic_nack RINVCMDID
  grow_buffers();
  Resp resp;
  resp.header = {CommandStatus::ok, seq};
  resp.system_id = core.config.system_id;
  // The server's highest version (5.0 spec §2.11.2: the MC returns the version it supports).
  resp.tlvs.template set<tlv::ScInterfaceVersion>(
      static_cast<std::uint8_t>(core.config.interface_version));
  encode_response(resp);
  AIOSMPP_LOG(logger_, LogLevel::info, "bound", {"system_id", system_id_},
              {"bind_type", to_string(type)}, {"remote", transport_->remote_address()},
              {"interface_version", to_string(version_)});
  if (core.handlers.on_bound) core.handlers.on_bound(self_);
}

void Session::Impl::finish_failed_bind() {
  if (!failed_bind_.pending) return;
  failed_bind_.pending = false;
  queue_header_only(failed_bind_.response, failed_bind_.status, failed_bind_.sequence);
  wake_writer();
  const auto limit = core_->config.max_bind_failures;
  if (limit != 0 && bind_failures_ >= limit && !closing_) {
    ++core_->stats.bind_failure_closes;
    AIOSMPP_LOG(logger_, LogLevel::warning, "bind_failures", {"failures", bind_failures_},
                {"max_bind_failures", limit});
    end_reason_ = errc::bind_failed;
    close_after_flush();
  }
}

template <class Resp, class View, class Fn>
void Session::Impl::on_request(const View& request, const Fn& handler, CommandStatus missing) {
  const std::uint32_t seq = request.header.sequence_number;
  const auto max_pending = core_->config.max_pending_requests;
  if (max_pending != 0 && pending_requests_ >= max_pending) {
    ++core_->stats.pending_throttled;
    queue_header_only(Resp::command_id, CommandStatus::throttled, seq);
    return;
  }
  if (!handler) {
    queue_header_only(Resp::command_id, missing, seq);
    return;
  }
  auto answer = [&](Resp& resp) {
    switch (handler(self_, request, resp)) {
      case Reply::now:
        encode_response(resp);
        break;
      case Reply::later:
        ++pending_requests_;
        break;
      case Reply::never:
        break;
    }
  };
  if constexpr (std::is_same_v<Resp, SubmitSmResp> || std::is_same_v<Resp, DataSmResp>) {
    Resp& resp = [this]() -> Resp& {
      if constexpr (std::is_same_v<Resp, SubmitSmResp>) {
        return submit_resp_;
      } else {
        return data_resp_;
      }
    }();
    resp.header = {CommandStatus::ok, seq};
    resp.has_body = true;
    resp.message_id.clear();
    resp.tlvs.clear();
    answer(resp);
  } else {
    Resp resp;
    resp.header = {CommandStatus::ok, seq};
    answer(resp);
  }
}

void Session::Impl::dispatch(const PduView& pdu) {
  auto& core = *core_;
  std::visit(
      [&](const auto& p) {
        using T = std::remove_cvref_t<decltype(p)>;
        constexpr CommandId id = T::command_id;
        const std::uint32_t seq = p.header.sequence_number;
        if constexpr (is_response(id)) {
          on_response(id, seq, p.header.command_status, &pdu);
        } else if constexpr (id == CommandId::outbind || id == CommandId::alert_notification) {
          // No response type exists to reject them with (§9.2, practice: drop).
          AIOSMPP_LOG(logger_, LogLevel::warning, "dropped_pdu", {"command", command_name(id)},
                      {"sequence_number", seq});
        } else {
          // handle() has checked the state already (reject_by_state).
          if constexpr (id == CommandId::bind_transmitter) {
            on_bind(p, BindType::transmitter);
          } else if constexpr (id == CommandId::bind_receiver) {
            on_bind(p, BindType::receiver);
          } else if constexpr (id == CommandId::bind_transceiver) {
            on_bind(p, BindType::transceiver);
          } else if constexpr (id == CommandId::enquire_link) {
            queue_header_only(CommandId::enquire_link_resp, CommandStatus::ok, seq);
          } else if constexpr (id == CommandId::unbind) {
            queue_header_only(CommandId::unbind_resp, CommandStatus::ok, seq);
            state_ = SessionState::unbinding;
            if (!end_reason_) end_reason_ = errc::connection_closed;
            close_after_flush();
          } else if constexpr (id == CommandId::submit_sm) {
            on_request<SubmitSmResp>(p, core.handlers.submit_sm, CommandStatus::submit_failed);
          } else if constexpr (id == CommandId::submit_multi) {
            on_request<SubmitMultiResp>(p, core.handlers.submit_multi,
                                        CommandStatus::submit_failed);
          } else if constexpr (id == CommandId::data_sm) {
            on_request<DataSmResp>(p, core.handlers.data_sm, CommandStatus::submit_failed);
          } else if constexpr (id == CommandId::query_sm) {
            on_request<QuerySmResp>(p, core.handlers.query_sm, CommandStatus::query_failed);
          } else if constexpr (id == CommandId::cancel_sm) {
            on_request<CancelSmResp>(p, core.handlers.cancel_sm, CommandStatus::cancel_failed);
          } else if constexpr (id == CommandId::replace_sm) {
            on_request<ReplaceSmResp>(p, core.handlers.replace_sm, CommandStatus::replace_failed);
          } else if constexpr (id == CommandId::broadcast_sm) {
            on_request<BroadcastSmResp>(p, core.handlers.broadcast_sm,
                                        CommandStatus::broadcast_failed);
          } else if constexpr (id == CommandId::query_broadcast_sm) {
            on_request<QueryBroadcastSmResp>(p, core.handlers.query_broadcast_sm,
                                             CommandStatus::broadcast_query_failed);
          } else if constexpr (id == CommandId::cancel_broadcast_sm) {
            on_request<CancelBroadcastSmResp>(p, core.handlers.cancel_broadcast_sm,
                                              CommandStatus::broadcast_cancel_failed);
          } else {
            // check_request rejects every other request (deliver_sm from an ESME).
            queue_header_only(response_id(id), CommandStatus::invalid_bind_status, seq);
          }
        }
      },
      pdu);
}

void Session::Impl::queue_error_response(const CodecError& error) {
  // What to answer (if anything) is the codec's decision; every such answer is header-only.
  if (auto answer = error_response(error)) {
    const auto& h = header_of(*answer);
    queue_header_only(command_id_of(*answer), h.command_status, h.sequence_number);
  }
}

void Session::Impl::handle_framing_error(const CodecError& error) {
  // The stream has lost its framing (command_length < 16 or above the limit): answer what we can
  // and close, without buffering the announced body (reference §1.1).
  ++core_->stats.decode_errors;
  AIOSMPP_LOG(logger_, LogLevel::warning, "framing_error", {"error", error.message()});
  queue_error_response(error);
  end_reason_ = errc::malformed_pdu;
  close_after_flush();
}

void Session::Impl::handle_decode_error(const CodecError& error) {
  ++core_->stats.decode_errors;
  const std::uint32_t seq = error.sequence_known ? error.sequence_number : 0;
  AIOSMPP_LOG(logger_, LogLevel::warning, "malformed_pdu", {"error", error.message()},
              {"command_status", status_name(error.status)}, {"sequence_number", seq});
  const CommandId id = error.command_id;
  if (is_known(id) && is_response(id) && error.sequence_known && in_flight_.count(seq) != 0) {
    // A response we cannot read still ends the request it answers.
    finish_request(seq, errc::malformed_pdu, nullptr);
  }
  queue_error_response(error);
}

bool Session::Impl::reject_by_state(std::span<const std::uint8_t> bytes) {
  // The state decides before the body is decoded: a request that is not allowed now gets
  // ESME_RINVBNDSTS (or ESME_RALYBND) whatever its body holds, so an unbound peer learns
  // nothing from field errors and costs no decoding.
  const auto id = static_cast<CommandId>(aiosmpp::detail::load32(bytes.data() + 4));
  if (is_response(id) || !is_known(id) || response_id(id) == CommandId::generic_nack) {
    return false;  // responses, unknown ids (generic_nack), outbind and alert_notification
  }
  // A bound 3.4 session's decoder refuses a 5.0 command with generic_nack ESME_RINVCMDID (as a
  // 3.4 SMSC that does not know it), rather than a 5.0 response the ESME did not agree to.
  if (is_bound(state_) && since_version(id) > decode_options_.version) return false;
  const CommandStatus allowed = check_request(state_, id);
  if (allowed == CommandStatus::ok) return false;
  const std::uint32_t seq = aiosmpp::detail::load32(bytes.data() + 12);
  ++core_->stats.state_errors;
  AIOSMPP_LOG(logger_, LogLevel::debug, "wrong_state", {"command", command_name(id)},
              {"state", to_string(state_)}, {"command_status", status_name(allowed)},
              {"sequence_number", seq});
  queue_header_only(response_id(id), allowed, seq);
  return true;
}

void Session::Impl::handle(std::span<const std::uint8_t> bytes) {
  ++core_->stats.pdus_received;
  if (reject_by_state(bytes)) return;
  if (bytes.size() == pdu_header_size + 1 && bytes[pdu_header_size] == 0 &&
      aiosmpp::detail::load32(bytes.data() + 4) ==
          static_cast<std::uint32_t>(CommandId::deliver_sm_resp)) {
    // The answer to every receipt and MO, all but always in its minimal form (an empty
    // message_id, §4.6.2): its view is built from the header, as the decoder would build it,
    // without the generic decode (a tenth of the simulator's user time with receipts on).
    DeliverSmRespView resp;
    resp.header = {static_cast<CommandStatus>(aiosmpp::detail::load32(bytes.data() + 8)),
                   aiosmpp::detail::load32(bytes.data() + 12)};
    act_on(PduView{resp}, bytes.size());
    return;
  }
  auto decoded = decode_view(bytes, decode_options_);
  if (!decoded) {
    handle_decode_error(decoded.error());
    return;
  }
  act_on(*decoded, bytes.size());
}

void Session::Impl::act_on(const PduView& pdu, std::size_t size) {
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_received",
              {"command", command_name(command_id_of(pdu))},
              {"sequence_number", header_of(pdu).sequence_number},
              {"command_status", static_cast<std::uint32_t>(header_of(pdu).command_status)},
              {"command_length", size});
  if (core_->handlers.on_pdu && !core_->handlers.on_pdu(self_, pdu)) {
    AIOSMPP_LOG(logger_, LogLevel::info, "dropped_by_handler",
                {"command", command_name(command_id_of(pdu))});
    end_reason_ = errc::connection_closed;
    close_after_flush();
    return;
  }
  dispatch(pdu);
}

}  // namespace aiosmpp::smsc
