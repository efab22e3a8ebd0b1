// Several processes scaled out on one Redis, as in docs/redis.md and examples/scale_out: a
// producer, three sender processes (transmitter binds) sharing the stream, the correlator and one
// budget, a receiver process (a receiver bind: the SMSC's receipts come back there, whatever
// sender sent the message) and a watcher reading the outcome stream: 100,000 messages. One sender
// is killed with SIGKILL mid-run and restarted under its name, when it takes its own messages
// over at once. Every process is a real child process (the example's binary, aiosmpp-smsc-sim,
// redis-server), stopped by its process id.
//
// At the end: every message has exactly one outcome in the outcome stream, every accepted
// message's receipt reached its log_id, the SMSC saw no message twice except those reported
// outcome_unknown, and the account's budget held (the simulator's --account-rate, above the
// budget by the limiter's documented slack, throttled nothing).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>
#include <asio/io_context.hpp>

#include "integration/examples/process.hpp"
#include "integration/examples/simulator.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "unit/redis/redis_test_support.hpp"

using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using examples_test::Process;
using namespace std::chrono_literals;

namespace {

constexpr int messages = 100'000;
constexpr int budget = 6000;  // messages per second, the three senders together

struct Deployment {
  std::filesystem::path dir;
  std::string smsc_port;
  std::string redis_port;
  int spawned = 0;

  std::unique_ptr<Process> start(const std::string& role, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{AIOSMPP_EXAMPLE_SCALE_OUT,
                                  "--role",
                                  role,
                                  "--port",
                                  smsc_port,
                                  "--redis-port",
                                  redis_port,
                                  "--account",
                                  "scale",
                                  "--rate",
                                  std::to_string(budget),
                                  "--burst",
                                  std::to_string(budget / 10),
                                  "--claim-idle-ms",
                                  "1500",
                                  "--seconds",
                                  "120"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto name = fmt::format("{}-{}", role, ++spawned);
    return std::make_unique<Process>(std::move(argv), dir / (name + ".out"), dir / (name + ".err"));
  }
};

std::uint64_t number(const std::smatch& m, std::size_t i) {
  return std::stoull(m[i].str());
}

}  // namespace

TEST_CASE(
    "Scale-out on Redis: 3 senders, a receiver and a watcher in their own processes, one sender "
    "killed with SIGKILL mid-run: every message one outcome, every receipt correlated, the "
    "budget held") {
  RedisServer redis;
  Deployment d;
  d.dir =
      std::filesystem::temp_directory_path() / ("aiosmpp_scale_out_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d.dir);
  // The limiter lets at most burst + rate * (T + lease_ttl) through in any T seconds
  // (docs/redis.md): with a burst of a tenth of the budget and the 100 ms lease_ttl, 1.2 x the
  // budget in any second. The simulator enforces 1.25 x exactly, over every bind of the account
  // together (the rest is for writes that land a few milliseconds closer than their grants): one
  // limiter per process, or none, would exceed it at once.
  examples_test::Simulator sim(
      d.dir, {"--receipt-delay", "10-100ms", "--account-rate", std::to_string(budget * 5 / 4)});
  d.smsc_port = sim.port();
  d.redis_port = std::to_string(redis.port());

  auto producer = d.start("produce", {"--count", std::to_string(messages)});
  REQUIRE(producer->wait_for(60s) == std::optional<int>(0));
  INFO("producer: " << producer->out() << producer->err());

  auto receiver = d.start("receive");
  std::vector<std::unique_ptr<Process>> senders;
  for (int i = 0; i < 3; ++i)
    senders.push_back(d.start("send", {"--consumer", fmt::format("slot-{}", i)}));
  auto watcher = d.start("watch", {"--count", std::to_string(messages), "--receipts"});

  // About a third of the records (an outcome and a receipt per message) in the outcome stream,
  // then one sender dies without a word, with messages taken and in flight.
  {
    asio::io_context io(1);
    aiosmpp::RedisClient probe(io.get_executor(), redis.client());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    long long records = 0;
    while (records < 2 * messages / 3 && std::chrono::steady_clock::now() < deadline) {
      if (!run_coro(io, probe.wait_connected(5s), 10s)) continue;
      records = run_coro(io, probe.command({"XLEN", "aiosmpp:scale:outcomes"}), 10s).integer;
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE(records >= 2 * messages / 3);
  }
  REQUIRE_FALSE(senders[0]->poll().has_value());
  ::kill(senders[0]->pid(), SIGKILL);
  CHECK(senders[0]->wait_for(10s) == std::optional<int>(128 + SIGKILL));
  senders.push_back(d.start("send", {"--consumer", "slot-0"}));  // the same sender, restarted

  const auto watched = watcher->wait_for(110s);
  INFO("watcher: " << watcher->out() << watcher->err());
  CHECK(watched == std::optional<int>(0));
  // What the killed sender had taken was claimed by the others (sent, or reported
  // outcome_unknown when it had been written).
  std::uint64_t claimed = 0, claimed_unknown = 0, own = 0;
  const std::regex claims(R"(claimed (\d+) \((\d+) outcome_unknown, (\d+) its own\))");
  for (std::size_t i = 1; i < senders.size(); ++i) {
    INFO("sender " << i << ": " << senders[i]->out() << senders[i]->err());
    CHECK(senders[i]->stop(20s) == 0);
    const std::string said = senders[i]->out();
    std::smatch c;
    REQUIRE(std::regex_search(said, c, claims));
    claimed += std::stoull(c[1].str());
    claimed_unknown += std::stoull(c[2].str());
    own += std::stoull(c[3].str());
    // Only the restarted sender has entries of its own from an earlier run.
    if (i + 1 < senders.size()) CHECK(std::stoull(c[3].str()) == 0);
  }
  std::printf("claimed %llu, of them %llu outcome_unknown\n",
              static_cast<unsigned long long>(claimed),
              static_cast<unsigned long long>(claimed_unknown));
  CHECK(claimed >= 1);
  CHECK(own >= 1);  // the restarted sender took over what it had taken before the kill
  INFO("receiver: " << receiver->out() << receiver->err());
  CHECK(receiver->stop(20s) == 0);

  const std::regex summary(
      R"(outcomes (\d+) of (\d+) \(ok (\d+), rejected (\d+), unknown (\d+), not_sent (\d+)\), (\d+) twice; receipts (\d+) of (\d+) accepted, (\d+) unmatched)");
  std::smatch m;
  const std::string out = watcher->out();
  std::printf("watcher: %s", out.c_str());  // what the run was, in the test's log
  REQUIRE(std::regex_search(out, m, summary));
  CHECK(number(m, 1) == static_cast<std::uint64_t>(messages));  // every message has an outcome
  CHECK(number(m, 7) == 0);                                     // none has two
  CHECK(number(m, 8) == number(m, 9));                          // every accepted one a receipt
  CHECK(number(m, 9) == number(m, 3));
  CHECK(number(m, 10) == 0);  // no receipt the correlator did not know
  const auto unknown = number(m, 5);
  CHECK(unknown == claimed_unknown);  // outcome_unknown only for what was written, then claimed

  const auto stats = sim.stop();
  // Each message reached the SMSC once, except those reported outcome_unknown: the killed
  // sender's written-but-unanswered ones, which may or may not have arrived.
  CHECK(stats.at("accepted") >= number(m, 3));
  CHECK(stats.at("accepted") <= static_cast<std::uint64_t>(messages) + unknown);
  CHECK(stats.at("account_throttled") == 0);
  std::error_code ec;
  std::filesystem::remove_all(d.dir, ec);
}
