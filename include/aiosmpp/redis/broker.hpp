#pragma once

/** @file
 *  @brief RedisBroker: a queue of messages in a Redis stream per account, shared by any number of
 *  producers and sending processes; a process that dies leaves its messages to the others. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "aiosmpp/esme/outcome.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/redis/client.hpp"

namespace aiosmpp {

/** @brief Settings of a RedisBroker. Keys: `<key_prefix>:<account>:queue` (the stream) and
 *  `<key_prefix>:<account>:written` (a hash: entry id -> consumer, for the messages whose bytes
 *  may have reached the SMSC), `<key_prefix>:<account>:dead` (entries that were not a message). */
struct RedisBrokerOptions {
  /** @brief The account (one stream per account); not empty, no ':'. Default "default". */
  std::string account = "default";
  /** @brief First part of every key; not empty. Default "aiosmpp". */
  std::string key_prefix = "aiosmpp";
  /** @brief The consumer group every sending process joins; not empty. Default "senders". */
  std::string group = "senders";
  /** @brief This process's name in the group, unique among live processes; empty: host name and
   *  process id. Reusing a dead process's name (a fixed name per deployment slot) lets the
   *  restarted process take that process's entries over at once, at start. */
  std::string consumer;
  /** @brief How long one XREADGROUP blocks in Redis waiting for entries; > 0 and below the
   *  client's command_timeout. Default 1 s. */
  std::chrono::milliseconds block{1000};
  /** @brief Most entries read per XREADGROUP (the Esme asks for at most its free window); >= 1.
   *  Default 512. */
  std::size_t read_count = 512;
  /** @brief Read-ahead: when a take leaves fewer than this many messages read and not yet
   *  handed to the Esme, the next XREADGROUP (up to read_count) starts at once, so the Esme
   *  rarely waits a round trip to Redis for its next batch; 0 (the default) reads only when the
   *  Esme finds nothing read. At most `prefetch - 1 + read_count` messages then wait in this
   *  process, pending with this consumer and idle in Redis: keep `claim_idle` well above the time
   *  this process takes to send that many, or another consumer claims them while this one still
   *  holds them and both send them. After a crash or a stop they are taken over as never
   *  written (by this consumer restarted under the same name at once, else after claim_idle). */
  std::size_t prefetch = 0;
  /** @brief An entry pending this long with another consumer (that died, or lost Redis for that
   *  long) is claimed; > 0. Keep it well above the Esme's response_timeout. Default 60 s. */
  std::chrono::milliseconds claim_idle{60000};
  /** @brief How often a waiting dequeue looks for entries to claim; > 0. Default 5 s. */
  std::chrono::milliseconds claim_interval{5000};
  /** @brief Most entries claimed per XAUTOCLAIM; >= 1. Default 100. */
  std::size_t claim_count = 100;
  /** @brief Events redis_broker_* (default: off). */
  Logger logger;
};

/** @brief Counters of a RedisBroker. */
struct RedisBrokerStats {
  std::uint64_t enqueued = 0;   ///< XADDs that succeeded through this broker
  std::uint64_t taken = 0;      ///< entries handed to the Esme (read or claimed)
  std::uint64_t claimed = 0;    ///< entries claimed from a dead consumer
  std::uint64_t recovered = 0;  ///< of those, this consumer's own from an earlier run (same name)
  std::uint64_t claimed_unknown = 0;  ///< of those, reported outcome_unknown (had been written)
  std::uint64_t settled = 0;          ///< XACKs sent
  std::uint64_t recorded = 0;         ///< messages recorded as written (before their bytes left)
  std::uint64_t records = 0;          ///< HSETs that recorded them (one per batch)
  std::uint64_t reads = 0;            ///< XREADGROUPs sent (blocking reads of new entries)
  std::uint64_t read_ahead = 0;       ///< of those, started ahead of the Esme's need (prefetch)
  std::uint64_t dead = 0;    ///< entries that were not a message (moved to the dead stream)
  std::uint64_t errors = 0;  ///< Redis errors seen (each logged)
};

/** @brief The Broker on a Redis stream (XADD / XREADGROUP / XACK / XAUTOCLAIM).
 *
 *  Life of a message: enqueue() (any process) XADDs it as the message layer's JSON in field
 *  `msg`; dequeue_batch() reads it as this consumer of the group (it is then pending with this
 *  consumer in Redis); RedisHook records it as *written* just before its bytes go to the SMSC and
 *  settles it (XACK) once the application's hook has seen its outcome.
 *
 *  A consumer that dies leaves pending entries. After `claim_idle` another broker (or this one,
 *  restarted) claims them with XAUTOCLAIM: an entry never written is sent as usual; an entry
 *  recorded as written gets the outcome outcome_unknown through the unknown handler (RedisHook
 *  installs one that calls the application's send_error), never a second send. A process
 *  restarted under the same `consumer` name takes its own earlier entries over the same way as
 *  soon as it starts (its pending history, read from id 0), without waiting for `claim_idle`.
 *
 *  Identity: a taken message carries its entry id inside its tracking's log_id (a prefix that
 *  RedisHook strips again before the application sees it).
 *
 *  Redis down: enqueue() throws RedisError; dequeue waits for the connection (nothing is taken);
 *  acknowledgements that fail are kept and sent again once Redis is back. Durability of a stream
 *  is Redis's (use appendonly with appendfsync always or everysec; see docs/redis.md).
 *
 *  Threads: every call on `executor` (the Esme's). */
class RedisBroker final : public Broker {
 public:
  /** @brief Reports a claimed message that had been written: (message with its stripped tracking,
   *  the error). */
  using UnknownHandler = std::function<asio::awaitable<void>(Pdu, SendError)>;

  /** @brief Connects (two connections: one for the blocking reads) to Redis at `client`.
   *  @throws std::invalid_argument naming an option out of range. */
  RedisBroker(asio::any_io_executor executor, RedisClientOptions client,
              RedisBrokerOptions options = {});
  ~RedisBroker() override;

  /** @brief XADDs `message` (in Redis when this returns). While disconnected it first waits up
   *  to the client's connect_timeout for the connection. @throws RedisError (not_connected when
   *  Redis stayed away, connection_lost when the reply never came: then it may have been added). */
  asio::awaitable<void> enqueue(Pdu message) override;
  /** @brief XADDs every message in one pipeline, in order. @throws RedisError (then some may
   *  have been added: the ones before the failure). */
  asio::awaitable<void> enqueue_batch(std::vector<Pdu> messages);
  /** @brief Takes one message, waiting while there is none. */
  asio::awaitable<Pdu> dequeue() override;
  /** @brief Entries already read and not yet handed out, without waiting. */
  std::size_t try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;
  /** @brief Takes up to `max` messages, waiting (and reconnecting) while there is none. A
   *  cancelled call takes nothing: entries whose read completes afterwards stay buffered for the
   *  next call. @throws std::system_error (operation_aborted) when cancelled. */
  asio::awaitable<std::size_t> dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;
  /** @brief Entries read and not yet handed to the Esme. */
  std::optional<std::size_t> depth() const override;
  /** @brief true: an outcome is settled before its slot is reused, so at most `window` entries
   *  per process are pending with an unknown outcome at any time (besides throttled ones waiting
   *  to be sent again, EsmeConfig::requeue_limit in all). */
  bool outcome_before_reuse() const noexcept override { return true; }

  /** @brief Records that `message`'s bytes are about to be written (HSET on the written hash)
   *  and waits for Redis to confirm. RedisHook calls it from sending(). Returns false (logged)
   *  when Redis could not record it; a message not taken from this broker returns true. */
  asio::awaitable<bool> record_written(const Pdu& message);
  /** @brief Notes that `message`'s bytes are about to be written, without a round trip:
   *  record_noted() then records every noted message in one HSET. RedisHook notes in sending()
   *  and records in before_write(), once per batch the Esme writes. */
  void note_written(const Pdu& message);
  /** @brief Records every message noted since the last call (one HSET) and waits for Redis to
   *  confirm. Returns false (logged, redis_broker_record_failed) when Redis could not record
   *  them; true when there was nothing to record. */
  asio::awaitable<bool> record_noted();
  /** @brief Acknowledges a taken message whose outcome was given (XACK and HDEL, pipelined,
   *  without waiting; retried after a reconnect when Redis is down). Ignores other messages. */
  void settle(const Pdu& message);
  /** @brief Waits until Redis has answered every settle() made before this call (a PING behind
   *  them on the same connection): before a process exits, or to read the stream's state from
   *  another connection. @throws RedisError when the connection fails meanwhile. */
  asio::awaitable<void> flush();
  /** @brief Where claimed messages that had been written go (RedisHook sets it). Without one
   *  they stay pending and are logged (redis_broker_unknown_unreported). */
  void set_unknown_handler(UnknownHandler handler);
  /** @brief Hands settling to another component (RedisOutcomeStream with
   *  RedisOutcomeStreamOptions::broker; RedisHook turns it on): claimed messages that had been
   *  written reach the unknown handler with their entry id still in the tracking and are not
   *  acknowledged here, and that component settles each message (take_settlement(), then
   *  settle_commands() for a batch of them) in the same transaction as its own write, so a message
   * leaves the stream exactly when its outcome is recorded. */
  void delegate_settlement(bool on) noexcept;
  /** @brief Whether settlement is delegated. */
  bool settlement_delegated() const noexcept;
  /** @brief For a caller that settles messages itself inside its own MULTI/EXEC on the same Redis
   *  (RedisOutcomeStream): `message`'s entry id, which leaves this broker's books as with
   *  settle(); empty when `message` was not taken from this broker. */
  std::string take_settlement(const Pdu& message);
  /** @brief The commands that settle `entry_ids` (one XACK and one HDEL, each with every id);
   *  with no id, the two commands' fixed part, to which a caller may append ids. */
  std::vector<std::vector<std::string>> settle_commands(
      const std::vector<std::string>& entry_ids) const;

  /** @brief The entry id carried by a taken message's tracking, or empty. */
  static std::string_view entry_of(const Tracking& tracking) noexcept;
  /** @brief Removes the entry id prefix from `tracking.log_id`. */
  static void strip_entry(Tracking& tracking);
  /** @brief The stream key. */
  const std::string& stream_key() const noexcept;
  /** @brief The consumer name in use. */
  const std::string& consumer() const noexcept;
  /** @brief Counters since construction. */
  RedisBrokerStats stats() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace aiosmpp
