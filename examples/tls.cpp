// SMPP over TLS: the Esme verifies the SMSC's certificate against a CA file (or the system's
// store), checks its name, binds, sends three messages and prints each outcome and receipt. A
// certificate it refuses ends the run at connect() with the reason (docs/guides/tls.md).
//
//   tls --host localhost --port 3550 --ca ca.pem [--server-name NAME]
//       [--cert client.pem --key client.key]
//
// Try it with aiosmpp-smsc-sim --port 3550 --tls-cert server.pem --tls-key server.key, the
// certificate made as the guide shows.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "common/options.hpp"

namespace {

// Counts and prints the outcome of each message (its response, a generic_nack or a SendError:
// one shape through Hook::outcome) and the receipts.
class PrintingHook final : public aiosmpp::Hook {
 public:
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome | aiosmpp::HookInterest::received;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (message == nullptr) co_return;
    if (const auto* d = std::get_if<aiosmpp::DeliverSm>(message)) {
      fmt::print("{}: receipt \"{}\"\n", d->tracking.log_id, d->short_message);
      ++receipts;
    }
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;  // outcome() has it
  }
  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view) override {
    if (o.error) {
      fmt::print("{}: failed: {}\n", o.tracking().log_id, *o.error);
    } else {
      fmt::print("{}: {} message_id={}\n", o.tracking().log_id, *o.status(), o.message_id());
    }
    ++outcomes;
    co_return;
  }
  int outcomes = 0;
  int receipts = 0;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  std::error_code ec;  // cancelled at shutdown: not an error here
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

int main(int argc, char** argv) {
  std::string ca;
  std::string server_name;
  std::string cert;
  std::string key;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::string_flag("--ca", "FILE", "CA certificates to trust (default: the system's)",
                             ca),
       examples::string_flag("--server-name", "NAME",
                             "name to check in the certificate (default: --host)", server_name),
       examples::string_flag("--cert", "FILE", "client certificate, when the SMSC asks", cert),
       examples::string_flag("--key", "FILE", "the client certificate's key", key)});
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.log_level = aiosmpp::LogLevel::warning;
    config.tls.enabled = true;
    config.tls.ca_file = ca;               // empty: the system's store
    config.tls.server_name = server_name;  // empty: smsc_host
    config.tls.cert_file = cert;           // both empty: no client certificate
    config.tls.key_file = key;
    config.tls.handshake_timeout = std::chrono::seconds(5);
    auto hook = std::make_shared<PrintingHook>();
    // Throws ConfigError naming tls.<field> for a file that cannot be read or is not PEM.
    aiosmpp::Esme esme(io.get_executor(), config, {.hook = hook});

    // A refused certificate throws std::system_error with errc::tls_verify_failed and OpenSSL's
    // reason ("certificate has expired", "hostname mismatch", ...).
    co_await esme.connect();
    fmt::print("bound over TLS to {}:{}\n", options.host, options.port);
    for (int i = 0; i < 3; ++i) {
      aiosmpp::SubmitSm msg;
      msg.source = aiosmpp::PhoneNumber("254722111111");
      msg.destination = aiosmpp::PhoneNumber("254722999999");
      msg.text = aiosmpp::MessageText{fmt::format("Secret message {}", i)};
      msg.tracking.log_id = fmt::format("tls-{}", i);
      aiosmpp::Pdu pdu = std::move(msg);
      co_await esme.broker().enqueue(std::move(pdu));
    }

    bool finished = false;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      finished = true;
      if (e) std::rethrow_exception(e);
    });
    for (int waited = 0; waited < 5000 && (hook->outcomes < 3 || hook->receipts < 3);
         waited += 10) {
      co_await sleep_for(std::chrono::milliseconds(10));
    }
    co_await esme.stop();
    while (!finished)
      co_await sleep_for(std::chrono::milliseconds(1));
    fmt::print("{} outcomes, {} receipts\n", hook->outcomes, hook->receipts);
  });
}
