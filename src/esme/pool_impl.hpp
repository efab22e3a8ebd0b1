#pragma once
// PoolCore: the binds (each an Esme with a broker view and a hook wrapper of the pool's),
// the supervisor that carries out the PoolPlanner's decisions, and the queue of messages moved
// from a bind that lost its connection to another. pool.cpp: construction, start/stop and the
// supervisor; pool_bind.cpp: what each bind's broker and hook do; pool_requests.cpp: direct
// requests and stats.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/esme/pool.hpp"
#include "esme/pool_planner.hpp"

namespace aiosmpp {

namespace detail {

class PoolBindBroker;
class PoolBindHook;

/** Whether `message` still carries text (MessageText): in an outcome, that is the original of a
 *  long message the Esme split into segments (a rendered segment has none). */
bool carries_text(const Pdu& message) noexcept;

/** Messages per batch a bind takes when the budget is `rate` per second: about 10 ms of it
 *  (1 .. 512), so that the requests of one batch, paced one by one, leave within that time. */
std::size_t batch_cap(double rate) noexcept;

struct PoolCore {
  using Clock = std::chrono::steady_clock;

  struct Bind {
    std::size_t index = 0;
    std::size_t level = 0;
    const PoolHost* host = nullptr;
    BindMode mode = BindMode::transceiver;
    std::string client_id;
    std::shared_ptr<detail::PoolBindBroker> broker;
    std::shared_ptr<detail::PoolBindHook> hook;
    std::unique_ptr<Esme> esme;
    bool running = false;              // its start() has not returned
    asio::cancellation_signal cancel;  // the hard stop of its start()
    std::vector<Tracking> direct;      // direct requests it was given and has not answered

    bool sends() const noexcept { return mode != BindMode::receiver; }
    /** Messages taken and not yet ended (in flight, pending, kept to requeue). */
    std::uint64_t holding() const noexcept;
  };

  PoolCore(asio::any_io_executor executor, EsmePoolConfig config, PoolComponents components);

  // pool.cpp
  void make_binds(const PoolComponents& c);
  asio::awaitable<void> start();
  asio::awaitable<void> stop();
  asio::awaitable<void> supervise();
  bool look();  // one look at the binds; false once stopping
  void apply(const detail::PoolPlan& plan);
  void start_bind(Bind& b);
  void stop_bind(Bind& b);
  void set_feeding(std::optional<std::size_t> level);
  asio::awaitable<void> wait_binds_done();
  asio::awaitable<void> fail_rerouted(std::error_code ec);
  std::vector<detail::PoolBindView> views() const;

  // pool_bind.cpp: what the binds' brokers and hooks ask of the pool.
  bool feeds(const Bind& b) const noexcept;
  std::size_t take_rerouted(std::vector<Pdu>& out, std::size_t max);
  bool reroute(Bind& b, const Pdu& message, const SendError& error);
  asio::awaitable<void> acquire_budget();
  void kick_brokers();

  // pool_requests.cpp
  asio::awaitable<Outcome> request(Pdu message);
  Bind* choose_bind();
  PoolStats stats() const;

  asio::any_io_executor ex_;
  EsmePoolConfig cfg_;
  Logger log_;
  std::shared_ptr<Broker> broker_;
  std::shared_ptr<Correlator> correlator_;
  std::shared_ptr<Hook> hook_;
  std::shared_ptr<RateLimiter> limiter_;
  std::shared_ptr<FlowControl> flow_;
  std::shared_ptr<RequeuePolicy> requeue_;
  std::size_t batch_cap_ = 512;

  std::vector<unsigned> priorities_;  // level -> priority
  std::vector<std::unique_ptr<Bind>> binds_;
  detail::PoolPlanner planner_;
  std::optional<std::size_t> feeding_;

  // Messages a bind took and could not write before its connection ended, for another bind.
  std::deque<Pdu> rerouted_;
  std::uint64_t rerouted_total_ = 0;
  std::uint64_t rerouted_failed_ = 0;  // ended by the pool itself at stop
  std::uint64_t failovers_ = 0;
  std::uint64_t failbacks_ = 0;

  std::size_t bind_runs_ = 0;       // binds whose start() has not returned
  std::size_t direct_waiting_ = 0;  // direct requests waiting for a bound bind
  bool running_ = false;
  bool stopping_ = false;
  bool hard_stop_ = false;

  // Condition variables: timers that never expire by themselves, cancelled to wake.
  asio::steady_timer tick_;      // the supervisor's wait; cancelled by stop()
  asio::steady_timer binds_cv_;  // a bind's start() returned; the feeding level changed; stop
  asio::steady_timer done_cv_;   // start() returned: wakes stop()
};

}  // namespace detail
}  // namespace aiosmpp
