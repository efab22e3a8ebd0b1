#include "aiosmpp/esme/broker.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
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
std::string id_of(const Pdu& p) {
  return std::get<SubmitSm>(p).tracking.log_id;
}
asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(detail::use_nothrow_awaitable);
}
}  // namespace

TEST_CASE("SimpleBroker is a FIFO with batches", "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 10);
  CHECK(b.capacity() == 10);
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      Pdu m = numbered(i);
      co_await b.enqueue(std::move(m));
    }
    std::vector<Pdu> out;
    CHECK(b.try_dequeue_batch(out, 2) == 2);
    const auto n = co_await b.dequeue_batch(out, 10);
    CHECK(n == 3);
    REQUIRE(out.size() == 5);
    for (int i = 0; i < 5; ++i)
      CHECK(id_of(out[static_cast<std::size_t>(i)]) == std::to_string(i));
    CHECK(b.try_dequeue_batch(out, 3) == 0);
  }());
  CHECK_THROWS_AS(SimpleBroker(io.get_executor(), 0), std::invalid_argument);
}

TEST_CASE("SimpleBroker: enqueue waits while full, dequeue waits while empty", "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 2);
  std::vector<std::string> order;
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 4; ++i) {
            Pdu m = numbered(i);
            co_await b.enqueue(std::move(m));
            order.push_back("in" + std::to_string(i));
          }
        },
        [](std::exception_ptr e) { CHECK(!e); });
    co_await sleep_ms(10);
    CHECK(b.size() == 2);  // the producer is waiting for room
    for (int i = 0; i < 4; ++i) {
      Pdu p = co_await b.dequeue();
      CHECK(id_of(p) == std::to_string(i));
      co_await sleep_ms(1);
    }
    // Empty now: a dequeue waits until something arrives.
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          co_await sleep_ms(20);
          Pdu m = numbered(9);
          CHECK(b.try_enqueue(m));
        },
        [](std::exception_ptr e) { CHECK(!e); });
    const auto t0 = std::chrono::steady_clock::now();
    Pdu late = co_await b.dequeue();
    CHECK(id_of(late) == "9");
    CHECK(std::chrono::steady_clock::now() - t0 >= 15ms);
  }());
  CHECK(order.size() == 4);
}

TEST_CASE("SimpleBroker: a full broker refuses try_enqueue and keeps the message",
          "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 1);
  Pdu a = numbered(1);
  Pdu c = numbered(2);
  CHECK(b.try_enqueue(a));
  CHECK_FALSE(b.try_enqueue(c));
  CHECK(id_of(c) == "2");
}
