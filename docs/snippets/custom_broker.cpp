// docs/guides/own-broker.md: a Broker that takes messages from the application's own queue (an
// outbox table, a Redis list, a message bus), stored as aiosmpp's JSON.

#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/broker.hpp"
#include "aiosmpp/json.hpp"
#include "snippet_main.hpp"

namespace {

// snippet-begin: outbox
// What the application already has: somewhere messages wait, as text. In production this is
// `DELETE ... RETURNING` on an outbox table, LPOP on a Redis list, a bus consumer; here, memory.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void push(std::string json) = 0;
  /** Removes and returns up to `max` messages, oldest first, without waiting. */
  virtual std::vector<std::string> take(std::size_t max) = 0;
};
// snippet-end: outbox

class MemoryOutbox final : public Outbox {
 public:
  void push(std::string json) override {
    std::lock_guard lock(mutex_);
    rows_.push_back(std::move(json));
  }
  std::vector<std::string> take(std::size_t max) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    while (out.size() < max && !rows_.empty()) {
      out.push_back(std::move(rows_.front()));
      rows_.pop_front();
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::deque<std::string> rows_;
};

// snippet-begin: broker
class OutboxBroker final : public aiosmpp::Broker {
 public:
  OutboxBroker(asio::any_io_executor executor, std::shared_ptr<Outbox> outbox,
               std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100))
      : executor_(std::move(executor)), outbox_(std::move(outbox)), poll_(poll_interval) {}

  // The application (or a hook retrying a not_sent message) adds a message.
  asio::awaitable<void> enqueue(aiosmpp::Pdu message) override {
    outbox_->push(aiosmpp::json_encode(message));
    co_return;
  }

  asio::awaitable<aiosmpp::Pdu> dequeue() override {
    std::vector<aiosmpp::Pdu> one;
    co_await dequeue_batch(one, 1);
    co_return std::move(one.front());
  }

  // The Esme's fast path: take what is there without waiting, up to `max` (the free window).
  std::size_t try_dequeue_batch(std::vector<aiosmpp::Pdu>& out, std::size_t max) override {
    std::size_t n = 0;
    for (auto& json : outbox_->take(max)) {
      try {
        out.push_back(aiosmpp::json_decode(json));
        ++n;
      } catch (const aiosmpp::JsonError& e) {
        // A row that is not a message: report it and go on (a real broker would park it).
        std::fprintf(stderr, "outbox: dropping a bad row: %s\n", e.what());
      }
    }
    return n;
  }

  // Waits (polling) until at least one message is there. Cancellation contract: the Esme cancels
  // this when it stops; messages are taken only after the last co_await, so a cancelled call
  // takes nothing.
  asio::awaitable<std::size_t> dequeue_batch(std::vector<aiosmpp::Pdu>& out,
                                             std::size_t max) override {
    for (;;) {
      if (const std::size_t n = try_dequeue_batch(out, max); n > 0) co_return n;
      asio::steady_timer timer(executor_, poll_);
      std::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) throw std::system_error(ec, "OutboxBroker::dequeue_batch cancelled");
    }
  }

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<Outbox> outbox_;
  std::chrono::milliseconds poll_;
};
// snippet-end: broker

asio::awaitable<void> demo(std::shared_ptr<Outbox> outbox) {
  // snippet-begin: use
  auto executor = co_await asio::this_coro::executor;
  auto broker = std::make_shared<OutboxBroker>(executor, outbox);
  // aiosmpp::Esme esme(executor, config, {.broker = broker, .hook = hook});

  aiosmpp::SubmitSm msg;
  msg.destination = aiosmpp::PhoneNumber("254722999999");
  msg.text = aiosmpp::MessageText{"Your code is 4711"};
  msg.tracking.log_id = "otp-17";
  aiosmpp::Pdu pdu = std::move(msg);
  co_await broker->enqueue(std::move(pdu));  // now a JSON row in the outbox
  // snippet-end: use

  outbox->push("not json");  // a bad row is reported, not fatal
  std::vector<aiosmpp::Pdu> taken;
  const std::size_t n = co_await broker->dequeue_batch(taken, 10);
  if (n != 1) throw std::runtime_error(fmt::format("expected 1 message, took {}", n));
  const auto& back = std::get<aiosmpp::SubmitSm>(taken.front());
  fmt::print("took {} message: log_id={} text=\"{}\"\n", n, back.tracking.log_id,
             back.text ? back.text->utf8 : std::string());
}

}  // namespace

int main() {
  asio::io_context io;
  return docs::run_main(io, demo(std::make_shared<MemoryOutbox>()));
}
