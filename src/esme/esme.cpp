// Esme: the public API, connecting and binding, and the run loop (connect, bind, run a session,
// report what it left in flight, back off, reconnect). One session's coroutines are in
// esme_session.cpp; every protocol decision is the SessionMachine's (session_machine.hpp).

#include "aiosmpp/esme/esme.hpp"

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/metrics.hpp"
#include "esme/esme_impl.hpp"

namespace aiosmpp {

std::string_view to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::closed:
      return "closed";
    case SessionState::connecting:
      return "connecting";
    case SessionState::bound:
      return "bound";
    case SessionState::unbinding:
      return "unbinding";
  }
  return "unknown";
}

namespace {

using detail::Phase;
using detail::use_nothrow_awaitable;

Logger make_logger(const EsmeConfig& cfg, const std::shared_ptr<Logger>& given,
                   const std::string& client_id) {
  LogMetadata meta = given ? given->metadata() : LogMetadata{};
  meta.set({"client_id", client_id});
  meta.set({"smsc_host", cfg.smsc_host});
  meta.set({"system_id", cfg.system_id});
  for (const auto& f : cfg.log_metadata.fields())
    meta.set(f);
  if (given) {
    if (!given->sink()) return Logger{};
    return Logger(given->sink(), given->level(), std::move(meta));
  }
  return Logger(std::make_shared<JsonLinesSink>(stderr), cfg.log_level, std::move(meta));
}

const EsmeConfig& validated(const EsmeConfig& config) {
  validate(config);
  return config;
}

std::string client_id_of(const EsmeConfig& cfg) {
  return cfg.client_id.empty()
             ? fmt::format("{}@{}:{}", cfg.system_id, cfg.smsc_host, cfg.smsc_port)
             : cfg.client_id;
}

template <class T, class Default>
std::shared_ptr<T> or_default(std::shared_ptr<T> given, Default make) {
  return given ? std::move(given) : make();
}

// Loads the TLS settings (CA, client certificate) once; OpenSSL refusing a file is a ConfigError.
std::shared_ptr<const TlsContext> tls_context_of(const EsmeConfig& cfg) {
  if (!cfg.tls.enabled) return nullptr;
  try {
    return TlsContext::client(cfg.tls);
  } catch (const TlsSetupError& e) {
    throw ConfigError("tls." + e.field(), e.reason());
  }
}

}  // namespace

Esme::Impl::Impl(asio::any_io_executor executor, EsmeConfig config, Components c)
    : ex_(std::move(executor)),
      cfg_(validated(config)),
      client_id_(client_id_of(cfg_)),
      log_(make_logger(cfg_, c.logger, client_id_)),
      broker_(or_default<Broker>(std::move(c.broker),
                                 [&] { return std::make_shared<SimpleBroker>(ex_); })),
      correlator_(or_default<Correlator>(std::move(c.correlator),
                                         [] { return std::make_shared<SimpleCorrelator>(); })),
      hook_(
          or_default<Hook>(std::move(c.hook), [&] { return std::make_shared<SimpleHook>(log_); })),
      rate_limiter_(std::move(c.rate_limiter)),
      throttle_(std::move(c.throttle_handler)),
      flow_(c.flow_control              ? std::move(c.flow_control)
            : cfg_.flow_control.enabled ? std::make_shared<FlowControl>(cfg_.flow_control, log_)
                                        : nullptr),
      requeue_(or_default<RequeuePolicy>(
          std::move(c.requeue_policy),
          [&] { return std::make_shared<SimpleRequeuePolicy>(cfg_.requeue); })),
      retry_(or_default<RetryTimer>(std::move(c.retry_timer),
                                    [] { return std::make_shared<ExponentialBackoff>(); })),
      sequence_(or_default<SequenceGenerator>(
          std::move(c.sequence_generator),
          [] { return std::make_shared<SimpleSequenceGenerator>(); })),
      codecs_(std::move(c.codecs)),
      machine_(cfg_, detail::SessionMachine::Parts{*sequence_, throttle_.get(), flow_.get(),
                                                   requeue_.get(), log_, codecs_.get()}),
      tls_(tls_context_of(cfg_)),
      writer_cv_(ex_),
      pump_cv_(ex_),
      ticker_(ex_),
      stop_cv_(ex_),
      done_cv_(ex_),
      correlator_cv_(ex_),
      merger_(cfg_.merge_receipts_limit) {
  batch_.reserve(512);
  outcome_before_reuse_ = broker_->outcome_before_reuse();
  done_cv_.expires_at(Clock::time_point::max());
  stop_cv_.expires_at(Clock::time_point::max());
}

SessionState Esme::Impl::session_state() const noexcept {
  if (connecting_) return SessionState::connecting;
  switch (machine_.phase()) {
    case Phase::binding:
      return SessionState::connecting;
    case Phase::bound:
      return SessionState::bound;
    case Phase::draining:
    case Phase::unbinding:
      return SessionState::unbinding;
    default:
      return SessionState::closed;
  }
}

void Esme::Impl::close_transport() noexcept {
  if (transport_) transport_->close();
}

// ---------------------------------------------------------------------------------------------
// Connect and bind: each step raced with socket_timeout and with stop().

asio::awaitable<std::error_code> Esme::Impl::bind_exchange() {
  for (;;) {
    while (machine_.has_output()) {
      auto [ec, n] = co_await transport_->write(machine_.take_output());
      machine_.on_written(n);
      machine_.write_done();
      if (ec) co_return ec;
    }
    if (machine_.phase() != Phase::binding && machine_.phase() != Phase::outbound) {
      co_return machine_.error();
    }
    auto [ec, n] = co_await transport_->read_some(machine_.read_buffer());
    if (ec) co_return ec;
    const auto now = Clock::now();
    machine_.on_read(n, now);
    machine_.process(now, end_events_);  // events only for a hook that wants session PDUs
    co_await deliver(end_events_);
  }
}

// The byte stream to the SMSC (or, for outbind, from it: accept_outbind): the TCP connect
// (bounded by socket_timeout), then, with TLS, the handshake (bounded by tls.handshake_timeout);
// each raced with stop(). A failure's reason beyond its code (OpenSSL's) is left in
// connect_detail_. transport_ is set on success.
asio::awaitable<std::error_code> Esme::Impl::open_transport(asio::steady_timer& timer) {
  using namespace detail::awaitable_operators;
  if (cfg_.outbind.enabled) co_return co_await accept_outbind();
  AIOSMPP_LOG(log_, LogLevel::info, "connecting", {"port", cfg_.smsc_port},
              {"bind_mode", to_string(cfg_.bind_mode)}, {"tls", cfg_.tls.enabled});
  timer.expires_after(cfg_.socket_timeout);
  auto c = co_await (tcp_connect(ex_, cfg_.smsc_host, cfg_.smsc_port) ||
                     timer.async_wait(use_nothrow_awaitable) ||
                     stop_cv_.async_wait(use_nothrow_awaitable));
  if (c.index() != 0) {
    co_return c.index() == 1 ? std::error_code(asio::error::timed_out) : errc::stopped;
  }
  auto& [ec, socket] = std::get<0>(c);
  if (ec) co_return ec;
  if (!tls_) {
    transport_ = std::make_unique<TcpTransport>(std::move(socket));
    co_return std::error_code{};
  }
  const auto& name = cfg_.tls.server_name.empty() ? cfg_.smsc_host : cfg_.tls.server_name;
  timer.expires_after(cfg_.tls.handshake_timeout);
  auto h = co_await (tls_->handshake(std::move(socket), name) ||
                     timer.async_wait(use_nothrow_awaitable) ||
                     stop_cv_.async_wait(use_nothrow_awaitable));
  if (h.index() == 1) {
    connect_detail_ = fmt::format("no TLS handshake within {} ms (tls.handshake_timeout)",
                                  cfg_.tls.handshake_timeout.count());
    co_return errc::tls_handshake_failed;
  }
  if (h.index() == 2) co_return errc::stopped;
  auto& r = std::get<0>(h);
  if (r.error) {
    connect_detail_ = std::move(r.detail);
    co_return r.error;
  }
  AIOSMPP_LOG(log_, LogLevel::debug, "tls_established", {"protocol", r.protocol},
              {"cipher", r.cipher}, {"peer", r.peer_subject});
  transport_ = std::move(r.transport);
  co_return std::error_code{};
}

asio::awaitable<std::error_code> Esme::Impl::accept_outbind() {
  using namespace detail::awaitable_operators;
  if (!acceptor_) {
    std::error_code ec;
    const auto address = asio::ip::make_address(cfg_.outbind.listen_host, ec);
    if (ec) co_return ec;
    asio::ip::tcp::acceptor acceptor(ex_);
    const asio::ip::tcp::endpoint endpoint(address, cfg_.outbind.listen_port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) co_return ec;
    acceptor_.emplace(std::move(acceptor));
  }
  AIOSMPP_LOG(log_, LogLevel::info, "awaiting_outbind", {"host", cfg_.outbind.listen_host},
              {"port", cfg_.outbind.listen_port});
  auto a = co_await (acceptor_->async_accept(use_nothrow_awaitable) ||
                     stop_cv_.async_wait(use_nothrow_awaitable));
  if (a.index() != 0) co_return errc::stopped;
  auto& [ec, socket] = std::get<0>(a);
  if (!ec) transport_ = std::make_unique<TcpTransport>(std::move(socket));
  co_return ec;
}

asio::awaitable<std::error_code> Esme::Impl::connect_and_bind() {
  using namespace detail::awaitable_operators;
  if (machine_.phase() == Phase::bound) co_return std::error_code{};
  connecting_ = true;
  close_transport();
  connect_detail_.clear();
  asio::steady_timer timer(ex_);
  std::error_code ec = co_await open_transport(timer);
  connecting_ = false;
  if (!ec) {
    interests_ = hook_->interests();
    if (cfg_.outbind.enabled) {
      machine_.begin_outbound(Clock::now(), interests_);
    } else {
      machine_.begin(Clock::now(), interests_);
    }
    timer.expires_after(cfg_.outbind.enabled ? 2 * cfg_.socket_timeout : cfg_.socket_timeout);
    auto b = co_await (bind_exchange() || timer.async_wait(use_nothrow_awaitable) ||
                       stop_cv_.async_wait(use_nothrow_awaitable));
    if (b.index() == 0) {
      ec = std::get<0>(b);
      if (!ec && machine_.phase() != Phase::bound) ec = machine_.error();
      // TLS 1.3: the SMSC refuses our certificate (or its absence) after our side of the
      // handshake is done, so its alert ends the bind; it is still a failed handshake.
      if (tls_ && is_tls_protocol_error(ec)) {
        connect_detail_ = ec.message();
        ec = errc::tls_handshake_failed;
      }
    } else {
      ec = b.index() == 1 ? std::error_code(errc::response_timeout) : errc::stopped;
    }
  }
  if (ec) {
    if (!connect_detail_.empty()) {
      AIOSMPP_LOG(log_, LogLevel::error, "connect_failed", {"error", ec.message()},
                  {"detail", connect_detail_});
    } else if (ec != errc::bind_failed) {
      AIOSMPP_LOG(log_, LogLevel::error, "connect_failed", {"error", ec.message()});
    }
    machine_.close_now(ec);
    co_await end_connection(ec);
    co_return ec;
  }
  co_return std::error_code{};
}

// The connection is over: close it, and every message it left without an outcome gets one.
asio::awaitable<void> Esme::Impl::end_connection(std::error_code ec) {
  close_transport();
  machine_.close_now(ec ? ec : std::error_code(errc::connection_closed));
  machine_.end(ec, end_events_);
  co_await deliver(end_events_);
}

// ---------------------------------------------------------------------------------------------
// start / stop.

asio::awaitable<void> Esme::Impl::start() {
  using namespace detail::awaitable_operators;
  if (running_) throw std::logic_error("Esme::start: already running");
  running_ = true;
  stopping_ = false;
  stop_cv_.expires_at(Clock::time_point::max());
  struct Running {
    Impl* self;
    ~Running() {
      self->running_ = false;
      self->close_transport();
      if (self->acceptor_) {
        std::error_code ignored;
        self->acceptor_->close(ignored);
        self->acceptor_.reset();
      }
      self->done_cv_.cancel();
    }
  } running{this};

  for (;;) {
    if (stopping_) break;
    std::error_code ec;
    std::exception_ptr hard_stop;
    try {
      ec = co_await connect_and_bind();
      if (!ec) {
        retry_->reset();
        ec = co_await run_session();
      }
    } catch (...) {
      hard_stop = std::current_exception();
    }
    // Cancelled from outside (the hard stop): the branches may have ended quietly with
    // operation_aborted rather than thrown, so ask the cancellation state too. Every message
    // still gets its outcome, with cancellation suspended so the hooks can run.
    const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (hard_stop || cancelled != asio::cancellation_type::none) {
      co_await asio::this_coro::throw_if_cancelled(false);
      co_await asio::this_coro::reset_cancellation_state();
      co_await end_connection(errc::cancelled);
      machine_.give_up_partials(Clock::now(), end_events_);
      machine_.give_up_requeued(end_events_);
      co_await deliver(end_events_);
      co_await give_up_receipts();
      fail_direct(errc::cancelled);
      if (hard_stop) std::rethrow_exception(hard_stop);
      throw std::system_error(asio::error::operation_aborted, "Esme::start cancelled");
    }
    co_await end_connection(ec);
    if (stopping_) break;
    if (machine_.bind_status() == CommandStatus::already_bound) {
      retry_->wait_at_least(cfg_.already_bound_delay);
    }
    const auto delay = retry_->next_delay();
    AIOSMPP_LOG(log_, LogLevel::info, "reconnecting",
                {"delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()},
                {"error", ec.message()});
    co_await (retry_->wait() || stop_cv_.async_wait(use_nothrow_awaitable));
  }
  // Nobody will complete them now: the parts of partial messages go to the hook as they are,
  // and messages waiting to be sent again end with the SMSC's last answer.
  machine_.give_up_partials(Clock::now(), end_events_);
  machine_.give_up_requeued(end_events_);
  co_await deliver(end_events_);
  co_await give_up_receipts();
  fail_direct(errc::stopped);
  AIOSMPP_LOG(log_, LogLevel::info, "stopped");
}

asio::awaitable<void> Esme::Impl::stop() {
  if (!running_) {
    if (machine_.phase() == Phase::bound) {
      // connect() without start(): unbind politely, without waiting for the answer.
      machine_.stop(Clock::now());
      while (machine_.has_output()) {
        auto [ec, n] = co_await transport_->write(machine_.take_output());
        machine_.on_written(n);
        machine_.write_done();
        if (ec) break;
      }
      co_await end_connection(errc::stopped);
    }
    co_return;
  }
  if (!stopping_) {
    AIOSMPP_LOG(log_, LogLevel::info, "stopping");
    stopping_ = true;
    stop_cv_.cancel();
    machine_.stop(Clock::now());
    kick();
  }
  // done_cv_ never expires by itself and is only cancelled when start() returns, so any number
  // of stop() callers can wait on it at once.
  while (running_) {
    co_await done_cv_.async_wait(use_nothrow_awaitable);
  }
}

// ---------------------------------------------------------------------------------------------

Esme::Esme(asio::any_io_executor executor, EsmeConfig config, Components components)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(config), std::move(components))) {
}

Esme::~Esme() = default;

asio::awaitable<void> Esme::connect() {
  if (impl_->machine_.phase() == Phase::bound) co_return;
  const auto ec = co_await impl_->connect_and_bind();
  if (!ec) co_return;
  if (ec == errc::bind_failed) {
    throw SmppError(bind_command(impl_->cfg_.bind_mode), impl_->machine_.bind_status());
  }
  if (!impl_->connect_detail_.empty()) {
    throw std::system_error(ec, "Esme::connect: " + impl_->connect_detail_);
  }
  throw std::system_error(ec, "Esme::connect");
}

asio::awaitable<void> Esme::start() {
  return impl_->start();
}
asio::awaitable<void> Esme::stop() {
  return impl_->stop();
}
Broker& Esme::broker() noexcept {
  return *impl_->broker_;
}
Correlator& Esme::correlator() noexcept {
  return *impl_->correlator_;
}
SessionState Esme::session_state() const noexcept {
  return impl_->session_state();
}
std::optional<InterfaceVersion> Esme::interface_version() const noexcept {
  return impl_->machine_.interface_version();
}

std::optional<std::uint8_t> Esme::congestion_state() const noexcept {
  return impl_->machine_.congestion_state();
}

const EsmeStats& Esme::stats() const noexcept {
  return impl_->machine_.stats();
}
EsmeMetrics Esme::metrics() const {
  EsmeMetrics m;
  m.stats = impl_->machine_.stats();
  impl_->machine_.metrics().snapshot(m);
  m.window = impl_->cfg_.window;
  m.requeued_waiting = impl_->machine_.requeued();
  if (impl_->flow_) m.flow_rate = impl_->flow_->rate();
  m.broker_depth = impl_->broker_->depth();
  return m;
}
std::string_view Esme::client_id() const noexcept {
  return impl_->client_id_;
}
const Logger& Esme::logger() const noexcept {
  return impl_->log_;
}

}  // namespace aiosmpp
