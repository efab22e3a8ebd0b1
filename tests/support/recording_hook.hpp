#pragma once

// An application hook that records what it saw (log_ids and send error kinds), for the durable
// components' tests (SQLite, Redis).

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/esme/outcome.hpp"

namespace aiosmpp::test {

class RecordingHook final : public Hook {
 public:
  HookInterest interests() const noexcept override { return wants; }
  asio::awaitable<void> sending(const Pdu& m, std::span<const std::uint8_t>,
                                std::string_view) override {
    sent.push_back(tracking_of(m).log_id);
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m != nullptr) received_ids.push_back(tracking_of(*m).log_id);
    if (throw_on_received) throw std::runtime_error("hook failed on purpose");
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view) override {
    errors.push_back(tracking_of(m).log_id);
    kinds.push_back(e.kind);
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view) override {
    outcome_ids.push_back(o.tracking().log_id);
    outcome_trackings.push_back(o.tracking());
    if (o.response) outcome_trackings.push_back(tracking_of(*o.response));
    co_return;
  }
  asio::awaitable<void> receipt(const ReceiptOutcome& r, std::string_view) override {
    receipt_trackings.push_back(tracking_of(r.receipt));
    co_return;
  }
  std::vector<std::string> sent, received_ids, errors, outcome_ids;
  std::vector<Tracking> outcome_trackings, receipt_trackings;
  std::vector<SendError::Kind> kinds;
  bool throw_on_received = false;
  HookInterest wants = HookInterest::all;  // read by wrappers when they are made
};

}  // namespace aiosmpp::test
