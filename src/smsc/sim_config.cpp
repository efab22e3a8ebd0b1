// The simulator's configuration: one setter per option, shared by the flags and the JSON file so
// that both accept exactly the same values.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/smsc/simulator.hpp"

namespace aiosmpp::smsc {

namespace {

[[noreturn]] void bad(std::string_view name, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(
      fmt::format("--{}: invalid value \"{}\" ({})", name, value, expected));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_list(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto at = s.find(sep);
    auto item = trim(s.substr(0, at));
    if (!item.empty()) out.push_back(item);
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::optional<double> to_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  const double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> to_uint(std::string_view s) {
  s = trim(s);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool parse_bool(std::string_view name, std::string_view value) {
  const auto v = lower(trim(value));
  if (v == "on" || v == "true" || v == "1" || v == "yes") return true;
  if (v == "off" || v == "false" || v == "0" || v == "no") return false;
  bad(name, value, "on|off|true|false|1|0");
}

// "250" (milliseconds), "250ms", "2s", "1.5s", "1m"
std::optional<std::chrono::milliseconds> to_duration(std::string_view s) {
  s = trim(s);
  double scale = 1;
  if (s.ends_with("ms")) {
    s.remove_suffix(2);
  } else if (s.ends_with("s")) {
    s.remove_suffix(1);
    scale = 1000;
  } else if (s.ends_with("m")) {
    s.remove_suffix(1);
    scale = 60000;
  }
  auto v = to_double(s);
  if (!v || *v < 0 || *v * scale > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(*v * scale));
}

std::chrono::milliseconds duration(std::string_view name, std::string_view value) {
  auto d = to_duration(value);
  if (!d) bad(name, value, "a duration: 250, 250ms, 2s, 1.5s, 1m");
  return *d;
}

DelayRange delay_range(std::string_view name, std::string_view value) {
  const auto dash = value.find('-');
  if (dash == std::string_view::npos) {
    auto d = duration(name, value);
    return {d, d};
  }
  auto lo = to_duration(value.substr(0, dash));
  auto hi = to_duration(value.substr(dash + 1));
  if (!lo || !hi || *lo > *hi) bad(name, value, "a duration or MIN-MAX with MIN <= MAX");
  return {*lo, *hi};
}

double share(std::string_view name, std::string_view value) {
  auto v = to_double(value);
  if (!v || *v < 0 || *v > 1) bad(name, value, "a share from 0 to 1");
  return *v;
}

double rate(std::string_view name, std::string_view value) {
  auto v = to_double(value);
  if (!v || *v < 0 || *v > 1e9) bad(name, value, "a rate per second, 0 or more");
  return *v;
}

std::uint64_t count(std::string_view name, std::string_view value, std::uint64_t max) {
  auto v = to_uint(value);
  if (!v || *v > max) bad(name, value, fmt::format("a whole number from 0 to {}", max));
  return *v;
}

template <class T, class Parse>
std::vector<std::pair<T, double>> weighted_list(std::string_view name, std::string_view value,
                                                Parse parse) {
  std::vector<std::pair<T, double>> out;
  for (auto item : split_list(value, ',')) {
    const auto colon = item.rfind(':');
    double w = 1;
    auto key = item;
    if (colon != std::string_view::npos) {
      auto wv = to_double(item.substr(colon + 1));
      if (!wv || *wv < 0) bad(name, value, "NAME[:WEIGHT],... with weights 0 or more");
      w = *wv;
      key = trim(item.substr(0, colon));
    }
    out.emplace_back(parse(key), w);
  }
  if (out.empty() || std::none_of(out.begin(), out.end(), [](auto& p) { return p.second > 0; })) {
    bad(name, value, "at least one NAME[:WEIGHT] with a positive weight");
  }
  return out;
}

text::Encoding mo_encoding(std::string_view name, std::string_view value) {
  const auto v = lower(trim(value));
  if (v == "auto" || v == "automatic") return text::Encoding::automatic;
  if (v == "gsm" || v == "gsm7") return text::Encoding::gsm7;
  if (v == "ucs2") return text::Encoding::ucs2;
  if (v == "latin1") return text::Encoding::latin1;
  if (v == "ascii" || v == "ia5") return text::Encoding::ascii;
  bad(name, value, "auto|gsm7|ucs2|latin1|ascii");
}

text::LongMessage mo_long(std::string_view name, std::string_view value) {
  const auto v = lower(trim(value));
  if (v == "payload" || v == "message_payload") return text::LongMessage::message_payload;
  if (v == "udh" || v == "udh8") return text::LongMessage::udh8;
  if (v == "udh16") return text::LongMessage::udh16;
  if (v == "sar") return text::LongMessage::sar;
  bad(name, value, "payload|udh8|udh16|sar");
}

std::string canonical(std::string_view name) {
  std::string n(trim(name));
  std::replace(n.begin(), n.end(), '_', '-');
  return n;
}

std::string json_scalar(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  throw std::invalid_argument("expected a string, number or boolean, got " + v.dump());
}

}  // namespace

CommandStatus parse_command_status(std::string_view text) {
  const auto t = trim(text);
  if (t.starts_with("0x") || t.starts_with("0X")) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(t.data() + 2, t.data() + t.size(), v, 16);
    if (ec == std::errc{} && p == t.data() + t.size() && t.size() > 2) {
      return static_cast<CommandStatus>(v);
    }
  } else if (auto n = to_uint(t); n && *n <= 0xFFFFFFFFU) {
    return static_cast<CommandStatus>(static_cast<std::uint32_t>(*n));
  }
  const auto want = lower(t);
  for (std::uint32_t v = 0; v <= 0x112; ++v) {
    const auto s = static_cast<CommandStatus>(v);
    const auto name = lower(status_name(s));
    if (name == "reserved" || name == "smpp_extension") continue;
    if (name == want || "esme_r" + want == name || "esme_" + want == name) return s;
  }
  throw std::invalid_argument(fmt::format(
      "unknown command_status \"{}\" (a name such as ESME_RTHROTTLED, or a number like 0x58)",
      text));
}

bool sim_option_value_optional(std::string_view name) {
  return canonical(name) == "refuse-binds";
}

void apply_sim_config_file(SimConfig& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(fmt::format("--config: cannot read \"{}\"", path));
  std::stringstream ss;
  ss << in.rdbuf();
  apply_sim_json(c, ss.str());
}

// Listening, binds and the session timers the ESME sees.
namespace {

bool listen_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "config") {
    apply_sim_config_file(c, std::string(trim(value)));
  } else if (name == "host") {
    if (trim(value).empty()) bad(name, value, "an IP address");
    c.host = std::string(trim(value));
  } else if (name == "port") {
    c.port = static_cast<std::uint16_t>(count(name, value, 65535));
  } else if (name == "system-id") {
    if (value.size() > 15) bad(name, value, "at most 15 characters");
    c.system_id = std::string(value);
  } else if (name == "credentials") {
    c.credentials.clear();
    for (auto item : split_list(value, ',')) {
      const auto colon = item.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        bad(name, value, "SYSTEM_ID:PASSWORD,...");
      }
      Credential cred{std::string(item.substr(0, colon)), std::string(item.substr(colon + 1))};
      if (cred.system_id.size() > 15) bad(name, value, "system_id at most 15 characters");
      if (cred.password.size() > 8) bad(name, value, "password at most 8 characters");
      c.credentials.push_back(std::move(cred));
    }
  } else if (name == "refuse-binds") {
    const auto v = lower(trim(value));
    if (v == "off" || v == "false" || v == "0" || v == "no") {
      c.refuse_binds.reset();
    } else if (v.empty() || v == "on" || v == "true" || v == "yes") {
      c.refuse_binds = CommandStatus::bind_failed;
    } else {
      c.refuse_binds = parse_command_status(value);
    }
  } else if (name == "max-sessions") {
    c.max_sessions = static_cast<std::size_t>(count(name, value, 1000000));
  } else if (name == "interface-version") {
    const auto v = trim(value);
    if (v == "3.4" || v == "0x34") {
      c.interface_version = InterfaceVersion::smpp_3_4;
    } else if (v == "5.0" || v == "0x50") {
      c.interface_version = InterfaceVersion::smpp_5_0;
    } else {
      bad(name, value, "3.4 or 5.0");
    }
  } else if (name == "congestion") {
    c.congestion_capacity = rate(name, value);
  } else if (name == "max-broadcasts") {
    c.max_broadcasts = static_cast<std::size_t>(count(name, value, 1000000));
    if (c.max_broadcasts == 0) bad(name, value, "at least 1");
  } else if (name == "max-broadcast-areas") {
    c.max_broadcast_areas = static_cast<std::size_t>(count(name, value, 1000));
    if (c.max_broadcast_areas == 0) bad(name, value, "at least 1");
  } else if (name == "window") {
    c.window = static_cast<std::size_t>(count(name, value, 1000000));
    if (c.window == 0) bad(name, value, "at least 1");
  } else if (name == "enquire-link") {
    c.enquire_link_interval = duration(name, value);
  } else if (name == "response-timeout") {
    c.response_timeout = duration(name, value);
  } else {
    return false;
  }
  return true;
}

// The bounds of docs/simulator.md "Limits".
bool limit_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "max-connections") {
    c.max_connections = static_cast<std::size_t>(count(name, value, 1000000));
    if (c.max_connections == 0) bad(name, value, "at least 1");
  } else if (name == "max-connections-per-address") {
    c.max_connections_per_address = static_cast<std::size_t>(count(name, value, 1000000));
  } else if (name == "max-bind-failures") {
    c.max_bind_failures = static_cast<std::size_t>(count(name, value, 1000000));
  } else if (name == "bind-failure-delay") {
    c.bind_failure_delay = duration(name, value);
  } else if (name == "session-init-timeout") {
    c.session_init_timeout = duration(name, value);
  } else if (name == "inactivity-timeout") {
    c.inactivity_timeout = duration(name, value);
  } else if (name == "pdu-timeout") {
    c.pdu_timeout = duration(name, value);
  } else if (name == "unbind-timeout") {
    c.unbind_timeout = duration(name, value);
  } else if (name == "close-timeout") {
    c.close_timeout = duration(name, value);
  } else if (name == "shutdown-timeout") {
    c.shutdown_timeout = duration(name, value);
  } else if (name == "max-pdu-size") {
    c.max_pdu_size = static_cast<std::size_t>(count(name, value, 16 * 1024 * 1024));
    if (c.max_pdu_size < 16) bad(name, value, "at least 16 (the header)");
  } else if (name == "max-pending-requests") {
    c.max_pending_requests = static_cast<std::size_t>(count(name, value, 100000000));
  } else if (name == "max-backlog") {
    c.max_backlog = static_cast<std::size_t>(count(name, value, 100000000));
  } else if (name == "write-high-water") {
    c.write_high_water = static_cast<std::size_t>(count(name, value, 1ULL << 32));
    if (c.write_high_water == 0) bad(name, value, "at least 1");
  } else if (name == "max-write-buffer") {
    c.max_write_buffer = static_cast<std::size_t>(count(name, value, 1ULL << 34));
    if (c.max_write_buffer == 0) bad(name, value, "at least 1");
  } else if (name == "max-receipts-per-session") {
    c.max_receipts_per_session = static_cast<std::size_t>(count(name, value, 1000000000));
  } else if (name == "max-receipts") {
    c.max_receipts = static_cast<std::size_t>(count(name, value, 1000000000));
  } else if (name == "max-mo-per-session") {
    c.max_mo_per_session = static_cast<std::size_t>(count(name, value, 1000000000));
  } else if (name == "max-mo") {
    c.max_mo = static_cast<std::size_t>(count(name, value, 1000000000));
  } else if (name == "max-warnings-per-second") {
    c.max_warnings_per_second = static_cast<std::uint32_t>(count(name, value, 1000000));
  } else if (name == "recent-pdus") {
    c.recent_pdus = static_cast<std::size_t>(count(name, value, 10000));
  } else if (name == "receipt-retry") {
    c.receipt_retry = delay_range(name, value);
    if (c.receipt_retry.min.count() <= 0) bad(name, value, "a first delay above 0, e.g. 1s-60s");
  } else {
    return false;
  }
  return true;
}

// Delivery receipts.
bool receipt_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "receipts") {
    c.receipts = parse_bool(name, value);
  } else if (name == "receipt-delay") {
    c.receipt_delay = delay_range(name, value);
  } else if (name == "receipt-states") {
    c.receipt_states = weighted_list<text::DeliveryState>(name, value, [&](std::string_view k) {
      auto s = text::state_from_stat(k);
      if (!s) bad(name, value, "states such as DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED");
      return *s;
    });
  } else if (name == "receipt-style") {
    const auto v = lower(trim(value));
    if (v == "text") {
      c.receipt_style = ReceiptStyle::text;
    } else if (v == "tlv") {
      c.receipt_style = ReceiptStyle::tlv;
    } else if (v == "both") {
      c.receipt_style = ReceiptStyle::both;
    } else {
      bad(name, value, "text|tlv|both");
    }
  } else if (name == "receipt-first-rate") {
    c.receipt_first_rate = share(name, value);
  } else if (name == "receipt-first-every") {
    c.receipt_first_every = count(name, value, UINT64_MAX);
  } else if (name == "intermediate-receipts") {
    const auto v = lower(trim(value));
    if (v == "off" || v == "none" || v == "0" || v == "false") {
      c.intermediate_receipt = IntermediateReceipt::off;
    } else if (v == "enroute") {
      c.intermediate_receipt = IntermediateReceipt::enroute;
    } else if (v == "buffred" || v == "buffered") {
      c.intermediate_receipt = IntermediateReceipt::buffered;
    } else {
      bad(name, value, "off|ENROUTE|BUFFRED");
    }
  } else if (name == "intermediate-rate") {
    c.intermediate_rate = share(name, value);
  } else if (name == "message-ids") {
    const auto v = lower(trim(value));
    if (v == "decimal") {
      c.message_ids = MessageIdFormat::decimal;
    } else if (v == "hex") {
      c.message_ids = MessageIdFormat::hex;
    } else if (v == "hex-response" || v == "hex_response") {
      c.message_ids = MessageIdFormat::hex_in_response;
    } else if (v == "hex-receipt" || v == "hex_receipt") {
      c.message_ids = MessageIdFormat::hex_in_receipt;
    } else {
      bad(name, value, "decimal|hex|hex-response|hex-receipt");
    }
  } else {
    return false;
  }
  return true;
}

// Mobile-originated messages.
bool mo_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "mo-rate") {
    c.mo_rate = rate(name, value);
  } else if (name == "mo-count") {
    c.mo_count = count(name, value, UINT64_MAX);
  } else if (name == "mo-file") {
    c.mo_file = std::string(trim(value));
  } else if (name == "mo-text") {
    c.mo.text = std::string(value);
  } else if (name == "mo-from") {
    if (value.size() > 20) bad(name, value, "at most 20 characters");
    c.mo.from = std::string(value);
  } else if (name == "mo-to") {
    if (value.size() > 20) bad(name, value, "at most 20 characters");
    c.mo.to = std::string(value);
  } else if (name == "mo-encoding") {
    c.mo.encoding = mo_encoding(name, value);
  } else if (name == "mo-long") {
    c.mo.long_message = mo_long(name, value);
  } else {
    return false;
  }
  return true;
}

// Trouble on purpose: errors, delays, throttling, unbinds.
bool trouble_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "error-rate") {
    c.error_rate = share(name, value);
  } else if (name == "error-status" || name == "error-statuses") {
    c.error_statuses = weighted_list<CommandStatus>(name, value, [&](std::string_view k) {
      try {
        return parse_command_status(k);
      } catch (const std::invalid_argument&) {
        bad(name, value, "statuses such as ESME_RTHROTTLED:3,ESME_RMSGQFUL:1");
      }
    });
    for (auto& [s, w] : c.error_statuses) {
      if (s == CommandStatus::ok) bad(name, value, "error statuses must not be ESME_ROK");
    }
  } else if (name == "response-delay") {
    c.response_delay = delay_range(name, value);
  } else if (name == "response-delay-rate") {
    c.response_delay_rate = share(name, value);
  } else if (name == "throttle-every") {
    c.throttle_every = count(name, value, UINT64_MAX);
  } else if (name == "throttle-rate") {
    c.throttle_rate = share(name, value);
  } else if (name == "queue-full-above") {
    c.queue_full_above = rate(name, value);
  } else if (name == "queue-full-every") {
    c.queue_full_every = count(name, value, UINT64_MAX);
  } else if (name == "queue-full-rate") {
    c.queue_full_rate = share(name, value);
  } else if (name == "account-rate") {
    c.account_rate = rate(name, value);
    if (c.account_rate > 10000000) bad(name, value, "at most 10000000 per second");
  } else if (name == "max-binds-per-account") {
    c.max_binds_per_account = static_cast<std::size_t>(count(name, value, 1000000));
  } else if (name == "unbind-after") {
    c.unbind_after = count(name, value, UINT64_MAX);
  } else if (name == "unbind-owed") {
    c.unbind_owed = count(name, value, 1000000);
    if (c.unbind_owed == 0) bad(name, value, "at least 1");
  } else if (name == "withhold-rate") {
    c.withhold_rate = share(name, value);
  } else if (name == "drop-every") {
    c.drop_every = count(name, value, UINT64_MAX);
  } else if (name == "max-submit-rate" || name == "throttle-above") {
    c.max_submit_rate = rate(name, value);
  } else {
    return false;
  }
  return true;
}

// TLS: the port's TlsServerConfig and the extra port; checked when the Simulator is made.
bool tls_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "tls-cert") {
    c.tls.cert_file = std::string(trim(value));
  } else if (name == "tls-key") {
    c.tls.key_file = std::string(trim(value));
  } else if (name == "tls-port") {
    c.tls_port = static_cast<std::uint16_t>(count(name, value, 65535));
  } else if (name == "tls-client-ca") {
    c.tls.client_ca_file = std::string(trim(value));
  } else if (name == "tls-require-client-cert") {
    c.tls.require_client_cert = parse_bool(name, value);
  } else if (name == "tls-min-version") {
    const auto v = trim(value);
    if (v != "1.2" && v != "1.3") bad(name, value, "1.2 or 1.3");
    c.tls.min_version = v == "1.2" ? TlsVersion::tls1_2 : TlsVersion::tls1_3;
  } else if (name == "tls-handshake-timeout") {
    c.tls.handshake_timeout = duration(name, value);
  } else if (name == "tls-max-handshakes") {
    c.tls.max_handshakes = static_cast<std::size_t>(count(name, value, 1000000));
  } else {
    return false;
  }
  return true;
}

// Statistics, logging, randomness.
bool output_option(SimConfig& c, const std::string& name, std::string_view value) {
  if (name == "stats-interval") {
    c.stats_interval = duration(name, value);
  } else if (name == "log-level") {
    auto l = parse_log_level(trim(value));
    if (!l) bad(name, value, "trace|debug|info|warning|error|critical|off");
    c.log_level = *l;
  } else if (name == "seed") {
    c.seed = count(name, value, UINT64_MAX);
  } else {
    return false;
  }
  return true;
}

}  // namespace

void apply_sim_option(SimConfig& c, std::string_view raw_name, std::string_view value) {
  const std::string name = canonical(raw_name);
  if (listen_option(c, name, value) || limit_option(c, name, value) ||
      receipt_option(c, name, value) || mo_option(c, name, value) ||
      trouble_option(c, name, value) || tls_option(c, name, value) ||
      output_option(c, name, value)) {
    return;
  }
  throw std::invalid_argument(fmt::format("unknown option --{} (see --help)", name));
}

void apply_sim_json(SimConfig& c, std::string_view json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("config: not valid JSON: {}", e.what()));
  }
  if (!j.is_object()) throw std::invalid_argument("config: the top level must be a JSON object");
  for (auto& [key, v] : j.items()) {
    const std::string name = canonical(key);
    try {
      if (name == "config") {
        throw std::invalid_argument("a config file cannot include another");
      } else if (name == "credentials" && v.is_array()) {
        std::string joined;
        for (auto& e : v) {
          if (!e.is_object() || !e.contains("system_id") || !e.contains("password")) {
            throw std::invalid_argument(
                "credentials: expected [{\"system_id\": ..., \"password\": ...}, ...]");
          }
          if (!joined.empty()) joined += ',';
          joined +=
              e.at("system_id").get<std::string>() + ":" + e.at("password").get<std::string>();
        }
        apply_sim_option(c, name, joined);
      } else if ((name == "receipt-states" || name == "error-status" || name == "error-statuses") &&
                 v.is_object()) {
        std::string joined;
        for (auto& [k, w] : v.items()) {
          if (!joined.empty()) joined += ',';
          joined += k + ":" + json_scalar(w);
        }
        apply_sim_option(c, name, joined);
      } else if (name == "mo" && v.is_object()) {
        for (auto& [k, w] : v.items())
          apply_sim_option(c, "mo-" + canonical(k), json_scalar(w));
      } else {
        apply_sim_option(c, name, json_scalar(v));
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(fmt::format("config: \"{}\": {}", key, e.what()));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("config: \"{}\": {}", key, e.what()));
    }
  }
}

}  // namespace aiosmpp::smsc
