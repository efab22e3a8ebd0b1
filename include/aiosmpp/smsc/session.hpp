#pragma once

/** @file
 *  @brief One ESME connection on the server side: decoding, state checks, handler dispatch,
 *  batched writes, requests the server sends (deliver_sm, data_sm, alert_notification,
 *  enquire_link, unbind) with their own window, and the session timers. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/smsc/handlers.hpp"
#include "aiosmpp/smsc/state.hpp"

namespace aiosmpp {
class Transport;
}

namespace aiosmpp::smsc {

class Server;

namespace detail {
struct ServerCore;
}

/** @brief A server session. Created by Server for each accepted connection (or outbind, or a
 *  transport handed to Server::serve()); owned by shared_ptr, so a handler that answers later
 *  keeps `shared_from_this()`.
 *
 *  Like any Asio I/O object it must be destroyed before its io_context: release every
 *  shared_ptr to it first. Not thread-safe: use it only on the server's executor (handlers already
 *  run there; post to it from other threads). Every method that sends returns at once: the PDU is
 *  encoded into the session's write buffer, which one writer coroutine sends in batches. */
class Session : public std::enable_shared_from_this<Session> {
 public:
  /** @brief The clock of last_read_time(). */
  using Clock = std::chrono::steady_clock;

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /** @brief A number unique within the server (1, 2, ...). */
  std::uint64_t id() const noexcept;
  /** @brief Where the session is (open, bound_tx/rx/trx, unbinding, closed). */
  SessionState state() const noexcept;
  /** @brief How the ESME bound; meaningful once bound. */
  BindType bind_type() const noexcept;
  /** @brief The system_id of the successful bind (empty before). */
  const std::string& system_id() const noexcept;
  /** @brief The ESME's address (unspecified for a transport without one, such as a test pipe). */
  const asio::ip::tcp::endpoint& remote_endpoint() const noexcept;
  /** @brief True in bound_rx and bound_trx: deliver_sm may be sent. */
  bool can_receive() const noexcept;
  /** @brief The SMPP version the session speaks: the lower of the bind's interface_version and
   *  ServerConfig::interface_version (common_version()); 3.4 before the bind. */
  InterfaceVersion interface_version() const noexcept;
  /** @brief On a 5.0 session, every successful response that carries TLVs (submit_sm_resp,
   *  data_sm_resp, ...) gets this congestion_state (0-100; more is sent as 100) unless the handler
   *  set one itself; nullopt (the default) adds none. Ignored on 3.4 sessions (the TLV is 5.0's:
   *  docs/smpp-5.0.md). */
  void set_congestion_state(std::optional<std::uint8_t> value) noexcept;

  /** @brief Time of the last read batch; a cheap "now" for handlers (one clock read per batch). */
  Clock::time_point last_read_time() const noexcept;

  /** @brief Sends a response the handler deferred with Reply::later (any _resp type or
   *  generic_nack; its header carries the request's sequence_number and status).
   *  @return errc::stopped when the session is closing or closed (the response is dropped).
   *  @throws SmppError when the PDU is invalid (the message names the field and limit). */
  std::error_code respond(const Pdu& response);

  /** @brief Sends a request to the ESME; `on_response` is called exactly once with its outcome
   *  (see ResponseHandler), unless this returns an error. The session assigns the
   *  sequence_number. When the window (ServerConfig::window) is full the PDU waits in the
   *  session's backlog, in order, and is sent as responses free slots.
   *  @return errc::not_bound when the state does not allow it (deliver_sm needs a receiver or
   *  transceiver, ...), errc::stopped when the session is closing.
   *  @throws SmppError when the PDU is invalid. */
  std::error_code send(const DeliverSm& request, ResponseHandler on_response);
  /** @brief The same for a deliver_sm view (strings the caller keeps until this returns): the
   *  allocation-free way, encoded straight into the write buffer. */
  std::error_code send(const DeliverSmView& request, ResponseHandler on_response);
  /** @brief The same for data_sm. */
  std::error_code send(const DataSm& request, ResponseHandler on_response);
  /** @brief alert_notification has no response. */
  std::error_code send(const AlertNotification& request);
  /** @brief Sends an enquire_link now (the session also sends them when idle). */
  std::error_code enquire_link(ResponseHandler on_response = {});

  /** @brief Graceful end: sends unbind, and closes once the ESME answers (or after
   *  ServerConfig::unbind_timeout). Before bind it just closes. Idempotent. */
  void unbind();
  /** @brief Hard end: closes the connection now; unsent bytes are dropped and every request in
   *  flight fails with errc::connection_closed. Idempotent. */
  void close();
  /** @brief Ends the session once what is already queued has been written. */
  void close_after_flush();

  /** @brief Requests the server sent that await a response. */
  std::size_t in_flight() const noexcept;
  /** @brief Requests waiting for a window slot. */
  std::size_t backlog() const noexcept;
  /** @brief ESME requests answered Reply::later and not yet responded to. */
  std::size_t pending_requests() const noexcept;

  /** @brief An application slot (the simulator keeps its per-session state here). */
  void set_context(std::shared_ptr<void> context);
  /** @brief The slot set by set_context(), or nullptr. */
  void* context() const noexcept;

 private:
  friend class Server;
  struct Impl;

  Session(std::shared_ptr<detail::ServerCore> core, std::unique_ptr<Transport> transport,
          const asio::ip::tcp::endpoint& remote, SessionState initial, std::uint64_t id);
  // Runs the session until it ends (Server spawns it). Never throws.
  asio::awaitable<void> run();
  // Queues a PDU the server starts with (the outbind).
  void queue_initial(const Pdu& pdu);

  std::unique_ptr<Impl> impl_;
};

}  // namespace aiosmpp::smsc
