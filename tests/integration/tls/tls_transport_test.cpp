// TlsTransport and TlsListener over loopback with the test CA: octets both ways, the two ways a
// stream ends, every reason a certificate is refused, client certificates, plain peers on either
// side, the bounds on handshakes, and on the warnings a flood of failing handshakes writes.

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "aiosmpp/error.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "tls_test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;
using asio::ip::tcp;

// The detail says `text` (Catch2 v2 and v3 name their substring matcher differently).
// No co_await inside CHECK or REQUIRE: g++ 12 evaluates the operand of Catch's never-taken
// "(false) && (expr)" too, so the awaited operation would run twice.
#define CHECK_DETAIL(result, text)                          \
  do {                                                      \
    INFO("detail: " << (result).detail);                    \
    CHECK((result).detail.find(text) != std::string::npos); \
  } while (false)

namespace {

asio::awaitable<std::string> read_text(Transport& t, std::size_t n) {
  std::string out;
  std::array<std::uint8_t, 256> buf{};
  while (out.size() < n) {
    auto [ec, got] = co_await t.read_some(buf);
    if (ec) throw std::system_error(ec, "read_some");
    out.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
  }
  co_return out;
}

asio::awaitable<void> write_text(Transport& t, std::string_view text) {
  auto [ec, n] =
      co_await t.write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (ec) throw std::system_error(ec, "write");
  REQUIRE(n == text.size());
}

// Handshake with `cert` on the server, returning the client's result once the server has
// finished its side too.
TlsHandshakeResult against(asio::io_context& io, const std::string& cert,
                           TlsClientConfig client = tls_client_config(),
                           std::string name = "localhost") {
  TlsPort port(io, tls_server_config(cert));
  return run_coro(io, [&]() -> asio::awaitable<TlsHandshakeResult> {
    auto r = co_await tls_connect(port.endpoint, client, name);
    const auto& stats = port.stats();
    const bool ok = co_await eventually([&] { return stats.established + stats.failed == 1; });
    CHECK(ok);
    CHECK(stats.established == (r.error ? 0U : 1U));
    co_return r;
  }());
}

}  // namespace

TEST_CASE("tls: a client and a server exchange octets both ways over TLS 1.3") {
  asio::io_context io;
  TlsPort port(io, tls_server_config());
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto r = co_await tls_connect(port.endpoint, tls_client_config());
    INFO(r.detail);
    REQUIRE_FALSE(r.error);
    CHECK(r.protocol == "TLSv1.3");
    CHECK_FALSE(r.cipher.empty());
    CHECK(r.peer_subject == "/CN=localhost");
    const bool ok = co_await eventually([&] { return port.accepted.size() == 1; });
    REQUIRE(ok);
    auto& server = *port.accepted[0];
    auto& client = *r.transport;
    CHECK(client.remote_address() == fmt::format("127.0.0.1:{}", port.endpoint.port()));
    CHECK(server.remote_address().rfind("127.0.0.1:", 0) == 0);

    co_await write_text(client, "bind_transmitter");
    const auto first = co_await read_text(server, 16);
    CHECK(first == "bind_transmitter");
    // Larger than one TLS record (16 KiB), in both directions.
    const std::string big(100'000, 'x');
    co_await write_text(server, big);
    const auto back = co_await read_text(client, big.size());
    CHECK(back == big);
  }());
}

TEST_CASE("tls: close_notify and a close without it both read as connection_closed") {
  asio::io_context io;
  TlsPort port(io, tls_server_config());
  const bool notify = GENERATE(true, false);
  CAPTURE(notify);
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto r = co_await tls_connect(port.endpoint, tls_client_config());
    REQUIRE_FALSE(r.error);
    const bool ok = co_await eventually([&] { return port.accepted.size() == 1; });
    REQUIRE(ok);
    auto& server = *port.accepted[0];
    co_await write_text(*r.transport, "last words");
    if (notify) {
      co_await r.transport->shutdown();
      CHECK(r.transport->is_open());
    } else {
      r.transport->close();  // TCP FIN without close_notify: TLS calls that truncation
      CHECK_FALSE(r.transport->is_open());
    }
    // What was written before is read first, then the end.
    const auto last = co_await read_text(server, 10);
    CHECK(last == "last words");
    std::array<std::uint8_t, 16> buf{};
    auto [ec, n] = co_await server.read_some(buf);
    CHECK(ec == errc::connection_closed);
    CHECK(n == 0);
    if (notify) {
      // Our reading ended with our close_notify: the peer's answer is not waited for.
      server.close();
      auto [ec2, n2] = co_await r.transport->read_some(buf);
      CHECK(ec2 == errc::connection_closed);
    }
  }());
}

TEST_CASE("tls: the server's certificate is refused for the right reason") {
  asio::io_context io;
  SECTION("signed by a CA the client does not trust") {
    const auto r = against(io, "other-server");
    CHECK(r.error == errc::tls_verify_failed);
    CHECK_DETAIL(r, "unable to get local issuer certificate");
    CHECK_DETAIL(r, "depth 0: /CN=localhost");
  }
  SECTION("expired") {
    const auto r = against(io, "expired");
    CHECK(r.error == errc::tls_verify_failed);
    CHECK_DETAIL(r, "certificate has expired");
  }
  SECTION("for another host name") {
    const auto r = against(io, "wrong-host");
    CHECK(r.error == errc::tls_verify_failed);
    CHECK_DETAIL(r, "hostname mismatch");
  }
  SECTION("for another IP address, when the name checked is an address") {
    const auto r = against(io, "wrong-host", tls_client_config(), "127.0.0.1");
    CHECK(r.error == errc::tls_verify_failed);
    CHECK_DETAIL(r, "IP address mismatch");
  }
  SECTION("the right certificate passes by address as by name") {
    const auto r = against(io, "server", tls_client_config(), "127.0.0.1");
    INFO(r.detail);
    CHECK_FALSE(r.error);
  }
  SECTION("verify_peer off trusts any certificate (tests only)") {
    auto c = tls_client_config();
    c.verify_peer = false;
    const auto r = against(io, "expired", c);
    INFO(r.detail);
    CHECK_FALSE(r.error);
  }
  SECTION("the system store does not know the test CA") {
    auto c = tls_client_config();
    c.ca_file.clear();
    const auto r = against(io, "server", c);
    CHECK(r.error == errc::tls_verify_failed);
  }
}

TEST_CASE("tls: client certificates optional or required") {
  asio::io_context io;
  auto server = tls_server_config();
  server.client_ca_file = tls_file("ca.pem");
  auto with_cert = [](const std::string& name) {
    auto c = tls_client_config();
    c.cert_file = tls_file(name + ".pem");
    c.key_file = tls_file(name + ".key");
    return c;
  };
  // With TLS 1.3 the client's handshake is over before the server has checked its certificate:
  // the server's side says whether it was taken, the client learns it on its first read.
  auto run = [&](TlsServerConfig config, TlsClientConfig client) {
    TlsPort port(io, config);
    run_coro(io, [&]() -> asio::awaitable<void> {
      auto r = co_await tls_connect(port.endpoint, client);
      INFO(r.detail);
      REQUIRE_FALSE(r.error);
      const auto& stats = port.stats();
      const bool ok = co_await eventually([&] { return stats.established + stats.failed == 1; });
      CHECK(ok);
    }());
    return port.stats();
  };
  SECTION("optional: with one or without, both connect") {
    CHECK(run(server, with_cert("client")).established == 1);
    CHECK(run(server, tls_client_config()).established == 1);
  }
  SECTION("required: without one, the server refuses") {
    server.require_client_cert = true;
    CHECK(run(server, tls_client_config()).failed == 1);
    CHECK(run(server, with_cert("client")).established == 1);
  }
  SECTION("one from a CA the server does not trust is refused, even when optional") {
    CHECK(run(server, with_cert("other-client")).failed == 1);
  }
}

TEST_CASE("tls: the server sees the client's certificate") {
  asio::io_context io;
  auto server = tls_server_config();
  server.client_ca_file = tls_file("ca.pem");
  server.require_client_cert = true;
  TlsPort port(io, server);
  auto client = tls_client_config();
  client.cert_file = tls_file("client.pem");
  client.key_file = tls_file("client.key");
  run_coro(io, [&]() -> asio::awaitable<void> {
    auto r = co_await tls_connect(port.endpoint, client);
    REQUIRE_FALSE(r.error);
    const bool ok = co_await eventually([&] { return port.accepted.size() == 1; });
    REQUIRE(ok);
    auto* tls = dynamic_cast<TlsTransport*>(port.accepted[0].get());
    REQUIRE(tls != nullptr);
    CHECK(tls->peer_subject() == "/CN=esme-client");
    CHECK(tls->protocol() == "TLSv1.3");
  }());
}

TEST_CASE("tls: a plain peer on either side fails the handshake at once") {
  asio::io_context io;
  SECTION("a TLS client at a plain SMPP port") {
    // A plain server as aiosmpp's answers a first PDU it cannot frame: generic_nack, then close.
    tcp::acceptor plain(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto s = co_await plain.async_accept(asio::use_awaitable);
          std::array<std::uint8_t, 16> header{};
          co_await asio::async_read(s, asio::buffer(header), asio::use_awaitable);
          const std::array<std::uint8_t, 16> nack{0, 0, 0, 16, 0x80, 0, 0, 0,
                                                  0, 0, 0, 2,  0,    0, 0, 0};
          co_await asio::async_write(s, asio::buffer(nack), asio::use_awaitable);
        },
        asio::detached);
    const auto r = run_coro(io, tls_connect(plain.local_endpoint(), tls_client_config()));
    CHECK(r.error == errc::tls_handshake_failed);
    CHECK_FALSE(r.detail.empty());
  }
  SECTION("a plain client at a TLS port") {
    TlsPort port(io, tls_server_config());
    run_coro(io, [&]() -> asio::awaitable<void> {
      tcp::socket s(co_await asio::this_coro::executor);
      co_await s.async_connect(port.endpoint, asio::use_awaitable);
      // An SMPP bind_transmitter header: not a TLS record.
      const std::array<std::uint8_t, 16> bind{0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
      co_await asio::async_write(s, asio::buffer(bind), asio::use_awaitable);
      // The server gives up on the handshake and closes: the plain client reads the end (or an
      // alert first), not a bind response, long before any timeout.
      std::array<std::uint8_t, 256> buf{};
      std::error_code ec;
      while (!ec) {
        auto [e, n] =
            co_await s.async_read_some(asio::buffer(buf), aiosmpp::detail::use_nothrow_awaitable);
        ec = e;
      }
      CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
      const bool counted = co_await eventually([&] { return port.stats().failed == 1; });
      CHECK(counted);
    }());
  }
}

TEST_CASE("tls: handshakes are bounded in time and in number") {
  asio::io_context io;
  SECTION("the client side: racing a timer cancels a handshake nobody answers") {
    tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket held(io);
    silent.async_accept(held, [](std::error_code) {});
    run_coro(io, [&]() -> asio::awaitable<void> {
      using namespace aiosmpp::detail::awaitable_operators;
      asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
      auto r = co_await (tls_connect(silent.local_endpoint(), tls_client_config()) ||
                         timer.async_wait(aiosmpp::detail::use_nothrow_awaitable));
      CHECK(r.index() == 1);
    }());
  }
  SECTION("the server side: a silent client is closed after handshake_timeout") {
    auto config = tls_server_config();
    config.handshake_timeout = 100ms;
    TlsPort port(io, config);
    run_coro(io, [&]() -> asio::awaitable<void> {
      tcp::socket s(co_await asio::this_coro::executor);
      co_await s.async_connect(port.endpoint, asio::use_awaitable);
      std::array<std::uint8_t, 16> buf{};
      auto [ec, n] =
          co_await s.async_read_some(asio::buffer(buf), aiosmpp::detail::use_nothrow_awaitable);
      CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
      const bool counted = co_await eventually([&] { return port.stats().timed_out == 1; });
      CHECK(counted);
    }());
  }
  SECTION("beyond max_handshakes a connection is closed at accept") {
    auto config = tls_server_config();
    config.max_handshakes = 1;
    TlsPort port(io, config);
    run_coro(io, [&]() -> asio::awaitable<void> {
      const auto ex = co_await asio::this_coro::executor;
      tcp::socket first(ex);
      tcp::socket second(ex);
      co_await first.async_connect(port.endpoint, asio::use_awaitable);
      const bool ok = co_await eventually([&] { return port.stats().accepted == 1; });
      CHECK(ok);
      co_await second.async_connect(port.endpoint, asio::use_awaitable);
      std::array<std::uint8_t, 16> buf{};
      auto [ec, n] = co_await second.async_read_some(asio::buffer(buf),
                                                     aiosmpp::detail::use_nothrow_awaitable);
      CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
      CHECK(port.stats().refused == 1);
      // The first is still in its handshake, which stop() cancels.
    }());
  }
}

TEST_CASE("tls: files OpenSSL refuses are named with its reason") {
  const auto dir = std::string(AIOSMPP_TLS_CA_DIR);
  const auto junk = dir + "/junk.pem";
  std::ofstream(junk) << "this is not PEM\n";
  auto field_of = [](auto make) {
    try {
      make();
    } catch (const TlsSetupError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).size() > e.field().size() + 2);
      return e.field();
    }
    return std::string("(nothing thrown)");
  };
  auto client = tls_client_config();
  auto server = tls_server_config();
  SECTION("a CA file without certificates") {
    client.ca_file = junk;
    CHECK(field_of([&] { TlsContext::client(client); }) == "ca_file");
  }
  SECTION("a certificate that is not PEM") {
    server.cert_file = junk;
    CHECK(field_of([&] { TlsContext::server(server); }) == "cert_file");
  }
  SECTION("a key that is not the certificate's") {
    server.key_file = tls_file("client.key");
    CHECK(field_of([&] { TlsContext::server(server); }) == "key_file");
    client.cert_file = tls_file("client.pem");
    client.key_file = tls_file("server.key");
    CHECK(field_of([&] { TlsContext::client(client); }) == "key_file");
  }
  SECTION("a listener checks its settings first") {
    asio::io_context io;
    server.cert_file = dir + "/missing.pem";
    CHECK(field_of([&] { TlsListener(io.get_executor(), server, {}); }) == "cert_file");
    server = tls_server_config();
    server.require_client_cert = true;
    CHECK(field_of([&] { TlsListener(io.get_executor(), server, {}); }) == "require_client_cert");
  }
}

namespace {

// The warnings a listener writes: each line's event and its "suppressed" field.
struct WarningSink : LogSink {
  struct Line {
    std::string event;
    std::uint64_t suppressed = 0;
  };
  std::vector<Line> lines;
  void write(const LogRecord& record) override {
    if (record.level != LogLevel::warning) return;
    Line line{std::string(record.event)};
    for (const auto& f : record.fields) {
      const auto* n = std::get_if<std::uint64_t>(&f.value);
      if (f.key == "suppressed" && n != nullptr) line.suppressed = *n;
    }
    lines.push_back(std::move(line));
  }
  std::uint64_t count(std::string_view event) const {
    return static_cast<std::uint64_t>(
        std::count_if(lines.begin(), lines.end(), [&](const Line& l) { return l.event == event; }));
  }
};

// `n` plain clients in a row, each sending an SMPP header (not a ClientHello) and closing.
asio::awaitable<void> send_garbage(const tcp::endpoint& at, int n) {
  const auto ex = co_await asio::this_coro::executor;
  const std::array<std::uint8_t, 16> bind{0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
  for (int i = 0; i < n; ++i) {
    tcp::socket s(ex);
    co_await s.async_connect(at, asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(bind), asio::use_awaitable);
  }
}

}  // namespace

TEST_CASE("tls: a flood of failed handshakes is logged at most max_warnings_per_second") {
  asio::io_context io;
  auto sink = std::make_shared<WarningSink>();
  constexpr std::uint64_t n = 50;
  auto config = tls_server_config();
  SECTION("3 a second: the rest counted, and the next line written says how many") {
    config.max_warnings_per_second = 3;
    TlsPort port(io, config, Logger(sink, LogLevel::warning));
    run_coro(io, [&]() -> asio::awaitable<void> {
      const auto start = std::chrono::steady_clock::now();
      co_await send_garbage(port.endpoint, static_cast<int>(n));
      const bool all = co_await eventually([&] { return port.stats().failed == n; });
      REQUIRE(all);
      // Each budget window is a second long and starts at a failure within the flood.
      const auto windows = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
              .count() +
          1);
      const auto lines = sink->count("tls_handshake_failed");
      INFO(lines << " lines over " << windows << " windows");
      CHECK(lines <= 3 * windows);
      CHECK(lines + port.stats().log_suppressed == n);
      // A second later the next failure is written again, carrying what was left out before it:
      // every suppressed line is accounted for in some line's "suppressed".
      asio::steady_timer pause(co_await asio::this_coro::executor, 1100ms);
      co_await pause.async_wait(asio::use_awaitable);
      co_await send_garbage(port.endpoint, 1);
      const bool one_more = co_await eventually([&] { return port.stats().failed == n + 1; });
      REQUIRE(one_more);
      REQUIRE_FALSE(sink->lines.empty());
      CHECK(sink->lines.back().event == "tls_handshake_failed");
      std::uint64_t reported = 0;
      for (const auto& l : sink->lines)
        reported += l.suppressed;
      CHECK(port.stats().log_suppressed > 0);
      CHECK(reported == port.stats().log_suppressed);
      CHECK(sink->count("tls_handshake_failed") + port.stats().log_suppressed == n + 1);
    }());
  }
  SECTION("0: no limit, every failure is written") {
    config.max_warnings_per_second = 0;
    TlsPort port(io, config, Logger(sink, LogLevel::warning));
    run_coro(io, [&]() -> asio::awaitable<void> {
      co_await send_garbage(port.endpoint, static_cast<int>(n));
      const bool all = co_await eventually([&] { return port.stats().failed == n; });
      REQUIRE(all);
    }());
    CHECK(sink->count("tls_handshake_failed") == n);
    CHECK(port.stats().log_suppressed == 0);
  }
}
