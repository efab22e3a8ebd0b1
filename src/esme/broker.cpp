#include "aiosmpp/esme/broker.hpp"

#include <limits>
#include <stdexcept>

#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

namespace aiosmpp {

std::size_t Broker::try_dequeue_batch(std::vector<Pdu>&, std::size_t) {
  return 0;
}

asio::awaitable<std::size_t> Broker::dequeue_batch(std::vector<Pdu>& out, std::size_t) {
  out.push_back(co_await dequeue());
  co_return 1;
}

// The timers are condition variables: a waiter sets its flag and waits on a timer that never
// expires by itself; a waker clears the flag and cancels the timer. Flags and the queue are under
// the mutex (try_enqueue comes from other threads); the timers are touched only on the executor.
struct SimpleBroker::State {
  explicit State(const asio::any_io_executor& ex) : data_ready(ex), space_ready(ex) {
    data_ready.expires_at(asio::steady_timer::time_point::max());
    space_ready.expires_at(asio::steady_timer::time_point::max());
  }
  mutable std::mutex mutex;
  std::deque<Pdu> queue;
  // Consumers waiting in dequeue_batch(): several Esmes (a pool's binds) may take from one
  // broker, and each counts itself in and out, so that one leaving (cancelled when its session
  // ends) cannot hide the others from the next enqueue.
  std::size_t consumers_waiting = 0;
  bool producers_waiting = false;
  bool wake_posted = false;
  asio::steady_timer data_ready;
  asio::steady_timer space_ready;
};

SimpleBroker::SimpleBroker(asio::any_io_executor executor, std::size_t capacity)
    : capacity_(capacity), state_(std::make_shared<State>(executor)) {
  if (capacity == 0) throw std::invalid_argument("SimpleBroker capacity: 0, must be >= 1");
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
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->queue.size() < capacity_) {
        state_->queue.push_back(std::move(message));
        if (state_->consumers_waiting > 0) state_->data_ready.cancel();
        co_return;
      }
      state_->producers_waiting = true;
    }
    co_await state_->space_ready.async_wait(detail::use_nothrow_awaitable);
    // A wake and a cancellation both complete with operation_aborted; only the latter is
    // visible in the coroutine's cancellation state.
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted, "SimpleBroker::enqueue cancelled");
    }
  }
}

void SimpleBroker::wake_producers_locked() {
  if (state_->producers_waiting) {
    state_->producers_waiting = false;
    state_->space_ready.cancel();
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
  if (n > 0) wake_producers_locked();
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
