#include "aiosmpp/smsc/server.hpp"

#include <exception>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/net/transport.hpp"
#include "smsc/server_core.hpp"

namespace aiosmpp::smsc {

using aiosmpp::detail::use_nothrow_awaitable;

namespace {

// Counts and logs (at a bounded rate) a connection closed on accept.
void note_refused(detail::ServerCore& core, std::string_view reason, std::size_t limit,
                  const asio::ip::tcp::endpoint& remote) {
  ++core.stats.connections_refused;
  // A flood of connections is refused at full speed, but logged at a bounded rate.
  if (core.refused_log.take(aiosmpp::detail::LogBudget::Clock::now())) {
    AIOSMPP_LOG(core.config.logger, LogLevel::warning, "connection_refused", {"reason", reason},
                {"limit", limit}, {"remote", remote.address().to_string()},
                {"suppressed", core.refused_log.take_pending()});
  }
}

std::size_t count_at(const std::unordered_map<asio::ip::address, std::size_t>& counts,
                     const asio::ip::address& address) {
  auto it = counts.find(address);
  return it == counts.end() ? 0 : it->second;
}

// A TLS handshake in progress, counted toward max_connections_per_address until it ends.
struct HandshakeSlot {
  HandshakeSlot(std::shared_ptr<detail::ServerCore> c, asio::ip::address a)
      : core(std::move(c)), address(a) {
    ++core->handshaking[address];
  }
  ~HandshakeSlot() {
    auto it = core->handshaking.find(address);
    if (it != core->handshaking.end() && --it->second == 0) core->handshaking.erase(it);
  }
  HandshakeSlot(const HandshakeSlot&) = delete;
  HandshakeSlot& operator=(const HandshakeSlot&) = delete;
  std::shared_ptr<detail::ServerCore> core;
  asio::ip::address address;
};

std::shared_ptr<void> admit_handshake(const std::shared_ptr<detail::ServerCore>& core,
                                      const asio::ip::tcp::endpoint& remote) {
  const auto& cfg = core->config;
  const auto address = remote.address();
  // One address must not hold every handshake slot (tls.max_handshakes) either.
  if (cfg.max_connections_per_address != 0 && !address.is_unspecified() &&
      count_at(core->per_address, address) + count_at(core->handshaking, address) >=
          cfg.max_connections_per_address) {
    note_refused(*core, "max_connections_per_address", cfg.max_connections_per_address, remote);
    return nullptr;
  }
  return std::make_shared<HandshakeSlot>(core, address);
}

}  // namespace

Server::Server(asio::any_io_executor executor, ServerConfig config, Handlers handlers)
    : core_(
          std::make_shared<detail::ServerCore>(executor, std::move(config), std::move(handlers))) {
  if (core_->config.system_id.size() > 15) {
    throw std::invalid_argument(
        "ServerConfig::system_id: " + std::to_string(core_->config.system_id.size()) +
        " characters, limit 15");
  }
  if (core_->config.interface_version != InterfaceVersion::smpp_3_4 &&
      core_->config.interface_version != InterfaceVersion::smpp_5_0) {
    throw std::invalid_argument("ServerConfig::interface_version: must be 0x34 or 0x50");
  }
  if (core_->config.window == 0) {
    throw std::invalid_argument("ServerConfig::window: 0, must be at least 1");
  }
  if (core_->config.max_write_buffer < core_->config.write_high_water) {
    throw std::invalid_argument(
        "ServerConfig::max_write_buffer: " + std::to_string(core_->config.max_write_buffer) +
        ", must be at least write_high_water (" + std::to_string(core_->config.write_high_water) +
        ")");
  }
}

Server::~Server() {
  std::error_code ignored;
  core_->acceptor.close(ignored);
  // A stopped port hands over no more connections, so its handler never sees a dead Server.
  for (auto& port : core_->tls_ports)
    port->stop();
  // Sessions still running hold the core; close them so none outlives its io_context's work.
  for (auto& [id, s] : core_->sessions)
    s->close();
}

asio::ip::tcp::endpoint Server::listen(const asio::ip::tcp::endpoint& endpoint) {
  auto& a = core_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  a.bind(endpoint);
  a.listen(asio::socket_base::max_listen_connections);
  auto at = a.local_endpoint();
  AIOSMPP_LOG(core_->config.logger, LogLevel::info, "listening",
              {"address", at.address().to_string()}, {"port", at.port()});
  return at;
}

asio::ip::tcp::endpoint Server::listen_tls(const asio::ip::tcp::endpoint& endpoint,
                                           const TlsServerConfig& tls) {
  // One setting bounds every warning of the server (the simulator's --max-warnings-per-second).
  auto settings = tls;
  settings.max_warnings_per_second = core_->config.max_warnings_per_second;
  auto port = std::make_unique<TlsListener>(
      core_->executor, settings,
      [this](std::unique_ptr<Transport> transport, const asio::ip::tcp::endpoint& remote) {
        serve(std::move(transport), remote);
      },
      core_->config.logger);
  port->set_admission([weak = std::weak_ptr<detail::ServerCore>(core_)](
                          const asio::ip::tcp::endpoint& remote) -> std::shared_ptr<void> {
    auto core = weak.lock();
    return core ? admit_handshake(core, remote) : nullptr;
  });
  const auto at = port->listen(endpoint);
  // Accepting starts now (like serve(), without waiting for run()); run() waits for it to end.
  auto core = core_;
  ++core->tls_running;
  asio::co_spawn(core->executor, port->run(), [core](std::exception_ptr) {
    --core->tls_running;
    core->sessions_changed.cancel();
  });
  core->tls_ports.push_back(std::move(port));
  return at;
}

std::shared_ptr<Session> Server::start_session(std::unique_ptr<Transport> transport,
                                               const asio::ip::tcp::endpoint& remote,
                                               SessionState initial, const Pdu* first) {
  const auto id = core_->next_id++;
  std::shared_ptr<Session> session(new Session(core_, std::move(transport), remote, initial, id));
  if (first != nullptr) session->queue_initial(*first);
  core_->sessions.emplace(id, session);
  // Only accepted connections count per address (an outbind is ours, a pipe has none).
  const bool counted = initial == SessionState::open && !remote.address().is_unspecified();
  if (counted) ++core_->per_address[remote.address()];
  auto core = core_;
  auto address = remote.address();
  asio::co_spawn(core_->executor, session->run(),
                 [core, id, counted, address](std::exception_ptr e) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       ++core->stats.sessions_failed;
                       AIOSMPP_LOG(core->config.logger, LogLevel::error, "session_failed",
                                   {"error", ex.what()});
                     }
                   }
                   if (counted) {
                     auto it = core->per_address.find(address);
                     if (it != core->per_address.end() && --it->second == 0)
                       core->per_address.erase(it);
                   }
                   core->sessions.erase(id);
                   core->sessions_changed.cancel();
                 });
  return session;
}

std::shared_ptr<Session> Server::serve(std::unique_ptr<Transport> transport,
                                       const asio::ip::tcp::endpoint& remote) {
  if (core_->stopping) {
    transport->close();
    return nullptr;
  }
  ++core_->stats.connections_accepted;
  auto refuse = [&](std::string_view reason, std::size_t limit) {
    note_refused(*core_, reason, limit, remote);
    transport->close();
    return nullptr;
  };
  const auto& cfg = core_->config;
  if (core_->sessions.size() >= cfg.max_connections) {
    return refuse("max_connections", cfg.max_connections);
  }
  // TLS handshakes from the address count too (a connection that completed its handshake
  // stopped counting there before it is served here).
  if (cfg.max_connections_per_address != 0 && !remote.address().is_unspecified() &&
      count_at(core_->per_address, remote.address()) +
              count_at(core_->handshaking, remote.address()) >=
          cfg.max_connections_per_address) {
    return refuse("max_connections_per_address", cfg.max_connections_per_address);
  }
  return start_session(std::move(transport), remote, SessionState::open);
}

asio::awaitable<void> Server::run() {
  auto core = core_;
  // Cancelled from outside: the hard path, every session closed at once.
  auto hard_stop = [&core] {
    core->stopping = true;
    std::error_code ignored;
    core->acceptor.close(ignored);
    for (auto& port : core->tls_ports)
      port->stop();
    for (auto& [id, s] : core->sessions)
      s->close();
  };
  auto cancelled = [](asio::cancellation_state cs) {
    return cs.cancelled() != asio::cancellation_type::none;
  };
  while (core->acceptor.is_open() && !core->stopping) {
    auto [ec, socket] = co_await core->acceptor.async_accept(use_nothrow_awaitable);
    if (cancelled(co_await asio::this_coro::cancellation_state)) {
      hard_stop();
      co_return;
    }
    if (ec) {
      if (core->stopping || ec == asio::error::operation_aborted ||
          ec == asio::error::bad_descriptor || !core->acceptor.is_open()) {
        break;
      }
      AIOSMPP_LOG(core->config.logger, LogLevel::error, "accept_failed", {"error", ec.message()});
      // Out of descriptors and similar: back off instead of spinning.
      asio::steady_timer pause(core->executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_nothrow_awaitable);
      continue;
    }
    std::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    serve(std::make_unique<TcpTransport>(std::move(socket)), remote);
  }
  // Without a listening socket (sessions come from serve() only) run until stop().
  while (!core->stopping) {
    core->sessions_changed.expires_at(asio::steady_timer::time_point::max());
    co_await core->sessions_changed.async_wait(use_nothrow_awaitable);
    if (cancelled(co_await asio::this_coro::cancellation_state)) {
      hard_stop();
      co_return;
    }
  }
  // Graceful: each session ends by its own deadlines (unbind_timeout, close_timeout); the
  // shutdown deadline bounds the whole, whatever a peer does.
  const auto limit = core->config.shutdown_timeout;
  const auto deadline =
      limit.count() > 0 ? core->stop_time + limit : asio::steady_timer::time_point::max();
  bool forced = false;
  while (!core->sessions.empty() || core->tls_running > 0) {
    core->sessions_changed.expires_at(forced ? asio::steady_timer::time_point::max() : deadline);
    auto [ec] = co_await core->sessions_changed.async_wait(use_nothrow_awaitable);
    if (cancelled(co_await asio::this_coro::cancellation_state)) {
      hard_stop();
      co_return;
    }
    if (!ec && !forced) {
      forced = true;
      core->stats.shutdown_closes += core->sessions.size();
      AIOSMPP_LOG(core->config.logger, LogLevel::warning, "shutdown_timeout",
                  {"timeout_ms", limit.count()}, {"sessions", core->sessions.size()});
      for (auto& [id, s] : core->sessions)
        s->close();
    }
  }
  AIOSMPP_LOG(core->config.logger, LogLevel::info, "stopped");
}

void Server::stop() {
  if (core_->stopping) return;
  core_->stopping = true;
  core_->stop_time = asio::steady_timer::clock_type::now();
  std::error_code ignored;
  core_->acceptor.close(ignored);
  for (auto& port : core_->tls_ports)
    port->stop();  // and its handshakes in progress
  // Copy: unbind() may end a session synchronously-later, but never erases from the map here.
  std::vector<std::shared_ptr<Session>> all;
  all.reserve(core_->sessions.size());
  for (auto& [id, s] : core_->sessions)
    all.push_back(s);
  for (auto& s : all)
    s->unbind();  // unbound ones end once their output is written (close_after_flush)
  core_->sessions_changed.cancel();
}

asio::awaitable<std::shared_ptr<Session>> Server::outbind(OutbindRequest request) {
  asio::ip::tcp::socket socket(core_->executor);
  co_await socket.async_connect(request.endpoint, asio::use_awaitable);
  Outbind pdu;
  pdu.system_id = request.system_id.empty() ? core_->config.system_id : request.system_id;
  pdu.password = request.password;
  Pdu first{std::move(pdu)};
  co_return start_session(std::make_unique<TcpTransport>(std::move(socket)), request.endpoint,
                          SessionState::outbound, &first);
}

std::vector<std::shared_ptr<Session>> Server::sessions() const {
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(core_->sessions.size());
  for (const auto& [id, s] : core_->sessions)
    out.push_back(s);
  return out;
}

std::size_t Server::session_count() const noexcept {
  return core_->sessions.size();
}
std::size_t Server::bound_count() const noexcept {
  return core_->bound;
}
const ServerStats& Server::stats() const noexcept {
  // The TLS ports count the warnings they leave out; the total is brought up to date here.
  auto& s = core_->stats;
  s.log_suppressed = core_->refused_log.suppressed_total() + core_->timeout_log.suppressed_total();
  for (const auto& port : core_->tls_ports)
    s.log_suppressed += port->stats().log_suppressed;
  return s;
}
TlsListenerStats Server::tls_stats() const noexcept {
  TlsListenerStats sum;
  for (const auto& port : core_->tls_ports) {
    const auto& s = port->stats();
    sum.accepted += s.accepted;
    sum.established += s.established;
    sum.failed += s.failed;
    sum.timed_out += s.timed_out;
    sum.refused += s.refused;
    sum.log_suppressed += s.log_suppressed;
  }
  return sum;
}
const ServerConfig& Server::config() const noexcept {
  return core_->config;
}
asio::any_io_executor Server::get_executor() const noexcept {
  return core_->executor;
}

}  // namespace aiosmpp::smsc
