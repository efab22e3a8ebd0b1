#pragma once

/** @file
 *  @brief SqliteBroker: a durable FIFO of messages in which a message stays until its outcome is
 *  known, so a crash loses nothing and leaves the messages of unknown fate for the application to
 *  decide on. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/sqlite/database.hpp"

namespace aiosmpp {

/** @brief Settings of a SqliteBroker. */
struct SqliteBrokerOptions {
  /** @brief How often a waiting dequeue looks at the file for messages that another connection
   *  added (enqueues through this SqliteBroker wake it at once). > 0. Default 1 s. */
  std::chrono::milliseconds poll_interval{1000};
};

/** @brief A message a previous run took from the queue and never finished: it may or may not have
 *  reached the SMSC ("outcome unknown"). */
struct UnfinishedMessage {
  std::int64_t id = 0;   ///< the queue's id of the message (its FIFO position)
  Pdu message;           ///< as enqueued, with its tracking
  std::int64_t run = 0;  ///< the run (SqliteDatabase::run()) that took it
  std::chrono::system_clock::time_point taken_at;  ///< when it was taken (millisecond precision)
};

/** @brief Counts of the queue's messages.  */
struct SqliteQueueCounts {
  std::uint64_t ready = 0;        ///< waiting to be taken
  std::uint64_t in_progress = 0;  ///< taken by this run, outcome not yet known
  std::uint64_t unfinished = 0;   ///< taken by an earlier run, outcome unknown (see unfinished())
};

/** @brief The durable Broker (aiosmpplib recommends persisting the broker; this is it).
 *
 *  Life of a message: enqueue() commits it (as the message layer's JSON) before it returns;
 *  dequeue() *takes* it, which marks it with the current run but keeps it in the file; it leaves
 *  the file only when its outcome is known: a response or a send_error, delivered to the hook.
 *  For that the Esme must be given a SqliteHook wrapping this broker (and the application's own
 *  hook): it removes each message once the application's hook has seen its outcome.
 *
 *  After a crash the messages taken but not finished are the "outcome unknown" ones: the SMSC may
 *  have accepted them. They are not sent again by themselves: list them with unfinished() and
 *  requeue() (at their old place in the FIFO: they go first) or forget() them. Order: FIFO by
 *  enqueue, except requeued messages, which keep their original place.
 *
 *  Identity: a taken message carries its queue id inside its tracking's log_id (a prefix that
 *  SqliteHook and SqliteCorrelator strip again, so the application's hook and the stored receipt
 *  correlation see the log_id it enqueued). The Esme's own log lines show the prefixed form.
 *
 *  Threads: enqueue(), enqueue_batch(), the recovery calls and counts() may be awaited from any
 *  executor; dequeue() and dequeue_batch() are awaited by the Esme on `executor`. SQL runs on the
 *  SqliteDatabase's thread; the awaiting coroutine resumes on its own executor. */
class SqliteBroker final : public Broker {
 public:
  /** @brief `executor`: the Esme's (the waiting dequeue's timer runs on it).
   *  @throws std::invalid_argument when `database` is null or an option is out of range. */
  SqliteBroker(asio::any_io_executor executor, std::shared_ptr<SqliteDatabase> database,
               SqliteBrokerOptions options = {});
  ~SqliteBroker() override;

  /** @brief Stores `message` durably (committed when this returns). Any PDU the message layer
   *  can write as JSON is accepted; the Esme sends only submit_sm, submit_multi, data_sm (and
   *  reports others as invalid_message).
   *  @throws SqliteError when the commit fails (then nothing was stored). Not cancellable once
   *  started: the commit happens anyway. */
  asio::awaitable<void> enqueue(Pdu message) override;
  /** @brief true: the Esme finishes a response's outcome before it leases into its slot, so a
   *  crash leaves at most `window` messages of unknown outcome unfinished, besides throttled ones
   *  waiting to be sent again (EsmeConfig::requeue_limit); enqueue() never waits for room. */
  bool outcome_before_reuse() const noexcept override { return true; }
  /** @brief Stores every message of `messages` in one transaction, in order (all or none).
   *  @throws SqliteError as enqueue(). */
  asio::awaitable<void> enqueue_batch(std::vector<Pdu> messages);

  /** @brief Takes the oldest ready message, waiting while there is none. @throws SqliteError;
   *  std::system_error (operation_aborted) when cancelled while waiting (nothing taken). */
  asio::awaitable<Pdu> dequeue() override;
  /** @brief Takes up to `max` ready messages (oldest first) into `out`, waiting while there is
   *  none. Messages taken are appended to `out` before the coroutine returns, without a later
   *  suspension point, so a cancellation never loses one: it either takes nothing or completes.
   *  @throws as dequeue(). */
  asio::awaitable<std::size_t> dequeue_batch(std::vector<Pdu>& out, std::size_t max) override;

  /** @brief Removes a taken message whose outcome is known: queued to the database thread in
   *  order after every operation queued before it (the receipt correlation among them) and
   *  committed with the next batch, so it never waits. SqliteHook calls it. A message that is
   *  not one this broker took (no id in its log_id) is ignored. Thread-safe. */
  void finish(const Pdu& message);
  /** @brief The same, by queue id. */
  void finish(std::int64_t id);

  /** @brief Messages taken by earlier runs and never finished ("outcome unknown"), oldest first.
   *  @throws SqliteError. */
  asio::awaitable<std::vector<UnfinishedMessage>> unfinished();
  /** @brief Makes these messages ready again at their original FIFO place (the application
   *  accepts a possible duplicate). Ids not unfinished (or unknown) are ignored; returns how many
   *  were requeued. @throws SqliteError. */
  asio::awaitable<std::size_t> requeue(std::span<const std::int64_t> ids);
  /** @brief Removes these unfinished messages (the application reported them instead); returns
   *  how many were removed. @throws SqliteError. */
  asio::awaitable<std::size_t> forget(std::span<const std::int64_t> ids);
  /** @brief Counts by state. @throws SqliteError. */
  asio::awaitable<SqliteQueueCounts> counts();

  /** @brief The queue id carried by a taken message's tracking, or nullopt. */
  static std::optional<std::int64_t> id_of(const Tracking& tracking) noexcept;
  /** @brief Removes the queue id prefix from `tracking.log_id` (nothing when there is none). */
  static void strip_id(Tracking& tracking);

  /** @brief The database in use. */
  SqliteDatabase& database() noexcept { return *db_; }

 private:
  struct Waiter;
  asio::awaitable<std::size_t> take(std::vector<Pdu>& out, std::size_t max);
  void wake();

  asio::any_io_executor executor_;
  std::shared_ptr<SqliteDatabase> db_;
  SqliteBrokerOptions options_;
  std::shared_ptr<Waiter> waiter_;
};

}  // namespace aiosmpp
