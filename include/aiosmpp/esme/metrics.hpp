#pragma once

/** @file
 *  @brief EsmeMetrics: what an Esme measured (counters by command and status, receipts by state,
 *  throttling and requeueing, reconnects, octets, in-flight and window gauges, submit-to-response
 *  and submit-to-receipt latency), as a snapshot, and its Prometheus text form. */

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/metrics.hpp"
#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"
#include "aiosmpp/pdu/enums.hpp"

namespace aiosmpp {

/** @brief A snapshot of one Esme's metrics (Esme::metrics()); pools sum them with merge(). */
struct EsmeMetrics {
  /** @brief The counters of EsmeStats (taken, responses, send_errors, throttled, requeued,
   *  connects, ...). */
  EsmeStats stats;
  std::uint64_t bytes_in = 0;   ///< octets read from the SMSC
  std::uint64_t bytes_out = 0;  ///< octets written to it
  /** @brief Responses by response command and command_status. */
  struct Responses {
    CommandId command = CommandId::submit_sm_resp;  ///< submit_sm_resp, data_sm_resp, ...
    CommandStatus status = CommandStatus::ok;       ///< its command_status
    std::uint64_t count = 0;                        ///< how many
  };
  /** @brief One entry per (command, status) seen. */
  std::vector<Responses> responses;
  /** @brief Delivery receipts by the state they report (final or not). */
  struct Receipts {
    MessageState state = MessageState::delivered;  ///< the state
    bool final = true;                             ///< whether it counted as final
    std::uint64_t count = 0;                       ///< how many
  };
  /** @brief One entry per (state, final) seen; receipts whose state could not be read count
   *  under MessageState::unknown, not final. */
  std::vector<Receipts> receipts;
  std::uint64_t window = 0;            ///< EsmeConfig::window
  std::uint64_t requeued_waiting = 0;  ///< messages waiting to be sent again now
  /** @brief FlowControl's rate in force (messages/s); empty when not limiting (or off). */
  std::optional<double> flow_rate;
  /** @brief Messages in the broker, when the broker can tell (SimpleBroker can). */
  std::optional<std::uint64_t> broker_depth;
  /** @brief From a request's send (its batch queued for writing) to its response read. */
  LatencyHistogram response_latency;
  /** @brief From a message's first send to its final delivery receipt (only receipts matched in
   *  this process, for at most the latest 100,000 messages awaiting one). */
  LatencyHistogram receipt_latency;

  /** @brief Adds `other` (another bind of a pool): counters and histograms summed, gauges
   *  summed, flow_rate kept when the same FlowControl is shared. */
  void merge(const EsmeMetrics& other);
};

/** @brief One Esme's snapshot and the client_id its samples are labelled with. */
struct LabelledMetrics {
  std::string_view client_id;  ///< the `client_id` label
  const EsmeMetrics* metrics;  ///< not null
};

/** @brief Appends the metrics of several Esmes (the binds of a pool, say) in the Prometheus text
 *  exposition format: each family's HELP and TYPE once, then one sample per Esme labelled
 *  client_id="...". Family names start with `aiosmpp_esme_`; docs/guides/metrics.md lists them. */
void write_prometheus(std::span<const LabelledMetrics> all, std::string& out);

/** @brief The same for one Esme. */
void write_prometheus(const EsmeMetrics& metrics, std::string_view client_id, std::string& out);

}  // namespace aiosmpp
