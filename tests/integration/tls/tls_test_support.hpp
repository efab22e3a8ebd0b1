#pragma once

// What the TLS tests share: the test CA's files (made by make_test_ca.sh, the tls_ca fixture),
// settings built from them, a TLS port on 127.0.0.1 that keeps what it accepts, and polling.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/tls/listener.hpp"
#include "aiosmpp/tls/transport.hpp"

namespace aiosmpp::test {

/** A file of the test CA's folder ("ca.pem", "server.key"). */
inline std::string tls_file(const std::string& name) {
  return std::string(AIOSMPP_TLS_CA_DIR) + "/" + name;
}

/** A TLS port's settings with the certificate and key named `cert` ("server", "expired", ...). */
inline TlsServerConfig tls_server_config(const std::string& cert = "server") {
  TlsServerConfig c;
  c.cert_file = tls_file(cert + ".pem");
  c.key_file = tls_file(cert + ".key");
  return c;
}

/** Client settings trusting the test CA. */
inline TlsClientConfig tls_client_config() {
  TlsClientConfig c;
  c.enabled = true;
  c.ca_file = tls_file("ca.pem");
  return c;
}

/** The tests' logger: to stderr with AIOSMPP_TEST_LOG set in the environment, else off. */
inline Logger test_logger() {
  return std::getenv("AIOSMPP_TEST_LOG") != nullptr
             ? Logger(std::make_shared<TextSink>(stderr), LogLevel::trace, {})
             : Logger{};
}

/** A TlsListener on 127.0.0.1 (a free port) that keeps every connection it hands over, logging
 *  to `logger` (by default test_logger(): handshake failures and reasons). */
class TlsPort {
 public:
  TlsPort(asio::io_context& io, const TlsServerConfig& config, Logger logger = test_logger())
      : io_(io),
        listener_(
            io.get_executor(), config,
            [this](std::unique_ptr<Transport> t, const asio::ip::tcp::endpoint&) {
              accepted.push_back(std::move(t));
            },
            std::move(logger)) {
    endpoint = listener_.listen({asio::ip::make_address("127.0.0.1"), 0});
    asio::co_spawn(io, listener_.run(), [this](std::exception_ptr e) {
      done_ = true;
      if (e) error_ = e;
    });
  }
  TlsPort(const TlsPort&) = delete;
  TlsPort& operator=(const TlsPort&) = delete;
  ~TlsPort() {
    listener_.stop();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (io_.stopped()) io_.restart();
    while (!done_ && std::chrono::steady_clock::now() < deadline)
      io_.run_one_for(std::chrono::milliseconds(10));
  }

  const TlsListenerStats& stats() const { return listener_.stats(); }
  TlsListener& listener() { return listener_; }

  asio::ip::tcp::endpoint endpoint;
  std::vector<std::unique_ptr<Transport>> accepted;

 private:
  asio::io_context& io_;
  TlsListener listener_;
  bool done_ = false;
  std::exception_ptr error_;
};

/** Polls every 2 ms until `pred` holds or `timeout` passes; returns whether it held. */
inline asio::awaitable<bool> eventually(
    const std::function<bool()>& pred,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    t.expires_after(std::chrono::milliseconds(2));
    co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
  }
  co_return true;
}

/** TCP connect to `at`, then the client handshake with `config`, checking `name`. Arguments by
 *  reference (g++ 12 can destroy a prvalue argument of a coroutine twice): co_await the result in
 *  the full-expression that makes them. */
inline asio::awaitable<TlsHandshakeResult> tls_connect(const asio::ip::tcp::endpoint& at,
                                                       const TlsClientConfig& config,
                                                       const std::string& name = "localhost") {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(at, asio::use_awaitable);
  const auto context = TlsContext::client(config);
  co_return co_await context->handshake(std::move(socket), name);
}

}  // namespace aiosmpp::test
