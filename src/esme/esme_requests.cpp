// Direct requests: `co_await esme.submit(message)` and the others. A request is queued here with
// its waiter, handed to the SessionMachine by the pump ahead of the broker's messages (it gets an
// `origin`, the waiter's key), and completed when the machine's OutcomeEvent for that origin is
// delivered. The machine treats it exactly like a message from the broker.

#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "esme/esme_impl.hpp"

namespace aiosmpp {

using detail::use_nothrow_awaitable;

asio::awaitable<Outcome> Esme::Impl::request(Pdu message) {
  if (!running_ || stopping_) {
    SendError e{SendError::Kind::not_sent, stopping_ ? errc::stopped : errc::not_bound,
                "the Esme is not running: await start() first"};
    co_return Outcome{std::move(message), std::nullopt, std::move(e)};
  }
  Waiter waiter(ex_);
  waiter.cv.expires_at(Clock::time_point::max());
  const std::uint64_t origin = ++next_origin_;
  waiters_.emplace(origin, &waiter);
  direct_.emplace_back(origin, std::move(message));
  if (pump_wait_ != PumpWait::none) {
    pump_wait_ = PumpWait::none;
    pump_cv_.cancel();
  }
  while (!waiter.outcome) {
    co_await waiter.cv.async_wait(use_nothrow_awaitable);
    if (waiter.outcome) break;
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      // Withdrawn when still queued; otherwise its outcome reaches the hook alone.
      waiters_.erase(origin);
      std::erase_if(direct_, [&](const auto& d) { return d.first == origin; });
      throw std::system_error(asio::error::operation_aborted, "Esme request cancelled");
    }
  }
  waiters_.erase(origin);
  co_return std::move(*waiter.outcome);
}

// The pump hands queued direct requests to the machine while the window has room.
void Esme::Impl::take_direct() {
  std::vector<Pdu> one;
  while (!direct_.empty() && machine_.window_free() > machine_.pending()) {
    auto [origin, message] = std::move(direct_.front());
    direct_.pop_front();
    one.clear();
    one.push_back(std::move(message));
    machine_.take(one, pump_events_, origin);
  }
}

void Esme::Impl::complete(std::uint64_t origin, Outcome&& outcome) {
  const auto it = waiters_.find(origin);
  if (it == waiters_.end()) return;  // the caller gave up waiting
  it->second->outcome = std::move(outcome);
  it->second->cv.cancel();
}

// start() ends: requests never handed to the machine were never sent.
void Esme::Impl::fail_direct(std::error_code ec) {
  while (!direct_.empty()) {
    auto [origin, message] = std::move(direct_.front());
    direct_.pop_front();
    complete(origin,
             Outcome{std::move(message), std::nullopt,
                     SendError{SendError::Kind::not_sent, ec, "stopped before it was sent"}});
  }
}

asio::awaitable<Outcome> Esme::submit(SubmitSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> Esme::data_sm(DataSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> Esme::query_sm(QuerySm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> Esme::replace_sm(ReplaceSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> Esme::cancel_sm(CancelSm message) {
  return impl_->request(Pdu(std::move(message)));
}
asio::awaitable<Outcome> Esme::request(Pdu message) {
  return impl_->request(std::move(message));
}

}  // namespace aiosmpp
