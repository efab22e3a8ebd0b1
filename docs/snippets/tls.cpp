// docs/guides/tls.md: an SMSC with a TLS port (smsc::Server::listen_tls) and an Esme that binds
// to it over TLS, verifying its certificate; then the same Esme trusting another CA, refused.
//   doc_snippet_tls DIR     (DIR holds ca.pem, server.pem, server.key and other-ca.pem, made
//                            with the guide's openssl commands)

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/error.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "snippet_main.hpp"

namespace {

asio::awaitable<void> run(asio::io_context& io, const std::string& dir) {
  // snippet-begin: server
  // An SMSC whose port 3550 speaks TLS (port 0 here: any free one). Clients are not asked for
  // a certificate unless client_ca_file is set.
  aiosmpp::smsc::Server server(io.get_executor(), {}, {});
  aiosmpp::TlsServerConfig tls;
  tls.cert_file = dir + "/server.pem";
  tls.key_file = dir + "/server.key";
  const auto at = server.listen_tls({asio::ip::make_address("127.0.0.1"), 0}, tls);
  asio::co_spawn(io, server.run(), asio::detached);
  // snippet-end: server

  // snippet-begin: esme
  aiosmpp::EsmeConfig config;
  config.smsc_host = "localhost";  // the name the certificate must carry
  config.smsc_port = at.port();
  config.system_id = "smppclient1";
  config.password = "password";
  config.tls.enabled = true;
  config.tls.ca_file = dir + "/ca.pem";  // empty: the system's CA store
  // config.tls.server_name = "smsc.example.com";  // when smsc_host is an address
  aiosmpp::Esme esme(io.get_executor(), config);
  co_await esme.connect();  // TCP connect, TLS handshake, bind
  // snippet-end: esme
  fmt::print("bound over TLS: {}\n", aiosmpp::to_string(esme.session_state()));
  co_await esme.stop();

  // snippet-begin: refused
  config.tls.ca_file = dir + "/other-ca.pem";  // a CA that did not sign the SMSC's certificate
  aiosmpp::Esme refused(io.get_executor(), config);
  try {
    co_await refused.connect();
  } catch (const std::system_error& e) {
    if (e.code() == aiosmpp::errc::tls_verify_failed) {
      // e.what(): "Esme::connect: unable to get local issuer certificate (depth 0:
      // /CN=localhost): TLS certificate verification failed"; so does the log's connect_failed.
      fmt::print("refused: {}\n", e.what());
    }
  }
  // snippet-end: refused
  server.stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  asio::io_context io;
  return docs::run_main(io, run(io, argv[1]));
}
