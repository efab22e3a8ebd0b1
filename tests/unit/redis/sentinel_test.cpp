// RedisClient with Redis Sentinel and AUTH, against real processes: a primary, a replica and a
// sentinel (redis-server --sentinel on a generated, writable sentinel.conf). The client, given
// only the sentinels, finds the primary, follows a failover after the primary is killed, drops a
// primary demoted under it (-READONLY) and rediscovers, and refuses to count a connection whose
// AUTH was refused as up.
//
// Results are awaited before CHECK, never inside it (g++ 12 runs a co_await inside CHECK twice).

#include <hiredis/hiredis.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "redis/sentinel.hpp"
#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

namespace {

// redis-server --sentinel monitoring master "m" at 127.0.0.1:<master_port> with quorum 1 and a
// tight down-after, so that a failover takes a second or two. Stopped by its pid.
class Sentinel {
 public:
  Sentinel(std::uint16_t master_port, std::chrono::milliseconds down_after,
           const std::vector<std::string>& extra_conf = {})
      : port_(free_port()) {
    static int counter = 0;
    dir_ =
        std::filesystem::temp_directory_path() /
        ("aiosmpp_sentinel_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const auto conf = dir_ / "sentinel.conf";  // sentinel rewrites it: a file of its own
    {
      std::ofstream out(conf);
      out << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir_.string() << "\n"
          << "sentinel monitor m 127.0.0.1 " << master_port << " 1\n"
          << "sentinel down-after-milliseconds m " << down_after.count() << "\n"
          << "sentinel failover-timeout m 3000\n";
      for (const auto& line : extra_conf)
        out << line << "\n";
    }
    process_ = std::make_unique<examples_test::Process>(
        std::vector<std::string>{AIOSMPP_REDIS_SERVER, conf.string(), "--sentinel"},
        dir_ / "out.log", dir_ / "err.log");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts(port_)) {
      if (process_->poll() || std::chrono::steady_clock::now() > deadline) {
        FAIL("redis sentinel did not start: " << process_->out() << process_->err());
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ~Sentinel() {
    process_.reset();  // kills by pid
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  RedisEndpoint endpoint() const { return {"127.0.0.1", port_}; }
  // A plain client of the sentinel itself, for the test to ask it questions.
  RedisClientOptions control() const {
    RedisClientOptions o;
    o.port = port_;
    o.reconnect_min = 20ms;
    o.reconnect_max = 200ms;
    return o;
  }

 private:
  std::uint16_t port_;
  std::filesystem::path dir_;
  std::unique_ptr<examples_test::Process> process_;
};

// Captures the client's log lines (JSON), to check which events it reported.
struct LogCapture {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  Logger logger() const {
    auto l = lines;
    return Logger(std::make_shared<JsonLinesSink>(
                      LogOutput::callback([l](std::string_view s) { l->emplace_back(s); })),
                  LogLevel::debug);
  }
  std::size_t count(const std::string& a, const std::string& b = {}) const {
    std::size_t n = 0;
    for (const auto& s : *lines)
      n += s.find(a) != std::string::npos && s.find(b) != std::string::npos ? 1U : 0U;
    return n;
  }
};

// Polls `done` every 50 ms until it holds or `limit` passes; whether it held.
asio::awaitable<bool> eventually(std::function<asio::awaitable<bool>()> done,
                                 std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!co_await done()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(50ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

std::vector<std::string> master_query() {
  return {"SENTINEL", "get-master-addr-by-name", "m"};
}

// The port the sentinel names for "m" now (0 when it cannot be asked).
asio::awaitable<std::uint16_t> master_port(RedisClient& sentinel) {
  std::uint16_t port = 0;
  try {
    const RedisReply r = co_await sentinel.command(master_query());
    if (r.elements.size() == 2) port = static_cast<std::uint16_t>(std::stoi(r.elements[1].str));
  } catch (const RedisError&) {
  }
  co_return port;
}

// Whether `line` of INFO/SENTINEL output is there now.
asio::awaitable<bool> reply_contains(RedisClient& c, std::vector<std::string> args,
                                     std::string text) {
  try {
    auto r = co_await c.command(std::move(args));
    std::string all = r.str;
    for (const auto& e : r.elements) {
      all += e.str;
      for (const auto& f : e.elements)
        all += " " + f.str;
    }
    co_return all.find(text) != std::string::npos;
  } catch (const RedisError&) {
    co_return false;
  }
}

RedisClientOptions via(const std::vector<RedisEndpoint>& sentinels) {
  RedisClientOptions o;
  o.host.clear();  // unused with sentinels
  o.sentinels = sentinels;
  o.master_name = "m";
  o.connect_timeout = 1s;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

}  // namespace

TEST_CASE("RedisClient with sentinels: finds the primary, then the new one after a failover") {
  // Primary and replica both require a password; the sentinel has its own.
  RedisServer primary(false, {"--requirepass", "pw"});
  RedisServer replica(false, {"--requirepass", "pw", "--masterauth", "pw", "--replicaof",
                              "127.0.0.1", std::to_string(primary.port())});
  asio::io_context io;
  auto po = primary.client();
  po.password = "pw";
  RedisClient primary_ctl(io.get_executor(), po);
  REQUIRE(run_coro(io, primary_ctl.wait_connected(5s), 10s));
  // The sentinel learns the replicas from the primary's INFO: start it once the replica is in.
  REQUIRE(
      run_coro(io,
               eventually(
                   [&]() {
                     return reply_contains(primary_ctl, {"INFO", "replication"}, "state=online");
                   },
                   10s),
               15s));
  Sentinel sentinel(primary.port(), 500ms, {"sentinel auth-pass m pw", "requirepass spw"});
  auto so = sentinel.control();
  so.password = "spw";
  RedisClient sentinel_ctl(io.get_executor(), so);
  REQUIRE(run_coro(io, sentinel_ctl.wait_connected(5s), 10s));
  const auto replica_port = std::to_string(replica.port());
  REQUIRE(run_coro(
      io,
      eventually(
          [&]() {
            return reply_contains(sentinel_ctl, {"SENTINEL", "replicas", "m"}, replica_port);
          },
          10s),
      15s));

  // A sentinel that does not answer comes first: the client moves on to the next one.
  auto o = via({{"127.0.0.1", free_port()}, sentinel.endpoint()});
  o.password = "pw";
  o.sentinel_password = "spw";
  LogCapture log;
  o.logger = log.logger();
  RedisClient client(io.get_executor(), o);
  REQUIRE(run_coro(io, client.wait_connected(5s), 10s));
  run_coro(io, cmd(client, {"SET", "k", "before"}), 5s);
  const auto got = run_coro(io, cmd(client, {"GET", "k"}), 5s);
  CHECK(got.str == "before");
  CHECK(client.stats().discoveries == 1);
  CHECK(log.count("redis_discovered", std::to_string(primary.port())) == 1);
  CHECK(log.count("redis_discovered", std::to_string(sentinel.endpoint().port)) == 1);
  CHECK(log.count("redis_sentinels_unanswered", std::to_string(o.sentinels[0].port)) == 1);

  primary.kill();
  const bool promoted =
      run_coro(io,
               eventually(
                   [&]() -> asio::awaitable<bool> {
                     co_return co_await master_port(sentinel_ctl) == replica.port();
                   },
                   20s),
               25s);
  REQUIRE(promoted);
  // The client gets there by itself: commands fail until it has rediscovered.
  const std::vector<std::string> set_after{"SET", "k", "after"};
  const bool back =
      run_coro(io,
               eventually(
                   [&]() -> asio::awaitable<bool> {
                     co_return co_await failure_of(client, set_after) == std::error_code{};
                   },
                   15s),
               20s);
  REQUIRE(back);
  const auto after = run_coro(io, cmd(client, {"GET", "k"}), 5s);
  CHECK(after.str == "after");
  CHECK(client.stats().discoveries >= 2);
  CHECK(client.stats().disconnects >= 1);
  CHECK(log.count("redis_discovered", "\"port\":" + replica_port) >= 1);
  // The sentinel that answered was moved to the front: the dead one was not asked again.
  CHECK(log.count("redis_sentinels_unanswered") == 1);
}

TEST_CASE("RedisClient with sentinels: a wrong sentinel password is a counted connect failure") {
  RedisServer primary;
  asio::io_context io;
  Sentinel sentinel(primary.port(), 10s, {"requirepass spw"});
  auto o = via({sentinel.endpoint()});
  o.sentinel_password = "wrong";
  LogCapture log;
  o.logger = log.logger();
  RedisClient client(io.get_executor(), o);
  CHECK_FALSE(run_coro(io, client.wait_connected(500ms), 5s));
  CHECK(client.stats().auth_failures >= 1);
  CHECK(client.stats().connect_failures >= 1);
  CHECK(client.stats().discoveries == 0);
  CHECK(log.count("redis_connect_failed", "AUTH refused") >= 1);
}

TEST_CASE(
    "RedisClient with sentinels: a primary demoted under it (-READONLY) is dropped and the "
    "sentinels asked again") {
  RedisServer a;
  RedisServer b;
  asio::io_context io;
  // A slow down-after: the sentinel must not react to the demotion during the test.
  Sentinel sentinel(a.port(), 10s);
  auto o = via({sentinel.endpoint()});
  LogCapture log;
  o.logger = log.logger();
  RedisClient client(io.get_executor(), o);
  RedisClient a_ctl(io.get_executor(), a.client());
  REQUIRE(run_coro(io, client.wait_connected(5s), 10s));
  REQUIRE(run_coro(io, a_ctl.wait_connected(5s), 10s));
  run_coro(io, cmd(client, {"SET", "k", "1"}), 5s);
  CHECK(client.stats().discoveries == 1);

  run_coro(io, cmd(a_ctl, {"REPLICAOF", "127.0.0.1", std::to_string(b.port())}), 5s);
  const auto ec = run_coro(io, failure_of(client, {"SET", "k", "2"}), 5s);
  CHECK(ec == RedisErrc::server_error);
  // The sentinel still names A, now a replica: ROLE refuses it, and the client keeps asking.
  const bool refused = run_coro(
      io,
      eventually([&]() -> asio::awaitable<bool> { co_return client.stats().role_mismatches >= 1; },
                 10s),
      15s);
  CHECK(refused);
  CHECK(client.stats().readonly_drops == 1);
  CHECK(client.stats().disconnects == 1);
  CHECK(client.stats().discoveries >= 2);
  CHECK_FALSE(client.connected());
  CHECK(log.count("redis_readonly", "READONLY") == 1);
  CHECK(log.count("redis_connect_failed", "ROLE: slave") >= 1);

  // A is a primary again: the next rediscovery connects and writes succeed.
  run_coro(io, cmd(a_ctl, {"REPLICAOF", "NO", "ONE"}), 5s);
  REQUIRE(run_coro(io, client.wait_connected(10s), 15s));
  const auto ok = run_coro(io, failure_of(client, {"SET", "k", "3"}), 5s);
  CHECK(ok == std::error_code{});
}

TEST_CASE("RedisClient: AUTH and SELECT on every connection, a refused AUTH is a connect failure") {
  RedisServer server(false, {"--requirepass", "pw"});
  asio::io_context io;

  SECTION("the right password (with the default ACL user), and SELECT") {
    auto o = server.client();
    o.username = "default";
    o.password = "pw";
    o.database = 3;
    RedisClient client(io.get_executor(), o);
    REQUIRE(run_coro(io, client.wait_connected(5s), 10s));
    run_coro(io, cmd(client, {"SET", "k", "in3"}), 5s);
    auto o0 = o;
    o0.database = 0;
    RedisClient db0(io.get_executor(), o0);
    REQUIRE(run_coro(io, db0.wait_connected(5s), 10s));
    CHECK(run_coro(io, cmd(db0, {"GET", "k"}), 5s).is_nil());
    CHECK(run_coro(io, cmd(db0, {"SELECT", "3"}), 5s).str == "OK");
    CHECK(run_coro(io, cmd(db0, {"GET", "k"}), 5s).str == "in3");
    CHECK(client.stats().auth_failures == 0);
    CHECK(client.stats().connects == 1);
  }

  SECTION("a wrong password: not connected, every attempt logged and counted") {
    auto o = server.client();
    o.password = "wrong";
    LogCapture log;
    o.logger = log.logger();
    RedisClient client(io.get_executor(), o);
    CHECK_FALSE(run_coro(io, client.wait_connected(500ms), 5s));
    const auto s = client.stats();
    CHECK(s.auth_failures >= 2);
    CHECK(s.connect_failures == s.auth_failures);
    CHECK(s.connects == 0);
    CHECK(log.count("redis_connect_failed", "AUTH refused") == s.auth_failures);
    const auto ec = run_coro(io, failure_of(client, {"PING"}), 5s);
    CHECK(ec == RedisErrc::not_connected);
  }

  SECTION("no password: the connection is up (as before) but Redis refuses every command") {
    RedisClient client(io.get_executor(), server.client());
    REQUIRE(run_coro(io, client.wait_connected(5s), 10s));
    const auto ec = run_coro(io, failure_of(client, {"SET", "k", "v"}), 5s);
    CHECK(ec == RedisErrc::server_error);
    CHECK(client.stats().auth_failures == 0);
  }
}

TEST_CASE("RedisClient: no sentinel answering is a connect failure, retried") {
  asio::io_context io;
  auto o = via({{"127.0.0.1", free_port()}, {"127.0.0.1", free_port()}});
  LogCapture log;
  o.logger = log.logger();
  RedisClient client(io.get_executor(), o);
  CHECK_FALSE(run_coro(io, client.wait_connected(300ms), 5s));
  CHECK(client.stats().connect_failures >= 1);
  CHECK(client.stats().discoveries == 0);
  CHECK(log.count("redis_connect_failed", "no sentinel answered") >= 1);
  const auto ec = run_coro(io, failure_of(client, {"PING"}), 5s);
  CHECK(ec == RedisErrc::not_connected);
}

TEST_CASE("RedisClient: refuses bad sentinel and AUTH options, naming the field") {
  asio::io_context io;
  auto ex = io.get_executor();
  auto o = via({{"127.0.0.1", 26379}});
  o.master_name.clear();
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("master_name"));
  o = via({{"127.0.0.1", 26379}, {"127.0.0.1", 0}});
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("sentinels[1].port"));
  o = via({{"", 26379}});
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("sentinels[0].host"));
  o = {};
  o.master_name = "m";
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("sentinels"));
  o = {};
  o.username = "u";
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("password"));
  o = via({{"127.0.0.1", 26379}});
  o.sentinel_username = "u";
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("sentinel_password"));
  o = {};
  o.database = -1;
  CHECK_THROWS_WITH(RedisClient(ex, o), Catch::Contains("database"));
}

namespace {

// A hiredis reply built by hand (the parser only reads it).
redisReply string_reply(const char* s) {
  redisReply r{};
  r.type = REDIS_REPLY_STRING;
  r.str = const_cast<char*>(s);
  r.len = std::strlen(s);
  return r;
}

std::optional<RedisEndpoint> parse_addr(const char* host, const char* port, std::string& why) {
  redisReply h = string_reply(host);
  redisReply p = string_reply(port);
  redisReply* elements[2] = {&h, &p};
  redisReply array{};
  array.type = REDIS_REPLY_ARRAY;
  array.elements = 2;
  array.element = elements;
  return detail::parse_master_addr(&array, why);
}

}  // namespace

TEST_CASE("SENTINEL get-master-addr-by-name replies: the address, or why not") {
  std::string why;
  const auto ok = parse_addr("10.0.0.5", "6380", why);
  REQUIRE(ok.has_value());
  CHECK(ok->host == "10.0.0.5");
  CHECK(ok->port == 6380);
  for (const char* bad : {"0", "65536", "63a", "", "-1"}) {
    why.clear();
    CHECK_FALSE(parse_addr("10.0.0.5", bad, why).has_value());
    CHECK_THAT(why, Catch::Contains("bad address"));
  }
  CHECK_FALSE(parse_addr("", "6379", why).has_value());

  redisReply nil{};
  nil.type = REDIS_REPLY_NIL;
  CHECK_FALSE(detail::parse_master_addr(&nil, why).has_value());
  CHECK_THAT(why, Catch::Contains("does not know"));
  redisReply error = string_reply("IDONTKNOW I have not enough information");
  error.type = REDIS_REPLY_ERROR;
  CHECK_FALSE(detail::parse_master_addr(&error, why).has_value());
  CHECK_THAT(why, Catch::Contains("IDONTKNOW"));
  redisReply one = string_reply("10.0.0.5");
  CHECK_FALSE(detail::parse_master_addr(&one, why).has_value());
  CHECK_THAT(why, Catch::Contains("unexpected reply"));
}
