#pragma once
// What the pool puts between each bind and the shared parts: a Broker that takes from the pool's
// broker only while the bind's level is fed (messages moved from another bind first, batches of
// about 10 ms of the budget), and a Hook that asks the budget before each request goes out, moves
// a not_sent message to another bind instead of reporting it, and passes everything else to the
// application's hook.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "esme/pool_impl.hpp"

namespace aiosmpp::detail {

class PoolBindBroker final : public Broker {
 public:
  PoolBindBroker(asio::any_io_executor executor, PoolCore& pool, PoolCore::Bind& bind);

  /** Into the pool's broker (nobody but the pool's binds sees this broker). */
  asio::awaitable<void> enqueue(Pdu message) override;
  asio::awaitable<Pdu> dequeue() override;
  std::size_t try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;
  /** Waits while the bind is not fed or nothing is there; cancellable (takes nothing then). */
  asio::awaitable<std::size_t> dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;

  /** The pool's state changed (feeding, a message moved here, stop): look again. */
  void kick();

 private:
  asio::awaitable<void> wait_kick();

  PoolCore& pool_;
  PoolCore::Bind& bind_;
  asio::steady_timer cv_;
  bool waiting_ = false;
  bool kicked_ = false;  // kick() came since dequeue_batch() last looked
};

class PoolBindHook final : public Hook {
 public:
  PoolBindHook(PoolCore& pool, PoolCore::Bind& bind);

  HookInterest interests() const noexcept override;
  asio::awaitable<void> sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override;
  asio::awaitable<void> before_write(std::string_view client_id) override;
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override;
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view client_id) override;
  asio::awaitable<void> outcome(const Outcome& outcome, std::string_view client_id) override;
  asio::awaitable<void> receipt(const ReceiptOutcome& receipt, std::string_view client_id) override;

 private:
  PoolCore& pool_;
  PoolCore::Bind& bind_;
  // What the Esme was told in interests() this session, and the application's part of it.
  mutable HookInterest mask_ = HookInterest::all;
  mutable HookInterest user_ = HookInterest::all;
  // A not_sent message was moved to another bind: the Esme's outcome() call for it, which comes
  // next (deliver_outcome calls send_error then outcome with nothing in between), is not passed on.
  bool swallow_outcome_ = false;
};

}  // namespace aiosmpp::detail
