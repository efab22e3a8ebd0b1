#pragma once

/** @file
 *  @brief SqliteHook: the Hook decorator that tells SqliteBroker and SqliteCorrelator when the
 *  application has seen an outcome, so they can let go of the message. */

#include <memory>
#include <span>
#include <string_view>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/sqlite/broker.hpp"
#include "aiosmpp/sqlite/correlator.hpp"

namespace aiosmpp {

/** @brief Wraps the application's hook: gives it every call with the SqliteBroker id (and a
 *  released held receipt's SqliteCorrelator id) removed from the tracking, then, once it returned
 *  (or threw), finishes the message in the broker (for a response or a send_error), turns a final
 *  receipt's correlation into its repeat marker, and deletes a released held receipt.
 *
 *  Give it to the Esme as Components::hook whenever a SqliteBroker is the broker: without it
 *  taken messages never leave the queue. Because the application's hook runs first, an outcome
 *  it has seen may, after a crash right then, come back once more as an unfinished message:
 *  outcomes are delivered at least once.
 *
 *  Threads: called by the Esme on its executor, like any hook. */
class SqliteHook final : public Hook {
 public:
  /** @brief `inner`: the application's hook (may be null: outcomes are then only recorded).
   *  `broker` and `correlator` may each be null when not in use.
   *  @throws std::invalid_argument when both are null. */
  SqliteHook(std::shared_ptr<Hook> inner, std::shared_ptr<SqliteBroker> broker,
             std::shared_ptr<SqliteCorrelator> correlator);

  /** @brief received and send_error always, plus what the inner hook wants. */
  HookInterest interests() const noexcept override;
  /** @brief Passes the call on with the id stripped from the tracking. */
  asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override;
  /** @brief Passed on when the inner hook wants sending. */
  asio::awaitable<void> before_write(std::string_view client_id) override;
  /** @brief Passes the call on, then finishes the message / releases a final or held receipt. */
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override;
  /** @brief Passes the call on, then finishes the message. */
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view client_id) override;
  /** @brief Passes the outcome on (when the application's hook asks for it) with the ids
   *  stripped from the message's and the response's tracking. */
  asio::awaitable<void> outcome(const Outcome& outcome, std::string_view client_id) override;
  /** @brief Passes the receipt on (when the application's hook asks for it) with the ids
   *  stripped from its tracking. */
  asio::awaitable<void> receipt(const ReceiptOutcome& receipt, std::string_view client_id) override;

 private:
  std::shared_ptr<Hook> inner_;
  std::shared_ptr<SqliteBroker> broker_;
  std::shared_ptr<SqliteCorrelator> correlator_;
  HookInterest inner_interests_;
};

}  // namespace aiosmpp
