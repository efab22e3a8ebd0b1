#include "aiosmpp/esme/broker.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/log.hpp"
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

TEST_CASE("SimpleBroker: enqueue_for gives up after its timeout and keeps the message",
          "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 1);
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    Pdu first = numbered(1);
    const bool added = co_await b.enqueue_for(first, 0ms);  // room: added at once
    CHECK(added);
    Pdu second = numbered(2);
    const bool now_only = co_await b.enqueue_for(second, 0ms);  // full: only tries
    CHECK_FALSE(now_only);
    const bool timed_out = co_await b.enqueue_for(second, 20ms);  // nobody takes: gives up
    CHECK_FALSE(timed_out);
    CHECK(id_of(second) == "2");
    CHECK(b.size() == 1);
    // A consumer frees room while it waits: added.
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          co_await sleep_ms(10);
          Pdu p = co_await b.dequeue();
          CHECK(id_of(p) == "1");
        },
        [](std::exception_ptr e) { CHECK(!e); });
    const bool added_later = co_await b.enqueue_for(second, std::chrono::hours(1));
    CHECK(added_later);
    Pdu p = co_await b.dequeue();
    CHECK(id_of(p) == "2");
  }());
}

TEST_CASE(
    "SimpleBroker: waiting producers get room in the order they came, and a cancelled one "
    "adds nothing",
    "[esme][broker]") {
  asio::io_context io;
  SimpleBroker b(io.get_executor(), 1);
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    Pdu first = numbered(0);
    co_await b.enqueue(std::move(first));
    asio::cancellation_signal cancel;
    bool cancelled = false;
    for (int i = 1; i <= 3; ++i) {
      auto producer = [&b, i]() -> asio::awaitable<void> {
        Pdu m = numbered(i);
        co_await b.enqueue(std::move(m));
      };
      if (i == 2) {
        asio::co_spawn(ex, producer(),
                       asio::bind_cancellation_slot(
                           cancel.slot(), [&](std::exception_ptr e) { cancelled = e != nullptr; }));
      } else {
        asio::co_spawn(ex, producer(), [](std::exception_ptr e) { CHECK(!e); });
      }
      co_await sleep_ms(1);  // each starts waiting before the next
    }
    cancel.emit(asio::cancellation_type::terminal);
    co_await sleep_ms(1);
    CHECK(cancelled);
    std::vector<std::string> order;
    for (int i = 0; i < 3; ++i) {
      Pdu p = co_await b.dequeue();
      order.push_back(id_of(p));
      co_await sleep_ms(1);
    }
    CHECK(order == std::vector<std::string>{"0", "1", "3"});
    CHECK(b.size() == 0);
  }());
}

TEST_CASE("SimpleBroker: an enqueue waiting longer than the threshold logs a warning with a hint",
          "[esme][broker]") {
  asio::io_context io;
  std::vector<std::string> lines;
  SimpleBrokerOptions o;
  o.capacity = 1;
  o.slow_enqueue_warning = 20ms;
  o.logger = std::make_shared<Logger>(
      std::make_shared<JsonLinesSink>(
          LogOutput::callback([&](std::string_view line) { lines.emplace_back(line); })),
      LogLevel::warning);
  SimpleBroker b(io.get_executor(), o);
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    bool done = false;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 2; ++i) {
            Pdu m = numbered(i);
            co_await b.enqueue(std::move(m));
          }
          done = true;
        },
        [](std::exception_ptr e) { CHECK(!e); });
    // Nothing consumes until the warning is out (the Esme "not started").
    while (lines.empty())
      co_await sleep_ms(5);
    CHECK_FALSE(done);
    Pdu p = co_await b.dequeue();
    while (!done)
      co_await sleep_ms(1);
  }());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("\"broker_full_waiting\"") != std::string::npos);
  CHECK(lines[0].find("\"capacity\":1") != std::string::npos);
  CHECK(lines[0].find("try_enqueue") != std::string::npos);
  SimpleBrokerOptions bad;
  bad.slow_enqueue_warning = -1ms;
  CHECK_THROWS_AS(SimpleBroker(io.get_executor(), bad), std::invalid_argument);
  bad = {};
  bad.capacity = 0;
  CHECK_THROWS_AS(SimpleBroker(io.get_executor(), bad), std::invalid_argument);
}
