#pragma once

// What the Esme-against-node-smpp tests of issue 16's delivery semantics share
// (esme_delivery_interop_test.cpp, esme_requests_interop_test.cpp): the peer
// (tests/interop/node/esme_server_peer.js), a hook that records every outcome and receipt in
// their one shape, numbered messages, and readers of the peer's events and its own tally.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

namespace aiosmpp::test {

inline NodePeer delivery_peer() {
  return NodePeer(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_ESME_PEER_SCRIPT);
}

// Every outcome and receipt in the one shape each has (Hook::outcome, Hook::receipt), and the
// requests the SMSC sent. With `gate` set, received() holds the first request from the SMSC
// until `gate_open`: the Esme answers it only after received() returns and reads nothing
// meanwhile, so whatever the SMSC writes behind it waits in the Esme's read buffer.
struct DeliveryHook final : Hook {
  std::vector<Outcome> outcomes;
  std::vector<ReceiptOutcome> receipts;
  std::vector<Pdu> requests;
  bool gate = false;
  bool gate_entered = false;
  bool gate_open = false;

  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::outcome | HookInterest::receipt;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr || is_response(command_id_of(*m))) co_return;
    requests.push_back(*m);
    if (gate && !gate_entered) {
      gate_entered = true;
      asio::steady_timer t(co_await asio::this_coro::executor);
      while (!gate_open) {
        t.expires_after(std::chrono::milliseconds(2));
        co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
      }
    }
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome& o, std::string_view) override {
    outcomes.push_back(o);
    co_return;
  }
  asio::awaitable<void> receipt(const ReceiptOutcome& r, std::string_view) override {
    receipts.push_back(r);
    co_return;
  }

  // How many outcomes each log_id got.
  std::map<std::string, int> outcomes_by_log_id() const {
    std::map<std::string, int> seen;
    for (const auto& o : outcomes)
      ++seen[o.tracking().log_id];
    return seen;
  }
};

inline EsmeConfig delivery_config(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_port = port;
  c.system_id = "aiosmpp";
  c.password = "pw";
  c.client_id = "interop-delivery";
  c.enquire_link_interval = std::chrono::seconds(5);
  c.socket_timeout = std::chrono::seconds(2);
  c.response_timeout = std::chrono::seconds(5);
  c.stop_timeout = std::chrono::seconds(1);
  c.unbind_drain_timeout = std::chrono::seconds(2);
  c.window = 8;
  c.log_level = LogLevel::off;
  return c;
}

inline std::shared_ptr<RetryTimer> quick_retry() {
  ExponentialBackoff::Options o;
  o.min_delay = std::chrono::milliseconds(20);
  o.max_increases = 2;
  o.jitter = 0.2;
  return std::make_shared<ExponentialBackoff>(o);
}

// Message i: log_id "m<i>", text "message <i>", extra_data "extra-m<i>".
inline SubmitSm numbered(int i, bool receipt) {
  SubmitSm m;
  m.source = PhoneNumber("254722000001", Ton::international, Npi::isdn);
  m.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
  m.registered_delivery = receipt ? RegisteredDelivery::receipt_always : RegisteredDelivery::none;
  m.tracking.log_id = fmt::format("m{:02}", i);
  m.tracking.extra_data = "extra-" + m.tracking.log_id;
  m.short_message = fmt::format("message {:02}", i);
  return m;
}

inline std::span<const std::uint8_t> as_octets(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline asio::awaitable<void> enqueue_numbered(Esme& esme, int count, bool receipt) {
  for (int i = 0; i < count; ++i) {
    Pdu p = numbered(i, receipt);
    co_await esme.broker().enqueue(std::move(p));
  }
}

// The peer's own tally, asked for now.
inline json peer_stats(asio::io_context& io, NodePeer& peer) {
  peer.command({{"op", "stats"}});
  REQUIRE(run_coro(io, peer.settle()));
  const auto stats = peer.select([](const json& e) { return e.value("event", "") == "stats"; });
  REQUIRE(!stats.empty());
  return stats.back();
}

// The message_id the peer answered each text with (the "answered" submit_sm and "released"
// events).
inline std::map<std::string, std::string> answered_ids(NodePeer& peer) {
  std::map<std::string, std::string> ids;
  for (const auto& e : peer.events()) {
    const auto ev = e.value("event", "");
    if ((ev == "pdu" || ev == "released") && e.value("action", "") == "answered" &&
        e.contains("text")) {
      ids[e.at("text").get<std::string>()] = e.at("message_id").get<std::string>();
    }
  }
  return ids;
}

inline bool peer_closed(NodePeer& peer, int session) {
  return !peer.select([session](const json& e) {
                return e.value("event", "") == "close" && e.value("session", 0) == session;
              })
              .empty();
}

}  // namespace aiosmpp::test
