// docs/getting-started.md: the quick start, explained line by line. Run it against the simulator:
//   aiosmpp-smsc-sim &   then   doc_snippet_getting_started [host] [port]

// snippet-begin: includes
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
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
// Told every message's one outcome (its response, or why it has none) and every receipt.
class PrintingHook final : public aiosmpp::Hook {
 public:
  PrintingHook(asio::steady_timer& done, int messages) : done_(done), expected_(messages) {}

  // Only outcome() and received() are wanted: the Esme skips sending() and send_error().
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome | aiosmpp::HookInterest::received;
  }

  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view client_id) override {
    if (o.error) {
      // No response: the message was invalid, never sent, or its answer did not come in time.
      fmt::print("[{}] {}: failed: {}\n", client_id, o.tracking().log_id, *o.error);
    } else {
      // The SMSC's answer (a submit_sm_resp, or a generic_nack), carrying our log_id.
      fmt::print("[{}] {}: {} message_id={}\n", client_id, o.tracking().log_id, *o.status(),
                 o.message_id());
      if (o.accepted()) ++receipts_due_;
    }
    ++outcomes_;
    check_done();
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view client_id) override {
    // Responses come here too (outcome() has them); here we want the delivery receipts, which
    // the Esme has already matched to the message they report on: same log_id.
    const auto* deliver = message ? std::get_if<aiosmpp::DeliverSm>(message) : nullptr;
    if (deliver == nullptr || !aiosmpp::text::is_receipt(*deliver)) co_return;
    auto receipt = aiosmpp::text::parse_receipt(*deliver);
    fmt::print("[{}] {}: receipt stat={}\n", client_id, deliver->tracking.log_id,
               receipt ? receipt->stat : std::string("(unreadable)"));
    ++receipts_;
    check_done();
    co_return;
  }

  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;  // not asked for
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;  // not asked for: outcome() sees failures too
  }

  // Every message has its outcome and every accepted one its receipt.
  bool complete() const { return outcomes_ == expected_ && receipts_ >= receipts_due_; }

 private:
  void check_done() {
    // Expiring the timer now ends the wait on it, whether that wait already started or not.
    if (complete()) done_.expires_after({});
  }

  asio::steady_timer& done_;
  int expected_;
  int outcomes_ = 0;
  int receipts_due_ = 0;
  int receipts_ = 0;
};
// snippet-end: hook

asio::awaitable<void> run(std::string host, std::uint16_t port) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer done(executor, std::chrono::seconds(30));  // expired early by the hook
  constexpr int messages = 1 + 9 + 1;  // the first one, nine more, one sent directly
  auto hook = std::make_shared<PrintingHook>(done, messages);

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
  // beside this coroutine, which goes on producing and later stops it.
  bool finished = false;
  asio::co_spawn(executor, esme.start(), [&](std::exception_ptr e) {
    finished = true;
    if (e) std::rethrow_exception(e);
  });
  // snippet-end: start

  // snippet-begin: many
  // Many messages: enqueue them while start() runs. Each enqueue() waits while the broker is
  // full (2,500 messages by default) until the Esme has taken some: back-pressure, not loss.
  for (int i = 2; i <= 10; ++i) {
    aiosmpp::SubmitSm next;
    next.source = aiosmpp::PhoneNumber("254722111111");
    next.destination = aiosmpp::PhoneNumber("254722999999");
    next.text = aiosmpp::MessageText{fmt::format("Message {}", i)};
    next.tracking.log_id = fmt::format("id-{}", i);
    aiosmpp::Pdu queued = std::move(next);
    co_await esme.broker().enqueue(std::move(queued));
  }
  // snippet-end: many

  // snippet-begin: submit
  // One message whose answer this coroutine needs: submit() sends it through the same window
  // and rate limit as the broker's messages and returns its one outcome (the hook sees it too).
  aiosmpp::SubmitSm otp;
  otp.source = aiosmpp::PhoneNumber("254722111111");
  otp.destination = aiosmpp::PhoneNumber("254722999999");
  otp.text = aiosmpp::MessageText{"Your code is 4711"};
  otp.tracking.log_id = "otp-1";
  const aiosmpp::Outcome answer = co_await esme.submit(std::move(otp));
  if (answer.accepted()) {
    fmt::print("otp-1 accepted, message_id={}\n", answer.message_id());
  } else if (answer.error) {
    fmt::print("otp-1 not sent: {}\n", *answer.error);  // SendError: see concepts.md#outcomes
  } else {
    fmt::print("otp-1 refused: {}\n", *answer.status());
  }
  // snippet-end: submit

  // snippet-begin: stop
  // Wait until the hook has every outcome and receipt (or 30 s), then stop.
  std::error_code ec;  // operation_aborted when the hook expires the timer during the wait
  co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_await esme.stop();  // stop taking messages, wait for responses, unbind, close
  while (!finished) {    // start()'s completion runs just after; the Esme must outlive it
    asio::steady_timer tick(executor, std::chrono::milliseconds(1));
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!hook->complete()) throw std::runtime_error("not every outcome and receipt within 30 s");
  // snippet-end: stop
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
