#pragma once

/** @file
 *  @brief Broker: where the application puts messages and the Esme takes them from; SimpleBroker,
 *  the bounded in-memory FIFO default (aiosmpplib's SimpleBroker). */

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp {

class Logger;

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
  /** @brief Whether the Esme gives a response's outcome to the hook before it takes a new message
   *  into the window slot that response freed. A durable broker that commits each outcome before
   *  the next lease wants this, so that a crash leaves at most `window` messages of unknown
   *  outcome unfinished (besides those waiting to be sent again after a throttled answer, which
   *  no SMSC accepted; EsmeConfig::requeue_limit bounds all of them).
   *  Default false (the slot is reused at once, and a hook may await enqueue() on a full broker
   *  without waiting for itself). */
  virtual bool outcome_before_reuse() const noexcept { return false; }
};

/** @brief Settings of a SimpleBroker. */
struct SimpleBrokerOptions {
  /** @brief The most messages held before enqueue() waits and try_enqueue() refuses; >= 1.
   *  Default 2,500 (aiosmpplib's). */
  std::size_t capacity = 2500;
  /** @brief An enqueue() or enqueue_for() still waiting for room after this long logs the warning
   *  `broker_full_waiting` (at most one line per this interval per broker): nothing is taking
   *  messages, typically because the Esme has not been started. 0 never warns. Default 5 s. */
  std::chrono::milliseconds slow_enqueue_warning{5000};
  /** @brief Where that warning goes; empty: JSON lines on stderr at warning level. */
  std::shared_ptr<Logger> logger;
};

/** @brief A bounded in-memory FIFO (aiosmpplib's SimpleBroker, default capacity 2500).
 *
 *  Enqueueing more messages than `capacity` needs a consumer: enqueue() waits (back-pressure)
 *  until the Esme takes some, which it does only once started. Before start(), or from a thread
 *  that must not wait, use try_enqueue() (refuses when full) or enqueue_for() (waits at most a
 *  given time); an enqueue() that waits long logs a warning (SimpleBrokerOptions).
 *
 *  Thread safety: try_enqueue() and size() may be called from any thread (this is the hand-off
 *  for applications that produce on other threads). enqueue(), enqueue_for(), dequeue() and the
 *  batch functions must be awaited by coroutines running on `executor` (the Esme's executor or
 *  strand), because their waits use timers of that executor. */
class SimpleBroker final : public Broker {
 public:
  /** @brief `capacity` >= 1 (throws std::invalid_argument naming it otherwise). */
  explicit SimpleBroker(asio::any_io_executor executor, std::size_t capacity = 2500);
  /** @brief @throws std::invalid_argument naming the option and its limit. */
  SimpleBroker(asio::any_io_executor executor, SimpleBrokerOptions options);
  ~SimpleBroker() override;

  /** @brief Waits while the broker holds `capacity` messages, then adds `message`. Cancellable:
   *  a cancelled enqueue adds nothing (std::system_error with operation_aborted). Waiting
   *  producers get room in the order they started waiting. */
  asio::awaitable<void> enqueue(Pdu message) override;
  /** @brief enqueue() that waits at most `timeout` for room: true when `message` was added (moved
   *  from), false when the time passed first (then `message` is untouched). A timeout <= 0 only
   *  tries. Cancellable as enqueue(). `message` must stay alive until the call completes. */
  asio::awaitable<bool> enqueue_for(Pdu& message, std::chrono::steady_clock::duration timeout);
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
  struct ProducerWait;
  asio::awaitable<bool> add(Pdu& message,
                            std::optional<std::chrono::steady_clock::time_point> deadline);
  std::size_t take_locked(std::vector<Pdu>& out, std::size_t max);
  void wake_producers_locked(std::size_t n);

  std::size_t capacity_;
  std::chrono::milliseconds warn_after_;
  std::shared_ptr<State> state_;  // shared with handlers posted from other threads
};

}  // namespace aiosmpp
