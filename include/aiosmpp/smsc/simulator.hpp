#pragma once

/** @file
 *  @brief The SMSC simulator behind `aiosmpp-smsc-sim`: configuration (flags and JSON), the
 *  sans-io policies (receipts, mobile-originated messages, trouble on purpose) and the Simulator
 *  that runs them on a Server. */

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/tls/config.hpp"

namespace aiosmpp::smsc {

/** @brief A delay drawn uniformly from [min, max]; fixed when min == max. */
struct DelayRange {
  /** @brief Shortest delay. */
  std::chrono::milliseconds min{0};
  /** @brief Longest delay (>= min). */
  std::chrono::milliseconds max{0};
  /** @brief True when min == max. */
  bool fixed() const noexcept { return min == max; }
  friend bool operator==(const DelayRange&, const DelayRange&) = default;
};

/** @brief How a receipt carries its outcome. */
enum class ReceiptStyle : std::uint8_t {
  text,  ///< Appendix B text in short_message only
  tlv,   ///< receipted_message_id and message_state TLVs only (short_message empty)
  both   ///< the text and the TLVs (the default)
};

/** @brief How message ids are written (decimal by default). The quirks are what some operators
 *  do, and an ESME must survive them. */
enum class MessageIdFormat : std::uint8_t {
  decimal,          ///< "1234" everywhere
  hex,              ///< "4d2" everywhere
  hex_in_response,  ///< hex in submit_sm_resp (and receipted_message_id), decimal in the `id:` text
  hex_in_receipt    ///< decimal in submit_sm_resp (and receipted_message_id), hex in `id:`
};

/** @brief An intermediate receipt sent before the final one. */
enum class IntermediateReceipt : std::uint8_t {
  off,       ///< none (the default)
  enroute,   ///< `stat:ENROUTE`
  buffered,  ///< `stat:BUFFRED`
};

/** @brief One accepted login. */
struct Credential {
  /** @brief The login. */
  std::string system_id;
  /** @brief Its password. */
  std::string password;
  friend bool operator==(const Credential&, const Credential&) = default;
};

/** @brief A mobile-originated message to inject. */
struct MoMessage {
  /** @brief The sender (source_addr). */
  std::string from = "447700900001";
  /** @brief The recipient (destination_addr), e.g. a short code. */
  std::string to = "1234";
  /** @brief The text, UTF-8. */
  std::string text = "Hello from aiosmpp-smsc-sim";
  /** @brief How to encode it. */
  text::Encoding encoding = text::Encoding::automatic;
  /** @brief How to send it when it needs several parts. */
  text::LongMessage long_message = text::LongMessage::udh8;
  friend bool operator==(const MoMessage&, const MoMessage&) = default;
};

/** @brief Everything the simulator can be told. Defaults: 127.0.0.1:2775, any credentials,
 *  every submit_sm accepted with a unique message_id and a DELIVRD receipt 100 ms later, no MO,
 *  no trouble, a statistics line every 10 s. */
struct SimConfig {
  /** @brief Address to listen on. */
  std::string host = "127.0.0.1";
  /** @brief Port to listen on (0: any free port). */
  std::uint16_t port = 2775;
  /** @brief system_id sent in bind responses. */
  std::string system_id = "aiosmpp-sim";
  /** @brief The highest SMPP version spoken, announced as sc_interface_version: 3.4 (default, so
   *  that every existing client, node-smpp's 0x50 binds included, sees what it always saw) or
   *  5.0. A session speaks the lower of it and the bind's interface_version. */
  InterfaceVersion interface_version = InterfaceVersion::smpp_3_4;
  /** @brief On 5.0 sessions, every submit_sm_resp carries congestion_state: the session's
   *  submit_sm rate over the last second as a percentage of this (capped at 100). 0: off. */
  double congestion_capacity = 0;
  /** @brief Broadcasts (SMPP 5.0 broadcast_sm, on 5.0 sessions) kept for query_broadcast_sm and
   *  cancel_broadcast_sm; beyond it the oldest is forgotten (a query or cancel of it then fails
   *  with ESME_RBCASTQUERYFAIL / ESME_RBCASTCANCELFAIL). 1..1000000. */
  std::size_t max_broadcasts = 10000;
  /** @brief broadcast_area_identifier TLVs one broadcast_sm may carry (each at most 101 octets,
   *  kept to be reported by query_broadcast_sm); more: ESME_RINVNUMBCAST_AREAS. 1..1000. */
  std::size_t max_broadcast_areas = 16;
  std::vector<Credential> credentials;        ///< empty: accept any system_id and password
  std::optional<CommandStatus> refuse_binds;  ///< answer every bind with this status
  /** @brief Bound sessions at once; more binds get ESME_RBINDFAIL. */
  std::size_t max_sessions = 100;
  std::size_t window = 100;  ///< deliver_sm in flight per session
  /** @brief Idle time after which the simulator sends enquire_link. */
  std::chrono::milliseconds enquire_link_interval{std::chrono::seconds(30)};
  /** @brief How long a deliver_sm waits for its response. */
  std::chrono::milliseconds response_timeout{std::chrono::seconds(10)};

  /** @brief TLS (docs/guides/tls.md), on when tls.cert_file is set: the port is TLS, or, with
   *  tls_port, a TLS port is opened beside the plain one. Client certificates are asked for when
   *  tls.client_ca_file is set. */
  TlsServerConfig tls;
  /** @brief A TLS port beside the plain `port` (0: any free one). Unset: `port` itself is TLS
   *  when tls.cert_file is set. */
  std::optional<std::uint16_t> tls_port;

  // Limits (docs/simulator.md, "Limits"): the server's (ServerConfig) and the simulator's own.
  /** @brief Connections at once; one beyond it is closed on accept. */
  std::size_t max_connections = 1024;
  /** @brief Connections at once from one address (0: only max_connections). */
  std::size_t max_connections_per_address = 0;
  /** @brief Failed binds after which a connection is closed (0: no limit). Unset: 3, or no
   *  limit with refuse_binds (refusals are then the point, not a guesser). */
  std::optional<std::size_t> max_bind_failures;
  /** @brief A failed bind's response is held back this long. Unset: 1 s, or none with
   *  refuse_binds. */
  std::optional<std::chrono::milliseconds> bind_failure_delay;
  /** @brief A connection that has not bound is closed after this. */
  std::chrono::milliseconds session_init_timeout{std::chrono::seconds(30)};
  /** @brief A session without a whole PDU from the ESME for this long is closed (0: off). */
  std::chrono::milliseconds inactivity_timeout{std::chrono::seconds(120)};
  /** @brief The rest of a PDU must arrive within this once it has started. */
  std::chrono::milliseconds pdu_timeout{std::chrono::seconds(10)};
  /** @brief How long the simulator's unbind waits for unbind_resp. */
  std::chrono::milliseconds unbind_timeout{std::chrono::seconds(2)};
  /** @brief How long an ending session may take to write what is queued. */
  std::chrono::milliseconds close_timeout{std::chrono::seconds(2)};
  /** @brief After SIGTERM / stop(), sessions still open after this are closed hard. */
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(5)};
  /** @brief Largest command_length accepted. */
  std::size_t max_pdu_size = default_max_pdu_size;
  /** @brief Delayed responses owed per session; more submit_sm get ESME_RTHROTTLED. */
  std::size_t max_pending_requests = 10000;
  /** @brief deliver_sm (MO) waiting for a window slot per session. */
  std::size_t max_backlog = 10000;
  /** @brief Octets queued for one session at which it stops reading. */
  std::size_t write_high_water = 1024 * 1024;
  /** @brief Octets queued for one session at which it is closed. */
  std::size_t max_write_buffer = 16 * 1024 * 1024;
  /** @brief Receipts owed for the submit_sm of one session (scheduled, queued or in flight);
   *  beyond it submit_sm asking for a receipt get ESME_RMSGQFUL. */
  std::size_t max_receipts_per_session = 250000;
  /** @brief The same over the whole simulator, receipts waiting for a receiver included. */
  std::size_t max_receipts = 1000000;
  /** @brief MO deliver_sm outstanding (queued or in flight) per session; a receiver at it is
   *  skipped and MO waits. */
  std::size_t max_mo_per_session = 1000;
  /** @brief The same over the whole simulator. */
  std::size_t max_mo = 10000;
  /** @brief Lines per second of each warning a client can cause at will (connection_refused,
   *  response_timeout, receipt_dropped, mo_dropped, and on the TLS port tls_handshake_failed,
   *  tls_handshake_timeout, tls_refused); more are counted in log_suppressed, and the next line
   *  written says how many were left out ("suppressed"). 0: no limit. */
  std::uint32_t max_warnings_per_second = 10;
  /** @brief PDUs remembered per session for recent_pdus() (a ring; the oldest goes first).
   *  0 (the default): none, and nothing is recorded on the PDU path. */
  std::size_t recent_pdus = 0;
  /** @brief A receipt the ESME did not take is offered again after `min`, doubling per attempt up
   *  to `max`. */
  DelayRange receipt_retry{std::chrono::seconds(1), std::chrono::seconds(60)};

  /** @brief Send delivery receipts (when the submit asked for one). */
  bool receipts = true;
  /** @brief Delay between submit_sm_resp and the receipt. */
  DelayRange receipt_delay{std::chrono::milliseconds(100), std::chrono::milliseconds(100)};
  /** @brief Final states and their weights (DELIVRD 1 by default). */
  std::vector<std::pair<text::DeliveryState, double>> receipt_states{
      {text::DeliveryState::delivered, 1.0}};
  /** @brief Text, TLVs or both. */
  ReceiptStyle receipt_style = ReceiptStyle::both;

  double mo_rate = 0;          ///< MO messages per second over all receivers; 0: none
  std::uint64_t mo_count = 0;  ///< stop after this many (0: no limit; a file is sent once)
  std::string mo_file;         ///< one message per line: text, or a JSON object (see docs)
  MoMessage mo;                ///< what to send when no file is given

  /** @brief Receipts sent before their submit_sm_resp: a share of them... */
  double receipt_first_rate = 0;
  /** @brief ...and/or every Nth (0: none). Such a receipt goes out at once (no receipt_delay)
   *  and its submit_sm_resp is written right after it. */
  std::uint64_t receipt_first_every = 0;
  /** @brief An intermediate receipt (esm_class delivery receipt, no message_state TLV) half-way
   *  to the final one. */
  IntermediateReceipt intermediate_receipt = IntermediateReceipt::off;
  /** @brief Share of receipts preceded by the intermediate one (when enabled). */
  double intermediate_rate = 1;
  /** @brief How message ids are written. */
  MessageIdFormat message_ids = MessageIdFormat::decimal;

  double error_rate = 0;  ///< share of submit_sm answered with an error status
  /** @brief Error statuses and their weights, used for error_rate. */
  std::vector<std::pair<CommandStatus, double>> error_statuses{{CommandStatus::throttled, 1.0}};
  DelayRange response_delay;         ///< delay before a submit_sm_resp
  double response_delay_rate = 1;    ///< share of submit_sm_resp that are delayed
  double withhold_rate = 0;          ///< share of submit_sm never answered
  std::uint64_t drop_every = 0;      ///< close the connection on every Nth PDU received (0: never)
  double max_submit_rate = 0;        ///< submit_sm per second per session; above: ESME_RTHROTTLED
  std::uint64_t throttle_every = 0;  ///< every Nth submit_sm of a session: ESME_RTHROTTLED
  double throttle_rate = 0;          ///< share of submit_sm answered ESME_RTHROTTLED
  double queue_full_above = 0;       ///< submit_sm per second per session; above: ESME_RMSGQFUL
  std::uint64_t queue_full_every = 0;  ///< every Nth submit_sm of a session: ESME_RMSGQFUL
  double queue_full_rate = 0;          ///< share of submit_sm answered ESME_RMSGQFUL
  /** @brief submit_sm per second summed over every bind of one system_id (a sliding one-second
   *  window); above: ESME_RTHROTTLED. 0: no limit. */
  double account_rate = 0;
  /** @brief Bound sessions per system_id; a bind beyond it gets ESME_RBINDFAIL. 0: no limit. */
  std::size_t max_binds_per_account = 0;
  /** @brief After a session's Nth submit_sm the simulator sends unbind, and writes the responses
   *  of the last `unbind_owed` submit_sm after it (0: never). */
  std::uint64_t unbind_after = 0;
  /** @brief Responses written after the simulator's unbind (at least 1, at most unbind_after). */
  std::uint64_t unbind_owed = 1;

  std::chrono::milliseconds stats_interval{std::chrono::seconds(10)};  ///< 0: only at exit
  /** @brief Threshold of the simulator's log. */
  LogLevel log_level = LogLevel::info;
  std::uint64_t seed = 0;  ///< 0: random
};

/** @brief Sets one simulator option by its name: the one setter behind aiosmpp-smsc-sim's flags,
 *  the keys of its JSON config file and the keys of JSON lines in an MO file, so all three accept
 *  the same values. `name` is the flag without its dashes ("receipt-delay", "port"; '_' may
 *  stand for '-'); "config" applies a JSON config file (apply_sim_config_file()).
 *  @throws std::invalid_argument naming the option, the value and what is allowed. */
void apply_sim_option(SimConfig& config, std::string_view name, std::string_view value);

/** @brief True for the options whose value may be left out on a command line ("refuse-binds"
 *  alone means ESME_RBINDFAIL); apply_sim_option() then takes an empty value. */
bool sim_option_value_optional(std::string_view name);

/** @brief Applies a JSON object of options (keys as in apply_sim_option(); values strings,
 *  numbers, booleans; "credentials" also as [{"system_id":..,"password":..}], "receipt_states"
 *  and "error_statuses" also as {"DELIVRD": 90, ...}, "mo" as an object of the mo-* options).
 *  @throws std::invalid_argument naming the key. */
void apply_sim_json(SimConfig& config, std::string_view json_text);

/** @brief Reads the JSON config file at `path` and applies it (apply_sim_json()).
 *  @throws std::invalid_argument when it cannot be read or is invalid. */
void apply_sim_config_file(SimConfig& config, const std::string& path);

/** @brief A command_status by name ("ESME_RTHROTTLED", "throttled") or number ("0x58", "88").
 *  @throws std::invalid_argument. */
CommandStatus parse_command_status(std::string_view text);

// ---- sans-io policies ----------------------------------------------------------------------

/** @brief Uniform numbers in [0, 1); the simulator's only source of randomness, so that tests can
 *  inject a sequence. */
using UniformSource = std::function<double()>;

/** @brief The index `u` (in [0, 1)) selects when each entry i has weight w[i]; weights <= 0 are
 *  never chosen. @throws std::invalid_argument when no weight is positive. */
std::size_t pick_weighted(std::span<const double> weights, double u);

/** @brief min + u * (max - min), rounded down to whole milliseconds. */
std::chrono::milliseconds pick_delay(const DelayRange& range, double u) noexcept;

/** @brief What to do with one submit_sm. */
struct SubmitDecision {
  /** @brief Answer (after delay) or never answer. */
  enum class Action : std::uint8_t { respond, withhold } action = Action::respond;  ///< the choice
  /** @brief The status to answer with. */
  CommandStatus status = CommandStatus::ok;
  /** @brief How long to wait before answering. */
  std::chrono::milliseconds delay{0};
  /** @brief Which rule chose a refusal (for the counters). */
  enum class Reason : std::uint8_t {
    none,                   ///< accepted
    account,                ///< account_rate
    throttled,              ///< max_submit_rate, throttle_every, throttle_rate
    queue_full,             ///< queue_full_above, queue_full_every, queue_full_rate
    withheld,               ///< withhold_rate
    error                   ///< error_rate
  } reason = Reason::none;  ///< the rule
  friend bool operator==(const SubmitDecision&, const SubmitDecision&) = default;
};

/** @brief What decide_submit() needs to know about one submit_sm besides the configuration. */
struct SubmitContext {
  bool within_account_rate = true;  ///< under account_rate (its system_id)
  bool within_rate = true;          ///< under max_submit_rate (its session)
  bool within_queue_rate = true;    ///< under queue_full_above (its session)
  /** @brief 1 for the session's first submit_sm, 2 for the next, ... (for the every-Nth rules). */
  std::uint64_t index = 1;
};

/** @brief The trouble policy for one submit_sm, first match wins: over account_rate,
 *  max_submit_rate, throttle_every, throttle_rate: ESME_RTHROTTLED; over queue_full_above,
 *  queue_full_every, queue_full_rate: ESME_RMSGQFUL; withheld with probability withhold_rate;
 *  an error status with probability error_rate (chosen by weight); else ESME_ROK. Then the
 *  response delay, for a share response_delay_rate. Draws from `rng` only for what the
 *  configuration enables. */
SubmitDecision decide_submit(const SimConfig& config, const SubmitContext& context,
                             const UniformSource& rng);

/** @brief Submit_sm per second summed over every bind of one account, in a sliding one-second
 *  window (exact: it remembers the last `rate` acceptances). No clock of its own. */
class SlidingWindowLimiter {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;
  /** @brief `rate`: at most this many per second; 0: no limit. */
  explicit SlidingWindowLimiter(double rate = 0);
  /** @brief Takes one at `now`; false when `rate` were taken within the last second. */
  bool try_acquire(Clock::time_point now);
  /** @brief True when nothing was taken within the second before `now` (a fresh limiter would
   *  decide the same from then on). */
  bool idle(Clock::time_point now) const noexcept;

 private:
  std::vector<Clock::time_point> times_;  // ring of the last acceptances
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

/** @brief Whether an ESME that asked `requested` wants a receipt for `final_state`: receipt
 *  always (1), on failure only (2, not for DELIVRD), on success only (3, SMPP 5.0). */
bool receipt_wanted(RegisteredDelivery requested, text::DeliveryState final_state) noexcept;

/** @brief A token bucket: `rate` per second with a burst of max(1, rate / 10), refilled from the
 *  times it is given (no clock of its own). rate 0 allows everything. */
class SubmitRateLimiter {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;
  /** @brief `rate`: submit_sm per second; 0: no limit. */
  explicit SubmitRateLimiter(double rate = 0) noexcept;
  /** @brief Takes one token at `now`; false when over the rate. */
  bool try_acquire(Clock::time_point now) noexcept;

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

/** @brief Events per second over the last second, in ten 100 ms buckets, from the times it is
 *  given (no clock of its own): the simulator's load for congestion_state. */
class LoadMeter {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;
  /** @brief Counts one event at `now`; returns the events of the last second (it included). */
  std::uint32_t add(Clock::time_point now) noexcept;

 private:
  std::array<std::uint32_t, 10> buckets_{};
  std::int64_t current_ = 0;  // the bucket `now` fell in last time
  std::uint32_t sum_ = 0;
  bool started_ = false;
};

/** @brief What a receipt reports about one message. */
struct ReceiptInfo {
  /** @brief The message_id given in submit_sm_resp. */
  std::string message_id;
  PhoneNumber source;       ///< of the original submit_sm (the receipt's destination)
  PhoneNumber destination;  ///< of the original submit_sm (the receipt's source)
  /** @brief When the submit_sm was accepted. */
  std::chrono::system_clock::time_point submitted;
  /** @brief The final state to report. */
  text::DeliveryState state = text::DeliveryState::delivered;
  std::string text;  ///< the start of the original text (printable ASCII, at most 20)
  /** @brief An intermediate receipt: `stat:` says this (ENROUTE, BUFFRED), dlvrd:000, and no
   *  message_state TLV. Empty: a final receipt for `state`. */
  std::string intermediate_stat;
  /** @brief The `id:` of the text when it differs from message_id (an operator writing its ids
   *  in another base there); empty: message_id. */
  std::string text_id;
};

/** @brief The deliver_sm receipt for `info` in `style`, done at `done` (Appendix B text with
 *  dates in UTC; err 000 for DELIVRD, 001 otherwise). */
DeliverSm make_receipt(const ReceiptInfo& info, ReceiptStyle style,
                       std::chrono::system_clock::time_point done);

/** @brief The deliver_sm PDUs carrying one MO message (several when split with UDH or SAR).
 *  @throws text::TextException when the text cannot be encoded as asked. */
std::vector<DeliverSm> make_mo(const MoMessage& message);

/** @brief Reads an MO file: one message per line, either plain text (sent with `defaults`' from,
 *  to, encoding and long mode) or a JSON object with any of "from", "to", "text", "encoding"
 *  (auto|gsm7|ucs2|latin1|ascii), "long" (payload|udh8|udh16|sar). Empty lines are skipped.
 *  @throws std::invalid_argument naming the line. */
std::vector<MoMessage> load_mo_file(const std::string& path, const MoMessage& defaults);

/** @brief Counters the statistics line reports. Every submit_sm that reaches the simulator's
 *  handlers is counted once in submits and once in accepted, submit_errors or withheld. */
struct SimStats {
  /** @brief Binds accepted. */
  std::uint64_t binds = 0;
  /** @brief Binds refused. */
  std::uint64_t bind_failures = 0;
  /** @brief submit_sm (and data_sm, submit_multi) received. */
  std::uint64_t submits = 0;
  /** @brief Answered ESME_ROK (a message_id given). */
  std::uint64_t accepted = 0;
  /** @brief Answered with a non-zero status the simulator chose: error_rate, the rate limit,
   *  a receipt bound. */
  std::uint64_t submit_errors = 0;
  /** @brief Of which ESME_RTHROTTLED by a throttling rule (max_submit_rate, account_rate,
   *  throttle_every, throttle_rate). */
  std::uint64_t throttled = 0;
  std::uint64_t account_throttled = 0;  ///< of those, over account_rate
  /** @brief Of which ESME_RMSGQFUL: a receipt bound or a queue-full rule. */
  std::uint64_t queue_full = 0;
  /** @brief Never answered (withhold_rate). */
  std::uint64_t withheld = 0;
  /** @brief Answered after response_delay (of the above). */
  std::uint64_t delayed = 0;
  /** @brief Requests the session answered ESME_RTHROTTLED because max_pending_requests delayed
   *  responses were owed (these never reach the simulator's handlers). */
  std::uint64_t pending_throttled = 0;
  /** @brief Receipts sent before their submit_sm_resp (receipt_first_*). */
  std::uint64_t receipts_first = 0;
  /** @brief Intermediate receipts sent (ENROUTE, BUFFRED); not counted in receipts_sent. */
  std::uint64_t receipts_intermediate = 0;
  /** @brief Sessions the simulator unbound with responses still owed (unbind_after). */
  std::uint64_t unbinds = 0;
  /** @brief Receipts sent (each attempt). */
  std::uint64_t receipts_sent = 0;
  /** @brief Receipts answered ESME_ROK. */
  std::uint64_t receipts_acked = 0;
  /** @brief Receipts answered with an error that is not "later": given up. */
  std::uint64_t receipts_failed = 0;
  /** @brief Receipts offered again (timed out, "later" errors, lost to a drop). */
  std::uint64_t receipts_retried = 0;
  /** @brief Receipts that could not be built for the ESME (an address too long for deliver_sm,
   *  say): logged and dropped. */
  std::uint64_t receipts_dropped = 0;
  std::uint64_t receipts_waiting = 0;  ///< scheduled, queued behind a window, or no receiver bound
  /** @brief MO deliver_sm sent. */
  std::uint64_t mo_sent = 0;
  /** @brief MO deliver_sm answered ESME_ROK. */
  std::uint64_t mo_acked = 0;
  /** @brief MO deliver_sm that failed. */
  std::uint64_t mo_failed = 0;
  /** @brief MO deliver_sm that could not be built for the session (an address too long, say):
   *  logged and dropped, not sent, not in mo_failed. */
  std::uint64_t mo_dropped = 0;
  std::uint64_t drops = 0;  ///< connections closed on purpose (drop_every)
  /** @brief generic_nack sent. */
  std::uint64_t generic_nacks = 0;
  /** @brief Sessions closed by a deadline (bind, inactivity, PDU, unbind, close, enquire_link). */
  std::uint64_t timeouts = 0;
  /** @brief Connections refused (max_connections, max_connections_per_address). */
  std::uint64_t refused = 0;
  /** @brief Connections closed after max_bind_failures refused binds. */
  std::uint64_t bind_failure_closes = 0;
  /** @brief Sessions closed because their write buffer reached max_write_buffer. */
  std::uint64_t write_overflows = 0;
  /** @brief Sessions ended by an error inside them (a handler threw). */
  std::uint64_t sessions_failed = 0;
  /** @brief Sessions still open shutdown_timeout after stop(), closed hard. */
  std::uint64_t shutdown_closes = 0;
  /** @brief Session::send() refused because the session's backlog held max_backlog requests. */
  std::uint64_t backlog_full = 0;
  /** @brief Warning lines not written because their kind exceeded max_warnings_per_second
   *  (connection_refused, response_timeout, receipt_dropped, mo_dropped). */
  std::uint64_t log_suppressed = 0;
  /** @brief broadcast_sm accepted (a message_id given). */
  std::uint64_t broadcasts = 0;
  /** @brief broadcast_sm refused (a mandatory TLV missing, too many areas). */
  std::uint64_t broadcast_errors = 0;
  /** @brief Sessions open now. */
  std::uint64_t sessions = 0;
  /** @brief system_ids the simulator keeps now (for account_rate and max_binds_per_account):
   *  the bound ones, and unbound ones that submitted within the last second, until the next
   *  sweep (at most twice the number kept after the previous one). */
  std::uint64_t accounts = 0;
  std::uint64_t window = 0;   ///< deliver_sm in flight over all sessions
  std::uint64_t backlog = 0;  ///< deliver_sm waiting for a window slot
};

/** @brief "stats sessions=1 binds=1 ... window=0 backlog=0" (one line, no newline). */
std::string format_stats(const SimStats& stats);

/** @brief One PDU in a session's recent-PDU ring (SimConfig::recent_pdus). */
struct RecentPdu {
  /** @brief When it was read or handed to the session. */
  std::chrono::system_clock::time_point time;
  /** @brief True: from the ESME; false: sent by the simulator. */
  bool received = false;
  CommandId command_id = CommandId::generic_nack;  ///< its command
  CommandStatus status = CommandStatus::ok;        ///< its command_status
  /** @brief Its sequence_number; 0 for a request the simulator sent (the session numbers it
   *  when it leaves the window; its response carries the number). */
  std::uint32_t sequence = 0;
};

/** @brief A live session as Simulator::sessions() lists it. */
struct SimSessionInfo {
  std::uint64_t id = 0;                        ///< Session::id()
  SessionState state = SessionState::open;     ///< where it is
  BindType bind_type = BindType::transceiver;  ///< meaningful once bound
  std::string system_id;                       ///< empty before the bind
  std::string remote;                          ///< "address:port"
  std::uint64_t submits = 0;                   ///< submit_sm received from it
  std::size_t in_flight = 0;                   ///< deliver_sm awaiting its response
  std::size_t backlog = 0;                     ///< deliver_sm waiting for a window slot
  std::size_t pending_requests = 0;            ///< its requests answered later, still owed
  std::size_t receipts_owed = 0;               ///< receipts owed for its messages
  std::size_t mo_outstanding = 0;              ///< MO deliver_sm queued or in flight to it
};

/** @brief The options set_option() changes while the simulator runs (the trouble-on-purpose
 *  ones): error-rate, error-status, response-delay, response-delay-rate, withhold-rate,
 *  drop-every, max-submit-rate, throttle-every, throttle-rate, queue-full-above,
 *  queue-full-every, queue-full-rate, account-rate. */
std::span<const std::string_view> sim_runtime_options() noexcept;
/** @brief One run-time option for Simulator::set_options(): its name (as set_option() takes it)
 *  and its value as text. */
using RuntimeOption = std::pair<std::string, std::string>;

/** @brief The simulator: a Server with handlers that behave as SimConfig says, a scheduler for
 *  receipts and delayed responses, an MO injector and a statistics timer. Lives on one executor;
 *  no threads. Not thread-safe. */
class Simulator {
 public:
  /** @param rng uniform source (tests inject one); default: mt19937_64 seeded from config.seed.
   *  @throws std::invalid_argument for an inconsistent configuration, std::system_error for an
   *  unreadable MO file. */
  Simulator(asio::any_io_executor executor, SimConfig config, Logger logger = {},
            UniformSource rng = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /** @brief Listens on config.host:config.port (port 0: any free port), over TLS when
   *  config.tls.cert_file is set and there is no tls_port; opens the TLS port tls_port beside it
   *  when that is set. @return where `port` listens (see tls_endpoint()).
   *  @throws std::invalid_argument naming the --tls-* option OpenSSL refused,
   *  std::system_error. */
  asio::ip::tcp::endpoint listen();
  /** @brief After listen(): where TLS is served (`port` itself or tls_port); nullopt without
   *  TLS. */
  std::optional<asio::ip::tcp::endpoint> tls_endpoint() const;
  /** @brief Runs until stop(); completes after every session has ended. */
  asio::awaitable<void> run();
  /** @brief Graceful shutdown (unbinds every session). */
  void stop();

  /** @brief Called with each periodic statistics line (config.stats_interval). */
  void on_stats(std::function<void(const std::string&)> callback);

  /** @brief The counters now. */
  SimStats stats() const;
  /** @brief The live sessions, by id. */
  std::vector<SimSessionInfo> sessions() const;
  /** @brief Session `id`'s last config().recent_pdus PDUs, oldest first (empty when it records
   *  none). @throws std::out_of_range when no live session has that id. */
  std::vector<RecentPdu> recent_pdus(std::uint64_t id) const;
  /** @brief Sends `message` to session `id` now, as the MO injector would (split when long,
   *  counted in mo_sent / mo_acked / mo_failed). @return the deliver_sm queued.
   *  @throws std::out_of_range (no such session), std::invalid_argument when it is not bound as
   *  a receiver or transceiver, holds max_mo_per_session, or the text cannot be encoded. */
  std::size_t inject_mo(std::uint64_t id, const MoMessage& message);
  /** @brief Sends a receipt for `info` (in config().receipt_style, done now) to session `id`,
   *  counted in receipts_sent / receipts_acked / receipts_failed; it is not offered again.
   *  @throws std::out_of_range, std::invalid_argument as inject_mo(). */
  void inject_receipt(std::uint64_t id, const ReceiptInfo& info);
  /** @brief Changes one of sim_runtime_options() while running; sessions see it from their
   *  next submit_sm (rate limits restart from a full bucket).
   *  @throws std::invalid_argument naming the option (as apply_sim_option(), or not one that
   *  can change at run time; drop-every needs recent_pdus or drop_every above 0 at start). */
  void set_option(std::string_view name, std::string_view value);
  /** @brief Changes several of sim_runtime_options() at once, all or nothing: each is checked
   *  (as set_option()) before any is applied, so a refused one leaves every option as it was.
   *  Later values of the same option win. @throws std::invalid_argument naming the first
   *  option refused. */
  void set_options(std::span<const RuntimeOption> options);
  /** @brief The configuration in use. */
  const SimConfig& config() const noexcept;
  /** @brief The underlying Server. */
  Server& server() noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aiosmpp::smsc
