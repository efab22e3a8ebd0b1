// docs/guides/several-esmes.md: several ESMEs (accounts, or connections of one account) on one
// io_context and one thread.
//   doc_snippet_several_esmes [host] [port]     (against aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"

namespace {

// One hook serves every ESME: client_id says which one is calling. Hook::outcome() gives each
// message's one outcome in one shape: its response (a generic_nack included) or a SendError.
class CountingHook final : public aiosmpp::Hook {
 public:
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::outcome;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const aiosmpp::Pdu*, std::span<const std::uint8_t>,
                                 std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const aiosmpp::Pdu&, const aiosmpp::SendError&,
                                   std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view client_id) override {
    if (o.error) {
      fmt::print("{}: {}\n", client_id, *o.error);
    } else {
      fmt::print("{}: {}\n", client_id, *o.status());
    }
    ++outcomes;
    co_return;
  }
  int outcomes = 0;
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> run(asio::io_context& io, std::string host, std::uint16_t port) {
  auto hook = std::make_shared<CountingHook>();
  // snippet-begin: several
  // One logger, one hook and one rate limiter shared; a broker and a connection each.
  auto limiter = std::make_shared<aiosmpp::TokenBucketRateLimiter>(100.0);
  std::vector<std::unique_ptr<aiosmpp::Esme>> esmes;
  for (const char* account : {"marketing", "alerts"}) {
    aiosmpp::EsmeConfig config{
        .smsc_host = host, .smsc_port = port, .system_id = account, .password = "password"};
    config.client_id = account;  // on every log record and hook call
    config.log_level = aiosmpp::LogLevel::warning;
    esmes.push_back(std::make_unique<aiosmpp::Esme>(
        io.get_executor(), config, aiosmpp::Components{.hook = hook, .rate_limiter = limiter}));
  }
  int running = 0;
  for (auto& esme : esmes) {
    ++running;
    asio::co_spawn(io, esme->start(), [&running](std::exception_ptr e) {
      --running;
      if (e) std::rethrow_exception(e);
    });
  }
  // snippet-end: several

  for (auto& esme : esmes) {
    aiosmpp::SubmitSm msg;
    msg.destination = aiosmpp::PhoneNumber("254722999999");
    msg.text = aiosmpp::MessageText{fmt::format("from {}", esme->client_id())};
    msg.tracking.log_id = std::string(esme->client_id());
    aiosmpp::Pdu pdu = std::move(msg);
    co_await esme->broker().enqueue(std::move(pdu));
  }
  for (int waited = 0; hook->outcomes < 2 && waited < 10'000; waited += 10) {
    co_await pause(std::chrono::milliseconds(10));
  }

  // snippet-begin: stop
  for (auto& esme : esmes)
    co_await esme->stop();  // each returns once its start() has returned
  while (running > 0)       // then let the start() completions run before the Esmes go away
    co_await pause(std::chrono::milliseconds(1));
  // snippet-end: stop
  if (hook->outcomes != 2) throw std::runtime_error("expected an outcome from each ESME");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::stoi(argv[2]) : 2775);
  asio::io_context io;
  int status = 0;
  asio::co_spawn(io, run(io, host, port), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "error: %s\n", x.what());
      status = 1;
    }
  });
  io.run();  // one thread runs every ESME
  return status;
}
