// aiosmpp-pdu import-aiosmpplib: reads aiosmpplib's JSON messages and SimpleCorrelator directory
// (aiosmpp/json/aiosmpplib.hpp) and prints them in aiosmpp's JSON schema; with --sqlite, puts the
// correlation entries still awaiting a receipt into a SqliteCorrelator file.

#include "import_aiosmpplib.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/json.hpp"
#include "aiosmpp/json/aiosmpplib.hpp"
#include "cli.hpp"
#if defined(AIOSMPP_PDU_WITH_SQLITE)
#include "import_sqlite.hpp"
#endif

namespace aiosmpp::tools {

namespace {

using Json = nlohmann::ordered_json;
constexpr std::string_view command = "import-aiosmpplib";

constexpr std::string_view help =
    R"(usage: aiosmpp-pdu import-aiosmpplib [options] [FILE...]

Reads what aiosmpplib persisted and prints it in aiosmpp's JSON schema (schema 1):
  FILE...            aiosmpplib messages (its json_encode: objects with "__smpp_command__"),
                     one object, an array of objects or one object per line; '-' is stdin
  --correlator DIR   a SimpleCorrelator directory (<name>_delivery_store.json and the rest)
Output: {"messages": [PDU...], "correlator": {"deliveries": [...], "pending": [...],
"segments": [...], ...}}; a summary goes to stderr.

options:
  --name NAME          the correlator's name when DIR holds several
  --ttl SECONDS        aiosmpplib's max_ttl_delivery (default 259200, 3 days); also the
                       SqliteCorrelator's delivery_ttl with --sqlite
  --monotonic-now T    time.monotonic() of the old service when it stopped (default: the
                       newest stored-at time in DIR); ages are counted from it
  --downtime SECONDS   time since then, added to every age (default 0)
  --sqlite FILE        put the entries still awaiting a receipt into this SqliteCorrelator
                       file, each expiring when it would have in aiosmpplib (only when
                       aiosmpp was built with its sqlite component)
  --output FILE        write the JSON there instead of stdout
  --compact            one line of JSON

Exit status: 0 success, 1 invalid input (the error names the file, the field and what was
expected), 2 usage error.
)";

struct Options {
  std::vector<std::string> files;
  std::string correlator;
  aiosmpplib::CorrelatorImportOptions import;
  std::string sqlite;
  std::string output;
  bool compact = false;
};

std::optional<double> parse_seconds(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

// Parses the arguments; returns an exit status when the command should stop.
std::optional<int> parse(const std::vector<std::string_view>& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (is_help(a)) {
      std::cout << help;
      return exit_ok;
    }
    const bool takes_value = a == "--correlator" || a == "--name" || a == "--ttl" ||
                             a == "--monotonic-now" || a == "--downtime" || a == "--sqlite" ||
                             a == "--output";
    if (takes_value && i + 1 >= args.size()) {
      return usage_error(command, fmt::format("{} needs a value", a));
    }
    const std::string_view v = takes_value ? args[++i] : std::string_view();
    std::optional<double> secs;
    if (a == "--ttl" || a == "--monotonic-now" || a == "--downtime") {
      secs = parse_seconds(v);
      if (!secs || (a == "--ttl" && *secs < 1)) {
        return usage_error(command, fmt::format("{} '{}': expected a number of seconds{}", a, v,
                                                a == "--ttl" ? ", at least 1" : ""));
      }
    }
    if (a == "--correlator") {
      o.correlator = v;
    } else if (a == "--name") {
      o.import.name = v;
    } else if (a == "--ttl") {
      o.import.max_ttl_delivery = *secs;
    } else if (a == "--monotonic-now") {
      o.import.monotonic_now = *secs;
    } else if (a == "--downtime") {
      o.import.downtime = std::chrono::duration<double>(*secs);
    } else if (a == "--sqlite") {
#if defined(AIOSMPP_PDU_WITH_SQLITE)
      o.sqlite = v;
#else
      return usage_error(command,
                         "--sqlite: this aiosmpp-pdu was built without the sqlite "
                         "component (AIOSMPP_WITH_SQLITE)");
#endif
    } else if (a == "--output") {
      o.output = v;
    } else if (a == "--compact") {
      o.compact = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(command, fmt::format("unknown option '{}'", a));
    } else {
      o.files.emplace_back(a);
    }
  }
  if (o.files.empty() && o.correlator.empty()) {
    return usage_error(command, "nothing to import: give message FILEs and/or --correlator DIR");
  }
  if (!o.sqlite.empty() && o.correlator.empty()) {
    return usage_error(command, "--sqlite needs --correlator DIR (the entries come from there)");
  }
  return std::nullopt;
}

// A file's text; throws ImportError naming it when it cannot be read.
std::string read_file(const std::string& name) {
  if (name == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) throw aiosmpplib::ImportError(name, JsonError("file", "cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Json pdu_json(const Pdu& pdu) {
  Json j;
  to_json(j, pdu);
  return j;
}

Json optional_pdu(const std::optional<Pdu>& pdu) {
  return pdu ? pdu_json(*pdu) : Json(nullptr);
}

Json correlator_json(const aiosmpplib::CorrelatorData& d, double ttl) {
  Json out;
  out["name"] = d.name;
  out["reference_monotonic"] = d.reference;
  out["max_ttl_delivery"] = ttl;
  Json deliveries = Json::array();
  for (const auto& e : d.deliveries) {
    Json j;
    j["smsc_message_id"] = e.smsc_message_id;
    j["age_seconds"] = e.age.count();
    j["remaining_seconds"] = e.remaining.count();
    j["expired"] = e.expired;
    j["submit_sm"] = pdu_json(e.submit);
    deliveries.push_back(std::move(j));
  }
  out["deliveries"] = std::move(deliveries);
  Json pending = Json::array();
  for (const auto& p : d.pending) {
    Json j;
    j["sequence_number"] = p.sequence_number;
    j["age_seconds"] = p.age.count();
    j["request"] = pdu_json(p.request);
    pending.push_back(std::move(j));
  }
  out["pending"] = std::move(pending);
  Json segments = Json::array();
  for (const auto& g : d.segments) {
    Json j;
    j["ref_num"] = g.ref_num;
    Json status = Json::object();
    for (const auto& [seg, code] : g.status)
      status[std::to_string(seg)] = code;
    j["status"] = std::move(status);
    j["original"] = pdu_json(g.original);
    j["last_response"] = optional_pdu(g.last_response);
    j["last_receipt"] = optional_pdu(g.last_receipt);
    segments.push_back(std::move(j));
  }
  out["segments"] = std::move(segments);
  out["segment_links"] = d.segment_links;
  out["partial_incoming"] = d.partial_incoming;
  return out;
}

void summarise(const aiosmpplib::CorrelatorData& d) {
  std::size_t expired = 0;
  for (const auto& e : d.deliveries)
    expired += e.expired ? 1 : 0;
  std::cerr << fmt::format(
      "correlator {}: {} awaiting a receipt ({} expired), {} awaiting a response (their outcome "
      "is unknown: check them with the SMSC before sending again), {} segmented, {} incoming "
      "parts awaiting the rest (not carried over)\n",
      d.name, d.deliveries.size() - expired, expired, d.pending.size(), d.segments.size(),
      d.partial_incoming);
}

int write(const Options& o, const Json& out) {
  const std::string text = out.dump(o.compact ? -1 : 2, ' ', false, Json::error_handler_t::replace);
  if (o.output.empty()) {
    std::cout << text << '\n';
    return exit_ok;
  }
  std::ofstream f(o.output, std::ios::binary | std::ios::trunc);
  f << text << '\n';
  f.close();
  if (!f) return invalid(command, fmt::format("{}: cannot be written", o.output));
  return exit_ok;
}

}  // namespace

int cmd_import_aiosmpplib(const std::vector<std::string_view>& args) {
  Options o;
  if (auto stop = parse(args, o)) return *stop;
  try {
    Json out;
    Json messages = Json::array();
    for (const auto& file : o.files) {
      const auto pdus = aiosmpplib::read_messages(read_file(file), file);
      for (const auto& p : pdus)
        messages.push_back(pdu_json(p));
      std::cerr << fmt::format("{}: {} messages\n", file, pdus.size());
    }
    out["messages"] = std::move(messages);
    if (!o.correlator.empty()) {
      const auto data = aiosmpplib::read_correlator(o.correlator, o.import);
      out["correlator"] = correlator_json(data, o.import.max_ttl_delivery);
      summarise(data);
#if defined(AIOSMPP_PDU_WITH_SQLITE)
      if (!o.sqlite.empty()) {
        const auto ttl = std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(o.import.max_ttl_delivery));
        const auto r =
            fill_sqlite_correlator(o.sqlite, data, std::chrono::system_clock::now(), ttl);
        std::cerr << fmt::format("{}: {} correlation entries written ({} expired, skipped)\n",
                                 o.sqlite, r.written, r.expired);
      }
#endif
    }
    return write(o, out);
  } catch (const std::exception& e) {  // ImportError names the file, the field and the problem
    return invalid(command, e.what());
  }
}

}  // namespace aiosmpp::tools
