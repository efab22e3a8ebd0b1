// Outbind over loopback: the bundled simulator's Server connects to an Esme that listens
// (EsmeConfig::outbind), sends outbind, and the Esme binds as receiver on that connection and
// takes the simulator's MO messages. Refused credentials leave the Esme listening for the next
// outbind.

#include <memory>
#include <optional>

#include "esme_sim_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

// A port nobody listens on now: the Esme's outbind port must be given before it starts.
std::uint16_t free_port(asio::io_context& io) {
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

smsc::SimConfig mo_sim_config(std::uint64_t mo_count) {
  smsc::SimConfig c = sim_config(0);
  c.mo_rate = 200;
  c.mo_count = mo_count;
  c.mo.text = "pushed by outbind";
  return c;
}

EsmeConfig outbind_config(std::uint16_t listen_port) {
  // smsc_host and smsc_port name the SMSC in logs and metrics; with outbind nothing connects there.
  EsmeConfig cfg = test_config(listen_port);
  cfg.bind_mode = BindMode::receiver;
  cfg.outbind.enabled = true;
  cfg.outbind.listen_port = listen_port;
  cfg.outbind.system_id = "aiosmpp-sim";
  cfg.outbind.password = "opw";
  return cfg;
}

std::size_t deliver_sms(const RecordingHook& hook) {
  std::size_t n = 0;
  for (const auto& p : hook.requests)
    n += std::holds_alternative<DeliverSm>(p) ? 1U : 0U;
  return n;
}

// The Esme opens its acceptor when start() runs: until then the outbind's connect fails
// (Server::outbind throws), so it is tried again for up to two seconds.
asio::awaitable<std::shared_ptr<smsc::Session>> outbind_when_listening(smsc::Simulator& sim,
                                                                       std::uint16_t port,
                                                                       std::string password) {
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
  for (int attempt = 0; attempt < 200; ++attempt) {
    // A named request: g++ 12 destroys a braced temporary argument of a co_await'ed coroutine
    // twice when the call throws.
    smsc::OutbindRequest request{at, "", password};
    try {
      co_return co_await sim.server().outbind(request);
    } catch (const std::system_error&) {
    }
    co_await sleep_ms(10);
  }
  co_return nullptr;
}

// Runs an Esme listening for outbind on a free port for the duration of `body`, which gets the
// port; stops the Esme afterwards.
void with_outbind_esme(asio::io_context& io, const std::shared_ptr<RecordingHook>& hook,
                       const std::function<asio::awaitable<void>(std::uint16_t)>& body) {
  const auto port = free_port(io);
  Esme esme(io.get_executor(), outbind_config(port), {.hook = hook, .retry_timer = fast_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> { co_await body(port); });
}

}  // namespace

TEST_CASE(
    "outbind: the simulator outbinds to a listening Esme, which binds as receiver and "
    "takes its MO",
    "[esme][sim][outbind]") {
  asio::io_context io;
  constexpr std::uint64_t mo = 5;
  auto hook = std::make_shared<RecordingHook>();
  with_simulator(io, mo_sim_config(mo), [&](smsc::Simulator& sim, std::uint16_t) {
    with_outbind_esme(io, hook, [&](std::uint16_t port) -> asio::awaitable<void> {
      auto session = co_await outbind_when_listening(sim, port, "opw");
      REQUIRE(session);
      CHECK(co_await wait_until([&] { return session->state() == smsc::SessionState::bound_rx; }));
      CHECK(co_await wait_until([&] { return deliver_sms(*hook) == mo; }, 5000ms));
      CHECK(co_await wait_until([&] { return sim.stats().mo_acked == mo; }));
    });
    CHECK(deliver_sms(*hook) == mo);
    for (const auto& p : hook->requests) {
      if (const auto* d = std::get_if<DeliverSm>(&p))
        CHECK(d->short_message == "pushed by outbind");
    }
    CHECK(sim.stats().mo_sent == mo);
    CHECK(sim.stats().mo_acked == mo);
  });
}

TEST_CASE("outbind: wrong credentials are refused and the Esme takes the next outbind",
          "[esme][sim][outbind]") {
  asio::io_context io;
  constexpr std::uint64_t mo = 2;
  auto hook = std::make_shared<RecordingHook>();
  with_simulator(io, mo_sim_config(mo), [&](smsc::Simulator& sim, std::uint16_t) {
    with_outbind_esme(io, hook, [&](std::uint16_t port) -> asio::awaitable<void> {
      auto refused = co_await outbind_when_listening(sim, port, "wrong");
      REQUIRE(refused);
      // The Esme closes the connection without binding; the session ends unbound.
      CHECK(co_await wait_until([&] { return refused->state() == smsc::SessionState::closed; }));
      CHECK(deliver_sms(*hook) == 0);
      // The Esme listens again once the refused connection is closed.
      auto accepted = co_await outbind_when_listening(sim, port, "opw");
      REQUIRE(accepted);
      CHECK(co_await wait_until([&] { return accepted->state() == smsc::SessionState::bound_rx; }));
      CHECK(co_await wait_until([&] { return deliver_sms(*hook) == mo; }, 5000ms));
    });
    CHECK(deliver_sms(*hook) == mo);
  });
}
