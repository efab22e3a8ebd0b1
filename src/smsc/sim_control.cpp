// What a console (tools/smsc-sim's web console) asks of a running simulator: its sessions, their
// recent PDUs, an MO message or a receipt sent to one session now, and the trouble-on-purpose
// options changed while it runs. Everything here runs on the simulator's executor like the rest.

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "aiosmpp/error.hpp"
#include "smsc/sim_impl.hpp"

namespace aiosmpp::smsc {

namespace {

constexpr std::array<std::string_view, 13> runtime_options{
    "error-rate",    "error-status",     "response-delay",   "response-delay-rate",
    "withhold-rate", "drop-every",       "max-submit-rate",  "throttle-every",
    "throttle-rate", "queue-full-above", "queue-full-every", "queue-full-rate",
    "account-rate"};

// The canonical spelling of a runtime option ('_' for '-', the aliases apply_sim_option takes).
std::string runtime_name(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '_', '-');
  if (n == "error-statuses") n = "error-status";
  if (n == "throttle-above") n = "max-submit-rate";
  return n;
}

}  // namespace

std::span<const std::string_view> sim_runtime_options() noexcept {
  return runtime_options;
}

void Simulator::Impl::record(Session& s, bool received, const PduHeader& header, CommandId id) {
  auto& ctx = context(s);
  const RecentPdu r{sys_now(), received, id, header.command_status, header.sequence_number};
  if (ctx.recent.size() < config.recent_pdus) {
    ctx.recent.push_back(r);
    return;
  }
  ctx.recent[ctx.recent_next] = r;
  ctx.recent_next = (ctx.recent_next + 1) % ctx.recent.size();
}

std::shared_ptr<Session> Simulator::Impl::find_session(std::uint64_t id) const {
  for (auto& s : server->sessions()) {
    if (s->id() == id) return s;
  }
  throw std::out_of_range(fmt::format("session {}: no such session", id));
}

std::shared_ptr<Session> Simulator::Impl::receiver_by_id(std::uint64_t id) {
  auto s = find_session(id);
  if (!s->can_receive()) {
    throw std::invalid_argument(
        fmt::format("session {}: not bound as a receiver or transceiver", id));
  }
  return s;
}

SimConfig Simulator::Impl::checked_runtime_options(std::span<const RuntimeOption> options) const {
  // Every option checked into a copy before any is applied: a refusal leaves the simulator as
  // it was (a console request changing several at once is all or nothing).
  SimConfig next = config;
  for (const auto& [name, value] : options) {
    const std::string n = runtime_name(name);
    if (std::find(runtime_options.begin(), runtime_options.end(), n) == runtime_options.end()) {
      throw std::invalid_argument(
          fmt::format("{}: not an option that can change while the simulator runs", name));
    }
    apply_sim_option(next, n, value);
  }
  if (next.drop_every > 0 && !pdu_hook) {
    throw std::invalid_argument(
        "drop-every: can be switched on at run time only when the simulator started with "
        "drop-every or recent-pdus above 0");
  }
  return next;
}

void Simulator::Impl::apply_runtime_options(std::span<const RuntimeOption> options) {
  SimConfig next = checked_runtime_options(options);
  if (next.response_delay != config.response_delay) responses.make_heap();
  config.error_rate = next.error_rate;
  config.error_statuses = std::move(next.error_statuses);
  config.response_delay = next.response_delay;
  config.response_delay_rate = next.response_delay_rate;
  config.withhold_rate = next.withhold_rate;
  config.drop_every = next.drop_every;
  config.throttle_every = next.throttle_every;
  config.throttle_rate = next.throttle_rate;
  config.queue_full_every = next.queue_full_every;
  config.queue_full_rate = next.queue_full_rate;
  // The limiters were made with the old rates: new ones, starting from a full bucket.
  if (next.max_submit_rate != config.max_submit_rate ||
      next.queue_full_above != config.queue_full_above) {
    config.max_submit_rate = next.max_submit_rate;
    config.queue_full_above = next.queue_full_above;
    for (auto& s : server->sessions()) {
      auto& ctx = context(*s);
      ctx.limiter = SubmitRateLimiter(config.max_submit_rate);
      ctx.queue_limiter = SubmitRateLimiter(config.queue_full_above);
    }
  }
  if (next.account_rate != config.account_rate) {
    config.account_rate = next.account_rate;
    for (auto& [id, account] : accounts)
      account.limiter = SlidingWindowLimiter(config.account_rate);
  }
  for (const auto& [name, value] : options) {
    AIOSMPP_LOG(logger, LogLevel::info, "option_changed", {"option", runtime_name(name)},
                {"value", value});
  }
}

// ---- Simulator -------------------------------------------------------------------------------

std::vector<SimSessionInfo> Simulator::sessions() const {
  std::vector<SimSessionInfo> out;
  for (auto& s : impl_->server->sessions()) {
    SimSessionInfo i;
    i.id = s->id();
    i.state = s->state();
    i.bind_type = s->bind_type();
    i.system_id = s->system_id();
    const auto& at = s->remote_endpoint();
    i.remote = fmt::format("{}:{}", at.address().to_string(), at.port());
    i.in_flight = s->in_flight();
    i.backlog = s->backlog();
    i.pending_requests = s->pending_requests();
    if (s->context() != nullptr) {
      const auto& ctx = *static_cast<const sim_detail::SimSession*>(s->context());
      i.submits = ctx.submits;
      i.receipts_owed = ctx.receipts_owed;
      i.mo_outstanding = ctx.mo_outstanding;
    }
    out.push_back(std::move(i));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<RecentPdu> Simulator::recent_pdus(std::uint64_t id) const {
  auto s = impl_->find_session(id);
  if (s->context() == nullptr) return {};
  const auto& ctx = *static_cast<const sim_detail::SimSession*>(s->context());
  std::vector<RecentPdu> out;
  out.reserve(ctx.recent.size());
  for (std::size_t i = 0; i < ctx.recent.size(); ++i)
    out.push_back(ctx.recent[(ctx.recent_next + i) % ctx.recent.size()]);
  return out;
}

std::size_t Simulator::inject_mo(std::uint64_t id, const MoMessage& message) {
  auto& impl = *impl_;
  auto s = impl.receiver_by_id(id);
  const auto& c = impl.config;
  if (c.max_mo_per_session != 0 && impl.context(*s).mo_outstanding >= c.max_mo_per_session) {
    throw std::invalid_argument(fmt::format("session {}: max-mo-per-session ({}) MO outstanding",
                                            id, c.max_mo_per_session));
  }
  if (c.max_mo != 0 && impl.mo_outstanding >= c.max_mo) {
    throw std::invalid_argument(fmt::format("max-mo ({}) MO outstanding", c.max_mo));
  }
  try {
    (void)make_mo(message);  // fail here, naming the text, rather than count failed PDUs
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("text: {}", e.what()));
  }
  return impl.send_mo(*s, message);
}

void Simulator::inject_receipt(std::uint64_t id, const ReceiptInfo& info) {
  auto& impl = *impl_;
  auto s = impl.receiver_by_id(id);
  if (info.message_id.empty() || info.message_id.size() > 64) {
    throw std::invalid_argument("message_id: 1 to 64 characters");
  }
  std::error_code ec;
  DeliverSm pdu;
  try {
    pdu = make_receipt(info, impl.config.receipt_style, impl.sys_now());
    ec = s->send(pdu, [&impl](std::error_code e, const PduView*) {
      ++(e ? impl.stats.receipts_failed : impl.stats.receipts_acked);
    });
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("receipt: {}", e.what()));
  }
  if (ec) throw std::invalid_argument(fmt::format("session {}: {}", id, ec.message()));
  ++impl.stats.receipts_sent;
  if (impl.config.recent_pdus > 0) impl.record(*s, false, pdu.header, CommandId::deliver_sm);
}

void Simulator::set_option(std::string_view name, std::string_view value) {
  const RuntimeOption one{std::string(name), std::string(value)};
  impl_->apply_runtime_options(std::span<const RuntimeOption>(&one, 1));
}

void Simulator::set_options(std::span<const RuntimeOption> options) {
  impl_->apply_runtime_options(options);
}

}  // namespace aiosmpp::smsc
