// docs/guides/own-broker.md#enqueue-many: putting more messages into a SimpleBroker than it holds.
// Runs without a network: a coroutine that takes batches plays the Esme's part.

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "snippet_main.hpp"

namespace {

aiosmpp::Pdu message(int i) {
  aiosmpp::SubmitSm msg;
  msg.destination = aiosmpp::PhoneNumber("254722999999");
  msg.text = aiosmpp::MessageText{fmt::format("Message {}", i)};
  msg.tracking.log_id = fmt::format("m-{}", i);
  return msg;
}

// snippet-begin: many
// Once the Esme runs (start() spawned), enqueue() waits only while the broker is full: a loop of
// any length goes at the pace the Esme sends. enqueue_for() bounds that wait, so an Esme that
// cannot send (the SMSC is down) becomes an answer for whoever asked ("busy, try later") instead
// of a producer that waits for ever.
asio::awaitable<int> produce(aiosmpp::SimpleBroker& broker, int count) {
  int refused = 0;
  for (int i = 0; i < count; ++i) {
    aiosmpp::Pdu pdu = message(i);
    const bool added = co_await broker.enqueue_for(pdu, std::chrono::seconds(30));
    if (!added) ++refused;  // `pdu` is still yours: report it, keep it for later
  }
  co_return refused;
}
// snippet-end: many

// Stands in for the Esme: takes what the window allows, a batch at a time.
asio::awaitable<void> consume(aiosmpp::SimpleBroker& broker, int count) {
  std::vector<aiosmpp::Pdu> batch;
  for (int taken = 0; taken < count;) {
    batch.clear();
    taken += static_cast<int>(co_await broker.dequeue_batch(batch, 64));
  }
}

asio::awaitable<void> demo() {
  auto executor = co_await asio::this_coro::executor;

  // snippet-begin: before_start
  // Before start() nothing takes messages: an awaited enqueue() beyond the capacity would wait
  // until the Esme runs (and logs broker_full_waiting after 5 s). Size the broker for the backlog
  // you queue up front, or hand over what fits and keep the rest.
  aiosmpp::SimpleBrokerOptions options;
  options.capacity = 10;  // 2,500 by default
  auto broker = std::make_shared<aiosmpp::SimpleBroker>(executor, options);
  std::vector<aiosmpp::Pdu> backlog;
  for (int i = 0; i < 12; ++i)
    backlog.push_back(message(i));
  std::size_t handed = 0;
  while (handed < backlog.size() && broker->try_enqueue(backlog[handed]))
    ++handed;
  // handed == 10: the other two wait in `backlog` until the Esme has taken some.
  // snippet-end: before_start
  if (handed != 10) throw std::runtime_error("try_enqueue must refuse beyond the capacity");

  // The Esme "starts": from here a producer may enqueue any number.
  asio::co_spawn(executor, consume(*broker, 10 + 1000), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  const int refused = co_await produce(*broker, 1000);
  if (refused != 0) throw std::runtime_error("a running consumer must make room");
  while (broker->size() != 0) {
    asio::steady_timer tick(executor, std::chrono::milliseconds(1));
    co_await tick.async_wait(asio::use_awaitable);
  }

  // Nobody takes messages any more: enqueue_for gives up, and the message stays with the caller.
  for (int i = 0; i < 10; ++i) {
    aiosmpp::Pdu pdu = message(i);
    co_await broker->enqueue(std::move(pdu));
  }
  aiosmpp::Pdu one_more = message(99);
  const bool added = co_await broker->enqueue_for(one_more, std::chrono::milliseconds(10));
  if (added || aiosmpp::tracking_of(one_more).log_id != "m-99") {
    throw std::runtime_error("enqueue_for must give up and leave the message");
  }
  std::printf("10 handed over before start, 1000 enqueued while running, 1 refused when full\n");
}

}  // namespace

int main() {
  asio::io_context io;
  return docs::run_main(io, demo());
}
