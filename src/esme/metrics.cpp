#include "aiosmpp/esme/metrics.hpp"

#include <array>

#include <fmt/format.h>

namespace aiosmpp {

namespace {

template <class Entry, class Same>
void add_entries(std::vector<Entry>& into, const std::vector<Entry>& from, Same same) {
  for (const auto& e : from) {
    bool found = false;
    for (auto& mine : into) {
      if (same(mine, e)) {
        mine.count += e.count;
        found = true;
        break;
      }
    }
    if (!found) into.push_back(e);
  }
}

using Label = PrometheusWriter::Label;

// A family whose samples are one number per Esme.
struct Scalar {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  double (*get)(const EsmeMetrics&);
};

template <auto Member>
double stat(const EsmeMetrics& m) {
  return static_cast<double>(m.stats.*Member);
}

const std::array<Scalar, 18> scalars{{
    {"aiosmpp_esme_taken_total", "counter", "Messages taken from the broker or sent directly.",
     stat<&EsmeStats::taken>},
    {"aiosmpp_esme_outcome_responses_total", "counter",
     "Messages that ended with a response (any command_status).", stat<&EsmeStats::responses>},
    {"aiosmpp_esme_outcome_send_errors_total", "counter",
     "Messages that ended without a response (invalid, not sent, outcome unknown).",
     stat<&EsmeStats::send_errors>},
    {"aiosmpp_esme_late_responses_total", "counter",
     "Responses that matched no request in flight (after a timeout).",
     stat<&EsmeStats::late_responses>},
    {"aiosmpp_esme_received_total", "counter", "Requests from the SMSC (deliver_sm, data_sm, ...).",
     stat<&EsmeStats::received>},
    {"aiosmpp_esme_binds_total", "counter", "Successful binds (reconnects are binds - 1).",
     stat<&EsmeStats::connects>},
    {"aiosmpp_esme_throttled_total", "counter", "Responses with ESME_RTHROTTLED or ESME_RMSGQFUL.",
     stat<&EsmeStats::throttled>},
    {"aiosmpp_esme_requeued_total", "counter", "Times a message was kept to be sent again.",
     stat<&EsmeStats::requeued>},
    {"aiosmpp_esme_held_receipts_total", "counter",
     "Receipts that arrived before their response and were held by the correlator.",
     stat<&EsmeStats::held_receipts>},
    {"aiosmpp_esme_repeated_receipts_total", "counter",
     "Receipts the SMSC offered again after the final one (flagged as repeats).",
     stat<&EsmeStats::repeated_receipts>},
    {"aiosmpp_esme_in_flight", "gauge", "Requests awaiting a response.",
     stat<&EsmeStats::in_flight>},
    {"aiosmpp_esme_max_in_flight", "gauge", "The most requests in flight so far.",
     stat<&EsmeStats::max_in_flight>},
    {"aiosmpp_esme_window", "gauge", "The window: requests in flight at most.",
     [](const EsmeMetrics& m) { return static_cast<double>(m.window); }},
    {"aiosmpp_esme_requeued_waiting", "gauge", "Messages waiting to be sent again.",
     [](const EsmeMetrics& m) { return static_cast<double>(m.requeued_waiting); }},
    {"aiosmpp_esme_flow_rate", "gauge",
     "The send rate flow control allows (messages/s); 0 when it does not limit.",
     [](const EsmeMetrics& m) { return m.flow_rate.value_or(0.0); }},
    {"aiosmpp_esme_broker_depth", "gauge", "Messages in the broker (-1 when it cannot tell).",
     [](const EsmeMetrics& m) {
       return m.broker_depth ? static_cast<double>(*m.broker_depth) : -1.0;
     }},
    {"aiosmpp_esme_read_bytes_total", "counter", "Octets read from the SMSC.",
     [](const EsmeMetrics& m) { return static_cast<double>(m.bytes_in); }},
    {"aiosmpp_esme_written_bytes_total", "counter", "Octets written to the SMSC.",
     [](const EsmeMetrics& m) { return static_cast<double>(m.bytes_out); }},
}};

}  // namespace

void EsmeMetrics::merge(const EsmeMetrics& o) {
  stats.taken += o.stats.taken;
  stats.responses += o.stats.responses;
  stats.send_errors += o.stats.send_errors;
  stats.late_responses += o.stats.late_responses;
  stats.received += o.stats.received;
  stats.connects += o.stats.connects;
  stats.in_flight += o.stats.in_flight;
  stats.max_in_flight += o.stats.max_in_flight;
  stats.throttled += o.stats.throttled;
  stats.requeued += o.stats.requeued;
  bytes_in += o.bytes_in;
  bytes_out += o.bytes_out;
  window += o.window;
  requeued_waiting += o.requeued_waiting;
  if (!flow_rate) flow_rate = o.flow_rate;
  if (!broker_depth) broker_depth = o.broker_depth;
  add_entries(responses, o.responses, [](const Responses& a, const Responses& b) {
    return a.command == b.command && a.status == b.status;
  });
  add_entries(receipts, o.receipts, [](const Receipts& a, const Receipts& b) {
    return a.state == b.state && a.final == b.final;
  });
  response_latency.merge(o.response_latency);
  receipt_latency.merge(o.receipt_latency);
}

void write_prometheus(std::span<const LabelledMetrics> all, std::string& out) {
  PrometheusWriter w(out);
  for (const auto& s : scalars) {
    w.family(s.name, s.type, s.help);
    for (const auto& [client_id, m] : all)
      w.sample(s.name, {{"client_id", client_id}}, s.get(*m));
  }
  w.family("aiosmpp_esme_responses_total", "counter",
           "Responses to the Esme's requests by command and command_status.");
  for (const auto& [client_id, m] : all) {
    for (const auto& r : m->responses) {
      const std::string status = fmt::format("0x{:08x}", static_cast<std::uint32_t>(r.status));
      w.sample("aiosmpp_esme_responses_total",
               {{"client_id", client_id},
                {"command", command_name(r.command)},
                {"status", status_name(r.status)},
                {"status_code", status}},
               static_cast<double>(r.count));
    }
  }
  w.family("aiosmpp_esme_receipts_total", "counter",
           "Delivery receipts by the state they report and whether it counted as final.");
  for (const auto& [client_id, m] : all) {
    for (const auto& r : m->receipts) {
      w.sample("aiosmpp_esme_receipts_total",
               {{"client_id", client_id},
                {"state", to_string(r.state)},
                {"final", r.final ? "true" : "false"}},
               static_cast<double>(r.count));
    }
  }
  w.family("aiosmpp_esme_response_latency_seconds", "histogram",
           "From a request's send (queued for writing) to its response read.");
  for (const auto& [client_id, m] : all) {
    const std::array<Label, 1> labels{{{"client_id", client_id}}};
    w.histogram("aiosmpp_esme_response_latency_seconds", labels, m->response_latency);
  }
  w.family("aiosmpp_esme_receipt_latency_seconds", "histogram",
           "From a message's first send to its final delivery receipt.");
  for (const auto& [client_id, m] : all) {
    const std::array<Label, 1> labels{{{"client_id", client_id}}};
    w.histogram("aiosmpp_esme_receipt_latency_seconds", labels, m->receipt_latency);
  }
}

void write_prometheus(const EsmeMetrics& metrics, std::string_view client_id, std::string& out) {
  const LabelledMetrics one{client_id, &metrics};
  write_prometheus(std::span<const LabelledMetrics>(&one, 1), out);
}

}  // namespace aiosmpp
