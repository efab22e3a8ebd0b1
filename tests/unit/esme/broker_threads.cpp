// SimpleBroker's cross-thread hand-off (try_enqueue from producer threads, dequeue on the
// io_context's thread). A separate executable labelled "threads", so ThreadSanitizer runs it.

#include <thread>

#include <asio/io_context.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;

namespace {
Pdu numbered(int i) {
  SubmitSm m;
  m.tracking.log_id = std::to_string(i);
  return m;
}
}  // namespace

TEST_CASE("SimpleBroker: try_enqueue from other threads wakes the consumer", "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 64);
  constexpr int per_thread = 2000;
  std::size_t got = 0;
  test::run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        std::thread t1([&] {
          for (int i = 0; i < per_thread; ++i) {
            Pdu m = numbered(i);
            while (!b.try_enqueue(m))
              std::this_thread::yield();
          }
        });
        std::thread t2([&] {
          for (int i = 0; i < per_thread; ++i) {
            Pdu m = numbered(i);
            while (!b.try_enqueue(m))
              std::this_thread::yield();
          }
        });
        std::vector<Pdu> out;
        while (got < 2 * per_thread) {
          out.clear();
          got += co_await b.dequeue_batch(out, 100);
        }
        t1.join();
        t2.join();
      }(),
      20s);
  CHECK(got == 2 * per_thread);
  CHECK(b.size() == 0);
}
