#pragma once

// LogBudget: at most N lines of one warning kind per second. A hostile client can trigger a
// warning per connection or per PDU (connection_refused, response_timeout, receipt_dropped,
// tls_handshake_failed); the log of a server under attack stays bounded at N lines per kind per
// second. The lines over it are counted, and the next line written says how many were left out
// before it ("suppressed"). In core because both the server (smsc) and the TLS port (tls, a layer
// below smsc) bound their warnings with it.

#include <chrono>
#include <cstdint>

namespace aiosmpp::detail {

class LogBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second 0: no limit.
  explicit LogBudget(std::uint32_t per_second = 0) noexcept : per_second_(per_second) {}

  // Whether a line may be written at `now`; false counts it as suppressed.
  bool take(Clock::time_point now) noexcept {
    if (per_second_ == 0) return true;
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      used_ = 0;
    }
    if (used_ < per_second_) {
      ++used_;
      return true;
    }
    ++pending_;
    ++total_;
    return false;
  }
  // Lines suppressed since the last one written (for that line's "suppressed" field); resets.
  std::uint64_t take_pending() noexcept {
    const auto n = pending_;
    pending_ = 0;
    return n;
  }
  std::uint64_t suppressed_total() const noexcept { return total_; }

 private:
  std::uint32_t per_second_;
  std::uint32_t used_ = 0;
  Clock::time_point window_start_{};
  std::uint64_t pending_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace aiosmpp::detail
