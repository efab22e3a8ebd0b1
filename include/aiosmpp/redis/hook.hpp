#pragma once

/** @file
 *  @brief RedisHook: the Hook decorator that records, for RedisBroker, which messages were
 *  written and which outcomes the application has seen. */

#include <memory>
#include <span>
#include <string_view>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/redis/broker.hpp"

namespace aiosmpp {

/** @brief Wraps the application's hook for an Esme whose broker is a RedisBroker.
 *
 *  - sending() / before_write(): records the messages of the batch as written in Redis (one
 *    HSET per batch, confirmed by Redis) before their first byte can leave, so a process that
 *    dies afterwards leaves them to be reported outcome_unknown, never sent twice (SqliteHook's
 *    "was any byte written" rule, kept in Redis).
 *  - received() / send_error(): gives the call to the application's hook with the entry id
 *    stripped from the tracking, then settles (XACK) the message, even when that hook threw.
 *  - outcome() / receipt(): passed on (stripped) when the application's hook wants them.
 *  - Claimed messages that had been written reach the application's send_error() with
 *    SendError::Kind::outcome_unknown and an empty client_id, and its outcome() too.
 *  - With a RedisOutcomeStream as `inner` that settles this broker's messages
 *    (RedisOutcomeStreamOptions::broker), settling is left to the stream: each message is
 *    acknowledged in the same transaction that appends its outcome's record, so the stream holds
 *    exactly one outcome per message across crashes (RedisBroker::delegate_settlement).
 *
 *  Outcomes are delivered at least once: a crash between the application's hook and the XACK
 *  reaching Redis reports that message once more (outcome_unknown) after `claim_idle`.
 *
 *  Cost: one Redis round trip per batch of requests the Esme writes together (the records must
 *  be in Redis before the bytes are written); under load the batches grow by themselves, as
 *  responses free window slots during each round trip. */
class RedisHook final : public Hook {
 public:
  /** @brief `inner`: the application's hook (may be null). Installs the broker's unknown
   *  handler. @throws std::invalid_argument when `broker` is null. */
  RedisHook(std::shared_ptr<Hook> inner, std::shared_ptr<RedisBroker> broker);

  /** @brief sending, received and send_error always, plus what the inner hook wants. */
  HookInterest interests() const noexcept override;
  /** @brief Notes the message as written (RedisBroker::note_written), then passes the call on
   *  (stripped). */
  asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override;
  /** @brief Records the batch's noted messages in Redis and waits for it, then passes the call
   *  on. */
  asio::awaitable<void> before_write(std::string_view client_id) override;
  /** @brief Passes the call on, then settles a response's message. */
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override;
  /** @brief Passes the call on, then settles the message. */
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view client_id) override;
  /** @brief Passes the outcome on with the entry id stripped. */
  asio::awaitable<void> outcome(const Outcome& outcome, std::string_view client_id) override;
  /** @brief Passes the receipt on. */
  asio::awaitable<void> receipt(const ReceiptOutcome& receipt, std::string_view client_id) override;

 private:
  std::shared_ptr<Hook> inner_;
  std::shared_ptr<RedisBroker> broker_;
  HookInterest inner_interests_;
  bool delegated_ = false;  // the inner outcome stream settles (see the class description)
};

}  // namespace aiosmpp
