// The simulator's decisions, kept free of sockets and clocks so that tests can drive them.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "smsc/sim_receipt.hpp"

namespace aiosmpp::smsc {

std::size_t pick_weighted(std::span<const double> weights, double u) {
  double total = 0;
  for (double w : weights) {
    if (w > 0) total += w;
  }
  if (!(total > 0)) throw std::invalid_argument("pick_weighted: no positive weight");
  double x = std::clamp(u, 0.0, 1.0) * total;
  std::size_t last = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] > 0)) continue;
    last = i;
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return last;  // u == 1 or rounding: the last positive entry
}

std::chrono::milliseconds pick_delay(const DelayRange& range, double u) noexcept {
  if (range.max <= range.min) return range.min;
  const double span = static_cast<double>((range.max - range.min).count());
  const auto extra = static_cast<std::int64_t>(std::floor(std::clamp(u, 0.0, 1.0) * span));
  return range.min +
         std::chrono::milliseconds(std::min<std::int64_t>(extra, (range.max - range.min).count()));
}

SubmitDecision decide_submit(const SimConfig& c, const SubmitContext& ctx,
                             const UniformSource& rng) {
  using Reason = SubmitDecision::Reason;
  SubmitDecision d;
  auto refuse = [&d](CommandStatus status, Reason reason) {
    d.status = status;
    d.reason = reason;
  };
  auto every = [&ctx](std::uint64_t n) { return n != 0 && ctx.index % n == 0; };
  auto drawn = [&rng](double share) { return share > 0 && rng() < share; };
  if (!ctx.within_account_rate) {
    refuse(CommandStatus::throttled, Reason::account);
  } else if (!ctx.within_rate || every(c.throttle_every)) {
    refuse(CommandStatus::throttled, Reason::throttled);
  } else if (!ctx.within_queue_rate || every(c.queue_full_every)) {
    refuse(CommandStatus::message_queue_full, Reason::queue_full);
  } else if (drawn(c.throttle_rate)) {
    refuse(CommandStatus::throttled, Reason::throttled);
  } else if (drawn(c.queue_full_rate)) {
    refuse(CommandStatus::message_queue_full, Reason::queue_full);
  } else if (drawn(c.withhold_rate)) {
    d.action = SubmitDecision::Action::withhold;
    d.reason = Reason::withheld;
    return d;
  } else if (drawn(c.error_rate)) {
    std::vector<double> w;
    w.reserve(c.error_statuses.size());
    for (auto& [s, weight] : c.error_statuses)
      w.push_back(weight);
    refuse(c.error_statuses[pick_weighted(w, rng())].first, Reason::error);
  }
  if (c.response_delay.max.count() > 0 &&
      (c.response_delay_rate >= 1 || drawn(c.response_delay_rate))) {
    d.delay = c.response_delay.fixed() ? c.response_delay.min : pick_delay(c.response_delay, rng());
  }
  return d;
}

SlidingWindowLimiter::SlidingWindowLimiter(double rate)
    : times_(rate > 0 ? static_cast<std::size_t>(std::max(1.0, std::floor(rate))) : 0) {}

bool SlidingWindowLimiter::try_acquire(Clock::time_point now) {
  if (times_.empty()) return true;
  // times_ holds the last times_.size() acceptances; the oldest is at next_ once it is full.
  if (count_ == times_.size() && now - times_[next_] < std::chrono::seconds(1)) return false;
  times_[next_] = now;
  next_ = (next_ + 1) % times_.size();
  count_ = std::min(count_ + 1, times_.size());
  return true;
}

bool SlidingWindowLimiter::idle(Clock::time_point now) const noexcept {
  if (count_ == 0) return true;
  const auto newest = times_[(next_ + times_.size() - 1) % times_.size()];
  return now - newest >= std::chrono::seconds(1);
}

bool receipt_wanted(RegisteredDelivery requested, text::DeliveryState final_state) noexcept {
  const bool success = final_state == text::DeliveryState::delivered;
  switch (static_cast<std::uint8_t>(receipt_request(requested))) {
    case 1:
      return true;
    case 2:
      return !success;
    case 3:
      return success;
    default:
      return false;
  }
}

SubmitRateLimiter::SubmitRateLimiter(double rate) noexcept
    : rate_(rate), burst_(std::max(1.0, rate / 10)), tokens_(burst_) {}

bool SubmitRateLimiter::try_acquire(Clock::time_point now) noexcept {
  if (!(rate_ > 0)) return true;
  if (!started_) {
    started_ = true;
    last_ = now;
  } else if (now > last_) {
    const double secs = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + secs * rate_);
    last_ = now;
  }
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  return false;
}

std::uint32_t LoadMeter::add(Clock::time_point now) noexcept {
  const std::int64_t bucket =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / 100;
  if (!started_ || bucket - current_ >= static_cast<std::int64_t>(buckets_.size())) {
    buckets_.fill(0);
    sum_ = 0;
    current_ = bucket;
    started_ = true;
  }
  while (current_ < bucket) {  // buckets that passed empty, or the oldest, leave the window
    ++current_;
    auto& b = buckets_[static_cast<std::size_t>(current_) % buckets_.size()];
    sum_ -= b;
    b = 0;
  }
  ++buckets_[static_cast<std::size_t>(current_) % buckets_.size()];
  return ++sum_;
}

DeliverSm make_receipt(const ReceiptInfo& info, ReceiptStyle style,
                       std::chrono::system_clock::time_point done) {
  sim_detail::ReceiptBuilder builder;
  sim_detail::ReceiptFields f;
  f.tlv_id = info.message_id;
  f.text_id = info.text_id.empty() ? std::string_view(info.message_id) : info.text_id;
  // A receipt goes from the original recipient back to its sender.
  f.source = PhoneNumberView(info.destination.number, info.destination.ton, info.destination.npi);
  f.destination = PhoneNumberView(info.source.number, info.source.ton, info.source.npi);
  f.submitted = info.submitted;
  f.done = done;
  f.state = info.state;
  f.intermediate_stat = info.intermediate_stat;
  f.text = info.text;
  return to_owning(builder.build(f, style));
}

std::vector<DeliverSm> make_mo(const MoMessage& m) {
  text::SplitOptions opts;
  opts.encoding = m.encoding;
  opts.long_message = m.long_message;
  auto split = text::split(m.text, opts);
  if (!split) throw text::TextException(split.error());
  const auto& s = *split;
  std::vector<DeliverSm> out;
  out.reserve(s.segments.size());
  for (const auto& seg : s.segments) {
    DeliverSm d;
    d.source = PhoneNumber(m.from, Ton::international, Npi::isdn);
    d.destination = PhoneNumber(m.to, Ton::unknown, Npi::unknown);
    d.registered_delivery = RegisteredDelivery::none;
    d.data_coding = static_cast<DataCoding>(s.data_coding);
    if (s.udhi) d.esm_class = EsmClass::udhi;
    if (s.message_payload) {
      d.tlvs.set<tlv::MessagePayload>(seg.bytes).value();
    } else {
      d.short_message.assign(seg.bytes.begin(), seg.bytes.end());
    }
    if (seg.sar) {
      d.tlvs.set<tlv::SarMsgRefNum>(seg.sar->reference);
      d.tlvs.set<tlv::SarTotalSegments>(seg.sar->total);
      d.tlvs.set<tlv::SarSegmentSeqnum>(seg.sar->seqnum);
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<MoMessage> load_mo_file(const std::string& path, const MoMessage& defaults) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(fmt::format("--mo-file: cannot read \"{}\"", path));
  std::vector<MoMessage> out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    MoMessage m = defaults;
    if (line.front() != '{') {
      m.text = line;
      out.push_back(std::move(m));
      continue;
    }
    try {
      auto j = nlohmann::json::parse(line);
      SimConfig scratch;
      scratch.mo = m;
      for (auto& [k, v] : j.items()) {
        const std::string key = k == "long" ? "mo-long" : "mo-" + k;
        if (!v.is_string()) throw std::invalid_argument(k + ": expected a string");
        apply_sim_option(scratch, key, v.get<std::string>());
      }
      out.push_back(std::move(scratch.mo));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("--mo-file: {} line {}: {}", path, number, e.what()));
    }
  }
  return out;
}

std::string format_stats(const SimStats& s) {
  return fmt::format(
      "stats sessions={} binds={} bind_failures={} submits={} accepted={} submit_errors={} "
      "throttled={} account_throttled={} queue_full={} withheld={} delayed={} "
      "pending_throttled={} receipts_sent={} receipts_acked={} receipts_failed={} "
      "receipts_retried={} receipts_dropped={} receipts_waiting={} receipts_first={} "
      "receipts_intermediate={} mo_sent={} mo_acked={} mo_failed={} mo_dropped={} drops={} "
      "unbinds={} generic_nacks={} timeouts={} refused={} bind_failure_closes={} "
      "write_overflows={} sessions_failed={} shutdown_closes={} backlog_full={} "
      "log_suppressed={} accounts={} window={} backlog={}",
      s.sessions, s.binds, s.bind_failures, s.submits, s.accepted, s.submit_errors, s.throttled,
      s.account_throttled, s.queue_full, s.withheld, s.delayed, s.pending_throttled,
      s.receipts_sent, s.receipts_acked, s.receipts_failed, s.receipts_retried, s.receipts_dropped,
      s.receipts_waiting, s.receipts_first, s.receipts_intermediate, s.mo_sent, s.mo_acked,
      s.mo_failed, s.mo_dropped, s.drops, s.unbinds, s.generic_nacks, s.timeouts, s.refused,
      s.bind_failure_closes, s.write_overflows, s.sessions_failed, s.shutdown_closes,
      s.backlog_full, s.log_suppressed, s.accounts, s.window, s.backlog);
}

}  // namespace aiosmpp::smsc
