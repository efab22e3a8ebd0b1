// LogBudget, the per-kind bound on warnings a hostile peer can trigger (the server's and the TLS
// port's), with an injected clock.

#include <chrono>

#include "core/log_budget.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;

TEST_CASE("LogBudget: N lines a second, the rest counted and reported with the next line") {
  using Clock = detail::LogBudget::Clock;
  const Clock::time_point t0 = Clock::time_point{} + 10s;
  detail::LogBudget b(2);
  CHECK(b.take(t0));
  CHECK(b.take_pending() == 0);
  CHECK(b.take(t0 + 100ms));
  CHECK_FALSE(b.take(t0 + 200ms));
  CHECK_FALSE(b.take(t0 + 999ms));
  CHECK(b.suppressed_total() == 2);
  CHECK(b.take(t0 + 1000ms));  // a new second
  CHECK(b.take_pending() == 2);
  CHECK(b.take_pending() == 0);
  CHECK(b.suppressed_total() == 2);
  detail::LogBudget unlimited(0);
  for (int i = 0; i < 1000; ++i)
    CHECK(unlimited.take(t0));
  CHECK(unlimited.suppressed_total() == 0);
}
