#pragma once
// The pool's failover and failback decisions, sans-io: given each bind's state and the time, which
// level's binds take messages, which levels to start, drain and stop. EsmePool (pool.cpp) looks at
// its binds every check_interval, asks tick(), and carries out the plan; the rules are tested with
// a fake clock in tests/unit/esme/pool_test.cpp.
//
// A level is the set of hosts of one priority (0 best). Level 0 runs from start() to stop(). A
// level is "up" when one of its sending binds is bound (a level without sending binds counts
// every bind). The best running level that is up is fed (its binds take messages); when none is
// up for failover_after, the best stopped level starts. A running level worse than one that has
// been up for failback_after drains (not fed, finishing what it holds, at most drain_timeout),
// then stops; if every better level goes down while it drains, it runs (and is fed) again.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace aiosmpp::detail {

/** One bind as the planner sees it. */
struct PoolBindView {
  std::size_t level = 0;  // its host's level (0 best)
  bool sends = true;      // transmitter or transceiver (receivers only receive)
  bool bound = false;     // its session is bound now
  bool idle = true;       // it holds no message (nothing in flight, pending or kept to requeue)
  bool running = false;   // its start() has not returned
};

/** What a level's binds are doing. */
enum class LevelState : unsigned char {
  stopped,   // not started (or stopped after draining)
  running,   // started; fed when it is the best level up
  draining,  // a better level is up: not fed, finishing what it holds
  stopping,  // told to stop: until every bind's start() has returned
};

/** What to do now. */
struct PoolPlan {
  std::optional<std::size_t> feeding;  // the level whose binds take messages
  std::vector<std::size_t> start;      // levels to start (every bind)
  std::vector<std::size_t> stop;       // levels to stop (every running bind)
  std::vector<std::size_t> draining;   // levels that began draining now (for the log)
  bool failover = false;               // a backup level was started
  bool failback = false;               // feeding moved to a better level
};

class PoolPlanner {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    Clock::duration failover_after{std::chrono::seconds(5)};
    Clock::duration failback_after{std::chrono::seconds(10)};
    Clock::duration drain_timeout{std::chrono::seconds(10)};
  };

  PoolPlanner(std::size_t levels, Options options);

  /** The pool starts at `now`: level 0 runs (the plan says to start it). */
  PoolPlan begin(Clock::time_point now);
  /** Looks at `binds` at `now` and says what to do. */
  PoolPlan tick(std::span<const PoolBindView> binds, Clock::time_point now);

  LevelState state(std::size_t level) const { return levels_.at(level).state; }
  std::optional<std::size_t> feeding() const noexcept { return feeding_; }

 private:
  struct Level {
    LevelState state = LevelState::stopped;
    std::optional<Clock::time_point> up_since;
    Clock::time_point drain_deadline{};
  };

  void update_up(std::span<const PoolBindView> binds, Clock::time_point now);
  void drain_worse(std::size_t best, Clock::time_point now, PoolPlan& plan);
  void finish_draining(std::span<const PoolBindView> binds, Clock::time_point now, PoolPlan& plan);
  void fail_over(Clock::time_point now, PoolPlan& plan);

  Options options_;
  std::vector<Level> levels_;
  std::optional<std::size_t> feeding_;
  std::optional<std::size_t> last_fed_;  // the last level fed (failback: a better one is now)
  std::optional<Clock::time_point> all_down_since_;
};

}  // namespace aiosmpp::detail
