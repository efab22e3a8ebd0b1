// The simulator's submit path: the policy's decision for each submit_sm, submit_multi and
// data_sm (sim_policy.cpp decides, this counts and acts on it), and accepting a message, which
// schedules its receipt (sim_delivery.cpp delivers it).

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include <asio/post.hpp>

#include "smsc/sim_impl.hpp"

namespace aiosmpp::smsc {

namespace {

using sim_detail::ring_size;

// Receipt text keeps the start of the original (20 characters) only when it is readable as is.
// On the stack: a std::string of more than 15 characters was an allocation per submit_sm.
struct ReceiptText {
  std::array<char, 20> chars{};
  std::size_t size = 0;
  operator std::string_view() const noexcept { return {chars.data(), size}; }
};

ReceiptText receipt_text(DataCoding dc, EsmClass esm, std::string_view sm) {
  ReceiptText out;
  const auto c = static_cast<std::uint8_t>(dc);
  if (has_udhi(esm) || (c != 0 && c != 1 && c != 3)) return out;
  for (char ch : sm) {
    if (out.size == out.chars.size()) break;
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7F) out.chars[out.size++] = ch;
  }
  return out;
}

bool under(std::size_t value, std::size_t limit) {
  return limit == 0 || value < limit;
}

}  // namespace

bool Simulator::Impl::receipt_room(const SimSession& owner) const noexcept {
  return under(owner.receipts_owed, config.max_receipts_per_session) &&
         under(receipts_outstanding, config.max_receipts);
}

std::uint64_t Simulator::Impl::accept(Session& s, const PhoneNumberView& source,
                                      const PhoneNumberView& destination, RegisteredDelivery rd,
                                      std::string_view text, std::uint32_t sequence,
                                      bool& response_held) {
  response_held = false;
  const std::uint64_t id = next_message_id++;
  Record& rec = ring[id % ring_size];
  rec = Record{id};
  if (!config.receipts || receipt_request(rd) == RegisteredDelivery::none) return id;
  const auto state = config.receipt_states.size() == 1
                         ? config.receipt_states.front().first
                         : config.receipt_states[pick_weighted(state_weights, rng())].first;
  if (!receipt_wanted(rd, state)) {
    rec.final = true;
    rec.state = state;
    rec.final_time = sys_now();
    return id;
  }
  PendingReceipt p;
  p.id = id;
  p.state = state;
  p.submitted = sys_now();
  // The receipt swaps the addresses; a deliver_sm holds 20 characters where a data_sm holds 64.
  if (!p.source.assign(source) || !p.destination.assign(destination)) {
    ++stats.receipts_dropped;
    warn_dropped("receipt_dropped", id,
                 "an address longer than a deliver_sm allows (20 characters)");
    rec.final = true;
    rec.state = state;
    rec.final_time = p.submitted;
    return id;
  }
  p.text_size = static_cast<std::uint8_t>(std::min(text.size(), p.text.size()));
  std::copy_n(text.data(), p.text_size, p.text.data());
  auto& owner = context(s);
  p.owner = sim_detail::OwnerRef(owner);
  ++owner.receipts_owed;
  ++receipts_outstanding;
  ++receipts_total;
  const bool first =
      (config.receipt_first_every != 0 && receipts_total % config.receipt_first_every == 0) ||
      (config.receipt_first_rate > 0 && rng() < config.receipt_first_rate);
  if (config.intermediate_receipt != IntermediateReceipt::off &&
      (config.intermediate_rate >= 1 || rng() < config.intermediate_rate) && !first) {
    PendingReceipt i = p;
    i.intermediate = true;
    i.state = text::DeliveryState::enroute;
    i.due = s.last_read_time() + config.receipt_delay.min / 2;
    ++owner.receipts_owed;
    ++receipts_outstanding;
    const auto due = i.due;
    intermediates.push(std::move(i));
    wake_at(due);
  }
  if (first) {
    // Out at once; a submit_sm's response (sequence given) is written after it
    // (release_response()), the others' now, which is after it too when it goes out at once.
    p.holds_response = sequence != 0;
    p.held_sequence = sequence;
    response_held = p.holds_response;
    deliver(std::move(p));
    return id;
  }
  const auto delay = config.receipt_delay.fixed() ? config.receipt_delay.min
                                                  : pick_delay(config.receipt_delay, rng());
  p.due = s.last_read_time() + delay;
  const auto due = p.due;
  receipts.push(std::move(p));
  wake_at(due);
  return id;
}

SubmitContext Simulator::Impl::submit_context(Session& s, SimSession& ctx) {
  SubmitContext c;
  c.index = ++ctx.submits;
  const auto now = s.last_read_time();
  if (config.account_rate > 0 && ctx.account != nullptr) {
    c.within_account_rate = ctx.account->limiter.try_acquire(now);
  }
  if (config.max_submit_rate > 0) c.within_rate = ctx.limiter.try_acquire(now);
  if (config.queue_full_above > 0) c.within_queue_rate = ctx.queue_limiter.try_acquire(now);
  return c;
}

void Simulator::Impl::count(const SubmitDecision& d) {
  using Reason = SubmitDecision::Reason;
  switch (d.reason) {
    case Reason::none:
      break;
    case Reason::account:
      ++stats.account_throttled;
      ++stats.throttled;
      break;
    case Reason::throttled:
      ++stats.throttled;
      break;
    case Reason::queue_full:
      ++stats.queue_full;
      break;
    case Reason::withheld:
      ++stats.withheld;
      return;
    case Reason::error:
      break;
  }
  if (d.status != CommandStatus::ok) ++stats.submit_errors;
}

Reply Simulator::Impl::on_submit(Session& s, const SubmitSmView& r, SubmitSmResp& resp) {
  ++stats.submits;
  hint(s.last_read_time());
  auto& ctx = context(s);
  note_load(s, ctx);
  auto d = decide_submit(config, submit_context(s, ctx), rng);
  if (d.action == SubmitDecision::Action::withhold) {
    count(d);
    return Reply::never;
  }
  if (d.status == CommandStatus::ok && config.receipts &&
      receipt_request(r.registered_delivery) != RegisteredDelivery::none && !receipt_room(ctx)) {
    // Every receipt owed is kept; at the bound the message is refused instead.
    d.status = CommandStatus::message_queue_full;
    d.reason = SubmitDecision::Reason::queue_full;
  }
  count(d);
  bool held = false;
  if (d.status == CommandStatus::ok) {
    ++stats.accepted;
    const auto id = accept(s, r.source, r.destination, r.registered_delivery,
                           receipt_text(r.data_coding, r.esm_class, r.short_message),
                           resp.header.sequence_number, held);
    write_message_id(resp.message_id, id);
  } else {
    resp.header.command_status = d.status;
  }
  if (held) return Reply::later;  // written after its receipt
  if (config.unbind_after != 0 && ctx.submits + config.unbind_owed > config.unbind_after &&
      ctx.submits <= config.unbind_after) {
    return hold_for_unbind(s, ctx, resp);
  }
  if (d.delay.count() > 0) {
    ++stats.delayed;
    const auto due = s.last_read_time() + d.delay;
    responses.push(PendingResponse{due, s.weak_from_this(), resp});
    wake_at(due);
    return Reply::later;
  }
  return Reply::now;
}

// congestion_state on 5.0 sessions: the session's submit_sm and broadcast_sm of the last second
// as a percentage of --congestion.
void Simulator::Impl::note_load(Session& s, SimSession& ctx) {
  if (config.congestion_capacity <= 0 || s.interface_version() != InterfaceVersion::smpp_5_0) {
    return;
  }
  const double load = 100.0 * ctx.load.add(s.last_read_time()) / config.congestion_capacity;
  s.set_congestion_state(static_cast<std::uint8_t>(std::min(load, 100.0)));
}

Reply Simulator::Impl::hold_for_unbind(Session& s, SimSession& ctx, const SubmitSmResp& resp) {
  ctx.unbind_held.push_back(resp);
  if (ctx.submits < config.unbind_after) return Reply::later;
  // The Nth: once this handler has returned (so that the session counts the last one as
  // pending), send unbind and then the responses still owed.
  asio::post(executor, [this, weak = s.weak_from_this()] {
    auto session = weak.lock();
    if (!session) return;
    auto& c = context(*session);
    session->unbind();
    ++stats.unbinds;
    for (auto& held : c.unbind_held)
      (void)session->respond(Pdu{std::move(held)});
    c.unbind_held.clear();
  });
  return Reply::later;
}

// A request asking for a receipt while the receipt bounds are reached is refused with
// ESME_RMSGQFUL (counted), for data_sm and submit_multi alike.
bool Simulator::Impl::receipts_full(Session& s, RegisteredDelivery registered_delivery) {
  if (!config.receipts || receipt_request(registered_delivery) == RegisteredDelivery::none ||
      receipt_room(context(s))) {
    return false;
  }
  ++stats.submit_errors;
  ++stats.queue_full;
  return true;
}

Reply Simulator::Impl::on_data_sm(Session& s, const DataSmView& r, DataSmResp& resp) {
  ++stats.submits;
  hint(s.last_read_time());
  if (receipts_full(s, r.registered_delivery)) {
    resp.header.command_status = CommandStatus::message_queue_full;
    return Reply::now;
  }
  ++stats.accepted;
  bool held = false;
  const auto id = accept(s, r.source, r.destination, r.registered_delivery, "", 0, held);
  write_message_id(resp.message_id, id);
  return Reply::now;
}

Reply Simulator::Impl::on_submit_multi(Session& s, const SubmitMultiView& r,
                                       SubmitMultiResp& resp) {
  ++stats.submits;
  hint(s.last_read_time());
  if (receipts_full(s, r.registered_delivery)) {
    resp.header.command_status = CommandStatus::message_queue_full;
    return Reply::now;
  }
  const std::uint64_t id = next_message_id;
  bool any = false;
  for (const auto& dest : r.dest_addresses) {
    if (dest.dest_flag == DestFlag::distribution_list) {
      // The simulator knows no distribution lists.
      resp.unsuccess_smes.push_back(
          UnsuccessSme{PhoneNumber(std::string(dest.dl_name)), CommandStatus::invalid_dl_name});
      continue;
    }
    // One message id per submit_multi (the first); each destination gets its receipt.
    bool held = false;
    (void)accept(s, r.source, dest.address, r.registered_delivery,
                 receipt_text(r.data_coding, r.esm_class, r.short_message), 0, held);
    any = true;
  }
  if (!any) {
    resp.header.command_status = CommandStatus::invalid_dest_address;
    ++stats.submit_errors;
    return Reply::now;
  }
  ++stats.accepted;
  write_message_id(resp.message_id, id);
  return Reply::now;
}

}  // namespace aiosmpp::smsc
