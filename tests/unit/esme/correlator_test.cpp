#include "aiosmpp/esme/correlator.hpp"

#include <map>

#include <asio/io_context.hpp>

#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  SimpleCorrelator::Clock::time_point now = SimpleCorrelator::Clock::time_point{} + 1000h;
};
SimpleCorrelator::Options options(FakeClock& clock, std::chrono::hours ttl = 72h,
                                  std::size_t max = 1000) {
  SimpleCorrelator::Options o;
  o.delivery_ttl = ttl;
  o.max_entries = max;
  o.clock = [&clock] { return clock.now; };
  return o;
}
SimpleCorrelator make(FakeClock& clock, std::chrono::hours ttl = 72h, std::size_t max = 1000) {
  return SimpleCorrelator(options(clock, ttl, max));
}
// A receipt as the Esme would pass it: a deliver_sm whose text names the id.
Pdu receipt(std::string_view id, std::string_view stat = "DELIVRD") {
  DeliverSm d;
  d.esm_class = EsmClass::delivery_receipt;
  d.short_message = "id:" + std::string(id) + " stat:" + std::string(stat);
  return d;
}
std::string text_of(const ReleasedReceipt& r) {
  return std::get<DeliverSm>(r.receipt).short_message;
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
  CHECK(c.size() == 0);
  CHECK(c.markers() == 1);  // the final receipt left a marker, not an entry
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

TEST_CASE(
    "SimpleCorrelator: a final receipt offered again within the grace period correlates, "
    "flagged as a repeat",
    "[esme][correlator]") {
  FakeClock clock;
  auto o = options(clock);
  o.receipt_grace = 10min;
  SimpleCorrelator c(o);
  c.put("m1", {"log-1", "x"});
  auto first = c.correlate("m1", true, receipt("m1"));
  REQUIRE(first.tracking);
  CHECK_FALSE(first.repeat);
  CHECK_FALSE(first.held);
  clock.now += 9min;
  auto again = c.correlate("m1", true, receipt("m1"));
  REQUIRE(again.tracking);
  CHECK(again.tracking->log_id == "log-1");
  CHECK(again.tracking->extra_data == "x");
  CHECK(again.repeat);
  CHECK_FALSE(again.held);
  // An intermediate receipt after the final one is a repeat too; the old call still correlates.
  CHECK(c.correlate("m1", false, receipt("m1", "ENROUTE")).repeat);
  auto old_call = c.get("m1", true);
  REQUIRE(old_call);
  CHECK(old_call->log_id == "log-1");
  // A repeat does not extend the marker: it goes at the first final receipt + grace.
  clock.now += 1min;
  c.expire_due();
  CHECK(c.markers() == 0);
  CHECK_FALSE(c.get("m1", true));
}

TEST_CASE("SimpleCorrelator: markers are bounded in number (oldest first) and can be turned off",
          "[esme][correlator]") {
  FakeClock clock;
  auto o = options(clock);
  o.max_markers = 2;
  o.hold_time = 0s;
  SimpleCorrelator c(o);
  for (int i = 0; i < 3; ++i) {
    c.put("m" + std::to_string(i), {"log-" + std::to_string(i), ""});
  }
  for (int i = 0; i < 3; ++i) {
    clock.now += 1s;
    REQUIRE(c.get("m" + std::to_string(i), true));
  }
  CHECK(c.markers() == 2);
  CHECK_FALSE(c.get("m0", true));  // the oldest marker made room
  CHECK(c.get("m1", true));
  CHECK(c.get("m2", true));

  // Without a grace period a final receipt forgets the entry, as before markers existed.
  o.receipt_grace = 0s;
  SimpleCorrelator none(o);
  none.put("a", {"log-a", ""});
  CHECK(none.get("a", true));
  CHECK(none.markers() == 0);
  CHECK(none.size() == 0);
  CHECK_FALSE(none.get("a", true));
  // A re-used id replaces a marker with a live entry.
  c.put("m2", {"again", ""});
  CHECK(c.markers() == 1);
  auto reused = c.correlate("m2", false, receipt("m2", "ENROUTE"));
  REQUIRE(reused.tracking);
  CHECK(reused.tracking->log_id == "again");
  CHECK_FALSE(reused.repeat);
}

TEST_CASE(
    "SimpleCorrelator: an early final receipt is held, released by the response, and "
    "leaves a marker, not an entry",
    "[esme][correlator]") {
  FakeClock clock;
  SimpleCorrelator c(options(clock));
  auto early = c.correlate("m1", true, receipt("m1"));
  CHECK(early.held);
  CHECK_FALSE(early.tracking);
  CHECK(early.released.empty());
  CHECK(c.held() == 1);
  clock.now += 200ms;
  auto released = c.add("m1", {"log-1", "x"});
  REQUIRE(released.size() == 1);
  REQUIRE(released[0].tracking);
  CHECK(released[0].tracking->log_id == "log-1");
  CHECK(text_of(released[0]) == "id:m1 stat:DELIVRD");
  CHECK_FALSE(released[0].repeat);
  CHECK(c.held() == 0);
  CHECK(c.size() == 0);  // finalised by the held receipt: nothing waits for the 3-day TTL
  CHECK(c.markers() == 1);
  // The SMSC offers it again: still its log_id, as a repeat.
  auto repeat = c.correlate("m1", true, receipt("m1"));
  REQUIRE(repeat.tracking);
  CHECK(repeat.repeat);
  CHECK(c.take_released().empty());
}

TEST_CASE("SimpleCorrelator: early intermediate and final receipts come back in order",
          "[esme][correlator]") {
  FakeClock clock;
  SimpleCorrelator c(options(clock));
  CHECK(c.correlate("m1", false, receipt("m1", "ENROUTE")).held);
  CHECK(c.correlate("m1", true, receipt("m1")).held);
  CHECK(c.correlate("m1", true, receipt("m1")).held);  // the early final receipt, twice
  CHECK(c.correlate("other", false, receipt("other", "ENROUTE")).held);
  auto released = c.add("m1", {"log-1", ""});
  REQUIRE(released.size() == 3);
  CHECK(text_of(released[0]) == "id:m1 stat:ENROUTE");
  CHECK(text_of(released[1]) == "id:m1 stat:DELIVRD");
  CHECK(text_of(released[2]) == "id:m1 stat:DELIVRD");
  CHECK_FALSE(released[0].repeat);
  CHECK_FALSE(released[1].repeat);
  CHECK(released[2].repeat);
  for (const auto& r : released)
    CHECK(r.tracking == std::optional<Tracking>(Tracking{"log-1", ""}));
  CHECK(c.size() == 0);
  CHECK(c.markers() == 1);
  CHECK(c.held() == 1);  // "other" still waits

  // Only an intermediate one early: the entry stays live for the final receipt.
  CHECK(c.correlate("m2", false, receipt("m2", "ACCEPTD")).held);
  auto r2 = c.add("m2", {"log-2", ""});
  REQUIRE(r2.size() == 1);
  CHECK(c.size() == 1);
  auto final_receipt = c.correlate("m2", true, receipt("m2"));
  REQUIRE(final_receipt.tracking);
  CHECK(final_receipt.tracking->log_id == "log-2");
  CHECK_FALSE(final_receipt.repeat);
  CHECK(c.size() == 0);
  CHECK(c.markers() == 2);
}

TEST_CASE("SimpleCorrelator: a hold expires on its clock and is given up without tracking",
          "[esme][correlator]") {
  FakeClock clock;
  auto o = options(clock, 1h);
  o.hold_time = 30s;
  SimpleCorrelator c(o);
  CHECK(c.correlate("late", true, receipt("late")).held);
  // The hold is the earliest deadline: next_expiry says so (mapped onto the steady clock).
  const auto next = c.next_expiry();
  REQUIRE(next);
  CHECK(*next <= std::chrono::steady_clock::now() + 30s);
  clock.now += 29s;
  CHECK(c.take_released().empty());
  clock.now += 1s;
  auto given_up = c.take_released();
  REQUIRE(given_up.size() == 1);
  CHECK_FALSE(given_up[0].tracking);
  CHECK(text_of(given_up[0]) == "id:late stat:DELIVRD");
  CHECK(c.held() == 0);
  CHECK_FALSE(c.next_expiry());
  // The response after the hold was given up: nothing to release, an ordinary entry.
  CHECK(c.add("late", {"log", ""}).empty());
  CHECK(c.size() == 1);
}

TEST_CASE("SimpleCorrelator: a full hold gives up its oldest receipt to make room",
          "[esme][correlator]") {
  FakeClock clock;
  auto o = options(clock);
  o.max_held = 2;
  SimpleCorrelator c(o);
  CHECK(c.correlate("a", true, receipt("a")).held);
  clock.now += 1s;
  CHECK(c.correlate("b", true, receipt("b")).held);
  clock.now += 1s;
  auto third = c.correlate("c", true, receipt("c"));
  CHECK(third.held);
  REQUIRE(third.released.size() == 1);
  CHECK(text_of(third.released[0]) == "id:a stat:DELIVRD");  // the oldest, given up now
  CHECK_FALSE(third.released[0].tracking);
  CHECK(c.held() == 2);
  CHECK(c.add("a", {"log-a", ""}).empty());
  CHECK(c.add("b", {"log-b", ""}).size() == 1);
  CHECK(c.add("c", {"log-c", ""}).size() == 1);

  // Holding off: an unknown id is answered at once, as before.
  o.max_held = 0;
  SimpleCorrelator no_hold(o);
  auto m = no_hold.correlate("x", true, receipt("x"));
  CHECK_FALSE(m.held);
  CHECK_FALSE(m.tracking);
  CHECK(no_hold.held() == 0);
  o.max_held = 10;
  o.hold_time = -1s;
  CHECK_THROWS_AS(SimpleCorrelator(o), std::invalid_argument);
  o.hold_time = 1s;
  o.receipt_grace = -1s;
  CHECK_THROWS_AS(SimpleCorrelator(o), std::invalid_argument);
}

namespace {
// A correlator written before holds and markers existed: only the original pair.
class PairOnly final : public Correlator {
 public:
  asio::awaitable<void> put_delivery(std::string id, Tracking t) override {
    map_[std::move(id)] = std::move(t);
    co_return;
  }
  asio::awaitable<std::optional<Tracking>> get_delivery(std::string_view id, bool) override {
    auto it = map_.find(std::string(id));
    if (it == map_.end()) co_return std::nullopt;
    co_return it->second;
  }

 private:
  std::map<std::string, Tracking> map_;
};
}  // namespace

TEST_CASE("Correlator's defaults run a put/get-only correlator through the newer calls",
          "[esme][correlator]") {
  asio::io_context io;
  PairOnly c;
  Correlator& base = c;
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    std::string id = "id";
    Tracking t{"l", "e"};
    auto released = co_await base.register_delivery(std::move(id), std::move(t));
    CHECK(released.empty());
    Pdu r = receipt("id");
    auto known = co_await base.correlate_receipt("id", true, r);
    REQUIRE(known.tracking);
    CHECK(known.tracking->log_id == "l");
    CHECK_FALSE(known.repeat);
    auto unknown = co_await base.correlate_receipt("nope", true, r);
    CHECK_FALSE(unknown.held);  // the default never holds
    CHECK_FALSE(unknown.tracking);
    {
      const auto got = co_await base.take_released_holds();
      CHECK(got.empty());
    }
  }());
}

TEST_CASE("SimpleCorrelator's awaitable calls hold and release like the synchronous ones",
          "[esme][correlator]") {
  asio::io_context io;
  SimpleCorrelator c;
  Correlator& base = c;
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    Pdu r = receipt("id");
    auto early = co_await base.correlate_receipt("id", true, r);
    CHECK(early.held);
    std::string id = "id";
    Tracking t{"l", "e"};
    auto released = co_await base.register_delivery(std::move(id), std::move(t));
    REQUIRE(released.size() == 1);
    CHECK(released[0].tracking->log_id == "l");
    {
      const auto got = co_await base.take_released_holds();
      CHECK(got.empty());
    }
  }());
}
