#pragma once

/** @file
 *  @brief EsmeConfig: everything aiosmpplib's ESME constructor takes, plus the window, the
 *  response timeout and the maximum PDU size. Validated when the Esme is constructed. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "aiosmpp/esme/flow_control.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/message_text.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/tls/config.hpp"

namespace aiosmpp {

/** @brief How the ESME binds (reference §2.2): transmitter sends only, receiver receives only (and
 *  so never takes messages from the broker), transceiver both. The pdu layer's BindType, under
 *  the name aiosmpplib's users know. */
using BindMode = BindType;

/** @brief How the SMSC writes message ids in responses and in delivery receipts, so that a
 *  receipt finds the submit it reports on (docs/guides/persist-correlation.md). Ids are compared
 *  as text::MessageIdNormalizer does: surrounding spaces and NULs ignored, ASCII case folded,
 *  leading zeros stripped; a number form reads the id as a number (when it fits 64 bits) so that
 *  hex "38601fa" and decimal "0059113978" are the same id. */
enum class MessageIdForms : std::uint8_t {
  as_given,                      ///< both sides as text (the default; what most SMSCs do)
  hex_response_decimal_receipt,  ///< submit_sm_resp in hex, the receipt's id in decimal
  decimal_response_hex_receipt,  ///< the reverse
};

/** @brief Thrown by validate() and the Esme constructor for an invalid EsmeConfig. what() names
 *  the field and the limit ("EsmeConfig.system_id: 16 characters, limit 15"); field() gives the
 *  field's name alone. */
class ConfigError : public std::invalid_argument {
 public:
  /** @brief `field`: the rejected field's name; `message`: the full sentence (field and limit). */
  ConfigError(std::string field, const std::string& message);
  /** @brief The rejected field ("system_id"). */
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

/** @brief Outbind (reference §3.3): instead of connecting, the Esme listens; the SMSC connects
 *  and sends outbind, and the Esme answers with bind_receiver on that connection (then runs as a
 *  receiver). When a session ends the Esme listens again. */
struct OutbindConfig {
  bool enabled = false;  ///< listen for outbind instead of connecting to smsc_host
  /** @brief Address to listen on (a literal IPv4/IPv6 address). */
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  ///< port to listen on; not 0 when enabled
  /** @brief The outbind's system_id must equal this (constant-time); empty: any. */
  std::string system_id;
  /** @brief The outbind's password must equal this (constant-time); empty: any. */
  std::string password;
};

/** @brief The ESME's settings; an aggregate with aiosmpplib's defaults. */
struct EsmeConfig {
  std::string smsc_host = "127.0.0.1";  ///< host name or address; not empty
  std::uint16_t smsc_port = 2775;       ///< not 0
  std::string system_id;                ///< at most 15 characters, no NUL
  std::string password;                 ///< at most 8 characters, no NUL; never logged
  std::string system_type;              ///< at most 12 characters, no NUL
  /** @brief TON of address_range (bind's addr_ton). */
  Ton addr_ton = Ton::unknown;
  /** @brief NPI of address_range (bind's addr_npi). */
  Npi addr_npi = Npi::unknown;
  std::string address_range;  ///< at most 40 characters, no NUL
  /** @brief Which bind to send (aiosmpplib binds as transceiver too). */
  BindMode bind_mode = BindMode::transceiver;
  /** @brief The highest SMPP version the Esme speaks, sent as the bind's interface_version:
   *  smpp_3_4 (0x34, the default) or smpp_5_0 (0x50, opt-in). The version in force is the lower
   *  of it and the bind response's sc_interface_version (3.4 when absent), see
   *  Esme::interface_version() and docs/smpp-5.0.md; on a 3.4 session nothing 5.0 is sent. */
  InterfaceVersion interface_version = InterfaceVersion::smpp_3_4;
  /** @brief The application's name for this connection, given to every hook call and written on
   *  every log record; when empty the Esme uses "<system_id>@<host>:<port>". */
  std::string client_id;

  /** @brief Silence after which an enquire_link is sent (aiosmpplib: 55 s). > 0. */
  std::chrono::milliseconds enquire_link_interval{55'000};
  /** @brief Limit on connecting, on binding, and on the answer to an enquire_link (no answer in
   *  time means a dead link). > 0. aiosmpplib: 30 s. */
  std::chrono::milliseconds socket_timeout{30'000};
  /** @brief How long a request may wait for its response; then the message ends with
   *  SendError::Kind::outcome_unknown / errc::response_timeout. > 0. */
  std::chrono::milliseconds response_timeout{15'000};
  /** @brief How long stop() waits for in-flight responses and unbind_resp before closing. > 0. */
  std::chrono::milliseconds stop_timeout{5'000};
  /** @brief After the SMSC's unbind, how long the Esme keeps reading for the responses of
   *  requests still in flight (the SMSC may write them before or after its unbind) before it
   *  closes and reports the rest. > 0. */
  std::chrono::milliseconds unbind_drain_timeout{5'000};
  /** @brief After the SMSC answers a bind with ESME_RALYBND, the next bind attempt waits at least
   *  this long, so the SMSC can drop the old session instead of being hammered. >= 0. */
  std::chrono::milliseconds already_bound_delay{30'000};

  /** @brief Maximum requests awaiting a response (1..65536). The Esme stops taking messages from
   *  the broker while the window is full. Messages waiting to be sent again are not in it (see
   *  requeue_limit). */
  std::size_t window = 64;
  /** @brief Largest PDU read (64 KiB + 16 .. 16 MiB) */
  std::size_t max_pdu_size = 64 * 1024 + 16;

  /** @brief The encoding of enqueued text whose MessageText::encoding is `automatic` (which, left
   *  at `automatic`, means: the default alphabet when the text fits it, else UCS2). What
   *  data_coding 0 itself means, and custom codecs, come from Components::codecs. */
  TextEncoding default_encoding = TextEncoding::automatic;
  /** @brief How long the parts of a segmented incoming deliver_sm are kept waiting for the rest;
   *  then the parts that came are given to the hook one by one, on a timer (checked every
   *  timeout / 8, between 1 ms and 1 s) even when no further part arrives; when the Esme stops,
   *  every partial message is given that way. At most 10000 partial messages are held (the
   *  oldest is given up beyond). > 0. Default 5 minutes. */
  std::chrono::milliseconds reassembly_timeout{300'000};

  /** @brief Adaptive flow control: slow down when the SMSC throttles, speed up while it does not
   *  (FlowControl; on by default). Ignored when Components::flow_control is given. */
  FlowControlOptions flow_control;
  /** @brief Which responses send a message again (default ESME_RTHROTTLED and ESME_RMSGQFUL),
   *  how often and after how long (SimpleRequeuePolicy). Ignored when
   *  Components::requeue_policy is given. */
  RequeueOptions requeue;
  /** @brief The most messages waiting to be sent again (requeued after ESME_RTHROTTLED /
   *  ESME_RMSGQFUL). A waiting message holds no window slot: the window keeps sending fresh
   *  messages while throttled ones wait their delay, in this holding area. Its bound is kept by
   *  taking: a message is taken from the broker only while the requests in flight and the
   *  messages waiting together are fewer than the limit, so that even if every request in flight
   *  is throttled they all fit. When it is full the Esme takes nothing new until messages end
   *  (back-pressure: nothing is dropped and nothing grows). Waiting messages still count as
   *  taken, keep their tracking, outlive reconnections and end in one outcome each.
   *  0 (the default): 4 × window; else window..4,194,304. */
  std::size_t requeue_limit = 0;

  /** @brief Accept outbind instead of connecting (see OutbindConfig). */
  OutbindConfig outbind;

  /** @brief Which receipt states are final where SMSCs disagree (ACCEPTD, UNKNOWN: not final by
   *  default). Only a final receipt takes the correlator's entry (docs/concepts.md). */
  text::FinalityRule receipt_finality;

  /** @brief Hook::receipt() gets one merged ReceiptOutcome per long message (the worst state of
   *  its segments) once every segment's final receipt is in, instead of one per segment.
   *  received() still sees every segment's receipt. Default false. */
  bool merge_receipts = false;
  /** @brief The most long messages whose receipts are being merged; beyond it the oldest is given
   *  up (its receipts so far come out as one incomplete ReceiptOutcome), as are all of them when
   *  the Esme stops. A message with a refused segment waits for this bound or the stop.
   *  1..1,000,000; default 10,000. */
  std::size_t merge_receipts_limit = 10'000;

  /** @brief How the SMSC writes message ids (responses vs receipts); see MessageIdForms. */
  MessageIdForms message_ids = MessageIdForms::as_given;

  /** @brief TLS to the SMSC (off by default; docs/guides/tls.md). Checked by validate() as
   *  "tls.<field>"; certificate and key files are loaded when the Esme is constructed. */
  TlsClientConfig tls;

  /** @brief Threshold of the Esme's own Logger (used when no Logger is given in Components). */
  LogLevel log_level = LogLevel::info;
  /** @brief Extra metadata written on every record, besides client_id, smsc_host and system_id. */
  LogMetadata log_metadata;
};

/** @brief Checks every field of `config`; throws ConfigError naming the first invalid field and
 *  its limit. */
void validate(const EsmeConfig& config);

}  // namespace aiosmpp
