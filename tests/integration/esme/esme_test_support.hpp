#pragma once

// What the Esme integration tests share: a Hook that records every outcome, a config with short
// timeouts, message factories, and a runner that starts the Esme, runs a test body and stops it.

#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "support/catch.hpp"
#include "support/fake_smsc.hpp"
#include "support/run_coro.hpp"

namespace aiosmpp::test {

struct RecordingHook final : Hook {
  HookInterest mask = HookInterest::all;
  std::vector<std::string> sending_ids;
  struct Response {
    std::string log_id;
    std::string extra_data;
    CommandId command;
    CommandStatus status;
  };
  std::vector<Response> responses;
  struct Failure {
    std::string log_id;
    SendError error;
  };
  std::vector<Failure> errors;
  std::vector<Pdu> requests;  // deliver_sm, data_sm, alert_notification from the SMSC
  std::size_t undecodable = 0;

  HookInterest interests() const noexcept override { return mask; }
  asio::awaitable<void> sending(const Pdu& m, std::span<const std::uint8_t> pdu,
                                std::string_view) override {
    CHECK(pdu.size() >= 16);
    sending_ids.push_back(std::visit([](const auto& p) { return p.tracking.log_id; }, m));
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) {
      ++undecodable;
      co_return;
    }
    const CommandId id = command_id_of(*m);
    if (is_response(id)) {
      const Tracking& t = tracking_of(*m);
      responses.push_back({t.log_id, t.extra_data, id, header_of(*m).command_status});
    } else {
      requests.push_back(*m);
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view) override {
    errors.push_back({std::visit([](const auto& p) { return p.tracking.log_id; }, m), e});
    co_return;
  }

  std::size_t outcomes() const { return responses.size() + errors.size(); }
  /** Every log_id at most once across responses and errors. */
  bool no_duplicates() const {
    std::set<std::string> seen;
    for (const auto& r : responses)
      if (!seen.insert(r.log_id).second) return false;
    for (const auto& e : errors)
      if (!seen.insert(e.log_id).second) return false;
    return true;
  }
  std::size_t count_errors(SendError::Kind kind) const {
    std::size_t n = 0;
    for (const auto& e : errors)
      n += e.error.kind == kind ? 1U : 0U;
    return n;
  }
};

inline EsmeConfig test_config(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_host = "127.0.0.1";
  c.smsc_port = port;
  c.system_id = "test";
  c.password = "s3cr3tpw";
  c.client_id = "test-client";
  c.enquire_link_interval = std::chrono::milliseconds(5000);
  c.socket_timeout = std::chrono::milliseconds(300);
  c.response_timeout = std::chrono::milliseconds(2000);
  c.stop_timeout = std::chrono::milliseconds(300);
  c.already_bound_delay = std::chrono::milliseconds(200);
  c.window = 16;
  c.log_level = LogLevel::off;
  return c;
}

inline std::shared_ptr<RetryTimer> fast_retry(
    std::chrono::milliseconds min = std::chrono::milliseconds(20)) {
  ExponentialBackoff::Options o;
  o.min_delay = min;
  o.max_increases = 3;
  o.jitter = 0.2;
  return std::make_shared<ExponentialBackoff>(o);
}

inline SubmitSm make_submit(int i) {
  SubmitSm m;
  m.source = PhoneNumber("254722111111");
  m.destination = PhoneNumber("254722999999");
  m.short_message = fmt::format("Test message {}", i);
  m.tracking.log_id = fmt::format("id-{}", i);
  m.tracking.extra_data = fmt::format("extra-{}", i);
  return m;
}

inline asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
}

/** Polls `pred` every 2 ms; false when `timeout` passes first. */
inline asio::awaitable<bool> wait_until(
    std::function<bool()> pred,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    co_await sleep_ms(2);
  }
  co_return true;
}

/** Starts `esme`, runs `body`, stops the Esme and waits for start() to return; rethrows what
 *  start() threw. */
inline void run_esme(asio::io_context& io, Esme& esme, std::function<asio::awaitable<void>()> body,
                     std::chrono::seconds timeout = std::chrono::seconds(15)) {
  auto started = std::make_shared<std::pair<bool, std::exception_ptr>>(false, nullptr);
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        asio::co_spawn(ex, esme.start(), [started](std::exception_ptr e) {
          started->first = true;
          started->second = e;
        });
        co_await body();
        co_await esme.stop();
        co_await wait_until([&] { return started->first; });
      }(),
      timeout);
  REQUIRE(started->first);
  if (started->second) std::rethrow_exception(started->second);
}

}  // namespace aiosmpp::test
