// docs/guides/embedding.md: an Esme inside an application that already runs Asio on a thread
// pool, fed by producer threads.
//   doc_snippet_embedding [host] [port]     (against aiosmpp-smsc-sim)

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/use_future.hpp>

#include "aiosmpp/esme/esme.hpp"

namespace {

// Counts each message's one outcome (its response, a generic_nack included, or a SendError).
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
  asio::awaitable<void> outcome(const aiosmpp::Outcome&, std::string_view) override {
    ++outcomes;
    co_return;
  }
  std::atomic<int> outcomes{0};  // written on the strand, read by main()
};

}  // namespace

int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::stoi(argv[2]) : 2775);
  constexpr int messages = 100;
  try {
    aiosmpp::EsmeConfig config{
        .smsc_host = host, .smsc_port = port, .system_id = "smppclient1", .password = "password"};
    config.log_level = aiosmpp::LogLevel::warning;
    auto hook = std::make_shared<CountingHook>();

    // snippet-begin: strand
    asio::io_context io;                  // the application's, run by its own threads
    auto strand = asio::make_strand(io);  // the Esme's executor: its work never runs in parallel
    auto broker = std::make_shared<aiosmpp::SimpleBroker>(strand, 10'000);
    aiosmpp::Esme esme(strand, config, {.broker = broker, .hook = hook});
    // start() only creates the coroutine; co_spawn runs it on the strand.
    std::future<void> finished = asio::co_spawn(strand, esme.start(), asio::use_future);

    std::vector<std::thread> pool;  // aiosmpp adds no threads: these run everything
    for (int i = 0; i < 2; ++i)
      pool.emplace_back([&io] { io.run(); });
    // snippet-end: strand

    // snippet-begin: producer
    // Any thread may hand messages over: try_enqueue is the thread-safe entry of SimpleBroker.
    std::thread producer([&broker] {
      for (int i = 0; i < messages; ++i) {
        aiosmpp::SubmitSm msg;
        msg.destination = aiosmpp::PhoneNumber("254722999999");
        msg.text = aiosmpp::MessageText{fmt::format("message {}", i)};
        msg.tracking.log_id = fmt::format("p-{}", i);
        aiosmpp::Pdu pdu = std::move(msg);
        while (!broker->try_enqueue(pdu))  // full (capacity 10,000): wait, drop or count
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    // snippet-end: producer
    producer.join();
    for (int waited = 0; hook->outcomes < messages && waited < 10'000; waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));

    // snippet-begin: stop
    // From any thread: run stop() on the strand and wait for it, then for start().
    asio::co_spawn(strand, esme.stop(), asio::use_future).get();
    finished.get();  // rethrows what start() threw, if anything
    io.stop();       // the application's own shutdown: its threads leave io.run()
    for (auto& t : pool)
      t.join();
    // snippet-end: stop
    fmt::print("{} of {} messages answered\n", hook->outcomes.load(), messages);
    return hook->outcomes == messages ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
