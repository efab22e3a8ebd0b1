// RedisClient against a real redis-server: commands and pipelines with owned replies, typed
// errors, reconnection after Redis was killed and restarted, and the command timeout that keeps a
// hung Redis from hanging a caller.
//
// Results are awaited before CHECK, never inside it: g++ 12 runs a co_await inside Catch's CHECK
// macro more than once.

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

TEST_CASE("RedisClient: commands, pipelines in order, binary-safe values, error replies") {
  RedisServer server;
  asio::io_context io;
  RedisClient client(io.get_executor(), server.client());
  REQUIRE(run_coro(io, client.wait_connected(5s), 10s));

  const std::string binary("a\0b\r\nc", 6);
  run_coro(io, cmd(client, {"SET", "k", binary}), 5s);
  const RedisReply got = run_coro(io, cmd(client, {"GET", "k"}), 5s);
  CHECK(got.type == RedisReply::Type::string);
  CHECK(got.str == binary);
  const RedisReply none = run_coro(io, cmd(client, {"GET", "missing"}), 5s);
  CHECK(none.is_nil());

  std::vector<std::vector<std::string>> incrs(200, std::vector<std::string>{"INCR", "n"});
  const auto replies = run_coro(io, client.pipeline(std::move(incrs)), 5s);
  REQUIRE(replies.size() == 200);
  for (std::size_t i = 0; i < replies.size(); ++i)
    CHECK(replies[i].integer == static_cast<long long>(i + 1));

  const auto arr = run_coro(io, cmd(client, {"LRANGE", "nolist", "0", "-1"}), 5s);
  CHECK(arr.type == RedisReply::Type::array);
  const auto ec = run_coro(io, failure_of(client, {"INCR", "k"}), 5s);
  CHECK(ec == RedisErrc::server_error);
  CHECK(client.stats().commands >= 205);
}

TEST_CASE("RedisClient: refuses bad options, naming the field") {
  asio::io_context io;
  RedisClientOptions o;
  o.port = 0;
  CHECK_THROWS_WITH(RedisClient(io.get_executor(), o), Catch::Contains("port"));
  o = {};
  o.reconnect_max = 1ms;
  o.reconnect_min = 10ms;
  CHECK_THROWS_WITH(RedisClient(io.get_executor(), o), Catch::Contains("reconnect_max"));
}

TEST_CASE("RedisClient: Redis killed and restarted: typed errors, then it reconnects by itself") {
  RedisServer server;
  asio::io_context io;
  RedisClient client(io.get_executor(), server.client());
  REQUIRE(run_coro(io, client.wait_connected(5s), 10s));
  run_coro(io, cmd(client, {"SET", "a", "1"}), 5s);

  server.kill();
  // The drop is seen when hiredis reads the EOF; until then a command fails with connection_lost.
  std::error_code ec;
  for (int i = 0; i < 100 && ec != RedisErrc::not_connected; ++i) {
    ec = run_coro(io, failure_of(client, {"PING"}), 5s);
    CHECK((ec == RedisErrc::connection_lost || ec == RedisErrc::not_connected));
  }
  CHECK(ec == RedisErrc::not_connected);
  CHECK_FALSE(client.connected());

  server.start();  // same port, empty (no persistence)
  REQUIRE(run_coro(io, client.wait_connected(10s), 15s));
  const auto pong = run_coro(io, cmd(client, {"PING"}), 5s);
  CHECK(pong.str == "PONG");
  CHECK(client.stats().disconnects >= 1);
  CHECK(client.stats().connects >= 2);
}

TEST_CASE("RedisClient: Redis absent at start: connect failures are retried until it comes") {
  const auto port = free_port();
  asio::io_context io;
  RedisClientOptions o;
  o.port = port;
  o.reconnect_min = 10ms;
  o.reconnect_max = 50ms;
  RedisClient client(io.get_executor(), o);
  CHECK_FALSE(run_coro(io, client.wait_connected(200ms), 5s));
  CHECK(client.stats().connect_failures >= 1);
  const auto ec = run_coro(io, failure_of(client, {"PING"}), 5s);
  CHECK(ec == RedisErrc::not_connected);
}

TEST_CASE("RedisClient: a hung Redis fails pending commands with command_timeout, then recovers") {
  RedisServer server;
  asio::io_context io;
  auto o = server.client();
  o.command_timeout = 300ms;
  RedisClient client(io.get_executor(), o);
  REQUIRE(run_coro(io, client.wait_connected(5s), 10s));

  ::kill(server.pid(), SIGSTOP);
  const auto ec = run_coro(io, failure_of(client, {"PING"}), 10s);
  ::kill(server.pid(), SIGCONT);
  CHECK(ec == RedisErrc::command_timeout);
  REQUIRE(run_coro(io, client.wait_connected(10s), 15s));
  const auto pong = run_coro(io, cmd(client, {"PING"}), 5s);
  CHECK(pong.str == "PONG");
}
