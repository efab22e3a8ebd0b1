// scale_out: the parts of a deployment that scales out on Redis (docs/redis.md), one program
// with a --role per part. Run one producer, any number of senders on any hosts, one receiver,
// and a watcher; they share one Redis and one SMSC account:
//
//   scale_out --role produce --count N      enqueue N messages for the account, then exit
//   scale_out --role send                   one sending process (a transmitter bind): takes
//                                           messages from the shared stream, within the shared
//                                           budget (--rate, all senders together)
//   scale_out --role receive                one receiver bind: the SMSC's receipts, correlated
//                                           through Redis whatever sender sent the message
//   scale_out --role watch --count N        reads the outcome stream until every one of the N
//                                           messages has its outcome (and, with
//                                           --receipts, every accepted one its receipt), then
//                                           prints what it saw and exits 0, or 1 on a timeout
//
// Every process writes what it sees to the account's outcome stream (RedisOutcomeStream), so
// the watcher, anywhere, gets every result without a shared filesystem. Kill a sender at any
// moment (kill -9 included): after --claim-idle another sender claims what it had taken, sends
// what it never wrote and reports outcome_unknown for what it had (docs/redis.md).
//
//   scale_out [--host 127.0.0.1] [--port 2775] --role R [--redis-host H] [--redis-port P]
//             [--account A] [--count N] [--rate R] [--burst B] [--claim-idle-ms MS] [--seconds S]
//             [--window W] [--consumer NAME] [--sentinel HOST:PORT,... [--master-name NAME]]
//             [--redis-password PW] [--receipts]                                  (try it with
//             aiosmpp-smsc-sim)

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/redis/redis.hpp"
#include "common/options.hpp"

namespace {

using namespace std::chrono_literals;

struct Settings {
  examples::Options smsc;
  std::string role;
  std::string redis_host = "127.0.0.1";
  std::uint64_t redis_port = 6379;
  std::string account = "demo";
  std::uint64_t count = 100;
  std::uint64_t rate = 200;
  std::uint64_t burst = 0;
  std::uint64_t claim_idle_ms = 5000;
  std::uint64_t seconds = 60;
  std::uint64_t window = 64;  // EsmeConfig's default
  std::string consumer;       // empty: sender-<pid>
  std::string sentinels;      // host:port,host:port...: find Redis through Sentinel
  std::string master_name = "mymaster";
  std::string redis_password;
  bool receipts = false;
};

aiosmpp::RedisClientOptions redis_of(const Settings& s) {
  aiosmpp::RedisClientOptions o;
  o.host = s.redis_host;
  o.port = static_cast<std::uint16_t>(s.redis_port);
  o.password = s.redis_password;
  for (std::size_t at = 0; at < s.sentinels.size();) {
    const auto end = std::min(s.sentinels.find(',', at), s.sentinels.size());
    const std::string one = s.sentinels.substr(at, end - at);
    const auto colon = one.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--sentinel: expected HOST:PORT");
    o.sentinels.push_back(
        {one.substr(0, colon), static_cast<std::uint16_t>(std::stoul(one.substr(colon + 1)))});
    at = end + 1;
  }
  if (!o.sentinels.empty()) o.master_name = s.master_name;
  return o;  // RedisClient checks every field and names the one that is wrong
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  std::error_code ec;  // cancelled at shutdown: not an error here
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> produce(const Settings& s, asio::io_context& io) {
  aiosmpp::RedisBrokerOptions bo;
  bo.account = s.account;
  aiosmpp::RedisBroker broker(io.get_executor(), redis_of(s), bo);
  for (std::uint64_t i = 0; i < s.count;) {
    std::vector<aiosmpp::Pdu> batch;
    for (; batch.size() < 500 && i < s.count; ++i) {
      aiosmpp::SubmitSm m;
      m.source = aiosmpp::PhoneNumber("254722111111");
      m.destination = aiosmpp::PhoneNumber(fmt::format("2547{:08}", i));
      m.text = aiosmpp::MessageText{fmt::format("scale-out message {}", i)};
      m.registered_delivery = aiosmpp::RegisteredDelivery::receipt_always;
      m.tracking.log_id = fmt::format("m{}", i);
      batch.push_back(std::move(m));
    }
    co_await broker.enqueue_batch(std::move(batch));
  }
  fmt::print("enqueued {} messages on {}\n", s.count, broker.stream_key());
}

// A sender or the receiver: an Esme on the shared stream, correlator, budget and outcome stream,
// until SIGTERM / SIGINT or --seconds.
asio::awaitable<void> serve(const Settings& s, asio::io_context& io) {
  const bool sender = s.role == "send";
  const auto ex = io.get_executor();
  std::shared_ptr<aiosmpp::RedisBroker> broker;
  if (sender) {
    aiosmpp::RedisBrokerOptions bo;
    bo.account = s.account;
    // A fixed name per deployment slot lets a restarted sender take its own messages over at
    // once; without one, others claim them after --claim-idle-ms.
    bo.consumer = s.consumer.empty() ? fmt::format("sender-{}", ::getpid()) : s.consumer;
    bo.claim_idle = std::chrono::milliseconds(s.claim_idle_ms);
    bo.claim_interval =
        std::chrono::milliseconds(std::max<std::uint64_t>(s.claim_idle_ms / 4, 100));
    broker = std::make_shared<aiosmpp::RedisBroker>(ex, redis_of(s), bo);
  }
  // A sender's outcome stream settles its messages: each leaves the queue in the transaction that
  // records its outcome, so a sender killed at any moment loses no outcome and records none twice.
  aiosmpp::RedisOutcomeStreamOptions so;
  so.account = s.account;
  so.broker = broker;
  auto stream = std::make_shared<aiosmpp::RedisOutcomeStream>(ex, redis_of(s), nullptr, so);

  aiosmpp::Components parts;
  parts.correlator = std::make_shared<aiosmpp::RedisCorrelator>(ex, redis_of(s));
  std::shared_ptr<aiosmpp::RedisRateLimiter> limiter;
  if (sender) {
    aiosmpp::RedisRateLimiterOptions ro;
    ro.account = s.account;
    ro.rate = static_cast<double>(s.rate);
    ro.burst = static_cast<double>(s.burst);
    limiter = std::make_shared<aiosmpp::RedisRateLimiter>(ex, redis_of(s), ro);
    parts.broker = broker;
    parts.rate_limiter = limiter;
    // RedisHook records, before each write, that the message was written: what a claim after a
    // crash decides on. It wraps the outcome stream, which then sees each outcome.
    parts.hook = std::make_shared<aiosmpp::RedisHook>(stream, broker);
  } else {
    parts.hook = stream;
  }

  aiosmpp::EsmeConfig cfg;
  cfg.smsc_host = s.smsc.host;
  cfg.smsc_port = s.smsc.port;
  cfg.system_id = s.account;
  cfg.password = "secret";
  cfg.client_id = fmt::format("{}-{}", s.role, ::getpid());
  cfg.bind_mode = sender ? aiosmpp::BindMode::transmitter : aiosmpp::BindMode::receiver;
  cfg.log_level = aiosmpp::LogLevel::warning;
  cfg.window = static_cast<std::size_t>(s.window);
  aiosmpp::Esme esme(ex, cfg, parts);
  co_await esme.connect();  // fails here when the SMSC is not there
  fmt::print("{} bound as {} ({})\n", cfg.client_id, sender ? "transmitter" : "receiver",
             broker ? broker->stream_key() : stream->stream_key());
  std::fflush(stdout);

  bool running = true;
  asio::co_spawn(ex, esme.start(), [&](std::exception_ptr) { running = false; });
  asio::signal_set signals(ex, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int) {
    if (!ec) running = false;
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(s.seconds);
  while (running && std::chrono::steady_clock::now() < until)
    co_await sleep_for(50ms);
  signals.cancel();
  co_await esme.stop();
  const bool flushed = co_await stream->flush(5s);
  const auto st = esme.stats();
  fmt::print(
      "{} stopped: taken {} responses {} send_errors {} throttled {} requeued {}; claimed {} ({} "
      "outcome_unknown, {} its own); outcome stream {} appended, {}\n",
      cfg.client_id, st.taken, st.responses, st.send_errors, st.throttled, st.requeued,
      broker ? broker->stats().claimed : 0, broker ? broker->stats().claimed_unknown : 0,
      broker ? broker->stats().recovered : 0, stream->stats().appended,
      flushed ? "all written" : "NOT all written");
}

// Reads the outcome stream with its own consumer group until each of the N messages has its
// outcome (and, with --receipts, each accepted one a matched final receipt).
asio::awaitable<void> watch(const Settings& s, asio::io_context& io) {
  aiosmpp::RedisOutcomeReader reader(io.get_executor(), redis_of(s), s.account, "watchers",
                                     fmt::format("watch-{}", ::getpid()));
  std::map<std::string, int> outcomes;
  std::map<std::string, aiosmpp::OutcomeKind> kinds;
  std::set<std::string> accepted, receipted;
  std::uint64_t unmatched_receipts = 0, records = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(s.seconds);
  auto complete = [&] {
    return outcomes.size() == s.count && (!s.receipts || receipted.size() == accepted.size());
  };
  while (!complete() && std::chrono::steady_clock::now() < until) {
    auto entries = co_await reader.read(1000, 500ms);
    std::vector<std::string> ids;
    for (auto& e : entries) {
      ids.push_back(e.id);
      if (!e.error.empty())
        throw std::runtime_error("outcome stream entry " + e.id + ": " + e.error);
      ++records;
      const auto& r = e.record;
      if (r.event == aiosmpp::OutcomeRecord::Event::receipt) {
        if (r.matched && r.final_state && !r.repeat) {
          receipted.insert(r.id);
        } else if (!r.matched) {
          ++unmatched_receipts;
        }
      } else {
        ++outcomes[r.id];
        kinds[r.id] = r.kind;
        if (r.kind == aiosmpp::OutcomeKind::ok) accepted.insert(r.id);
      }
    }
    if (!ids.empty()) co_await reader.ack(std::move(ids));
  }
  std::map<aiosmpp::OutcomeKind, std::uint64_t> by_kind;
  std::uint64_t twice = 0;
  for (const auto& [id, n] : outcomes) {
    if (n > 1) ++twice;
    ++by_kind[kinds[id]];
  }
  fmt::print(
      "outcomes {} of {} (ok {}, rejected {}, unknown {}, not_sent {}), {} twice; "
      "receipts {} of {} accepted, {} unmatched; {} records\n",
      outcomes.size(), s.count, by_kind[aiosmpp::OutcomeKind::ok],
      by_kind[aiosmpp::OutcomeKind::rejected], by_kind[aiosmpp::OutcomeKind::unknown],
      by_kind[aiosmpp::OutcomeKind::not_sent], twice, receipted.size(), accepted.size(),
      unmatched_receipts, records);
  if (!complete()) throw std::runtime_error("not every message had its outcome in time");
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  s.smsc = examples::parse_options(
      argc, argv,
      {examples::string_flag("--role", "produce|send|receive|watch", "this process's part", s.role),
       examples::string_flag("--redis-host", "H", "Redis (default 127.0.0.1)", s.redis_host),
       examples::uint_flag("--redis-port", "P", "Redis's port (default 6379)", s.redis_port, 1,
                           65535),
       examples::string_flag("--account", "A", "the SMSC account: system_id, streams and budget",
                             s.account),
       examples::uint_flag("--count", "N", "messages to enqueue (produce) or to wait for (watch)",
                           s.count, 1, 10'000'000),
       examples::uint_flag("--rate", "R", "the account's messages/s, all senders together", s.rate,
                           1, 1'000'000),
       examples::uint_flag("--burst", "B",
                           "what may go at once after a quiet period (0: one second's worth)",
                           s.burst, 0, 1'000'000),
       examples::uint_flag("--claim-idle-ms", "MS",
                           "a dead sender's messages are claimed after this", s.claim_idle_ms, 100,
                           3'600'000),
       examples::uint_flag("--seconds", "S", "how long to run at most", s.seconds, 1, 86'400),
       examples::uint_flag("--window", "W",
                           "send: requests awaiting their response (default 64); a deeper window "
                           "hides the Redis round trip before each batch",
                           s.window, 1, 10'000),
       examples::string_flag("--sentinel", "HOST:PORT,...",
                             "find Redis's primary through these Sentinels (then --redis-host and "
                             "--redis-port are not used)",
                             s.sentinels),
       examples::string_flag("--master-name", "NAME",
                             "the primary's name at the Sentinels (default mymaster)",
                             s.master_name),
       examples::string_flag("--redis-password", "PW", "AUTH to Redis (default: none)",
                             s.redis_password),
       examples::string_flag("--consumer", "NAME",
                             "send: this sender's name in the group (default sender-<pid>); "
                             "restarted under the same name it takes its own messages over",
                             s.consumer),
       examples::switch_flag("--receipts", "watch: also wait for every accepted message's receipt",
                             s.receipts)});
  if (s.role != "produce" && s.role != "send" && s.role != "receive" && s.role != "watch") {
    std::fprintf(stderr, "--role: expected produce, send, receive or watch, got \"%s\"\n",
                 s.role.c_str());
    return 2;
  }
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    if (s.role == "produce") {
      co_await produce(s, io);
    } else if (s.role == "watch") {
      co_await watch(s, io);
    } else {
      co_await serve(s, io);
    }
  });
}
