// EsmePool over loopback against the real aiosmpp-smsc-sim processes (started on a free port and
// stopped by their process ids): binds sharing one budget that the simulator enforces per account
// (--account-rate), every message one outcome, one bind's connection cut, failover to a backup
// simulator when the primary is stopped, and failback when it is started again on its port.
//
// The budget is checked from the simulator's own counters, not by timing: the simulator accepts at
// most --account-rate submit_sm in any sliding second, answers the rest ESME_RTHROTTLED and counts
// them (account_throttled); the test checks that no message ended throttled (the pool absorbed any
// throttling by sending again, within its budget) and that no message was accepted twice.

#include <signal.h>

#include <array>
#include <filesystem>
#include <map>
#include <regex>

#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include "aiosmpp/esme/pool.hpp"
#include "esme_test_support.hpp"
#include "process.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using examples_test::Process;
namespace fs = std::filesystem;

namespace {

fs::path work_dir(std::string_view name) {
  auto dir = fs::path(AIOSMPP_POOL_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The counters of the last "stats ..." line of the simulator's output.
std::map<std::string, std::uint64_t> stats_of(const std::string& out) {
  std::map<std::string, std::uint64_t> stats;
  std::size_t start = 0;
  const std::regex field(R"((\w+)=(\d+))");
  while (start < out.size()) {
    const auto nl = out.find('\n', start);
    const auto end = nl == std::string::npos ? out.size() : nl;
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    if (line.rfind("stats ", 0) != 0) continue;
    stats.clear();
    for (auto it = std::sregex_iterator(line.begin(), line.end(), field);
         it != std::sregex_iterator(); ++it) {
      stats[(*it)[1].str()] = std::stoull((*it)[2].str());
    }
  }
  return stats;
}

// aiosmpp-smsc-sim as a process. Started and stopped from a coroutine without blocking the
// io_context the pool runs on (the simulator's shutdown unbinds the pool's binds, which must
// answer).
class SimProcess {
 public:
  SimProcess(fs::path dir, std::string tag, std::vector<std::string> options)
      : dir_(std::move(dir)), tag_(std::move(tag)), options_(std::move(options)) {}

  /** Starts it on `port` (0: a free one) and waits for its "listening" line. */
  asio::awaitable<void> start(std::uint16_t port) {
    ++runs_;
    std::vector<std::string> argv{AIOSMPP_SMSC_SIM,   "--port", std::to_string(port),
                                  "--stats-interval", "0",      "--log-level",
                                  "warning"};
    argv.insert(argv.end(), options_.begin(), options_.end());
    process_ = std::make_unique<Process>(argv, dir_ / fmt::format("{}-{}.out", tag_, runs_),
                                         dir_ / fmt::format("{}-{}.err", tag_, runs_));
    const std::regex listening(R"(listening 127\.0\.0\.1:(\d+)\n)");
    std::smatch m;
    const bool ok = co_await wait_until(
        [&] {
          const auto out = process_->out();
          if (!std::regex_search(out, m, listening)) return process_->poll().has_value();
          port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
          return true;
        },
        20000ms);
    INFO(tag_ << " stderr: " << process_->err());
    REQUIRE(ok);
    REQUIRE(!process_->poll());
  }

  /** SIGTERM (its clean shutdown), waits for its exit, and adds its final counters to totals. */
  asio::awaitable<void> stop() {
    if (!process_) co_return;
    ::kill(process_->pid(), SIGTERM);
    const bool ok = co_await wait_until([&] { return process_->poll().has_value(); }, 15000ms);
    INFO(tag_ << " stderr: " << process_->err());
    CHECK(ok);
    if (ok) CHECK(*process_->poll() == 0);
    last_ = stats_of(process_->out());
    for (const auto& [k, v] : last_)
      totals_[k] += v;
    process_.reset();  // killed by its pid if it did not exit
  }

  std::uint16_t port() const noexcept { return port_; }
  /** The final counters of the last run stopped, and summed over every run. */
  const std::map<std::string, std::uint64_t>& last() const noexcept { return last_; }
  std::uint64_t total(const std::string& key) const {
    auto it = totals_.find(key);
    return it == totals_.end() ? 0 : it->second;
  }

 private:
  fs::path dir_;
  std::string tag_;
  std::vector<std::string> options_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  int runs_ = 0;
  std::map<std::string, std::uint64_t> last_;
  std::map<std::string, std::uint64_t> totals_;
};

// A TCP relay on loopback in front of the simulator, so that the test can cut one bind's
// connection (the simulator cannot tell its sessions apart from outside).
class Relay {
 public:
  Relay(asio::any_io_executor ex, std::uint16_t upstream)
      : ex_(ex), acceptor_(ex, {asio::ip::make_address("127.0.0.1"), 0}), upstream_(upstream) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  asio::awaitable<void> run() {
    for (;;) {
      auto [ec, client] = co_await acceptor_.async_accept(aiosmpp::detail::use_nothrow_awaitable);
      if (ec) co_return;
      auto pair = std::make_shared<Pair>(std::move(client), asio::ip::tcp::socket(ex_));
      auto [cec] = co_await pair->server.async_connect(
          {asio::ip::make_address("127.0.0.1"), upstream_}, aiosmpp::detail::use_nothrow_awaitable);
      if (cec) continue;
      pairs_.push_back(pair);
      ++connections_;
      asio::co_spawn(ex_, pump(pair, pair->client, pair->server), asio::detached);
      asio::co_spawn(ex_, pump(pair, pair->server, pair->client), asio::detached);
    }
  }

  /** Closes every relayed connection (both ends), as a network failure would. */
  void cut() {
    for (auto& p : pairs_) {
      std::error_code ignored;
      p->client.close(ignored);
      p->server.close(ignored);
    }
    pairs_.clear();
  }
  void close() {
    std::error_code ignored;
    acceptor_.close(ignored);
    cut();
  }
  std::size_t connections() const noexcept { return connections_; }

 private:
  struct Pair {
    asio::ip::tcp::socket client;
    asio::ip::tcp::socket server;
  };
  static asio::awaitable<void> pump(std::shared_ptr<Pair> keep, asio::ip::tcp::socket& from,
                                    asio::ip::tcp::socket& to) {
    std::array<char, 16384> buf;
    for (;;) {
      auto [ec, n] =
          co_await from.async_read_some(asio::buffer(buf), aiosmpp::detail::use_nothrow_awaitable);
      if (ec) break;
      auto [wec, w] = co_await asio::async_write(to, asio::buffer(buf.data(), n),
                                                 aiosmpp::detail::use_nothrow_awaitable);
      if (wec) break;
    }
    std::error_code ignored;
    from.close(ignored);
    to.close(ignored);
    keep.reset();  // the pair lives until both directions have ended
  }

  asio::any_io_executor ex_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t upstream_;
  std::vector<std::shared_ptr<Pair>> pairs_;
  std::size_t connections_ = 0;
};

// The most requests in any one-second interval of `times` (in order).
std::size_t busiest_second(const std::vector<std::chrono::steady_clock::time_point>& times) {
  std::size_t most = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < times.size(); ++last) {
    while (times[last] - times[first] >= 1s)
      ++first;
    most = std::max(most, last - first + 1);
  }
  return most;
}

// Every outcome, by log_id, through Hook::outcome only (one call per message).
struct OutcomeHook final : Hook {
  HookInterest interests() const noexcept override {
    return HookInterest::outcome | HookInterest::sending;
  }
  asio::awaitable<void> sending(const Pdu& m, std::span<const std::uint8_t>,
                                std::string_view c) override {
    trail[tracking_of(m).log_id] += fmt::format(" sent@{}", c);
    sent_at.push_back(std::chrono::steady_clock::now());
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view c) override {
    if (m) trail[tracking_of(*m).log_id] += fmt::format(" resp@{}", c);
    co_return;
  }
  std::map<std::string, std::string> trail;
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view c) override {
    ++count;
    ++by_id[tracking_of(o.message).log_id];
    trail[tracking_of(o.message).log_id] +=
        fmt::format(" out@{}:{}", c,
                    o.status() ? fmt::format("{:#x}", static_cast<std::uint32_t>(*o.status()))
                               : std::string(to_string(o.error->kind)));
    if (o.accepted()) {
      ++accepted;
    } else if (o.status()) {
      ++statuses[*o.status()];
    } else {
      ++errors[o.error->kind];
    }
    co_return;
  }
  std::vector<std::chrono::steady_clock::time_point> sent_at;  // every submit_sm written
  std::size_t count = 0;
  std::size_t accepted = 0;
  std::map<std::string, int> by_id;
  std::map<CommandStatus, std::size_t> statuses;
  std::map<SendError::Kind, std::size_t> errors;
};

}  // namespace

TEST_CASE("pool against the simulator: one budget, one outcome each, a cut bind, failover and back",
          "[esme][pool][sim]") {
  constexpr int n = 3000;
  constexpr double rate = 400;  // the account's budget: about 7.5 s of traffic
  const auto dir = work_dir("failover");
  const std::vector<std::string> account{"--account-rate", fmt::format("{}", rate), "--receipts",
                                         "off"};
  SimProcess primary(dir, "primary", account);
  SimProcess backup(dir, "backup", account);
  asio::io_context io;
  auto hook = std::make_shared<OutcomeHook>();
  std::optional<Relay> relay;
  std::optional<EsmePool> pool;
  PoolStats during_failover;
  PoolStats at_end;
  std::optional<unsigned> active_at_end;

  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        co_await primary.start(0);
        co_await backup.start(0);
        relay.emplace(io.get_executor(), primary.port());
        asio::co_spawn(io, relay->run(), asio::detached);

        EsmePoolConfig cfg;
        cfg.esme = test_config(0);
        cfg.esme.client_id = "pool";
        cfg.esme.window = 10;
        // Three binds straight to the primary, one through the relay (the one the test cuts), two
        // to the backup.
        cfg.hosts = {PoolHost{"127.0.0.1", primary.port(), 0, 3},
                     PoolHost{"127.0.0.1", relay->port(), 0, 1},
                     PoolHost{"127.0.0.1", backup.port(), 1, 2}};
        cfg.rate = rate;
        cfg.failover_after = 300ms;
        cfg.failback_after = 500ms;
        cfg.drain_timeout = 2000ms;
        cfg.check_interval = 20ms;
        cfg.retry.min_delay = 50ms;
        cfg.retry.max_increases = 2;
        pool.emplace(io.get_executor(), cfg, PoolComponents{.hook = hook});
        REQUIRE(pool->size() == 6);

        bool started = false;
        std::exception_ptr start_error;
        asio::co_spawn(io, pool->start(), [&](std::exception_ptr e) {
          started = true;
          start_error = e;
        });
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
              for (int i = 0; i < n; ++i)
                co_await pool->broker().enqueue(make_submit(i));
            },
            asio::detached);

        // A quarter through: cut the relayed bind's connection; it reconnects through the relay.
        REQUIRE(co_await wait_until([&] { return hook->count >= n / 4; }, 30000ms));
        REQUIRE(relay->connections() == 1);
        relay->cut();
        // Half through: the primary stops; after failover_after the backup carries the traffic.
        REQUIRE(co_await wait_until([&] { return hook->count >= n / 2; }, 30000ms));
        const std::uint16_t primary_port = primary.port();
        co_await primary.stop();  // the relay's connections go down with it
        const std::size_t at_stop = hook->count;
        REQUIRE(co_await wait_until(
            [&] { return pool->stats().active_priority == 1u && hook->count >= at_stop + 200; },
            30000ms));
        during_failover = pool->stats();
        // The primary comes back on its port: traffic moves back to it.
        co_await primary.start(primary_port);
        REQUIRE(co_await wait_until([&] { return pool->stats().failbacks >= 1; }, 30000ms));

        const bool all =
            co_await wait_until([&] { return hook->count >= std::size_t(n); }, 60000ms);
        if (!all) {
          const auto s = pool->stats();
          for (const auto& b : s.binds) {
            UNSCOPED_INFO(b.client_id << " state " << int(b.state) << " running " << b.running
                                      << " feeding " << b.feeding << " taken " << b.esme.taken
                                      << " responses " << b.esme.responses << " errors "
                                      << b.esme.send_errors << " in_flight " << b.esme.in_flight
                                      << " requeued " << b.esme.requeued);
          }
          for (int i = 0; i < n; ++i)
            if (!hook->by_id.count(fmt::format("id-{}", i)))
              UNSCOPED_INFO("missing id-" << i << hook->trail[fmt::format("id-{}", i)]);
          UNSCOPED_INFO("outcomes " << hook->count << " rerouted " << s.rerouted << " total taken "
                                    << s.total.taken);
        }
        REQUIRE(all);
        active_at_end = pool->stats().active_priority;
        co_await pool->stop();
        CHECK(co_await wait_until([&] { return started; }, 10000ms));
        at_end = pool->stats();
        co_await primary.stop();
        co_await backup.stop();
        if (start_error) std::rethrow_exception(start_error);
      }(),
      120s);

  INFO("primary: accepted " << primary.total("accepted") << " account_throttled "
                            << primary.total("account_throttled") << "; backup: accepted "
                            << backup.total("accepted") << " account_throttled "
                            << backup.total("account_throttled"));
  // Every message ended exactly once.
  CHECK(hook->count == std::size_t(n));
  CHECK(hook->by_id.size() == std::size_t(n));
  for (const auto& [id, times] : hook->by_id) {
    if (times != 1) FAIL_CHECK(id << " ended " << times << " times");
  }
  CHECK(at_end.total.taken == std::uint64_t(n));
  CHECK(at_end.total.responses + at_end.total.send_errors == at_end.total.taken);
  // Nothing ended throttled or unsent: what the simulator throttled was sent again within the
  // budget, and what a lost connection had not written went out through another bind.
  CHECK(hook->statuses.count(CommandStatus::throttled) == 0);
  CHECK(hook->errors.count(SendError::Kind::not_sent) == 0);
  CHECK(hook->errors.count(SendError::Kind::invalid_message) == 0);
  // The simulator accepted each message at most once (the pool never sent one twice), and every
  // message the pool reports accepted was accepted by one of them. Messages in flight when the
  // primary stopped may be outcome_unknown; those are the only ones not accepted.
  const std::uint64_t sim_accepted = primary.total("accepted") + backup.total("accepted");
  CHECK(sim_accepted <= std::uint64_t(n));
  CHECK(sim_accepted >= hook->accepted);
  // The simulator answers what arrives after its unbind (its shutdown) ESME_RINVBNDSTS: those
  // end with that answer.
  CHECK(hook->accepted + hook->errors[SendError::Kind::outcome_unknown] +
            hook->statuses[CommandStatus::invalid_bind_status] ==
        std::size_t(n));
  // Traffic moved: the backup carried some, the primary's second run too, and the cut bind came
  // back (its relay saw a second connection).
  CHECK(during_failover.failovers >= 1);
  CHECK(backup.total("accepted") > 0);
  CHECK(primary.last().at("accepted") > 0);
  CHECK(at_end.failbacks >= 1);
  CHECK(active_at_end == 0u);
  CHECK(!at_end.active_priority);  // stopped
  CHECK(relay->connections() >= 2);
  // The per-bind counters add up to the total.
  std::uint64_t taken = 0;
  for (const auto& b : at_end.binds)
    taken += b.esme.taken;
  CHECK(taken == at_end.total.taken + at_end.rerouted);
}

// The issue's own figures: an account of 4 binds and 1,000 messages/s, 10,000 messages (about
// 10 s). The budget is checked where the pool keeps it, at the moment each submit_sm is handed to
// the connection: no sliding second holds more than 1,000. The simulator enforces the same budget
// on arrival (--account-rate) and answers the excess ESME_RTHROTTLED; on an idle machine it
// refuses none (BENCHMARKS.md, "pool"), but under the sanitizers with the cores shared, requests
// paced evenly can reach it bunched, so its count is reported, and the test requires only that
// every message was accepted exactly once, none ending throttled.
TEST_CASE("pool against the simulator: 4 binds share a 1,000 msgs/s account, 10,000 messages",
          "[esme][pool][sim]") {
  constexpr int n = 10000;
  constexpr double rate = 1000;
  const auto dir = work_dir("account");
  SimProcess sim(dir, "account", {"--account-rate", fmt::format("{}", rate), "--receipts", "off"});
  asio::io_context io;
  auto hook = std::make_shared<OutcomeHook>();
  std::optional<EsmePool> pool;
  PoolStats at_end;
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        co_await sim.start(0);
        EsmePoolConfig cfg;
        cfg.esme = test_config(0);
        cfg.esme.client_id = "account";
        cfg.esme.window = 100;
        cfg.hosts = {PoolHost{"127.0.0.1", sim.port(), 0, 4}};
        cfg.rate = rate;
        pool.emplace(io.get_executor(), cfg, PoolComponents{.hook = hook});
        REQUIRE(pool->size() == 4);
        bool started = false;
        std::exception_ptr start_error;
        asio::co_spawn(io, pool->start(), [&](std::exception_ptr e) {
          started = true;
          start_error = e;
        });
        for (int i = 0; i < n; ++i)
          co_await pool->broker().enqueue(make_submit(i));
        REQUIRE(co_await wait_until([&] { return hook->count >= std::size_t(n); }, 60000ms));
        at_end = pool->stats();
        co_await pool->stop();
        CHECK(co_await wait_until([&] { return started; }, 10000ms));
        co_await sim.stop();
        if (start_error) std::rethrow_exception(start_error);
      }(),
      90s);

  CHECK(hook->count == std::size_t(n));
  CHECK(hook->by_id.size() == std::size_t(n));
  CHECK(hook->accepted == std::size_t(n));
  CHECK(sim.total("accepted") == std::uint64_t(n));
  CHECK(hook->statuses.count(CommandStatus::throttled) == 0);
  INFO("sent " << hook->sent_at.size() << ", throttled at the simulator "
               << sim.total("account_throttled"));
  CHECK(busiest_second(hook->sent_at) <= std::size_t(rate));
  // Every bind carried part of the traffic.
  REQUIRE(at_end.binds.size() == 4);
  for (const auto& b : at_end.binds)
    CHECK(b.esme.taken > 0);
}
