// Each bind's broker view and hook wrapper (pool_bind.hpp), and what they ask of the pool: whether
// the bind is fed, messages moved from another bind, the budget, and moving a message.

#include "esme/pool_bind.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp {

namespace detail {

bool carries_text(const Pdu& message) noexcept {
  return std::visit(
      [](const auto& p) {
        if constexpr (requires { p.text; }) {
          return p.text.has_value();
        } else {
          return false;
        }
      },
      message);
}

std::size_t batch_cap(double rate) noexcept {
  if (!(rate > 0)) return 512;
  return static_cast<std::size_t>(std::clamp(std::floor(rate / 100.0), 1.0, 512.0));
}

namespace {

// dequeue_batch() as a result, so that `||` (which waits for the first branch that succeeds)
// ends when the broker fails instead of waiting for the other branch.
asio::awaitable<std::error_code> guarded_dequeue(Broker& broker, std::vector<Pdu>& out,
                                                 std::size_t max, std::string& what) {
  try {
    co_await broker.dequeue_batch(out, max);
    co_return std::error_code{};
  } catch (const std::system_error& e) {
    what = e.what();
    co_return e.code();
  } catch (const std::exception& e) {
    what = e.what();
    co_return std::make_error_code(std::errc::io_error);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

PoolBindBroker::PoolBindBroker(asio::any_io_executor executor, PoolCore& pool, PoolCore::Bind& bind)
    : pool_(pool), bind_(bind), cv_(std::move(executor)) {
  cv_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<void> PoolBindBroker::enqueue(Pdu message) {
  co_await pool_.broker_->enqueue(std::move(message));
}

asio::awaitable<Pdu> PoolBindBroker::dequeue() {
  std::vector<Pdu> one;
  co_await dequeue_batch(one, 1);
  co_return std::move(one.front());
}

std::size_t PoolBindBroker::try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  if (!pool_.feeds(bind_)) return 0;
  const std::size_t want = std::min(std::max<std::size_t>(max, 1), pool_.batch_cap_);
  if (const std::size_t n = pool_.take_rerouted(out, want)) return n;
  try {
    return pool_.broker_->try_dequeue_batch(out, want);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(pool_.log_, LogLevel::error, "broker_failed", {"client_id", bind_.client_id},
                {"error", e.what()});
    return 0;
  }
}

void PoolBindBroker::kick() {
  kicked_ = true;
  if (waiting_) {
    waiting_ = false;
    cv_.cancel();
  }
}

// Returns at once when kick() came since the caller last looked (kicked_ was cleared then).
asio::awaitable<void> PoolBindBroker::wait_kick() {
  if (kicked_) co_return;
  waiting_ = true;
  co_await cv_.async_wait(use_nothrow_awaitable);
  waiting_ = false;
}

asio::awaitable<std::size_t> PoolBindBroker::dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  using namespace awaitable_operators;
  const std::size_t before = out.size();
  for (;;) {
    kicked_ = false;
    if (const std::size_t n = try_dequeue_batch(out, max)) co_return n;
    if (!pool_.feeds(bind_)) {
      co_await wait_kick();
    } else {
      // Fed and nothing there: the pool's broker, or the pool (a message moved here, the
      // feeding level changed, stop), whichever comes first. What the broker hands over lands in
      // `out` even when the kick won the race.
      const std::size_t want = std::min(std::max<std::size_t>(max, 1), pool_.batch_cap_);
      std::string what;
      auto r = co_await (guarded_dequeue(*pool_.broker_, out, want, what) || wait_kick());
      if (out.size() > before) co_return out.size() - before;
      if (r.index() == 0 && std::get<0>(r) &&
          (co_await asio::this_coro::cancellation_state).cancelled() ==
              asio::cancellation_type::none) {
        AIOSMPP_LOG(pool_.log_, LogLevel::error, "broker_failed", {"client_id", bind_.client_id},
                    {"error", what});
        asio::steady_timer pause(cv_.get_executor(), pool_.cfg_.check_interval);
        co_await pause.async_wait(use_nothrow_awaitable);
      }
    }
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted, "EsmePool bind dequeue cancelled");
    }
  }
}

// ---------------------------------------------------------------------------------------------

PoolBindHook::PoolBindHook(PoolCore& pool, PoolCore::Bind& bind) : pool_(pool), bind_(bind) {}

HookInterest PoolBindHook::interests() const noexcept {
  user_ = pool_.hook_->interests();
  mask_ = user_ | HookInterest::send_error;  // to move not_sent messages to another bind
  if (pool_.limiter_) mask_ = mask_ | HookInterest::sending;  // the budget, per request
  return mask_;
}

asio::awaitable<void> PoolBindHook::sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                            std::string_view client_id) {
  if (pool_.limiter_) co_await pool_.acquire_budget();
  if (has_interest(user_, HookInterest::sending)) {
    co_await pool_.hook_->sending(message, pdu, client_id);
  }
}

asio::awaitable<void> PoolBindHook::before_write(std::string_view client_id) {
  if (has_interest(user_, HookInterest::sending)) co_await pool_.hook_->before_write(client_id);
}

asio::awaitable<void> PoolBindHook::received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                             std::string_view client_id) {
  // The Esme calls this only for what user_ asked (received, or session PDUs).
  co_await pool_.hook_->received(message, pdu, client_id);
}

asio::awaitable<void> PoolBindHook::send_error(const Pdu& message, const SendError& error,
                                               std::string_view client_id) {
  if (pool_.reroute(bind_, message, error)) {
    swallow_outcome_ = has_interest(mask_, HookInterest::outcome);
    co_return;
  }
  if (has_interest(user_, HookInterest::send_error)) {
    co_await pool_.hook_->send_error(message, error, client_id);
  }
}

asio::awaitable<void> PoolBindHook::outcome(const Outcome& outcome, std::string_view client_id) {
  if (swallow_outcome_) {
    swallow_outcome_ = false;
    AIOSMPP_LOG(pool_.log_, LogLevel::debug, "pool_outcome_moved", {"client_id", client_id},
                {"log_id", tracking_of(outcome.message).log_id});
    co_return;
  }
  co_await pool_.hook_->outcome(outcome, client_id);
}

// Receipts from any bind, correlated through the shared correlator (the Esme calls this only for
// what user_ asked).
asio::awaitable<void> PoolBindHook::receipt(const ReceiptOutcome& receipt,
                                            std::string_view client_id) {
  co_await pool_.hook_->receipt(receipt, client_id);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// What the binds ask of the pool.

bool detail::PoolCore::feeds(const Bind& b) const noexcept {
  return running_ && !stopping_ && b.sends() && feeding_ == b.level &&
         planner_.state(b.level) == detail::LevelState::running;
}

std::size_t detail::PoolCore::take_rerouted(std::vector<Pdu>& out, std::size_t max) {
  std::size_t n = 0;
  while (n < max && !rerouted_.empty()) {
    out.push_back(std::move(rerouted_.front()));
    rerouted_.pop_front();
    ++n;
  }
  return n;
}

// A message the bind took and never wrote (its connection ended first) goes to another bind, so
// the application sees one outcome for it, from the bind that carries it. Not when the pool
// stops (then not_sent is its outcome), not for a long message (some of its segments may have
// been accepted), not for a direct request (its caller gets the outcome).
bool detail::PoolCore::reroute(Bind& b, const Pdu& message, const SendError& error) {
  if (!running_ || stopping_ || error.kind != SendError::Kind::not_sent) return false;
  if (detail::carries_text(message)) return false;
  if (b.esme->session_state() == SessionState::bound) return false;  // not a lost connection
  const Tracking& t = tracking_of(message);
  if (std::find(b.direct.begin(), b.direct.end(), t) != b.direct.end()) return false;
  rerouted_.push_back(message);
  ++rerouted_total_;
  AIOSMPP_LOG(log_, LogLevel::debug, "pool_rerouted", {"client_id", b.client_id},
              {"log_id", t.log_id}, {"error", error.code.message()});
  kick_brokers();
  return true;
}

void detail::PoolCore::kick_brokers() {
  for (auto& b : binds_)
    b->broker->kick();
}

// One request's share of the budget, taken just before it is written (the Esme has disabled
// cancellation around its `sending` hooks, so this wait always ends by itself). A limiter that
// fails is asked again every check_interval; once the pool stops, requests go without it.
asio::awaitable<void> detail::PoolCore::acquire_budget() {
  asio::steady_timer timer(ex_);
  for (std::uint64_t failures = 0;;) {
    Clock::duration delay{};
    std::string failure;
    try {
      delay = limiter_->try_acquire(1, Clock::now());
      if (delay == RateLimiter::defer) {
        const std::error_code ec = co_await limiter_->limit(1);
        if (!ec) co_return;
        failure = ec.message();
      } else if (delay <= Clock::duration::zero()) {
        co_return;
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      if (stopping_) co_return;
      if (failures++ % 100 == 0) {
        AIOSMPP_LOG(log_, LogLevel::error, "rate_limiter_failed", {"error", failure},
                    {"failures", failures});
      }
      delay = cfg_.check_interval;
    }
    timer.expires_after(delay);
    co_await timer.async_wait(detail::use_nothrow_awaitable);
  }
}

}  // namespace aiosmpp
