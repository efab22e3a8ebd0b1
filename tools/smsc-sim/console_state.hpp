#pragma once

// What the web console shows, rendered from a snapshot taken on the simulator's executor: the
// JSON of /api/state and /api/sessions/N/pdus, and /metrics in the Prometheus text format. No
// HTTP here, so the tests render and parse it directly.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "aiosmpp/smsc/simulator.hpp"

namespace aiosmpp::smsc_sim {

/** Per-second rates over the interval since the previous sample (at least a second). */
struct ConsoleRates {
  double submits = 0;
  double accepted = 0;
  double submit_errors = 0;
  double receipts = 0;
  double mo = 0;
};

/** Derives ConsoleRates from successive counters; lives on the simulator's executor. */
class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  /** The rates at `now`: recomputed when the last sample is a second old or more. */
  ConsoleRates update(const smsc::SimStats& stats, Clock::time_point now);

 private:
  smsc::SimStats last_{};
  Clock::time_point at_{};
  bool started_ = false;
  ConsoleRates rates_{};
};

/** One option of smsc::sim_runtime_options() and its value, as apply_sim_option() reads it. */
using FaultValue = std::pair<std::string, std::string>;

/** The current values of the runtime options (in sim_runtime_options() order). */
std::vector<FaultValue> fault_values(const smsc::SimConfig& config);

/** Everything /api/state and /metrics show. */
struct ConsoleSnapshot {
  smsc::SimStats stats;
  std::vector<smsc::SimSessionInfo> sessions;
  std::vector<FaultValue> faults;
  ConsoleRates rates;
  double uptime_seconds = 0;
  std::size_t recent_pdus = 0;  ///< the per-session bound
  bool writable = false;        ///< a token is configured
};

/** The JSON of /api/state. */
std::string state_json(const ConsoleSnapshot& snapshot);
/** The JSON of /api/sessions/N/pdus. */
std::string pdus_json(std::uint64_t session, const std::vector<smsc::RecentPdu>& pdus);
/** /metrics: the counters, gauges and per-session gauges in the Prometheus text format. */
std::string metrics_text(const ConsoleSnapshot& snapshot);

}  // namespace aiosmpp::smsc_sim
