// The web console's JSON and /metrics (see console_state.hpp).

#include "console_state.hpp"

#include <array>
#include <chrono>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/metrics.hpp"
#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"

namespace aiosmpp::smsc_sim {

namespace {

// SimStats' fields, once, for the JSON and /metrics. Gauges are levels now; the rest count up.
struct StatField {
  std::string_view name;
  std::uint64_t smsc::SimStats::*member;
  bool gauge;
  std::string_view help;
};

constexpr std::array<StatField, 38> stat_fields{{
    {"binds", &smsc::SimStats::binds, false, "Binds accepted."},
    {"bind_failures", &smsc::SimStats::bind_failures, false, "Binds refused."},
    {"submits", &smsc::SimStats::submits, false, "submit_sm, data_sm and submit_multi received."},
    {"accepted", &smsc::SimStats::accepted, false, "Submits answered ESME_ROK."},
    {"submit_errors", &smsc::SimStats::submit_errors, false,
     "Submits answered with an error the simulator chose."},
    {"throttled", &smsc::SimStats::throttled, false, "Submits answered ESME_RTHROTTLED by a rule."},
    {"account_throttled", &smsc::SimStats::account_throttled, false,
     "Of those, over account-rate."},
    {"queue_full", &smsc::SimStats::queue_full, false, "Submits answered ESME_RMSGQFUL."},
    {"withheld", &smsc::SimStats::withheld, false, "Submits never answered (withhold-rate)."},
    {"delayed", &smsc::SimStats::delayed, false, "Responses sent after response-delay."},
    {"pending_throttled", &smsc::SimStats::pending_throttled, false,
     "Requests throttled at max-pending-requests."},
    {"receipts_first", &smsc::SimStats::receipts_first, false,
     "Receipts sent before their submit_sm_resp."},
    {"receipts_intermediate", &smsc::SimStats::receipts_intermediate, false,
     "Intermediate receipts sent."},
    {"unbinds", &smsc::SimStats::unbinds, false, "Sessions the simulator unbound (unbind-after)."},
    {"receipts_sent", &smsc::SimStats::receipts_sent, false, "Receipts sent (each attempt)."},
    {"receipts_acked", &smsc::SimStats::receipts_acked, false, "Receipts answered ESME_ROK."},
    {"receipts_failed", &smsc::SimStats::receipts_failed, false, "Receipts given up."},
    {"receipts_retried", &smsc::SimStats::receipts_retried, false, "Receipts offered again."},
    {"receipts_dropped", &smsc::SimStats::receipts_dropped, false,
     "Receipts that could not be built."},
    {"receipts_waiting", &smsc::SimStats::receipts_waiting, true,
     "Receipts scheduled, queued behind a window or without a receiver."},
    {"mo_sent", &smsc::SimStats::mo_sent, false, "MO deliver_sm sent."},
    {"mo_acked", &smsc::SimStats::mo_acked, false, "MO deliver_sm answered ESME_ROK."},
    {"mo_failed", &smsc::SimStats::mo_failed, false, "MO deliver_sm that failed."},
    {"mo_dropped", &smsc::SimStats::mo_dropped, false, "MO deliver_sm that could not be built."},
    {"drops", &smsc::SimStats::drops, false, "Connections closed on purpose (drop-every)."},
    {"generic_nacks", &smsc::SimStats::generic_nacks, false, "generic_nack sent."},
    {"timeouts", &smsc::SimStats::timeouts, false, "Sessions closed by a deadline."},
    {"refused", &smsc::SimStats::refused, false, "Connections refused at a limit."},
    {"bind_failure_closes", &smsc::SimStats::bind_failure_closes, false,
     "Connections closed after max-bind-failures refused binds."},
    {"write_overflows", &smsc::SimStats::write_overflows, false,
     "Sessions closed at max-write-buffer."},
    {"sessions_failed", &smsc::SimStats::sessions_failed, false,
     "Sessions ended by an error inside them."},
    {"shutdown_closes", &smsc::SimStats::shutdown_closes, false,
     "Sessions closed hard at shutdown-timeout."},
    {"backlog_full", &smsc::SimStats::backlog_full, false,
     "deliver_sm refused at a session's max-backlog."},
    {"log_suppressed", &smsc::SimStats::log_suppressed, false,
     "Warning lines not written (max-warnings-per-second)."},
    {"sessions", &smsc::SimStats::sessions, true, "Sessions open now."},
    {"accounts", &smsc::SimStats::accounts, true, "system_ids kept (bound, or rate-limited)."},
    {"window", &smsc::SimStats::window, true, "deliver_sm in flight over all sessions."},
    {"backlog", &smsc::SimStats::backlog, true, "deliver_sm waiting for a window slot."},
}};

std::string delay_text(const smsc::DelayRange& d) {
  if (d.fixed()) return fmt::format("{}ms", d.min.count());
  return fmt::format("{}ms-{}ms", d.min.count(), d.max.count());
}

double per_second(std::uint64_t now, std::uint64_t before, double seconds) {
  return now >= before ? static_cast<double>(now - before) / seconds : 0.0;
}

}  // namespace

ConsoleRates RateMeter::update(const smsc::SimStats& stats, Clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = stats;
    at_ = now;
    return rates_;
  }
  const double seconds = std::chrono::duration<double>(now - at_).count();
  if (seconds < 1.0) return rates_;
  rates_.submits = per_second(stats.submits, last_.submits, seconds);
  rates_.accepted = per_second(stats.accepted, last_.accepted, seconds);
  rates_.submit_errors = per_second(stats.submit_errors, last_.submit_errors, seconds);
  rates_.receipts = per_second(stats.receipts_sent, last_.receipts_sent, seconds);
  rates_.mo = per_second(stats.mo_sent, last_.mo_sent, seconds);
  last_ = stats;
  at_ = now;
  return rates_;
}

std::vector<FaultValue> fault_values(const smsc::SimConfig& c) {
  std::string statuses;
  for (const auto& [status, weight] : c.error_statuses) {
    if (!statuses.empty()) statuses += ',';
    statuses += fmt::format("{}:{}", status_name(status), weight);
  }
  return {
      {"error-rate", fmt::format("{}", c.error_rate)},
      {"error-status", statuses},
      {"response-delay", delay_text(c.response_delay)},
      {"response-delay-rate", fmt::format("{}", c.response_delay_rate)},
      {"withhold-rate", fmt::format("{}", c.withhold_rate)},
      {"drop-every", fmt::format("{}", c.drop_every)},
      {"max-submit-rate", fmt::format("{}", c.max_submit_rate)},
      {"throttle-every", fmt::format("{}", c.throttle_every)},
      {"throttle-rate", fmt::format("{}", c.throttle_rate)},
      {"queue-full-above", fmt::format("{}", c.queue_full_above)},
      {"queue-full-every", fmt::format("{}", c.queue_full_every)},
      {"queue-full-rate", fmt::format("{}", c.queue_full_rate)},
      {"account-rate", fmt::format("{}", c.account_rate)},
  };
}

std::string state_json(const ConsoleSnapshot& s) {
  nlohmann::json stats = nlohmann::json::object();
  for (const auto& f : stat_fields)
    stats[std::string(f.name)] = s.stats.*(f.member);
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& i : s.sessions) {
    sessions.push_back({{"id", i.id},
                        {"state", std::string(smsc::to_string(i.state))},
                        {"bind_type", std::string(to_string(i.bind_type))},
                        {"system_id", i.system_id},
                        {"remote", i.remote},
                        {"submits", i.submits},
                        {"in_flight", i.in_flight},
                        {"backlog", i.backlog},
                        {"pending_requests", i.pending_requests},
                        {"receipts_owed", i.receipts_owed},
                        {"mo_outstanding", i.mo_outstanding}});
  }
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& [name, value] : s.faults)
    faults.push_back({{"name", name}, {"value", value}});
  nlohmann::json j{{"uptime_seconds", s.uptime_seconds},
                   {"writable", s.writable},
                   {"recent_pdus", s.recent_pdus},
                   {"stats", std::move(stats)},
                   {"rates",
                    {{"submits", s.rates.submits},
                     {"accepted", s.rates.accepted},
                     {"submit_errors", s.rates.submit_errors},
                     {"receipts", s.rates.receipts},
                     {"mo", s.rates.mo}}},
                   {"sessions", std::move(sessions)},
                   {"faults", std::move(faults)}};
  return j.dump();
}

std::string pdus_json(std::uint64_t session, const std::vector<smsc::RecentPdu>& pdus) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : pdus) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(p.time.time_since_epoch()).count();
    list.push_back({{"time_ms", ms},
                    {"direction", p.received ? "in" : "out"},
                    {"command", std::string(command_name(p.command_id))},
                    {"status", std::string(status_name(p.status))},
                    {"sequence", p.sequence}});
  }
  return nlohmann::json{{"session", session}, {"pdus", std::move(list)}}.dump();
}

std::string metrics_text(const ConsoleSnapshot& s) {
  std::string out;
  PrometheusWriter w(out);
  for (const auto& f : stat_fields) {
    const std::string name = f.gauge ? fmt::format("aiosmpp_sim_{}", f.name)
                                     : fmt::format("aiosmpp_sim_{}_total", f.name);
    w.family(name, f.gauge ? "gauge" : "counter", f.help);
    w.sample(name, {}, static_cast<double>(s.stats.*(f.member)));
  }
  struct SessionGauge {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    double (*value)(const smsc::SimSessionInfo&);
  };
  static constexpr std::array<SessionGauge, 4> per_session{{
      {"aiosmpp_sim_session_submits_total", "counter", "submit_sm received from the session.",
       [](const smsc::SimSessionInfo& i) { return static_cast<double>(i.submits); }},
      {"aiosmpp_sim_session_in_flight", "gauge", "deliver_sm awaiting the session's response.",
       [](const smsc::SimSessionInfo& i) { return static_cast<double>(i.in_flight); }},
      {"aiosmpp_sim_session_backlog", "gauge", "deliver_sm waiting for a window slot.",
       [](const smsc::SimSessionInfo& i) { return static_cast<double>(i.backlog); }},
      {"aiosmpp_sim_session_receipts_owed", "gauge", "Receipts owed for the session's messages.",
       [](const smsc::SimSessionInfo& i) { return static_cast<double>(i.receipts_owed); }},
  }};
  for (const auto& g : per_session) {
    w.family(g.name, g.type, g.help);
    for (const auto& i : s.sessions) {
      const std::string id = std::to_string(i.id);
      w.sample(g.name, {{"session", id}, {"system_id", i.system_id}}, g.value(i));
    }
  }
  return out;
}

}  // namespace aiosmpp::smsc_sim
