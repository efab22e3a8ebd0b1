// aiosmpplib's SimpleCorrelator directory (correlator.py): five PersistingDict files, each one
// JSON object whose keys are strings (sequence numbers, SMSC message ids, SAR references) and
// whose values are Python tuples written as arrays:
//   <name>_store.json                 seq → [stored_at, message]
//   <name>_segment_store.json         seq → [ref_num, segment_seq]
//   <name>_segment_status_store.json  ref → {"status": {seg: code}, "orig_submit_sm": message,
//                                            "last_response": message|null,
//                                            "last_receipt": message|null}
//   <name>_delivery_store.json        smsc_message_id → [stored_at, submit_sm]
//   <name>_delivery_segment_store.json ref → [stored_at, {seq: text}]
// stored_at is time.monotonic() of the old process: seconds since boot, meaningful only against
// another reading of the same clock (CorrelatorImportOptions says how ages are counted).

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/json/aiosmpplib.hpp"
#include "support.hpp"

namespace aiosmpp::aiosmpplib {

namespace {

using J = nlohmann::json;

constexpr std::string_view delivery_suffix = "_delivery_store.json";

[[noreturn]] void bad(const std::string& file, std::string path, std::string problem) {
  throw ImportError(file, JsonError(std::move(path), std::move(problem)));
}

std::string key_path(const std::string& key) {
  return fmt::format("[\"{}\"]", key);
}

// The file's top-level object, or an empty one when the file does not exist (PersistingDict
// starts empty then too).
J read_store(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return J::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(file, "file", "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  J doc = J::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) bad(file, "json", "not valid JSON");
  if (!doc.is_object()) {
    bad(file, "json",
        fmt::format("expected an object (a PersistingDict), got {}", doc.type_name()));
  }
  return doc;
}

std::uint32_t key_number(const std::string& file, const std::string& key, std::uint32_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  if (ec != std::errc() || end != key.data() + key.size() || v > max) {
    bad(file, key_path(key), fmt::format("key: expected an integer 0-{}", max));
  }
  return static_cast<std::uint32_t>(v);
}

// [stored_at, value]: checks the pair and the time; returns the time.
double stored_at(const std::string& file, const std::string& key, const J& pair) {
  if (!pair.is_array() || pair.size() != 2) {
    bad(file, key_path(key), "expected [stored_at, value] (a 2-element array)");
  }
  if (!pair[0].is_number()) {
    bad(file, key_path(key) + "[0]",
        fmt::format("stored_at: expected a number (time.monotonic() "
                    "seconds), got {}",
                    pair[0].type_name()));
  }
  return pair[0].get<double>();
}

Pdu message_at(const std::string& file, const std::string& where, const J& j) {
  try {
    return message_from_json(j);
  } catch (const ImportError&) {
    throw;
  } catch (const JsonError& e) {
    throw ImportError(file, JsonError(where + "." + e.path(), e.problem()));
  }
}

std::string find_name(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string f = entry.path().filename().string();
    if (f.size() > delivery_suffix.size() && f.ends_with(delivery_suffix) &&
        !f.ends_with("_delivery_segment_store.json")) {
      names.push_back(f.substr(0, f.size() - delivery_suffix.size()));
    }
  }
  if (ec) bad(dir.string(), "directory", ec.message());
  if (names.size() != 1) {
    std::sort(names.begin(), names.end());
    bad(dir.string(), "directory",
        names.empty()
            ? "no <name>_delivery_store.json: not a SimpleCorrelator directory"
            : fmt::format("several correlators ({}); choose one by name", fmt::join(names, ", ")));
  }
  return names.front();
}

void read_deliveries(const std::filesystem::path& dir, CorrelatorData& out) {
  const std::string file = out.name + std::string(delivery_suffix);
  const J doc = read_store(dir / file);
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    DeliveryEntry e;
    e.smsc_message_id = it.key();
    e.stored_at = stored_at(file, it.key(), *it);
    e.submit = message_at(file, key_path(it.key()) + "[1]", (*it)[1]);
    if (!std::holds_alternative<SubmitSm>(e.submit)) {
      bad(file, key_path(it.key()) + "[1]", "expected a SUBMIT_SM");
    }
    out.deliveries.push_back(std::move(e));
  }
}

void read_pending(const std::filesystem::path& dir, CorrelatorData& out) {
  const std::string file = out.name + "_store.json";
  const J doc = read_store(dir / file);
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    PendingRequest p;
    p.sequence_number = key_number(file, it.key(), 0xFFFFFFFF);
    p.stored_at = stored_at(file, it.key(), *it);
    p.request = message_at(file, key_path(it.key()) + "[1]", (*it)[1]);
    out.pending.push_back(std::move(p));
  }
}

void read_segment_status(const std::filesystem::path& dir, CorrelatorData& out) {
  const std::string file = out.name + "_segment_status_store.json";
  const J doc = read_store(dir / file);
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string where = key_path(it.key());
    SegmentGroup g;
    g.ref_num = key_number(file, it.key(), 0xFFFFFFFF);
    const J& v = *it;
    for (const char* key : {"status", "orig_submit_sm"}) {
      if (!v.is_object() || !v.contains(key)) bad(file, where + "." + key, "missing");
    }
    for (auto k = v.begin(); k != v.end(); ++k) {
      const std::string& n = k.key();
      if (n != "status" && n != "orig_submit_sm" && n != "last_response" && n != "last_receipt") {
        bad(file, where + "." + n,
            "unknown field (SegmentStatus has status, orig_submit_sm, "
            "last_response, last_receipt)");
      }
    }
    const J& status = v["status"];
    if (!status.is_object()) bad(file, where + ".status", "expected an object");
    for (auto s = status.begin(); s != status.end(); ++s) {
      if (!s->is_number_unsigned() || s->get<std::uint64_t>() > 0xFFFFFFFF) {
        bad(file, where + ".status" + key_path(s.key()), "expected an integer status code");
      }
      g.status[key_number(file, s.key(), 255)] = s->get<std::uint32_t>();
    }
    g.original = message_at(file, where + ".orig_submit_sm", v["orig_submit_sm"]);
    const std::pair<const char*, std::optional<Pdu>*> lasts[] = {
        {"last_response", &g.last_response}, {"last_receipt", &g.last_receipt}};
    for (const auto& [key, slot] : lasts) {
      if (v.contains(key) && !v[key].is_null()) *slot = message_at(file, where + "." + key, v[key]);
    }
    out.segments.push_back(std::move(g));
  }
}

// The two stores whose content aiosmpp keeps in the Esme's memory: checked and counted.
void read_segment_stores(const std::filesystem::path& dir, CorrelatorData& out) {
  std::string file = out.name + "_segment_store.json";
  const J links = read_store(dir / file);
  for (auto it = links.begin(); it != links.end(); ++it) {
    key_number(file, it.key(), 0xFFFFFFFF);
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() ||
        !(*it)[1].is_number_unsigned()) {
      bad(file, key_path(it.key()), "expected [ref_num, segment_seq] (two integers)");
    }
  }
  out.segment_links = links.size();
  file = out.name + "_delivery_segment_store.json";
  const J parts = read_store(dir / file);
  for (auto it = parts.begin(); it != parts.end(); ++it) {
    stored_at(file, it.key(), *it);
    if (!(*it)[1].is_object()) bad(file, key_path(it.key()) + "[1]", "expected {seq: text}");
  }
  out.partial_incoming = parts.size();
}

}  // namespace

CorrelatorData read_correlator(const std::filesystem::path& directory,
                               const CorrelatorImportOptions& options) {
  if (!(options.max_ttl_delivery >= 1.0)) {
    throw std::invalid_argument(
        fmt::format("max_ttl_delivery: {} s, must be at least 1 s (as aiosmpplib requires)",
                    options.max_ttl_delivery));
  }
  if (!(options.downtime.count() >= 0)) {
    throw std::invalid_argument("downtime: must not be negative");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    bad(directory.string(), "directory", "not a directory");
  }
  CorrelatorData out;
  out.name = options.name.empty() ? find_name(directory) : options.name;
  read_deliveries(directory, out);
  read_pending(directory, out);
  read_segment_status(directory, out);
  read_segment_stores(directory, out);

  double newest = 0;
  for (const auto& d : out.deliveries)
    newest = std::max(newest, d.stored_at);
  for (const auto& p : out.pending)
    newest = std::max(newest, p.stored_at);
  out.reference = options.monotonic_now.value_or(newest);
  for (auto& p : out.pending)
    p.age = std::chrono::duration<double>(out.reference - p.stored_at) + options.downtime;
  for (auto& d : out.deliveries) {
    d.age = std::chrono::duration<double>(out.reference - d.stored_at) + options.downtime;
    d.remaining = std::chrono::duration<double>(options.max_ttl_delivery) - d.age;
    d.expired = d.age.count() > options.max_ttl_delivery;  // aiosmpplib's `now - stored > ttl`
  }
  std::sort(out.deliveries.begin(), out.deliveries.end(),
            [](const auto& a, const auto& b) { return a.smsc_message_id < b.smsc_message_id; });
  std::sort(out.pending.begin(), out.pending.end(),
            [](const auto& a, const auto& b) { return a.sequence_number < b.sequence_number; });
  std::sort(out.segments.begin(), out.segments.end(),
            [](const auto& a, const auto& b) { return a.ref_num < b.ref_num; });
  return out;
}

}  // namespace aiosmpp::aiosmpplib
