// The seed README's quick start in C++: bind, send five messages, print each outcome and each
// delivery receipt, then stop.
//
//   quickstart [--host 127.0.0.1] [--port 2775]     (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "common/condition.hpp"
#include "common/options.hpp"

namespace {

// Prints what the Esme reports: each message's one outcome, and the receipts.
class PrintingHook final : public aiosmpp::Hook {
 public:
  explicit PrintingHook(examples::Condition& progress) : progress_(progress) {}

  // outcome(): every message's one outcome, whatever ended it (a submit_sm_resp, a generic_nack,
  // a timeout, a dropped connection). received(): the receipts. The Esme skips the rest.
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome | aiosmpp::HookInterest::received;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;  // not asked for: outcome() sees failures too
  }

  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view) override {
    if (o.error) {
      fmt::print("{}: failed: {}\n", o.tracking().log_id, *o.error);
    } else {
      fmt::print("{}: {} message_id={}\n", o.tracking().log_id, *o.status(), o.message_id());
      if (o.accepted()) ++accepted;
    }
    ++outcomes;
    progress_.notify();
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    // Responses arrive here too (outcome() has them); receipts only here.
    const auto* d = message ? std::get_if<aiosmpp::DeliverSm>(message) : nullptr;
    if (d == nullptr || !aiosmpp::text::is_receipt(*d)) co_return;
    fmt::print("{}: receipt \"{}\"\n",
               d->tracking.log_id.empty() ? "(unknown)" : d->tracking.log_id, d->short_message);
    ++receipts;
    progress_.notify();
    co_return;
  }

  int outcomes = 0;
  int accepted = 0;
  int receipts = 0;

 private:
  examples::Condition& progress_;
};

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
    examples::Condition progress(io.get_executor());
    auto hook = std::make_shared<PrintingHook>(progress);
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
    std::exception_ptr run_error;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      run_error = e;
      finished = true;
      progress.notify();
    });
    // The five outcomes and, for a while, a receipt for each accepted message.
    co_await progress.wait_for(std::chrono::seconds(5), [&] {
      return finished || (hook->outcomes == 5 && hook->receipts >= hook->accepted);
    });
    co_await esme.stop();
    co_await progress.wait_until(examples::Condition::Clock::time_point::max(),
                                 [&] { return finished; });
    if (run_error) std::rethrow_exception(run_error);
    fmt::print("{} outcomes, {} receipts\n", hook->outcomes, hook->receipts);
    if (hook->outcomes < 5 || hook->receipts < hook->accepted) {
      throw std::runtime_error(
          fmt::format("incomplete after 5 s: {} of 5 outcomes, {} of {} receipts", hook->outcomes,
                      hook->receipts, hook->accepted));
    }
  });
}
