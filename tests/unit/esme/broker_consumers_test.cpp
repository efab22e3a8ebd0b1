// SimpleBroker with several consumers, as the binds of an EsmePool use it: each waits in
// dequeue_batch() raced with its own wake-up (the Esme's pump does this), and one of them is
// cancelled while the others wait.

#include <set>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/broker.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using aiosmpp::test::pause;

TEST_CASE("SimpleBroker: several consumers take every message once, one cancelled meanwhile",
          "[esme][pool][broker]") {
  using namespace aiosmpp::detail::awaitable_operators;
  asio::io_context io;
  SimpleBroker broker(io.get_executor(), 1000);
  constexpr int consumers = 4;
  constexpr int messages = 600;
  std::multiset<std::string> seen;
  std::vector<std::unique_ptr<asio::steady_timer>> stops;
  int finished = 0;
  for (int i = 0; i < consumers; ++i) {
    stops.push_back(
        std::make_unique<asio::steady_timer>(io, asio::steady_timer::time_point::max()));
  }
  auto consumer = [&](int i) -> asio::awaitable<void> {
    for (;;) {
      std::vector<Pdu> out;
      co_await (broker.dequeue_batch(out, 7) ||
                stops[std::size_t(i)]->async_wait(aiosmpp::detail::use_nothrow_awaitable));
      for (const auto& m : out)
        seen.insert(tracking_of(m).log_id);
      if (out.empty()) co_return;  // stopped
    }
  };
  test::run_coro(io, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < consumers; ++i)
      asio::co_spawn(ex, consumer(i), [&](std::exception_ptr e) {
        CHECK(!e);
        ++finished;
      });
    co_await pause(5ms);  // every consumer waits now
    stops[0]->cancel();   // one goes away while the others wait
    co_await pause(5ms);
    for (int k = 0; k < messages; ++k) {
      SubmitSm m;
      m.tracking.log_id = std::to_string(k);
      Pdu p(std::move(m));
      if (k % 2 == 0) {
        co_await broker.enqueue(std::move(p));
      } else {
        CHECK(broker.try_enqueue(p));
      }
      if (k % 50 == 0) co_await pause(1ms);  // the consumers wait again between bursts
    }
    for (int waited = 0; seen.size() < std::size_t(messages) && waited < 2000; ++waited)
      co_await pause(1ms);
    for (auto& s : stops)
      s->cancel();
    for (int waited = 0; finished < consumers && waited < 1000; ++waited)
      co_await pause(1ms);
  }());
  CHECK(finished == consumers);
  CHECK(seen.size() == std::size_t(messages));
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == std::size_t(messages));
  CHECK(broker.size() == 0);
}
