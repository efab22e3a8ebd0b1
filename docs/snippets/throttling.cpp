// docs/guides/throttling.md: rate limits, the SMSC's throttling answers, and the window.
// Runs without a network: it builds the ESMEs (no connection is made) and checks the limiter.

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"

int main() {
  try {
    asio::io_context io;
    // snippet-begin: limits
    // The operator allows 50 submit_sm per second on this account, bursts of 10.
    auto limiter = std::make_shared<aiosmpp::TokenBucketRateLimiter>(50.0, 10.0);

    aiosmpp::EsmeConfig config{.system_id = "acme", .password = "secret"};
    config.window = 10;  // at most 10 submit_sm awaiting their response
    // Flow control and requeueing are on by default: nothing to plug for throttling answers.
    aiosmpp::Esme esme(io.get_executor(), config, {.rate_limiter = limiter});
    // snippet-end: limits

    // snippet-begin: shared
    // Two connections on the same account share one limiter, so together they keep 50/s.
    aiosmpp::EsmeConfig second = config;
    second.client_id = "acme-2";
    aiosmpp::Esme esme2(io.get_executor(), second, {.rate_limiter = limiter});
    // snippet-end: shared

    // snippet-begin: aiosmpplib
    // aiosmpplib's behaviour instead: a throttled message is its outcome (not sent again), and
    // sending pauses 2 s whenever more than 5% of the last 20+ responses in a 60 s period were
    // ESME_RTHROTTLED or ESME_RMSGQFUL. Flow control and requeueing are turned off, so the
    // handler's pauses are the only reaction.
    aiosmpp::EsmeConfig compat = config;
    compat.client_id = "acme-compat";
    compat.requeue.statuses.clear();
    compat.flow_control.enabled = false;
    auto throttle = std::make_shared<aiosmpp::SimpleThrottleHandler>(
        aiosmpp::SimpleThrottleHandler::Options{.sampling_period = std::chrono::seconds(60),
                                                .sample_size = 20,
                                                .deny_request_at = 5.0,
                                                .throttle_wait = std::chrono::seconds(2)});
    aiosmpp::Esme esme3(io.get_executor(), compat,
                        {.rate_limiter = limiter, .throttle_handler = throttle});
    // snippet-end: aiosmpplib

    // The bucket starts full: 10 now, then one every 20 ms.
    const auto t0 = aiosmpp::RateLimiter::Clock::now();
    if (limiter->try_acquire(10, t0) != aiosmpp::RateLimiter::Clock::duration::zero()) {
      throw std::runtime_error("a full bucket grants its burst");
    }
    const auto wait = limiter->try_acquire(1, t0);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
    if (ms < 19 || ms > 20) throw std::runtime_error("the next token comes 20 ms later");
    fmt::print("burst of 10 granted; the 11th waits {} ms\n", ms);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
