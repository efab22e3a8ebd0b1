// The pool's failover and failback rules (see pool_planner.hpp).

#include "esme/pool_planner.hpp"

#include <algorithm>

namespace aiosmpp::detail {

PoolPlanner::PoolPlanner(std::size_t levels, Options options)
    : options_(options), levels_(levels) {}

PoolPlan PoolPlanner::begin(Clock::time_point now) {
  for (auto& l : levels_)
    l = Level{};
  feeding_.reset();
  last_fed_.reset();
  all_down_since_ = now;
  PoolPlan plan;
  if (!levels_.empty()) {
    levels_[0].state = LevelState::running;
    plan.start.push_back(0);
  }
  return plan;
}

void PoolPlanner::update_up(std::span<const PoolBindView> binds, Clock::time_point now) {
  std::vector<bool> has_senders(levels_.size(), false);
  for (const auto& b : binds)
    if (b.sends) has_senders[b.level] = true;
  std::vector<bool> up(levels_.size(), false);
  for (const auto& b : binds) {
    if (b.running && b.bound && (b.sends || !has_senders[b.level])) up[b.level] = true;
  }
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    auto& l = levels_[i];
    const bool counts = l.state == LevelState::running || l.state == LevelState::draining;
    if (counts && up[i]) {
      if (!l.up_since) l.up_since = now;
    } else {
      l.up_since.reset();
    }
  }
}

// Every running level worse than `best`, once `best` has been up for failback_after, drains.
void PoolPlanner::drain_worse(std::size_t best, Clock::time_point now, PoolPlan& plan) {
  if (now - *levels_[best].up_since < options_.failback_after) return;
  for (std::size_t i = best + 1; i < levels_.size(); ++i) {
    auto& l = levels_[i];
    if (l.state != LevelState::running) continue;
    l.state = LevelState::draining;
    l.drain_deadline = now + options_.drain_timeout;
    plan.draining.push_back(i);
  }
}

// A draining level whose binds hold nothing (or whose time is up) stops; a stopping level whose
// binds have all returned is stopped.
void PoolPlanner::finish_draining(std::span<const PoolBindView> binds, Clock::time_point now,
                                  PoolPlan& plan) {
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    auto& l = levels_[i];
    if (l.state == LevelState::draining) {
      const bool idle = std::all_of(binds.begin(), binds.end(), [&](const PoolBindView& b) {
        return b.level != i || !b.running || b.idle;
      });
      if (idle || now >= l.drain_deadline) {
        l.state = LevelState::stopping;
        l.up_since.reset();
        plan.stop.push_back(i);
      }
    } else if (l.state == LevelState::stopping) {
      const bool any = std::any_of(binds.begin(), binds.end(), [&](const PoolBindView& b) {
        return b.level == i && b.running;
      });
      if (!any) l.state = LevelState::stopped;
    }
  }
}

// Nothing running is up: after failover_after, the best stopped level starts (and the clock
// starts again, so the next one waits as long).
void PoolPlanner::fail_over(Clock::time_point now, PoolPlan& plan) {
  if (!all_down_since_) all_down_since_ = now;
  if (now - *all_down_since_ < options_.failover_after) return;
  for (std::size_t i = 1; i < levels_.size(); ++i) {
    if (levels_[i].state != LevelState::stopped) continue;
    levels_[i].state = LevelState::running;
    plan.start.push_back(i);
    plan.failover = true;
    all_down_since_ = now;
    return;
  }
}

PoolPlan PoolPlanner::tick(std::span<const PoolBindView> binds, Clock::time_point now) {
  PoolPlan plan;
  update_up(binds, now);
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    if (levels_[i].up_since) {
      best = i;
      break;
    }
  }
  if (best && levels_[*best].state == LevelState::draining) {
    // Every better level went down while this one drained: it carries the traffic again.
    levels_[*best].state = LevelState::running;
  }
  if (best) {
    all_down_since_.reset();
    drain_worse(*best, now, plan);
  } else {
    fail_over(now, plan);
  }
  finish_draining(binds, now, plan);
  if (best && last_fed_ && *best < *last_fed_) plan.failback = true;
  if (best) last_fed_ = best;
  feeding_ = best;
  plan.feeding = best;
  return plan;
}

}  // namespace aiosmpp::detail
