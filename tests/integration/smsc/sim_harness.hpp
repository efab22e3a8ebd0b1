#pragma once

// What the simulator tests share: an in-process Simulator on a free loopback port, run on the
// test's io_context, stopped (and awaited) when the test ends; a few PDU builders.

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "smsc/raw_client.hpp"
#include "support/run_coro.hpp"

namespace aiosmpp::test {

using namespace std::chrono_literals;
using smsc::SimConfig;
using smsc::Simulator;
using smsc::UniformSource;

inline SimConfig base_config() {
  SimConfig c;
  c.port = 0;
  c.stats_interval = 0ms;
  c.receipt_delay = {10ms, 10ms};
  c.seed = 42;
  return c;
}

// AIOSMPP_TEST_TRACE=1 logs every PDU the simulator sees and sends, to debug a failing test.
inline Logger trace_logger() {
  if (std::getenv("AIOSMPP_TEST_TRACE") == nullptr) return {};
  return Logger(std::make_shared<TextSink>(stderr), LogLevel::trace);
}

struct SimHarness {
  explicit SimHarness(SimConfig config, UniformSource rng = {})
      : sim(io.get_executor(), std::move(config), trace_logger(), std::move(rng)) {
    at = sim.listen();
    asio::co_spawn(io, sim.run(), [this](std::exception_ptr e) {
      done = true;
      error = e;
    });
  }
  ~SimHarness() {
    sim.stop();
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < until)
      io.run_one_for(100ms);
  }
  template <class F>
  void run(F body, std::chrono::milliseconds timeout = 15s) {
    run_coro(io, body(), timeout);
  }
  asio::io_context io;
  Simulator sim;
  asio::ip::tcp::endpoint at;
  bool done = false;
  std::exception_ptr error;
};

inline SubmitSm submit(std::string text = "hello",
                       RegisteredDelivery rd = RegisteredDelivery::none) {
  SubmitSm s;
  s.source = PhoneNumber("12345");
  s.destination = PhoneNumber("447700900123");
  s.short_message = std::move(text);
  s.registered_delivery = rd;
  return s;
}

// Sends n submit_sm back to back, then reads n responses; returns statuses by sequence.
inline asio::awaitable<std::map<std::uint32_t, CommandStatus>> submit_many(RawClient& c, int n) {
  for (int i = 0; i < n; ++i)
    co_await c.send(submit());
  std::map<std::uint32_t, CommandStatus> out;
  for (int i = 0; i < n; ++i) {
    auto r = co_await c.expect<SubmitSmResp>();
    out[r.header.sequence_number] = r.header.command_status;
  }
  co_return out;
}

inline UniformSource cycle(std::vector<double> values) {
  auto state = std::make_shared<std::pair<std::vector<double>, std::size_t>>(std::move(values), 0);
  return [state] { return state->first[state->second++ % state->first.size()]; };
}

}  // namespace aiosmpp::test
