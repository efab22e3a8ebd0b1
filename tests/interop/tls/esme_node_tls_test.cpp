// aiosmpp's Esme over TLS against node-smpp's TLS server (smpp.createServer({key, cert}): the
// interop peer tests/interop/node/esme_server_peer.js with AIOSMPP_TLS_CERT/KEY set), with
// certificates from the test CA (fixture tls_ca). The peer is stopped by its process id.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/error.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "interop/esme/node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

std::string ca_file(const std::string& name) {
  return std::string(AIOSMPP_TLS_CA_DIR) + "/" + name;
}

// node-smpp's TLS server presenting `cert` ("server", "expired", ...).
std::unique_ptr<NodePeer> start_tls_peer(const std::string& cert) {
  ::setenv("AIOSMPP_TLS_CERT", ca_file(cert + ".pem").c_str(), 1);
  ::setenv("AIOSMPP_TLS_KEY", ca_file(cert + ".key").c_str(), 1);
  auto peer = std::make_unique<NodePeer>(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_ESME_PEER_SCRIPT);
  ::unsetenv("AIOSMPP_TLS_CERT");
  ::unsetenv("AIOSMPP_TLS_KEY");
  return peer;
}

EsmeConfig tls_config(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_host = "localhost";
  c.smsc_port = port;
  c.system_id = "aiosmpp";
  c.password = "pw";
  c.socket_timeout = 5s;
  c.response_timeout = 5s;
  c.stop_timeout = 2s;
  c.log_level = LogLevel::off;
  c.tls.enabled = true;
  c.tls.ca_file = ca_file("ca.pem");
  return c;
}

struct CountingHook final : Hook {
  std::vector<std::string> ok;        // log_ids answered ESME_ROK
  std::vector<std::string> failed;    // log_ids that failed
  std::vector<std::string> receipts;  // log_ids of the receipts (correlated)
  std::vector<std::string> message_ids;
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) co_return;
    if (const auto* r = std::get_if<SubmitSmResp>(m)) {
      (r->header.command_status == CommandStatus::ok ? ok : failed).push_back(r->tracking.log_id);
      message_ids.push_back(r->message_id);
    } else if (const auto* d = std::get_if<DeliverSm>(m)) {
      receipts.push_back(d->tracking.log_id);
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError&, std::string_view) override {
    failed.push_back(tracking_of(m).log_id);
    co_return;
  }
};

asio::awaitable<bool> wait_until(const std::function<bool()>& pred,
                                 std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    t.expires_after(2ms);
    co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
  }
  co_return true;
}

}  // namespace

TEST_CASE("esme tls interop: submits and a receipt over TLS to node-smpp's TLS server") {
  auto peer_ptr = start_tls_peer("server");
  auto& peer = *peer_ptr;
  asio::io_context io;
  auto hook = std::make_shared<CountingHook>();
  Esme esme(io.get_executor(), tls_config(peer.port()), {.hook = hook});
  bool finished = false;
  run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        co_await esme.connect();
        asio::co_spawn(co_await asio::this_coro::executor, esme.start(),
                       [&](std::exception_ptr) { finished = true; });
        for (int i = 0; i < 20; ++i) {
          SubmitSm m;
          m.source = PhoneNumber("254722111111");
          m.destination = PhoneNumber("254722999999");
          m.text = MessageText{fmt::format("over TLS {}", i)};
          m.registered_delivery = RegisteredDelivery::receipt_always;
          m.tracking.log_id = fmt::format("m{}", i);
          co_await esme.broker().enqueue(Pdu{std::move(m)});
        }
        const bool answered = co_await wait_until([&] { return hook->ok.size() == 20; });
        CHECK(answered);
        // A receipt from node-smpp, over the same TLS stream, finds its message.
        peer.command({{"op", "receipt"}, {"message_id", hook->message_ids.at(3)}});
        const bool receipt = co_await wait_until([&] { return hook->receipts.size() == 1; });
        CHECK(receipt);
        co_await esme.stop();
        const bool stopped = co_await wait_until([&] { return finished; });
        CHECK(stopped);
      }(),
      20s);
  CHECK(hook->failed.empty());
  REQUIRE(hook->receipts.size() == 1);
  CHECK(hook->receipts[0] == "m3");
  CHECK(peer.received("submit_sm").size() == 20);
  CHECK(peer.received("submit_sm").at(7).value("text", "") == "over TLS 7");
  CHECK(peer.received("unbind").size() == 1);
}

TEST_CASE("esme tls interop: node-smpp's expired certificate is refused") {
  auto peer_ptr = start_tls_peer("expired");
  auto& peer = *peer_ptr;
  asio::io_context io;
  Esme esme(io.get_executor(), tls_config(peer.port()));
  std::error_code code;
  std::string what;
  run_coro(io, [&]() -> asio::awaitable<void> {
    try {
      co_await esme.connect();
    } catch (const std::system_error& e) {
      code = e.code();
      what = e.what();
    }
  }());
  INFO(what);
  CHECK(code == errc::tls_verify_failed);
  CHECK(what.find("certificate has expired") != std::string::npos);
  CHECK(peer.received("bind_transceiver").empty());
}
