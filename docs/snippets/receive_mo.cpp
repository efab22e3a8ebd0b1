// docs/guides/receive-mo.md: receiving mobile-originated messages and delivery receipts in a Hook.
// Runs without a network: main() feeds the hook what the simulator would send.

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/esme/hook.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/text.hpp"
#include "snippet_main.hpp"

namespace {

// snippet-begin: hook
class InboxHook final : public aiosmpp::Hook {
 public:
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::received;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (message == nullptr) co_return;  // undecodable bytes (the Esme answered and logged them)
    const auto* deliver = std::get_if<aiosmpp::DeliverSm>(message);
    if (deliver == nullptr) co_return;  // responses to our own requests, data_sm, ...

    if (aiosmpp::text::is_receipt(*deliver)) {
      auto receipt = aiosmpp::text::parse_receipt(*deliver);
      if (!receipt) co_return;  // marked as a receipt but unreadable: log it in a real service
      // tracking is the original message's, when the correlator knew the SMSC's message_id.
      fmt::print("receipt for {}: {} (SMSC id {})\n",
                 deliver->tracking.log_id.empty() ? "(unknown)" : deliver->tracking.log_id,
                 receipt->stat, receipt->id);
      co_return;
    }

    // A mobile-originated message. Long ones arrive once, already reassembled.
    auto text = aiosmpp::text::decode_text(*deliver);
    if (!text) {
      fmt::print("MO from {} not decodable: {}\n", deliver->source.number, text.error().message);
      co_return;
    }
    // Store it before returning: the Esme answers the deliver_sm only after received() returns,
    // so a crash here makes the SMSC deliver it again instead of losing it.
    inbox.push_back(fmt::format("{} -> {}: {}", deliver->source.number, deliver->destination.number,
                                text->text));
    co_return;
  }

  std::vector<std::string> inbox;
};
// snippet-end: hook

asio::awaitable<void> demo() {
  InboxHook hook;
  // What aiosmpp-smsc-sim sends: an MO message (UCS2 here) and a receipt.
  auto mo = aiosmpp::smsc::make_mo({.from = "447700900001", .to = "1234", .text = "Привет 👋"});
  aiosmpp::smsc::ReceiptInfo info{.message_id = "17",
                                  .source = {},
                                  .destination = {},
                                  .submitted = std::chrono::system_clock::now()};
  aiosmpp::Pdu receipt = aiosmpp::smsc::make_receipt(info, aiosmpp::smsc::ReceiptStyle::both,
                                                     std::chrono::system_clock::now());
  aiosmpp::Pdu first = mo.front();
  co_await hook.received(&first, {}, "demo");
  co_await hook.received(&receipt, {}, "demo");
  if (hook.inbox.size() != 1 || hook.inbox.front() != "447700900001 -> 1234: Привет 👋") {
    throw std::runtime_error("the MO message was not stored as expected");
  }
  fmt::print("inbox: {}\n", hook.inbox.front());
}

}  // namespace

int main() {
  asio::io_context io;
  return docs::run_main(io, demo());
}
