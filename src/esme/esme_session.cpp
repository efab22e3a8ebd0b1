// One bound session: four coroutines around the SessionMachine, joined so that the first to end
// ends the session (the others are cancelled; a hook or correlator call in progress is finished
// first, with cancellation held off). Each coroutine only moves octets, messages and events
// between the machine and the outside; the machine decides.

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "esme/esme_impl.hpp"

namespace aiosmpp {

namespace {

using detail::Phase;
using detail::use_nothrow_awaitable;

// A single write stays within this, so both peers keep working at once (performance.md §4).
constexpr std::size_t max_write_chunk = 32 * 1024;
// Messages taken from the broker per wake-up, at most (also bounded by the free window).
constexpr std::size_t max_batch = 512;
// Correlator expiries this close together share a wake-up.
constexpr auto correlator_slack = std::chrono::milliseconds(50);

}  // namespace

asio::awaitable<std::error_code> Esme::Impl::run_session() {
  auto ex = co_await asio::this_coro::executor;
  // A durable correlator may hold receipts from an earlier run, some already matched: the first
  // tick asks for them even if nothing is sent or received in this session.
  holds_due_ = true;
  auto [order, e_reader, e_writer, e_pump, e_ticker] =
      co_await detail::make_parallel_group(
          asio::co_spawn(ex, branch(&Impl::reader), detail::deferred),
          asio::co_spawn(ex, branch(&Impl::writer), detail::deferred),
          asio::co_spawn(ex, branch(&Impl::pump), detail::deferred),
          asio::co_spawn(ex, branch(&Impl::ticker), detail::deferred))
          .async_wait(detail::wait_for_one(), asio::use_awaitable);
  (void)order;
  for (const auto& e : {e_reader, e_writer, e_pump, e_ticker}) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const std::system_error& se) {
      if (se.code() == asio::error::operation_aborted) continue;  // cancelled by the group
      AIOSMPP_LOG(log_, LogLevel::error, "session_failed", {"error", se.what()});
    } catch (const std::exception& ex2) {
      AIOSMPP_LOG(log_, LogLevel::error, "session_failed", {"error", ex2.what()});
    }
  }
  co_return machine_.error();
}

// Whatever ends one coroutine ends the connection, so the others find the machine over after
// any call they were finishing (a hook, a correlator) and return too.
asio::awaitable<void> Esme::Impl::branch(asio::awaitable<void> (Impl::*body)()) {
  try {
    co_await (this->*body)();
  } catch (...) {
    machine_.close_now(errc::cancelled);
    kick();
    throw;
  }
  machine_.close_now(errc::connection_closed);  // keeps the machine's own reason when it has one
  kick();
}

void Esme::Impl::kick() {
  const unsigned w = machine_.take_wakeups();
  if (w == 0) return;
  if ((w & detail::wake_writer) && writer_waiting_) {
    writer_waiting_ = false;
    writer_cv_.cancel();
  }
  if (pump_wait_ != PumpWait::none &&
      ((w & (detail::wake_phase | detail::wake_ready)) ||
       ((w & detail::wake_pump) && pump_wait_ == PumpWait::window))) {
    pump_wait_ = PumpWait::none;
    pump_cv_.cancel();
  }
  if ((w & (detail::wake_timer | detail::wake_phase)) && ticker_waiting_ &&
      (machine_.over() || machine_.next_deadline() < ticker_at_)) {
    ticker_waiting_ = false;
    ticker_.cancel();
  }
}

asio::awaitable<void> Esme::Impl::wait(asio::steady_timer& timer, Clock::time_point until) {
  timer.expires_at(until);
  co_await timer.async_wait(use_nothrow_awaitable);
}

asio::awaitable<void> Esme::Impl::reader() {
  for (;;) {
    machine_.process(Clock::now(), reader_events_);
    // With a broker that asks for it (Broker::outcome_before_reuse), slots freed by these
    // responses are not taken again before their outcomes reached the hook: a durable broker
    // then commits each finish before the next lease, so a crash leaves at most `window`
    // messages unfinished (the hook may suspend, on a correlator's file, say).
    outcomes_in_delivery_ = 0;
    if (outcome_before_reuse_) {
      for (const auto& e : reader_events_)
        if (std::holds_alternative<detail::OutcomeEvent>(e)) ++outcomes_in_delivery_;
    }
    kick();
    if (!reader_events_.empty()) co_await deliver(reader_events_);
    if (outcomes_in_delivery_ != 0) {
      outcomes_in_delivery_ = 0;
      if (pump_wait_ == PumpWait::window) {
        pump_wait_ = PumpWait::none;
        pump_cv_.cancel();
      }
    }
    if (machine_.over()) co_return;
    auto [ec, n] = co_await transport_->read_some(machine_.read_buffer());
    if (ec) {
      machine_.on_transport_error(ec);
      kick();
      co_return;
    }
    machine_.on_read(n, Clock::now());
  }
}

asio::awaitable<void> Esme::Impl::writer() {
  for (;;) {
    if (machine_.over()) co_return;
    if (!machine_.has_output()) {
      writer_waiting_ = true;
      co_await wait(writer_cv_, Clock::time_point::max());
      writer_waiting_ = false;
      continue;
    }
    const auto bytes = machine_.take_output();
    for (std::size_t offset = 0; offset < bytes.size();) {
      const std::size_t chunk = std::min(max_write_chunk, bytes.size() - offset);
      auto [ec, n] = co_await transport_->write(bytes.subspan(offset, chunk));
      machine_.on_written(n);
      offset += n;
      if (ec) {
        machine_.on_transport_error(ec);
        kick();
        co_return;
      }
    }
    machine_.write_done();
    kick();
  }
}

asio::awaitable<void> Esme::Impl::ticker() {
  for (;;) {
    if (machine_.over()) co_return;
    const auto now = Clock::now();
    machine_.on_timer(now, ticker_events_);
    kick();
    if (!ticker_events_.empty()) co_await deliver(ticker_events_);
    if (machine_.over()) co_return;
    ticker_at_ = std::min(machine_.next_deadline(), correlator_expiry(now));
    if (holds_due_) {
      co_await release_expired_holds();
      if (machine_.over()) co_return;
      // Taking them may have loaded holds with expiries of their own (at least 1 ms ahead, so a
      // correlator that keeps answering "due" cannot spin this loop).
      ticker_at_ = std::min(ticker_at_, correlator_expiry(Clock::now()));
    }
    ticker_waiting_ = true;
    co_await wait(ticker_, ticker_at_);
    ticker_waiting_ = false;
  }
}

// Drops the correlator's expired entries (when it keeps its own in memory) and says when it
// next has something due.
Esme::Impl::Clock::time_point Esme::Impl::correlator_expiry(Clock::time_point now) {
  try {
    auto next = correlator_->next_expiry();
    // Read the clock again: a correlator may answer "due now" with a time it read after `now`.
    if (next && *next <= std::max(now, Clock::now())) {
      holds_due_ = true;
      correlator_->expire_due();
      next = correlator_->next_expiry();
    }
    // At least a millisecond ahead: a correlator that keeps answering "due" cannot spin us.
    correlator_idle_ = !next;
    if (next) return std::max(*next + correlator_slack, now + std::chrono::milliseconds(1));
    return Clock::time_point::max();
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "expire_due"},
                {"error", e.what()});
    return now + std::chrono::seconds(1);
  }
}

asio::awaitable<void> Esme::Impl::pump() {
  const bool stage = has_interest(interests_, HookInterest::sending);
  for (;;) {
    if (machine_.over()) co_return;
    if (machine_.sendable() > 0) {
      if (co_await send_pending(stage) == 0) {
        // Flow control holds the rest back until send_at().
        pump_wait_ = PumpWait::other;
        co_await wait(pump_cv_, machine_.send_at());
        pump_wait_ = PumpWait::none;
      }
      continue;
    }
    const bool direct = !direct_.empty() && machine_.window_free() > machine_.pending();
    if (!direct && (takeable() == 0 || machine_.pending() > 0)) {
      // Not bound for sending (receiver, stopping, after the SMSC's unbind) or the window is
      // full: a response, a timeout or a phase change wakes us.
      pump_wait_ = machine_.may_take() ? PumpWait::window : PumpWait::other;
      co_await wait(pump_cv_, Clock::time_point::max());
      pump_wait_ = PumpWait::none;
      continue;
    }
    // The throttle handler holds back direct requests and the broker's messages alike: the SMSC
    // that throttles does not know which is which.
    if (throttle_ && !throttle_->allow_request(Clock::now())) {
      pump_wait_ = PumpWait::other;
      co_await wait(pump_cv_, Clock::now() + throttle_->throttle_delay());
      pump_wait_ = PumpWait::none;
      continue;
    }
    if (direct) {
      take_direct();  // direct requests go ahead of the broker's messages
      if (!pump_events_.empty()) co_await deliver(pump_events_);
      co_await limit_pending();  // under the same rate limit as the broker's
      continue;
    }
    if (!co_await take_batch(std::min(takeable(), max_batch))) continue;
    machine_.take(batch_, pump_events_);
    if (!pump_events_.empty()) co_await deliver(pump_events_);
    co_await limit_pending();
  }
}

// What was taken waits for the rate limiter before it is sent, direct requests and the broker's
// messages alike.
asio::awaitable<void> Esme::Impl::limit_pending() {
  if (!rate_limiter_ || machine_.pending() == 0 || try_rate(machine_.pending())) co_return;
  if (auto refused = co_await acquire_rate(machine_.pending())) {
    // The limiter failed (not our stop): nothing of the batch goes out, and each message gets
    // its not_sent now.
    machine_.fail_pending(*refused, pump_events_);
    co_await deliver(pump_events_);
  }
}

// Takes messages from the broker: without suspending when it has some, else waiting for one (or
// for the end of the session, which cancels the wait). False when nothing was taken.
asio::awaitable<bool> Esme::Impl::take_batch(std::size_t want) {
  using namespace detail::awaitable_operators;
  batch_.clear();
  if (broker_->try_dequeue_batch(batch_, want) > 0) co_return true;
  pump_wait_ = PumpWait::other;
  pump_cv_.expires_at(Clock::time_point::max());
  try {
    co_await (broker_->dequeue_batch(batch_, want) || pump_cv_.async_wait(use_nothrow_awaitable));
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) {
      AIOSMPP_LOG(log_, LogLevel::error, "broker_failed", {"error", e.what()});
    }
  }
  pump_wait_ = PumpWait::none;
  co_return !batch_.empty();
}

asio::awaitable<std::size_t> Esme::Impl::send_pending(bool stage) {
  const std::size_t sent = machine_.send_pending(Clock::now(), stage, pump_events_);
  kick();
  if (stage) {
    // The hook sees each request before any of its octets can be written; the machine has
    // them in flight already, so an early end reports them not_sent.
    co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
    for (const auto& s : machine_.staged()) {
      try {
        co_await hook_->sending(machine_.staged_message(s), machine_.staged_bytes(s), client_id_);
      } catch (const std::exception& e) {
        AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "sending"},
                    {"error", e.what()});
      }
      if (machine_.over()) break;
    }
    try {
      co_await hook_->before_write(client_id_);
    } catch (const std::exception& e) {
      AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "before_write"},
                  {"error", e.what()});
    }
    co_await asio::this_coro::reset_cancellation_state();
    machine_.commit_staged();
    kick();
  }
  if (!pump_events_.empty()) co_await deliver(pump_events_);
  co_return sent;
}

// The limiter's sans-io answer, without a coroutine frame: true when it granted `n` at once. A
// refusal, a deferral or an exception is left to acquire_rate(), which asks again.
bool Esme::Impl::try_rate(std::size_t n) noexcept {
  try {
    return rate_limiter_->try_acquire(n, Clock::now()) <= Clock::duration::zero();
  } catch (...) {
    return false;
  }
}

namespace {

asio::awaitable<std::pair<std::error_code, std::string>> guarded_limit(RateLimiter& limiter,
                                                                       std::size_t n) {
  try {
    const std::error_code ec = co_await limiter.limit(n);
    co_return std::pair{ec, ec.message()};
  } catch (const std::system_error& e) {
    co_return std::pair{e.code(), std::string(e.what())};
  } catch (const std::exception& e) {
    co_return std::pair{std::make_error_code(std::errc::io_error), std::string(e.what())};
  }
}

}  // namespace

// Waits until the rate limiter grants `n` permits. nullopt: granted, or the end of the session
// interrupted the wait (the units then stay pending and end() reports them not_sent, as
// everything taken and unwritten). A SendError: the limiter itself failed, so they must not go.
asio::awaitable<std::optional<SendError>> Esme::Impl::acquire_rate(std::size_t n) {
  using namespace detail::awaitable_operators;
  auto failed = [&](std::error_code ec, std::string_view what) {
    return SendError{SendError::Kind::not_sent, ec,
                     fmt::format("rate limiter failed, nothing sent: {}", what)};
  };
  for (;;) {
    if (!machine_.may_take()) co_return std::nullopt;
    Clock::duration delay{};
    try {
      delay = rate_limiter_->try_acquire(n, Clock::now());
    } catch (const std::system_error& e) {
      co_return failed(e.code(), e.what());
    } catch (const std::exception& e) {
      co_return failed(std::make_error_code(std::errc::io_error), e.what());
    }
    if (delay <= Clock::duration::zero()) co_return std::nullopt;
    if (delay != RateLimiter::defer) {
      pump_wait_ = PumpWait::other;
      co_await wait(pump_cv_, Clock::now() + delay);
      pump_wait_ = PumpWait::none;
      continue;
    }
    // limit() runs inside a wrapper that turns an exception into a result: `||` waits for the
    // first branch that *succeeds*, so a throwing limit() would leave it waiting on pump_cv_. A
    // phase change (stop, the end of the session) cancels pump_cv_ and with it limit().
    pump_wait_ = PumpWait::other;
    pump_cv_.expires_at(Clock::time_point::max());
    auto r =
        co_await (guarded_limit(*rate_limiter_, n) || pump_cv_.async_wait(use_nothrow_awaitable));
    pump_wait_ = PumpWait::none;
    if (!machine_.may_take()) co_return std::nullopt;
    if (r.index() == 1) continue;
    auto& [ec, what] = std::get<0>(r);
    if (!ec) co_return std::nullopt;
    co_return failed(ec, what);
  }
}

// ---------------------------------------------------------------------------------------------
// Events to the application. Cancellation is held off while they run, so a hook or correlator
// call is never cut short by the end of the session (which is then seen right after).

asio::awaitable<void> Esme::Impl::deliver(detail::Events& events) {
  if (events.empty()) co_return;
  co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
  for (auto& e : events)
    co_await deliver_one(e);
  events.clear();
  co_await asio::this_coro::reset_cancellation_state();
  kick();
}

// A message's one outcome: received() or send_error() as aiosmpplib has them, then the one-shape
// Outcome for the hook and for the direct request waiting for it.
asio::awaitable<void> Esme::Impl::deliver_outcome(detail::OutcomeEvent& o) {
  if (o.response) {
    co_await call_received(&*o.response, o.pdu);
  } else {
    co_await call_send_error(o.message, o.error);
  }
  const bool hook_wants = has_interest(interests_, HookInterest::outcome);
  if (!hook_wants && o.origin == 0) co_return;
  Outcome outcome{std::move(o.message), std::move(o.response), std::nullopt};
  if (!outcome.response) outcome.error = std::move(o.error);
  if (hook_wants) {
    try {
      co_await hook_->outcome(outcome, client_id_);
    } catch (const std::exception& e) {
      AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "outcome"}, {"error", e.what()});
    }
  }
  if (o.origin != 0) complete(o.origin, std::move(outcome));
}

asio::awaitable<void> Esme::Impl::deliver_one(detail::Event& event) {
  if (auto* o = std::get_if<detail::OutcomeEvent>(&event)) {
    co_await deliver_outcome(*o);
  } else if (auto* r = std::get_if<detail::RegisterEvent>(&event)) {
    co_await register_delivery(*r);
  } else if (auto* i = std::get_if<detail::IncomingEvent>(&event)) {
    if (!i->receipt_key.empty() && i->message) {
      co_await deliver_receipt(*i);
    } else if (!i->session || has_interest(interests_, HookInterest::session)) {
      co_await call_received(i->message ? &*i->message : nullptr, i->pdu, i->session);
    }
    if (i->answer) {
      // Answered only after the hook has it, so a hook that stores it loses nothing.
      machine_.answer(*i->answer, Clock::now());
      kick();
    }
  }
}

asio::awaitable<void> Esme::Impl::call_received(const Pdu* message,
                                                std::span<const std::uint8_t> pdu, bool session) {
  if (!session && !has_interest(interests_, HookInterest::received)) co_return;
  try {
    co_await hook_->received(message, pdu, client_id_);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "received"}, {"error", e.what()});
  }
}

asio::awaitable<void> Esme::Impl::call_send_error(const Pdu& message, const SendError& error) {
  if (!has_interest(interests_, HookInterest::send_error)) co_return;
  try {
    co_await hook_->send_error(message, error, client_id_);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "send_error"},
                {"error", e.what()});
  }
}

}  // namespace aiosmpp
