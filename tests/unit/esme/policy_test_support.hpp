#pragma once

// Helpers shared by the policy tests: cancel a coroutine from outside after a delay, and capture
// what a Logger writes.

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp::test {

/** Runs `op` and cancels it (terminal) after `after`; returns what it returned. */
template <class Op>
asio::awaitable<std::error_code> cancel_after(Op op, std::chrono::milliseconds after) {
  auto executor = co_await asio::this_coro::executor;
  asio::cancellation_signal signal;
  bool done = false;
  std::error_code result;
  asio::co_spawn(
      executor, std::move(op),
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, std::error_code ec) {
        if (e) std::rethrow_exception(e);
        result = ec;
        done = true;
      }));
  asio::steady_timer timer(executor, after);
  co_await timer.async_wait(asio::use_awaitable);
  signal.emit(asio::cancellation_type::terminal);
  while (!done) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return result;
}

/** A sink keeping each record's level and event. */
struct EventSink : LogSink {
  struct Entry {
    LogLevel level;
    std::string event;
    std::string json;
  };
  std::vector<Entry> entries;
  void write(const LogRecord& record) override {
    std::string json;
    format_json_line(record, json);
    entries.push_back({record.level, std::string(record.event), std::move(json)});
  }
};

}  // namespace aiosmpp::test
