#pragma once

// Session::Impl: the state of one server session. session.cpp holds its lifecycle (the reader,
// writer and keeper coroutines, closing), session_dispatch.cpp what it does with each PDU and
// how requests to the ESME are sent.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/net/transport.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/session.hpp"

namespace aiosmpp::smsc {

struct Session::Impl {
  using Clock = Session::Clock;

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

  Impl(Session& self, std::shared_ptr<detail::ServerCore> core,
       std::unique_ptr<Transport> transport, const asio::ip::tcp::endpoint& remote,
       SessionState initial, std::uint64_t id);

  // session.cpp: lifecycle
  asio::awaitable<void> run();
  asio::awaitable<std::error_code> reader();
  asio::awaitable<std::error_code> writer();
  asio::awaitable<std::error_code> keeper();
  void process_batch();
  void track_partial_pdu(bool whole_pdu_read);
  bool check_deadlines(Clock::time_point now);
  bool expire_requests(Clock::time_point now);
  void end_by_deadline(std::string_view which, std::chrono::milliseconds limit, std::error_code ec);
  void unbind();
  void close();
  void close_after_flush();
  void wake_writer() noexcept;
  void grow_buffers();

  // session_dispatch.cpp: PDUs in and out
  void handle(std::span<const std::uint8_t> bytes);
  bool reject_by_state(std::span<const std::uint8_t> bytes);
  void act_on(const PduView& pdu, std::size_t size);
  void handle_framing_error(const CodecError& error);
  void handle_decode_error(const CodecError& error);
  void queue_error_response(const CodecError& error);
  void dispatch(const PduView& pdu);
  template <class View>
  void on_bind(const View& bind, BindType type);
  void finish_failed_bind();
  template <class Resp, class View, class Fn>
  void on_request(const View& request, const Fn& handler, CommandStatus missing);
  void on_response(CommandId id, std::uint32_t sequence, CommandStatus status,
                   const PduView* response);
  void finish_request(std::uint32_t sequence, std::error_code ec, const PduView* response);
  void finish_request(std::unordered_map<std::uint32_t, InFlight>::iterator it, std::error_code ec,
                      const PduView* response);
  void queue_header_only(CommandId id, CommandStatus status, std::uint32_t sequence);
  template <class P>
  void encode_response(const P& response);
  void append_congestion(std::size_t at);
  std::error_code respond(const Pdu& response);
  template <class Req>
  std::error_code send(const Req& request, ResponseHandler handler, bool use_window);
  std::error_code enquire_link(ResponseHandler handler);
  void queue_initial(const Pdu& pdu);
  void release_backlog();
  void put_in_flight(CommandId id, std::size_t at, ResponseHandler handler);
  std::uint32_t next_sequence() noexcept;

  Session& self_;
  std::shared_ptr<detail::ServerCore> core_;
  Logger logger_;
  std::unique_ptr<Transport> transport_;
  asio::ip::tcp::endpoint remote_;
  asio::steady_timer wake_;     // the writer waits on it; cancel() wakes it
  asio::steady_timer drained_;  // the reader waits on it when the write buffer is too full
  asio::steady_timer tick_;     // the keeper's period
  asio::steady_timer pause_;    // the reader holds a failed bind's response back on it
  Framer framer_;
  DecodeOptions decode_options_;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  std::uint64_t id_;
  SessionState state_;
  BindType bind_type_ = BindType::transceiver;
  std::string system_id_;
  InterfaceVersion version_ = InterfaceVersion::smpp_3_4;  // negotiated at bind
  std::optional<std::uint8_t> congestion_;                 // added to 5.0 responses
  bool counted_bound_ = false;
  bool buffers_grown_ = false;  // read and write buffers sized for traffic (after bind)
  bool closing_ = false;        // no more reads are acted on
  bool flush_then_end_ = false;
  bool reading_paused_ = false;  // waiting for the writer (write_high_water)
  bool in_batch_ = false;        // handling a read batch: batch_now_ is "now"
  std::error_code end_reason_;
  Clock::time_point created_;
  Clock::time_point batch_now_;        // clock read once per read batch
  Clock::time_point last_pdu_at_;      // last whole PDU from the ESME (inactivity)
  Clock::time_point partial_since_{};  // a PDU started arriving then; {}: none pending
  Clock::time_point closing_since_{};  // close_after_flush() began then
  Clock::time_point unbind_sent_{};
  std::uint32_t last_sequence_ = 0;
  using InFlightMap = std::unordered_map<std::uint32_t, InFlight>;
  InFlightMap in_flight_;
  // Nodes of answered requests, reused for the next ones: no allocation per request once the
  // window has been full once (at most `window` are kept).
  std::vector<InFlightMap::node_type> spare_nodes_;
  std::deque<Waiting> backlog_;
  bool enquire_link_in_flight_ = false;
  std::size_t pending_requests_ = 0;
  std::size_t bind_failures_ = 0;
  // A failed bind whose response waits out bind_failure_delay.
  struct FailedBind {
    bool pending = false;
    CommandId response = CommandId::generic_nack;
    CommandStatus status = CommandStatus::ok;
    std::uint32_t sequence = 0;
  } failed_bind_;
  std::shared_ptr<void> context_;
  // Responses are reused so that filling message_id on the hot path does not allocate.
  SubmitSmResp submit_resp_;
  DataSmResp data_resp_;
};

}  // namespace aiosmpp::smsc
