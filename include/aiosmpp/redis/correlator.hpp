#pragma once

/** @file
 *  @brief RedisCorrelator: receipt correlation kept in Redis, shared by every process, so a
 *  receipt that comes back on any bind of any process finds its message. */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/esme/correlator.hpp"
#include "aiosmpp/log.hpp"
#include "aiosmpp/redis/client.hpp"

namespace aiosmpp {

/** @brief Settings of a RedisCorrelator. One key per message id: `<key_prefix>:dlr:<id>`. */
struct RedisCorrelatorOptions {
  /** @brief First part of every key; not empty. Default "aiosmpp". */
  std::string key_prefix = "aiosmpp";
  /** @brief How long a message id is remembered (the key's PX); > 0. Default 3 days. */
  std::chrono::milliseconds delivery_ttl = std::chrono::hours(72);
  /** @brief How long a final receipt's repeat marker is kept; >= 0, 0 keeps none (a final
   *  receipt deletes the key). Default 1 hour. Markers are bounded by this TTL, not by a count:
   *  final receipts per second x receipt_grace of them, about 165 octets each (docs/redis.md). */
  std::chrono::milliseconds receipt_grace = std::chrono::hours(1);
  /** @brief How long a receipt for an unknown id is held (in this process); >= 0, 0 holds none.
   *  Keep it above the Esme's response_timeout. Default 30 s. */
  std::chrono::milliseconds hold_time = std::chrono::seconds(30);
  /** @brief Most receipts held; 0 holds none. Default 10,000. */
  std::size_t max_held = 10'000;
  /** @brief How often held receipts are looked up again in Redis (their id may be registered by
   *  another process, or Redis was down when they came); > 0. Default 500 ms. */
  std::chrono::milliseconds hold_poll{500};
  /** @brief Most failed registrations kept to be sent again once Redis is back; >= 1. Beyond,
   *  one is dropped (counted in RedisCorrelatorStats::lost: its receipt comes untracked).
   *  Default 100,000. */
  std::size_t max_retry = 100'000;
  /** @brief Events redis_correlator_* (default: off). */
  Logger logger;
};

/** @brief Counters of a RedisCorrelator. */
struct RedisCorrelatorStats {
  std::uint64_t registered = 0;  ///< ids stored (SET ... PX), sent without waiting
  std::uint64_t lookups = 0;     ///< receipts looked up (one atomic script each)
  std::uint64_t held = 0;        ///< receipts held
  std::uint64_t errors = 0;      ///< Redis errors (each logged)
  std::uint64_t lost = 0;        ///< registrations dropped because the retry list was full
};

/** @brief The Correlator on Redis keys with a TTL, shared by any number of processes.
 *
 *  - register_delivery() / put_delivery(): `SET <key> <tracking> PX delivery_ttl`, sent without
 *    waiting for the reply: registrations of one turn leave in one write (pipelined), and a
 *    receipt looked up later on the same connection is answered after them.
 *  - correlate_receipt() / get_delivery(): one Lua script, atomically: read the key and, for a
 *    final receipt, turn it into a repeat marker (`PX receipt_grace`) or delete it. A marker
 *    answers any later receipt with its tracking, flagged `repeat`.
 *  - Early receipts: a receipt for an unknown id is held in this process (ReceiptHold, bounded by
 *    max_held and hold_time) and looked up again every hold_poll, so a registration made by
 *    another process (or one still on its way) releases it matched; when Redis fails during a
 *    lookup the receipt is held as well. Held receipts are not in Redis: a process that stops
 *    gives them up (release_holds_at_stop()).
 *
 *  Message ids are used as the Esme hands them over (already normalised). Errors: a failed
 *  registration is logged (redis_correlator_register_failed), counted, and sent again (before
 *  the next call's own command) once Redis is back, up to max_retry of them. Threads: every call on
 * `executor` (the Esme's). */
class RedisCorrelator final : public Correlator {
 public:
  /** @brief Connects to Redis at `client`. @throws std::invalid_argument naming an option. */
  RedisCorrelator(asio::any_io_executor executor, RedisClientOptions client,
                  RedisCorrelatorOptions options = {});
  ~RedisCorrelator() override;

  asio::awaitable<void> put_delivery(std::string smsc_message_id, Tracking tracking) override;
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view smsc_message_id,
                                                        bool final_state) override;
  asio::awaitable<std::vector<ReleasedReceipt>> register_delivery(std::string smsc_message_id,
                                                                  Tracking tracking) override;
  asio::awaitable<ReceiptMatch> correlate_receipt(std::string_view smsc_message_id,
                                                  bool final_state, const Pdu& receipt) override;
  /** @brief Looks the held ids up again (every hold_poll) and gives up the expired holds. */
  asio::awaitable<std::vector<ReleasedReceipt>> take_released_holds() override;
  /** @brief Every receipt still held, given up (holds live in this process only). */
  asio::awaitable<std::vector<ReleasedReceipt>> release_holds_at_stop() override;
  /** @brief The next hold expiry or poll while receipts are held; nullopt otherwise. */
  std::optional<std::chrono::steady_clock::time_point> next_expiry() const override;

  /** @brief Receipts held now. */
  std::size_t held() const noexcept { return hold_.size(); }
  /** @brief Counters since construction. */
  RedisCorrelatorStats stats() const noexcept { return stats_; }
  /** @brief The key of `smsc_message_id`. */
  std::string key_of(std::string_view smsc_message_id) const;
  /** @brief The connection (for tests and health checks). */
  RedisClient& client() noexcept { return client_; }

 private:
  struct Lookup {
    std::optional<Tracking> tracking;
    bool marker = false;
  };
  static Lookup parse(const RedisReply& reply);
  std::vector<std::string> lookup_command(std::string_view id, bool final_state) const;
  void store(std::string_view id, const Tracking& tracking, bool as_marker);
  void send_store(std::vector<std::string> cmd);
  void flush_retries();
  ReceiptMatch hold(std::string_view id, bool final_state, const Pdu& receipt);
  void forget_ids(const std::vector<ReceiptHold::Held>& gone);
  void error(std::string_view event, std::string_view what);

  RedisCorrelatorOptions options_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);  // expires with this: see send_store()
  RedisClient client_;
  ReceiptHold hold_;
  std::unordered_map<std::string, bool> held_ids_;  // id -> a held receipt for it is final
  std::chrono::steady_clock::time_point next_poll_{};
  std::vector<std::vector<std::string>> retry_;  // registrations that failed, oldest first
  RedisCorrelatorStats stats_;
};

}  // namespace aiosmpp
