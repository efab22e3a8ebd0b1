// TLS settings without a connection: the checks behind EsmeConfig's validate() and the TLS port,
// each naming its field, and what a build with or without TLS does with them.

#include <filesystem>
#include <fstream>
#include <string>

#include <asio/io_context.hpp>

#include "aiosmpp/error.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/tls/config.hpp"
#include "aiosmpp/tls/transport.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A folder of files for one test case (ctest runs cases in parallel): "junk.pem" holds text that
// is not PEM, "missing" does not exist.
struct Files {
  explicit Files(const std::string& name)
      : dir(fs::path(AIOSMPP_TEST_BINARY_DIR) / "tls-config-test" / name) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(path("junk.pem")) << "not a certificate\n";
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

std::string field_of(const std::optional<TlsSettingProblem>& p) {
  return p ? p->field : std::string("(none)");
}

}  // namespace

TEST_CASE("tls config: versions and error codes read as words") {
  CHECK(to_string(TlsVersion::tls1_2) == "1.2");
  CHECK(to_string(TlsVersion::tls1_3) == "1.3");
  CHECK(std::error_code(errc::tls_handshake_failed).message() == "TLS handshake failed");
  CHECK(std::error_code(errc::tls_verify_failed).message() ==
        "TLS certificate verification failed");
  CHECK(std::error_code(errc::tls_verify_failed).category() == aiosmpp_category());
}

TEST_CASE("tls config: the build says whether it has TLS, and refuses TLS when it has not") {
  CHECK(tls_available() == (AIOSMPP_TEST_HAS_TLS != 0));
  TlsClientConfig c;
  c.enabled = true;
  if (!tls_available()) {
    CHECK(field_of(find_problem(c)) == "enabled");
    CHECK(field_of(find_problem(TlsServerConfig{})) == "enabled");
    try {
      (void)TlsContext::client(c);
      FAIL("a context without TLS");
    } catch (const TlsSetupError& e) {
      CHECK(e.field() == "enabled");
    }
    return;
  }
  CHECK_FALSE(find_problem(c));  // the system's CA store, verification on: nothing to check
}

TEST_CASE("tls config: client settings name the field that cannot work") {
  if (!tls_available()) return;  // see the test above
  const Files files("client");
  TlsClientConfig c;
  c.enabled = true;
  SECTION("off: nothing is checked") {
    c.enabled = false;
    c.ca_file = files.path("missing");
    c.handshake_timeout = 0ms;
    CHECK_FALSE(find_problem(c));
  }
  SECTION("a CA file that is not there, or a folder") {
    c.ca_file = files.path("missing");
    const auto p = find_problem(c);
    CHECK(field_of(p) == "ca_file");
    CHECK(p->message == "cannot read " + files.path("missing") + ": No such file or directory");
    c.ca_file = files.dir.string();
    CHECK(find_problem(c)->message == files.dir.string() + " is a directory");
  }
  SECTION("a certificate without its key, or the reverse") {
    c.cert_file = files.path("junk.pem");
    CHECK(field_of(find_problem(c)) == "key_file");
    c.cert_file.clear();
    c.key_file = files.path("junk.pem");
    CHECK(field_of(find_problem(c)) == "cert_file");
    c.cert_file = files.path("missing");
    CHECK(field_of(find_problem(c)) == "cert_file");
    c.cert_file = files.path("junk.pem");
    c.key_file = files.path("missing");
    CHECK(field_of(find_problem(c)) == "key_file");
  }
  SECTION("a timeout that is not positive, a version that does not exist") {
    c.handshake_timeout = 0ms;
    CHECK(find_problem(c)->message == "0 ms, must be > 0");
    c.handshake_timeout = 1ms;
    c.min_version = static_cast<TlsVersion>(7);
    CHECK(field_of(find_problem(c)) == "min_version");
  }
  SECTION("a server name with a NUL") {
    c.server_name = std::string("smsc\0evil", 9);
    CHECK(field_of(find_problem(c)) == "server_name");
  }
}

TEST_CASE("tls config: a TLS port's settings name the field that cannot work") {
  if (!tls_available()) return;
  const Files files("server");
  TlsServerConfig s;
  CHECK(field_of(find_problem(s)) == "cert_file");
  s.cert_file = files.path("junk.pem");
  CHECK(field_of(find_problem(s)) == "key_file");
  s.key_file = files.path("missing");
  CHECK(field_of(find_problem(s)) == "key_file");
  s.key_file = files.path("junk.pem");
  CHECK_FALSE(find_problem(s));  // readable: the contents are OpenSSL's to judge, later
  s.require_client_cert = true;
  CHECK(field_of(find_problem(s)) == "require_client_cert");
  s.client_ca_file = files.path("missing");
  CHECK(field_of(find_problem(s)) == "client_ca_file");
  s.client_ca_file = files.path("junk.pem");
  s.max_handshakes = 0;
  CHECK(field_of(find_problem(s)) == "max_handshakes");
  s.max_handshakes = 1;
  s.handshake_timeout = -5ms;
  CHECK(field_of(find_problem(s)) == "handshake_timeout");
}

TEST_CASE("tls config: EsmeConfig refuses TLS settings as tls.<field>") {
  const Files files("esmeconfig");
  EsmeConfig c;
  c.system_id = "esme";
  c.tls.enabled = true;
  c.tls.ca_file = files.path("missing");
  try {
    validate(c);
    FAIL("validate() took a CA file that is not there");
  } catch (const ConfigError& e) {
    if (tls_available()) {
      CHECK(e.field() == "tls.ca_file");
      CHECK(std::string(e.what()) == "EsmeConfig.tls.ca_file: cannot read " +
                                         files.path("missing") + ": No such file or directory");
    } else {
      CHECK(e.field() == "tls.enabled");
    }
  }
}

TEST_CASE("tls config: outbind over TLS is refused by name") {
  EsmeConfig c;
  c.system_id = "esme";
  c.bind_mode = BindMode::receiver;
  c.outbind.enabled = true;
  c.outbind.listen_port = 2775;
  CHECK_NOTHROW(validate(c));
  c.tls.enabled = true;
  try {
    validate(c);
    FAIL("validate() took outbind with TLS");
  } catch (const ConfigError& e) {
    CHECK(e.field() == "tls.enabled");
  }
}

TEST_CASE("tls config: the Esme loads its CA and certificate when constructed") {
  if (!tls_available()) return;
  const Files files("esme");
  asio::io_context io;
  EsmeConfig c;
  c.system_id = "esme";
  c.tls.enabled = true;
  c.tls.ca_file = files.path("junk.pem");  // readable, so validate() passes; OpenSSL refuses it
  CHECK_NOTHROW(validate(c));
  try {
    Esme esme(io.get_executor(), c);
    FAIL("an Esme with a CA file holding no certificate");
  } catch (const ConfigError& e) {
    CHECK(e.field() == "tls.ca_file");
    // OpenSSL's reason follows the file's name.
    CHECK(std::string(e.what()).find("EsmeConfig.tls.ca_file: " + files.path("junk.pem") + ": ") ==
          0);
  }
}
