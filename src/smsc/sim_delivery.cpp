// The simulator's deliveries: receipts from their due time to their settlement, the MO injector,
// and the scheduler that serves due receipts and delayed responses. Nothing here may throw into
// the Server or Simulator::run(): a PDU that cannot be built for a session is dropped with a log
// line and a counter, and every scheduled item is served under its own try.

#include <algorithm>
#include <exception>
#include <system_error>
#include <utility>

#include "aiosmpp/detail/asio_compat.hpp"
#include "smsc/sim_impl.hpp"

namespace aiosmpp::smsc {

namespace {

using aiosmpp::detail::use_nothrow_awaitable;
using sim_detail::ring_size;

// Answers that mean "not now": the receipt is offered again later.
bool retryable(std::error_code ec) {
  return ec == errc::connection_closed || ec == errc::response_timeout ||
         ec == CommandStatus::throttled || ec == CommandStatus::message_queue_full ||
         ec == CommandStatus::receiver_temporary_error || ec == errc::stopped ||
         ec == errc::not_bound || ec == std::errc::no_buffer_space;
}

}  // namespace

void Simulator::Impl::wake_at(SteadyClock::time_point due) {
  if (due < sched_at) {
    sched_at = due;
    sched.cancel();
  }
}

std::shared_ptr<Session> Simulator::Impl::receiver_for(const std::string& system_id) {
  const std::size_t n = receivers.size();
  for (std::size_t i = 0; i < n; ++i) {
    auto s = receivers[(rr + i) % n].lock();
    if (s && s->can_receive() && s->system_id() == system_id) {
      rr = (rr + i + 1) % n;
      return s;
    }
  }
  return nullptr;
}

void Simulator::Impl::on_bound(Session& s) {
  auto& ctx = context(s);
  ctx.system_id = s.system_id();
  auto [account, added] = accounts.try_emplace(ctx.system_id, config.account_rate);
  ctx.account = &account->second;
  ++ctx.account->bound;
  if (added && accounts.size() > prune_accounts_at) prune_accounts();
  if (!s.can_receive()) return;
  receivers.push_back(s.weak_from_this());
  // Receipts that found no receiver for this system_id go out now.
  auto it = waiting.find(ctx.system_id);
  if (it == waiting.end()) return;
  auto held = std::move(it->second);
  waiting.erase(it);
  waiting_count -= held.size();
  while (!held.empty())
    route(held.pop_front());
}

void Simulator::Impl::on_closed(Session& s) {
  hint(SteadyClock::now());  // a close may come from a timer: what it requeues is sent now
  std::erase_if(receivers, [&](const std::weak_ptr<Session>& w) {
    auto l = w.lock();
    return !l || l.get() == &s;
  });
  if (s.context() == nullptr) return;
  auto& ctx = context(s);
  ctx.live = nullptr;
  if (ctx.account != nullptr) {
    if (--ctx.account->bound == 0 && ctx.account->limiter.idle(now_hint)) {
      accounts.erase(ctx.system_id);
    }
    ctx.account = nullptr;
  }
  ctx.unbind_held.clear();
  requeue_from(ctx);
}

void Simulator::Impl::prune_accounts() {
  // An account nobody is bound to is kept only while its account_rate window still counts
  // (erased at the close otherwise): a client binding with a fresh system_id each time leaves at
  // most the last second's accounts, swept here when the map has doubled since the last sweep.
  // Rare (amortised over the binds that doubled the map): a clock read of its own.
  const auto now = SteadyClock::now();
  std::erase_if(accounts,
                [&](const auto& a) { return a.second.bound == 0 && a.second.limiter.idle(now); });
  prune_accounts_at = std::max<std::size_t>(64, 2 * accounts.size());
}

void Simulator::Impl::requeue_from(SimSession& ctx) {
  auto held = std::move(ctx.queued);
  ctx.queued.clear();
  queued_receipts -= std::min(queued_receipts, held.size());
  while (!held.empty())
    route(held.pop_front());
}

void Simulator::Impl::settle(PendingReceipt& p) {
  release_response(p, false);
  if (receipts_outstanding > 0) --receipts_outstanding;
  if (p.owner && p.owner->receipts_owed > 0) --p.owner->receipts_owed;
  p.owner.reset();
}

void Simulator::Impl::drop(PendingReceipt& p, std::string_view why) {
  ++stats.receipts_dropped;
  warn_dropped("receipt_dropped", p.id, why);
  settle(p);
}

void Simulator::Impl::warn_dropped(std::string_view event, std::uint64_t message_id,
                                   std::string_view why) {
  // A client can cause one per message (data_sm with long addresses): bounded lines per second.
  if (!log_budget.take(now_hint)) return;
  AIOSMPP_LOG(logger, LogLevel::warning, event, {"message_id", message_id}, {"error", why},
              {"suppressed", log_budget.take_pending()});
}

void Simulator::Impl::release_response(PendingReceipt& p, bool after_receipt) {
  // Receipt first: the submit_sm_resp held until its receipt went out (or could not).
  if (!p.holds_response) return;
  p.holds_response = false;
  auto session = p.owner ? p.owner->session.lock() : nullptr;
  if (!session) return;
  SubmitSmResp resp;
  resp.header = {CommandStatus::ok, p.held_sequence};
  write_message_id(resp.message_id, p.id);
  if (!session->respond(Pdu{std::move(resp)}) && after_receipt) ++stats.receipts_first;
}

void Simulator::Impl::deliver(PendingReceipt&& p) {
  Record& rec = ring[p.id % sim_detail::ring_size];
  if (rec.id == p.id) {
    if (rec.cancelled) {  // cancel_sm took it back before the receipt
      settle(p);
      return;
    }
    if (!rec.final && !p.intermediate) {
      rec.final = true;
      rec.state = p.state;
      rec.final_time = sys_now();
    }
  }
  route(std::move(p));
}

bool Simulator::Impl::window_free(const Session& s) const {
  return s.in_flight() < config.window && s.backlog() == 0;
}

void Simulator::Impl::route(PendingReceipt&& p) {
  // The submitting session when it can receive, else a receiver bound with the same system_id
  // (round robin), else the receipt waits for one to bind.
  Session* target = nullptr;
  if (p.owner->live != nullptr && p.owner->live->can_receive()) {
    target = p.owner->live;
  }
  std::shared_ptr<Session> other;
  if (target == nullptr) {
    other = receiver_for(p.owner->system_id);
    target = other.get();
  }
  if (target == nullptr) {
    release_response(p, false);  // nothing to wait for: the response goes now
    waiting[p.owner->system_id].push_back(std::move(p));
    ++waiting_count;
    return;
  }
  auto& ctx = context(*target);
  if (ctx.queued.empty() && window_free(*target)) {
    send_receipt(*target, std::move(p));
    return;
  }
  // Behind the window: kept here, compact, and sent as responses free slots (pump()).
  ctx.queued.push_back(std::move(p));
  ++queued_receipts;
}

void Simulator::Impl::pump(Session& target) {
  // Mostly called after reading from target (a response, a bind): its read time is "now" for the
  // receipts' done dates (a close and a retry read the clock themselves).
  hint(target.last_read_time());
  if (target.context() == nullptr) return;
  auto& ctx = context(target);
  while (!ctx.queued.empty() && target.can_receive() && window_free(target)) {
    // Sent from where it lies: send_receipt() never pushes to this queue (a session's queue is
    // moved out only by on_closed(), at the end of the session's run(), never inside a send).
    --queued_receipts;
    ctx.queued.serve_front([&](PendingReceipt& p) { send_receipt(target, std::move(p)); });
  }
}

std::size_t Simulator::Impl::take_slot(PendingReceipt&& p, Session& target) {
  std::size_t slot;
  if (!free_flights.empty()) {
    slot = free_flights.back();
    free_flights.pop_back();
  } else {
    slot = flights.size();
    flights.emplace_back();
  }
  FlightSlot& f = flights[slot];
  f.receipt = std::move(p);
  f.target = &target;
  f.used = true;
  ++in_flight_receipts;
  return slot;
}

Simulator::Impl::PendingReceipt Simulator::Impl::release_slot(std::size_t slot) {
  PendingReceipt p = std::move(flights[slot].receipt);  // leaves its owner empty
  free_slot(slot);
  return p;
}

void Simulator::Impl::free_slot(std::size_t slot) {
  FlightSlot& f = flights[slot];
  f.target = nullptr;
  f.used = false;
  free_flights.push_back(slot);
  --in_flight_receipts;
}

void Simulator::Impl::send_receipt(Session& target, PendingReceipt&& p) {
  std::array<char, 24> tlv_id_buf;
  std::array<char, 24> text_id_buf;
  sim_detail::ReceiptFields f;
  f.tlv_id = sim_detail::format_message_id(p.id, config.message_ids, false, tlv_id_buf);
  // Written once when both are in the same base (every format but hex_in_response/_in_receipt).
  const bool same_base =
      config.message_ids == MessageIdFormat::decimal || config.message_ids == MessageIdFormat::hex;
  f.text_id = same_base
                  ? f.tlv_id
                  : sim_detail::format_message_id(p.id, config.message_ids, true, text_id_buf);
  f.source = p.destination.view();
  f.destination = p.source.view();
  f.submitted = p.submitted;
  f.done = sys_now();
  f.state = p.state;
  if (p.intermediate) {
    f.intermediate_stat =
        config.intermediate_receipt == IntermediateReceipt::buffered ? "BUFFRED" : "ENROUTE";
  }
  f.text = std::string_view(p.text.data(), p.text_size);
  const DeliverSmView pdu = builder.build(f, config.receipt_style);
  const bool intermediate = p.intermediate;
  const std::size_t slot = take_slot(std::move(p), target);
  std::error_code ec;
  try {
    ec = target.send(
        pdu, [this, slot](std::error_code e, const PduView*) { on_receipt_response(slot, e); });
  } catch (const SmppError& e) {
    // A receipt this session cannot carry: dropped, never thrown into the server.
    PendingReceipt back = release_slot(slot);
    drop(back, e.what());
    return;
  }
  if (ec) {
    retry_later(release_slot(slot));
    return;
  }
  ++(intermediate ? stats.receipts_intermediate : stats.receipts_sent);
  if (config.recent_pdus > 0) record(target, false, pdu.header, CommandId::deliver_sm);
  release_response(flights[slot].receipt, true);
}

void Simulator::Impl::on_receipt_response(std::size_t slot, std::error_code ec) {
  if (!flights[slot].used) return;
  Session* const target = flights[slot].target;
  const bool intermediate = flights[slot].receipt.intermediate;
  if (ec && !stopping && !intermediate && retryable(ec)) {
    // The SMSC keeps a receipt until an ESME takes it (an intermediate one is not offered again:
    // it would come after the final one).
    ++stats.receipts_retried;
    retry_later(release_slot(slot));
  } else {
    if (!intermediate) ++(ec ? stats.receipts_failed : stats.receipts_acked);
    // Settled where it lies (settle() sends nothing, so flights does not grow meanwhile), not
    // copied out first.
    settle(flights[slot].receipt);
    free_slot(slot);
  }
  if (target) pump(*target);
}

void Simulator::Impl::retry_later(PendingReceipt&& p) {
  if (stopping || p.intermediate) {
    settle(p);
    return;
  }
  // min, 2 min, 4 min, ... up to max: an ESME that does not take receipts costs a few wake-ups,
  // not a core.
  ++p.attempts;
  auto delay = config.receipt_retry.min;
  for (std::uint32_t i = 1; i < p.attempts && delay < config.receipt_retry.max; ++i)
    delay *= 2;
  delay = std::min(delay, std::max(config.receipt_retry.max, config.receipt_retry.min));
  // A retry follows a timeout or a close, not a read: the last read time is stale here, and a
  // retry is rare enough for a clock read of its own.
  hint(SteadyClock::now());
  p.due = now_hint + delay;
  const auto due = p.due;
  retries.push(std::move(p));
  wake_at(due);
}

// ---- MO --------------------------------------------------------------------------------------

bool Simulator::Impl::mo_exhausted() const {
  if (config.mo_count > 0 && mo_done >= config.mo_count) return true;
  return !config.mo_file.empty() && mo_next >= mo_messages.size();
}

std::shared_ptr<Session> Simulator::Impl::mo_target() {
  if (config.max_mo != 0 && mo_outstanding >= config.max_mo) return nullptr;
  const std::size_t n = receivers.size();
  for (std::size_t i = 0; i < n; ++i) {
    auto s = receivers[(rr + i) % n].lock();
    if (!s || !s->can_receive()) continue;
    if (config.max_mo_per_session != 0 && context(*s).mo_outstanding >= config.max_mo_per_session) {
      continue;  // this receiver is not keeping up: skip it, MO waits rather than piles up
    }
    rr = (rr + i + 1) % n;
    return s;
  }
  return nullptr;
}

std::size_t Simulator::Impl::send_mo(Session& target, const MoMessage& m) {
  SimSession* ctx = &context(target);
  std::size_t sent = 0;
  for (const auto& pdu : make_mo(m)) {
    std::error_code ec;
    try {
      // The handler runs before the session (which owns ctx) is destroyed.
      ec = target.send(pdu, [this, ctx](std::error_code e, const PduView*) {
        --ctx->mo_outstanding;
        --mo_outstanding;
        ++(e ? stats.mo_failed : stats.mo_acked);
        if (auto s = ctx->session.lock()) pump(*s);
      });
    } catch (const SmppError& e) {
      // An MO this session cannot carry: dropped and counted on its own, never thrown.
      ++stats.mo_dropped;
      warn_dropped("mo_dropped", 0, e.what());
      continue;
    }
    if (ec) {
      ++stats.mo_failed;
      continue;
    }
    ++ctx->mo_outstanding;
    ++mo_outstanding;
    ++stats.mo_sent;
    ++sent;
    if (config.recent_pdus > 0) record(target, false, pdu.header, CommandId::deliver_sm);
  }
  return sent;
}

asio::awaitable<void> Simulator::Impl::mo_loop() {
  if (!(config.mo_rate > 0)) co_return;
  using std::chrono::milliseconds;
  const auto tick = std::clamp(
      std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(1.0 / config.mo_rate)),
      milliseconds(1), milliseconds(100));
  double credit = 1;  // the first message goes as soon as a receiver is bound
  auto last = SteadyClock::now();
  while (!stopping && !mo_exhausted()) {
    while (credit >= 1 && !mo_exhausted()) {
      auto target = mo_target();
      if (!target) break;
      try {
        const MoMessage& m = mo_messages[mo_next % mo_messages.size()];
        ++mo_next;
        ++mo_done;
        (void)send_mo(*target, m);
      } catch (const std::exception& e) {
        AIOSMPP_LOG(logger, LogLevel::error, "mo_failed", {"error", e.what()});
      }
      credit -= 1;
    }
    mo_timer.expires_after(tick);
    co_await mo_timer.async_wait(use_nothrow_awaitable);
    const auto now = SteadyClock::now();
    credit = std::min(credit + config.mo_rate * std::chrono::duration<double>(now - last).count(),
                      std::max(1.0, config.mo_rate));
    last = now;
  }
}

// ---- scheduler -------------------------------------------------------------------------------

Simulator::Impl::SteadyClock::time_point Simulator::Impl::earliest() const {
  auto t = SteadyClock::time_point::max();
  if (!receipts.empty()) t = std::min(t, receipts.top().due);
  if (!intermediates.empty()) t = std::min(t, intermediates.top().due);
  if (!retries.empty()) t = std::min(t, retries.top().due);
  if (!responses.empty()) t = std::min(t, responses.top().due);
  return t;
}

void Simulator::Impl::run_due(SteadyClock::time_point horizon) {
  auto guarded = [this](auto&& serve) {
    try {
      serve();
    } catch (const std::exception& e) {
      AIOSMPP_LOG(logger, LogLevel::error, "scheduled_item_failed", {"error", e.what()});
    }
  };
  while (!responses.empty() && responses.top().due <= horizon) {
    auto r = responses.pop();
    guarded([&] {
      if (auto s = r.session.lock()) (void)s->respond(Pdu{std::move(r.response)});
    });
  }
  // deliver() never pushes to these two queues (only accept() does).
  while (!intermediates.empty() && intermediates.top().due <= horizon) {
    intermediates.serve_top([&](PendingReceipt& p) { guarded([&] { deliver(std::move(p)); }); });
  }
  while (!receipts.empty() && receipts.top().due <= horizon) {
    receipts.serve_top([&](PendingReceipt& p) { guarded([&] { deliver(std::move(p)); }); });
  }
  while (!retries.empty() && retries.top().due <= horizon) {
    auto p = retries.pop();
    guarded([&] { route(std::move(p)); });
  }
}

asio::awaitable<void> Simulator::Impl::scheduler() {
  // Due times are served in 1 ms slices: one wake-up delivers everything due within the slice,
  // instead of one timer round per receipt at hundreds of thousands per second.
  constexpr auto slice = std::chrono::milliseconds(1);
  auto last_wake = SteadyClock::now();
  while (!stopping) {
    const auto next = earliest();
    sched_at = next == SteadyClock::time_point::max() ? next : std::max(next, last_wake + slice);
    sched.expires_at(sched_at);
    co_await sched.async_wait(use_nothrow_awaitable);
    if (stopping) break;
    const auto now = SteadyClock::now();
    last_wake = now;
    hint(now);
    run_due(now + slice / 2);
  }
}

asio::awaitable<void> Simulator::Impl::stats_loop() {
  if (config.stats_interval.count() <= 0) co_return;
  while (!stopping) {
    stats_timer.expires_after(config.stats_interval);
    auto [ec] = co_await stats_timer.async_wait(use_nothrow_awaitable);
    if (ec || stopping) break;
    if (on_stats) on_stats(format_stats(snapshot()));
  }
}

}  // namespace aiosmpp::smsc
