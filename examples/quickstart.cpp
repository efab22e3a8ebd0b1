// The seed README's quick start in C++: bind, send five messages, print each outcome and each
// delivery receipt, then stop.
//
//   quickstart [--host 127.0.0.1] [--port 2775]     (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "common/options.hpp"

namespace {

// Prints what the Esme reports: the response (or failure) of each message, and the receipts.
class PrintingHook final : public aiosmpp::Hook {
 public:
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::received | aiosmpp::HookInterest::send_error;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (message == nullptr) co_return;
    if (const auto* r = std::get_if<aiosmpp::SubmitSmResp>(message)) {
      fmt::print("{}: {} message_id={}\n", r->tracking.log_id, r->header.command_status,
                 r->message_id);
      ++outcomes;
    } else if (const auto* d = std::get_if<aiosmpp::DeliverSm>(message)) {
      fmt::print("{}: receipt \"{}\"\n",
                 d->tracking.log_id.empty() ? "(unknown)" : d->tracking.log_id, d->short_message);
      ++receipts;
    }
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu& message, const aiosmpp::SendError& error,
                                   std::string_view) override {
    const auto& log_id =
        std::visit([](const auto& p) -> const std::string& { return p.tracking.log_id; }, message);
    fmt::print("{}: failed: {}\n", log_id, error);
    ++outcomes;
    co_return;
  }
  int outcomes = 0;
  int receipts = 0;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = examples::parse_options(argc, argv);
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.log_level = aiosmpp::LogLevel::warning;
    auto hook = std::make_shared<PrintingHook>();
    aiosmpp::Esme esme(io.get_executor(), config, {.hook = hook});

    co_await esme.connect();  // throws SmppError / std::system_error: fail early, as aiosmpplib
    for (int i = 0; i < 5; ++i) {
      aiosmpp::SubmitSm msg;
      msg.source = aiosmpp::PhoneNumber("254722111111");
      msg.destination = aiosmpp::PhoneNumber("254722999999");
      msg.text = aiosmpp::MessageText{fmt::format("Test message {}", i)};
      msg.tracking.log_id = fmt::format("id-{}", i);
      msg.tracking.extra_data = fmt::format("{{\"customer\": {}}}", i);
      aiosmpp::Pdu pdu = std::move(msg);
      co_await esme.broker().enqueue(std::move(pdu));
    }

    bool finished = false;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      finished = true;
      if (e) std::rethrow_exception(e);
    });
    // Wait for the five outcomes and, for a while, their receipts.
    for (int waited = 0; waited < 5000 && (hook->outcomes < 5 || hook->receipts < 5);
         waited += 10) {
      co_await sleep_for(std::chrono::milliseconds(10));
    }
    co_await esme.stop();
    while (!finished)
      co_await sleep_for(std::chrono::milliseconds(1));
    fmt::print("{} outcomes, {} receipts\n", hook->outcomes, hook->receipts);
  });
}
