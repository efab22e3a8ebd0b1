// The server side of TLS: the bundled simulator (smsc::Simulator in the same io_context, as
// aiosmpp-smsc-sim runs it) with --tls-cert/--tls-key on its port or --tls-port beside it, and the
// Esme against it over TLS: messages and receipts, each refused certificate with its reason, the
// plain/TLS mismatches failing at once, client certificates optional or required, the
// simulator's TLS options refused by name, and its warning bound applied to the TLS port.

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include <asio/write.hpp>

#include "aiosmpp/error.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "esme_test_support.hpp"
#include "tls_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

// The simulator as the tests run it, with TLS from the test CA's certificate `cert`.
smsc::SimConfig tls_sim(const std::string& cert = "server") {
  smsc::SimConfig c;
  c.port = 0;
  c.receipts = true;
  c.receipt_delay = {5ms, 20ms};
  c.stats_interval = 0ms;
  c.log_level = LogLevel::off;
  c.seed = 7;
  c.tls = tls_server_config(cert);
  return c;
}

// Runs the simulator for `body` (given it and where it listens), then stops it and waits for
// run() to complete.
void with_sim(asio::io_context& io, const smsc::SimConfig& cfg,
              const std::function<void(smsc::Simulator&, const asio::ip::tcp::endpoint&)>& body) {
  smsc::Simulator sim(io.get_executor(), cfg);
  const auto at = sim.listen();
  bool done = false;
  asio::co_spawn(io, sim.run(), [&](std::exception_ptr) { done = true; });
  body(sim, at);
  sim.stop();
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool ended = co_await wait_until([&] { return done; });
    CHECK(ended);
  }());
}

// An Esme's settings for the simulator at `port`, over TLS trusting the test CA ("localhost" is
// the name the test certificates carry).
EsmeConfig tls_esme(std::uint16_t port) {
  auto c = test_config(port);
  c.smsc_host = "localhost";
  c.tls = tls_client_config();
  // Long: a failure by timeout must not pass for the error a test expects.
  c.socket_timeout = 60s;
  c.tls.handshake_timeout = 60s;
  return c;
}

struct ConnectResult {
  std::error_code code;
  std::string what;
};

asio::awaitable<ConnectResult> try_connect(Esme& esme) {
  try {
    co_await esme.connect();
  } catch (const std::system_error& e) {
    co_return ConnectResult{e.code(), e.what()};
  }
  co_return ConnectResult{};
}

// The option's error message, or "(accepted)".
std::string refusal(const smsc::SimConfig& c) {
  try {
    asio::io_context io;
    smsc::Simulator sim(io.get_executor(), c);
    (void)sim.listen();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

// apply_sim_option's error for `name` = `value`, or "(accepted)".
std::string option_error(smsc::SimConfig& c, std::string_view name, std::string_view value) {
  try {
    smsc::apply_sim_option(c, name, value);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("sim tls: the Esme sends and gets every receipt over the simulator's TLS port") {
  asio::io_context io;
  with_sim(io, tls_sim(), [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& at) {
    REQUIRE(sim.tls_endpoint() == at);  // the port itself is TLS
    auto hook = std::make_shared<RecordingHook>();
    auto cfg = tls_esme(at.port());
    cfg.window = 20;
    Esme esme(io.get_executor(), cfg, {.hook = hook});
    constexpr int n = 200;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < n; ++i) {
        Pdu m = make_submit(i);
        co_await esme.broker().enqueue(std::move(m));
      }
      const bool all = co_await wait_until(
          [&] { return hook->responses.size() == n && hook->requests.size() == n; }, 10000ms);
      CHECK(all);
    });
    CHECK(hook->errors.empty());
    std::set<std::string> receipted;
    for (const auto& r : hook->requests)
      receipted.insert(std::get<DeliverSm>(r).tracking.log_id);
    CHECK(receipted.size() == n);
    CHECK(sim.stats().submits == n);
    CHECK(sim.server().tls_stats().established == 1);
  });
}

TEST_CASE("sim tls: --tls-port serves TLS beside the plain port") {
  asio::io_context io;
  auto cfg = tls_sim();
  cfg.tls_port = 0;
  with_sim(io, cfg, [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& plain) {
    REQUIRE(sim.tls_endpoint());
    CHECK(sim.tls_endpoint()->port() != plain.port());
    Esme over_tls(io.get_executor(), tls_esme(sim.tls_endpoint()->port()));
    Esme over_tcp(io.get_executor(), test_config(plain.port()));
    run_coro(io, [&]() -> asio::awaitable<void> {
      co_await over_tls.connect();
      co_await over_tcp.connect();
      CHECK(over_tls.session_state() == SessionState::bound);
      CHECK(over_tcp.session_state() == SessionState::bound);
      CHECK(sim.server().bound_count() == 2);
      co_await over_tls.stop();
      co_await over_tcp.stop();
    }());
    CHECK(sim.server().tls_stats().established == 1);
  });
}

TEST_CASE("sim tls: a certificate the Esme must refuse fails connect() with the reason") {
  struct Case {
    std::string cert;
    std::string reason;
  };
  const auto c =
      GENERATE(Case{"other-server", "unable to get local issuer certificate"},
               Case{"expired", "certificate has expired"}, Case{"wrong-host", "hostname mismatch"});
  CAPTURE(c.cert);
  asio::io_context io;
  with_sim(io, tls_sim(c.cert), [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& at) {
    Esme esme(io.get_executor(), tls_esme(at.port()));
    const auto r = run_coro(io, try_connect(esme));
    INFO(r.what);
    CHECK(r.code == errc::tls_verify_failed);
    CHECK(r.what.find(c.reason) != std::string::npos);
    CHECK(sim.server().bound_count() == 0);
    CHECK(sim.stats().binds == 0);
  });
}

TEST_CASE("sim tls: plain and TLS mismatched either way fail at once, not by a timeout") {
  asio::io_context io;
  auto cfg = tls_sim();
  cfg.tls_port = 0;
  with_sim(io, cfg, [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& plain) {
    // The timeouts are 60 s (tls_esme): an answer within the test's time is the peer's doing.
    SECTION("TLS Esme, plain port") {
      Esme esme(io.get_executor(), tls_esme(plain.port()));
      const auto r = run_coro(io, try_connect(esme), 20s);
      INFO(r.what);
      CHECK(r.code == errc::tls_handshake_failed);
    }
    SECTION("plain Esme, TLS port") {
      auto c = tls_esme(sim.tls_endpoint()->port());
      c.tls = {};
      Esme esme(io.get_executor(), c);
      const auto r = run_coro(io, try_connect(esme), 20s);
      INFO(r.what);
      CHECK(r.code == errc::connection_closed);
      const bool counted =
          run_coro(io, eventually([&] { return sim.server().tls_stats().failed == 1; }));
      CHECK(counted);
    }
    CHECK(sim.stats().binds == 0);
  });
}

TEST_CASE("sim tls: client certificates asked for, optional or required") {
  asio::io_context io;
  auto cfg = tls_sim();
  cfg.tls.client_ca_file = tls_file("ca.pem");
  const bool required = GENERATE(false, true);
  cfg.tls.require_client_cert = required;
  CAPTURE(required);
  with_sim(io, cfg, [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& at) {
    auto with_cert = tls_esme(at.port());
    with_cert.tls.cert_file = tls_file("client.pem");
    with_cert.tls.key_file = tls_file("client.key");
    auto foreign_cert = with_cert;
    foreign_cert.tls.cert_file = tls_file("other-client.pem");
    foreign_cert.tls.key_file = tls_file("other-client.key");
    const auto without_cert = tls_esme(at.port());

    Esme good(io.get_executor(), with_cert);
    CHECK(run_coro(io, try_connect(good)).code == std::error_code{});
    Esme foreign(io.get_executor(), foreign_cert);
    // The simulator refuses it. In TLS 1.3 the Esme's handshake is already done when the alert
    // comes, so the bind reads it; it is still reported as the failed handshake it is.
    const auto f = run_coro(io, try_connect(foreign), 20s);
    INFO(f.what);
    CHECK(f.code == errc::tls_handshake_failed);
    CHECK(f.what.find("unknown ca") != std::string::npos);
    Esme anonymous(io.get_executor(), without_cert);
    const auto a = run_coro(io, try_connect(anonymous), 20s);
    INFO(a.what);
    if (required) {
      CHECK(a.code == errc::tls_handshake_failed);
      CHECK(a.what.find("certificate required") != std::string::npos);
    } else {
      CHECK(a.code == std::error_code{});
    }
    CHECK(sim.stats().binds == (required ? 1U : 2U));
    CHECK(sim.server().tls_stats().failed == (required ? 2U : 1U));
    run_coro(io, [&]() -> asio::awaitable<void> {
      co_await good.stop();
      co_await anonymous.stop();
    }());
  });
}

TEST_CASE("sim tls: the simulator's TLS options are refused by name") {
  auto c = tls_sim();
  CHECK(refusal(c) == "(accepted)");
  SECTION("options that need --tls-cert") {
    auto no_cert = c;
    no_cert.tls.cert_file.clear();
    CHECK(refusal(no_cert) == "--tls-key: needs --tls-cert and --tls-key");
    no_cert.tls.key_file.clear();
    no_cert.tls_port = 0;
    CHECK(refusal(no_cert) == "--tls-port: needs --tls-cert and --tls-key");
  }
  SECTION("files") {
    c.tls.key_file = tls_file("missing.key");
    CHECK(refusal(c).rfind("--tls-key: cannot read " + tls_file("missing.key"), 0) == 0);
    c.tls.key_file = tls_file("other-server.key");  // readable, but not this certificate's key
    CHECK(refusal(c).rfind("--tls-key: ", 0) == 0);
    c.tls.key_file = tls_file("server.key");
    c.tls.require_client_cert = true;
    CHECK(refusal(c).rfind("--tls-require-client-cert: ", 0) == 0);
  }
  SECTION("flags as typed") {
    smsc::SimConfig f;
    smsc::apply_sim_option(f, "tls-cert", "a.pem");
    smsc::apply_sim_option(f, "tls_key", "a.key");
    smsc::apply_sim_option(f, "tls-port", "3550");
    smsc::apply_sim_option(f, "tls-min-version", "1.3");
    smsc::apply_sim_option(f, "tls-require-client-cert", "on");
    smsc::apply_sim_option(f, "tls-handshake-timeout", "2s");
    CHECK(f.tls.cert_file == "a.pem");
    CHECK(f.tls.key_file == "a.key");
    CHECK(f.tls_port == 3550);
    CHECK(f.tls.min_version == TlsVersion::tls1_3);
    CHECK(f.tls.require_client_cert);
    CHECK(f.tls.handshake_timeout == 2s);
    CHECK(option_error(f, "tls-min-version", "1.1") ==
          "--tls-min-version: invalid value \"1.1\" (1.2 or 1.3)");
    CHECK(option_error(f, "tls-port", "70000").rfind("--tls-port: invalid value \"70000\"", 0) ==
          0);
  }
}

TEST_CASE("sim tls: handshakes in progress count toward max_connections_per_address") {
  asio::io_context io;
  auto cfg = tls_sim();
  cfg.tls_port = 0;
  cfg.max_connections_per_address = 3;
  with_sim(io, cfg, [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& plain) {
    REQUIRE(sim.tls_endpoint());
    auto connect_from = [&](const char* from, const asio::ip::tcp::endpoint& to) {
      asio::ip::tcp::socket s(io);
      s.open(asio::ip::tcp::v4());
      s.bind({asio::ip::make_address(from), 0});
      s.connect(to);
      return s;
    };
    // Three connections that never start their handshake hold 127.0.0.1's three places...
    std::vector<asio::ip::tcp::socket> stalled;
    for (int i = 0; i < 3; ++i)
      stalled.push_back(connect_from("127.0.0.1", *sim.tls_endpoint()));
    run_coro(io, [&]() -> asio::awaitable<void> {
      const bool accepted =
          co_await wait_until([&] { return sim.server().tls_stats().accepted == 3; });
      REQUIRE(accepted);
    }());
    // ...so a fourth, on either port, is closed on accept; another address still gets in.
    stalled.push_back(connect_from("127.0.0.1", *sim.tls_endpoint()));
    stalled.push_back(connect_from("127.0.0.1", plain));
    stalled.push_back(connect_from("127.0.0.2", plain));
    run_coro(io, [&]() -> asio::awaitable<void> {
      const bool refused = co_await wait_until([&] {
        return sim.stats().refused == 2 && sim.server().tls_stats().accepted == 4 &&
               sim.server().session_count() == 1;
      });
      CHECK(refused);
    }());
    CHECK(sim.server().tls_stats().refused == 1);
    CHECK(sim.stats().refused == 2);
    CHECK(sim.server().session_count() == 1);  // 127.0.0.2 on the plain port
  });
}

TEST_CASE("sim tls: --max-warnings-per-second bounds the TLS port's warnings too") {
  asio::io_context io;
  auto cfg = tls_sim();
  cfg.max_warnings_per_second = 2;  // the TLS port's own default would be 10
  constexpr std::uint64_t n = 20;
  with_sim(io, cfg, [&](smsc::Simulator& sim, const asio::ip::tcp::endpoint& at) {
    const auto start = std::chrono::steady_clock::now();
    // Plain clients at the TLS port: an SMPP header is no ClientHello.
    const std::array<std::uint8_t, 16> bind{0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
    for (std::uint64_t i = 0; i < n; ++i) {
      asio::ip::tcp::socket s(io);
      s.connect(at);
      asio::write(s, asio::buffer(bind));
    }
    run_coro(io, [&]() -> asio::awaitable<void> {
      const bool failed = co_await wait_until([&] { return sim.server().tls_stats().failed == n; });
      REQUIRE(failed);
    }());
    const auto windows = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count() +
        1);
    const auto suppressed = sim.server().tls_stats().log_suppressed;
    INFO(suppressed << " suppressed over " << windows << " windows");
    CHECK(suppressed + 2 * windows >= n);  // at most 2 written a second
    // The server's and the simulator's counters include the port's.
    CHECK(sim.server().stats().log_suppressed == suppressed);
    CHECK(sim.stats().log_suppressed == suppressed);
  });
}
