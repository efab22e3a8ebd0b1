// TlsListener: the accept loop of a TLS port. Each connection's handshake runs in a coroutine of
// its own, raced with handshake_timeout and with stop(); at most max_handshakes at once. No
// OpenSSL here: the handshake is TlsContext's, so this builds (and refuses to start) without it.
// Its warnings are per connection, so a client can cause them at will: each kind is bounded by
// max_warnings_per_second (LogBudget), like the server's own.

#include "aiosmpp/tls/listener.hpp"

#include <exception>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/tls/transport.hpp"
#include "core/log_budget.hpp"

namespace aiosmpp {

using asio::ip::tcp;
using detail::use_nothrow_awaitable;

namespace detail {

struct TlsListenerState {
  TlsListenerState(asio::any_io_executor ex, const TlsServerConfig& cfg, TlsListener::Handler h,
                   Logger logger)
      : executor(std::move(ex)),
        config(cfg),
        context(TlsContext::server(cfg)),
        handler(std::move(h)),
        log(std::move(logger)),
        acceptor(executor),
        stop_cv(executor),
        changed(executor),
        failed_log(cfg.max_warnings_per_second),
        timeout_log(cfg.max_warnings_per_second),
        refused_log(cfg.max_warnings_per_second) {
    stop_cv.expires_at(asio::steady_timer::time_point::max());
  }

  asio::any_io_executor executor;
  TlsServerConfig config;
  std::shared_ptr<const TlsContext> context;
  TlsListener::Handler handler;
  TlsListener::Admit admit;  // empty: every connection may start its handshake
  Logger log;
  tcp::acceptor acceptor;
  asio::steady_timer stop_cv;  // never expires; stop() cancels it, ending every handshake
  asio::steady_timer changed;  // cancelled when a handshake ends, for run()'s last wait
  std::size_t in_progress = 0;
  bool stopping = false;
  TlsListenerStats stats;
  LogBudget failed_log;   // tls_handshake_failed
  LogBudget timeout_log;  // tls_handshake_timeout
  LogBudget refused_log;  // tls_refused
};

}  // namespace detail

namespace {

std::string address_of(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

asio::awaitable<void> handshake_one(std::shared_ptr<detail::TlsListenerState> s, tcp::socket socket,
                                    std::shared_ptr<void> admission) {
  using namespace detail::awaitable_operators;
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  asio::steady_timer timer(s->executor, s->config.handshake_timeout);
  auto r = co_await (s->context->handshake(std::move(socket)) ||
                     timer.async_wait(use_nothrow_awaitable) ||
                     s->stop_cv.async_wait(use_nothrow_awaitable));
  if (r.index() == 0) {
    auto& h = std::get<0>(r);
    if (!h.error) {
      admission.reset();  // the handler counts the connection from here on
      ++s->stats.established;
      AIOSMPP_LOG(s->log, LogLevel::debug, "tls_established", {"remote", address_of(remote)},
                  {"protocol", h.protocol}, {"cipher", h.cipher}, {"peer", h.peer_subject});
      if (!s->stopping) s->handler(std::move(h.transport), remote);
      co_return;
    }
    ++s->stats.failed;
    if (s->failed_log.take(detail::LogBudget::Clock::now())) {
      AIOSMPP_LOG(s->log, LogLevel::warning, "tls_handshake_failed", {"remote", address_of(remote)},
                  {"error", h.error.message()}, {"detail", h.detail},
                  {"suppressed", s->failed_log.take_pending()});
    }
  } else if (r.index() == 1) {
    ++s->stats.timed_out;
    if (s->timeout_log.take(detail::LogBudget::Clock::now())) {
      AIOSMPP_LOG(s->log, LogLevel::warning, "tls_handshake_timeout",
                  {"remote", address_of(remote)},
                  {"timeout_ms", s->config.handshake_timeout.count()},
                  {"suppressed", s->timeout_log.take_pending()});
    }
  }
}

void start_handshake(const std::shared_ptr<detail::TlsListenerState>& s, tcp::socket socket) {
  ++s->stats.accepted;
  if (s->in_progress >= s->config.max_handshakes) {
    ++s->stats.refused;
    std::error_code ignored;
    if (s->refused_log.take(detail::LogBudget::Clock::now())) {
      AIOSMPP_LOG(s->log, LogLevel::warning, "tls_refused", {"reason", "max_handshakes"},
                  {"limit", s->config.max_handshakes},
                  {"remote", address_of(socket.remote_endpoint(ignored))},
                  {"suppressed", s->refused_log.take_pending()});
    }
    socket.close(ignored);
    return;
  }
  std::shared_ptr<void> admission;
  if (s->admit) {
    std::error_code ignored;
    admission = s->admit(socket.remote_endpoint(ignored));
    if (!admission) {  // the owner logged and counted why
      ++s->stats.refused;
      socket.close(ignored);
      return;
    }
  }
  ++s->in_progress;
  asio::co_spawn(
      s->executor, handshake_one(s, std::move(socket), std::move(admission)),
      [s](std::exception_ptr e) {
        --s->in_progress;
        s->changed.cancel();
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          // The handler threw: that connection is lost, the port goes on.
          AIOSMPP_LOG(s->log, LogLevel::error, "tls_connection_failed", {"error", ex.what()});
        }
      });
}

}  // namespace

TlsListener::TlsListener(asio::any_io_executor executor, const TlsServerConfig& config,
                         Handler handler, Logger logger) {
  if (auto p = find_problem(config)) throw TlsSetupError(p->field, p->message);
  state_ = std::make_shared<detail::TlsListenerState>(std::move(executor), config,
                                                      std::move(handler), std::move(logger));
}

TlsListener::~TlsListener() {
  // Handshakes still running hold the state; they end with the io_context's work.
  std::error_code ignored;
  state_->acceptor.close(ignored);
  state_->stopping = true;
  state_->stop_cv.cancel();
}

void TlsListener::set_admission(Admit admit) {
  state_->admit = std::move(admit);
}

tcp::endpoint TlsListener::listen(const tcp::endpoint& endpoint) {
  auto& a = state_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(endpoint);
  a.listen(asio::socket_base::max_listen_connections);
  const auto at = a.local_endpoint();
  AIOSMPP_LOG(state_->log, LogLevel::info, "tls_listening", {"address", at.address().to_string()},
              {"port", at.port()}, {"min_version", to_string(state_->config.min_version)},
              {"client_certificates",
               state_->config.client_ca_file.empty()
                   ? "no"
                   : (state_->config.require_client_cert ? "required" : "optional")});
  return at;
}

asio::awaitable<void> TlsListener::run() {
  auto s = state_;
  // Cancellation is stop(): checked after each wait instead of thrown, so the handshakes in
  // progress are still waited for.
  co_await asio::this_coro::throw_if_cancelled(false);
  while (s->acceptor.is_open() && !s->stopping) {
    auto [ec, socket] = co_await s->acceptor.async_accept(use_nothrow_awaitable);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      stop();
      break;
    }
    if (ec) {
      if (s->stopping || ec == asio::error::operation_aborted ||
          ec == asio::error::bad_descriptor || !s->acceptor.is_open()) {
        break;
      }
      AIOSMPP_LOG(s->log, LogLevel::error, "tls_accept_failed", {"error", ec.message()});
      // Out of descriptors and similar: back off instead of spinning.
      asio::steady_timer pause(s->executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_nothrow_awaitable);
      continue;
    }
    start_handshake(s, std::move(socket));
  }
  // stop() cancelled the handshakes in progress; each ends at its next step.
  while (s->in_progress > 0) {
    s->changed.expires_at(asio::steady_timer::time_point::max());
    co_await s->changed.async_wait(use_nothrow_awaitable);
  }
}

void TlsListener::stop() {
  if (state_->stopping) return;
  state_->stopping = true;
  std::error_code ignored;
  state_->acceptor.close(ignored);
  state_->stop_cv.cancel();
}

const TlsListenerStats& TlsListener::stats() const noexcept {
  // The budgets count what they left out; the total is brought up to date here.
  auto& s = *state_;
  s.stats.log_suppressed = s.failed_log.suppressed_total() + s.timeout_log.suppressed_total() +
                           s.refused_log.suppressed_total();
  return s.stats;
}

}  // namespace aiosmpp
