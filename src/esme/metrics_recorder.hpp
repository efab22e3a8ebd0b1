#pragma once
// What the SessionMachine counts on its hot path for EsmeMetrics: fixed arrays and histograms, no
// allocation per PDU (a status above 0xFF, which 3.4 reserves for vendors, goes to a small list
// that grows once per distinct status).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "aiosmpp/esme/metrics.hpp"

namespace aiosmpp::detail {

class MetricsRecorder {
 public:
  /** A response to one of our requests, `latency` after its request was written. */
  void response(CommandId id, CommandStatus status, std::chrono::nanoseconds latency) {
    response_latency_.observe(latency);
    const auto code = static_cast<std::uint32_t>(status);
    const std::size_t kind = kind_of(id);
    if (kind < kinds.size() && code < status_slots) {
      ++by_status_[kind][code];
      return;
    }
    for (auto& [k, s, n] : other_status_) {
      if (k == id && s == status) {
        ++n;
        return;
      }
    }
    other_status_.emplace_back(id, status, 1);
  }
  /** A delivery receipt reporting `state` (nullopt: unreadable). */
  void receipt(std::optional<MessageState> state, bool final_state) noexcept {
    const auto index = state ? static_cast<std::size_t>(*state) : unknown_state;
    ++receipts_[final_state ? 1 : 0][index < state_slots ? index : unknown_state];
  }
  void read(std::size_t n) noexcept { bytes_in_ += n; }
  void written(std::size_t n) noexcept { bytes_out_ += n; }
  LatencyHistogram& receipt_latency() noexcept { return receipt_latency_; }

  /** Fills the counters and histograms of `m`. */
  void snapshot(EsmeMetrics& m) const {
    m.bytes_in = bytes_in_;
    m.bytes_out = bytes_out_;
    m.response_latency = response_latency_;
    m.receipt_latency = receipt_latency_;
    m.responses.clear();
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      for (std::uint32_t s = 0; s < status_slots; ++s) {
        if (by_status_[k][s] != 0) {
          m.responses.push_back({kinds[k], static_cast<CommandStatus>(s), by_status_[k][s]});
        }
      }
    }
    for (const auto& [id, status, n] : other_status_)
      m.responses.push_back({id, status, n});
    m.receipts.clear();
    for (std::size_t f = 0; f < 2; ++f) {
      for (std::size_t s = 0; s < state_slots; ++s) {
        if (receipts_[f][s] != 0) {
          m.receipts.push_back({static_cast<MessageState>(s), f == 1, receipts_[f][s]});
        }
      }
    }
  }

 private:
  static constexpr std::uint32_t status_slots = 256;
  static constexpr std::size_t state_slots = 10;  // message_state 0..9
  static constexpr std::size_t unknown_state = static_cast<std::size_t>(MessageState::unknown);
  // The responses to what the Esme sends; anything else (rare) goes to other_status_.
  static constexpr std::array<CommandId, 7> kinds{
      CommandId::submit_sm_resp, CommandId::submit_multi_resp, CommandId::data_sm_resp,
      CommandId::query_sm_resp,  CommandId::cancel_sm_resp,    CommandId::replace_sm_resp,
      CommandId::generic_nack};

  static std::size_t kind_of(CommandId id) noexcept {
    for (std::size_t k = 0; k < kinds.size(); ++k)
      if (kinds[k] == id) return k;
    return kinds.size();
  }

  std::array<std::array<std::uint64_t, status_slots>, kinds.size()> by_status_{};
  std::vector<std::tuple<CommandId, CommandStatus, std::uint64_t>> other_status_;
  std::array<std::array<std::uint64_t, state_slots>, 2> receipts_{};
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  LatencyHistogram response_latency_;
  LatencyHistogram receipt_latency_;
};

}  // namespace aiosmpp::detail
