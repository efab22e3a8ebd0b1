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

namespace aiosmpp::test {

class RecordingHook final : public Hook {
 public:
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
  std::vector<std::string> sent, received_ids, errors;
  std::vector<SendError::Kind> kinds;
  bool throw_on_received = false;
};

}  // namespace aiosmpp::test
