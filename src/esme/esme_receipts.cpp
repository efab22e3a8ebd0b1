// The Esme's side of receipt correlation: registering message ids (and giving the hook the
// receipts the correlator held for them), correlating each receipt (held, repeated or matched),
// giving up expired holds on the timer, merging a long message's receipts, and the
// submit-to-receipt clock of the metrics.

#include <algorithm>
#include <exception>
#include <utility>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme/esme_impl.hpp"

namespace aiosmpp {

namespace {

// What the text layer reads of a receipt the Esme did not parse itself (a held one).
ReceiptOutcome describe(const Pdu& receipt, const text::FinalityRule& rule) {
  ReceiptOutcome meta;
  std::optional<text::ReceiptSummary> summary;
  if (const auto* d = std::get_if<DeliverSm>(&receipt)) summary = text::summarize_receipt(*d);
  if (const auto* d = std::get_if<DataSm>(&receipt)) summary = text::summarize_receipt(*d);
  if (summary) {
    meta.state = summary->state;
    meta.final_state = summary->is_final(rule);
  }
  return meta;
}

}  // namespace

asio::awaitable<void> Esme::Impl::register_delivery(detail::RegisterEvent& r) {
  start_receipt_clock(r.key, r.sent_at);
  if (cfg_.merge_receipts && r.group != 0) {
    std::vector<ReceiptOutcome> evicted;
    merger_.expect(r.key, r.group, r.segments, evicted);
    for (const auto& e : evicted)
      co_await call_receipt_hook(e);
  }
  std::vector<ReleasedReceipt> released;
  try {
    co_await lock_correlator();
    released = co_await correlator_->register_delivery(r.key, std::move(r.tracking));
    unlock_correlator();
    note_correlator_due();
  } catch (const std::exception& e) {
    unlock_correlator();
    AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "register_delivery"},
                {"error", e.what()});
  }
  for (auto& h : released)
    co_await deliver_released(h, &r.key);
}

asio::awaitable<void> Esme::Impl::lock_correlator() {
  while (correlator_busy_) {
    correlator_cv_.expires_at(Clock::time_point::max());
    co_await correlator_cv_.async_wait(detail::use_nothrow_awaitable);
  }
  correlator_busy_ = true;
}

void Esme::Impl::unlock_correlator() noexcept {
  correlator_busy_ = false;
  correlator_cv_.cancel();
}

// An idle ticker learns when the correlator has something due again (a new entry, a hold).
void Esme::Impl::note_correlator_due() {
  if (!correlator_idle_ || !ticker_waiting_) return;
  if (auto next = correlator_->next_expiry(); next && *next < ticker_at_) {
    correlator_idle_ = false;
    ticker_waiting_ = false;
    ticker_.cancel();
  }
}

asio::awaitable<void> Esme::Impl::deliver_receipt(detail::IncomingEvent& i) {
  ReceiptOutcome meta;
  meta.state = i.state;
  meta.final_state = i.final_state;
  std::vector<ReleasedReceipt> released;
  bool held = false;
  try {
    co_await lock_correlator();
    auto match = co_await correlator_->correlate_receipt(i.receipt_key, i.final_state, *i.message);
    unlock_correlator();
    released = std::move(match.released);
    held = match.held;
    if (match.tracking) {
      tracking_of(*i.message) = std::move(*match.tracking);
      meta.matched = true;
      meta.repeat = match.repeat;
    }
    if (held) note_correlator_due();
  } catch (const std::exception& e) {
    unlock_correlator();
    AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "correlate_receipt"},
                {"error", e.what()});
  }
  // Receipts the hold gave up to make room come first: they arrived earlier.
  for (auto& h : released)
    co_await deliver_released(h, nullptr);
  if (held) {
    // The correlator keeps it until its response registers the id (or the hold expires); the
    // SMSC is answered as usual.
    ++machine_.stats().held_receipts;
    co_return;
  }
  if (meta.repeat) ++machine_.stats().repeated_receipts;
  if (meta.final_state && meta.matched && !meta.repeat) stop_receipt_clock(i.receipt_key);
  co_await call_received(&*i.message, i.pdu, false);
  co_await call_receipt(*i.message, std::move(meta), &i.receipt_key);
}

// A held receipt, now matched (with `key`, the id its response registered) or given up.
asio::awaitable<void> Esme::Impl::deliver_released(ReleasedReceipt& released,
                                                   const std::string* key) {
  ReceiptOutcome meta = describe(released.receipt, cfg_.receipt_finality);
  meta.held = true;
  meta.repeat = released.repeat;
  if (released.tracking) {
    tracking_of(released.receipt) = std::move(*released.tracking);
    meta.matched = true;
    if (key != nullptr && meta.final_state && !meta.repeat) stop_receipt_clock(*key);
  }
  if (meta.repeat) ++machine_.stats().repeated_receipts;
  if (has_interest(interests_, HookInterest::received)) {
    // received() shows octets: the held receipt's are gone with the read buffer, so they are
    // written again (the codec writes back what it read, byte for byte).
    std::vector<std::uint8_t> bytes;
    if (!encode(released.receipt, bytes)) bytes.clear();
    co_await call_received(&released.receipt, bytes, false);
  }
  co_await call_receipt(released.receipt, std::move(meta), released.tracking ? key : nullptr);
}

// The timer found the correlator's next expiry due: holds that ran out go to the hook untracked.
asio::awaitable<void> Esme::Impl::release_expired_holds() {
  holds_due_ = false;
  std::vector<ReleasedReceipt> released;
  try {
    co_await lock_correlator();
    released = co_await correlator_->take_released_holds();
    unlock_correlator();
  } catch (const std::exception& e) {
    unlock_correlator();
    AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "take_released_holds"},
                {"error", e.what()});
  }
  for (auto& h : released)
    co_await deliver_released(h, nullptr);
}

asio::awaitable<void> Esme::Impl::call_receipt(const Pdu& receipt, ReceiptOutcome meta,
                                               const std::string* key) {
  if (!has_interest(interests_, HookInterest::receipt)) co_return;
  meta.receipt = receipt;
  if (cfg_.merge_receipts && key != nullptr && meta.final_state && !meta.repeat) {
    std::vector<ReceiptOutcome> done;
    if (merger_.add(*key, meta, done)) {
      for (const auto& m : done)
        co_await call_receipt_hook(m);
      co_return;
    }
  }
  co_await call_receipt_hook(meta);
}

asio::awaitable<void> Esme::Impl::call_receipt_hook(const ReceiptOutcome& receipt) {
  if (!has_interest(interests_, HookInterest::receipt)) co_return;
  try {
    co_await hook_->receipt(receipt, client_id_);
  } catch (const std::exception& e) {
    AIOSMPP_LOG(log_, LogLevel::error, "hook_failed", {"method", "receipt"}, {"error", e.what()});
  }
}

// At stop: receipts an in-memory hold would lose, then long messages still merging, give what
// they have, so no receipt the SMSC was told we have is swallowed.
asio::awaitable<void> Esme::Impl::give_up_receipts() {
  std::vector<ReleasedReceipt> held;
  try {
    co_await lock_correlator();
    held = co_await correlator_->release_holds_at_stop();
    unlock_correlator();
  } catch (const std::exception& e) {
    unlock_correlator();
    AIOSMPP_LOG(log_, LogLevel::error, "correlator_failed", {"method", "release_holds_at_stop"},
                {"error", e.what()});
  }
  for (auto& h : held)
    co_await deliver_released(h, nullptr);
  std::vector<ReceiptOutcome> rest;
  merger_.give_up_all(rest);
  for (const auto& m : rest)
    co_await call_receipt_hook(m);
}

void Esme::Impl::start_receipt_clock(const std::string& key, Clock::time_point sent_at) {
  if (receipt_clock_.size() >= receipt_clock_capacity) {
    // Keys of receipts that came are erased from the map but stay in the order until popped.
    while (!receipt_clock_order_.empty() && receipt_clock_.size() >= receipt_clock_capacity) {
      receipt_clock_.erase(receipt_clock_order_.front());
      receipt_clock_order_.pop_front();
    }
  }
  if (receipt_clock_.emplace(key, sent_at).second) receipt_clock_order_.push_back(key);
  // Compacted against the keys still waiting, not the capacity: otherwise the order keeps up to
  // 2 * capacity keys of receipts long come (about 6 MB), however few are awaited.
  if (receipt_clock_order_.size() >
      2 * std::max<std::size_t>(receipt_clock_.size(), receipt_clock_compact_floor)) {
    std::erase_if(receipt_clock_order_, [&](const auto& k) { return !receipt_clock_.contains(k); });
  }
}

void Esme::Impl::stop_receipt_clock(const std::string& key) {
  const auto it = receipt_clock_.find(key);
  if (it == receipt_clock_.end()) return;
  machine_.metrics().receipt_latency().observe(Clock::now() - it->second);
  receipt_clock_.erase(it);
}

}  // namespace aiosmpp
