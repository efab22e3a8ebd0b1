// Uses the public API the way an application does, through the umbrella header only: renders a
// text into a submit_sm, encodes it, decodes it back, converts it to JSON, and constructs an Esme
// on its own io_context (without connecting: this test has no SMSC).
#include <aiosmpp/aiosmpp.hpp>

#include <asio/io_context.hpp>

#ifdef CONSUMER_HAS_SQLITE
#include <aiosmpp/sqlite/sqlite.hpp>

#include <asio/co_spawn.hpp>

#include <unistd.h>
#include <filesystem>
#include <string>
#endif

#ifdef CONSUMER_HAS_REDIS
#include <aiosmpp/redis/redis.hpp>

#include <chrono>
#include <stdexcept>
#endif

#include <cstdio>
#include <variant>
#include <vector>

// No public header includes OpenSSL, so a build without TLS needs none of its headers.
#ifdef OPENSSL_VERSION_NUMBER
#error "an aiosmpp header included OpenSSL"
#endif
#ifndef CONSUMER_EXPECT_TLS
#define CONSUMER_EXPECT_TLS 0
#endif

int main() {
  if (aiosmpp::version() != aiosmpp::header_version) {
    std::printf("version mismatch\n");
    return 1;
  }

  aiosmpp::SubmitSm msg;
  msg.source =
      aiosmpp::PhoneNumber("254722111111", aiosmpp::Ton::international, aiosmpp::Npi::isdn);
  msg.destination =
      aiosmpp::PhoneNumber("254722999999", aiosmpp::Ton::international, aiosmpp::Npi::isdn);
  msg.text = aiosmpp::MessageText{"Hello from a consumer"};
  auto rendered = aiosmpp::text::render(msg);
  if (!rendered || rendered->size() != 1) {
    std::printf("render failed\n");
    return 1;
  }

  std::vector<std::uint8_t> bytes;
  if (!aiosmpp::encode((*rendered)[0], bytes)) {
    std::printf("encode failed\n");
    return 1;
  }
  auto decoded = aiosmpp::decode(bytes);
  if (!decoded || !std::holds_alternative<aiosmpp::SubmitSm>(*decoded)) {
    std::printf("decode failed\n");
    return 1;
  }
  const std::string json = aiosmpp::json_encode(*decoded);
  if (json.find("\"submit_sm\"") == std::string::npos) {
    std::printf("json failed\n");
    return 1;
  }

  asio::io_context io;
  aiosmpp::EsmeConfig config;
  config.system_id = "consumer";
  config.password = "secret";
  aiosmpp::Esme esme(io.get_executor(), config);
  if (esme.session_state() != aiosmpp::SessionState::closed) {
    std::printf("unexpected session state\n");
    return 1;
  }

  // TLS is there exactly when the build was made with it; without it, asking for it is a
  // ConfigError naming tls.enabled, not a link error.
  if (aiosmpp::tls_available() != (CONSUMER_EXPECT_TLS != 0)) {
    std::printf("tls_available() is %d\n", aiosmpp::tls_available() ? 1 : 0);
    return 1;
  }
  config.tls.enabled = true;
  try {
    aiosmpp::validate(config);
    if (!aiosmpp::tls_available()) {
      std::printf("TLS accepted by a build without it\n");
      return 1;
    }
  } catch (const aiosmpp::ConfigError& e) {
    if (aiosmpp::tls_available() || e.field() != "tls.enabled") {
      std::printf("unexpected: %s\n", e.what());
      return 1;
    }
  }
  std::printf("tls %s, ", aiosmpp::tls_available() ? "on" : "off");

#ifdef CONSUMER_HAS_SQLITE
  {
    // The durable broker: one message committed to a fresh file, then counted back.
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("aiosmpp_consumer_" + std::to_string(::getpid()) + ".db"))
                                 .string();
    std::uint64_t ready = 0;
    {
      aiosmpp::SqliteDatabaseOptions options;
      options.path = path;
      auto db = std::make_shared<aiosmpp::SqliteDatabase>(options);
      auto broker = std::make_shared<aiosmpp::SqliteBroker>(io.get_executor(), db);
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            aiosmpp::Pdu m = msg;
            co_await broker->enqueue(std::move(m));
            const auto counts = co_await broker->counts();
            ready = counts.ready;
          },
          [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
          });
      io.run();
    }
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
    if (ready != 1) {
      std::printf("sqlite broker failed\n");
      return 1;
    }
    std::printf("sqlite ok, ");
  }
#endif

#ifdef CONSUMER_HAS_REDIS
  {
    // No Redis here: a client is made and destroyed without connecting, and a bad option is the
    // typed error naming it, which shows the component links and runs.
    aiosmpp::RedisClient client(io.get_executor(), aiosmpp::RedisClientOptions{});
    aiosmpp::RedisClientOptions bad;
    bad.connect_timeout = std::chrono::milliseconds(0);
    try {
      aiosmpp::RedisClient refused(io.get_executor(), bad);
      std::printf("redis client accepted connect_timeout 0\n");
      return 1;
    } catch (const std::invalid_argument&) {
    }
    std::printf("redis ok, ");
  }
#endif

  std::printf("aiosmpp ok %.*s (%zu-octet submit_sm)\n",
              static_cast<int>(aiosmpp::version().size()), aiosmpp::version().data(), bytes.size());
  return 0;
}
