// FlowControl (adaptive rate) and SimpleRequeuePolicy, with a fake clock.

#include <stdexcept>
#include <vector>

#include "aiosmpp/esme/flow_control.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Sends as fast as `fc` allows for `duration` in 1 ms steps while an SMSC accepting at most
// `limit_per_s` per second throttles the rest; returns what was sent and what was accepted.
struct Run {
  std::size_t sent = 0;
  std::size_t accepted = 0;
};

Run drive(FlowControl& fc, Clock::time_point& now, Clock::duration duration, double limit_per_s,
          std::size_t demand_per_ms = 100) {
  Run run;
  double allowance = 0;
  const auto end = now + duration;
  for (; now < end; now += 1ms) {
    allowance = std::min(allowance + limit_per_s / 1000.0, limit_per_s / 100.0);
    Clock::time_point retry{};
    const std::size_t n = fc.acquire(demand_per_ms, now, retry);
    std::size_t ok = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (allowance >= 1.0) {
        allowance -= 1.0;
        ++ok;
      }
    }
    fc.record(n - ok, ok, now);
    run.sent += n;
    run.accepted += ok;
  }
  return run;
}

}  // namespace

TEST_CASE("flow control: nothing is limited until the SMSC throttles", "[esme][flow]") {
  FlowControl fc;
  Clock::time_point now{};
  Clock::time_point retry{};
  CHECK(fc.acquire(1000, now, retry) == 1000);
  fc.record(0, 1000, now + 2s);
  CHECK_FALSE(fc.rate());
}

TEST_CASE("flow control: an SMSC limiting by rate is matched, and throttling stops",
          "[esme][flow]") {
  FlowControl fc;
  Clock::time_point now{};
  drive(fc, now, 2s, 500);  // 100,000/s wanted, 500/s allowed
  REQUIRE(fc.rate());
  CHECK(*fc.rate() < 1000);
  CHECK(fc.stats().decreases >= 1);
  // Settled: most of what is sent is accepted, close to the limit.
  const Run settled = drive(fc, now, 10s, 500);
  CHECK(settled.accepted >= 4000);  // at least 80% of the 5,000 the limit allows
  CHECK(static_cast<double>(settled.accepted) / static_cast<double>(settled.sent) > 0.85);
  CHECK(fc.stats().increases >= 1);  // it probes upward again while clean
}

TEST_CASE("flow control: throttling that ignores the rate does not collapse it", "[esme][flow]") {
  FlowControl fc;
  Clock::time_point now{};
  // Every fourth response throttled, however slowly we send.
  std::size_t counter = 0;
  double first_rate = 0;
  for (int period = 0; period < 20; ++period) {
    for (int ms = 0; ms < 1000; ++ms, now += 1ms) {
      Clock::time_point retry{};
      const std::size_t n = fc.acquire(10, now, retry);
      std::size_t throttled = 0;
      for (std::size_t i = 0; i < n; ++i)
        throttled += (++counter % 4 == 0) ? 1U : 0U;
      fc.record(throttled, n - throttled, now);
    }
    if (period == 1 && fc.rate()) first_rate = *fc.rate();
  }
  REQUIRE(first_rate > 0);
  // After the first decrease showed no effect, the rate climbed back instead of halving again.
  CHECK(fc.stats().decreases <= 3);
  CHECK((!fc.rate() || *fc.rate() > first_rate));
}

TEST_CASE("flow control: options are checked", "[esme][flow]") {
  CHECK_THROWS_AS(FlowControl(FlowControlOptions{.period = 0ms}), std::invalid_argument);
  CHECK_THROWS_AS(FlowControl(FlowControlOptions{.throttle_threshold = 1.5}),
                  std::invalid_argument);
  CHECK_THROWS_AS(FlowControl(FlowControlOptions{.min_rate = 0}), std::invalid_argument);
  CHECK_THROWS_AS(FlowControl(FlowControlOptions{.congestion_threshold = 0}),
                  std::invalid_argument);
  CHECK_THROWS_AS(FlowControl(FlowControlOptions{.congestion_threshold = 101}),
                  std::invalid_argument);
}

namespace {

// An SMPP 5.0 SMSC of `capacity` messages per second: it accepts within that (a bucket of 10 ms)
// and throttles the rest, and reports congestion_state as its load, 100 * (what it received in
// the last 100 ms) / (what it can take in 100 ms). The demand rises linearly from `from` to `to`
// messages per second over `duration`. With `feed`, the congestion_state reaches the FlowControl.
Run drive_rising(FlowControl& fc, Clock::time_point& now, Clock::duration duration, double from,
                 double to, double capacity, bool feed) {
  Run run;
  double allowance = 0;
  double wanted = 0;
  std::vector<std::size_t> window(100, 0);  // received per ms, the last 100 ms
  std::size_t in_window = 0;
  const auto start = now;
  const auto end = now + duration;
  for (std::size_t ms = 0; now < end; now += 1ms, ++ms) {
    const double t = std::chrono::duration<double>(now - start).count() /
                     std::chrono::duration<double>(duration).count();
    wanted += (from + (to - from) * t) / 1000.0;
    allowance = std::min(allowance + capacity / 1000.0, capacity / 100.0);
    Clock::time_point retry{};
    const auto n = fc.acquire(static_cast<std::size_t>(wanted), now, retry);
    wanted -= static_cast<double>(n);
    std::size_t ok = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (allowance >= 1.0) {
        allowance -= 1.0;
        ++ok;
      }
    }
    in_window = in_window - window[ms % 100] + n;
    window[ms % 100] = n;
    const double load = 100.0 * static_cast<double>(in_window) / (capacity / 10.0);
    if (feed && n > 0) fc.record_congestion(static_cast<std::uint8_t>(std::min(load, 100.0)), now);
    fc.record(n - ok, ok, now);
    run.sent += n;
    run.accepted += ok;
  }
  return run;
}

}  // namespace

TEST_CASE("flow control: rising congestion_state slows the sender before the SMSC throttles",
          "[esme][flow][congestion]") {
  // The demand rises from half the SMSC's capacity to twice it. Without congestion_state the
  // sender only learns of the limit from ESME_RTHROTTLED; with it, it never gets one.
  Clock::time_point now{};
  FlowControl blind;
  const Run without = drive_rising(blind, now, 30s, 1000, 4000, 2000, false);
  CHECK(without.sent > without.accepted);  // the SMSC throttled

  now = {};
  FlowControl fc;
  const Run with = drive_rising(fc, now, 30s, 1000, 4000, 2000, true);
  CHECK(with.sent == with.accepted);  // not one throttled
  CHECK(fc.stats().congestion_decreases > 0);
  CHECK(fc.stats().increases > 0);  // below the threshold the rate climbs back
  REQUIRE(fc.rate());
  CHECK(*fc.rate() < 2000);
  // Most of the capacity is still used (the rate hovers below the nearing-congestion band).
  CHECK(with.accepted > 30 * 1000);
}

TEST_CASE("flow control: the decrease is proportional to congestion_state above the threshold",
          "[esme][flow][congestion]") {
  auto after = [](std::uint8_t congestion) {
    FlowControl fc;
    Clock::time_point now{};
    Clock::time_point retry{};
    REQUIRE(fc.acquire(1000, now, retry) == 1000);  // 1000 in the first second
    fc.record_congestion(congestion, now + 500ms);
    fc.record(0, 1000, now + 1s);
    return fc.rate();
  };
  CHECK_FALSE(after(89));  // below the threshold: nothing to do
  const auto at90 = after(90);
  const auto at95 = after(95);
  const auto at100 = after(100);
  REQUIRE(at90);
  REQUIRE(at95);
  REQUIRE(at100);
  CHECK(*at90 < 1000);
  CHECK(*at95 < *at90);
  CHECK(*at100 < *at95);
  CHECK(*at100 == Approx(500));  // congested: half
  CHECK(after(250) == at100);    // out of range counts as 100
}

TEST_CASE(
    "flow control: congestion_state of a quiet period decides nothing, and the threshold "
    "is configurable",
    "[esme][flow][congestion]") {
  FlowControl fc;
  Clock::time_point now{};
  fc.record_congestion(100, now);
  fc.record(0, 5, now + 2s);  // fewer than min_samples
  CHECK_FALSE(fc.rate());

  FlowControlOptions options;
  options.congestion_threshold = 100;  // only "congested" counts
  FlowControl late(options);
  Clock::time_point retry{};
  REQUIRE(late.acquire(1000, now, retry) == 1000);
  late.record_congestion(99, now);
  late.record(0, 1000, now + 1s);
  CHECK_FALSE(late.rate());
  REQUIRE(late.acquire(1000, now + 1s, retry) == 1000);
  late.record_congestion(100, now + 1s);
  late.record(0, 1000, now + 2s);
  CHECK(late.rate());
}

TEST_CASE("requeue policy: throttled and queue-full are sent again, with growing delays",
          "[esme][flow]") {
  SimpleRequeuePolicy p(RequeueOptions{.first_delay = 100ms, .max_delay = 1000ms, .jitter = 0});
  CHECK(p.requeue_after(CommandStatus::throttled, 1, 0ms) == std::chrono::milliseconds(100));
  CHECK(p.requeue_after(CommandStatus::message_queue_full, 2, 100ms) ==
        std::chrono::milliseconds(200));
  CHECK(p.requeue_after(CommandStatus::throttled, 5, 1s) == std::chrono::milliseconds(1000));
  CHECK_FALSE(p.requeue_after(CommandStatus::invalid_dest_address, 1, 0ms));
  CHECK_FALSE(p.requeue_after(CommandStatus::system_error, 1, 0ms));
}

TEST_CASE("requeue policy: attempts and the time budget end it", "[esme][flow]") {
  SimpleRequeuePolicy p(
      RequeueOptions{.max_attempts = 3, .budget = 5000ms, .first_delay = 100ms, .jitter = 0});
  CHECK(p.requeue_after(CommandStatus::throttled, 2, 0ms));
  CHECK_FALSE(p.requeue_after(CommandStatus::throttled, 3, 0ms));
  CHECK_FALSE(p.requeue_after(CommandStatus::throttled, 1, 4950ms));
}

TEST_CASE("requeue policy: jitter stays within its band", "[esme][flow]") {
  SimpleRequeuePolicy p(RequeueOptions{.first_delay = 1000ms, .jitter = 0.2}, 42);
  for (int i = 0; i < 100; ++i) {
    const auto d = *p.requeue_after(CommandStatus::throttled, 1, 0ms);
    CHECK(d >= 800ms);
    CHECK(d <= 1000ms);
  }
  CHECK_THROWS_AS(SimpleRequeuePolicy(RequeueOptions{.jitter = 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(SimpleRequeuePolicy(RequeueOptions{.max_attempts = 0}), std::invalid_argument);
}
