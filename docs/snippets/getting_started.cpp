// docs/getting-started.md: the quick start, explained line by line. Run it against the simulator:
//   aiosmpp-smsc-sim &   then   doc_snippet_getting_started [host] [port]

// snippet-begin: includes
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/aiosmpp.hpp"
// snippet-end: includes

namespace {

// snippet-begin: hook
// Told every outcome: the response (or failure) of each message and each receipt.
class PrintingHook final : public aiosmpp::Hook {
 public:
  explicit PrintingHook(asio::steady_timer& done) : done_(done) {}

  // Only received() and send_error() are wanted: the Esme skips sending() entirely.
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::received | aiosmpp::HookInterest::send_error;
  }

  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view client_id) override {
    if (message == nullptr) co_return;  // bytes that did not decode (logged by the Esme)
    if (const auto* resp = std::get_if<aiosmpp::SubmitSmResp>(message)) {
      // The SMSC's answer, carrying the log_id we gave the message.
      fmt::print("[{}] {}: {} message_id={}\n", client_id, resp->tracking.log_id,
                 resp->header.command_status, resp->message_id);
    } else if (const auto* deliver = std::get_if<aiosmpp::DeliverSm>(message);
               deliver != nullptr && aiosmpp::text::is_receipt(*deliver)) {
      // The delivery receipt, correlated back to the same log_id.
      auto receipt = aiosmpp::text::parse_receipt(*deliver);
      fmt::print("[{}] {}: receipt stat={}\n", client_id, deliver->tracking.log_id,
                 receipt ? receipt->stat : std::string("(unreadable)"));
      done_.cancel();  // the whole round trip is done
    }
    co_return;
  }

  asio::awaitable<void> send_error(const aiosmpp::Pdu& message, const aiosmpp::SendError& error,
                                   std::string_view client_id) override {
    const auto& log_id = std::get<aiosmpp::SubmitSm>(message).tracking.log_id;
    fmt::print("[{}] {}: failed: {}\n", client_id, log_id, error);
    done_.cancel();
    co_return;
  }

 private:
  asio::steady_timer& done_;
};
// snippet-end: hook

asio::awaitable<void> run(std::string host, std::uint16_t port) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer done(executor, std::chrono::seconds(30));  // cancelled by the hook
  auto hook = std::make_shared<PrintingHook>(done);

  // snippet-begin: taste
  aiosmpp::EsmeConfig config{
      .smsc_host = host, .smsc_port = port, .system_id = "smppclient1", .password = "password"};
  aiosmpp::Esme esme(executor, config, {.hook = hook});

  aiosmpp::SubmitSm msg;
  msg.source = aiosmpp::PhoneNumber("254722111111");
  msg.destination = aiosmpp::PhoneNumber("254722999999");
  msg.text = aiosmpp::MessageText{"Hello 👋"};  // GSM 03.38 when it fits, else UCS2
  msg.tracking.log_id = "id-1";                // comes back with the response and receipt
  aiosmpp::Pdu pdu = std::move(msg);
  co_await esme.broker().enqueue(std::move(pdu));
  // snippet-end: taste

  // snippet-begin: start
  // start() binds, sends, receives, keeps the link alive and reconnects until stop(). Run it
  // beside this coroutine, and stop once the hook has seen the receipt.
  bool finished = false;
  asio::co_spawn(executor, esme.start(), [&](std::exception_ptr e) {
    finished = true;
    if (e) std::rethrow_exception(e);
  });
  std::error_code ec;  // operation_aborted when the hook cancels the timer
  co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_await esme.stop();  // stop taking messages, wait for responses, unbind, close
  while (!finished) {    // start()'s completion runs just after; the Esme must outlive it
    asio::steady_timer tick(executor, std::chrono::milliseconds(1));
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  // snippet-end: start
}

}  // namespace

// snippet-begin: main
int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::stoi(argv[2]) : 2775);
  asio::io_context io;  // aiosmpp starts no threads: everything runs where io.run() runs
  int status = 0;
  asio::co_spawn(io, run(host, port), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "error: %s\n", x.what());
      status = 1;
    }
  });
  io.run();
  return status;
}
// snippet-end: main
