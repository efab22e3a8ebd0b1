// aiosmpp-send's command line (see options.hpp).

#include "options.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/json.hpp"
#include "names.hpp"

namespace aiosmpp::send {
namespace {

[[noreturn]] void bad(std::string_view flag, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(fmt::format("--{}: expected {}, got \"{}\"", flag, expected, value));
}

std::uint64_t whole(std::string_view flag, std::string_view v, std::uint64_t min,
                    std::uint64_t max) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < min || n > max) {
    bad(flag, v, fmt::format("a whole number {}..{}", min, max));
  }
  return n;
}

double number(std::string_view flag, std::string_view v, double min, double max) {
  double d = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(d) || d < min || d > max) {
    bad(flag, v, fmt::format("a number {}..{}", min, max));
  }
  return d;
}

std::chrono::milliseconds seconds(std::string_view flag, std::string_view v, double min,
                                  double max) {
  return std::chrono::milliseconds(std::llround(number(flag, v, min, max) * 1000.0));
}

bool on_off(std::string_view flag, std::string_view v) {
  if (v == "on" || v == "true" || v == "1") return true;
  if (v == "off" || v == "false" || v == "0") return false;
  bad(flag, v, "on or off");
}

std::string limited(std::string_view flag, std::string_view v, std::size_t max) {
  if (v.size() > max) bad(flag, v, fmt::format("at most {} characters", max));
  return std::string(v);
}

using Setter = std::function<void(SendOptions&, std::string_view flag, std::string_view value)>;

// Every flag that takes a value; switches are handled before the lookup.
const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> m{
      {"host", [](SendOptions& o, auto f, auto v) { o.host = limited(f, v, 253); }},
      {"port", [](SendOptions& o, auto f,
                  auto v) { o.port = static_cast<std::uint16_t>(whole(f, v, 1, 65535)); }},
      {"system-id", [](SendOptions& o, auto f, auto v) { o.system_id = limited(f, v, 15); }},
      {"password", [](SendOptions& o, auto f, auto v) { o.password = limited(f, v, 8); }},
      {"system-type", [](SendOptions& o, auto f, auto v) { o.system_type = limited(f, v, 12); }},
      {"bind",
       [](SendOptions& o, auto f, auto v) {
         if (v == "transceiver") {
           o.bind = BindType::transceiver;
         } else if (v == "transmitter") {
           o.bind = BindType::transmitter;
         } else {
           bad(f, v, "transceiver or transmitter");
         }
       }},
      {"window", [](SendOptions& o, auto f, auto v) { o.window = whole(f, v, 1, 65536); }},
      {"rate", [](SendOptions& o, auto f, auto v) { o.rate = number(f, v, 0, 1e6); }},
      {"flow-control", [](SendOptions& o, auto f, auto v) { o.flow_control = on_off(f, v); }},
      {"connect-timeout",
       [](SendOptions& o, auto f, auto v) { o.connect_timeout = seconds(f, v, 0.001, 3600); }},
      {"response-timeout",
       [](SendOptions& o, auto f, auto v) { o.response_timeout = seconds(f, v, 0.001, 3600); }},
      {"format",
       [](SendOptions& o, auto f, auto v) {
         if (v == "auto") {
           o.format = InputFormat::automatic;
         } else if (v == "csv") {
           o.format = InputFormat::csv;
         } else if (v == "jsonl") {
           o.format = InputFormat::jsonl;
         } else {
           bad(f, v, "auto, csv or jsonl");
         }
       }},
      {"to", [](SendOptions& o, auto f, auto v) { o.to = limited(f, v, 20); }},
      {"text", [](SendOptions& o, auto, auto v) { o.text = std::string(v); }},
      {"source", [](SendOptions& o, auto f, auto v) { o.source = limited(f, v, 20); }},
      {"encoding", [](SendOptions& o, auto f,
                      auto v) { o.encoding = name_to<TextEncoding>(fmt::format("--{}", f), v); }},
      {"long", [](SendOptions& o, auto f,
                  auto v) { o.long_mode = name_to<LongMessageMode>(fmt::format("--{}", f), v); }},
      {"max-messages",
       [](SendOptions& o, auto f, auto v) { o.max_messages = whole(f, v, 1, 100'000'000); }},
      {"max-line", [](SendOptions& o, auto f, auto v) { o.max_line = whole(f, v, 16, 1 << 24); }},
      {"out", [](SendOptions& o, auto, auto v) { o.out = std::string(v); }},
      {"state", [](SendOptions& o, auto, auto v) { o.state = std::string(v); }},
      {"wait-receipts",
       [](SendOptions& o, auto f, auto v) { o.wait_receipts = seconds(f, v, 0.001, 7 * 86400); }},
      {"progress",
       [](SendOptions& o, auto f, auto v) {
         static const std::map<std::string_view, ProgressMode> modes{
             {"auto", ProgressMode::automatic},
             {"bar", ProgressMode::bar},
             {"lines", ProgressMode::lines},
             {"off", ProgressMode::off}};
         const auto it = modes.find(v);
         if (it == modes.end()) bad(f, v, "auto, bar, lines or off");
         o.progress = it->second;
       }},
      {"progress-interval",
       [](SendOptions& o, auto f, auto v) { o.progress_interval = seconds(f, v, 0.01, 3600); }},
      {"log-level",
       [](SendOptions& o, auto f, auto v) {
         const auto level = parse_log_level(v);
         if (!level) bad(f, v, "trace, debug, info, warning, error or off");
         o.log_level = *level;
       }},
  };
  return m;
}

void check(const SendOptions& o) {
  if (o.system_id.empty()) throw std::invalid_argument("--system-id: required");
  const bool one = !o.to.empty() || !o.text.empty();
  if (one && (o.to.empty() || o.text.empty())) {
    throw std::invalid_argument("--to and --text: give both, or an input file instead");
  }
  if (one && !o.input.empty()) {
    throw std::invalid_argument(
        fmt::format("--to/--text and the input file \"{}\": give one of them", o.input));
  }
  if (!one && o.input.empty() && o.state.empty()) {
    throw std::invalid_argument("no messages: give an input file (- for stdin) or --to and --text");
  }
  if (o.wait_receipts.count() > 0 && o.bind != BindType::transceiver) {
    throw std::invalid_argument("--wait-receipts: receipts come only to a --bind transceiver");
  }
  if (!o.state.empty() && !state_supported()) {
    throw std::invalid_argument("--state: this build has no SQLite component (docs/durable.md)");
  }
}

}  // namespace

std::optional<SendOptions> parse_send_args(std::span<const std::string_view> args) {
  SendOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") return std::nullopt;
    if (a == "-" || !a.starts_with("--")) {
      if (i + 1 != args.size()) {
        throw std::invalid_argument(
            fmt::format("\"{}\": the input file must be the last argument (see --help)", a));
      }
      o.input = std::string(a);
      break;
    }
    a.remove_prefix(2);
    if (a == "no-flow-control") {
      o.flow_control = false;
      continue;
    }
    if (a == "resend-unknown") {
      o.resend_unknown = true;
      continue;
    }
    std::string_view name = a;
    std::string_view value;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw std::invalid_argument(fmt::format("--{}: missing value", name));
    }
    const auto it = setters().find(name);
    if (it == setters().end()) {
      throw std::invalid_argument(fmt::format("--{}: unknown flag (see --help)", name));
    }
    it->second(o, name, value);
  }
  check(o);
  return o;
}

bool state_supported() noexcept {
#ifdef AIOSMPP_SEND_WITH_SQLITE
  return true;
#else
  return false;
#endif
}

std::string send_usage() {
  return R"(aiosmpp-send: send SMS from a CSV or JSON-lines file, stdin or the command line

Usage: aiosmpp-send --system-id ID [--option value]... FILE|-
       aiosmpp-send --system-id ID [--option value]... --to NUMBER --text TEXT

Input (docs/guides/send.md)
  FILE | -                 CSV with a header line (destination,text[,source,id,encoding,long])
                           or JSON lines ({"destination":..,"text":..}); - reads stdin
  --format F               auto (default: JSON lines when the first line starts with '{'),
                           csv or jsonl
  --to NUMBER --text TEXT  one message instead of a file
  --source ADDR            source address of messages that give none
  --encoding E             automatic (default: the library chooses), gsm7, gsm7_packed,
                           ascii, latin1, ucs2, smsc_default
  --long M                 long texts: message_payload (default), udh8, udh16, sar
  --max-messages N         most messages read (default 1000000)
  --max-line N             longest input line in octets (default 65536)

Connection
  --host H --port P        the SMSC (default 127.0.0.1:2775)
  --system-id ID           required; --password PW, --system-type T
  --bind B                 transceiver (default) or transmitter
  --window N               requests in flight (default 64)
  --rate R                 messages per second at most (default: no limit)
  --flow-control on|off    slow down when the SMSC throttles (default on; --no-flow-control)
  --connect-timeout S      connect and bind limit in seconds (default 10)
  --response-timeout S     a response later than this is outcome unknown (default 15)

Outcomes
  --out FILE               one JSON line per message (appended to by a resumed --state run)
  --state FILE             resumable run: messages kept in this SQLite file until their
                           outcome is written; run again with the same FILE to go on
  --resend-unknown         with --state: send again the messages a crashed run left of
                           unknown outcome (default: report them as unknown)
  --wait-receipts S        ask for delivery receipts and wait up to S seconds for them
  --progress P             auto (default: bar on a terminal, else lines), bar, lines, off
  --progress-interval S    progress period (default 0.25 for the bar, 5 for lines)
  --log-level L            the library's log on stderr (default warning)

Exit status: 0 every message accepted; 1 some rejected, unknown or bad input lines;
2 usage; 3 could not connect or bind; 4 interrupted (resumable with --state).
)";
}

}  // namespace aiosmpp::send
