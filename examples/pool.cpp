// A pool of binds to one SMSC account: --binds transceivers to the primary host, two to a backup
// when --backup-port is given, one shared budget of --rate messages per second. Sends --count
// messages through the pool's broker, prints how many each bind carried and how they ended, then
// stops.
//
//   pool [--host 127.0.0.1] [--port 2775] [--binds 4] [--rate 200] [--count 100]
//        [--backup-port P]                          (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/pool.hpp"
#include "common/options.hpp"

namespace {

// Every message's one outcome, whichever bind carried it (client_id says which).
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
    ++outcomes;
    ++by_bind[std::string(client_id)];
    if (o.accepted()) {
      ++accepted;
    } else if (o.error) {
      fmt::print("{}: failed: {}\n", aiosmpp::tracking_of(o.message).log_id, *o.error);
    } else {
      fmt::print("{}: {}\n", aiosmpp::tracking_of(o.message).log_id, *o.status());
    }
    co_return;
  }
  std::uint64_t outcomes = 0;
  std::uint64_t accepted = 0;
  std::map<std::string, std::uint64_t> by_bind;
};

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  std::error_code ec;  // cancelled at shutdown: not an error here
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t binds = 4;
  std::uint64_t rate = 200;
  std::uint64_t count = 100;
  std::uint64_t backup_port = 0;
  const auto options = examples::parse_options(
      argc, argv,
      {examples::uint_flag("--binds", "N", "binds to the primary host (default 4)", binds, 1, 64),
       examples::uint_flag("--rate", "R", "the account's messages per second (default 200)", rate,
                           1, 100000),
       examples::uint_flag("--count", "N", "messages to send (default 100)", count, 0, 1000000),
       examples::uint_flag("--backup-port", "P", "a backup SMSC on --host (default none)",
                           backup_port, 1, 65535)});
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmePoolConfig config;
    config.esme.system_id = "smppclient1";
    config.esme.password = "password";
    config.esme.client_id = "pool-example";  // each bind is pool-example#<n>
    config.esme.log_level = aiosmpp::LogLevel::warning;
    config.hosts.push_back(aiosmpp::PoolHost{.host = options.host,
                                             .port = options.port,
                                             .priority = 0,
                                             .binds = static_cast<std::size_t>(binds)});
    if (backup_port != 0) {
      config.hosts.push_back(aiosmpp::PoolHost{.host = options.host,
                                               .port = static_cast<std::uint16_t>(backup_port),
                                               .priority = 1,
                                               .binds = 2});
    }
    config.rate = static_cast<double>(rate);  // for the whole pool, however many binds are up
    auto hook = std::make_shared<CountingHook>();
    aiosmpp::EsmePool pool(io.get_executor(), config, {.hook = hook});

    bool finished = false;
    asio::co_spawn(io, pool.start(), [&](std::exception_ptr e) {
      finished = true;
      if (e) std::rethrow_exception(e);
    });
    for (std::uint64_t i = 0; i < count; ++i) {
      aiosmpp::SubmitSm msg;
      msg.source = aiosmpp::PhoneNumber("254722111111");
      msg.destination = aiosmpp::PhoneNumber("254722999999");
      msg.text = aiosmpp::MessageText{fmt::format("Pool message {}", i)};
      msg.tracking.log_id = fmt::format("id-{}", i);
      co_await pool.broker().enqueue(aiosmpp::Pdu(std::move(msg)));
    }
    // Every message ends in one outcome; wait for them (a generous bound for a slow SMSC).
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10 + count / rate * 2);
    while (hook->outcomes < count && std::chrono::steady_clock::now() < deadline)
      co_await sleep_for(std::chrono::milliseconds(10));
    const aiosmpp::PoolStats stats = pool.stats();
    co_await pool.stop();  // returns once start() has returned
    while (!finished)
      co_await sleep_for(std::chrono::milliseconds(1));

    for (const auto& b : stats.binds) {
      fmt::print("{} {}:{} priority {}: {} carried\n", b.client_id, b.host, b.port, b.priority,
                 hook->by_bind[b.client_id]);
    }
    fmt::print("{} outcomes, {} accepted\n", hook->outcomes, hook->accepted);
    if (hook->outcomes != count) throw std::runtime_error("not every message has its outcome");
  });
}
