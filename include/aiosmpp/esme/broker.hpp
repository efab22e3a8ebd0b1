#pragma once

/** @file
 *  @brief Broker: where the application puts messages and the Esme takes them from; SimpleBroker,
 *  the bounded in-memory FIFO default (aiosmpplib's SimpleBroker). */

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

/** @brief The queue between the application and the Esme (aiosmpplib's AbstractBroker).
 *
 *  Implement enqueue() and dequeue(); override try_dequeue_batch() (and dequeue_batch()) to let
 *  the Esme take many messages per wake-up, which is what makes it fast. A message the Esme has
 *  taken is its responsibility: it ends in exactly one outcome through the Hook. A message not yet
 *  taken stays in the broker (so a durable broker loses nothing across restarts).
 *
 *  Cancellation contract: the Esme cancels a pending dequeue()/dequeue_batch() when it stops or
 *  its session ends. A cancelled dequeue must not remove a message (take messages only after the
 *  last suspension point, as SimpleBroker does). */
class Broker {
 public:
  virtual ~Broker() = default;

  /** @brief Adds a message; may wait (back-pressure) when the broker is full. */
  virtual asio::awaitable<void> enqueue(Pdu message) = 0;
  /** @brief Removes and returns the oldest message, waiting while there is none. */
  virtual asio::awaitable<Pdu> dequeue() = 0;

  /** @brief Moves up to `max` messages (max >= 1) to the end of `out` without waiting; returns how
   *  many. The default returns 0 (then the Esme falls back to dequeue_batch()). */
  virtual std::size_t try_dequeue_batch(std::vector<Pdu>& out, std::size_t max);

  /** @brief Moves at least one and up to `max` messages to the end of `out`, waiting while there is
   *  none; returns how many. The default takes one through dequeue(). */
  virtual asio::awaitable<std::size_t> dequeue_batch(std::vector<Pdu>& out, std::size_t max);
  /** @brief Messages waiting in the broker, for metrics (EsmeMetrics::broker_depth); nullopt
   *  when the broker cannot tell cheaply (the default). Called on the Esme's executor. */
  virtual std::optional<std::size_t> depth() const { return std::nullopt; }
};

/** @brief A bounded in-memory FIFO (aiosmpplib's SimpleBroker, default capacity 2500).
 *
 *  Thread safety: try_enqueue() and size() may be called from any thread (this is the hand-off
 *  for applications that produce on other threads). enqueue(), dequeue() and the batch functions
 *  must be awaited by coroutines running on `executor` (the Esme's executor or strand), because
 *  their waits use timers of that executor. */
class SimpleBroker final : public Broker {
 public:
  /** @brief `capacity` >= 1 (throws std::invalid_argument naming it otherwise). */
  explicit SimpleBroker(asio::any_io_executor executor, std::size_t capacity = 2500);
  ~SimpleBroker() override;

  /** @brief Waits while the broker holds `capacity` messages, then adds `message`. Cancellable:
   *  a cancelled enqueue adds nothing. */
  asio::awaitable<void> enqueue(Pdu message) override;
  asio::awaitable<Pdu> dequeue() override;
  std::size_t try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;
  asio::awaitable<std::size_t> dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;

  /** @brief Adds `message` unless the broker is full (then returns false and leaves `message`
   *  untouched). Thread-safe: wakes the consumer through a post to the broker's executor. */
  bool try_enqueue(Pdu& message);
  /** @brief Same, taking an rvalue (the message is lost when full: check the result). */
  bool try_enqueue(Pdu&& message) { return try_enqueue(message); }

  /** @brief Messages held now. Thread-safe. */
  std::size_t size() const;
  /** @brief size(). */
  std::optional<std::size_t> depth() const override { return size(); }
  /** @brief The most messages held before enqueue() waits and try_enqueue() refuses. */
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct State;
  std::size_t take_locked(std::vector<Pdu>& out, std::size_t max);
  void wake_producers_locked();

  std::size_t capacity_;
  std::shared_ptr<State> state_;  // shared with handlers posted from other threads
};

}  // namespace aiosmpp
