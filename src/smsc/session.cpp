#include "aiosmpp/smsc/session.hpp"

#include <algorithm>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include <asio/error.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "smsc/server_core.hpp"

namespace aiosmpp::smsc {

namespace {

using aiosmpp::detail::use_nothrow_awaitable;

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

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

std::chrono::milliseconds keeper_period(const ServerConfig& c) {
  using std::chrono::milliseconds;
  milliseconds shortest{1000 * 4};
  for (auto d : {c.session_init_timeout, c.enquire_link_interval, c.response_timeout,
                 c.inactivity_timeout, c.unbind_timeout}) {
    if (d.count() > 0) shortest = std::min(shortest, d);
  }
  return std::clamp(shortest / 4, milliseconds(5), milliseconds(1000));
}

}  // namespace

Session::Session(std::shared_ptr<detail::ServerCore> core, asio::ip::tcp::socket socket,
                 SessionState initial, std::uint64_t id)
    : core_(std::move(core)),
      logger_(core_->config.logger.with({{"session", id}})),
      socket_(std::move(socket)),
      wake_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      drained_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      tick_(socket_.get_executor()),
      framer_(core_->config.max_pdu_size, 64 * 1024),
      id_(id),
      state_(initial),
      created_(Clock::now()),
      last_rx_(created_) {
  decode_options_.max_pdu_size = core_->config.max_pdu_size;
  std::error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  out_.reserve(64 * 1024);
  writing_.reserve(64 * 1024);
}

Session::~Session() = default;

std::uint32_t Session::next_sequence() noexcept {
  // 1..0x7FFFFFFF, wrapping (reference §1.1); the ESME's numbers are independent of ours.
  last_sequence_ = last_sequence_ >= 0x7FFFFFFFU ? 1U : last_sequence_ + 1U;
  return last_sequence_;
}

void Session::wake_writer() noexcept {
  wake_.cancel();
}

void Session::write_header_only(CommandId id, CommandStatus status, std::uint32_t sequence) {
  const auto at = out_.size();
  out_.resize(at + pdu_header_size);
  std::uint8_t* p = out_.data() + at;
  put_u32(p, static_cast<std::uint32_t>(pdu_header_size));
  put_u32(p + 4, static_cast<std::uint32_t>(id));
  put_u32(p + 8, static_cast<std::uint32_t>(status));
  put_u32(p + 12, sequence);
  if (id == CommandId::generic_nack) ++core_->stats.generic_nacks_sent;
  if (sequence == 0 && !is_response(id)) return;  // put_in_flight logs it with its number
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
              {"sequence_number", sequence}, {"command_status", static_cast<std::uint32_t>(status)},
              {"command_length", pdu_header_size});
}

template <class P>
void Session::encode_response(const P& response) {
  const auto status = response.header.command_status;
  if (status != CommandStatus::ok) {
    // 3.4 sends no body with a non-zero command_status (§3.2, §3.6).
    write_header_only(P::command_id, status, response.header.sequence_number);
    return;
  }
  const auto at = out_.size();
  auto r = encode(response, out_);
  if (!r) {
    out_.resize(at);
    AIOSMPP_LOG(logger_, LogLevel::error, "invalid_response", {"error", r.error().message()});
    write_header_only(P::command_id, CommandStatus::system_error, response.header.sequence_number);
    return;
  }
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(P::command_id)},
              {"sequence_number", response.header.sequence_number}, {"command_status", 0U},
              {"command_length", out_.size() - at});
}

std::error_code Session::respond(const Pdu& response) {
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

void Session::put_in_flight(CommandId id, std::size_t at, ResponseHandler handler) {
  const std::uint32_t seq = next_sequence();
  put_u32(out_.data() + at + 12, seq);
  in_flight_.insert_or_assign(seq, InFlight{id, Clock::now(), std::move(handler)});
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
              {"sequence_number", seq}, {"command_length", out_.size() - at});
}

template <class Req>
std::error_code Session::send_impl(const Req& request, ResponseHandler handler, bool use_window) {
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
    auto r = encode(request, out_);
    if (!r) {
      out_.resize(at);
      throw SmppError(id, r.error().status, r.error().message());
    }
    if constexpr (id == CommandId::alert_notification || id == CommandId::outbind) {
      const std::uint32_t seq = next_sequence();
      put_u32(out_.data() + at + 12, seq);
      AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_sent", {"command", command_name(id)},
                  {"sequence_number", seq}, {"command_length", out_.size() - at});
    } else {
      put_in_flight(id, at, std::move(handler));
    }
    wake_writer();
    return {};
  }
  Waiting w{id, {}, std::move(handler)};
  auto r = encode(request, w.bytes);
  if (!r) throw SmppError(id, r.error().status, r.error().message());
  backlog_.push_back(std::move(w));
  return {};
}

std::error_code Session::send(const DeliverSm& request, ResponseHandler on_response) {
  return send_impl(request, std::move(on_response), true);
}
std::error_code Session::send(const DataSm& request, ResponseHandler on_response) {
  return send_impl(request, std::move(on_response), true);
}
std::error_code Session::send(const AlertNotification& request) {
  return send_impl(request, {}, false);
}
std::error_code Session::enquire_link(ResponseHandler on_response) {
  if (closing_ || state_ == SessionState::closed) return errc::stopped;
  const auto at = out_.size();
  write_header_only(CommandId::enquire_link, CommandStatus::ok, 0);
  put_in_flight(CommandId::enquire_link, at, std::move(on_response));
  enquire_link_in_flight_ = true;
  wake_writer();
  return {};
}

void Session::queue_initial(const Pdu& pdu) {
  const auto at = out_.size();
  encode(pdu, out_).value();
  put_u32(out_.data() + at + 12, next_sequence());
}

void Session::release_backlog() {
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

void Session::unbind() {
  if (closing_ || state_ == SessionState::closed || state_ == SessionState::unbinding) return;
  if (!is_bound(state_)) {
    end_reason_ = errc::stopped;
    close_after_flush();
    return;
  }
  const auto at = out_.size();
  write_header_only(CommandId::unbind, CommandStatus::ok, 0);
  put_in_flight(CommandId::unbind, at, {});
  state_ = SessionState::unbinding;
  unbind_sent_ = Clock::now();
  if (!end_reason_) end_reason_ = errc::stopped;
  wake_writer();
}

void Session::close() {
  if (state_ == SessionState::closed) return;
  if (!end_reason_) end_reason_ = errc::stopped;
  closing_ = true;
  flush_then_end_ = true;
  out_.clear();
  std::error_code ignored;
  socket_.close(ignored);
  wake_writer();
  drained_.cancel();
}

void Session::close_after_flush() {
  if (!end_reason_) end_reason_ = errc::connection_closed;
  closing_ = true;
  flush_then_end_ = true;
  wake_writer();
  drained_.cancel();
}

void Session::finish_request(std::uint32_t sequence, std::error_code ec, const PduView* response) {
  auto it = in_flight_.find(sequence);
  if (it == in_flight_.end()) {
    AIOSMPP_LOG(logger_, LogLevel::warning, "unexpected_response", {"sequence_number", sequence});
    return;
  }
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  if (f.command == CommandId::enquire_link) enquire_link_in_flight_ = false;
  if (f.handler) f.handler(ec, response);
  if (f.command == CommandId::unbind) {
    close_after_flush();
    return;
  }
  release_backlog();
}

void Session::on_response(CommandId id, std::uint32_t sequence, CommandStatus status,
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
  finish_request(sequence, ec, response);
}

template <class View>
void Session::on_bind(const View& bind, BindType type) {
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
    status = core.handlers.bind(*this, request);
  }
  if (status != CommandStatus::ok) {
    ++core.stats.binds_rejected;
    AIOSMPP_LOG(logger_, LogLevel::info, "bind_rejected", {"system_id", bind.system_id},
                {"bind_type", to_string(type)}, {"command_status", status_name(status)});
    write_header_only(Resp::command_id, status, seq);
    return;
  }
  ++core.stats.binds_accepted;
  ++core.bound;
  counted_bound_ = true;
  state_ = bound_state(type);
  bind_type_ = type;
  system_id_.assign(bind.system_id);
  Resp resp;
  resp.header = {CommandStatus::ok, seq};
  resp.system_id = core.config.system_id;
  resp.tlvs.template set<tlv::ScInterfaceVersion>(0x34);
  encode_response(resp);
  AIOSMPP_LOG(logger_, LogLevel::info, "bound", {"system_id", system_id_},
              {"bind_type", to_string(type)}, {"remote", remote_.address().to_string()});
  if (core.handlers.on_bound) core.handlers.on_bound(*this);
}

template <class Resp, class View, class Fn>
void Session::on_request(const View& request, const Fn& handler, CommandStatus missing) {
  const std::uint32_t seq = request.header.sequence_number;
  const auto max_pending = core_->config.max_pending_requests;
  if (max_pending != 0 && pending_requests_ >= max_pending) {
    write_header_only(Resp::command_id, CommandStatus::throttled, seq);
    return;
  }
  if (!handler) {
    write_header_only(Resp::command_id, missing, seq);
    return;
  }
  auto answer = [&](Resp& resp) {
    if (handler(*this, request, resp) == Reply::later) {
      ++pending_requests_;
      return;
    }
    encode_response(resp);
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

void Session::dispatch(const PduView& pdu) {
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
          const CommandStatus allowed = check_request(state_, id);
          if (allowed != CommandStatus::ok) {
            ++core.stats.state_errors;
            AIOSMPP_LOG(logger_, LogLevel::debug, "wrong_state", {"command", command_name(id)},
                        {"state", to_string(state_)}, {"command_status", status_name(allowed)});
            write_header_only(response_id(id), allowed, seq);
            return;
          }
          if constexpr (id == CommandId::bind_transmitter) {
            on_bind(p, BindType::transmitter);
          } else if constexpr (id == CommandId::bind_receiver) {
            on_bind(p, BindType::receiver);
          } else if constexpr (id == CommandId::bind_transceiver) {
            on_bind(p, BindType::transceiver);
          } else if constexpr (id == CommandId::enquire_link) {
            write_header_only(CommandId::enquire_link_resp, CommandStatus::ok, seq);
          } else if constexpr (id == CommandId::unbind) {
            write_header_only(CommandId::unbind_resp, CommandStatus::ok, seq);
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
          } else {
            // check_request rejects every other request (deliver_sm from an ESME).
            write_header_only(response_id(id), CommandStatus::invalid_bind_status, seq);
          }
        }
      },
      pdu);
}

void Session::handle_framing_error(const CodecError& error) {
  // The stream has lost its framing (command_length < 16 or above the limit): answer what we can
  // and close, without buffering the announced body (reference §1.1).
  ++core_->stats.decode_errors;
  AIOSMPP_LOG(logger_, LogLevel::warning, "framing_error", {"error", error.message()});
  write_header_only(CommandId::generic_nack, CommandStatus::invalid_command_length,
                    error.sequence_known ? error.sequence_number : 0);
  end_reason_ = errc::malformed_pdu;
  close_after_flush();
}

void Session::handle_decode_error(const CodecError& error) {
  ++core_->stats.decode_errors;
  const std::uint32_t seq = error.sequence_known ? error.sequence_number : 0;
  AIOSMPP_LOG(logger_, LogLevel::warning, "malformed_pdu", {"error", error.message()},
              {"command_status", status_name(error.status)}, {"sequence_number", seq});
  const CommandId id = error.command_id;
  if (is_known(id) && is_response(id)) {
    // A response (or generic_nack) is never answered (§1.1); one we cannot read still ends the
    // request it answers.
    if (error.sequence_known && in_flight_.count(seq) != 0) {
      finish_request(seq, errc::malformed_pdu, nullptr);
    }
    return;
  }
  if (error.status == CommandStatus::invalid_command_length ||
      error.status == CommandStatus::invalid_command_id || !is_known(id)) {
    write_header_only(CommandId::generic_nack,
                      is_known(id) ? error.status : CommandStatus::invalid_command_id, seq);
    return;
  }
  if (id == CommandId::outbind || id == CommandId::alert_notification) return;
  write_header_only(response_id(id), error.status, seq);
}

void Session::handle(std::span<const std::uint8_t> bytes) {
  ++core_->stats.pdus_received;
  auto decoded = decode_view(bytes, decode_options_);
  if (!decoded) {
    handle_decode_error(decoded.error());
    return;
  }
  const PduView& pdu = *decoded;
  AIOSMPP_LOG(logger_, LogLevel::trace, "pdu_received",
              {"command", command_name(command_id_of(pdu))},
              {"sequence_number", header_of(pdu).sequence_number},
              {"command_status", static_cast<std::uint32_t>(header_of(pdu).command_status)},
              {"command_length", bytes.size()});
  if (core_->handlers.on_pdu && !core_->handlers.on_pdu(*this, pdu)) {
    AIOSMPP_LOG(logger_, LogLevel::info, "dropped_by_handler",
                {"command", command_name(command_id_of(pdu))});
    end_reason_ = errc::connection_closed;
    close_after_flush();
    return;
  }
  dispatch(pdu);
}

asio::awaitable<std::error_code> Session::reader() {
  for (;;) {
    auto buf = framer_.prepare();
    if (buf.empty()) co_return errc::malformed_pdu;
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                    use_nothrow_awaitable);
    if (ec) {
      if (ec == asio::error::eof || ec == asio::error::connection_reset) {
        co_return errc::connection_closed;
      }
      co_return ec;
    }
    framer_.commit(n);
    last_rx_ = Clock::now();
    while (!closing_) {
      auto next = framer_.next();
      if (!next) {
        handle_framing_error(next.error());
        break;
      }
      if (next->empty()) break;
      try {
        handle(*next);
      } catch (const std::exception& e) {
        AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
        end_reason_ = errc::stopped;
        close();
      }
    }
    if (!out_.empty()) wake_writer();
    if (closing_) {
      // The writer ends the session once it has flushed; stop reading meanwhile.
      asio::steady_timer forever(socket_.get_executor(), asio::steady_timer::time_point::max());
      auto [e] = co_await forever.async_wait(use_nothrow_awaitable);
      co_return e;
    }
    while (out_.size() > core_->config.write_high_water && !closing_) {
      drained_.expires_at(asio::steady_timer::time_point::max());
      co_await drained_.async_wait(use_nothrow_awaitable);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return errc::cancelled;
    }
  }
}

asio::awaitable<std::error_code> Session::writer() {
  for (;;) {
    if (out_.empty()) {
      if (flush_then_end_) co_return end_reason_ ? end_reason_ : errc::connection_closed;
      co_await wake_.async_wait(use_nothrow_awaitable);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return errc::cancelled;
      continue;
    }
    std::swap(out_, writing_);
    auto [ec, n] =
        co_await asio::async_write(socket_, asio::buffer(writing_), use_nothrow_awaitable);
    (void)n;
    writing_.clear();
    drained_.cancel();
    if (ec) co_return ec;
  }
}

asio::awaitable<std::error_code> Session::keeper() {
  const auto& cfg = core_->config;
  const auto period = keeper_period(cfg);
  for (;;) {
    tick_.expires_after(period);
    auto [ec] = co_await tick_.async_wait(use_nothrow_awaitable);
    if (ec) co_return errc::cancelled;
    const auto now = Clock::now();
    if ((state_ == SessionState::open || state_ == SessionState::outbound) &&
        cfg.session_init_timeout.count() > 0 && now - created_ >= cfg.session_init_timeout) {
      AIOSMPP_LOG(logger_, LogLevel::info, "session_init_timeout",
                  {"timeout_ms", cfg.session_init_timeout.count()});
      end_reason_ = errc::not_bound;
      close();
      co_return end_reason_;
    }
    if (cfg.inactivity_timeout.count() > 0 && now - last_rx_ >= cfg.inactivity_timeout) {
      AIOSMPP_LOG(logger_, LogLevel::info, "inactivity_timeout",
                  {"timeout_ms", cfg.inactivity_timeout.count()});
      end_reason_ = errc::connection_closed;
      close();
      co_return end_reason_;
    }
    if (state_ == SessionState::unbinding && unbind_sent_ != Clock::time_point{} &&
        now - unbind_sent_ >= cfg.unbind_timeout) {
      close();
      co_return end_reason_;
    }
    if (cfg.response_timeout.count() > 0) {
      std::vector<std::uint32_t> expired;
      for (const auto& [seq, f] : in_flight_) {
        if (now - f.sent >= cfg.response_timeout) expired.push_back(seq);
      }
      std::sort(expired.begin(), expired.end());
      for (auto seq : expired) {
        auto it = in_flight_.find(seq);
        if (it == in_flight_.end()) continue;
        const CommandId cmd = it->second.command;
        AIOSMPP_LOG(logger_, LogLevel::warning, "response_timeout", {"command", command_name(cmd)},
                    {"sequence_number", seq});
        finish_request(seq, errc::response_timeout, nullptr);
        if (cmd == CommandId::enquire_link) {
          // The link is dead (§9.3: response_timer on enquire_link closes the session).
          end_reason_ = errc::enquire_link_timeout;
          close();
          co_return end_reason_;
        }
      }
    }
    if (closing_) continue;
    if (is_bound(state_) && cfg.enquire_link_interval.count() > 0 && !enquire_link_in_flight_ &&
        now - last_rx_ >= cfg.enquire_link_interval) {
      enquire_link();
    }
  }
}

void Session::fail_all(std::error_code ec) {
  auto flights = std::move(in_flight_);
  in_flight_.clear();
  auto waiting = std::move(backlog_);
  backlog_.clear();
  for (auto& [seq, f] : flights) {
    if (f.handler) f.handler(ec, nullptr);
  }
  for (auto& w : waiting) {
    if (w.handler) w.handler(ec, nullptr);
  }
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  std::error_code ec;
  AIOSMPP_LOG(logger_, LogLevel::debug, "session_started",
              {"remote", remote_.address().to_string()}, {"port", remote_.port()},
              {"state", to_string(state_)});
  try {
    using namespace aiosmpp::detail::awaitable_operators;
    auto result = co_await (reader() || writer() || keeper());
    ec = std::visit([](std::error_code e) { return e; }, result);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(logger_, LogLevel::error, "session_failed", {"error", e.what()});
    ec = errc::stopped;
  }
  if (end_reason_) ec = end_reason_;
  state_ = SessionState::closed;
  closing_ = true;
  std::error_code ignored;
  socket_.close(ignored);
  wake_.cancel();
  drained_.cancel();
  tick_.cancel();
  if (counted_bound_) {
    counted_bound_ = false;
    --core_->bound;
  }
  fail_all(errc::connection_closed);
  AIOSMPP_LOG(logger_, LogLevel::info, "session_closed", {"reason", ec.message()},
              {"system_id", system_id_});
  if (core_->handlers.on_closed) {
    try {
      core_->handlers.on_closed(*this, ec);
    } catch (const std::exception& e) {
      AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
    }
  }
}

}  // namespace aiosmpp::smsc
