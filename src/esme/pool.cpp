// EsmePool: configuration, the binds, start/stop and the supervisor that carries out the
// PoolPlanner's failover and failback decisions. What each bind's broker and hook do is in
// pool_bind.cpp; direct requests and statistics in pool_requests.cpp.

#include "aiosmpp/esme/pool.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "esme/pool_bind.hpp"

namespace aiosmpp {

PoolConfigError::PoolConfigError(std::string field, const std::string& message)
    : std::invalid_argument(fmt::format("EsmePoolConfig.{}: {}", field, message)),
      field_(std::move(field)) {}

namespace {

using detail::use_nothrow_awaitable;

// Every bind is a connection with its own buffers: a bound on how many one configuration asks
// for keeps a mistyped count from exhausting memory or the SMSC's patience.
constexpr std::size_t max_binds = 1024;

void check_duration(const char* field, std::chrono::milliseconds value) {
  if (value.count() <= 0) {
    throw PoolConfigError(field, fmt::format("{} ms, must be > 0", value.count()));
  }
}

void check_hosts(const EsmePoolConfig& c) {
  if (c.hosts.empty()) throw PoolConfigError("hosts", "empty, must name at least one host");
  std::size_t total = 0;
  std::set<unsigned> levels;
  std::set<unsigned> sending_levels;
  for (std::size_t i = 0; i < c.hosts.size(); ++i) {
    const PoolHost& h = c.hosts[i];
    const auto field = [&](const char* name) { return fmt::format("hosts[{}].{}", i, name); };
    if (h.host.empty()) throw PoolConfigError(field("host"), "empty, must name the SMSC");
    if (h.port == 0) throw PoolConfigError(field("port"), "0, must be 1..65535");
    if (h.bind_mode != BindMode::transmitter && h.bind_mode != BindMode::transceiver) {
      throw PoolConfigError(field("bind_mode"),
                            "must be transmitter or transceiver (receiver-only binds are "
                            "counted in `receivers`)");
    }
    if (h.binds > max_binds || h.receivers > max_binds) {
      throw PoolConfigError(field(h.binds > max_binds ? "binds" : "receivers"),
                            fmt::format("{}, limit {}", std::max(h.binds, h.receivers), max_binds));
    }
    if (h.binds + h.receivers == 0) {
      throw PoolConfigError(field("binds"), "0 binds and 0 receivers, must have at least one");
    }
    total += h.binds + h.receivers;
    levels.insert(h.priority);
    if (h.binds > 0) sending_levels.insert(h.priority);
  }
  if (total > max_binds) {
    throw PoolConfigError("hosts", fmt::format("{} binds in all, limit {}", total, max_binds));
  }
  for (unsigned p : levels) {
    if (sending_levels.count(p) == 0) {
      throw PoolConfigError("hosts", fmt::format("priority {} has no sending bind (binds: 0 on "
                                                 "every host of it), so it could never carry "
                                                 "traffic",
                                                 p));
    }
  }
}

void validate_pool(const EsmePoolConfig& c) {
  check_hosts(c);
  if (!std::isfinite(c.rate) || c.rate < 0) {
    throw PoolConfigError("rate", fmt::format("{}, must be finite and >= 0", c.rate));
  }
  if (!(c.rate_headroom >= 0 && c.rate_headroom < 0.5)) {
    throw PoolConfigError("rate_headroom",
                          fmt::format("{}, must be 0 <= headroom < 0.5", c.rate_headroom));
  }
  check_duration("failover_after", c.failover_after);
  check_duration("failback_after", c.failback_after);
  check_duration("drain_timeout", c.drain_timeout);
  if (c.check_interval < std::chrono::milliseconds(1) ||
      c.check_interval > std::chrono::milliseconds(10'000)) {
    throw PoolConfigError("check_interval",
                          fmt::format("{} ms, must be 1..10000", c.check_interval.count()));
  }
  if (c.esme.outbind.enabled) {
    throw PoolConfigError("esme.outbind.enabled",
                          "true, but a pool connects to its hosts (outbind is for one Esme)");
  }
  try {
    ExponentialBackoff check(c.retry);
  } catch (const std::invalid_argument& e) {
    throw PoolConfigError("retry", e.what());
  }
}

const EsmePoolConfig& validated(const EsmePoolConfig& c) {
  validate_pool(c);
  return c;
}

std::string pool_name(const EsmeConfig& c) {
  return c.client_id.empty() ? c.system_id : c.client_id;
}

Logger make_logger(const EsmePoolConfig& cfg, const std::shared_ptr<Logger>& given) {
  LogMetadata meta = given ? given->metadata() : LogMetadata{};
  meta.set({"pool", pool_name(cfg.esme)});
  meta.set({"system_id", cfg.esme.system_id});
  if (given) {
    if (!given->sink()) return Logger{};
    return Logger(given->sink(), given->level(), std::move(meta));
  }
  return Logger(std::make_shared<JsonLinesSink>(stderr), cfg.esme.log_level, std::move(meta));
}

std::vector<unsigned> levels_of(const EsmePoolConfig& c) {
  std::set<unsigned> s;
  for (const auto& h : c.hosts)
    s.insert(h.priority);
  return {s.begin(), s.end()};
}

}  // namespace

std::uint64_t detail::PoolCore::Bind::holding() const noexcept {
  const EsmeStats& s = esme->stats();
  return s.taken - s.responses - s.send_errors;
}

detail::PoolCore::PoolCore(asio::any_io_executor executor, EsmePoolConfig config, PoolComponents c)
    : ex_(std::move(executor)),
      cfg_(validated(config)),
      log_(make_logger(cfg_, c.logger)),
      broker_(c.broker ? c.broker : std::make_shared<SimpleBroker>(ex_)),
      correlator_(c.correlator ? c.correlator : std::make_shared<SimpleCorrelator>()),
      hook_(c.hook ? c.hook : std::make_shared<SimpleHook>(log_)),
      flow_(c.flow_control ? c.flow_control
            : cfg_.esme.flow_control.enabled
                ? std::make_shared<FlowControl>(cfg_.esme.flow_control, log_)
                : nullptr),
      requeue_(c.requeue_policy ? c.requeue_policy
                                : std::make_shared<SimpleRequeuePolicy>(cfg_.esme.requeue)),
      batch_cap_(detail::batch_cap(cfg_.rate)),
      priorities_(levels_of(cfg_)),
      planner_(priorities_.size(),
               detail::PoolPlanner::Options{cfg_.failover_after, cfg_.failback_after,
                                            cfg_.drain_timeout}),
      tick_(ex_),
      binds_cv_(ex_),
      done_cv_(ex_) {
  if (c.rate_limiter) {
    limiter_ = c.rate_limiter;
  } else if (cfg_.rate > 0) {
    // Paced below the budget with a burst of the rest: an interval of one second holds at most
    // pace + burst = rate requests (each request takes one token).
    const double burst = std::max(1.0, cfg_.rate * cfg_.rate_headroom);
    limiter_ =
        std::make_shared<TokenBucketRateLimiter>(cfg_.rate * (1 - cfg_.rate_headroom), burst, log_);
  }
  binds_cv_.expires_at(Clock::time_point::max());
  done_cv_.expires_at(Clock::time_point::max());
  make_binds(c);
}

void detail::PoolCore::make_binds(const PoolComponents& c) {
  auto logger = std::make_shared<Logger>(log_);
  for (const PoolHost& h : cfg_.hosts) {
    const auto level = static_cast<std::size_t>(
        std::find(priorities_.begin(), priorities_.end(), h.priority) - priorities_.begin());
    for (std::size_t k = 0; k < h.binds + h.receivers; ++k) {
      auto b = std::make_unique<Bind>();
      b->index = binds_.size();
      b->level = level;
      b->host = &h;
      b->mode = k < h.binds ? h.bind_mode : BindMode::receiver;
      const std::string base = cfg_.esme.client_id.empty()
                                   ? fmt::format("{}@{}:{}", cfg_.esme.system_id, h.host, h.port)
                                   : cfg_.esme.client_id;
      b->client_id = fmt::format("{}#{}", base, b->index);
      b->broker = std::make_shared<detail::PoolBindBroker>(ex_, *this, *b);
      b->hook = std::make_shared<detail::PoolBindHook>(*this, *b);
      EsmeConfig ec = cfg_.esme;
      ec.smsc_host = h.host;
      ec.smsc_port = h.port;
      ec.bind_mode = b->mode;
      ec.client_id = b->client_id;
      Components comp;
      comp.broker = b->broker;
      comp.correlator = correlator_;
      comp.hook = b->hook;
      comp.flow_control = flow_;
      comp.requeue_policy = requeue_;
      comp.retry_timer = std::make_shared<ExponentialBackoff>(cfg_.retry);
      comp.logger = logger;
      comp.codecs = c.codecs;
      if (!flow_) ec.flow_control.enabled = false;
      b->esme = std::make_unique<Esme>(ex_, std::move(ec), std::move(comp));
      binds_.push_back(std::move(b));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// start / stop.

asio::awaitable<void> detail::PoolCore::start() {
  if (running_) throw std::logic_error("EsmePool::start: already running");
  running_ = true;
  stopping_ = false;
  hard_stop_ = false;
  struct Running {
    PoolCore* self;
    ~Running() {
      self->running_ = false;
      self->done_cv_.cancel();
      self->binds_cv_.cancel();
    }
  } running{this};
  AIOSMPP_LOG(log_, LogLevel::info, "pool_starting", {"binds", binds_.size()},
              {"levels", priorities_.size()}, {"rate", cfg_.rate});

  apply(planner_.begin(Clock::now()));
  std::exception_ptr hard;
  try {
    co_await supervise();
  } catch (...) {
    hard = std::current_exception();
  }
  const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
  if (hard || cancelled != asio::cancellation_type::none) {
    // The hard stop: every bind's start() is cancelled and reports what it held.
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await asio::this_coro::reset_cancellation_state();
    hard_stop_ = stopping_ = true;
    for (auto& b : binds_)
      if (b->running) b->cancel.emit(asio::cancellation_type::terminal);
  } else {
    for (auto& b : binds_)
      if (b->running) stop_bind(*b);
  }
  kick_brokers();
  binds_cv_.cancel();
  co_await wait_binds_done();
  co_await fail_rerouted(hard_stop_ ? errc::cancelled : errc::stopped);
  feeding_.reset();
  AIOSMPP_LOG(log_, LogLevel::info, "pool_stopped");
  if (hard) std::rethrow_exception(hard);
  if (hard_stop_)
    throw std::system_error(asio::error::operation_aborted, "EsmePool::start cancelled");
}

asio::awaitable<void> detail::PoolCore::stop() {
  if (!running_) co_return;
  if (!stopping_) {
    AIOSMPP_LOG(log_, LogLevel::info, "pool_stopping");
    stopping_ = true;
    tick_.cancel();
    kick_brokers();
    binds_cv_.cancel();
  }
  while (running_) {
    co_await done_cv_.async_wait(use_nothrow_awaitable);
  }
}

// Looks at the binds every check_interval until stop(); cancelling it is the hard stop.
// (The work of one look is a plain function: g++ 12 lost the coroutine's `this` with the
// planner's temporaries in this loop.)
asio::awaitable<void> detail::PoolCore::supervise() {
  while (look()) {
    tick_.expires_after(cfg_.check_interval);
    co_await tick_.async_wait(use_nothrow_awaitable);
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted, "EsmePool::start cancelled");
    }
  }
}

bool detail::PoolCore::look() {
  const std::vector<detail::PoolBindView> now = views();
  apply(planner_.tick(now, Clock::now()));
  if (direct_waiting_ > 0) binds_cv_.cancel();  // a bind may have bound for them
  return !stopping_;
}

void detail::PoolCore::apply(const detail::PoolPlan& plan) {
  for (const std::size_t level : plan.start) {
    if (plan.failover) {
      ++failovers_;
      AIOSMPP_LOG(log_, LogLevel::warning, "pool_failover", {"priority", priorities_[level]});
    }
    for (auto& b : binds_)
      if (b->level == level) start_bind(*b);
  }
  for (const std::size_t level : plan.draining) {
    AIOSMPP_LOG(log_, LogLevel::info, "pool_draining", {"priority", priorities_[level]});
  }
  for (const std::size_t level : plan.stop) {
    AIOSMPP_LOG(log_, LogLevel::info, "pool_level_stopping", {"priority", priorities_[level]});
    for (auto& b : binds_)
      if (b->level == level && b->running) stop_bind(*b);
  }
  if (plan.failback) {
    ++failbacks_;
    AIOSMPP_LOG(log_, LogLevel::info, "pool_failback", {"priority", priorities_[*plan.feeding]});
  }
  set_feeding(plan.feeding);
}

void detail::PoolCore::set_feeding(std::optional<std::size_t> level) {
  if (level == feeding_) return;
  feeding_ = level;
  if (level) {
    AIOSMPP_LOG(log_, LogLevel::info, "pool_feeding", {"priority", priorities_[*level]});
  } else {
    AIOSMPP_LOG(log_, LogLevel::warning, "pool_no_bind", {"detail", "no sending bind is bound"});
  }
  kick_brokers();
  binds_cv_.cancel();
}

void detail::PoolCore::start_bind(Bind& b) {
  if (b.running) return;
  b.running = true;
  ++bind_runs_;
  asio::co_spawn(ex_, b.esme->start(),
                 asio::bind_cancellation_slot(b.cancel.slot(), [this, &b](std::exception_ptr e) {
                   b.running = false;
                   --bind_runs_;
                   if (e && !hard_stop_) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       AIOSMPP_LOG(log_, LogLevel::error, "bind_failed", {"client_id", b.client_id},
                                   {"error", x.what()});
                     }
                   }
                   binds_cv_.cancel();
                 }));
}

// Esme::stop() does nothing before the Esme's start() has begun to run (it was only spawned), so
// ask again until start() has returned.
void detail::PoolCore::stop_bind(Bind& b) {
  asio::co_spawn(
      ex_,
      [](detail::PoolCore& self, Bind& bind) -> asio::awaitable<void> {
        while (bind.running) {
          co_await bind.esme->stop();
          if (bind.running) co_await asio::post(self.ex_, asio::use_awaitable);
        }
      }(*this, b),
      [this, &b](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          AIOSMPP_LOG(log_, LogLevel::error, "bind_stop_failed", {"client_id", b.client_id},
                      {"error", x.what()});
        }
      });
}

asio::awaitable<void> detail::PoolCore::wait_binds_done() {
  while (bind_runs_ > 0) {
    co_await binds_cv_.async_wait(use_nothrow_awaitable);
  }
}

// At the end nobody carries what waits to be moved: it ends not_sent, through the hook as every
// outcome does.
asio::awaitable<void> detail::PoolCore::fail_rerouted(std::error_code ec) {
  const HookInterest interests = hook_->interests();
  const std::string name = pool_name(cfg_.esme);
  while (!rerouted_.empty()) {
    Pdu message = std::move(rerouted_.front());
    rerouted_.pop_front();
    ++rerouted_failed_;
    SendError error{SendError::Kind::not_sent, ec,
                    "its bind lost the connection before writing it, and the pool stopped "
                    "before another bind could"};
    try {
      if (has_interest(interests, HookInterest::send_error)) {
        co_await hook_->send_error(message, error, name);
      }
      if (has_interest(interests, HookInterest::outcome)) {
        Outcome outcome{std::move(message), std::nullopt, std::move(error)};
        co_await hook_->outcome(outcome, name);
      }
    } catch (const std::exception& e) {
      AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "send_error"},
                  {"error", e.what()});
    }
  }
}

std::vector<detail::PoolBindView> detail::PoolCore::views() const {
  std::vector<detail::PoolBindView> v;
  v.reserve(binds_.size());
  for (const auto& b : binds_) {
    v.push_back(detail::PoolBindView{b->level, b->sends(),
                                     b->running && b->esme->session_state() == SessionState::bound,
                                     b->holding() == 0, b->running});
  }
  return v;
}

// ---------------------------------------------------------------------------------------------

EsmePool::EsmePool(asio::any_io_executor executor, EsmePoolConfig config, PoolComponents components)
    : impl_(std::make_unique<detail::PoolCore>(std::move(executor), std::move(config),
                                               std::move(components))) {}

EsmePool::~EsmePool() = default;

asio::awaitable<void> EsmePool::start() {
  return impl_->start();
}
asio::awaitable<void> EsmePool::stop() {
  return impl_->stop();
}
Broker& EsmePool::broker() noexcept {
  return *impl_->broker_;
}
Correlator& EsmePool::correlator() noexcept {
  return *impl_->correlator_;
}
std::size_t EsmePool::size() const noexcept {
  return impl_->binds_.size();
}
const Esme& EsmePool::bind(std::size_t index) const {
  return *impl_->binds_.at(index)->esme;
}
const Logger& EsmePool::logger() const noexcept {
  return impl_->log_;
}

}  // namespace aiosmpp
