#pragma once

/** @file
 *  @brief Esme: the SMPP client runtime (aiosmpplib's ESME) on Asio coroutines, with a window of
 *  in-flight requests and an outcome for every message. */

#include <cstdint>
#include <memory>
#include <string_view>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "aiosmpp/esme/config.hpp"
#include "aiosmpp/esme/correlator.hpp"
#include "aiosmpp/esme/flow_control.hpp"
#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/esme/outcome.hpp"
#include "aiosmpp/esme/rate_limiter.hpp"
#include "aiosmpp/esme/retry_timer.hpp"
#include "aiosmpp/esme/sequence_generator.hpp"
#include "aiosmpp/esme/throttle_handler.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/text/codec.hpp"

namespace aiosmpp {

/** @brief The pluggable parts of an Esme; anything left empty gets the default (SimpleBroker on
 *  the Esme's executor, SimpleCorrelator, SimpleHook, no rate limit, no ThrottleHandler,
 *  FlowControl and SimpleRequeuePolicy from EsmeConfig, ExponentialBackoff,
 *  SimpleSequenceGenerator, a Logger writing JSON lines to stderr at EsmeConfig::log_level).
 *  Shared so one component may serve several Esmes. */
struct Components {
  /** @brief Where messages come from; empty: a SimpleBroker (capacity 2500) on the Esme's
   *  executor. */
  std::shared_ptr<Broker> broker;
  /** @brief Receipt correlation; empty: a SimpleCorrelator (3 days, in memory). Use a durable
   *  one to survive restarts. */
  std::shared_ptr<Correlator> correlator;
  /** @brief Told every outcome; empty: a SimpleHook (logs at TRACE). */
  std::shared_ptr<Hook> hook;
  std::shared_ptr<RateLimiter> rate_limiter;  ///< empty: no rate limit
  /** @brief aiosmpplib's throttle handler: when given, it is told every response status and
   *  asked before each batch is taken and before direct requests are sent (see
   *  ThrottleHandler). Empty: none; adaptive flow control
   *  (flow_control) and the requeue policy handle throttling instead. */
  std::shared_ptr<ThrottleHandler> throttle_handler;
  /** @brief The adaptive rate (see FlowControl); share one between Esmes that bind the same
   *  account so they slow down together. Empty: one of the Esme's own from
   *  EsmeConfig::flow_control (none when that is disabled). */
  std::shared_ptr<FlowControl> flow_control;
  /** @brief Which answers send a message again, and when. Empty: a SimpleRequeuePolicy from
   *  EsmeConfig::requeue. */
  std::shared_ptr<RequeuePolicy> requeue_policy;
  /** @brief Reconnection delays; empty: an ExponentialBackoff (1 s doubling to 32 s, jittered). */
  std::shared_ptr<RetryTimer> retry_timer;
  /** @brief Request sequence numbers; empty: a SimpleSequenceGenerator. */
  std::shared_ptr<SequenceGenerator> sequence_generator;
  /** @brief When set, the Esme logs through a copy of it with its metadata added (its level is
   *  the logger's, not EsmeConfig::log_level). */
  std::shared_ptr<Logger> logger;
  /** @brief Custom codecs and the meaning of data_coding 0, for rendering enqueued text and
   *  decoding reassembled messages; empty: the built-ins (data_coding 0 = GSM 03.38). */
  std::shared_ptr<const text::CodecRegistry> codecs;
};

/** @brief Where the Esme's connection is. */
enum class SessionState : std::uint8_t {
  closed,      ///< no connection (not started, between reconnects, or stopped)
  connecting,  ///< TCP connect or bind in progress
  bound,       ///< bound: sending and receiving
  unbinding,   ///< stop() in progress: draining and unbinding
};

/** @brief "closed", "connecting", "bound", "unbinding". */
std::string_view to_string(SessionState state) noexcept;

/** @brief Counters since construction (read them on the Esme's executor). Every message taken
 *  from the broker ends in exactly one of responses or send_errors, so once the Esme is idle
 *  `taken == responses + send_errors`. */
struct EsmeStats {
  std::uint64_t taken = 0;           ///< messages taken from the broker
  std::uint64_t responses = 0;       ///< responses matched to a request (any command_status)
  std::uint64_t send_errors = 0;     ///< outcomes reported through send_error
  std::uint64_t late_responses = 0;  ///< responses that matched nothing (after a timeout, ...)
  std::uint64_t received = 0;        ///< requests from the SMSC (deliver_sm, data_sm, ...)
  std::uint64_t connects = 0;        ///< successful binds
  std::uint64_t in_flight = 0;       ///< requests awaiting a response now
  std::uint64_t max_in_flight = 0;   ///< highest in_flight seen (never above the window)
  std::uint64_t throttled = 0;  ///< responses with ESME_RTHROTTLED or ESME_RMSGQFUL (any outcome)
  std::uint64_t requeued = 0;   ///< times a message was kept to be sent again (RequeuePolicy)
  std::uint64_t held_receipts = 0;      ///< receipts the correlator held until their response came
  std::uint64_t repeated_receipts = 0;  ///< receipts the correlator knew as offered again
};

struct EsmeMetrics;

/** @brief An SMPP 3.4 (or, with EsmeConfig::interface_version, 5.0) ESME (client): binds to an
 * SMSC, takes messages from the Broker, sends them with up to `window` requests in flight, gives
 * every outcome to the Hook, answers the SMSC's requests, keeps the link alive and reconnects with
 * back-off.
 *
 *  Threads: the Esme runs no threads of its own and is not thread-safe; every member function
 *  must be called, and every awaitable awaited, on `executor` (an io_context's executor, or a
 *  strand when several threads run it). Producers on other threads hand messages over with
 *  SimpleBroker::try_enqueue(). The Esme must outlive start().
 *
 *  Outcomes: every message taken from the broker ends in exactly one of Hook::received (the
 *  response, with the message's tracking attached) or Hook::send_error (SendError says whether
 *  it was invalid, not sent, or of unknown outcome), through timeouts, disconnects, stop() and
 *  restarts; requests in flight are reported the moment the connection drops (Hook::outcome gives
 *  both shapes in one). Only throttling answers (EsmeConfig::requeue) are sent again by the Esme,
 *  before the outcome; to retry anything else, enqueue the message again (see SendError). */
class Esme {
 public:
  /** @throws ConfigError when `config` is invalid (see validate()). */
  Esme(asio::any_io_executor executor, EsmeConfig config, Components components = {});
  ~Esme();
  Esme(const Esme&) = delete;
  Esme& operator=(const Esme&) = delete;

  /** @brief Connects and binds once (connect and bind each limited by socket_timeout).
   *  @throws SmppError with the bind response's command_status when the SMSC rejects the bind;
   *  std::system_error with the transport's error (or errc::response_timeout) otherwise. Does
   *  nothing when already bound. The session then runs when start() is awaited. */
  asio::awaitable<void> connect();

  /** @brief Runs until stop(): connect, bind, send, receive, keep alive, and after any failure
   *  report in-flight messages, wait the retry timer (jittered back-off) and reconnect. Returns
   *  after stop() completes. Cancelling the awaiting coroutine is the hard stop: the connection is
   *  closed without unbind and in-flight messages are reported. Only one start() at a time
   *  (a second concurrent call throws std::logic_error). */
  asio::awaitable<void> start();

  /** @brief Graceful stop: stop taking from the broker, wait for in-flight responses up to
   *  `stop_timeout`, unbind, close, then report every request still without a response. Callable
   *  while start() runs (from another coroutine on the same executor); returns once start() has
   *  returned. Idempotent; does nothing when nothing runs. */
  asio::awaitable<void> stop();

  /** @brief Sends `message` and returns its one outcome: the SMSC's response (any
   *  command_status, with its message_id) or the SendError that ended it. It goes through the
   *  same window, rate limit, flow control, requeueing and accounting as the broker's messages
   *  (and ahead of them), and the hook sees it as it sees theirs (sending, received or
   *  send_error, outcome). While start() runs but the Esme is not bound, it waits for the bind;
   *  when start() is not running, or stop() ends it before it was sent, the outcome is
   *  SendError::Kind::not_sent (errc::not_bound / errc::stopped). Text (MessageText) is
   *  rendered as for the broker's messages; a long message has one outcome.
   *
   *  Cancellation (terminal, through the awaiting coroutine): before the message is sent it is
   *  withdrawn and the call throws std::system_error(operation_aborted); once sent, it still ends
   *  in one outcome, which then reaches the hook only, and the call throws the same. Call on the
   *  Esme's executor; many may be awaited at once. */
  asio::awaitable<Outcome> submit(SubmitSm message);
  /** @brief As submit(), for data_sm. */
  asio::awaitable<Outcome> data_sm(DataSm message);
  /** @brief As submit(), for query_sm (the response carries the message's state). */
  asio::awaitable<Outcome> query_sm(QuerySm message);
  /** @brief As submit(), for replace_sm. */
  asio::awaitable<Outcome> replace_sm(ReplaceSm message);
  /** @brief As submit(), for cancel_sm. */
  asio::awaitable<Outcome> cancel_sm(CancelSm message);
  /** @brief As submit(), for any of the requests above held in a Pdu (anything else ends as
   *  invalid_message). */
  asio::awaitable<Outcome> request(Pdu message);

  /** @brief The broker the Esme takes messages from (the one given, or its SimpleBroker). */
  Broker& broker() noexcept;
  /** @brief The correlator in use. */
  Correlator& correlator() noexcept;
  /** @brief Where the connection is now. */
  SessionState session_state() const noexcept;
  /** @brief The SMPP version in force on the current (or last) session: the lower of
   *  EsmeConfig::interface_version and the bind response's sc_interface_version (3.4 when the
   *  SMSC leaves it out); nullopt before the first bind. On a 3.4 session a message carrying a
   *  5.0 TLV, or a 5.0 request (broadcast_sm, ...), ends as SendError::Kind::invalid_message
   *  naming it, and nothing of it is sent (docs/smpp-5.0.md). The "bound" log record says it
   *  too. */
  std::optional<InterfaceVersion> interface_version() const noexcept;
  /** @brief The last congestion_state (SMPP 5.0, 0-100) the SMSC put in a response on a 5.0
   *  session (flow control reacts to it: FlowControlOptions::congestion_threshold); nullopt when
   *  none came on the current session. */
  std::optional<std::uint8_t> congestion_state() const noexcept;
  /** @brief Counters since construction (read on the Esme's executor). */
  const EsmeStats& stats() const noexcept;
  /** @brief A snapshot of everything the Esme measured (include aiosmpp/esme/metrics.hpp):
   *  counters by command and status, receipts by state, latency histograms, gauges. Call on the
   *  Esme's executor; costs a copy of fixed-size tables, nothing on the hot path. */
  EsmeMetrics metrics() const;
  /** @brief The client_id given to hooks and written on log records. */
  std::string_view client_id() const noexcept;
  /** @brief The Esme's logger (with its metadata). */
  const Logger& logger() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiosmpp
