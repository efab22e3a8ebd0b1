// A receiver: binds with bind_receiver and prints every mobile-originated (MO) message, one line
// each, with a segmented message printed once, reassembled. Delivery receipts that reach it (for
// messages another connection of the same system_id sent) are printed as receipts.
//
//   receiver [--host 127.0.0.1] [--port 2775] [--count N] [--seconds S]
//
// It stops cleanly (unbind, then close) after N messages, after S seconds, or on SIGINT/SIGTERM,
// whichever comes first; without --count and --seconds it runs until a signal. Try it with
//   aiosmpp-smsc-sim --mo-rate 1 --mo-text "Hello"
// Output, one line per message:
//   MO from=447700900001 to=1234 encoding=gsm0338 data_coding=0x00 text="Hello"

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/signal_set.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "common/condition.hpp"
#include "common/options.hpp"

namespace {

// Prints each incoming message. The Esme answers a deliver_sm only after received() returns, so
// a real application stores the message here (database, queue) before returning: if it crashes
// first, the SMSC gets no response and delivers the message again.
class MoPrinter final : public aiosmpp::Hook {
 public:
  explicit MoPrinter(examples::Condition& progress) : progress_(progress) {}

  // Only received(): the Esme then skips the other two calls entirely. A receiver sends nothing
  // from the broker, so sending()/send_error() could not be called anyway.
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

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view) override {
    if (message == nullptr) {
      // The Esme could not decode it (and has answered it with generic_nack); nothing to print
      // but the fact.
      fmt::print(stderr, "undecodable PDU ({} octets)\n", pdu.size());
      co_return;
    }
    // SMSCs deliver MO as deliver_sm, some as data_sm: handle both the same way.
    if (const auto* d = std::get_if<aiosmpp::DeliverSm>(message)) {
      show(*d);
    } else if (const auto* s = std::get_if<aiosmpp::DataSm>(message)) {
      show(*s);
    }
    co_return;
  }

  std::uint64_t messages() const noexcept { return messages_; }
  std::uint64_t receipts() const noexcept { return receipts_; }

 private:
  template <class Message>
  void show(const Message& m) {
    if (aiosmpp::text::is_receipt(m)) {
      const auto receipt = aiosmpp::text::parse_receipt(m);
      if (receipt) {
        fmt::print("receipt id={} stat={}\n", receipt->id, receipt->stat);
      } else {
        fmt::print("receipt (unreadable: {})\n", receipt.error().message);
      }
      ++receipts_;
    } else {
      // A long message arrives here once, with all its parts joined (UDH or SAR), so its text is
      // decoded in one piece: a character split across two segments comes out whole.
      const auto decoded = aiosmpp::text::decode_text(m);
      if (decoded) {
        fmt::print("MO from={} to={} encoding={} data_coding=0x{:02x} text={:?}\n", m.source.number,
                   m.destination.number, decoded->codec_name, static_cast<unsigned>(m.data_coding),
                   decoded->text);
      } else {
        // Still a message the SMSC delivered: count it, say why it cannot be shown.
        fmt::print("MO from={} to={} data_coding=0x{:02x} undecodable: {}\n", m.source.number,
                   m.destination.number, static_cast<unsigned>(m.data_coding),
                   decoded.error().message);
      }
      ++messages_;
    }
    std::fflush(stdout);  // a line as soon as it comes, also when stdout is a pipe or a file
    progress_.notify();
  }

  examples::Condition& progress_;
  std::uint64_t messages_ = 0;
  std::uint64_t receipts_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 0;
  std::uint64_t seconds = 0;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::uint_flag("--count", "N", "exit after N messages (default 0: no limit)", count, 0,
                           1'000'000'000),
       examples::uint_flag("--seconds", "S", "exit after S seconds (default 0: no limit)", seconds,
                           0, 86'400 * 365)});

  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.bind_mode = aiosmpp::BindMode::receiver;
    config.client_id = "receiver-example";
    config.log_level = aiosmpp::LogLevel::warning;

    examples::Condition progress(io.get_executor());
    // SIGINT/SIGTERM end the wait below; the Esme then unbinds properly instead of dying
    // mid-PDU. Installed first, so that a signal during the bind is not the default death.
    int signal_number = 0;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const std::error_code& ec, int number) {
      if (ec) return;  // cancelled at the end of the run
      signal_number = number;
      progress.notify();
    });

    auto hook = std::make_shared<MoPrinter>(progress);
    aiosmpp::Esme esme(io.get_executor(), config, {.hook = hook});

    // Fail early with the SMSC's answer (a wrong password, say) instead of retrying forever.
    co_await esme.connect();
    fmt::print(stderr, "bound as receiver to {}:{}\n", options.host, options.port);

    bool finished = false;
    std::exception_ptr run_error;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      run_error = e;
      finished = true;
      progress.notify();
    });

    co_await progress.wait_until(examples::deadline_after(seconds), [&] {
      return (count > 0 && hook->messages() >= count) || signal_number != 0 || finished;
    });

    co_await esme.stop();
    co_await progress.wait_until(examples::Condition::Clock::time_point::max(),
                                 [&] { return finished; });
    signals.cancel();  // the pending wait would otherwise keep io.run() going
    if (run_error) std::rethrow_exception(run_error);

    fmt::print("{} messages, {} receipts\n", hook->messages(), hook->receipts());
    if (signal_number != 0) {
      fmt::print(stderr, "stopped by signal {}\n", signal_number);
    } else if (count > 0 && hook->messages() < count) {
      // --count is a promise to a script waiting for N messages: not keeping it is an error.
      throw std::runtime_error(
          fmt::format("{} of {} messages within {} s", hook->messages(), count, seconds));
    }
  });
}
