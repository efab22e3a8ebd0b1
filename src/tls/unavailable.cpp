// The build without OpenSSL (cmake/aiosmpp-tls.cmake): TLS is not there, and asking for it says
// so. Validation (find_problem) refuses TLS settings before anything gets here; these are for
// callers that make a context directly.

#include "aiosmpp/tls/config.hpp"
#include "aiosmpp/tls/transport.hpp"

namespace aiosmpp {

namespace {

[[noreturn]] void refuse() {
  throw TlsSetupError("enabled",
                      "this build of aiosmpp has no TLS (configured without OpenSSL; see "
                      "docs/guides/tls.md)");
}

}  // namespace

bool tls_available() noexcept {
  return false;
}

bool is_tls_protocol_error(const std::error_code&) noexcept {
  return false;
}

std::shared_ptr<const TlsContext> TlsContext::client(const TlsClientConfig&) {
  refuse();
}

std::shared_ptr<const TlsContext> TlsContext::server(const TlsServerConfig&) {
  refuse();
}

}  // namespace aiosmpp
