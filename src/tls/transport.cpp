// TlsTransport: Asio's ssl::stream over a TCP socket, with the handshake's failures sorted into
// "the certificate was refused" and "the handshake failed", each with OpenSSL's reason.

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <utility>

#include <fmt/format.h>
#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/error.hpp"
#include "tls/openssl_context.hpp"

namespace aiosmpp {

using asio::ip::tcp;
using detail::OpenSslContext;
using detail::use_nothrow_awaitable;

struct TlsTransport::Impl {
  Impl(tcp::socket socket, std::shared_ptr<const OpenSslContext> ctx)
      : context(std::move(ctx)), stream(std::move(socket), context->native()) {}

  std::shared_ptr<const OpenSslContext> context;
  asio::ssl::stream<tcp::socket> stream;
  std::string detail;          // why the handshake failed
  std::string verify_failure;  // the first certificate the verification refused, and why
};

namespace {

// A TLS stream that ends without close_notify is "truncated": for SMPP the same as a TCP close
// (its unbind says whether anything was lost).
std::error_code tls_transport_error(const std::error_code& ec) noexcept {
  if (ec == asio::ssl::error::stream_truncated) return errc::connection_closed;
  return transport_error(ec);
}

}  // namespace

bool is_tls_protocol_error(const std::error_code& ec) noexcept {
  return ec.category() == asio::error::get_ssl_category();
}

namespace {

std::string subject_of(X509* cert) {
  if (cert == nullptr) return {};
  std::array<char, 256> name{};
  X509_NAME_oneline(X509_get_subject_name(cert), name.data(), static_cast<int>(name.size()));
  return name.data();
}

unsigned long openssl_code(const std::error_code& ec) noexcept {
  return static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
}

// The handshake ended with `ec`: which errc, and why in words.
std::pair<std::error_code, std::string> classify(const std::error_code& ec, SSL* ssl,
                                                 const std::string& verify_failure) {
  if (ec == asio::error::operation_aborted) return {ec, "cancelled"};
  // Without verification OpenSSL still records what it found; only a refusal counts.
  const bool verifying = (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0;
  const long verify = SSL_get_verify_result(ssl);
  if (verifying && !verify_failure.empty()) return {errc::tls_verify_failed, verify_failure};
  if (verifying && verify != X509_V_OK) {
    return {errc::tls_verify_failed, X509_verify_cert_error_string(verify)};
  }
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(openssl_code(ec)) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    return {errc::tls_verify_failed, "the client sent no certificate and this port requires one"};
  }
  if (tls_transport_error(ec) == errc::connection_closed) {
    return {errc::tls_handshake_failed,
            fmt::format("the peer closed the connection during the handshake ({}); is it a TLS "
                        "port?",
                        ec.message())};
  }
  return {errc::tls_handshake_failed, ec.message()};
}

}  // namespace

TlsTransport::TlsTransport(tcp::socket socket, std::shared_ptr<const TlsContext> context) {
  auto ours = std::dynamic_pointer_cast<const OpenSslContext>(context);
  if (!ours) {
    throw std::invalid_argument(
        "TlsTransport: the context must come from TlsContext::client() "
        "or TlsContext::server()");
  }
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  impl_ = std::make_unique<Impl>(std::move(socket), std::move(ours));
}

TlsTransport::~TlsTransport() = default;

asio::awaitable<std::error_code> TlsTransport::handshake(std::string server_name) {
  auto& stream = impl_->stream;
  SSL* ssl = stream.native_handle();
  const bool client = impl_->context->role() == TlsRole::client;
  if (client && !server_name.empty()) {
    std::error_code not_address;
    (void)asio::ip::make_address(server_name, not_address);
    // SNI carries host names only (RFC 6066 §3); an address is checked against the
    // certificate's IP addresses instead of its DNS names.
    // (SSL_set_tlsext_host_name() written out: the macro's C cast trips -Wold-style-cast.)
    if (not_address) {
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(server_name.c_str()));
    }
    if (impl_->context->verify_peer()) {
      const int ok = not_address
                         ? SSL_set1_host(ssl, server_name.c_str())
                         : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str());
      if (ok != 1) {
        impl_->detail = fmt::format("cannot check the certificate against '{}'", server_name);
        co_return errc::tls_handshake_failed;
      }
    }
  }
  // Remembers the first certificate refused and why, for the error's detail.
  stream.set_verify_callback([impl = impl_.get()](bool preverified, asio::ssl::verify_context& vc) {
    if (!preverified && impl->verify_failure.empty()) {
      X509_STORE_CTX* store = vc.native_handle();
      impl->verify_failure = fmt::format(
          "{} (depth {}: {})", X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)),
          X509_STORE_CTX_get_error_depth(store),
          subject_of(X509_STORE_CTX_get_current_cert(store)));
    }
    return preverified;
  });
  const auto type = client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
  auto [ec] = co_await stream.async_handshake(type, use_nothrow_awaitable);
  if (!ec) co_return std::error_code{};
  auto [error, why] = classify(ec, ssl, impl_->verify_failure);
  impl_->detail = std::move(why);
  co_return error;
}

const std::string& TlsTransport::error_detail() const noexcept {
  return impl_->detail;
}

std::string TlsTransport::protocol() const {
  const char* v = SSL_get_version(impl_->stream.native_handle());
  return v != nullptr && SSL_is_init_finished(impl_->stream.native_handle()) ? v : "";
}

std::string TlsTransport::cipher() const {
  const SSL_CIPHER* c = SSL_get_current_cipher(impl_->stream.native_handle());
  return c != nullptr ? SSL_CIPHER_get_name(c) : "";
}

std::string TlsTransport::peer_subject() const {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  return subject_of(SSL_get0_peer_certificate(impl_->stream.native_handle()));
#else
  X509* cert = SSL_get_peer_certificate(impl_->stream.native_handle());
  auto subject = subject_of(cert);
  X509_free(cert);
  return subject;
#endif
}

asio::any_io_executor TlsTransport::get_executor() {
  return impl_->stream.get_executor();
}

asio::awaitable<Transport::IoResult> TlsTransport::read_some(std::span<std::uint8_t> buffer) {
  auto [ec, n] = co_await impl_->stream.async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                                        use_nothrow_awaitable);
  co_return IoResult{tls_transport_error(ec), n};
}

asio::awaitable<Transport::IoResult> TlsTransport::write(std::span<const std::uint8_t> bytes) {
  auto [ec, n] = co_await asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()),
                                            use_nothrow_awaitable);
  co_return IoResult{tls_transport_error(ec), n};
}

asio::awaitable<void> TlsTransport::shutdown() {
  SSL* ssl = impl_->stream.native_handle();
  if (!impl_->stream.lowest_layer().is_open() || !SSL_is_init_finished(ssl)) co_return;
  // As if the peer's close_notify had come: SSL_shutdown then sends ours and completes, instead
  // of reading on for the peer's, which would race the session's own reader.
  SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
  co_await impl_->stream.async_shutdown(use_nothrow_awaitable);
}

void TlsTransport::close() noexcept {
  auto& socket = impl_->stream.lowest_layer();
  if (!socket.is_open()) return;
  std::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

bool TlsTransport::is_open() const noexcept {
  return impl_->stream.lowest_layer().is_open();
}

std::string TlsTransport::remote_address() const {
  std::error_code ec;
  const auto ep = impl_->stream.lowest_layer().remote_endpoint(ec);
  if (ec) return {};
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace aiosmpp
