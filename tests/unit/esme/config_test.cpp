#include "aiosmpp/esme/config.hpp"

#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;

namespace {
std::string rejected_field(const EsmeConfig& c) {
  try {
    validate(c);
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("EsmeConfig." + e.field()) == 0);
    return e.field();
  }
  return {};
}
}  // namespace

TEST_CASE("EsmeConfig defaults are aiosmpplib's and valid", "[esme][config]") {
  EsmeConfig c;
  CHECK(c.enquire_link_interval == 55s);
  CHECK(c.socket_timeout == 30s);
  CHECK(c.bind_mode == BindMode::transceiver);
  CHECK(c.smsc_port == 2775);
  CHECK_NOTHROW(validate(c));
}

TEST_CASE("EsmeConfig rejects each invalid field, naming it and its limit", "[esme][config]") {
  EsmeConfig c;
  c.system_id = std::string(15, 's');
  c.password = std::string(8, 'p');
  c.system_type = std::string(12, 't');
  c.address_range = std::string(40, 'a');
  CHECK_NOTHROW(validate(c));  // every limit is inclusive

  auto with = [&](auto change) {
    EsmeConfig copy = c;
    change(copy);
    return rejected_field(copy);
  };
  CHECK(with([](EsmeConfig& x) { x.system_id += 's'; }) == "system_id");
  CHECK(with([](EsmeConfig& x) { x.password += 'p'; }) == "password");
  CHECK(with([](EsmeConfig& x) { x.system_type += 't'; }) == "system_type");
  CHECK(with([](EsmeConfig& x) { x.address_range += 'a'; }) == "address_range");
  CHECK(with([](EsmeConfig& x) { x.system_id = std::string("a\0b", 3); }) == "system_id");
  CHECK(with([](EsmeConfig& x) { x.smsc_host.clear(); }) == "smsc_host");
  CHECK(with([](EsmeConfig& x) { x.smsc_port = 0; }) == "smsc_port");
  CHECK(with([](EsmeConfig& x) { x.window = 0; }) == "window");
  CHECK(with([](EsmeConfig& x) { x.window = 65537; }) == "window");
  CHECK(with([](EsmeConfig& x) { x.requeue_limit = x.window - 1; }) == "requeue_limit");
  CHECK(with([](EsmeConfig& x) { x.requeue_limit = 4'194'305; }) == "requeue_limit");
  CHECK(with([](EsmeConfig& x) { x.requeue_limit = x.window; }).empty());
  CHECK(with([](EsmeConfig& x) { x.requeue_limit = 4'194'304; }).empty());
  CHECK(with([](EsmeConfig& x) { x.enquire_link_interval = 0ms; }) == "enquire_link_interval");
  CHECK(with([](EsmeConfig& x) { x.socket_timeout = -1ms; }) == "socket_timeout");
  CHECK(with([](EsmeConfig& x) { x.response_timeout = 0ms; }) == "response_timeout");
  CHECK(with([](EsmeConfig& x) { x.stop_timeout = 0ms; }) == "stop_timeout");
  CHECK(with([](EsmeConfig& x) { x.already_bound_delay = -1ms; }) == "already_bound_delay");
  CHECK(with([](EsmeConfig& x) { x.max_pdu_size = 100; }) == "max_pdu_size");
  CHECK(with([](EsmeConfig& x) { x.bind_mode = static_cast<BindMode>(7); }) == "bind_mode");
}

TEST_CASE("the Esme constructor rejects an invalid config, the password is not in the message",
          "[esme][config]") {
  asio::io_context io;
  EsmeConfig c;
  c.password = "toolongpassword";
  try {
    Esme esme(io.get_executor(), c);
    FAIL("no exception");
  } catch (const ConfigError& e) {
    CHECK(e.field() == "password");
    CHECK(std::string(e.what()).find("limit 8") != std::string::npos);
    CHECK(std::string(e.what()).find("toolongpassword") == std::string::npos);
  }
}
