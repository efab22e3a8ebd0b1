// An Esme with RedisBroker + RedisHook + RedisCorrelator against the real aiosmpp-smsc-sim
// process and a real redis-server (both child processes stopped by their process id): every
// message enqueued in Redis ends in exactly one outcome, every accepted message's receipt comes
// back correlated to its log_id, and nothing stays pending in the stream. In a second run Redis is
// killed mid-run and restarted on its append-only file: the run still completes, nothing lost.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "integration/examples/simulator.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "unit/redis/redis_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

namespace {

// Counts outcomes and correlated receipts per log_id, as the application would see them.
class CountingHook final : public Hook {
 public:
  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::send_error;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) co_return;
    if (const auto* r = std::get_if<SubmitSmResp>(m)) {
      ++outcomes[r->tracking.log_id];
      if (r->header.command_status == CommandStatus::ok) accepted.insert(r->tracking.log_id);
    } else if (const auto* d = std::get_if<DeliverSm>(m)) {
      if (!d->tracking.log_id.empty())
        receipted.insert(d->tracking.log_id);
      else
        ++untracked;
    }
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError&, std::string_view) override {
    ++outcomes[tracking_of(m).log_id];
    co_return;
  }
  std::map<std::string, int> outcomes;
  std::set<std::string> accepted, receipted;
  int untracked = 0;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> enqueue_all(RedisBroker& broker, int count) {
  for (int i = 0; i < count;) {
    std::vector<Pdu> batch;
    for (int k = 0; k < 100 && i < count; ++k, ++i)
      batch.push_back(submit(fmt::format("m{}", i), fmt::format("x{}", i)));
    co_await broker.enqueue_batch(std::move(batch));
  }
}

EsmeConfig config_for(const examples_test::Simulator& sim) {
  EsmeConfig cfg;
  cfg.smsc_port = static_cast<std::uint16_t>(std::stoi(sim.port()));
  cfg.system_id = "redis";
  cfg.password = "pw";
  cfg.window = 32;
  cfg.log_level = LogLevel::warning;
  return cfg;
}

struct Run {
  int messages = 0;
  bool restart_redis = false;
};

void run(const Run& r) {
  RedisServer redis(/*durable=*/true);
  const auto dir =
      std::filesystem::temp_directory_path() / ("aiosmpp_redis_e2e_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  examples_test::Simulator sim(dir, {"--receipt-delay", "10-100ms"});

  asio::io_context io(1);
  RedisBrokerOptions bo;
  bo.account = "e2e";
  bo.block = 200ms;
  // Entries whose XREADGROUP reply died with Redis are pending unseen: claimed after this.
  bo.claim_idle = 2s;
  bo.claim_interval = 500ms;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), redis.client(), bo);
  auto corr = std::make_shared<RedisCorrelator>(io.get_executor(), redis.client());
  auto app = std::make_shared<CountingHook>();
  run_coro(io, enqueue_all(*broker, r.messages), 20s);

  const EsmeConfig cfg = config_for(sim);
  Components parts;
  parts.broker = broker;
  parts.correlator = corr;
  parts.hook = std::make_shared<RedisHook>(app, broker);
  Esme esme(io.get_executor(), cfg, parts);
  auto failure = std::make_shared<std::exception_ptr>();
  asio::co_spawn(io, esme.start(), [failure](std::exception_ptr e) { *failure = e; });

  auto done = [&] {
    return static_cast<int>(app->outcomes.size()) == r.messages &&
           app->receipted.size() == app->accepted.size();
  };
  bool restarted = !r.restart_redis;
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        while (!done()) {
          co_await sleep_for(20ms);
          if (!restarted && app->outcomes.size() >= static_cast<std::size_t>(r.messages / 3)) {
            redis.kill();
            co_await sleep_for(300ms);
            redis.start();
            restarted = true;
          }
        }
      }(),
      60s);
  run_coro(io, esme.stop(), 20s);
  if (*failure) std::rethrow_exception(*failure);

  CHECK(static_cast<int>(app->outcomes.size()) == r.messages);
  for (const auto& [id, n] : app->outcomes) {
    INFO(id);
    CHECK(n == 1);
    CHECK(id.find('\x1b') == std::string::npos);  // RedisHook stripped the entry id
  }
  CHECK(app->accepted.size() == static_cast<std::size_t>(r.messages));
  CHECK(app->receipted == app->accepted);
  CHECK(app->untracked == 0);
  // Nothing died, so nothing written is ever claimed. Only when Redis died after moving entries
  // to this consumer but before its XREADGROUP reply arrived are entries pending unseen: they
  // are claimed (after claim_idle) as never written, and sent once.
  CHECK(broker->stats().claimed_unknown == 0);
  if (!r.restart_redis) CHECK(broker->stats().claimed == 0);
  // Each message was recorded as written before its bytes left (RedisHook::before_write), in
  // batches: one HSET per batch the Esme wrote, never more than one per message.
  if (!r.restart_redis) CHECK(broker->stats().recorded == static_cast<std::uint64_t>(r.messages));
  CHECK(broker->stats().records >= 1);
  CHECK(broker->stats().records <= broker->stats().recorded);
  // The restart was seen (the correlator's connection dropped and came back), and survived.
  if (r.restart_redis) CHECK(corr->client().stats().disconnects >= 1);

  RedisClient probe(io.get_executor(), redis.client());
  REQUIRE(run_coro(io, probe.wait_connected(5s), 10s));
  long long pending = -1;
  for (int i = 0; i < 50 && pending != 0; ++i) {
    std::vector<std::string> args{"XPENDING", broker->stream_key(), bo.group};
    pending = run_coro(io, probe.command(std::move(args)), 5s).elements.at(0).integer;
    if (pending != 0) io.run_for(50ms);
  }
  CHECK(pending == 0);
  const auto stats = sim.stop();
  CHECK(stats.at("submits") == static_cast<std::uint64_t>(r.messages));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

TEST_CASE(
    "Esme on RedisBroker + RedisCorrelator: every message one outcome, every receipt "
    "correlated") {
  run({.messages = 400, .restart_redis = false});
}

TEST_CASE("Esme on Redis: Redis killed mid-run and restarted: the run completes, nothing lost") {
  run({.messages = 400, .restart_redis = true});
}

TEST_CASE(
    "Esme with RedisRateLimiter and RedisOutcomeStream: every outcome once in the stream, "
    "receipts with their log_id") {
  RedisServer redis;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("aiosmpp_redis_outcomes_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  examples_test::Simulator sim(dir, {"--receipt-delay", "10-100ms"});
  constexpr int messages = 300;

  asio::io_context io(1);
  RedisBrokerOptions bo;
  bo.account = "out";
  bo.block = 200ms;
  auto broker = std::make_shared<RedisBroker>(io.get_executor(), redis.client(), bo);
  auto corr = std::make_shared<RedisCorrelator>(io.get_executor(), redis.client());
  RedisRateLimiterOptions ro;
  ro.account = "out";
  ro.rate = 5000;
  ro.lease_size = 20;
  auto limiter = std::make_shared<RedisRateLimiter>(io.get_executor(), redis.client(), ro);
  auto app = std::make_shared<CountingHook>();
  RedisOutcomeStreamOptions so;
  so.account = "out";
  auto stream = std::make_shared<RedisOutcomeStream>(io.get_executor(), redis.client(), app, so);
  run_coro(io, enqueue_all(*broker, messages), 20s);

  const EsmeConfig cfg = config_for(sim);
  Components parts;
  parts.broker = broker;
  parts.correlator = corr;
  parts.rate_limiter = limiter;
  parts.hook = std::make_shared<RedisHook>(stream, broker);
  Esme esme(io.get_executor(), cfg, parts);
  auto failure = std::make_shared<std::exception_ptr>();
  asio::co_spawn(io, esme.start(), [failure](std::exception_ptr e) { *failure = e; });
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        while (static_cast<int>(app->outcomes.size()) < messages ||
               app->receipted.size() < app->accepted.size()) {
          co_await sleep_for(20ms);
        }
      }(),
      60s);
  run_coro(io, esme.stop(), 20s);
  if (*failure) std::rethrow_exception(*failure);
  REQUIRE(run_coro(io, stream->flush(10s), 15s));

  RedisOutcomeReader reader(io.get_executor(), redis.client(), "out", "app", "reader");
  std::map<std::string, int> outcomes;
  std::map<std::string, int> final_receipts;
  for (;;) {
    auto got = run_coro(io, reader.read(1000, 100ms), 10s);
    if (got.empty()) break;
    for (const auto& e : got) {
      INFO(e.id << " " << e.error);
      REQUIRE(e.error.empty());
      const OutcomeRecord& r = e.record;
      CHECK(r.id.find('\x1b') == std::string::npos);  // the broker's entry id is stripped
      if (r.event == OutcomeRecord::Event::outcome) {
        ++outcomes[r.id];
        CHECK(r.kind == OutcomeKind::ok);
        CHECK_FALSE(r.message_id.empty());
        CHECK(r.extra_data == "x" + r.id.substr(1));
      } else if (r.final_state) {
        CHECK(r.matched);
        ++final_receipts[r.id];
      }
    }
  }
  CHECK(outcomes.size() == static_cast<std::size_t>(messages));
  for (const auto& [id, n] : outcomes) {
    INFO(id);
    CHECK(n == 1);
    CHECK(app->accepted.count(id) == 1);
  }
  CHECK(final_receipts.size() == app->accepted.size());
  for (const auto& [id, n] : final_receipts)
    CHECK(outcomes.count(id) == 1);
  CHECK(stream->stats().dropped == 0);
  // Every message went through the shared budget, leased in batches.
  const auto ls = limiter->stats();
  CHECK(ls.granted >= static_cast<std::uint64_t>(messages));
  CHECK(ls.script_calls < ls.granted);
  CHECK(sim.stop().at("submits") == static_cast<std::uint64_t>(messages));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("Esme with RedisRateLimiter, Redis stopped: nothing goes out, each message not_sent") {
  RedisServer redis;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("aiosmpp_redis_budget_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  examples_test::Simulator sim(dir, {});
  constexpr int messages = 20;

  asio::io_context io(1);
  RedisRateLimiterOptions ro;
  ro.account = "budget";
  ro.rate = 1000;
  ro.max_wait = 200ms;
  auto limiter = std::make_shared<RedisRateLimiter>(io.get_executor(), redis.client(), ro);
  REQUIRE(run_coro(io, limiter->client().wait_connected(5s), 10s));
  redis.stop();
  auto broker = std::make_shared<SimpleBroker>(io.get_executor());
  for (int i = 0; i < messages; ++i)
    REQUIRE(broker->try_enqueue(submit(fmt::format("m{}", i))));
  auto app = std::make_shared<RecordingHook>();
  Components parts;
  parts.broker = broker;
  parts.rate_limiter = limiter;
  parts.hook = app;
  Esme esme(io.get_executor(), config_for(sim), parts);
  auto failure = std::make_shared<std::exception_ptr>();
  asio::co_spawn(io, esme.start(), [failure](std::exception_ptr e) { *failure = e; });
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        while (app->kinds.size() < static_cast<std::size_t>(messages))
          co_await sleep_for(20ms);
      }(),
      60s);
  run_coro(io, esme.stop(), 20s);
  if (*failure) std::rethrow_exception(*failure);
  CHECK(app->kinds.size() == static_cast<std::size_t>(messages));
  for (const auto kind : app->kinds)
    CHECK(kind == SendError::Kind::not_sent);
  CHECK(app->received_ids.empty());
  CHECK(limiter->stats().granted == 0);
  CHECK(limiter->stats().refused >= 1);
  CHECK(sim.stop().at("submits") == 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
