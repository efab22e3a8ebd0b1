#pragma once

// Asks Redis Sentinels, in order, for the address of a master (SENTINEL get-master-addr-by-name),
// asynchronously on an Asio executor: one sentinel at a time, each bounded by a timeout covering
// its resolve, connect, AUTH and answer. The guideline it follows:
// https://redis.io/docs/latest/develop/reference/sentinel-clients/

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/redis/client.hpp"

struct redisAsyncContext;

namespace aiosmpp::detail {

/** What a discovery found: the sentinel that answered (its index in the list asked) and the
 *  master's address; or, when none answered, every sentinel's reason. */
struct SentinelResult {
  bool ok = false;
  std::size_t index = 0;
  RedisEndpoint master;
  std::string error;          // "host:port: why; ..." when !ok
  bool auth_refused = false;  // at least one sentinel refused our AUTH
};

/** The master's address out of a get-master-addr-by-name reply, or nullopt with `why`. */
std::optional<RedisEndpoint> parse_master_addr(const redisReply* r, std::string& why);

/** One discovery. `done` is called once, on the executor, unless cancel() (or destruction)
 *  comes first. Hold the shared_ptr for as long as the discovery may run. */
class SentinelQuery : public std::enable_shared_from_this<SentinelQuery> {
 public:
  using Done = std::function<void(const SentinelResult&)>;
  struct Params {
    std::vector<RedisEndpoint> sentinels;
    std::string master_name;
    std::string username;  // sentinel ACL user (may be empty)
    std::string password;  // AUTH sent first when not empty
    std::chrono::milliseconds timeout;
  };

  static std::shared_ptr<SentinelQuery> start(asio::any_io_executor executor, Params params,
                                              Done done);
  SentinelQuery(asio::any_io_executor executor, Params params, Done done);
  ~SentinelQuery();
  SentinelQuery(const SentinelQuery&) = delete;
  SentinelQuery& operator=(const SentinelQuery&) = delete;
  void cancel();

 private:
  void ask(std::size_t i);
  void connect(const std::string& ip);
  void settle(std::string why, std::optional<RedisEndpoint> master);
  void close_context();
  static void on_connect_cb(const redisAsyncContext* c, int status);
  static void on_disconnect_cb(const redisAsyncContext* c, int status);
  static void on_reply_cb(redisAsyncContext* c, void* reply, void* privdata);

  asio::any_io_executor executor_;
  Params params_;
  Done done_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;
  redisAsyncContext* ac_ = nullptr;
  std::size_t index_ = 0;
  std::uint64_t attempt_ = 0;  // which sentinel's exchange a late callback belongs to
  bool settled_ = true;        // the current sentinel's exchange has its outcome
  bool cancelled_ = false;
  SentinelResult result_;
};

}  // namespace aiosmpp::detail
