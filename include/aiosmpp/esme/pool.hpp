#pragma once

/** @file
 *  @brief EsmePool: several binds to one SMSC account (on one host, or on a primary and backup
 *  hosts) sharing one broker, one correlator, one hook and one throughput budget, with failover
 *  and failback. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"

namespace aiosmpp {

namespace detail {
struct PoolCore;
}  // namespace detail

/** @brief One SMSC host of a pool and the binds the pool keeps to it. */
struct PoolHost {
  std::string host = "127.0.0.1";  ///< host name or address; not empty
  std::uint16_t port = 2775;       ///< not 0
  /** @brief 0 for the primary host; 1, 2, ... for backups, tried in that order. Hosts of equal
   *  priority work together (one level). */
  unsigned priority = 0;
  /** @brief Binds that send (and, as transceivers, receive); each has its own window. */
  std::size_t binds = 1;
  /** @brief How those binds bind: transceiver (the default) or transmitter. */
  BindMode bind_mode = BindMode::transceiver;
  /** @brief Receiver-only binds besides them (receipts and MO; they never send). */
  std::size_t receivers = 0;
};

/** @brief The settings of an EsmePool. Validated when the pool is constructed. */
struct EsmePoolConfig {
  /** @brief What every bind shares: system_id, password, window (per bind), timeouts, flow
   *  control and requeue options, log level... smsc_host, smsc_port and bind_mode come from
   *  `hosts`; client_id, when set, is the pool's name (each bind adds "#<n>"); outbind must be
   *  off. */
  EsmeConfig esme;
  /** @brief The hosts and their binds (at least one sending bind at priority 0). */
  std::vector<PoolHost> hosts;
  /** @brief The account's throughput budget, in requests per second summed over every bind:
   *  the pool never sends more than this in any one-second interval (see rate_headroom). 0: no
   *  budget. Ignored when PoolComponents::rate_limiter is given. */
  double rate = 0;
  /** @brief The share of `rate` kept free (0 <= headroom < 0.5): the pool paces its requests at
   *  rate * (1 - headroom) with a burst of rate * headroom (at least one), so that no second
   *  counts more than `rate` even when the network delays some requests more than others. */
  double rate_headroom = 0.02;
  /** @brief When no bind of the levels running so far has been bound for this long, the next
   *  backup level is started. > 0. */
  std::chrono::milliseconds failover_after{5'000};
  /** @brief Traffic moves back to a better level as soon as one of its binds is bound; the
   *  worse level is stopped once the better one has stayed up this long. > 0. */
  std::chrono::milliseconds failback_after{10'000};
  /** @brief A bind being stopped for failback first finishes what it holds (responses, messages
   *  waiting to be sent again) for at most this long. > 0. */
  std::chrono::milliseconds drain_timeout{10'000};
  /** @brief How often the pool looks at its binds' states (failover and failback decisions).
   *  1 ms .. 10 s. */
  std::chrono::milliseconds check_interval{100};
  /** @brief Each bind's reconnection back-off (every bind has its own). */
  ExponentialBackoff::Options retry;
};

/** @brief Thrown by the EsmePool constructor for an invalid EsmePoolConfig: what() names the field
 *  and the limit ("EsmePoolConfig.hosts[1].port: 0, must be 1..65535"); field() gives the field.
 *  An invalid EsmePoolConfig::esme throws ConfigError instead. */
class PoolConfigError : public std::invalid_argument {
 public:
  /** @brief `field`: the rejected field's name; `message`: what is wrong with it. */
  PoolConfigError(std::string field, const std::string& message);
  /** @brief The rejected field ("hosts[1].port"). */
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

/** @brief What the binds of a pool share; anything left empty gets the default (a SimpleBroker
 *  on the pool's executor, a SimpleCorrelator, a SimpleHook, a TokenBucketRateLimiter from
 *  EsmePoolConfig::rate, one FlowControl and one SimpleRequeuePolicy from EsmePoolConfig::esme,
 *  a Logger writing JSON lines to stderr). Sequence numbers and back-off are per bind. */
struct PoolComponents {
  /** @brief Where messages come from; every sending bind takes from it. */
  std::shared_ptr<Broker> broker;
  /** @brief Receipt correlation for every bind: a receipt finds its message whatever bind
   *  carried the message and whatever bind the receipt arrives on. */
  std::shared_ptr<Correlator> correlator;
  /** @brief Told every outcome, once per message, with the client_id of the bind that carried
   *  it. */
  std::shared_ptr<Hook> hook;
  /** @brief The account's budget, asked once per request sent (by any bind; first sends,
   *  direct requests and messages sent again alike). Overrides EsmePoolConfig::rate. */
  std::shared_ptr<RateLimiter> rate_limiter;
  /** @brief The account's adaptive rate (FlowControl), shared by every bind. Empty: one from
   *  EsmePoolConfig::esme.flow_control (none when that is disabled). */
  std::shared_ptr<FlowControl> flow_control;
  /** @brief Which answers send a message again. Empty: a SimpleRequeuePolicy from
   *  EsmePoolConfig::esme.requeue. */
  std::shared_ptr<RequeuePolicy> requeue_policy;
  /** @brief The pool's and every bind's logger (each bind adds its client_id). */
  std::shared_ptr<Logger> logger;
  /** @brief Custom codecs (see Components::codecs). */
  std::shared_ptr<const text::CodecRegistry> codecs;
};

/** @brief One bind of a pool, now. */
struct PoolBindStats {
  std::string client_id;                       ///< given to the hook for what this bind carries
  std::string host;                            ///< its host
  std::uint16_t port = 0;                      ///< its port
  unsigned priority = 0;                       ///< its host's priority
  BindMode bind_mode = BindMode::transceiver;  ///< how it binds
  SessionState state = SessionState::closed;   ///< where its connection is
  bool running = false;                        ///< its level is started
  bool feeding = false;                        ///< it takes messages from the broker now
  EsmeStats esme;                              ///< its own counters
};

/** @brief A pool's counters: per bind, and in total. */
struct PoolStats {
  std::vector<PoolBindStats> binds;  ///< in the order of EsmePoolConfig::hosts
  /** @brief The binds' counters summed (max_in_flight: the highest of any one bind), counting
   *  each message once: a message moved to another bind counts as taken once and ends once, so
   *  that once the pool is idle `taken == responses + send_errors`. */
  EsmeStats total;
  /** @brief Messages a bind lost its connection before writing, sent again through another
   *  bind instead of being reported not_sent. */
  std::uint64_t rerouted = 0;
  std::uint64_t failovers = 0;  ///< backup levels started
  std::uint64_t failbacks = 0;  ///< times traffic moved back to a better level
  /** @brief The priority whose binds take messages now; nullopt when no sending bind is bound. */
  std::optional<unsigned> active_priority;
};

/** @brief N binds to one SMSC account, on one host or on hosts with priorities (primary,
 *  backups), working as one ESME: they share one broker, one correlator, one hook, one
 *  throughput budget (EsmePoolConfig::rate, or a RateLimiter) and one FlowControl; each bind has
 *  its own window, sequence numbers and back-off.
 *
 *  Traffic: the binds of the best level that has a bound sending bind take messages from the
 *  broker; the others wait. A bind that fails reconnects with back-off while the others carry
 *  the traffic. When no bind of the running levels has been bound for failover_after, the next
 *  backup level starts; as soon as a better level has a bound bind, traffic moves back to it,
 *  and once it has stayed up for failback_after, the worse level drains (drain_timeout) and
 *  stops. The primary level's binds run from start() to stop().
 *
 *  Outcomes: every message taken from the broker ends in exactly one outcome through the hook,
 *  whatever bind carried it. A message a bind took but had not written when its connection
 *  ended (SendError::Kind::not_sent) is sent again through another bind instead of being
 *  reported, except a long message split into segments (some may have been accepted): that one
 *  ends not_sent as with one Esme. Messages a bind keeps to send again after ESME_RTHROTTLED stay
 *  with that bind: they go out when it binds again, or end with the SMSC's last answer when it
 *  stops. Receipts on any bind (receivers included) go through the shared correlator.
 *
 *  Threads: like Esme, the pool runs no threads and is not thread-safe: call it and await it on
 *  `executor`. It must outlive start(). */
class EsmePool {
 public:
  /** @throws PoolConfigError or ConfigError when `config` is invalid. */
  EsmePool(asio::any_io_executor executor, EsmePoolConfig config, PoolComponents components = {});
  ~EsmePool();
  EsmePool(const EsmePool&) = delete;
  EsmePool& operator=(const EsmePool&) = delete;

  /** @brief Runs the pool until stop(): starts the primary level's binds (each connects, binds
   *  and reconnects as an Esme does), starts and stops backup levels as binds come and go, and
   *  returns once stop() has stopped every bind. Cancelling the awaiting coroutine is the hard
   *  stop: every bind's start() is cancelled (each reports what it held), messages waiting to be
   *  moved to another bind end not_sent (errc::cancelled), and start() throws
   *  std::system_error(operation_aborted). Only one start() at a time (a second concurrent call
   *  throws std::logic_error). */
  asio::awaitable<void> start();

  /** @brief Graceful stop: every running bind stops as Esme::stop() does, all at once (each
   *  drains its window up to stop_timeout and unbinds); messages waiting to be moved to another
   *  bind end not_sent (errc::stopped). Returns once start() has returned. Idempotent; does
   *  nothing when nothing runs. */
  asio::awaitable<void> stop();

  /** @brief Sends `message` through one bound bind of the active level (the one holding least)
   *  and returns its one outcome, as Esme::submit() does; it counts against the budget like
   *  every request. While no such bind is bound it waits for one. When the pool is not running,
   *  or stops first, the outcome is SendError::Kind::not_sent (errc::not_bound / errc::stopped).
   *  A request the chosen bind could not write before its connection ended ends not_sent
   *  (safe to send again); a bind that is reconnecting keeps the requests it was given until it
   *  binds again or the pool stops. Cancellation as Esme::submit(). */
  asio::awaitable<Outcome> submit(SubmitSm message);
  /** @brief As submit(), for data_sm. */
  asio::awaitable<Outcome> data_sm(DataSm message);
  /** @brief As submit(), for query_sm. */
  asio::awaitable<Outcome> query_sm(QuerySm message);
  /** @brief As submit(), for replace_sm. */
  asio::awaitable<Outcome> replace_sm(ReplaceSm message);
  /** @brief As submit(), for cancel_sm. */
  asio::awaitable<Outcome> cancel_sm(CancelSm message);
  /** @brief As submit(), for any of the requests above held in a Pdu. */
  asio::awaitable<Outcome> request(Pdu message);

  /** @brief The broker every bind takes from (the one given, or the pool's SimpleBroker). */
  Broker& broker() noexcept;
  /** @brief The correlator every bind uses. */
  Correlator& correlator() noexcept;
  /** @brief Counters per bind and in total, now. */
  PoolStats stats() const;
  /** @brief How many binds the pool has (senders and receivers of every host). */
  std::size_t size() const noexcept;
  /** @brief Bind `index` (0 .. size() - 1, in the order of stats().binds), for its state and
   *  counters; do not start or stop it yourself. @throws std::out_of_range. */
  const Esme& bind(std::size_t index) const;
  /** @brief The pool's logger. */
  const Logger& logger() const noexcept;

 private:
  std::unique_ptr<detail::PoolCore> impl_;
};

}  // namespace aiosmpp
