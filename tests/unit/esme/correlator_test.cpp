#include "aiosmpp/esme/correlator.hpp"

#include <asio/io_context.hpp>

#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  SimpleCorrelator::Clock::time_point now = SimpleCorrelator::Clock::time_point{} + 1000h;
};
SimpleCorrelator make(FakeClock& clock, std::chrono::hours ttl = 72h, std::size_t max = 1000) {
  SimpleCorrelator::Options o;
  o.delivery_ttl = ttl;
  o.max_entries = max;
  o.clock = [&clock] { return clock.now; };
  return SimpleCorrelator(o);
}
}  // namespace

TEST_CASE("SimpleCorrelator keeps a message_id until a final receipt takes it",
          "[esme][correlator]") {
  FakeClock clock;
  auto c = make(clock);
  c.put("m1", {"log-1", "extra-1"});
  auto intermediate = c.get("m1", false);
  REQUIRE(intermediate);
  CHECK(intermediate->log_id == "log-1");
  auto final_receipt = c.get("m1", true);
  REQUIRE(final_receipt);
  CHECK(final_receipt->extra_data == "extra-1");
  CHECK_FALSE(c.get("m1", true));
  CHECK_FALSE(c.get("unknown", false));
}

TEST_CASE("SimpleCorrelator expires entries after the TTL (3 days by default)",
          "[esme][correlator]") {
  FakeClock clock;
  auto c = make(clock);
  c.put("old", {"a", ""});
  clock.now += 48h;
  c.put("new", {"b", ""});
  clock.now += 24h;  // "old" is exactly 72 h old: gone; "new" is 24 h old
  CHECK_FALSE(c.get("old", false));
  CHECK(c.get("new", false));
  clock.now += 48h;
  CHECK_FALSE(c.get("new", false));
  CHECK(c.size() == 0);
}

TEST_CASE("SimpleCorrelator replaces a re-used id and bounds its size", "[esme][correlator]") {
  FakeClock clock;
  auto c = make(clock, 72h, 3);
  c.put("x", {"first", ""});
  clock.now += 1h;
  c.put("x", {"second", ""});
  // The first record of "x" expiring must not remove the second.
  clock.now += 71h;
  auto x = c.get("x", false);
  REQUIRE(x);
  CHECK(x->log_id == "second");
  // std::string("k") + ...: g++ 12 -O3 reports a false -Wrestrict for "literal" + std::string.
  for (int i = 0; i < 10; ++i)
    c.put(std::string("k") + std::to_string(i), {std::to_string(i), ""});
  CHECK(c.size() <= 3);
  CHECK(c.get("k9", false));
  CHECK_FALSE(c.get("k0", false));
}

TEST_CASE("SimpleCorrelator validates its options and works through the awaitable interface",
          "[esme][correlator]") {
  SimpleCorrelator::Options bad;
  bad.delivery_ttl = 0s;
  CHECK_THROWS_AS(SimpleCorrelator(bad), std::invalid_argument);
  bad = {};
  bad.max_entries = 0;
  CHECK_THROWS_AS(SimpleCorrelator(bad), std::invalid_argument);

  asio::io_context io;
  SimpleCorrelator c;
  Correlator& base = c;
  auto got = test::run_coro(io, [&]() -> asio::awaitable<std::optional<Tracking>> {
    // Arguments as named values: g++ 12 destroys prvalue arguments of a co_await twice.
    std::string id = "id";
    Tracking t{"l", "e"};
    co_await base.put_delivery(std::move(id), std::move(t));
    auto got_back = co_await base.get_delivery("id", true);
    co_return got_back;
  }());
  REQUIRE(got);
  CHECK(got->log_id == "l");
}

TEST_CASE("SimpleCorrelator tells when its next entry expires and drops it when asked",
          "[esme][correlator]") {
  FakeClock clock;
  auto c = make(clock, 1h);
  CHECK(!c.next_expiry());
  c.put("m1", {"log-1", {}});
  clock.now += 10min;
  c.put("m2", {"log-2", {}});
  // On the steady clock: what remains of m1's TTL from now (the injected clock maps onto it).
  const auto t0 = std::chrono::steady_clock::now();
  auto next = c.next_expiry();
  REQUIRE(next);
  CHECK(*next >= t0 + 50min);
  CHECK(*next <= std::chrono::steady_clock::now() + 50min);
  c.expire_due();
  CHECK(c.size() == 2);  // nothing due yet
  clock.now += 51min;    // m1 is past its TTL, m2 is not
  c.expire_due();
  CHECK(c.size() == 1);
  CHECK(!c.get("m1", true));
  next = c.next_expiry();
  REQUIRE(next);
  CHECK(*next <= std::chrono::steady_clock::now() + 10min);
  clock.now += 10min;
  c.expire_due();
  CHECK(c.size() == 0);
  CHECK(!c.next_expiry());
}

TEST_CASE("SimpleCorrelator's next_expiry on a standing clock never says 'due' in a loop",
          "[esme][correlator]") {
  FakeClock clock;
  auto c = make(clock, 1h);
  c.put("m1", {"log-1", {}});
  // The clock does not move: however late the steady clock is, the entry stays an hour away.
  for (int i = 0; i < 3; ++i) {
    const auto next = c.next_expiry();
    REQUIRE(next);
    CHECK(*next > std::chrono::steady_clock::now() + 59min);
    c.expire_due();
    CHECK(c.size() == 1);
  }
}
