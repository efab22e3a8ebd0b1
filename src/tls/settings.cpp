// TLS settings: their checks, in every build (with or without OpenSSL), so that a configuration is
// refused the same way whether or not this build could run it.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "aiosmpp/tls/config.hpp"
#include "aiosmpp/tls/transport.hpp"

namespace aiosmpp {

namespace {

// Whether `path` can be opened for reading: the system's reason when it cannot. Only opened, not
// read: the contents are OpenSSL's to judge, when the context is made.
std::optional<std::string> unreadable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fmt::format("{} is a directory", path);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fmt::format("cannot read {}: {}", path, std::strerror(errno));
  std::fclose(f);
  return std::nullopt;
}

std::optional<TlsSettingProblem> file_problem(std::string_view field, const std::string& path) {
  if (auto why = unreadable(path)) return TlsSettingProblem{std::string(field), *why};
  return std::nullopt;
}

std::optional<TlsSettingProblem> common_problem(TlsVersion min_version,
                                                std::chrono::milliseconds handshake_timeout) {
  if (min_version != TlsVersion::tls1_2 && min_version != TlsVersion::tls1_3) {
    return TlsSettingProblem{"min_version", "not tls1_2 or tls1_3"};
  }
  if (handshake_timeout.count() <= 0) {
    return TlsSettingProblem{"handshake_timeout",
                             fmt::format("{} ms, must be > 0", handshake_timeout.count())};
  }
  return std::nullopt;
}

constexpr std::string_view not_built =
    "this build of aiosmpp has no TLS (configured without OpenSSL; see docs/guides/tls.md)";

}  // namespace

std::string_view to_string(TlsVersion version) noexcept {
  switch (version) {
    case TlsVersion::tls1_2:
      return "1.2";
    case TlsVersion::tls1_3:
      return "1.3";
  }
  return "unknown";
}

TlsSetupError::TlsSetupError(std::string field, const std::string& reason)
    : std::invalid_argument(fmt::format("{}: {}", field, reason)),
      field_(std::move(field)),
      reason_(reason) {}

std::optional<TlsSettingProblem> find_problem(const TlsClientConfig& c) {
  if (!c.enabled) return std::nullopt;
  if (!tls_available()) return TlsSettingProblem{"enabled", std::string(not_built)};
  if (auto p = common_problem(c.min_version, c.handshake_timeout)) return p;
  if (!c.ca_file.empty()) {
    if (auto p = file_problem("ca_file", c.ca_file)) return p;
  }
  if (c.cert_file.empty() != c.key_file.empty()) {
    return c.cert_file.empty()
               ? TlsSettingProblem{"cert_file", "empty while key_file is set: set both or neither"}
               : TlsSettingProblem{"key_file", "empty while cert_file is set: set both or neither"};
  }
  if (!c.cert_file.empty()) {
    if (auto p = file_problem("cert_file", c.cert_file)) return p;
    if (auto p = file_problem("key_file", c.key_file)) return p;
  }
  if (c.server_name.find('\0') != std::string::npos) {
    return TlsSettingProblem{"server_name", "contains a NUL character"};
  }
  return std::nullopt;
}

std::optional<TlsSettingProblem> find_problem(const TlsServerConfig& c) {
  if (!tls_available()) return TlsSettingProblem{"enabled", std::string(not_built)};
  if (c.cert_file.empty()) return TlsSettingProblem{"cert_file", "empty, a TLS port needs one"};
  if (c.key_file.empty()) return TlsSettingProblem{"key_file", "empty, a TLS port needs one"};
  if (auto p = common_problem(c.min_version, c.handshake_timeout)) return p;
  if (auto p = file_problem("cert_file", c.cert_file)) return p;
  if (auto p = file_problem("key_file", c.key_file)) return p;
  if (!c.client_ca_file.empty()) {
    if (auto p = file_problem("client_ca_file", c.client_ca_file)) return p;
  } else if (c.require_client_cert) {
    return TlsSettingProblem{
        "require_client_cert",
        "needs client_ca_file, the CAs client certificates are checked against"};
  }
  if (c.max_handshakes < 1) return TlsSettingProblem{"max_handshakes", "0, must be at least 1"};
  return std::nullopt;
}

}  // namespace aiosmpp
