// Timer-driven expiry in the Esme: receipt entries leave the correlator when their TTL passes
// with no traffic at all, and nothing stays armed once the Esme has stopped.

#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

TEST_CASE("receipt entries leave the correlator on the Esme's timer, with no traffic at all",
          "[esme][correlator]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  SimpleCorrelator::Options o;
  o.delivery_ttl = 150ms;
  auto correlator = std::make_shared<SimpleCorrelator>(o);
  std::chrono::steady_clock::duration held{};
  {
    FakeSmsc smsc(io, {});
    Esme esme(io.get_executor(), test_config(smsc.port()),
              {.correlator = correlator, .hook = hook});
    constexpr int n = 5;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < n; ++i) {
        Pdu m = make_submit(i);  // asks for a receipt, carries a log_id: remembered
        co_await esme.broker().enqueue(std::move(m));
      }
      {
        const bool ok = co_await wait_until([&] { return hook->responses.size() == n; });
        CHECK(ok);
      }
      const auto t0 = std::chrono::steady_clock::now();
      CHECK(correlator->size() == n);
      // No receipt comes and nothing else is sent: only the timer can drop them.
      const bool gone = co_await wait_until([&] { return correlator->size() == 0; }, 2000ms);
      held = std::chrono::steady_clock::now() - t0;
      CHECK(gone);
      CHECK(smsc.requests == n);
    });
    smsc.close();
  }
  CHECK(held >= 100ms);  // not before (most of) the TTL
  CHECK(hook->requests.empty());
  // The Esme and the fake SMSC are gone and left no wait armed: the io_context runs dry.
  io.restart();
  io.run_for(3s);
  CHECK(io.stopped());
}

TEST_CASE("a stopped Esme leaves no timer behind even with receipts still expected",
          "[esme][correlator]") {
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  FakeSmsc smsc(io, {});
  // The default correlator (3-day TTL) holds entries when the Esme stops.
  auto esme =
      std::make_unique<Esme>(io.get_executor(), test_config(smsc.port()), Components{.hook = hook});
  run_esme(io, *esme, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      Pdu m = make_submit(i);
      co_await esme->broker().enqueue(std::move(m));
    }
    const bool ok = co_await wait_until([&] { return hook->responses.size() == 3; });
    CHECK(ok);
  });
  auto* correlator = dynamic_cast<SimpleCorrelator*>(&esme->correlator());
  REQUIRE(correlator != nullptr);
  CHECK(correlator->size() == 3);  // kept for receipts that may still come after a restart
  smsc.close();
  io.restart();
  io.run_for(3s);
  CHECK(io.stopped());  // nothing of the Esme's is pending: run() would return
}
