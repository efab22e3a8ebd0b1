#pragma once

/** @file
 *  @brief ThrottleHandler: backs off when the SMSC answers ESME_RTHROTTLED or ESME_RMSGQFUL;
 *  SimpleThrottleHandler, the default (aiosmpplib's percentage-of-throttled-responses algorithm).
 */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <system_error>

#include <asio/awaitable.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp {

/** @brief Decides, from the SMSC's responses, whether the ESME may send more requests now.
 *
 *  The ESME reports the command_status of each response to a request the application sent
 * (submit_sm, data_sm, ...; not bind, enquire_link or unbind), batched: after decoding a read
 * buffer it calls record_responses() once with the counts. Before taking a batch from the broker it
 * calls allow_request() with the batch timestamp; when that denies, it `co_await`s
 * wait_until_allowed(). All calls come from the ESME's executor. */
class ThrottleHandler {
 public:
  /** @brief The clock of the times passed in. */
  using Clock = std::chrono::steady_clock;

  /** @brief The statuses that count as throttling: ESME_RTHROTTLED (0x58) and ESME_RMSGQFUL (0x14),
   *  as in aiosmpplib. */
  static constexpr bool is_throttling_status(std::uint32_t command_status) noexcept {
    return command_status == 0x00000058 || command_status == 0x00000014;
  }

  virtual ~ThrottleHandler() = default;

  /** @brief Counts `throttled` throttling responses and `not_throttled` other responses. */
  virtual void record_responses(std::size_t throttled, std::size_t not_throttled) = 0;

  /** @brief Whether a request may be sent at `now`. */
  virtual bool allow_request(Clock::time_point now) = 0;

  /** @brief How long to wait after allow_request() denied before asking again. */
  virtual Clock::duration throttle_delay() = 0;

  /** @brief Waits until allow_request(Clock::now()) allows, sleeping throttle_delay() on a
   *  steady_timer between attempts (the default; an asynchronous implementation may override).
   *  @return an empty error_code when allowed; `asio::error::operation_aborted` when the awaiting
   *  coroutine was cancelled (terminal, partial or total). */
  virtual asio::awaitable<std::error_code> wait_until_allowed();

  /** @brief record_responses(1, 0). */
  void throttled() { record_responses(1, 0); }
  /** @brief record_responses(0, 1). */
  void not_throttled() { record_responses(0, 1); }
  /** @brief Counts one response by its command_status (see is_throttling_status). */
  void record_status(std::uint32_t command_status) {
    if (is_throttling_status(command_status)) {
      throttled();
    } else {
      not_throttled();
    }
  }
};

/** @brief aiosmpplib's SimpleThrottleHandler.
 *
 *  Counts throttling and other responses. Once at least `sample_size` responses are counted, the
 *  percentage of throttling ones (rounded to two decimals) is compared with `deny_request_at`:
 *  above it, requests are denied and the ESME waits `throttle_wait` before asking again. The counts
 *  restart when allow_request() is called more than `sampling_period` after the last restart, so a
 *  denial lasts at most until the end of the current sampling period (aiosmpplib behaves the same).
 *
 *  Thread-safe (a mutex). */
class SimpleThrottleHandler final : public ThrottleHandler {
 public:
  /** @brief Sampling and denial thresholds. */
  struct Options {
    /** @brief Window over which the percentage is computed; > 0. Default 180 s. */
    Clock::duration sampling_period = std::chrono::seconds(180);
    /** @brief Minimum responses in the window before any denial; default 50. */
    std::size_t sample_size = 50;
    /** @brief Deny when the throttled percentage exceeds this; 0..100, default 1.0 (%). */
    double deny_request_at = 1.0;
    /** @brief Wait after a denial; > 0. Default 3 s. */
    Clock::duration throttle_wait = std::chrono::seconds(3);
  };

  /** @brief `start`: when the first sampling period begins (tests pass their own clock's origin).
   *  `logger`: each decision at DEBUG when allowed, WARNING when denied (event
   *  "throttle_decision").
   *  @throws std::invalid_argument naming the field and the limit. */
  explicit SimpleThrottleHandler(Options options, Logger logger = {},
                                 Clock::time_point start = Clock::now());
  SimpleThrottleHandler() : SimpleThrottleHandler(Options{}) {}

  void record_responses(std::size_t throttled, std::size_t not_throttled) override;
  bool allow_request(Clock::time_point now) override;
  Clock::duration throttle_delay() override { return options_.throttle_wait; }

  /** @brief Percentage of throttling responses in the current period, rounded to two decimals;
   *  0 while fewer than `sample_size` responses were counted. */
  double percent_throttled() const;
  /** @brief The options in use. */
  const Options& options() const noexcept { return options_; }

 private:
  double percent_locked() const noexcept;

  Options options_;
  Logger logger_;
  mutable std::mutex mutex_;
  std::size_t throttled_ = 0;
  std::size_t not_throttled_ = 0;
  Clock::time_point updated_at_;
};

}  // namespace aiosmpp
