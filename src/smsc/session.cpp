// A server session's lifecycle: the reader, writer and keeper coroutines over the Transport, and
// how a session ends. What it does with each PDU is in session_dispatch.cpp.

#include <algorithm>
#include <exception>
#include <utility>
#include <variant>

#include <asio/error.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "smsc/server_core.hpp"
#include "smsc/session_impl.hpp"

namespace aiosmpp::smsc {

namespace {

using aiosmpp::detail::use_nothrow_awaitable;

// An unbound connection reads and writes little (a bind and its response), so its buffers start
// small; they grow once the ESME has bound (issue 15: 1,000 idle connections each reserved 192
// KiB).
constexpr std::size_t unbound_read_size = 1024;
constexpr std::size_t bound_buffer_size = 64 * 1024;

std::chrono::milliseconds keeper_period(const ServerConfig& c) {
  using std::chrono::milliseconds;
  milliseconds shortest{1000 * 4};
  for (auto d : {c.session_init_timeout, c.enquire_link_interval, c.response_timeout,
                 c.inactivity_timeout, c.unbind_timeout, c.pdu_timeout, c.close_timeout}) {
    if (d.count() > 0) shortest = std::min(shortest, d);
  }
  return std::clamp(shortest / 4, milliseconds(5), milliseconds(1000));
}

bool cancelled(const asio::cancellation_state& cs) {
  return cs.cancelled() != asio::cancellation_type::none;
}

}  // namespace

Session::Impl::Impl(Session& self, std::shared_ptr<detail::ServerCore> core,
                    std::unique_ptr<Transport> transport, const asio::ip::tcp::endpoint& remote,
                    SessionState initial, std::uint64_t id)
    : self_(self),
      core_(std::move(core)),
      logger_(core_->config.logger.with({{"session", id}})),
      transport_(std::move(transport)),
      remote_(remote),
      wake_(transport_->get_executor(), asio::steady_timer::time_point::max()),
      drained_(transport_->get_executor(), asio::steady_timer::time_point::max()),
      tick_(transport_->get_executor()),
      pause_(transport_->get_executor()),
      framer_(core_->config.max_pdu_size, unbound_read_size),
      id_(id),
      state_(initial),
      created_(Clock::now()),
      batch_now_(created_),
      last_pdu_at_(created_) {
  decode_options_.max_pdu_size = core_->config.max_pdu_size;
}

void Session::Impl::grow_buffers() {
  if (buffers_grown_) return;
  buffers_grown_ = true;
  framer_.set_read_buffer_size(bound_buffer_size);
  out_.reserve(bound_buffer_size);
  writing_.reserve(bound_buffer_size);
}

void Session::Impl::wake_writer() noexcept {
  if (out_.size() > core_->config.max_write_buffer && !closing_) {
    // The peer does not read and the server keeps producing: end it rather than grow.
    ++core_->stats.write_overflows;
    AIOSMPP_LOG(logger_, LogLevel::warning, "write_buffer_full", {"octets", out_.size()},
                {"max_write_buffer", core_->config.max_write_buffer});
    end_reason_ = errc::stopped;
    close();
    return;
  }
  wake_.cancel();
}

void Session::Impl::unbind() {
  if (closing_ || state_ == SessionState::closed || state_ == SessionState::unbinding) return;
  if (!is_bound(state_)) {
    end_reason_ = errc::stopped;
    close_after_flush();
    return;
  }
  const auto at = out_.size();
  queue_header_only(CommandId::unbind, CommandStatus::ok, 0);
  put_in_flight(CommandId::unbind, at, {});
  state_ = SessionState::unbinding;
  unbind_sent_ = Clock::now();
  if (!end_reason_) end_reason_ = errc::stopped;
  wake_writer();
}

void Session::Impl::close() {
  if (state_ == SessionState::closed) return;
  if (!end_reason_) end_reason_ = errc::stopped;
  closing_ = true;
  flush_then_end_ = true;
  out_.clear();
  transport_->close();
  wake_.cancel();
  drained_.cancel();
  pause_.cancel();
}

void Session::Impl::close_after_flush() {
  if (!end_reason_) end_reason_ = errc::connection_closed;
  if (closing_since_ == Clock::time_point{}) closing_since_ = Clock::now();
  closing_ = true;
  flush_then_end_ = true;
  wake_.cancel();
  drained_.cancel();
  pause_.cancel();
}

void Session::Impl::process_batch() {
  // One clock read per batch: what is sent while handling it is stamped with batch_now_.
  in_batch_ = true;
  struct Leave {
    bool& flag;
    ~Leave() { flag = false; }
  } leave{in_batch_};
  while (!closing_ && !failed_bind_.pending) {
    auto next = framer_.next();
    if (!next) {
      handle_framing_error(next.error());
      return;
    }
    if (next->empty()) return;
    last_pdu_at_ = batch_now_;
    try {
      handle(*next);
    } catch (const std::exception& e) {
      ++core_->stats.sessions_failed;
      AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
      end_reason_ = errc::stopped;
      close();
    }
  }
}

void Session::Impl::track_partial_pdu(bool whole_pdu_read) {
  // The PDU deadline runs from the first octet of each PDU: a PDU that completed in this batch
  // means that what is left started in this read.
  if (framer_.buffered() == 0) {
    partial_since_ = {};
  } else if (whole_pdu_read || partial_since_ == Clock::time_point{}) {
    partial_since_ = batch_now_;
  }
}

asio::awaitable<std::error_code> Session::Impl::reader() {
  for (;;) {
    auto buf = framer_.prepare();
    if (buf.empty()) co_return errc::malformed_pdu;
    auto [ec, n] = co_await transport_->read_some(buf);
    if (ec) co_return ec;
    framer_.commit(n);
    batch_now_ = Clock::now();
    const auto before = last_pdu_at_;
    process_batch();
    while (failed_bind_.pending && !closing_) {
      // Hold the failed bind's response back; nothing else from this connection is read or acted
      // on meanwhile (the keeper's deadlines still run).
      pause_.expires_after(core_->config.bind_failure_delay);
      co_await pause_.async_wait(use_nothrow_awaitable);
      if (cancelled(co_await asio::this_coro::cancellation_state)) co_return errc::cancelled;
      if (closing_) break;
      finish_failed_bind();
      batch_now_ = Clock::now();
      process_batch();
    }
    track_partial_pdu(last_pdu_at_ != before);
    if (!out_.empty()) wake_writer();
    if (closing_) {
      // The writer ends the session once it has flushed (or the keeper once close_timeout has
      // passed); stop reading meanwhile.
      asio::steady_timer forever(transport_->get_executor(), asio::steady_timer::time_point::max());
      auto [e] = co_await forever.async_wait(use_nothrow_awaitable);
      co_return e;
    }
    while (out_.size() > core_->config.write_high_water && !closing_) {
      reading_paused_ = true;
      drained_.expires_at(asio::steady_timer::time_point::max());
      co_await drained_.async_wait(use_nothrow_awaitable);
      if (cancelled(co_await asio::this_coro::cancellation_state)) co_return errc::cancelled;
    }
    if (reading_paused_) {
      // Our own pause does not count against the peer's PDU deadline.
      reading_paused_ = false;
      if (partial_since_ != Clock::time_point{}) partial_since_ = Clock::now();
    }
  }
}

asio::awaitable<std::error_code> Session::Impl::writer() {
  for (;;) {
    if (out_.empty()) {
      if (flush_then_end_) co_return end_reason_ ? end_reason_ : errc::connection_closed;
      co_await wake_.async_wait(use_nothrow_awaitable);
      if (cancelled(co_await asio::this_coro::cancellation_state)) co_return errc::cancelled;
      continue;
    }
    std::swap(out_, writing_);
    auto [ec, n] = co_await transport_->write(writing_);
    (void)n;
    writing_.clear();
    drained_.cancel();
    if (ec) co_return ec;
  }
}

void Session::Impl::end_by_deadline(std::string_view which, std::chrono::milliseconds limit,
                                    std::error_code ec) {
  ++core_->stats.sessions_timed_out;
  AIOSMPP_LOG(logger_, LogLevel::info, "deadline", {"which", which}, {"timeout_ms", limit.count()},
              {"state", to_string(state_)});
  end_reason_ = ec;
  close();
}

bool Session::Impl::expire_requests(Clock::time_point now) {
  const auto limit = core_->config.response_timeout;
  std::vector<std::uint32_t> expired;
  for (const auto& [seq, f] : in_flight_) {
    if (now - f.sent >= limit) expired.push_back(seq);
  }
  std::sort(expired.begin(), expired.end());
  for (auto seq : expired) {
    auto it = in_flight_.find(seq);
    if (it == in_flight_.end()) continue;
    const CommandId cmd = it->second.command;
    if (core_->timeout_log.take(now)) {
      AIOSMPP_LOG(logger_, LogLevel::warning, "response_timeout", {"command", command_name(cmd)},
                  {"sequence_number", seq}, {"suppressed", core_->timeout_log.take_pending()});
    }
    finish_request(seq, errc::response_timeout, nullptr);
    if (cmd == CommandId::enquire_link && state_ != SessionState::closed) {
      // The link is dead (§9.3: response_timer on enquire_link closes the session).
      end_by_deadline("enquire_link_response", limit, errc::enquire_link_timeout);
      return true;
    }
  }
  return false;
}

bool Session::Impl::check_deadlines(Clock::time_point now) {
  const auto& cfg = core_->config;
  auto passed = [now](Clock::time_point since, std::chrono::milliseconds limit) {
    return limit.count() > 0 && since != Clock::time_point{} && now - since >= limit;
  };
  if ((state_ == SessionState::open || state_ == SessionState::outbound) &&
      passed(created_, cfg.session_init_timeout)) {
    end_by_deadline("session_init", cfg.session_init_timeout, errc::not_bound);
  } else if (passed(last_pdu_at_, cfg.inactivity_timeout)) {
    end_by_deadline("inactivity", cfg.inactivity_timeout, errc::connection_closed);
  } else if (!reading_paused_ && !closing_ && passed(partial_since_, cfg.pdu_timeout)) {
    end_by_deadline("pdu", cfg.pdu_timeout, errc::malformed_pdu);
  } else if (state_ == SessionState::unbinding && passed(unbind_sent_, cfg.unbind_timeout)) {
    end_by_deadline("unbind", cfg.unbind_timeout, end_reason_ ? end_reason_ : errc::stopped);
  } else if (closing_ && passed(closing_since_, cfg.close_timeout)) {
    end_by_deadline("close", cfg.close_timeout, end_reason_);
  } else if (cfg.response_timeout.count() > 0 && expire_requests(now)) {
    return true;
  }
  if (state_ == SessionState::closed || !transport_->is_open()) return true;
  if (closing_) return false;
  if (is_bound(state_) && cfg.enquire_link_interval.count() > 0 && !enquire_link_in_flight_ &&
      now - last_pdu_at_ >= cfg.enquire_link_interval) {
    enquire_link({});
  }
  return false;
}

asio::awaitable<std::error_code> Session::Impl::keeper() {
  const auto period = keeper_period(core_->config);
  for (;;) {
    tick_.expires_after(period);
    auto [ec] = co_await tick_.async_wait(use_nothrow_awaitable);
    if (ec) co_return errc::cancelled;
    if (check_deadlines(Clock::now())) co_return end_reason_;
  }
}

asio::awaitable<void> Session::Impl::run() {
  std::error_code ec;
  AIOSMPP_LOG(logger_, LogLevel::debug, "session_started", {"remote", transport_->remote_address()},
              {"state", to_string(state_)});
  try {
    using namespace aiosmpp::detail::awaitable_operators;
    auto result = co_await (reader() || writer() || keeper());
    ec = std::visit([](std::error_code e) { return e; }, result);
  } catch (const std::exception& e) {
    ++core_->stats.sessions_failed;
    AIOSMPP_LOG(logger_, LogLevel::error, "session_failed", {"error", e.what()});
    ec = errc::stopped;
  }
  if (end_reason_) ec = end_reason_;
  state_ = SessionState::closed;
  closing_ = true;
  transport_->close();
  wake_.cancel();
  drained_.cancel();
  tick_.cancel();
  pause_.cancel();
  if (counted_bound_) {
    counted_bound_ = false;
    --core_->bound;
  }
  // Handlers run here (the simulator re-queues receipts); one that throws must not leave the
  // others uncalled or escape the session.
  auto flights = std::move(in_flight_);
  in_flight_.clear();
  auto waiting = std::move(backlog_);
  backlog_.clear();
  auto notify = [this](ResponseHandler& h) {
    if (!h) return;
    try {
      h(errc::connection_closed, nullptr);
    } catch (const std::exception& e) {
      AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
    }
  };
  for (auto& [seq, f] : flights)
    notify(f.handler);
  for (auto& w : waiting)
    notify(w.handler);
  AIOSMPP_LOG(logger_, LogLevel::info, "session_closed", {"reason", ec.message()},
              {"system_id", system_id_});
  if (core_->handlers.on_closed) {
    try {
      core_->handlers.on_closed(self_, ec);
    } catch (const std::exception& e) {
      AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
    }
  }
}

// ---- Session: the public face ----------------------------------------------------------------

Session::Session(std::shared_ptr<detail::ServerCore> core, std::unique_ptr<Transport> transport,
                 const asio::ip::tcp::endpoint& remote, SessionState initial, std::uint64_t id)
    : impl_(std::make_unique<Impl>(*this, std::move(core), std::move(transport), remote, initial,
                                   id)) {}

Session::~Session() = default;

std::uint64_t Session::id() const noexcept {
  return impl_->id_;
}
SessionState Session::state() const noexcept {
  return impl_->state_;
}
BindType Session::bind_type() const noexcept {
  return impl_->bind_type_;
}
const std::string& Session::system_id() const noexcept {
  return impl_->system_id_;
}
const asio::ip::tcp::endpoint& Session::remote_endpoint() const noexcept {
  return impl_->remote_;
}
InterfaceVersion Session::interface_version() const noexcept {
  return impl_->version_;
}
void Session::set_congestion_state(std::optional<std::uint8_t> value) noexcept {
  if (value && *value > 100) value = 100;
  impl_->congestion_ = value;
}
bool Session::can_receive() const noexcept {
  return impl_->state_ == SessionState::bound_rx || impl_->state_ == SessionState::bound_trx;
}
Session::Clock::time_point Session::last_read_time() const noexcept {
  return impl_->batch_now_;
}
std::error_code Session::respond(const Pdu& response) {
  return impl_->respond(response);
}
std::error_code Session::send(const DeliverSm& request, ResponseHandler on_response) {
  return impl_->send(request, std::move(on_response), true);
}
std::error_code Session::send(const DeliverSmView& request, ResponseHandler on_response) {
  return impl_->send(request, std::move(on_response), true);
}
std::error_code Session::send(const DataSm& request, ResponseHandler on_response) {
  return impl_->send(request, std::move(on_response), true);
}
std::error_code Session::send(const AlertNotification& request) {
  return impl_->send(request, {}, false);
}
std::error_code Session::enquire_link(ResponseHandler on_response) {
  return impl_->enquire_link(std::move(on_response));
}
void Session::unbind() {
  impl_->unbind();
}
void Session::close() {
  impl_->close();
}
void Session::close_after_flush() {
  impl_->close_after_flush();
}
std::size_t Session::in_flight() const noexcept {
  return impl_->in_flight_.size();
}
std::size_t Session::backlog() const noexcept {
  return impl_->backlog_.size();
}
std::size_t Session::pending_requests() const noexcept {
  return impl_->pending_requests_;
}
void Session::set_context(std::shared_ptr<void> context) {
  impl_->context_ = std::move(context);
}
void* Session::context() const noexcept {
  return impl_->context_.get();
}
asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  co_await impl_->run();
}
void Session::queue_initial(const Pdu& pdu) {
  impl_->queue_initial(pdu);
}

}  // namespace aiosmpp::smsc
