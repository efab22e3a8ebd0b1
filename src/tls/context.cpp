// TlsContext on OpenSSL: the settings loaded once per side, and the handshake that makes a
// TlsTransport from a connected socket.

#include <openssl/ssl.h>

#include <utility>

#include "tls/openssl_context.hpp"

namespace aiosmpp {

using detail::OpenSslContext;

namespace {

asio::ssl::context::method method_of(TlsRole role) {
  return role == TlsRole::client ? asio::ssl::context::tls_client : asio::ssl::context::tls_server;
}

void set_min_version(asio::ssl::context& context, TlsVersion version) {
  const int v = version == TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(context.native_handle(), v) != 1) {
    throw TlsSetupError("min_version", "OpenSSL refused it");
  }
}

// Throws naming `field` when an Asio ssl call failed (OpenSSL's reason is the message).
void check(std::string_view field, const std::string& path, const std::error_code& ec) {
  if (ec) throw TlsSetupError(std::string(field), path + ": " + ec.message());
}

void load_identity(asio::ssl::context& context, const std::string& cert_file,
                   const std::string& key_file) {
  std::error_code ec;
  context.use_certificate_chain_file(cert_file, ec);
  check("cert_file", cert_file, ec);
  context.use_private_key_file(key_file, asio::ssl::context::pem, ec);
  check("key_file", key_file, ec);
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw TlsSetupError("key_file", key_file + ": not the key of " + cert_file);
  }
}

}  // namespace

bool tls_available() noexcept {
  return true;
}

OpenSslContext::OpenSslContext(TlsRole role, bool verify_peer)
    : role_(role), verify_peer_(verify_peer), context_(method_of(role)) {}

std::shared_ptr<const TlsContext> TlsContext::client(const TlsClientConfig& config) {
  auto result = std::make_shared<OpenSslContext>(TlsRole::client, config.verify_peer);
  auto& context = result->native();
  set_min_version(context, config.min_version);
  std::error_code ec;
  if (config.verify_peer) {
    context.set_verify_mode(asio::ssl::verify_peer);
    if (config.ca_file.empty()) {
      context.set_default_verify_paths(ec);
      check("ca_file", "the system's default CA store", ec);
    } else {
      context.load_verify_file(config.ca_file, ec);
      check("ca_file", config.ca_file, ec);
    }
  } else {
    context.set_verify_mode(asio::ssl::verify_none);
  }
  if (!config.cert_file.empty() || !config.key_file.empty()) {
    load_identity(context, config.cert_file, config.key_file);
  }
  return result;
}

std::shared_ptr<const TlsContext> TlsContext::server(const TlsServerConfig& config) {
  auto result = std::make_shared<OpenSslContext>(TlsRole::server, false);
  auto& context = result->native();
  set_min_version(context, config.min_version);
  load_identity(context, config.cert_file, config.key_file);
  if (!config.client_ca_file.empty()) {
    std::error_code ec;
    context.load_verify_file(config.client_ca_file, ec);
    check("client_ca_file", config.client_ca_file, ec);
    // The CA names sent in CertificateRequest, so a client with several certificates picks one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(context.native_handle(), names);
    }
    context.set_verify_mode(asio::ssl::verify_peer |
                            (config.require_client_cert ? asio::ssl::verify_fail_if_no_peer_cert
                                                        : asio::ssl::verify_mode{}));
  }
  // Session resumption with client certificates needs an id context (else OpenSSL refuses the
  // resumed handshake).
  static constexpr unsigned char id_context[] = "aiosmpp";
  SSL_CTX_set_session_id_context(context.native_handle(), id_context, sizeof id_context - 1);
  return result;
}

asio::awaitable<TlsHandshakeResult> OpenSslContext::handshake(asio::ip::tcp::socket socket,
                                                              std::string server_name) const {
  TlsHandshakeResult result;
  auto transport = std::make_unique<TlsTransport>(std::move(socket), shared_from_this());
  result.error = co_await transport->handshake(std::move(server_name));
  if (result.error) {
    result.detail = transport->error_detail();
    transport->close();
    co_return result;
  }
  result.protocol = transport->protocol();
  result.cipher = transport->cipher();
  result.peer_subject = transport->peer_subject();
  result.transport = std::move(transport);
  co_return result;
}

}  // namespace aiosmpp
