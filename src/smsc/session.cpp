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
      framer_(core_->config.max_pdu_size, 64 * 1024),
      id_(id),
      state_(initial),
      created_(Clock::now()),
      last_rx_(created_) {
  decode_options_.max_pdu_size = core_->config.max_pdu_size;
  out_.reserve(64 * 1024);
  writing_.reserve(64 * 1024);
}

void Session::Impl::wake_writer() noexcept {
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
  wake_writer();
  drained_.cancel();
}

void Session::Impl::close_after_flush() {
  if (!end_reason_) end_reason_ = errc::connection_closed;
  closing_ = true;
  flush_then_end_ = true;
  wake_writer();
  drained_.cancel();
}

asio::awaitable<std::error_code> Session::Impl::reader() {
  for (;;) {
    auto buf = framer_.prepare();
    if (buf.empty()) co_return errc::malformed_pdu;
    auto [ec, n] = co_await transport_->read_some(buf);
    if (ec) co_return ec;
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
      asio::steady_timer forever(transport_->get_executor(), asio::steady_timer::time_point::max());
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

asio::awaitable<std::error_code> Session::Impl::writer() {
  for (;;) {
    if (out_.empty()) {
      if (flush_then_end_) co_return end_reason_ ? end_reason_ : errc::connection_closed;
      co_await wake_.async_wait(use_nothrow_awaitable);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return errc::cancelled;
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

bool Session::Impl::check_deadlines(Clock::time_point now) {
  const auto& cfg = core_->config;
  if ((state_ == SessionState::open || state_ == SessionState::outbound) &&
      cfg.session_init_timeout.count() > 0 && now - created_ >= cfg.session_init_timeout) {
    AIOSMPP_LOG(logger_, LogLevel::info, "session_init_timeout",
                {"timeout_ms", cfg.session_init_timeout.count()});
    end_reason_ = errc::not_bound;
    close();
    return true;
  }
  if (cfg.inactivity_timeout.count() > 0 && now - last_rx_ >= cfg.inactivity_timeout) {
    AIOSMPP_LOG(logger_, LogLevel::info, "inactivity_timeout",
                {"timeout_ms", cfg.inactivity_timeout.count()});
    end_reason_ = errc::connection_closed;
    close();
    return true;
  }
  if (state_ == SessionState::unbinding && unbind_sent_ != Clock::time_point{} &&
      now - unbind_sent_ >= cfg.unbind_timeout) {
    close();
    return true;
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
        return true;
      }
    }
  }
  if (closing_) return false;
  if (is_bound(state_) && cfg.enquire_link_interval.count() > 0 && !enquire_link_in_flight_ &&
      now - last_rx_ >= cfg.enquire_link_interval) {
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

void Session::Impl::fail_all(std::error_code ec) {
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

asio::awaitable<void> Session::Impl::run() {
  std::error_code ec;
  AIOSMPP_LOG(logger_, LogLevel::debug, "session_started", {"remote", transport_->remote_address()},
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
  transport_->close();
  wake_.cancel();
  drained_.cancel();
  tick_.cancel();
  if (counted_bound_) {
    counted_bound_ = false;
    --core_->bound;
  }
  try {
    fail_all(errc::connection_closed);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(logger_, LogLevel::error, "handler_failed", {"error", e.what()});
  }
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
bool Session::can_receive() const noexcept {
  return impl_->state_ == SessionState::bound_rx || impl_->state_ == SessionState::bound_trx;
}
Session::Clock::time_point Session::last_read_time() const noexcept {
  return impl_->last_rx_;
}
std::error_code Session::respond(const Pdu& response) {
  return impl_->respond(response);
}
std::error_code Session::send(const DeliverSm& request, ResponseHandler on_response) {
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
