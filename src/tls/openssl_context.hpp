#pragma once
// The one TlsContext there is: an asio::ssl::context configured from the settings, and the
// handshake on it. Internal: it includes OpenSSL's headers, which the public ones never do.

#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

#include "aiosmpp/tls/transport.hpp"

namespace aiosmpp::detail {

class OpenSslContext final : public TlsContext,
                             public std::enable_shared_from_this<OpenSslContext> {
 public:
  OpenSslContext(TlsRole role, bool verify_peer);

  TlsRole role() const noexcept override { return role_; }
  asio::awaitable<TlsHandshakeResult> handshake(asio::ip::tcp::socket socket,
                                                std::string server_name) const override;

  // A client that checks the server's certificate (and so its name).
  bool verify_peer() const noexcept { return verify_peer_; }
  // Asio's ssl::stream takes the context by non-const reference; nothing changes it once made.
  asio::ssl::context& native() const noexcept { return context_; }

 private:
  TlsRole role_;
  bool verify_peer_;
  mutable asio::ssl::context context_;
};

}  // namespace aiosmpp::detail
