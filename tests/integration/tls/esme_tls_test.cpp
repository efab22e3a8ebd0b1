// The Esme's TLS failures over loopback: each certificate refusal and a handshake that never comes
// fail connect() with the typed error and OpenSSL's reason in what() and in the log, a plain/TLS
// mismatch in either direction fails at once (not by a timeout), and start() treats a failed
// handshake as a failed connect (back-off, retry).

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "aiosmpp/error.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "tls_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using asio::ip::tcp;

namespace {

// Long enough that a failure by timeout could not pass for the error each test expects.
constexpr auto never = std::chrono::milliseconds(60'000);

EsmeConfig tls_esme(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_host = "localhost";
  c.smsc_port = port;
  c.system_id = "esme";
  c.password = "secret";
  c.socket_timeout = never;
  c.tls = tls_client_config();
  c.tls.handshake_timeout = never;
  return c;
}

// Every log line, for checking what an operator would read.
struct CapturedLog {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<Logger> logger() const {
    auto keep = lines;
    return std::make_shared<Logger>(std::make_shared<TextSink>(LogOutput::callback(
                                        [keep](std::string_view l) { keep->emplace_back(l); })),
                                    LogLevel::debug, LogMetadata{});
  }
  bool has(std::string_view a, std::string_view b) const {
    for (const auto& l : *lines)
      if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
    return false;
  }
};

// connect() once: the exception it threw (code and what()), or success.
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

// A RetryTimer that counts the waits the Esme asks for and waits 10 ms each.
struct CountingRetry final : RetryTimer {
  Clock::duration next_delay() const override { return 10ms; }
  Clock::duration advance() override {
    ++waits;
    return 10ms;
  }
  void reset() override { ++resets; }
  void wait_at_least(Clock::duration) override {}
  int waits = 0;
  int resets = 0;
};

}  // namespace

TEST_CASE("esme tls: a refused certificate fails connect() with the reason") {
  asio::io_context io;
  struct Case {
    std::string cert;
    std::string reason;
  };
  const auto c =
      GENERATE(Case{"other-server", "unable to get local issuer certificate"},
               Case{"expired", "certificate has expired"}, Case{"wrong-host", "hostname mismatch"});
  CAPTURE(c.cert);
  TlsPort port(io, tls_server_config(c.cert));
  CapturedLog log;
  Esme esme(io.get_executor(), tls_esme(port.endpoint.port()), {.logger = log.logger()});
  const auto r = run_coro(io, try_connect(esme));
  INFO(r.what);
  CHECK(r.code == errc::tls_verify_failed);
  CHECK(r.what.find(c.reason) != std::string::npos);
  CHECK(r.what.find("TLS certificate verification failed") != std::string::npos);
  CHECK(log.has("connect_failed", c.reason));
  CHECK(esme.session_state() == SessionState::closed);
}

TEST_CASE("esme tls: the name checked is tls.server_name when set") {
  asio::io_context io;
  TlsPort port(io, tls_server_config("wrong-host"));
  auto config = tls_esme(port.endpoint.port());
  config.tls.server_name = "wrong.example.invalid";
  // The port hands the connection over and nobody answers the bind: a bind timeout means the
  // certificate was accepted.
  config.socket_timeout = 300ms;
  Esme esme(io.get_executor(), config);
  const auto r = run_coro(io, try_connect(esme));
  INFO(r.what);
  CHECK(r.code == errc::response_timeout);
  CHECK(port.stats().established == 1);
}

TEST_CASE("esme tls: a TLS Esme at a plain SMPP port fails the handshake at once") {
  asio::io_context io;
  // A plain SMSC answers the ClientHello's first 16 octets, which it reads as a PDU header with
  // a huge command_length, with generic_nack ESME_RINVCMDLEN and closes.
  tcp::acceptor plain(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto s = co_await plain.async_accept(asio::use_awaitable);
        std::array<std::uint8_t, 16> header{};
        co_await asio::async_read(s, asio::buffer(header), asio::use_awaitable);
        const std::array<std::uint8_t, 16> nack{0, 0, 0, 16, 0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0};
        co_await asio::async_write(s, asio::buffer(nack), asio::use_awaitable);
      },
      asio::detached);
  auto config = tls_esme(plain.local_endpoint().port());
  Esme esme(io.get_executor(), config);
  const auto r = run_coro(io, try_connect(esme));
  INFO(r.what);
  CHECK(r.code == errc::tls_handshake_failed);
}

TEST_CASE("esme tls: a plain Esme at a TLS port fails at once") {
  asio::io_context io;
  TlsPort port(io, tls_server_config());
  auto config = tls_esme(port.endpoint.port());
  config.tls = {};
  Esme esme(io.get_executor(), config);
  const auto r = run_coro(io, try_connect(esme));
  INFO(r.what);
  // The port refuses the bind PDU as a handshake and closes: the bind sees the end of the stream.
  CHECK(r.code == errc::connection_closed);
  const bool counted = run_coro(io, eventually([&] { return port.stats().failed == 1; }));
  CHECK(counted);
}

TEST_CASE("esme tls: a handshake that never comes ends at tls.handshake_timeout") {
  asio::io_context io;
  tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket held(io);
  silent.async_accept(held, [](std::error_code) {});
  auto config = tls_esme(silent.local_endpoint().port());
  config.tls.handshake_timeout = 200ms;
  Esme esme(io.get_executor(), config);
  const auto r = run_coro(io, try_connect(esme));
  INFO(r.what);
  CHECK(r.code == errc::tls_handshake_failed);
  CHECK(r.what.find("no TLS handshake within 200 ms") != std::string::npos);
}

TEST_CASE("esme tls: start() backs off and retries after a failed handshake") {
  asio::io_context io;
  TlsPort port(io, tls_server_config("expired"));
  auto retry = std::make_shared<CountingRetry>();
  CapturedLog log;
  Esme esme(io.get_executor(), tls_esme(port.endpoint.port()),
            {.retry_timer = retry, .logger = log.logger()});
  bool finished = false;
  asio::co_spawn(io, esme.start(), [&](std::exception_ptr) { finished = true; });
  run_coro(io, [&]() -> asio::awaitable<void> {
    const bool retried = co_await eventually([&] { return retry->waits >= 3; });
    CHECK(retried);
    co_await esme.stop();
  }());
  CHECK(finished);
  CHECK(esme.stats().connects == 0);
  CHECK(retry->resets == 0);  // reset only after a bind
  CHECK(port.stats().failed >= 3);
  CHECK(log.has("reconnecting", "TLS certificate verification failed"));
}
