#include "aiosmpp/esme/config.hpp"

#include <fmt/format.h>

namespace aiosmpp {

ConfigError::ConfigError(std::string field, const std::string& message)
    : std::invalid_argument(fmt::format("EsmeConfig.{}: {}", field, message)),
      field_(std::move(field)) {}

namespace {

// C-octet strings of the bind PDU (reference §4.1): the limit excludes the NUL.
void check_c_string(std::string_view field, const std::string& value, std::size_t limit) {
  if (value.size() > limit) {
    throw ConfigError(std::string(field),
                      fmt::format("{} characters, limit {}", value.size(), limit));
  }
  if (value.find('\0') != std::string::npos) {
    throw ConfigError(std::string(field), "contains a NUL character, which would end it early");
  }
}

void check_positive(std::string_view field, std::chrono::milliseconds value) {
  if (value.count() <= 0) {
    throw ConfigError(std::string(field), fmt::format("{} ms, must be > 0", value.count()));
  }
}

constexpr std::size_t max_requeue_limit = 4'194'304;

}  // namespace

void validate(const EsmeConfig& c) {
  if (c.smsc_host.empty()) throw ConfigError("smsc_host", "empty, must name the SMSC");
  if (c.smsc_port == 0) throw ConfigError("smsc_port", "0, must be 1..65535");
  check_c_string("system_id", c.system_id, 15);
  check_c_string("password", c.password, 8);
  check_c_string("system_type", c.system_type, 12);
  check_c_string("address_range", c.address_range, 40);
  if (c.bind_mode != BindMode::transmitter && c.bind_mode != BindMode::receiver &&
      c.bind_mode != BindMode::transceiver) {
    throw ConfigError("bind_mode", "not transmitter, receiver or transceiver");
  }
  if (c.interface_version != InterfaceVersion::smpp_3_4 &&
      c.interface_version != InterfaceVersion::smpp_5_0) {
    throw ConfigError("interface_version",
                      fmt::format("0x{:02x}, must be 0x34 (SMPP 3.4) or 0x50 (SMPP 5.0)",
                                  static_cast<unsigned>(c.interface_version)));
  }
  check_positive("enquire_link_interval", c.enquire_link_interval);
  check_positive("socket_timeout", c.socket_timeout);
  check_positive("response_timeout", c.response_timeout);
  check_positive("stop_timeout", c.stop_timeout);
  check_positive("reassembly_timeout", c.reassembly_timeout);
  check_positive("unbind_drain_timeout", c.unbind_drain_timeout);
  if (c.merge_receipts_limit < 1 || c.merge_receipts_limit > 1'000'000) {
    throw ConfigError("merge_receipts_limit",
                      fmt::format("{}, must be 1..1000000", c.merge_receipts_limit));
  }
  if (c.outbind.enabled) {
    if (c.outbind.listen_port == 0) {
      throw ConfigError("outbind.listen_port", "0, must be 1..65535 when outbind is enabled");
    }
    if (c.bind_mode != BindMode::receiver) {
      throw ConfigError("bind_mode",
                        "must be receiver when outbind is enabled (an outbind is "
                        "answered with bind_receiver)");
    }
    check_c_string("outbind.system_id", c.outbind.system_id, 15);
    check_c_string("outbind.password", c.outbind.password, 8);
    // The SMSC connects for an outbind, so the Esme would be the TLS server; not built.
    if (c.tls.enabled) {
      throw ConfigError("tls.enabled",
                        "must be false when outbind is enabled (outbind over TLS "
                        "is not supported)");
    }
  }
  if (c.message_ids != MessageIdForms::as_given &&
      c.message_ids != MessageIdForms::hex_response_decimal_receipt &&
      c.message_ids != MessageIdForms::decimal_response_hex_receipt) {
    throw ConfigError("message_ids",
                      "not as_given, hex_response_decimal_receipt or "
                      "decimal_response_hex_receipt");
  }
  if (c.already_bound_delay.count() < 0) {
    throw ConfigError("already_bound_delay",
                      fmt::format("{} ms, must be >= 0", c.already_bound_delay.count()));
  }
  if (c.window < 1 || c.window > 65536) {
    throw ConfigError("window", fmt::format("{}, must be 1..65536", c.window));
  }
  if (c.requeue_limit != 0 && (c.requeue_limit < c.window || c.requeue_limit > max_requeue_limit)) {
    throw ConfigError("requeue_limit", fmt::format("{}, must be 0 (4 x window) or window ({})..{}",
                                                   c.requeue_limit, c.window, max_requeue_limit));
  }
  constexpr std::size_t min_pdu = 64 * 1024 + 16;
  constexpr std::size_t max_pdu = 16 * 1024 * 1024;
  if (c.max_pdu_size < min_pdu || c.max_pdu_size > max_pdu) {
    throw ConfigError("max_pdu_size",
                      fmt::format("{}, must be {}..{}", c.max_pdu_size, min_pdu, max_pdu));
  }
  if (c.log_level > LogLevel::off) throw ConfigError("log_level", "not a LogLevel");
  if (auto p = find_problem(c.tls)) throw ConfigError("tls." + p->field, p->message);
}

}  // namespace aiosmpp
