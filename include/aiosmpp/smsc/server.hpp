#pragma once

/** @file
 *  @brief The SMSC side: an acceptor that runs one Session per ESME connection, with bind
 *  authentication, per-session windows, a session limit, outbind and graceful shutdown. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/net/transport.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/smsc/handlers.hpp"
#include "aiosmpp/smsc/session.hpp"
#include "aiosmpp/tls/config.hpp"
#include "aiosmpp/tls/listener.hpp"

namespace aiosmpp::smsc {

/** @brief Server settings. Durations of zero turn the timer off; limits of zero turn the limit
 *  off where that is said. Every bound says what happens when it is reached (docs/simulator.md
 *  lists them with the simulator's flags). */
struct ServerConfig {
  /** @brief system_id sent in bind_*_resp and outbind (at most 15 characters). */
  std::string system_id = "aiosmpp";
  /** @brief The highest SMPP version the server speaks, announced in every bind_*_resp as
   *  sc_interface_version: smpp_3_4 (the default) or smpp_5_0. A session speaks the lower of it
   *  and the bind's interface_version (Session::interface_version()); a 3.4 session is never
   *  sent a 5.0 TLV (dropped from responses, refused in requests). */
  InterfaceVersion interface_version = InterfaceVersion::smpp_3_4;
  /** @brief Bound sessions at once; a bind beyond it gets ESME_RBINDFAIL. */
  std::size_t max_sessions = 100;
  /** @brief Connections at once (bound or not); one beyond it is closed on accept. */
  std::size_t max_connections = 1024;
  /** @brief Connections at once from one source address, TLS handshakes in progress on a
   *  listen_tls() port included; one beyond it is closed on accept. 0: only max_connections
   *  applies. */
  std::size_t max_connections_per_address = 0;
  /** @brief Requests the server sends (deliver_sm, data_sm, ...) awaiting a response, per
   *  session; more wait in the session's backlog. At least 1. */
  std::size_t window = 100;
  /** @brief Requests waiting in a session's backlog for a window slot; Session::send() beyond it
   *  returns std::errc::no_buffer_space and queues nothing. 0: no limit. */
  std::size_t max_backlog = 10000;
  /** @brief ESME requests a handler deferred (Reply::later) and has not answered yet, per session;
   *  requests beyond it get ESME_RTHROTTLED without reaching the handler. 0: no limit. */
  std::size_t max_pending_requests = 10000;
  /** @brief Failed binds on one connection after which it is closed (once the last bind_*_resp
   *  is written). 0: no limit. */
  std::size_t max_bind_failures = 3;
  /** @brief How long a failed bind's response is held back; nothing else from that connection is
   *  read meanwhile, so a password guesser gets one answer per delay per connection. */
  std::chrono::milliseconds bind_failure_delay{std::chrono::seconds(1)};
  /** @brief Close a connection that has not bound within this time (session_init_timer). */
  std::chrono::milliseconds session_init_timeout{std::chrono::seconds(30)};
  /** @brief Send enquire_link after this long without a PDU from the ESME. */
  std::chrono::milliseconds enquire_link_interval{std::chrono::seconds(30)};
  /** @brief A request the server sent fails with errc::response_timeout after this; an
   *  unanswered enquire_link closes the session. */
  std::chrono::milliseconds response_timeout{std::chrono::seconds(10)};
  /** @brief Close after this long without a whole PDU from the ESME (inactivity_timer; a peer
   *  that drips octets does not reset it). */
  std::chrono::milliseconds inactivity_timeout{0};
  /** @brief Once the first octet of a PDU has arrived, the rest must arrive within this time, or
   *  the connection is closed (a slow-drip client). Not counted while the session itself stops
   *  reading because its peer does not read (write_high_water). */
  std::chrono::milliseconds pdu_timeout{std::chrono::seconds(10)};
  /** @brief How long unbind (ours) may wait for unbind_resp before the connection is closed. */
  std::chrono::milliseconds unbind_timeout{std::chrono::seconds(2)};
  /** @brief How long a session that is ending (after unbind, a framing error, close_after_flush)
   *  may take to write what is queued; then it is closed hard, unsent octets dropped. */
  std::chrono::milliseconds close_timeout{std::chrono::seconds(2)};
  /** @brief After stop(), sessions still open after this are closed hard, so run() completes
   *  within it even when a peer never reads. */
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(5)};
  /** @brief Largest command_length accepted; a larger one (a hostile 2 GB length) gets
   *  generic_nack ESME_RINVCMDLEN and the connection is closed, without buffering it. */
  std::size_t max_pdu_size = default_max_pdu_size;
  /** @brief Write buffer size at which the reader stops reading until the writer catches up. */
  std::size_t write_high_water = 1024 * 1024;
  /** @brief Write buffer size at which the session is closed hard: what the server itself sends
   *  (responses answered later, deliver_sm) while the peer does not read. At least
   *  write_high_water. */
  std::size_t max_write_buffer = 16 * 1024 * 1024;
  /** @brief Lines per second of each warning a client can trigger at will (connection_refused,
   *  response_timeout, and on listen_tls() ports tls_handshake_failed, tls_handshake_timeout,
   *  tls_refused); the lines over it are not written but counted (ServerStats::
   *  log_suppressed), and the next one written carries "suppressed" = how many were left out
   *  before it. 0: no limit. */
  std::uint32_t max_warnings_per_second = 10;
  /** @brief Logs sessions at INFO/DEBUG and every PDU at TRACE. Off by default. */
  Logger logger;
};

/** @brief Counters over the server's life. */
struct ServerStats {
  /** @brief TCP connections accepted. */
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  ///< over max_connections or max_connections_per_address
  /** @brief Binds answered ESME_ROK. */
  std::uint64_t binds_accepted = 0;
  /** @brief Binds refused (by Handlers::bind or max_sessions). */
  std::uint64_t binds_rejected = 0;
  /** @brief Connections closed after max_bind_failures failed binds. */
  std::uint64_t bind_failure_closes = 0;
  /** @brief PDUs read, valid or not. */
  std::uint64_t pdus_received = 0;
  /** @brief generic_nack answers (broken header or length, unknown command). */
  std::uint64_t generic_nacks_sent = 0;
  std::uint64_t state_errors = 0;  ///< ESME_RINVBNDSTS / ESME_RALYBND answers
  /** @brief PDUs that did not decode. */
  std::uint64_t decode_errors = 0;
  /** @brief Requests answered ESME_RTHROTTLED because max_pending_requests were deferred. */
  std::uint64_t pending_throttled = 0;
  /** @brief Session::send() calls refused because the backlog held max_backlog requests. */
  std::uint64_t backlog_full = 0;
  /** @brief Sessions closed by one of their deadlines (session_init, inactivity, pdu, unbind,
   *  close, enquire_link response). */
  std::uint64_t sessions_timed_out = 0;
  /** @brief Sessions closed because their write buffer reached max_write_buffer. */
  std::uint64_t write_overflows = 0;
  /** @brief Sessions closed because a handler threw (or another error inside the session). */
  std::uint64_t sessions_failed = 0;
  /** @brief Sessions still open shutdown_timeout after stop(), closed hard. */
  std::uint64_t shutdown_closes = 0;
  /** @brief Warning lines not written (over max_warnings_per_second), the TLS ports' included
   *  (TlsListenerStats::log_suppressed). */
  std::uint64_t log_suppressed = 0;
};

/** @brief Credentials for outbind (the SMSC asks an ESME listening on a port to bind). */
struct OutbindRequest {
  /** @brief Where the ESME listens. */
  asio::ip::tcp::endpoint endpoint;
  std::string system_id;  ///< sent in outbind; ServerConfig::system_id when empty
  /** @brief Sent in outbind (at most 8 characters). */
  std::string password;
};

/** @brief An SMPP server. Lives on one executor (a strand when the io_context has several
 *  threads); creates no threads. Not thread-safe: call it on that executor.
 *
 *  @code
 *  asio::io_context io;
 *  aiosmpp::smsc::Server server(io.get_executor(), config, handlers);
 *  auto at = server.listen({asio::ip::make_address("127.0.0.1"), 2775});
 *  asio::co_spawn(io, server.run(), [](std::exception_ptr e) { if (e) std::rethrow_exception(e);
 * }); io.run();
 *  @endcode
 *  Keep the Server alive until run() has completed. */
class Server {
 public:
  /** @brief A server on `executor` (call listen() and run() next). @throws std::invalid_argument
   *  naming a ServerConfig field out of range. */
  Server(asio::any_io_executor executor, ServerConfig config, Handlers handlers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /** @brief Opens, binds and listens (port 0 picks a free port).
   *  @return the bound endpoint. @throws std::system_error. */
  asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& endpoint);

  /** @brief Opens a TLS port (a TlsListener; docs/guides/tls.md): each connection whose
   *  handshake completes is served like an accepted socket (serve()); one whose handshake fails
   *  or times out is closed and logged with OpenSSL's reason. Beside listen()'s plain port or
   *  instead of it, before run(); it may be called more than once. stop() closes it with the
   *  plain one, and run() waits for its handshakes in progress. Its warnings are bounded by
   *  ServerConfig::max_warnings_per_second (`tls`'s own max_warnings_per_second is not used).
   *  @return the bound endpoint. @throws TlsSetupError naming the TlsServerConfig field that
   *  cannot be used (or "enabled" in a build without TLS), std::system_error. */
  asio::ip::tcp::endpoint listen_tls(const asio::ip::tcp::endpoint& endpoint,
                                     const TlsServerConfig& tls);

  /** @brief Accepts connections until stop() (without listen(), only serves the sessions given
   *  to serve() until stop()), then waits for every session to end. Cancelling it closes every
   *  session at once. Never throws on network errors (they are logged). */
  asio::awaitable<void> run();

  /** @brief Graceful shutdown: stops accepting, unbinds bound sessions (each closes when
   *  answered or after unbind_timeout) and ends the others once their output is written (or after
   *  close_timeout). run() then completes, within shutdown_timeout in any case. */
  void stop();

  /** @brief Connects to an ESME, sends outbind and runs the session like an accepted one; the
   *  ESME's bind_receiver (or bind_transceiver) goes through Handlers::bind.
   *  @throws std::system_error when the connection fails. */
  asio::awaitable<std::shared_ptr<Session>> outbind(OutbindRequest request);

  /** @brief Runs a session over a connection accepted elsewhere: a TLS stream, a socket from
   *  another acceptor, an in-memory pipe in tests. It is admitted like an accepted socket
   *  (counted in the statistics, refused beyond max_connections) and run() waits for it.
   *  `remote` is what Session::remote_endpoint() and BindRequest::remote report.
   *  @return the session, or nullptr when refused (the transport is then closed). */
  std::shared_ptr<Session> serve(std::unique_ptr<Transport> transport,
                                 const asio::ip::tcp::endpoint& remote = {});

  /** @brief The live sessions. */
  std::vector<std::shared_ptr<Session>> sessions() const;
  /** @brief Live sessions (bound or not). */
  std::size_t session_count() const noexcept;
  /** @brief Bound sessions. */
  std::size_t bound_count() const noexcept;
  /** @brief Counters since construction. */
  const ServerStats& stats() const noexcept;
  /** @brief The TLS ports' handshake counters, summed (zero without listen_tls()). */
  TlsListenerStats tls_stats() const noexcept;
  /** @brief The configuration in use. */
  const ServerConfig& config() const noexcept;
  /** @brief The executor everything runs on. */
  asio::any_io_executor get_executor() const noexcept;

 private:
  std::shared_ptr<Session> start_session(std::unique_ptr<Transport> transport,
                                         const asio::ip::tcp::endpoint& remote,
                                         SessionState initial, const Pdu* first = nullptr);

  std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace aiosmpp::smsc
