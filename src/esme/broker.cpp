#include "aiosmpp/esme/broker.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/log.hpp"

namespace aiosmpp {

std::size_t Broker::try_dequeue_batch(std::vector<Pdu>&, std::size_t) {
  return 0;
}

asio::awaitable<std::size_t> Broker::dequeue_batch(std::vector<Pdu>& out, std::size_t) {
  out.push_back(co_await dequeue());
  co_return 1;
}

// The timers are condition variables: a waiter sets its flag (or queues itself) and waits on a
// timer that expires only at its own deadline, if any; a waker clears the flag and cancels the
// timer. Flags and the queue are under the mutex (try_enqueue comes from other threads); the timers
// are touched only on the executor.
struct SimpleBroker::State {
  State(const asio::any_io_executor& ex, Logger log, std::size_t cap,
        std::chrono::milliseconds warn)
      : data_ready(ex), logger(std::move(log)), warn_timer(ex), capacity(cap), warn_after(warn) {
    data_ready.expires_at(asio::steady_timer::time_point::max());
  }
  void arm_warning(std::chrono::steady_clock::time_point at, const std::shared_ptr<State>& self);
  void on_warning_timer(const std::shared_ptr<State>& self);
  void warn_waiting(std::chrono::steady_clock::duration waited);

  mutable std::mutex mutex;
  std::deque<Pdu> queue;
  // Consumers waiting in dequeue_batch(): several Esmes (a pool's binds) may take from one
  // broker, and each counts itself in and out, so that one leaving (cancelled when its session
  // ends) cannot hide the others from the next enqueue.
  std::size_t consumers_waiting = 0;
  bool wake_posted = false;
  asio::steady_timer data_ready;
  std::list<ProducerWait*> producers;  // waiting for room, oldest first
  Logger logger;
  std::chrono::steady_clock::time_point last_warning{};  // on the executor only
  // The slow-enqueue warning: one timer for all producers, armed while one waits (on the executor
  // only). A producer waiting without a deadline then waits on a far-future timer, which Asio
  // arms no timerfd for; a timer of its own at start + warn_after cost a timerfd_settime every
  // time the broker filled up, once per batch an Esme takes from a producer that keeps it full.
  asio::steady_timer warn_timer;
  bool warn_armed = false;
  std::size_t capacity;
  std::chrono::milliseconds warn_after;
};

// A producer waiting for room; lives in its enqueue's coroutine frame.
struct SimpleBroker::ProducerWait {
  explicit ProducerWait(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool queued = false;  // in State::producers (a waker removes it and cancels the timer)
  std::list<ProducerWait*>::iterator pos;
  std::chrono::steady_clock::time_point since{};  // when its enqueue began
};

void SimpleBroker::State::arm_warning(std::chrono::steady_clock::time_point at,
                                      const std::shared_ptr<State>& self) {
  if (warn_after.count() == 0 || warn_armed) return;
  warn_armed = true;
  warn_timer.expires_at(at);
  // A weak reference: a broker destroyed meanwhile cancels the timer, and nothing is left to warn.
  warn_timer.async_wait([weak = std::weak_ptr<State>(self)](const std::error_code&) {
    if (auto state = weak.lock()) state->on_warning_timer(state);
  });
}

// Warns when the producer waiting longest has waited warn_after (at most one line per interval),
// and looks again while any producer waits.
void SimpleBroker::State::on_warning_timer(const std::shared_ptr<State>& self) {
  warn_armed = false;
  const auto now = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> oldest;
  {
    std::lock_guard lock(mutex);
    for (const ProducerWait* w : producers)
      if (!oldest || w->since < *oldest) oldest = w->since;
  }
  if (!oldest) return;  // the next producer to wait arms it again
  if (now - *oldest >= warn_after) {
    warn_waiting(now - *oldest);
    arm_warning(now + warn_after, self);
  } else {
    arm_warning(*oldest + warn_after, self);
  }
}

namespace {

SimpleBrokerOptions with_capacity(std::size_t capacity) {
  SimpleBrokerOptions o;
  o.capacity = capacity;
  return o;
}

}  // namespace

SimpleBroker::SimpleBroker(asio::any_io_executor executor, std::size_t capacity)
    : SimpleBroker(std::move(executor), with_capacity(capacity)) {}

SimpleBroker::SimpleBroker(asio::any_io_executor executor, SimpleBrokerOptions options)
    : capacity_(options.capacity), warn_after_(options.slow_enqueue_warning) {
  if (capacity_ == 0) throw std::invalid_argument("SimpleBroker capacity: 0, must be >= 1");
  if (warn_after_.count() < 0) {
    throw std::invalid_argument(fmt::format(
        "SimpleBrokerOptions.slow_enqueue_warning: {} ms, must be >= 0", warn_after_.count()));
  }
  Logger log = options.logger ? *options.logger
                              : Logger(std::make_shared<JsonLinesSink>(stderr), LogLevel::warning);
  state_ = std::make_shared<State>(executor, std::move(log), capacity_, warn_after_);
}

SimpleBroker::~SimpleBroker() = default;

std::size_t SimpleBroker::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size();
}

bool SimpleBroker::try_enqueue(Pdu& message) {
  bool wake = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->queue.size() >= capacity_) return false;
    state_->queue.push_back(std::move(message));
    if (state_->consumers_waiting > 0 && !state_->wake_posted) {
      state_->wake_posted = true;
      wake = true;
    }
  }
  if (wake) {
    // The timer belongs to the executor: cancel it there. The state outlives the broker if need
    // be, so the posted handler never touches freed memory.
    asio::post(state_->data_ready.get_executor(), [state = state_] {
      {
        std::lock_guard lock(state->mutex);
        state->wake_posted = false;
      }
      state->data_ready.cancel();
    });
  }
  return true;
}

asio::awaitable<void> SimpleBroker::enqueue(Pdu message) {
  co_await add(message, std::nullopt);
}

asio::awaitable<bool> SimpleBroker::enqueue_for(Pdu& message,
                                                std::chrono::steady_clock::duration timeout) {
  co_return co_await add(message, std::chrono::steady_clock::now() + timeout);
}

asio::awaitable<bool> SimpleBroker::add(
    Pdu& message, std::optional<std::chrono::steady_clock::time_point> deadline) {
  using SteadyClock = std::chrono::steady_clock;
  const auto start = SteadyClock::now();
  std::optional<ProducerWait> wait;
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->queue.size() < capacity_) {
        if (wait && wait->queued) state_->producers.erase(wait->pos);
        state_->queue.push_back(std::move(message));
        if (state_->consumers_waiting > 0) state_->data_ready.cancel();
        co_return true;
      }
      if (deadline && SteadyClock::now() >= *deadline) {
        if (wait && wait->queued) state_->producers.erase(wait->pos);
        co_return false;
      }
      if (!wait) {
        wait.emplace(state_->data_ready.get_executor());
        wait->since = start;
      }
      if (!wait->queued) {
        wait->pos = state_->producers.insert(state_->producers.end(), &*wait);
        wait->queued = true;
      }
    }
    state_->arm_warning(start + warn_after_, state_);
    wait->timer.expires_at(deadline.value_or(SteadyClock::time_point::max()));
    co_await wait->timer.async_wait(detail::use_nothrow_awaitable);
    // A wake and a cancellation both complete with operation_aborted; only the latter is
    // visible in the coroutine's cancellation state.
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      std::lock_guard lock(state_->mutex);
      if (wait->queued) {
        state_->producers.erase(wait->pos);
      } else {
        wake_producers_locked(1);  // it was given room it will not use: pass that on
      }
      throw std::system_error(asio::error::operation_aborted, "SimpleBroker::enqueue cancelled");
    }
  }
}

void SimpleBroker::State::warn_waiting(std::chrono::steady_clock::duration waited) {
  const auto now = std::chrono::steady_clock::now();
  // One line per interval per broker, however many producers wait.
  if (last_warning != std::chrono::steady_clock::time_point{} && now - last_warning < warn_after) {
    return;
  }
  last_warning = now;
  std::size_t waiting = 0;
  {
    std::lock_guard lock(mutex);
    waiting = producers.size();
  }
  const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited).count();
  AIOSMPP_LOG(logger, LogLevel::warning, "broker_full_waiting", {"waited_ms", waited_ms},
              {"capacity", capacity}, {"waiting_producers", waiting},
              {"hint",
               "nothing takes messages: start the Esme before enqueueing more than the capacity, "
               "or use try_enqueue / enqueue_for (docs/guides/own-broker.md)"});
}

// Wakes the `n` producers that have waited longest (each re-checks for room: a try_enqueue from
// another thread may take it first, and then it queues again, last).
void SimpleBroker::wake_producers_locked(std::size_t n) {
  auto& p = state_->producers;
  for (; n > 0 && !p.empty(); --n) {
    ProducerWait* w = p.front();
    p.pop_front();
    w->queued = false;
    w->timer.cancel();
  }
}

std::size_t SimpleBroker::take_locked(std::vector<Pdu>& out, std::size_t max) {
  std::size_t n = 0;
  auto& q = state_->queue;
  while (n < max && !q.empty()) {
    out.push_back(std::move(q.front()));
    q.pop_front();
    ++n;
  }
  if (n > 0) wake_producers_locked(n);
  return n;
}

std::size_t SimpleBroker::try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  std::lock_guard lock(state_->mutex);
  return take_locked(out, max);
}

asio::awaitable<std::size_t> SimpleBroker::dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  if (max == 0) max = 1;
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      const std::size_t n = take_locked(out, max);
      if (n > 0) co_return n;
      ++state_->consumers_waiting;
    }
    co_await state_->data_ready.async_wait(detail::use_nothrow_awaitable);
    {
      std::lock_guard lock(state_->mutex);
      --state_->consumers_waiting;
    }
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted, "SimpleBroker::dequeue cancelled");
    }
  }
}

asio::awaitable<Pdu> SimpleBroker::dequeue() {
  std::vector<Pdu> one;
  co_await dequeue_batch(one, 1);
  co_return std::move(one.front());
}

}  // namespace aiosmpp
