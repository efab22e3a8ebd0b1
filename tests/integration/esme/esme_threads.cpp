// The Esme fed from four producer threads (SimpleBroker::try_enqueue) while it sends on the
// io_context's thread. A separate executable labelled "threads", so ThreadSanitizer runs it.

#include <atomic>
#include <thread>
#include <vector>

#include "esme_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

TEST_CASE("four threads enqueue with try_enqueue while the Esme sends: every message one outcome",
          "[esme][threads]") {
  asio::io_context io;
  FakeSmsc smsc(io, {});
  auto hook = std::make_shared<RecordingHook>();
  // Small, so producers meet a full broker and must retry while the Esme drains it.
  auto broker = std::make_shared<SimpleBroker>(io.get_executor(), 64);
  auto cfg = test_config(smsc.port());
  cfg.window = 32;
  Esme esme(io.get_executor(), cfg, {.broker = broker, .hook = hook});
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  constexpr int total = threads * per_thread;
  std::atomic<int> refused{0};
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    {
      const bool ok =
          co_await wait_until([&] { return esme.session_state() == SessionState::bound; });
      CHECK(ok);
    }
    std::vector<std::thread> producers;
    for (int t = 0; t < threads; ++t) {
      producers.emplace_back([&, t] {
        for (int i = t * per_thread; i < (t + 1) * per_thread; ++i) {
          Pdu m = make_submit(i);
          while (!broker->try_enqueue(m)) {
            refused.fetch_add(1, std::memory_order_relaxed);
            std::this_thread::yield();
          }
        }
      });
    }
    // The io_context keeps running here (this coroutine waits on timers), so the Esme sends
    // while the producers are still at work.
    const bool done = co_await wait_until([&] { return hook->outcomes() == total; }, 20000ms);
    for (auto& p : producers)
      p.join();
    CHECK(done);
  });
  CHECK(hook->outcomes() == total);
  CHECK(hook->responses.size() == total);
  CHECK(hook->no_duplicates());
  CHECK(esme.stats().taken == total);
  CHECK(esme.stats().max_in_flight <= 32);
  CHECK(smsc.requests == total);
  CHECK(broker->size() == 0);
  // Each response carries its own message's tracking, whichever thread enqueued it.
  for (const auto& r : hook->responses)
    CHECK(r.extra_data == "extra-" + r.log_id.substr(3));
}
