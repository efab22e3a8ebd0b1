#pragma once

/** @file
 *  @brief TlsListener: a TLS port. It accepts TCP connections, runs each one's handshake (bounded
 *  in time and in number) and hands every connection that completed it to a callback as a
 *  Transport, e.g. to smsc::Server::serve(). */

#include <cstdint>
#include <functional>
#include <memory>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/net/transport.hpp"
#include "aiosmpp/tls/config.hpp"

namespace aiosmpp {

namespace detail {
struct TlsListenerState;
}  // namespace detail

/** @brief Counters over a listener's life. */
struct TlsListenerStats {
  std::uint64_t accepted = 0;     ///< TCP connections accepted
  std::uint64_t established = 0;  ///< handshakes completed and handed over
  std::uint64_t failed = 0;       ///< handshakes that failed (logged with OpenSSL's reason)
  std::uint64_t timed_out = 0;    ///< handshakes not done within handshake_timeout
  std::uint64_t refused = 0;      ///< closed at accept: max_handshakes were in progress
  /** @brief Warning lines not written (over TlsServerConfig::max_warnings_per_second); the
   *  connections they were about are counted above all the same. */
  std::uint64_t log_suppressed = 0;
};

/** @brief A TLS port on one executor (no threads of its own; not thread-safe: call it there).
 *
 *  @code
 *  aiosmpp::TlsListener tls(io.get_executor(), {.cert_file = "cert.pem", .key_file = "key.pem"},
 *      [&](std::unique_ptr<aiosmpp::Transport> t, const asio::ip::tcp::endpoint& remote) {
 *        server.serve(std::move(t), remote);
 *      });
 *  tls.listen({asio::ip::make_address("127.0.0.1"), 3550});
 *  asio::co_spawn(io, tls.run(), ...);   // beside server.run(); tls.stop() beside server.stop()
 *  @endcode
 *  Keep it alive until run() has completed. */
class TlsListener {
 public:
  /** @brief Called with each connection whose handshake completed, and its remote address. */
  using Handler =
      std::function<void(std::unique_ptr<Transport> transport, const asio::ip::tcp::endpoint&)>;

  /** @brief Asked at accept, before the handshake: a null token closes the connection (counted
   *  in refused); otherwise the token is kept until the handshake has ended (its destructor
   *  releases what it holds), so a per-address limit can count handshakes in progress. */
  using Admit = std::function<std::shared_ptr<void>(const asio::ip::tcp::endpoint& remote)>;

  /** @brief Loads `config` (certificate, key, client CAs).
   *  @throws TlsSetupError naming the field that is missing, unreadable or refused by OpenSSL, or
   *  "enabled" when this build has no TLS. */
  TlsListener(asio::any_io_executor executor, const TlsServerConfig& config, Handler handler,
              Logger logger = {});
  ~TlsListener();
  TlsListener(const TlsListener&) = delete;
  TlsListener& operator=(const TlsListener&) = delete;

  /** @brief Opens, binds and listens (port 0 picks a free one). @return the bound endpoint.
   *  @throws std::system_error. */
  asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& endpoint);

  /** @brief Accepts until stop(), then waits for the handshakes in progress to end (stop()
   *  cancels them). Cancelling it is the same as stop(). Never throws on network errors (they
   *  are logged). */
  asio::awaitable<void> run();

  /** @brief Stops accepting and cancels the handshakes in progress (connections already handed
   *  over are the handler's). Idempotent. */
  void stop();

  /** @brief Installs the admission check (see Admit) for connections accepted from now on. */
  void set_admission(Admit admit);

  /** @brief Counters since construction. */
  const TlsListenerStats& stats() const noexcept;

 private:
  std::shared_ptr<detail::TlsListenerState> state_;
};

}  // namespace aiosmpp
