#include "aiosmpp/esme/throttle_handler.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <asio/error.hpp>
#include <asio/io_context.hpp>

#include "policy_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using aiosmpp::SimpleThrottleHandler;
using aiosmpp::ThrottleHandler;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string error_of(SimpleThrottleHandler::Options options) {
  try {
    SimpleThrottleHandler handler(options);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace

TEST_CASE("throttle handler defaults are aiosmpplib's") {
  SimpleThrottleHandler handler;
  CHECK(handler.options().sampling_period == 180s);
  CHECK(handler.options().sample_size == 50u);
  CHECK(handler.options().deny_request_at == 1.0);
  CHECK(handler.throttle_delay() == 3s);
}

TEST_CASE("throttle handler rejects invalid options naming the field") {
  CHECK(error_of({.sampling_period = 0s}).find("sampling_period") != std::string::npos);
  CHECK(error_of({.deny_request_at = -0.5}).find("deny_request_at") != std::string::npos);
  CHECK(error_of({.deny_request_at = 100.5}).find("deny_request_at") != std::string::npos);
  CHECK(error_of({.deny_request_at = std::nan("")}).find("deny_request_at") != std::string::npos);
  CHECK(error_of({.throttle_wait = -1s}).find("throttle_wait") != std::string::npos);
  CHECK(error_of({.sample_size = 0}) == "no exception");
}

TEST_CASE("ESME_RTHROTTLED and ESME_RMSGQFUL count as throttling, other statuses do not") {
  CHECK(ThrottleHandler::is_throttling_status(0x58));
  CHECK(ThrottleHandler::is_throttling_status(0x14));
  CHECK_FALSE(ThrottleHandler::is_throttling_status(0x00));
  CHECK_FALSE(ThrottleHandler::is_throttling_status(0x45));
  const auto t0 = Clock::now();
  SimpleThrottleHandler handler({.sample_size = 4}, {}, t0);
  handler.record_status(0x58);
  handler.record_status(0x14);
  handler.record_status(0x00);
  handler.record_status(0x45);
  CHECK(handler.percent_throttled() == 50.0);
}

TEST_CASE("throttle handler allows until the sample is big enough") {
  const auto t0 = Clock::now();
  SimpleThrottleHandler handler({}, {}, t0);
  handler.record_responses(49, 0);  // all throttled, but fewer than sample_size
  CHECK(handler.percent_throttled() == 0.0);
  CHECK(handler.allow_request(t0 + 1s));
  handler.throttled();
  CHECK(handler.percent_throttled() == 100.0);
  CHECK_FALSE(handler.allow_request(t0 + 2s));
}

TEST_CASE("throttle handler denies above deny_request_at percent, inclusive limit allowed") {
  const auto t0 = Clock::now();
  SimpleThrottleHandler at_limit({}, {}, t0);
  at_limit.record_responses(1, 99);  // exactly 1 %
  CHECK(at_limit.percent_throttled() == 1.0);
  CHECK(at_limit.allow_request(t0 + 1s));

  SimpleThrottleHandler above({}, {}, t0);
  above.record_responses(1, 49);  // 2 %
  CHECK(above.percent_throttled() == 2.0);
  CHECK_FALSE(above.allow_request(t0 + 1s));

  SimpleThrottleHandler rounding({.sample_size = 3}, {}, t0);
  rounding.record_responses(1, 2);
  CHECK(rounding.percent_throttled() == 33.33);  // two decimals, as aiosmpplib
}

TEST_CASE("throttle handler restarts its counts after each sampling period") {
  const auto t0 = Clock::now();
  SimpleThrottleHandler handler({.sampling_period = 10s}, {}, t0);
  handler.record_responses(25, 25);
  CHECK_FALSE(handler.allow_request(t0 + 5s));
  CHECK_FALSE(handler.allow_request(t0 + 10s));  // not yet more than one period
  // The call that ends the period still decides on it (aiosmpplib), then the counts restart.
  CHECK_FALSE(handler.allow_request(t0 + 11s));
  CHECK(handler.percent_throttled() == 0.0);
  CHECK(handler.allow_request(t0 + 11s));
  // The next period is measured from the restart.
  handler.record_responses(50, 0);
  CHECK_FALSE(handler.allow_request(t0 + 20s));
  CHECK_FALSE(handler.allow_request(t0 + 22s));
  CHECK(handler.allow_request(t0 + 22s));
}

TEST_CASE("throttle handler logs allowed at DEBUG and denied at WARNING") {
  auto sink = std::make_shared<aiosmpp::test::EventSink>();
  const auto t0 = Clock::now();
  SimpleThrottleHandler handler({.sample_size = 1}, aiosmpp::Logger(sink, aiosmpp::LogLevel::trace),
                                t0);
  handler.not_throttled();
  CHECK(handler.allow_request(t0));
  handler.record_responses(5, 0);
  CHECK_FALSE(handler.allow_request(t0));
  REQUIRE(sink->entries.size() == 2);
  CHECK(sink->entries[0].level == aiosmpp::LogLevel::debug);
  CHECK(sink->entries[1].level == aiosmpp::LogLevel::warning);
  CHECK(sink->entries[1].event == "throttle_decision");
  CHECK(sink->entries[1].json.find("\"denied\"") != std::string::npos);
}

TEST_CASE("wait_until_allowed sleeps throttle_wait between checks and is cancellable") {
  asio::io_context io;
  SimpleThrottleHandler handler({.sampling_period = 30ms, .sample_size = 1, .throttle_wait = 5ms});
  handler.record_responses(10, 0);
  const auto start = Clock::now();
  CHECK_FALSE(run_coro(io, handler.wait_until_allowed()));
  // Denied until the 30 ms period is over, then one more check.
  CHECK(Clock::now() - start >= 30ms);
  CHECK(handler.allow_request(Clock::now()));

  SimpleThrottleHandler stuck({.sampling_period = 1h, .sample_size = 1, .throttle_wait = 1h});
  stuck.throttled();
  auto ec = run_coro(io, aiosmpp::test::cancel_after(stuck.wait_until_allowed(), 10ms));
  CHECK(ec == asio::error::operation_aborted);
}
