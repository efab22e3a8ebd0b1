#pragma once

// --state FILE: the messages of a run kept in aiosmpp's SQLite durable broker (docs/durable.md)
// from before the first is sent until each one's outcome line is written, so that a run stopped
// by a signal or a crash goes on where it was when started again with the same FILE. Beside the
// database, FILE.loaded records that the input was stored whole (written after the one
// transaction that stores it), so a finished run is not sent again.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "aiosmpp/esme/hook.hpp"

namespace aiosmpp::send {

class StateStore {
 public:
  virtual ~StateStore() = default;

  /** The broker the Esme takes from. */
  virtual std::shared_ptr<Broker> broker() = 0;
  /** `app` wrapped so that a message leaves the file once `app` has seen its outcome. */
  virtual std::shared_ptr<Hook> wrap(std::shared_ptr<Hook> app) = 0;
  /** Whether an earlier run stored its input (then this run resumes and reads no input). */
  virtual bool loaded() const = 0;
  /** Stores every message in one transaction, then marks the input loaded. */
  virtual asio::awaitable<void> load(std::vector<Pdu> messages, std::size_t bad_lines) = 0;
  /** A message an earlier run took and never finished (outcome unknown), by its queue id. */
  struct Unfinished {
    std::int64_t id = 0;
    Pdu message;  // with the tracking it was enqueued with
  };
  virtual asio::awaitable<std::vector<Unfinished>> unfinished() = 0;
  /** Makes these unfinished messages ready again, at their old place. */
  virtual asio::awaitable<void> resend(std::vector<std::int64_t> ids) = 0;
  /** Removes these unfinished messages (their lines are written). */
  virtual asio::awaitable<void> forget(std::vector<std::int64_t> ids) = 0;
  /** Messages waiting to be sent. */
  virtual asio::awaitable<std::uint64_t> ready() = 0;
  /** Puts a message that was not sent back at the end of the queue. */
  virtual asio::awaitable<void> requeue(Pdu message) = 0;
  /** Commits what is queued. */
  virtual asio::awaitable<void> flush() = 0;
};

/** Whether `path` is a state file whose input an earlier run stored (FILE.loaded exists): a run
 *  with it resumes and reads no input. */
bool state_is_loaded(const std::string& path);

/** Opens (or creates) the state file. @throws std::runtime_error naming the file when it cannot
 *  be opened, or when this build has no SQLite component. */
std::unique_ptr<StateStore> open_state(asio::any_io_executor executor, const std::string& path);

}  // namespace aiosmpp::send
