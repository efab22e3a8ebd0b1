// EsmePool: direct requests (submit() and the others go through one bound bind of the active
// level) and statistics.

#include <algorithm>

#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "esme/pool_bind.hpp"

namespace aiosmpp {

// The bound, fed bind holding least.
detail::PoolCore::Bind* detail::PoolCore::choose_bind() {
  Bind* best = nullptr;
  for (auto& b : binds_) {
    if (!feeds(*b) || b->esme->session_state() != SessionState::bound) continue;
    if (best == nullptr || b->holding() < best->holding()) best = b.get();
  }
  return best;
}

asio::awaitable<Outcome> detail::PoolCore::request(Pdu message) {
  auto not_sent = [&](std::error_code ec, const char* detail) {
    return Outcome{std::move(message), std::nullopt,
                   SendError{SendError::Kind::not_sent, ec, detail}};
  };
  if (!running_ || stopping_) {
    co_return not_sent(stopping_ ? errc::stopped : errc::not_bound,
                       "the pool is not running: await start() first");
  }
  Bind* bind = choose_bind();
  while (bind == nullptr) {
    ++direct_waiting_;
    co_await binds_cv_.async_wait(detail::use_nothrow_awaitable);
    --direct_waiting_;
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      throw std::system_error(asio::error::operation_aborted, "EsmePool request cancelled");
    }
    if (!running_ || stopping_) co_return not_sent(errc::stopped, "the pool stopped first");
    bind = choose_bind();
  }
  // While the bind holds it, a not_sent with this tracking is the caller's, not to be moved.
  struct Registered {
    Bind& bind;
    Tracking tracking;
    ~Registered() {
      auto it = std::find(bind.direct.begin(), bind.direct.end(), tracking);
      if (it != bind.direct.end()) bind.direct.erase(it);
    }
  } registered{*bind, tracking_of(message)};
  bind->direct.push_back(registered.tracking);
  co_return co_await bind->esme->request(std::move(message));
}

PoolStats detail::PoolCore::stats() const {
  PoolStats s;
  s.binds.reserve(binds_.size());
  EsmeStats& t = s.total;
  for (const auto& b : binds_) {
    const EsmeStats& e = b->esme->stats();
    s.binds.push_back(PoolBindStats{b->client_id, b->host->host, b->host->port, b->host->priority,
                                    b->mode, b->esme->session_state(), b->running, feeds(*b), e});
    t.taken += e.taken;
    t.responses += e.responses;
    t.send_errors += e.send_errors;
    t.late_responses += e.late_responses;
    t.received += e.received;
    t.connects += e.connects;
    t.in_flight += e.in_flight;
    t.max_in_flight = std::max(t.max_in_flight, e.max_in_flight);
    t.throttled += e.throttled;
    t.requeued += e.requeued;
  }
  // A moved message was taken and ended (not_sent) by the bind that lost it, and is taken again
  // by the next: count it once, as taken while it waits to be moved, and as ended once the pool
  // ends it itself at stop.
  t.taken = t.taken - rerouted_total_ + rerouted_.size() + rerouted_failed_;
  t.send_errors = t.send_errors - rerouted_total_ + rerouted_failed_;
  s.rerouted = rerouted_total_;
  s.failovers = failovers_;
  s.failbacks = failbacks_;
  if (feeding_) s.active_priority = priorities_[*feeding_];
  return s;
}

asio::awaitable<Outcome> EsmePool::submit(SubmitSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> EsmePool::data_sm(DataSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> EsmePool::query_sm(QuerySm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> EsmePool::replace_sm(ReplaceSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> EsmePool::cancel_sm(CancelSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> EsmePool::request(Pdu message) {
  return impl_->request(std::move(message));
}
PoolStats EsmePool::stats() const {
  return impl_->stats();
}

}  // namespace aiosmpp
