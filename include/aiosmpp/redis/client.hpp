#pragma once

/** @file
 *  @brief RedisClient: one hiredis connection driven by an Asio executor (no thread of its own),
 *  with pipelined awaitable commands, reconnection with a bounded back-off, and typed errors. */

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp {

/** @brief Why a Redis command failed. */
enum class RedisErrc {
  not_connected = 1,  ///< no connection right now (Redis down, reconnecting): nothing was sent
  connection_lost,    ///< the connection dropped (or was dropped) before the reply came
  server_error,       ///< Redis answered with an error reply (the message is Redis's text)
  command_timeout,    ///< no reply within RedisClientOptions::command_timeout: connection dropped
  protocol_error,     ///< a reply of an unexpected shape
};

/** @brief The error category of RedisErrc ("aiosmpp.redis"). */
const std::error_category& redis_category() noexcept;
/** @brief Makes an error_code of the redis category. */
inline std::error_code make_error_code(RedisErrc e) noexcept {
  return {static_cast<int>(e), redis_category()};
}

/** @brief A failed Redis command: code() says which way, what() the detail. */
class RedisError : public std::system_error {
 public:
  /** @brief `what` says which command or key. */
  RedisError(RedisErrc code, const std::string& what)
      : std::system_error(make_error_code(code), what) {}
};

/** @brief A reply, copied out of hiredis's before hiredis frees it (RESP2 types). */
struct RedisReply {
  /** @brief The RESP2 type. */
  enum class Type : std::uint8_t { nil, status, error, integer, string, array };
  Type type = Type::nil;             ///< which member holds the value
  std::string str;                   ///< status, error or bulk string
  long long integer = 0;             ///< integer
  std::vector<RedisReply> elements;  ///< array

  /** @brief Whether this is the nil reply. */
  bool is_nil() const noexcept { return type == Type::nil; }
  /** @brief Whether this is an error reply. */
  bool is_error() const noexcept { return type == Type::error; }
};

/** @brief A host and port (a Redis Sentinel). */
struct RedisEndpoint {
  std::string host;        ///< name or address, resolved asynchronously; not empty
  std::uint16_t port = 0;  ///< 1..65535
};

/** @brief Where Redis is and how the client behaves when it goes away. */
struct RedisClientOptions {
  /** @brief Host name or address; a name is resolved asynchronously on each connect. Unused
   *  when `sentinels` is not empty. */
  std::string host = "127.0.0.1";
  /** @brief TCP port, 1..65535. Unused when `sentinels` is not empty. */
  std::uint16_t port = 6379;
  /** @brief Redis Sentinels to ask for the primary of `master_name` before every connect
   *  (`SENTINEL get-master-addr-by-name`), in order; the one that answers moves to the front.
   *  The server given is checked with `ROLE` to be a master. Empty (default): `host`/`port`. */
  std::vector<RedisEndpoint> sentinels;
  /** @brief The master's name as the sentinels know it; required with `sentinels`. */
  std::string master_name;
  /** @brief Redis 6 ACL user for `AUTH user password`; needs `password`. Empty: `AUTH password`. */
  std::string username;
  /** @brief Sent as `AUTH` first on every connection when not empty; a refusal is a connect
   *  failure (logged, counted in auth_failures, retried with the back-off). */
  std::string password;
  /** @brief The sentinels' own ACL user; needs `sentinel_password`. */
  std::string sentinel_username;
  /** @brief `AUTH` sent to each sentinel before asking it, when not empty. */
  std::string sentinel_password;
  /** @brief Database selected (`SELECT`) on every connection when not 0; >= 0. */
  int database = 0;
  /** @brief A connect that has not completed by then is abandoned and retried; > 0. Default 5 s. */
  std::chrono::milliseconds connect_timeout{5000};
  /** @brief First delay before reconnecting after a failure or a drop; > 0. Default 100 ms. */
  std::chrono::milliseconds reconnect_min{100};
  /** @brief The delay doubles after each failed attempt up to this bound; >= reconnect_min.
   *  Default 5 s. The client retries for as long as it exists. */
  std::chrono::milliseconds reconnect_max{5000};
  /** @brief The oldest command still unanswered after this long drops the connection (every
   *  pending command fails with command_timeout) and reconnects, so a hung Redis never hangs a
   *  caller. 0 waits forever. Must exceed any BLOCK time used. Default 10 s. */
  std::chrono::milliseconds command_timeout{10000};
  /** @brief Events redis_connected, redis_connect_failed, redis_disconnected, and with sentinels
   *  redis_discovered, redis_sentinels_unanswered and redis_readonly (default: off). */
  Logger logger;
};

/** @brief Counters of a RedisClient, for metrics. */
struct RedisClientStats {
  std::uint64_t connects = 0;          ///< connections established
  std::uint64_t connect_failures = 0;  ///< attempts that failed or timed out
  std::uint64_t disconnects = 0;       ///< established connections that dropped
  std::uint64_t commands = 0;          ///< commands sent
  std::uint64_t failed_commands = 0;   ///< commands that ended without a reply
  std::uint64_t discoveries = 0;       ///< primaries named by a sentinel (one per connect attempt)
  std::uint64_t role_mismatches = 0;   ///< named primaries whose ROLE was not master (dropped)
  std::uint64_t auth_failures = 0;     ///< AUTH refused by Redis or by a sentinel
  std::uint64_t readonly_drops = 0;    ///< connections dropped on a -READONLY reply (sentinels)
};

/** @brief One connection to Redis on `executor`, connecting at construction and reconnecting
 *  (back-off from reconnect_min doubling to reconnect_max) whenever it drops.
 *
 *  Commands issued in one turn of the executor leave in one write (hiredis buffers them), so
 *  issuing several before awaiting any pipelines them; pipeline() does that for a list. A command
 *  issued while disconnected fails at once with not_connected: callers decide whether to wait
 *  (wait_connected()) and retry.
 *
 *  With RedisClientOptions::sentinels, each connect first asks the sentinels for the primary and
 *  checks its ROLE; a -READONLY reply (the primary demoted under us) drops the connection so the
 *  next connect rediscovers. AUTH, SELECT and ROLE are sent before the connection counts as up.
 *
 *  Threads: every call on the executor (use a strand when the io_context has several threads).
 *  Destroy the client before its io_context; pending commands then fail with connection_lost. */
class RedisClient {
 public:
  /** @throws std::invalid_argument naming the option and its limit. */
  RedisClient(asio::any_io_executor executor, RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /** @brief Sends one command (each argument one bulk string, binary-safe) and returns its reply.
   *  @throws RedisError: not_connected, connection_lost, command_timeout, or server_error for an
   *  error reply. */
  asio::awaitable<RedisReply> command(std::vector<std::string> args);
  /** @brief Sends every command in one write and returns their replies in order; an error reply
   *  is returned as such (not thrown). @throws RedisError when the connection fails any of them. */
  asio::awaitable<std::vector<RedisReply>> pipeline(std::vector<std::vector<std::string>> commands);
  /** @brief Sends a command without waiting; `done` (may be empty) gets the error or the reply
   *  on the executor. For write-behind work such as acknowledgements. */
  void send(std::vector<std::string> args,
            std::function<void(std::error_code, RedisReply)> done = {});

  /** @brief Whether a connection is established now. */
  bool connected() const noexcept;
  /** @brief Waits until connected or `timeout` passes; true when connected. Cancellable
   *  (std::system_error with operation_aborted). */
  asio::awaitable<bool> wait_connected(std::chrono::steady_clock::duration timeout);
  /** @brief Counters since construction. */
  RedisClientStats stats() const noexcept;
  /** @brief The options in use. */
  const RedisClientOptions& options() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aiosmpp

template <>
struct std::is_error_code_enum<aiosmpp::RedisErrc> : std::true_type {};
