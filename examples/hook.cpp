// The seed README's MyHook ported: a Hook that sees every PDU going out, every PDU coming in
// (responses with the original message's log_id and extra_data attached, receipts correlated,
// MO messages) and every failure, and shows how an application retries.
//
//   hook [--host 127.0.0.1] [--port 2775]     (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "common/options.hpp"

namespace {

const aiosmpp::Tracking& tracking_of(const aiosmpp::Pdu& p) {
  return std::visit([](const auto& m) -> const aiosmpp::Tracking& { return m.tracking; }, p);
}

class MyHook final : public aiosmpp::Hook {
 public:
  explicit MyHook(aiosmpp::Broker& broker) : broker_(broker) {}

  asio::awaitable<void> sending(const aiosmpp::Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override {
    fmt::print("[{}] sending {} log_id={} ({} octets)\n", client_id,
               aiosmpp::command_id_of(message), tracking_of(message).log_id, pdu.size());
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override {
    if (message == nullptr) {
      fmt::print("[{}] received {} octets that are not a valid PDU\n", client_id, pdu.size());
      co_return;
    }
    const auto& t = tracking_of(*message);
    fmt::print("[{}] received {} status={} log_id={} extra_data={}\n", client_id,
               aiosmpp::command_id_of(*message), aiosmpp::header_of(*message).command_status,
               t.log_id, t.extra_data);
    ++received_;
    co_return;
  }

  asio::awaitable<void> send_error(const aiosmpp::Pdu& message, const aiosmpp::SendError& error,
                                   std::string_view client_id) override {
    fmt::print("[{}] send_error log_id={}: {}\n", client_id, tracking_of(message).log_id, error);
    // Nothing is retried automatically. A message that never reached the SMSC is safe to send
    // again; one of unknown outcome may have been accepted (re-sending risks a duplicate).
    if (error.kind == aiosmpp::SendError::Kind::not_sent && retries_ < 3) {
      ++retries_;
      aiosmpp::Pdu again = message;
      co_await broker_.enqueue(std::move(again));
    }
    co_return;
  }

  int received() const { return received_; }

 private:
  aiosmpp::Broker& broker_;
  int received_ = 0;
  int retries_ = 0;
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
    config.client_id = "hook-example";
    config.log_level = aiosmpp::LogLevel::warning;
    auto broker = std::make_shared<aiosmpp::SimpleBroker>(io.get_executor());
    auto hook = std::make_shared<MyHook>(*broker);
    aiosmpp::Esme esme(io.get_executor(), config, {.broker = broker, .hook = hook});

    aiosmpp::SubmitSm msg;
    msg.source = aiosmpp::PhoneNumber("254722111111");
    msg.destination = aiosmpp::PhoneNumber("254722999999");
    msg.text = aiosmpp::MessageText{"Hello from the hook example"};
    msg.tracking.log_id = "hook-1";
    msg.tracking.extra_data = "any string the application wants back";
    aiosmpp::Pdu pdu = std::move(msg);
    co_await esme.broker().enqueue(std::move(pdu));

    bool finished = false;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      finished = true;
      if (e) std::rethrow_exception(e);
    });
    // The response, then the receipt.
    for (int waited = 0; waited < 3000 && hook->received() < 2; waited += 10) {
      co_await sleep_for(std::chrono::milliseconds(10));
    }
    co_await esme.stop();
    while (!finished)
      co_await sleep_for(std::chrono::milliseconds(1));
  });
}
