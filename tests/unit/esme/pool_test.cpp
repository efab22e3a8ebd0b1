// EsmePool without sockets: the failover and failback rules (PoolPlanner, fed states and a fake
// clock) and the configuration's checks.

#include <asio/io_context.hpp>

#include "aiosmpp/esme/pool.hpp"
#include "esme/pool_impl.hpp"
#include "esme/pool_planner.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using aiosmpp::detail::LevelState;
using aiosmpp::detail::PoolBindView;
using aiosmpp::detail::PoolPlanner;

namespace {

// Two binds on the primary level (0), one on the backup (1), one receiver on the primary.
struct PlannerHarness {
  PoolPlanner planner{2, PoolPlanner::Options{5s, 10s, 3s}};
  PoolPlanner::Clock::time_point now{std::chrono::hours(1)};
  std::vector<PoolBindView> binds{{0, true, false, true, false},
                                  {0, true, false, true, false},
                                  {1, true, false, true, false},
                                  {0, false, false, true, false}};

  aiosmpp::detail::PoolPlan begin() {
    auto plan = planner.begin(now);
    apply(plan);
    return plan;
  }
  aiosmpp::detail::PoolPlan tick(std::chrono::milliseconds advance = 100ms) {
    now += advance;
    auto plan = planner.tick(binds, now);
    apply(plan);
    return plan;
  }
  // What the pool does with a plan: started binds run, stopped binds end (not bound).
  void apply(const aiosmpp::detail::PoolPlan& plan) {
    for (auto level : plan.start)
      for (auto& b : binds)
        if (b.level == level) b.running = true;
    for (auto level : plan.stop)
      for (auto& b : binds)
        if (b.level == level) {
          b.running = false;
          b.bound = false;
        }
  }
  void bound(std::size_t i, bool up) { binds[i].bound = up && binds[i].running; }
};

}  // namespace

TEST_CASE("pool planner: the primary level runs and is fed once a sending bind binds",
          "[esme][pool]") {
  PlannerHarness h;
  auto plan = h.begin();
  CHECK(plan.start == std::vector<std::size_t>{0});
  CHECK(h.planner.state(0) == LevelState::running);
  CHECK(h.planner.state(1) == LevelState::stopped);
  CHECK(!h.tick().feeding);
  SECTION("a receiver alone does not make the level up") {
    h.bound(3, true);
    CHECK(!h.tick().feeding);
  }
  SECTION("one sending bind does") {
    h.bound(1, true);
    CHECK(h.tick().feeding == 0u);
    // ...and one bind down while another is up changes nothing.
    h.bound(0, true);
    h.bound(1, false);
    plan = h.tick(10s);
    CHECK(plan.feeding == 0u);
    CHECK(plan.start.empty());
    CHECK(h.planner.state(1) == LevelState::stopped);
  }
}

TEST_CASE(
    "pool planner: failover after failover_after with every primary bind down, failback "
    "at once, the backup drains and stops after failback_after",
    "[esme][pool]") {
  PlannerHarness h;
  h.begin();
  h.bound(0, true);
  CHECK(h.tick().feeding == 0u);
  h.bound(0, false);
  CHECK(!h.tick().feeding);
  CHECK(h.tick(4800ms).start.empty());  // 4.9 s down: not yet
  auto plan = h.tick(200ms);            // 5.1 s
  CHECK(plan.start == std::vector<std::size_t>{1});
  CHECK(plan.failover);
  CHECK(!plan.feeding);  // the backup is connecting
  h.bound(2, true);
  plan = h.tick();
  CHECK(plan.feeding == 1u);
  CHECK(!plan.failback);

  // The primary returns: traffic moves back at once, the backup keeps running (not fed) ...
  h.bound(1, true);
  plan = h.tick();
  CHECK(plan.feeding == 0u);
  CHECK(plan.failback);
  CHECK(h.planner.state(1) == LevelState::running);
  SECTION("... and takes the traffic again if the primary drops before failback_after") {
    h.bound(1, false);
    plan = h.tick(5s);
    CHECK(plan.feeding == 1u);
    CHECK(plan.stop.empty());
  }
  SECTION("... until the primary has been up failback_after: then it drains") {
    h.binds[2].idle = false;  // it still holds a message
    plan = h.tick(10s);
    CHECK(plan.draining == std::vector<std::size_t>{1});
    CHECK(h.planner.state(1) == LevelState::draining);
    CHECK(plan.stop.empty());
    SECTION("and stops once it holds nothing") {
      h.binds[2].idle = true;
      plan = h.tick();
      CHECK(plan.stop == std::vector<std::size_t>{1});
    }
    SECTION("or at drain_timeout") {
      CHECK(h.tick(2s).stop.empty());
      CHECK(h.tick(1500ms).stop == std::vector<std::size_t>{1});
    }
    CHECK(h.planner.state(1) == LevelState::stopping);
    h.tick();  // its binds have returned
    CHECK(h.planner.state(1) == LevelState::stopped);
    // The primary goes down again: after failover_after the backup starts again.
    h.bound(1, false);
    CHECK(h.tick().start.empty());
    CHECK(h.tick(5s).start == std::vector<std::size_t>{1});
  }
  SECTION("a draining backup whose better level goes down is fed again") {
    h.binds[2].idle = false;
    h.tick(10s);
    REQUIRE(h.planner.state(1) == LevelState::draining);
    h.bound(1, false);
    plan = h.tick();
    CHECK(plan.feeding == 1u);
    CHECK(h.planner.state(1) == LevelState::running);
  }
}

TEST_CASE("pool planner: with every level down the backups start one by one", "[esme][pool]") {
  PoolPlanner planner{3, PoolPlanner::Options{1s, 1s, 1s}};
  PoolPlanner::Clock::time_point now{};
  std::vector<PoolBindView> binds{
      {0, true, false, true, true}, {1, true, false, true, false}, {2, true, false, true, false}};
  planner.begin(now);
  CHECK(planner.tick(binds, now += 1100ms).start == std::vector<std::size_t>{1});
  binds[1].running = true;
  CHECK(planner.tick(binds, now += 500ms).start.empty());
  CHECK(planner.tick(binds, now += 600ms).start == std::vector<std::size_t>{2});
  binds[2].running = true;
  binds[2].bound = true;
  CHECK(planner.tick(binds, now += 10ms).feeding == 2u);
  // The middle level comes up: it is better than the last, which then drains.
  binds[1].bound = true;
  auto plan = planner.tick(binds, now += 10ms);
  CHECK(plan.feeding == 1u);
  CHECK(plan.failback);
  plan = planner.tick(binds, now += 1100ms);
  CHECK(plan.draining == std::vector<std::size_t>{2});
  CHECK(plan.stop == std::vector<std::size_t>{2});  // it held nothing
}

TEST_CASE("pool: batch sizes follow the budget, and a long message's original is recognised",
          "[esme][pool]") {
  CHECK(aiosmpp::detail::batch_cap(0) == 512);
  CHECK(aiosmpp::detail::batch_cap(50) == 1);
  CHECK(aiosmpp::detail::batch_cap(1000) == 10);
  CHECK(aiosmpp::detail::batch_cap(1e9) == 512);
  SubmitSm plain;
  CHECK(!aiosmpp::detail::carries_text(Pdu(plain)));
  SubmitSm text;
  text.text = MessageText{"hello"};
  CHECK(aiosmpp::detail::carries_text(Pdu(text)));
  CHECK(!aiosmpp::detail::carries_text(Pdu(QuerySm{})));
}

TEST_CASE("pool: an invalid configuration names the field and the limit", "[esme][pool]") {
  asio::io_context io;
  EsmePoolConfig c;
  c.esme.system_id = "acme";
  c.esme.log_level = LogLevel::off;
  c.hosts = {PoolHost{.host = "smsc", .port = 2775, .binds = 2}};
  CHECK_NOTHROW(EsmePool(io.get_executor(), c));
  auto rejects = [&](EsmePoolConfig bad, const std::string& field, const std::string& text) {
    try {
      EsmePool pool(io.get_executor(), bad);
      FAIL("accepted");
    } catch (const PoolConfigError& e) {
      CHECK(e.field() == field);
      CHECK(std::string(e.what()).find("EsmePoolConfig." + field + ": ") == 0);
      CHECK(std::string(e.what()).find(text) != std::string::npos);
    }
  };
  auto bad = c;
  bad.hosts.clear();
  rejects(bad, "hosts", "empty");
  bad = c;
  bad.hosts[0].port = 0;
  rejects(bad, "hosts[0].port", "1..65535");
  bad = c;
  bad.hosts[0].bind_mode = BindMode::receiver;
  rejects(bad, "hosts[0].bind_mode", "receivers");
  bad = c;
  bad.hosts[0].binds = 5000;
  rejects(bad, "hosts[0].binds", "limit 1024");
  bad = c;
  bad.hosts.push_back(PoolHost{.host = "backup", .priority = 1, .binds = 0, .receivers = 1});
  rejects(bad, "hosts", "priority 1 has no sending bind");
  bad = c;
  bad.rate = -1;
  rejects(bad, "rate", ">= 0");
  bad = c;
  bad.rate_headroom = 0.5;
  rejects(bad, "rate_headroom", "< 0.5");
  bad = c;
  bad.failover_after = 0ms;
  rejects(bad, "failover_after", "> 0");
  bad = c;
  bad.check_interval = 0ms;
  rejects(bad, "check_interval", "1..10000");
  bad = c;
  bad.esme.outbind.enabled = true;
  rejects(bad, "esme.outbind.enabled", "outbind");
  bad = c;
  bad.retry.min_delay = 0ms;
  rejects(bad, "retry", "min_delay");
  // The Esme's own fields are checked as an Esme checks them.
  bad = c;
  bad.esme.system_id = "much-too-long-system-id";
  CHECK_THROWS_AS(EsmePool(io.get_executor(), bad), ConfigError);
}

TEST_CASE("pool: binds, their client_ids and their levels as configured", "[esme][pool]") {
  asio::io_context io;
  EsmePoolConfig c;
  c.esme.system_id = "acme";
  c.esme.log_level = LogLevel::off;
  c.hosts = {PoolHost{.host = "backup", .port = 2776, .priority = 1, .binds = 1},
             PoolHost{.host = "primary", .port = 2775, .binds = 2, .receivers = 1}};
  EsmePool pool(io.get_executor(), c);
  REQUIRE(pool.size() == 4);
  const auto s = pool.stats();
  REQUIRE(s.binds.size() == 4);
  CHECK(s.binds[0].client_id == "acme@backup:2776#0");
  CHECK(s.binds[0].priority == 1);
  CHECK(s.binds[1].client_id == "acme@primary:2775#1");
  CHECK(s.binds[1].bind_mode == BindMode::transceiver);
  CHECK(s.binds[3].bind_mode == BindMode::receiver);
  CHECK(s.binds[3].port == 2775);
  CHECK(!s.active_priority);
  CHECK(pool.bind(3).client_id() == "acme@primary:2775#3");
  CHECK_THROWS_AS(pool.bind(4), std::out_of_range);
}

TEST_CASE("pool: not running, a direct request ends not_sent at once", "[esme][pool]") {
  asio::io_context io;
  EsmePoolConfig c;
  c.esme.system_id = "acme";
  c.esme.log_level = LogLevel::off;
  c.hosts = {PoolHost{.host = "127.0.0.1", .port = 9}};
  EsmePool pool(io.get_executor(), c);
  const Outcome o = test::run_coro(io, pool.submit(SubmitSm{}));
  REQUIRE(o.error);
  CHECK(o.error->kind == SendError::Kind::not_sent);
  CHECK(o.error->code == errc::not_bound);
  test::run_coro(io, pool.stop());  // nothing runs: nothing to do
}
