#pragma once

// State shared by a Server and its sessions, so that a session finishing after a handler kept it
// alive never touches a destroyed Server.

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/smsc/server.hpp"
#include "aiosmpp/tls/listener.hpp"
#include "core/log_budget.hpp"

namespace aiosmpp::smsc::detail {

using aiosmpp::detail::LogBudget;

struct ServerCore {
  ServerCore(asio::any_io_executor ex, ServerConfig cfg, Handlers h)
      : executor(ex),
        config(std::move(cfg)),
        handlers(std::move(h)),
        acceptor(ex),
        sessions_changed(ex, asio::steady_timer::time_point::max()),
        refused_log(config.max_warnings_per_second),
        timeout_log(config.max_warnings_per_second) {}

  asio::any_io_executor executor;
  ServerConfig config;
  Handlers handlers;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer sessions_changed;  // cancelled whenever a session ends
  LogBudget refused_log;                // connection_refused warnings
  LogBudget timeout_log;                // response_timeout warnings, over all sessions
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> sessions;
  std::unordered_map<asio::ip::address, std::size_t> per_address;  // accepted connections
  std::unordered_map<asio::ip::address, std::size_t> handshaking;  // TLS handshakes in progress
  std::vector<std::unique_ptr<TlsListener>> tls_ports;             // listen_tls()
  std::size_t tls_running = 0;                                     // their run() not yet completed
  asio::steady_timer::time_point stop_time{};
  std::uint64_t next_id = 1;
  std::size_t bound = 0;
  bool stopping = false;
  ServerStats stats;  // log_suppressed: the budgets' totals and the TLS ports', at stats()
};

}  // namespace aiosmpp::smsc::detail
