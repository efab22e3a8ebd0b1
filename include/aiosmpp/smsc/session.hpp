#pragma once

/** @file
 *  @brief One ESME connection on the server side: decoding, state checks, handler dispatch,
 *  batched writes, requests the server sends (deliver_sm, data_sm, alert_notification,
 *  enquire_link, unbind) with their own window, and the session timers. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/handlers.hpp"
#include "aiosmpp/smsc/state.hpp"

namespace aiosmpp::smsc {

namespace detail {
struct ServerCore;
}

/** @brief A server session. Created by Server for each accepted connection (or outbind); owned by
 *  shared_ptr, so a handler that answers later keeps `shared_from_this()`.
 *
 *  Like any Asio I/O object it must be destroyed before its io_context: release every
 *  shared_ptr to it first. Not thread-safe: use it only on the server's executor (handlers already
 * run there; post to it from other threads). Every method that sends returns at once: the PDU is
 * encoded into the session's write buffer, which one writer coroutine sends in batches. */
class Session : public std::enable_shared_from_this<Session> {
 public:
  /** @brief The clock of last_read_time(). */
  using Clock = std::chrono::steady_clock;

  /** @brief Used by Server; applications get sessions from handlers and Server::sessions(). */
  Session(std::shared_ptr<detail::ServerCore> core, asio::ip::tcp::socket socket,
          SessionState initial, std::uint64_t id);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /** @brief A number unique within the server (1, 2, ...). */
  std::uint64_t id() const noexcept { return id_; }
  /** @brief Where the session is (open, bound_tx/rx/trx, unbinding, closed). */
  SessionState state() const noexcept { return state_; }
  /** @brief How the ESME bound; meaningful once bound. */
  BindType bind_type() const noexcept { return bind_type_; }
  /** @brief The system_id of the successful bind (empty before). */
  const std::string& system_id() const noexcept { return system_id_; }
  /** @brief The ESME's address. */
  const asio::ip::tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
  /** @brief True in bound_rx and bound_trx: deliver_sm may be sent. */
  bool can_receive() const noexcept {
    return state_ == SessionState::bound_rx || state_ == SessionState::bound_trx;
  }

  /** @brief Time of the last read batch; a cheap "now" for handlers (one clock read per batch). */
  Clock::time_point last_read_time() const noexcept { return last_rx_; }

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
  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  /** @brief Requests waiting for a window slot. */
  std::size_t backlog() const noexcept { return backlog_.size(); }
  /** @brief ESME requests answered Reply::later and not yet responded to. */
  std::size_t pending_requests() const noexcept { return pending_requests_; }

  /** @brief An application slot (the simulator keeps its per-session state here). */
  void set_context(std::shared_ptr<void> context) { context_ = std::move(context); }
  /** @brief The slot set by set_context(), or nullptr. */
  void* context() const noexcept { return context_.get(); }

  /** @brief Runs the session until it ends (Server spawns it). Never throws. */
  asio::awaitable<void> run();

  /** @brief Queues a PDU the server starts with (the outbind). */
  void queue_initial(const Pdu& pdu);

 private:
  struct InFlight {
    CommandId command = CommandId::generic_nack;
    Clock::time_point sent;
    ResponseHandler handler;
  };
  struct Waiting {
    CommandId command = CommandId::generic_nack;
    std::vector<std::uint8_t> bytes;
    ResponseHandler handler;
  };

  asio::awaitable<std::error_code> reader();
  asio::awaitable<std::error_code> writer();
  asio::awaitable<std::error_code> keeper();

  void handle(std::span<const std::uint8_t> bytes);
  void handle_framing_error(const CodecError& error);
  void handle_decode_error(const CodecError& error);
  void dispatch(const PduView& pdu);
  template <class View>
  void on_bind(const View& bind, BindType type);
  template <class Resp, class View, class Fn>
  void on_request(const View& request, const Fn& handler, CommandStatus missing);
  void on_response(CommandId id, std::uint32_t sequence, CommandStatus status,
                   const PduView* response);
  void finish_request(std::uint32_t sequence, std::error_code ec, const PduView* response);
  void write_header_only(CommandId id, CommandStatus status, std::uint32_t sequence);
  template <class Req>
  std::error_code send_impl(const Req& request, ResponseHandler handler, bool use_window);
  void release_backlog();
  void put_in_flight(CommandId id, std::size_t at, ResponseHandler handler);
  void wake_writer() noexcept;
  void fail_all(std::error_code ec);
  std::uint32_t next_sequence() noexcept;
  template <class P>
  void encode_response(const P& response);

  std::shared_ptr<detail::ServerCore> core_;
  Logger logger_;
  asio::ip::tcp::socket socket_;
  asio::ip::tcp::endpoint remote_;
  asio::steady_timer wake_;     // the writer waits on it; cancel() wakes it
  asio::steady_timer drained_;  // the reader waits on it when the write buffer is too full
  asio::steady_timer tick_;     // the keeper's period
  Framer framer_;
  DecodeOptions decode_options_;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  std::uint64_t id_;
  SessionState state_;
  BindType bind_type_ = BindType::transceiver;
  std::string system_id_;
  bool counted_bound_ = false;
  bool closing_ = false;  // no more reads are acted on
  bool flush_then_end_ = false;
  std::error_code end_reason_;
  Clock::time_point created_;
  Clock::time_point last_rx_;
  Clock::time_point unbind_sent_{};
  std::uint32_t last_sequence_ = 0;
  std::unordered_map<std::uint32_t, InFlight> in_flight_;
  std::deque<Waiting> backlog_;
  bool enquire_link_in_flight_ = false;
  std::size_t pending_requests_ = 0;
  std::shared_ptr<void> context_;
  // Responses are reused so that filling message_id on the hot path does not allocate.
  SubmitSmResp submit_resp_;
  DataSmResp data_resp_;
};

}  // namespace aiosmpp::smsc
