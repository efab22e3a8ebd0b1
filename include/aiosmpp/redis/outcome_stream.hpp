#pragma once

/** @file
 *  @brief RedisOutcomeStream: a Hook wrapper that appends every outcome and receipt to a Redis
 *  stream per account, in the outcome record's JSON (the schema of `aiosmpp-send --out`), so
 *  the producing application, anywhere, reads its results with a consumer group
 *  (RedisOutcomeReader). */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/json/outcome.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/redis/client.hpp"

namespace aiosmpp {

class RedisBroker;

/** @brief Settings of a RedisOutcomeStream. Stream: `<key_prefix>:<account>:outcomes`, one entry
 *  per record, field `outcome` = the record's JSON (aiosmpp/json/outcome.hpp). */
struct RedisOutcomeStreamOptions {
  /** @brief The account (one stream per account); not empty, no ':'. Default "default". */
  std::string account = "default";
  /** @brief First part of the key; not empty. Default "aiosmpp". */
  std::string key_prefix = "aiosmpp";
  /** @brief `XADD ... MAXLEN ~ max_len`: Redis trims the oldest entries beyond about this many
   *  (consumers that fall that far behind lose the oldest); 0 never trims. Default 1,000,000. */
  std::size_t max_len = 1'000'000;
  /** @brief Most records per pipelined write (one write, one wait for all their replies); >= 1.
   *  Default 256. */
  std::size_t batch = 256;
  /** @brief Most records held in this process while Redis is slow or down; >= 1. A record that
   *  finds the buffer full is dropped (logged, counted in `dropped`): the Esme is never held up.
   *  Default 100,000. */
  std::size_t max_buffered = 100'000;
  /** @brief Delay before writing again after a failed write (Redis down, OOM); > 0.
   *  Default 200 ms. */
  std::chrono::milliseconds retry_interval{200};
  /** @brief Append receipts too (event "receipt"); default true. */
  bool receipts = true;
  /** @brief The RedisBroker the messages come from, when this stream should settle them:
   *  each outcome's record is then appended in one MULTI/EXEC with the XACK of its message, so a
   *  message leaves the queue exactly when its outcome is in the stream (a process killed in
   *  between leaves both undone, and the message is claimed again). Both streams must be on
   *  the Redis this stream writes to. RedisHook(stream, broker) sees it and leaves settling to
   *  this stream (RedisBroker::delegate_settlement). Empty: the records are written on their
   *  own, after RedisHook settled the messages (a crash can then lose the records of the last
   *  outcomes). */
  std::shared_ptr<RedisBroker> broker;
  /** @brief Events redis_outcome_stream_* (default: off). */
  Logger logger;
};

/** @brief Counters of a RedisOutcomeStream. */
struct RedisOutcomeStreamStats {
  std::uint64_t records = 0;   ///< records taken from the Esme (outcomes and receipts)
  std::uint64_t appended = 0;  ///< records Redis confirmed (XADD answered with an id)
  std::uint64_t writes = 0;    ///< pipelined writes (batches) sent
  std::uint64_t failed = 0;    ///< XADDs that failed and were kept to be sent again
  std::uint64_t dropped = 0;   ///< records dropped because the buffer was full
  std::size_t buffered = 0;    ///< records waiting or in flight now
};

/** @brief Wraps the application's hook (`inner`, may be null) and appends, on top of what the
 *  inner hook gets, every message's outcome (Hook::outcome: the response, or the SendError) and
 *  every receipt (Hook::receipt) to the account's stream.
 *
 *  outcome() and receipt() never wait for Redis: the record is encoded, buffered, and the
 *  records of one turn of the executor leave in one write of up to `batch` XADDs, one
 *  MULTI/EXEC transaction with their messages' settlement when `options.broker` is set (one XACK
 *  and one HDEL for the batch), while the previous write's reply is awaited. While Redis is slow or
 * down the buffer holds up to `max_buffered` records (then drops, counted) and failed XADDs are
 * sent again every `retry_interval`, so records reach the stream once Redis is back.
 *
 *  Each record is appended once, except that an XADD whose reply was lost with the connection
 *  is sent again (it may have been added): across a Redis failure records are delivered at
 *  least once; a consumer that must not see one twice keys on (`id`, `event`).
 *
 *  Use it with a RedisBroker as the inner hook of RedisHook or around it: the broker's entry id
 *  is stripped from the log_id either way. Threads: every call on `executor` (the Esme's). */
class RedisOutcomeStream final : public Hook {
 public:
  /** @brief Connects to Redis at `client`. @throws std::invalid_argument naming an option. */
  RedisOutcomeStream(asio::any_io_executor executor, RedisClientOptions client,
                     std::shared_ptr<Hook> inner, RedisOutcomeStreamOptions options = {});
  ~RedisOutcomeStream() override;
  RedisOutcomeStream(const RedisOutcomeStream&) = delete;
  RedisOutcomeStream& operator=(const RedisOutcomeStream&) = delete;

  /** @brief What the inner hook wants, plus outcome (and receipt unless turned off). */
  HookInterest interests() const noexcept override;
  /** @brief Passed on when the inner hook wants it. */
  asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override;
  /** @brief Passed on when the inner hook wants sending. */
  asio::awaitable<void> before_write(std::string_view client_id) override;
  /** @brief Passed on when the inner hook wants it. */
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override;
  /** @brief Passed on when the inner hook wants it. */
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view client_id) override;
  /** @brief Buffers the outcome's record (event "outcome"), then passes the call on. */
  asio::awaitable<void> outcome(const Outcome& outcome, std::string_view client_id) override;
  /** @brief Buffers the receipt's record (event "receipt"), then passes the call on. */
  asio::awaitable<void> receipt(const ReceiptOutcome& receipt, std::string_view client_id) override;

  /** @brief Waits until every record buffered so far is in Redis, or `timeout` passes; true when
   *  the buffer is empty. Before a process exits, or to read the stream from elsewhere. */
  asio::awaitable<bool> flush(std::chrono::steady_clock::duration timeout);

  /** @brief The record of an outcome (what outcome() appends). */
  static OutcomeRecord record_of(const Outcome& outcome, std::string_view client_id);
  /** @brief The record of a receipt (what receipt() appends). */
  static OutcomeRecord record_of(const ReceiptOutcome& receipt, std::string_view client_id);

  /** @brief Whether this stream settles the messages of `broker` (RedisOutcomeStreamOptions::
   *  broker). */
  bool settles(const RedisBroker& broker) const noexcept;
  /** @brief The stream's key. */
  const std::string& stream_key() const noexcept;
  /** @brief Counters since construction. */
  RedisOutcomeStreamStats stats() const noexcept;
  /** @brief The connection (for tests and health checks). */
  RedisClient& client() noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::shared_ptr<Hook> inner_;
  HookInterest inner_interests_;
};

/** @brief One record read from an outcome stream: its entry id (to acknowledge) and the record.
 *  An entry that does not parse has `error` set (the parser's message) and a default record. */
struct RedisOutcomeEntry {
  std::string id;        ///< the stream entry's id ("1700000000000-0")
  OutcomeRecord record;  ///< the record
  std::string error;     ///< why the entry did not parse (empty when it did)
};

/** @brief The producing application's side: reads an account's outcome stream as one consumer
 *  of a group (XREADGROUP; the group is created at the stream's start when missing) and
 *  acknowledges what it has handled (XACK). Entries read and not acknowledged stay pending with
 *  this consumer (XPENDING / XAUTOCLAIM, as for any stream). Threads: every call on `executor`. */
class RedisOutcomeReader {
 public:
  /** @brief `account`, `key_prefix` as the stream's; `group` and `consumer` not empty. */
  RedisOutcomeReader(asio::any_io_executor executor, RedisClientOptions client, std::string account,
                     std::string group, std::string consumer, std::string key_prefix = "aiosmpp");
  ~RedisOutcomeReader();

  /** @brief Up to `count` new entries, waiting up to `block` (> 0, below the client's
   *  command_timeout) for some; empty when none came. While disconnected it first waits up to
   *  the client's connect_timeout. @throws RedisError. */
  asio::awaitable<std::vector<RedisOutcomeEntry>> read(std::size_t count,
                                                       std::chrono::milliseconds block);
  /** @brief Acknowledges entries (XACK). @throws RedisError. */
  asio::awaitable<void> ack(std::vector<std::string> ids);
  /** @brief The connection. */
  RedisClient& client() noexcept { return client_; }

 private:
  RedisClient client_;
  std::string key_;
  std::string group_;
  std::string consumer_;
  bool group_ready_ = false;
};

}  // namespace aiosmpp
