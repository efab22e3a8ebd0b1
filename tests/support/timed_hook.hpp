#pragma once

// Hooks for the tests of the Esme's rate and load: TimedHook records when each message went out
// (sending(), by the steady clock), for counting how the send rate changes (messages per period,
// compared with each other, never with a duration); SlowReceiver is slower than the SMSC.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/hook.hpp"

namespace aiosmpp::test {

struct TimedHook final : Hook {
  std::vector<std::chrono::steady_clock::time_point> sent_at;
  std::size_t responses = 0;
  std::size_t throttled = 0;  // final ESME_RTHROTTLED responses (requeued ones are not shown)
  std::size_t errors = 0;

  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    sent_at.push_back(std::chrono::steady_clock::now());
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr || !is_response(command_id_of(*m))) co_return;
    ++responses;
    if (header_of(*m).command_status == CommandStatus::throttled) ++throttled;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    ++errors;
    co_return;
  }

  /** True once the sends span `d` (from the first). */
  bool spans(std::chrono::steady_clock::duration d) const {
    return !sent_at.empty() && std::chrono::steady_clock::now() - sent_at.front() >= d;
  }

  /** Messages sent per `period`, from the first send to the last (the last may be partial). */
  std::vector<std::size_t> per_period(std::chrono::milliseconds period) const {
    std::vector<std::size_t> counts;
    for (const auto t : sent_at) {
      const auto i = static_cast<std::size_t>((t - sent_at.front()) / period);
      if (counts.size() <= i) counts.resize(i + 1, 0);
      ++counts[i];
    }
    return counts;
  }
};

/** A hook slower than the SMSC: each request from it (deliver_sm, data_sm) takes 10 ms, so
 *  those read with it wait behind it (the Esme's receive backlog). */
struct SlowReceiver final : Hook {
  std::size_t received_count = 0;
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr || is_response(command_id_of(*m))) co_return;
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
    co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
    ++received_count;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
};

/** The busiest of the first `early` periods, and the mean of the complete periods from `late`
 *  on (the last, partial one left out); {0, 0} when there are not enough periods. */
struct RateChange {
  std::size_t peak = 0;
  double later = 0;
};
inline RateChange rate_change(const std::vector<std::size_t>& p, std::size_t early,
                              std::size_t late) {
  RateChange r;
  if (p.size() < late + 2 || p.size() < early) return r;
  r.peak = *std::max_element(p.begin(), p.begin() + static_cast<long>(early));
  for (std::size_t i = late; i + 1 < p.size(); ++i)
    r.later += static_cast<double>(p[i]);
  r.later /= static_cast<double>(p.size() - 1 - late);
  return r;
}

}  // namespace aiosmpp::test
