#pragma once

/** @file
 *  @brief Adaptive flow control (slow down when the SMSC throttles, speed up while it does not)
 *  and the requeue policy (which answers send a message again, after how long, how often). */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "aiosmpp/log.hpp"
#include "aiosmpp/pdu/command_status.hpp"

namespace aiosmpp {

/** @brief Settings of FlowControl (EsmeConfig::flow_control). */
struct FlowControlOptions {
  /** @brief Off: the Esme sends as fast as the window (and a RateLimiter) allow. */
  bool enabled = true;
  /** @brief Responses are judged per period: the share throttled in one period decides the next
   *  period's rate. > 0. */
  std::chrono::milliseconds period{1000};
  /** @brief Fewer responses than this in a period decide nothing (a quiet link is no signal). */
  std::size_t min_samples = 10;
  /** @brief Above this share of ESME_RTHROTTLED / ESME_RMSGQFUL responses in a period, the
   *  sending is too fast. 0 < threshold < 1. */
  double throttle_threshold = 0.01;
  /** @brief The rate never goes below this (messages per second). > 0. */
  double min_rate = 1.0;
  /** @brief Additive increase: each period without throttling adds this share of the rate set by
   *  the last decrease (at least one message per second). > 0. */
  double increase = 0.1;
  /** @brief SMPP 5.0 congestion_state (0 idle .. 80-89 optimum, 90-99 nearing congestion, 100
   *  congested; docs/smpp-5.0.md): a period whose highest reported value is at or above this
   *  lowers the rate in proportion to how far above it is (by a twentieth at the threshold
   *  with the default, by half at 100); below it the normal increase resumes. 1..100; 100 reacts
   *  to "congested" only. */
  std::uint8_t congestion_threshold = 90;
};

/** @brief Adaptive rate for one SMSC account: multiplicative decrease when the SMSC throttles,
 *  additive increase while it does not (the AIMD rule TCP uses for its window).
 *
 *  While no throttling has been seen, nothing is limited. When the throttled share of a period's
 *  responses passes FlowControlOptions::throttle_threshold, the rate becomes what the SMSC
 *  accepted in that period (the send rate times the share not throttled), so an SMSC that limits
 *  by rate is matched in one period. When a lower rate did not lower the throttled share (an SMSC
 *  that throttles whatever the rate), the rate is not lowered further but raised again: throttled
 *  messages are then handled by the requeue policy alone. Each period without throttling adds
 *  FlowControlOptions::increase; once the rate is far above what is actually sent, the limit is
 *  dropped. An SMPP 5.0 SMSC's congestion_state (record_congestion()) lowers the rate the same
 *  way before any throttling, in proportion to how far it is above the threshold.
 *
 *  Sans-io (every call takes the time) and thread-safe (a mutex): one FlowControl may be shared
 *  by the binds of a pool, so that they slow down together on one account's budget. */
class FlowControl {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;

  /** @brief Counters since construction. */
  struct Stats {
    std::uint64_t decreases = 0;             ///< periods that lowered the rate
    std::uint64_t increases = 0;             ///< periods that raised it
    std::uint64_t releases = 0;              ///< times the limit was dropped
    std::uint64_t congestion_decreases = 0;  ///< decreases caused by congestion_state
  };

  /** @throws std::invalid_argument naming the field and the limit. */
  explicit FlowControl(FlowControlOptions options = {}, Logger logger = {});

  /** @brief How many of `n` messages may be sent at `now` (taken from the budget at once); 0
   *  means none now, and `retry_at` says when one may. All of them when not limiting. */
  std::size_t acquire(std::size_t n, Clock::time_point now, Clock::time_point& retry_at);
  /** @brief Responses seen at `now`: `throttled` of them were ESME_RTHROTTLED or ESME_RMSGQFUL. */
  void record(std::size_t throttled, std::size_t clean, Clock::time_point now);
  /** @brief An SMPP 5.0 response at `now` reported congestion_state `value` (0-100; more counts as
   *  100). The period's highest value is judged with its responses (record()): at or above
   *  FlowControlOptions::congestion_threshold the rate goes down before the SMSC throttles. */
  void record_congestion(std::uint8_t value, Clock::time_point now);
  /** @brief The rate in force (messages per second), or nullopt when not limiting. */
  std::optional<double> rate() const;
  /** @brief Counters. */
  Stats stats() const;
  /** @brief The settings. */
  const FlowControlOptions& options() const noexcept { return options_; }

 private:
  void evaluate_locked(Clock::time_point now);
  void increase_locked(double sent_rate, double share);
  void congestion_decrease_locked(double sent_rate, unsigned congestion, Clock::time_point now);
  void limit_locked(double rate, Clock::time_point now);
  void refill_locked(Clock::time_point now);

  FlowControlOptions options_;
  Logger logger_;
  mutable std::mutex mutex_;
  bool limiting_ = false;
  double rate_ = 0;
  double rate_at_decrease_ = 0;
  double share_at_decrease_ = 0;   // the throttled share that caused the last decrease
  bool judging_decrease_ = false;  // the period after a decrease shows whether it helped
  double insensitive_share_ = 0;   // throttling at this share did not respond to a lower rate
  double tokens_ = 0;
  Clock::time_point refilled_at_{};
  bool started_ = false;
  Clock::time_point period_start_{};
  std::size_t period_sent_ = 0;
  std::size_t period_throttled_ = 0;
  std::size_t period_clean_ = 0;
  unsigned period_congestion_ = 0;  // the highest congestion_state reported in the period
  Stats stats_;
};

/** @brief Settings of SimpleRequeuePolicy (EsmeConfig::requeue). */
struct RequeueOptions {
  /** @brief The statuses that send the message again (default ESME_RTHROTTLED and
   *  ESME_RMSGQFUL); every other status is final. Empty: nothing is requeued. */
  std::vector<CommandStatus> statuses{CommandStatus::throttled, CommandStatus::message_queue_full};
  /** @brief Sends of one message at most, the first included (>= 1); then the SMSC's last answer
   *  is its outcome. */
  std::size_t max_attempts = 10;
  /** @brief Time from the first send after which the SMSC's last answer is final. > 0. */
  std::chrono::milliseconds budget{120'000};
  /** @brief Delay before the second send; it doubles per send up to max_delay. > 0. */
  std::chrono::milliseconds first_delay{250};
  /** @brief The longest delay. >= first_delay. */
  std::chrono::milliseconds max_delay{10'000};
  /** @brief Each delay is drawn uniformly in [d * (1 - jitter), d] so that requeued messages do
   *  not return in step. 0 <= jitter < 1. */
  double jitter = 0.2;
};

/** @brief Decides, for a response that is not final, whether and when the Esme sends the message
 *  again. A requeued message stays inside the Esme (it counts as taken, but waits outside the
 *  window, in a holding area bounded by EsmeConfig::requeue_limit) and ends in exactly one
 *  outcome: the response that is final, or, when the Esme stops first, the last response it got.
 *  Called on the Esme's executor. */
class RequeuePolicy {
 public:
  /** @brief The clock of the durations passed in. */
  using Clock = std::chrono::steady_clock;
  virtual ~RequeuePolicy() = default;
  /** @brief The delay before sending again a message answered `status` after `attempts` sends,
   *  the first `since_first` ago; nullopt: `status` is its outcome. Never called for ESME_ROK. */
  virtual std::optional<Clock::duration> requeue_after(CommandStatus status, std::size_t attempts,
                                                       Clock::duration since_first) = 0;
};

/** @brief The default RequeuePolicy: RequeueOptions' statuses are sent again with exponential,
 *  jittered delays, within max_attempts and the time budget. */
class SimpleRequeuePolicy final : public RequeuePolicy {
 public:
  /** @throws std::invalid_argument naming the field and the limit. */
  explicit SimpleRequeuePolicy(RequeueOptions options = {},
                               std::uint32_t seed = std::random_device{}());
  std::optional<Clock::duration> requeue_after(CommandStatus status, std::size_t attempts,
                                               Clock::duration since_first) override;
  /** @brief The settings. */
  const RequeueOptions& options() const noexcept { return options_; }

 private:
  RequeueOptions options_;
  std::minstd_rand random_;
};

}  // namespace aiosmpp
