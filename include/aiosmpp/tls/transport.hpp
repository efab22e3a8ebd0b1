#pragma once

/** @file
 *  @brief TLS over TCP as an aiosmpp::Transport: TlsContext (the settings loaded into OpenSSL,
 *  shared by every connection of one side) and TlsTransport (one TLS stream). The session code
 *  above a Transport is the same for TCP and TLS. No OpenSSL header is included here.
 *
 *  Built when aiosmpp was configured with OpenSSL (tls_available()); in a build without it
 *  TlsContext::client() and server() throw TlsSetupError and TlsTransport is not defined. */

#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/net/transport.hpp"
#include "aiosmpp/tls/config.hpp"

namespace aiosmpp {

/** @brief TLS settings that OpenSSL refused, or TLS asked of a build without it. what() names the
 *  field and gives OpenSSL's reason ("cert_file: ... no start line"); field() is the field
 *  alone ("cert_file", or "enabled" when the build has no TLS). */
class TlsSetupError : public std::invalid_argument {
 public:
  /** @brief `field`: the setting; `reason`: why it failed. */
  TlsSetupError(std::string field, const std::string& reason);
  /** @brief The refused setting's name as in TlsClientConfig / TlsServerConfig. */
  const std::string& field() const noexcept { return field_; }
  /** @brief Why, without the field's name. */
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string field_;
  std::string reason_;
};

/** @brief True when `ec` is OpenSSL's own error (category "asio.ssl"): an alert from the peer or
 *  a broken record, as a TlsTransport read or write returns it. In TLS 1.3 a server refuses a
 *  client certificate after the client's handshake has completed, so the client first learns of
 *  it this way, at its first read. Always false in a build without TLS. */
bool is_tls_protocol_error(const std::error_code& ec) noexcept;

/** @brief Which side of the handshake a context is for. */
enum class TlsRole : std::uint8_t {
  client,  ///< connects, checks the server's certificate and name
  server,  ///< accepts, presents its certificate, may ask for the client's
};

/** @brief What a handshake ended with. */
struct TlsHandshakeResult {
  /** @brief Empty on success; else errc::tls_verify_failed (the peer's certificate was refused),
   *  errc::tls_handshake_failed (anything else: no common version, a plain peer, an alert, the
   *  peer closing), or asio::error::operation_aborted when cancelled. */
  std::error_code error;
  /** @brief OpenSSL's reason when `error` is set ("certificate has expired (depth 0:
   *  /CN=localhost)"); empty on success. */
  std::string detail;
  /** @brief The TLS stream, ready for reads and writes, when `error` is empty. */
  std::unique_ptr<Transport> transport;
  std::string protocol;      ///< on success: the protocol negotiated ("TLSv1.3")
  std::string cipher;        ///< on success: the cipher suite
  std::string peer_subject;  ///< on success: the peer certificate's subject; empty when none
};

/** @brief One side's TLS settings loaded into OpenSSL: certificates, keys, trusted CAs, the
 *  minimum version. Made once (it reads the files) and shared by every connection of that side.
 *  Immutable once made, so one context may serve connections on several threads. */
class TlsContext {
 public:
  /** @brief The client side of `config` (whether `enabled` or not).
   *  @throws TlsSetupError naming ca_file, cert_file or key_file with OpenSSL's reason (a file
   *  that is not PEM, a key that does not match the certificate), or "enabled" when this build
   *  has no TLS. */
  static std::shared_ptr<const TlsContext> client(const TlsClientConfig& config);
  /** @brief The server side of `config`. @throws TlsSetupError as client() does (cert_file,
   *  key_file, client_ca_file). */
  static std::shared_ptr<const TlsContext> server(const TlsServerConfig& config);

  virtual ~TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /** @brief Client or server. */
  virtual TlsRole role() const noexcept = 0;

  /** @brief Runs the handshake on a connected socket (taken over: closed on failure) in this
   *  context's role. A client sends `server_name` in SNI and checks the certificate against it
   *  (verify_peer); a server ignores it. Errors come back as values (TlsHandshakeResult). Not
   *  bounded in time: race a timer with it. Terminal cancellation ends it with
   *  operation_aborted and closes the socket. */
  virtual asio::awaitable<TlsHandshakeResult> handshake(asio::ip::tcp::socket socket,
                                                        std::string server_name = {}) const = 0;

 protected:
  TlsContext() = default;
};

/** @brief A TLS stream over TCP (Asio's ssl::stream on OpenSSL): the handshake step, then the
 *  Transport operations. TlsContext::handshake() makes one and runs its handshake; make one
 *  yourself to own the steps.
 *
 *  Errors: errc::connection_closed when the peer ended the stream (close_notify, or a TCP close
 *  without it, which TLS calls truncation: SMPP's own unbind says whether anything was lost),
 *  OpenSSL's error (category "asio.ssl") for a broken record or an alert. One read_some() and one
 *  write() may run at once; call everything on the socket's executor. */
class TlsTransport final : public Transport {
 public:
  /** @brief Takes a connected socket (sets TCP_NODELAY); `context` comes from
   *  TlsContext::client() or server() and says the role. @throws std::invalid_argument for a
   *  null context or one not made by those. */
  TlsTransport(asio::ip::tcp::socket socket, std::shared_ptr<const TlsContext> context);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  /** @brief The handshake step, once, before anything else: errc::tls_verify_failed,
   *  errc::tls_handshake_failed or operation_aborted (see TlsHandshakeResult); error_detail()
   *  then says why. A client checks `server_name` (see TlsContext::handshake()). Not bounded in
   *  time: race a timer with it (terminal cancellation is supported). */
  asio::awaitable<std::error_code> handshake(std::string server_name = {});
  /** @brief Why the handshake failed (OpenSSL's reason); empty when it did not. */
  const std::string& error_detail() const noexcept;
  /** @brief The protocol negotiated ("TLSv1.3"); empty before the handshake. */
  std::string protocol() const;
  /** @brief The cipher suite negotiated; empty before the handshake. */
  std::string cipher() const;
  /** @brief The subject of the peer's certificate ("/CN=localhost"); empty when it sent none. */
  std::string peer_subject() const;

  asio::any_io_executor get_executor() override;
  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buffer) override;
  asio::awaitable<IoResult> write(std::span<const std::uint8_t> bytes) override;
  /** @brief Sends close_notify (after what is being written) without waiting for the peer's: TLS
   *  allows that when nothing more will be read, and a read_some() after it, or pending, ends
   *  with errc::connection_closed. Bounded by the caller; errors are ignored. */
  asio::awaitable<void> shutdown() override;
  void close() noexcept override;
  bool is_open() const noexcept override;
  std::string remote_address() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiosmpp
