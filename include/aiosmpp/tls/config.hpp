#pragma once

/** @file
 *  @brief TLS settings: the Esme's (EsmeConfig::tls) and the server side's (TlsListener,
 *  aiosmpp-smsc-sim's --tls-* options), their checks, and whether this build has TLS at all.
 *  Plain values with no OpenSSL header: every build has them, the TLS code itself is built when
 *  OpenSSL was found (docs/guides/tls.md). */

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aiosmpp {

/** @brief The oldest TLS version a side accepts. */
enum class TlsVersion : std::uint8_t {
  tls1_2,  ///< TLS 1.2 and 1.3 (the default)
  tls1_3,  ///< TLS 1.3 only
};

/** @brief "1.2" or "1.3". */
std::string_view to_string(TlsVersion version) noexcept;

/** @brief The Esme's TLS settings (EsmeConfig::tls). Off by default; when on, the Esme connects
 *  over TCP, then runs the TLS handshake (bounded by handshake_timeout), then binds. */
struct TlsClientConfig {
  /** @brief Speak TLS to the SMSC. Needs a build with TLS (tls_available()). */
  bool enabled = false;
  /** @brief PEM file of the certificate authorities to trust (one or several certificates);
   *  empty: the system's default store (on Debian /etc/ssl/certs). */
  std::string ca_file;
  /** @brief Check the SMSC's certificate: its chain up to a trusted CA, its validity dates and its
   *  name (server_name). On by default; off trusts anyone who answers, so only for tests. */
  bool verify_peer = true;
  /** @brief The name sent in SNI and checked against the certificate (its DNS names, or its IP
   *  addresses when this is an address). Empty: EsmeConfig::smsc_host. */
  std::string server_name;
  /** @brief A client certificate (PEM; intermediates may follow it), for SMSCs that ask for one.
   *  Set together with key_file. */
  std::string cert_file;
  /** @brief The client certificate's private key (PEM, not encrypted). */
  std::string key_file;
  /** @brief The oldest protocol accepted. */
  TlsVersion min_version = TlsVersion::tls1_2;
  /** @brief Limit on the handshake, after the TCP connect (which socket_timeout bounds). Its
   *  expiry fails the connect with errc::tls_handshake_failed. > 0. */
  std::chrono::milliseconds handshake_timeout{10'000};
};

/** @brief A TLS port's settings on the server side (TlsListener, aiosmpp-smsc-sim). */
struct TlsServerConfig {
  /** @brief The server's certificate (PEM; intermediates may follow it). Required. */
  std::string cert_file;
  /** @brief Its private key (PEM, not encrypted). Required. */
  std::string key_file;
  /** @brief When set: clients are asked for a certificate, which must chain up to one of the
   *  CAs in this PEM file. Empty: no client certificates. */
  std::string client_ca_file;
  /** @brief With client_ca_file: a client that sends no certificate fails the handshake (else it
   *  may connect without one; one it does send must still verify). */
  bool require_client_cert = false;
  /** @brief The oldest protocol accepted. */
  TlsVersion min_version = TlsVersion::tls1_2;
  /** @brief A connection whose handshake has not completed within this is closed. > 0. */
  std::chrono::milliseconds handshake_timeout{10'000};
  /** @brief Handshakes in progress at once; a connection accepted beyond it is closed at once
   *  (a flood of connections that never finish their handshake holds at most this many). >= 1. */
  std::size_t max_handshakes = 64;
  /** @brief Lines per second of each warning a client can trigger at will (tls_handshake_failed,
   *  tls_handshake_timeout, tls_refused), counted per kind: a flood of connections that send
   *  garbage is still failed at full speed, but logged at most this many times a second. The
   *  lines over it are not written but counted (TlsListenerStats::log_suppressed), and the next
   *  line of that kind written carries "suppressed" = how many were left out before it. 0: no
   *  limit. smsc::Server::listen_tls() uses ServerConfig::max_warnings_per_second instead. */
  std::uint32_t max_warnings_per_second = 10;
};

/** @brief A setting that cannot work: which field ("ca_file") and why, with the limit or the
 *  system's reason ("cannot read /etc/smsc/ca.pem: No such file or directory"). */
struct TlsSettingProblem {
  std::string field;    ///< the field's name in TlsClientConfig / TlsServerConfig
  std::string message;  ///< what is wrong
};

/** @brief The first problem of `config` when enabled: TLS not built, a file that cannot be read,
 *  a certificate without its key, a timeout <= 0, an unknown version. nullopt when it is fine or
 *  disabled. Files are only checked for being readable here; their contents are read, and refused
 *  with OpenSSL's reason, when the Esme is constructed. */
std::optional<TlsSettingProblem> find_problem(const TlsClientConfig& config);

/** @brief The same for a TLS port: certificate and key present and readable, client_ca_file
 *  readable when set (and set when require_client_cert), timeout > 0, max_handshakes >= 1. */
std::optional<TlsSettingProblem> find_problem(const TlsServerConfig& config);

/** @brief True when this build of aiosmpp has TLS (it was configured with OpenSSL). */
bool tls_available() noexcept;

}  // namespace aiosmpp
