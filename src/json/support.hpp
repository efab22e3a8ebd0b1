#pragma once

// Shared machinery of the json layer: JSON paths for error messages, a strict object reader that
// refuses unknown keys, and readers/writers for the value classes (strings that may not be UTF-8,
// hex octets, bounded integers, named enums and '|'-joined bit sets). Templates over the JSON type
// so nlohmann::json and nlohmann::ordered_json share one implementation.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/json.hpp"
#include "aiosmpp/text/utf8.hpp"

namespace aiosmpp::detail::jsonio {

/** A JSON path as a chain of stack frames: built for free while reading, turned into text only
 *  when an error is reported. */
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  std::size_t index = npos;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  Path child(std::string_view k) const noexcept { return Path{this, k, npos}; }
  Path at(std::size_t i) const noexcept { return Path{this, {}, i}; }
  std::string str() const {
    std::string out = parent != nullptr ? parent->str() : std::string();
    if (index != npos) {
      out += fmt::format("[{}]", index);
    } else {
      if (!out.empty()) out += '.';
      out += key;
    }
    return out;
  }
};

[[noreturn]] inline void fail(const Path& path, std::string problem) {
  throw JsonError(path.str(), std::move(problem));
}

template <class J>
std::string got(const J& j) {
  return fmt::format(", got {}", j.type_name());
}

/** Reads an object's members by name, remembering which were asked for so that finish() can
 *  refuse a key nobody asked for (except '_' annotations). */
template <class J>
class ObjectIn {
 public:
  ObjectIn(const J& j, const Path& path) : j_(j), path_(path) {
    if (!j.is_object()) fail(path, "expected an object" + got(j));
    used_.reserve(24);
  }
  const J* find(std::string_view key) {
    used_.push_back(key);
    auto it = j_.find(key);  // heterogeneous lookup: no std::string per key
    return it == j_.end() ? nullptr : &*it;
  }
  const Path& path() const noexcept { return path_; }
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      const std::string& k = it.key();
      if (!k.empty() && k.front() == '_') continue;
      if (std::find(used_.begin(), used_.end(), std::string_view(k)) == used_.end()) {
        fail(path_.child(k), "unknown field");
      }
    }
  }

 private:
  const J& j_;
  const Path& path_;
  std::vector<std::string_view> used_;
};

// ---- hex and strings ------------------------------------------------------------------------

// The message layer's validator, so JSON and text agree on what well-formed UTF-8 is.
inline bool is_utf8(std::string_view s) noexcept {
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < s.size()) {
    if (!text::utf8::next(s, pos, cp)) return false;
  }
  return true;
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0F];
  }
  return out;
}
inline std::string to_hex(std::string_view s) {
  return to_hex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/** Hex digits (whitespace between octets allowed) to octets, or an error message. */
inline std::optional<std::string> parse_hex(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size() / 2);
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    const int hi = hex_digit(s[i]);
    if (hi < 0) return fmt::format("'{}' at offset {} is not a hex digit", s[i], i);
    if (i + 1 >= s.size() || is_space(s[i + 1])) {
      return fmt::format("odd number of hex digits (a lone digit at offset {})", i);
    }
    const int lo = hex_digit(s[i + 1]);
    if (lo < 0) return fmt::format("'{}' at offset {} is not a hex digit", s[i + 1], i + 1);
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  return std::nullopt;
}

template <class J>
std::string read_hex(const J& j, const Path& path) {
  if (!j.is_string()) fail(path, "expected hex octets (a string)" + got(j));
  std::string out;
  if (auto problem = parse_hex(j.template get_ref<const typename J::string_t&>(), out)) {
    fail(path, "expected hex octets: " + *problem);
  }
  return out;
}

template <class J>
std::vector<std::uint8_t> read_hex_bytes(const J& j, const Path& path) {
  const std::string s = read_hex(j, path);
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

/** A string field's octets: a JSON string, or {"hex": "..."} for octets that are not UTF-8. */
template <class J>
std::string read_string(const J& j, const Path& path) {
  if (j.is_string()) return j.template get<std::string>();
  if (j.is_object()) {
    ObjectIn<J> in(j, path);
    const J* hex = in.find("hex");
    if (hex == nullptr) fail(path, "expected a string or {\"hex\": ...}");
    in.finish();
    return read_hex(*hex, path.child("hex"));
  }
  fail(path, "expected a string" + got(j));
}

template <class J>
J string_value(std::string_view s) {
  if (is_utf8(s)) return J(std::string(s));
  J o = J::object();
  o["hex"] = to_hex(s);
  return o;
}

inline bool is_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/** A C-octet string of at most `size` octets including the NUL. */
template <class J>
std::string read_c_string(const J& j, const Path& path, std::size_t size) {
  std::string s = read_string(j, path);
  if (s.size() + 1 > size) {
    fail(path,
         fmt::format("{} {}, limit {}", s.size(), is_ascii(s) ? "characters" : "octets", size - 1));
  }
  if (s.find('\0') != std::string::npos) {
    fail(path, fmt::format("contains a NUL at offset {}, which would end the C-octet string",
                           s.find('\0')));
  }
  return s;
}

// ---- numbers ----------------------------------------------------------------------------------

/** An unsigned integer 0..max: a JSON number, or a "0x.." string. */
template <class J>
std::uint64_t read_uint(const J& j, const Path& path, std::uint64_t max) {
  const auto expected = [&] { return fmt::format("expected an integer 0-{}", max); };
  std::uint64_t v = 0;
  if (j.is_number_unsigned()) {
    v = j.template get<std::uint64_t>();
  } else if (j.is_number_integer()) {  // signed storage, e.g. built from an int
    const auto s = j.template get<std::int64_t>();
    if (s < 0) fail(path, fmt::format("{}, got {}", expected(), s));
    v = static_cast<std::uint64_t>(s);
  } else if (j.is_string()) {
    const auto& s = j.template get_ref<const typename J::string_t&>();
    if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
      fail(path, expected() + " (or a \"0x..\" string), got \"" + s + "\"");
    }
    for (std::size_t i = 2; i < s.size(); ++i) {
      const int d = hex_digit(s[i]);
      if (d < 0) fail(path, expected() + ", got \"" + s + "\"");
      v = (v << 4) | static_cast<unsigned>(d);
    }
  } else {
    fail(path, expected() + got(j));
  }
  if (v > max) fail(path, fmt::format("{}, got {}", expected(), v));
  return v;
}

template <class J>
bool read_bool(const J& j, const Path& path) {
  if (!j.is_boolean()) fail(path, "expected true or false" + got(j));
  return j.template get<bool>();
}

// ---- named values -----------------------------------------------------------------------------

/** An enum's value as the number the name tables hold. */
template <class E>
std::uint32_t raw(E e) noexcept {
  return static_cast<std::uint32_t>(e);
}

struct Named {
  std::string_view name;
  std::uint32_t value;
};

/** Names of a byte-sized enum taken from the codec's to_string, keeping only names that mean
 *  exactly one value (so "reserved" and ranges such as "gsm_message_class" stay numbers). */
class NameTable {
 public:
  template <class F>
  static NameTable from(F&& name_of, std::uint32_t last = 255) {
    NameTable t;
    for (std::uint32_t v = 0; v <= last; ++v) {
      const std::string_view n = name_of(v);
      auto it = std::find_if(t.entries_.begin(), t.entries_.end(),
                             [&](const Named& e) { return e.name == n; });
      if (it == t.entries_.end()) {
        t.entries_.push_back({n, v});
      } else {
        t.ambiguous_.push_back(n);
      }
    }
    std::erase_if(t.entries_, [&](const Named& e) {
      return std::find(t.ambiguous_.begin(), t.ambiguous_.end(), e.name) != t.ambiguous_.end();
    });
    return t;
  }
  NameTable() = default;
  NameTable(std::initializer_list<Named> entries) : entries_(entries) {}

  std::optional<std::string_view> name(std::uint32_t v) const noexcept {
    for (const auto& e : entries_) {
      if (e.value == v) return e.name;
    }
    return std::nullopt;
  }
  std::optional<std::uint32_t> value(std::string_view n) const noexcept {
    for (const auto& e : entries_) {
      if (e.name == n) return e.value;
    }
    return std::nullopt;
  }
  std::string list() const {
    std::string out;
    for (const auto& e : entries_) {
      if (!out.empty()) out += ", ";
      out += e.name;
    }
    return out;
  }
  void add(std::string_view n, std::uint32_t v) { entries_.push_back({n, v}); }

 private:
  std::vector<Named> entries_;
  std::vector<std::string_view> ambiguous_;
};

template <class J>
J named_value(const NameTable& t, std::uint32_t v) {
  if (auto n = t.name(v)) return J(std::string(*n));
  return J(v);
}

/** A name from `t`, or (when `max` > 0) a number 0..max. */
template <class J>
std::uint32_t read_named(const J& j, const Path& path, const NameTable& t, std::uint64_t max) {
  if (j.is_string()) {
    const auto& s = j.template get_ref<const typename J::string_t&>();
    if (auto v = t.value(s)) return *v;
    if (max > 0 && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      return static_cast<std::uint32_t>(read_uint(j, path, max));
    }
    fail(path, fmt::format("unknown name \"{}\"; expected one of {}{}", s, t.list(),
                           max > 0 ? fmt::format(", or a number 0-{}", max) : std::string()));
  }
  if (max > 0 && j.is_number()) return static_cast<std::uint32_t>(read_uint(j, path, max));
  fail(path, fmt::format("expected one of {}{}", t.list(),
                         max > 0 ? fmt::format(", or a number 0-{}", max) : std::string()) +
                 got(j));
}

/** A bit set of one octet written as names joined by '|'. Each token belongs to a group (the
 *  bits it may set); two tokens of one group conflict. `zero` names the empty set. */
struct BitToken {
  std::string_view name;
  std::uint8_t value;
  std::uint8_t group;
};

struct BitSet {
  std::string_view zero;
  std::vector<BitToken> tokens;

  /** The octet the text names, or an error message. */
  std::optional<std::uint8_t> parse(std::string_view text, std::string* problem) const {
    if (text == zero) return std::uint8_t{0};
    std::uint8_t value = 0;
    std::uint8_t groups = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('|', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view tok = text.substr(start, end - start);
      while (!tok.empty() && is_space(tok.front()))
        tok.remove_prefix(1);
      while (!tok.empty() && is_space(tok.back()))
        tok.remove_suffix(1);
      auto it = std::find_if(tokens.begin(), tokens.end(),
                             [&](const BitToken& t) { return t.name == tok; });
      if (it == tokens.end()) {
        if (problem != nullptr) {
          std::string names(zero);
          for (const auto& t : tokens)
            names += ", " + std::string(t.name);
          *problem = fmt::format(
              "unknown name \"{}\"; expected names joined by '|' from {}, or a "
              "number 0-255",
              tok, names);
        }
        return std::nullopt;
      }
      if ((groups & it->group) != 0) {
        if (problem != nullptr) {
          *problem =
              fmt::format("\"{}\" conflicts with an earlier name setting the same bits", it->name);
        }
        return std::nullopt;
      }
      groups = static_cast<std::uint8_t>(groups | it->group);
      value = static_cast<std::uint8_t>(value | it->value);
      start = end + 1;
    }
    return value;
  }
};

template <class J>
J bits_value(const BitSet& set, std::uint8_t v, const std::string& text) {
  if (set.parse(text, nullptr) == v) return J(text);
  return J(v);
}

template <class J>
std::uint8_t read_bits(const J& j, const Path& path, const BitSet& set) {
  if (j.is_string()) {
    const auto& s = j.template get_ref<const typename J::string_t&>();
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      return static_cast<std::uint8_t>(read_uint(j, path, 255));
    }
    std::string problem;
    if (auto v = set.parse(s, &problem)) return *v;
    fail(path, problem);
  }
  return static_cast<std::uint8_t>(read_uint(j, path, 255));
}

// Tables (defined in names.cpp).
const NameTable& ton_names();
const NameTable& npi_names();
const NameTable& data_coding_names();
const NameTable& message_state_names();
const NameTable& interface_version_names();
const NameTable& dest_flag_names();
const NameTable& command_status_names();
const NameTable& text_encoding_names();
const NameTable& long_message_names();
const NameTable& error_mode_names();
const BitSet& esm_class_bits();
const BitSet& registered_delivery_bits();

}  // namespace aiosmpp::detail::jsonio
