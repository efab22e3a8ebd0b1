#pragma once

// What the Redis tests share: a redis-server child process on a free loopback port with its own
// temporary directory, started and stopped by its process id (the examples test's Process), a
// message factory, and the shared RecordingHook.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

#include "aiosmpp/redis/redis.hpp"
#include "integration/examples/process.hpp"
#include "support/catch.hpp"
#include "support/recording_hook.hpp"

namespace aiosmpp::redis_test {

#ifndef AIOSMPP_REDIS_SERVER
#define AIOSMPP_REDIS_SERVER "/usr/bin/redis-server"
#endif
#ifndef AIOSMPP_REDIS_CLI
#define AIOSMPP_REDIS_CLI "/usr/bin/redis-cli"
#endif

// A port the kernel just handed out on loopback (released again for redis-server to bind).
inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: bind failed");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// redis-server on 127.0.0.1:<free port>, no persistence unless `durable` (then an append-only
// file synced on every write, so a restart on the same directory loses nothing acknowledged).
// `extra` is appended to its command line (--requirepass, --replicaof).
class RedisServer {
 public:
  explicit RedisServer(bool durable = false, std::vector<std::string> extra = {})
      : port_(free_port()), durable_(durable), extra_(std::move(extra)) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("aiosmpp_redis_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    start();
  }
  ~RedisServer() {
    process_.reset();  // kills by pid when still running
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  RedisClientOptions client() const {
    RedisClientOptions o;
    o.port = port_;
    o.reconnect_min = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    return o;
  }
  // SIGKILL by pid: what a crashed host looks like to the clients.
  void kill() {
    if (!process_) return;
    ::kill(process_->pid(), SIGKILL);
    process_->wait_for(std::chrono::seconds(5));
    process_.reset();
  }
  void stop() {
    if (process_) process_->stop(std::chrono::seconds(5));
    process_.reset();
  }
  void start() {
    std::vector<std::string> argv{AIOSMPP_REDIS_SERVER,
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--dir",
                                  dir_.string(),
                                  "--appendonly",
                                  durable_ ? "yes" : "no",
                                  "--appendfsync",
                                  "always"};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    process_ = std::make_unique<examples_test::Process>(argv, dir_ / "out.log", dir_ / "err.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts(port_)) {
      if (process_->poll() || std::chrono::steady_clock::now() > deadline) {
        FAIL("redis-server did not start: " << process_->out() << process_->err());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  std::uint16_t port_;
  bool durable_;
  std::vector<std::string> extra_;
  std::filesystem::path dir_;
  std::unique_ptr<examples_test::Process> process_;
};

inline Pdu submit(const std::string& log_id, const std::string& extra = {}) {
  SubmitSm m;
  m.source = PhoneNumber("254722111111");
  m.destination = PhoneNumber("254722999999");
  m.text = MessageText{"hello " + log_id};
  m.tracking.log_id = log_id;
  m.tracking.extra_data = extra;
  return m;
}

inline std::string log_id_of(const Pdu& p) {
  Tracking t = tracking_of(p);
  RedisBroker::strip_entry(t);
  return t.log_id;
}

using aiosmpp::test::RecordingHook;

// A command's reply (throws RedisError), and the error code a command fails with (none: {}).
inline asio::awaitable<RedisReply> cmd(RedisClient& c, std::vector<std::string> args) {
  co_return co_await c.command(std::move(args));
}

inline asio::awaitable<std::error_code> failure_of(RedisClient& c, std::vector<std::string> args) {
  try {
    co_await c.command(std::move(args));
  } catch (const RedisError& e) {
    co_return e.code();
  }
  co_return std::error_code{};
}

}  // namespace aiosmpp::redis_test
