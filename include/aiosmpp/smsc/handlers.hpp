#pragma once

/** @file
 *  @brief What a server application plugs into aiosmpp::smsc::Server: the bind authenticator and
 *  one handler per request type, each answering with a response. */

#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include <asio/ip/tcp.hpp>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/smsc/state.hpp"

namespace aiosmpp::smsc {

class Session;

/** @brief A bind request as the authenticator sees it. The strings point into the receive buffer
 *  and are valid only during the call. */
struct BindRequest {
  /** @brief Transmitter, receiver or transceiver. */
  BindType type = BindType::transceiver;
  /** @brief The ESME's login (at most 15 characters). */
  std::string_view system_id;
  /** @brief Its password (at most 8 characters); never log it, compare it with secret_equal(). */
  std::string_view password;
  /** @brief The kind of ESME (at most 12 characters), often empty. */
  std::string_view system_type;
  /** @brief The SMPP version the ESME speaks (0x34 for 3.4). */
  InterfaceVersion interface_version = InterfaceVersion::smpp_3_4;
  /** @brief The addresses the ESME serves (receiver binds); often empty. */
  PhoneNumberView address_range;
  /** @brief Where the connection comes from. */
  asio::ip::tcp::endpoint remote;
};

/** @brief What a request handler did with the response it was given. */
enum class Reply : std::uint8_t {
  now,    ///< send the response now (the handler filled it in)
  later,  ///< the handler answers later with Session::respond() (counts as pending until then)
  never   ///< no response will ever be sent (a withheld response); not counted as pending
};

/** @brief Compares a secret (a password) with what a peer sent in a time that does not depend on
 *  where they differ, so a bind authenticator does not tell a guesser how many leading characters
 *  were right. SMPP passwords are at most 8 characters; longer input takes longer. */
bool secret_equal(std::string_view expected, std::string_view given) noexcept;

/** @brief Called with the outcome of a request the server sent (deliver_sm, data_sm,
 *  enquire_link, unbind): `response` is the ESME's response (or generic_nack), valid only during
 *  the call, and `ec` is empty when its command_status is ESME_ROK, the CommandStatus when it is
 *  not, errc::response_timeout when none came within ServerConfig::response_timeout,
 *  errc::connection_closed when the session ended first (then `response` is null), and
 *  errc::malformed_pdu when the response could not be decoded. Runs on the server's executor. */
using ResponseHandler = std::function<void(std::error_code ec, const PduView* response)>;

/** @brief The application's callbacks. Every one runs on the server's executor, from the session's
 *  reader, so it must not block; a handler that throws closes that session (logged).
 *
 *  Request handlers get the request (a view into the receive buffer, valid only during the call)
 *  and the response to fill in, already carrying the request's sequence_number and ESME_ROK. They
 *  return Reply::now to send it at once, which is the fast path (no allocation, no coroutine), or
 *  Reply::later to answer asynchronously with Session::respond() (keep a shared_ptr to the session
 *  from Session::shared_from_this()). A handler left empty answers with the request's failure
 *  status: ESME_RSUBMITFAIL (submit_sm, submit_multi, data_sm), ESME_RQUERYFAIL,
 *  ESME_RCANCELFAIL, ESME_RREPLACEFAIL, ESME_RBCASTFAIL, ESME_RBCASTQUERYFAIL,
 *  ESME_RBCASTCANCELFAIL.
 *
 *  The session has already checked the session state (ESME_RINVBNDSTS), decoding (the matching
 *  status or generic_nack) and the incoming window (ESME_RTHROTTLED) before a handler is called. */
struct Handlers {
  /** @brief Decides a bind: ESME_ROK accepts it; anything else is sent back in the bind_*_resp
   *  (ESME_RINVSYSID, ESME_RINVPASWD, ESME_RBINDFAIL, ...). Empty: every bind is accepted. */
  std::function<CommandStatus(Session&, const BindRequest&)> bind;
  /** @brief Answers submit_sm (fill message_id); empty: ESME_RSUBMITFAIL. */
  std::function<Reply(Session&, const SubmitSmView&, SubmitSmResp&)> submit_sm;
  /** @brief Answers submit_multi; empty: ESME_RSUBMITFAIL. */
  std::function<Reply(Session&, const SubmitMultiView&, SubmitMultiResp&)> submit_multi;
  /** @brief Answers data_sm; empty: ESME_RSUBMITFAIL. */
  std::function<Reply(Session&, const DataSmView&, DataSmResp&)> data_sm;
  /** @brief Answers query_sm; empty: ESME_RQUERYFAIL. */
  std::function<Reply(Session&, const QuerySmView&, QuerySmResp&)> query_sm;
  /** @brief Answers cancel_sm; empty: ESME_RCANCELFAIL. */
  std::function<Reply(Session&, const CancelSmView&, CancelSmResp&)> cancel_sm;
  /** @brief Answers replace_sm; empty: ESME_RREPLACEFAIL. */
  std::function<Reply(Session&, const ReplaceSmView&, ReplaceSmResp&)> replace_sm;
  /** @brief Answers broadcast_sm (fill message_id) on a 5.0 session; empty: ESME_RBCASTFAIL.
   *  A 3.4 session never calls it: its ESME gets generic_nack ESME_RINVCMDID. */
  std::function<Reply(Session&, const BroadcastSmView&, BroadcastSmResp&)> broadcast_sm;
  /** @brief Answers query_broadcast_sm on a 5.0 session (fill message_id and the TLVs 5.0 makes
   *  mandatory: message_state, broadcast_area_identifier, broadcast_area_success); empty:
   *  ESME_RBCASTQUERYFAIL. */
  std::function<Reply(Session&, const QueryBroadcastSmView&, QueryBroadcastSmResp&)>
      query_broadcast_sm;
  /** @brief Answers cancel_broadcast_sm on a 5.0 session; empty: ESME_RBCASTCANCELFAIL. */
  std::function<Reply(Session&, const CancelBroadcastSmView&, CancelBroadcastSmResp&)>
      cancel_broadcast_sm;

  /** @brief Sees every PDU that decoded, before the session acts on it; returning false ends
   *  the session without answering this PDU or reading further ones: responses already queued
   *  are written, then the connection is closed (the simulator's "drop every N PDUs"). Empty:
   *  nothing is called. */
  std::function<bool(Session&, const PduView&)> on_pdu;
  /** @brief After a bind succeeded and its response was queued. */
  std::function<void(Session&)> on_bound;
  /** @brief Once the session has ended: `ec` says why (errc::connection_closed after an unbind or
   *  a peer close, errc::stopped on shutdown, a socket error, ...). */
  std::function<void(Session&, std::error_code)> on_closed;
};

}  // namespace aiosmpp::smsc
