#include "aiosmpp/text/gsm7.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "aiosmpp/text/utf8.hpp"

namespace aiosmpp::text::gsm7 {
namespace {

#include "gsm7_tables.inc"

// Reverse of one 128-entry table: ASCII by direct index, the rest by binary search over at most
// 128 sorted pairs. Built once; no maps on the encode path.
struct Reverse {
  std::array<std::int16_t, 128> ascii{};
  std::array<char16_t, 128> keys{};
  std::array<std::uint8_t, 128> septets{};
  std::size_t size = 0;

  int find(char32_t cp) const noexcept {
    if (cp < 128) return ascii[cp];
    if (cp > 0xFFFF) return -1;
    const auto* end = keys.data() + size;
    const auto* it = std::lower_bound(keys.data(), end, static_cast<char16_t>(cp));
    if (it == end || *it != cp) return -1;
    return septets[static_cast<std::size_t>(it - keys.data())];
  }
};

Reverse build_reverse(const std::array<char16_t, 128>& table) {
  Reverse r;
  r.ascii.fill(-1);
  std::array<std::pair<char16_t, std::uint8_t>, 128> pairs{};
  std::size_t n = 0;
  for (std::size_t s = 0; s < 128; ++s) {
    const char16_t cp = table[s];
    if (cp == 0) continue;
    if (cp < 128) {
      // A character listed twice (Hindi's single shift table has two U+00A1) encodes as the first.
      if (r.ascii[cp] < 0) r.ascii[cp] = static_cast<std::int16_t>(s);
    } else {
      pairs[n++] = {cp, static_cast<std::uint8_t>(s)};
    }
  }
  std::stable_sort(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(n),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < n; ++i) {
    if (r.size > 0 && r.keys[r.size - 1] == pairs[i].first) continue;
    r.keys[r.size] = pairs[i].first;
    r.septets[r.size] = pairs[i].second;
    ++r.size;
  }
  return r;
}

struct ReverseTables {
  std::array<Reverse, language_count> locking;
  std::array<Reverse, language_count> shift;
};

const ReverseTables& reverse_tables() {
  static const ReverseTables tables = [] {
    ReverseTables t;
    for (std::size_t i = 0; i < language_count; ++i) {
      t.locking[i] = build_reverse(kLockingTables[i]);
      t.shift[i] = build_reverse(kSingleShiftTables[i]);
    }
    return t;
  }();
  return tables;
}

std::size_t index_of(Language l) noexcept {
  const auto i = static_cast<std::size_t>(l);
  return i < language_count ? i : 0;
}

// Spanish has no locking table; the default alphabet stands in for it.
std::size_t locking_index(Language l) noexcept {
  return has_locking_table(l) ? index_of(l) : 0;
}

// aiosmpplib's GSM_REPLACE_ENCODE_MAP, as characters so that it works with any table pair.
char32_t look_alike(char32_t cp) noexcept {
  switch (cp) {
    case 0x00E7:
      return 0x00C7;  // ç -> Ç
    case 0x0391:
      return U'A';
    case 0x0392:
      return U'B';
    case 0x0395:
      return U'E';
    case 0x0397:
      return U'H';
    case 0x0399:
      return U'I';
    case 0x039A:
      return U'K';
    case 0x039C:
      return U'M';
    case 0x039D:
      return U'N';
    case 0x039F:
      return U'O';
    case 0x03A1:
      return U'P';
    case 0x03A4:
      return U'T';
    case 0x03A7:
      return U'X';
    case 0x03A5:
      return U'Y';
    case 0x0396:
      return U'Z';
    default:
      return 0;
  }
}

// Septets for cp: returns count (0, 1, 2) and writes them to s[0..count).
unsigned lookup(char32_t cp, const Reverse& lock, const Reverse& shift,
                std::uint8_t (&s)[2]) noexcept {
  int v = lock.find(cp);
  if (v >= 0) {
    s[0] = static_cast<std::uint8_t>(v);
    return 1;
  }
  v = shift.find(cp);
  if (v >= 0) {
    s[0] = escape;
    s[1] = static_cast<std::uint8_t>(v);
    return 2;
  }
  return 0;
}

// Characters before byte `offset` of well-formed UTF-8: only error messages need it, so the
// encode loop does not count as it goes.
std::size_t character_index(std::string_view s, std::size_t offset) noexcept {
  std::size_t index = 0;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++index;
  }
  return index;
}

}  // namespace

std::string_view language_name(Language language) noexcept {
  static constexpr std::array<std::string_view, language_count> names = {
      "none",    "turkish",   "spanish", "portuguese", "bengali", "gujarati", "hindi",
      "kannada", "malayalam", "oriya",   "punjabi",    "tamil",   "telugu",   "urdu"};
  const auto i = static_cast<std::size_t>(language);
  return i < language_count ? names[i] : std::string_view("reserved");
}

std::optional<Language> language_from_id(std::uint8_t id) noexcept {
  if (id >= language_count) return std::nullopt;
  return static_cast<Language>(id);
}

bool has_locking_table(Language language) noexcept {
  return language != Language::spanish && static_cast<std::uint8_t>(language) < language_count;
}

char32_t to_unicode(std::uint8_t septet, Language locking) noexcept {
  if (septet > 0x7F) return 0;
  return kLockingTables[locking_index(locking)][septet];
}

char32_t extension_to_unicode(std::uint8_t septet, Language single_shift) noexcept {
  if (septet > 0x7F) return 0;
  return kSingleShiftTables[index_of(single_shift)][septet];
}

unsigned septet_cost(char32_t cp, Tables tables) noexcept {
  const auto& rt = reverse_tables();
  std::uint8_t s[2];
  return lookup(cp, rt.locking[locking_index(tables.locking)],
                rt.shift[index_of(tables.single_shift)], s);
}

std::optional<std::size_t> count_septets(std::string_view utf8, Tables tables) noexcept {
  const auto& rt = reverse_tables();
  const Reverse& lock = rt.locking[locking_index(tables.locking)];
  const Reverse& shift = rt.shift[index_of(tables.single_shift)];
  std::size_t total = 0;
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    const auto b = static_cast<unsigned char>(utf8[pos]);
    unsigned cost = 0;
    if (b < 0x80) {
      cost = lock.ascii[b] >= 0 ? 1u : shift.ascii[b] >= 0 ? 2u : 0u;
      ++pos;
    } else {
      char32_t cp = 0;
      if (!utf8::next(utf8, pos, cp)) return std::nullopt;
      std::uint8_t s[2];
      cost = lookup(cp, lock, shift, s);
    }
    if (cost == 0) return std::nullopt;
    total += cost;
  }
  return total;
}

Result<std::size_t> encode(std::string_view utf8, std::vector<std::uint8_t>& out, ErrorMode mode,
                           Tables tables) {
  const auto& rt = reverse_tables();
  const Reverse& lock = rt.locking[locking_index(tables.locking)];
  const Reverse& shift = rt.shift[index_of(tables.single_shift)];
  const std::size_t start = out.size();
  // One octet of UTF-8 never yields more than two septets (an escape pair for an ASCII
  // character), so one resize bounds the output and the loop writes through a pointer.
  out.resize(start + 2 * utf8.size());
  std::uint8_t* const base = out.data() + start;
  std::uint8_t* dst = base;
  const auto* const in = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t n = utf8.size();
  std::size_t pos = 0;
  while (pos < n) {
    // Runs of ASCII characters of the locking table: one table read per character.
    while (pos < n && in[pos] < 0x80 && lock.ascii[in[pos]] >= 0) {
      *dst++ = static_cast<std::uint8_t>(lock.ascii[in[pos]]);
      ++pos;
    }
    if (pos >= n) break;
    const std::size_t offset = pos;
    char32_t cp = 0;
    if (!utf8::next(utf8, pos, cp)) {
      out.resize(start);
      return utf8::invalid_at(utf8, offset, character_index(utf8, offset));
    }
    std::uint8_t s[2];
    unsigned k = lookup(cp, lock, shift, s);
    if (k == 0) {
      if (mode == ErrorMode::strict) {
        out.resize(start);
        const std::size_t index = character_index(utf8, offset);
        return TextError{
            TextErrc::unencodable,
            fmt::format("character U+{:04X} at position {} is not in the GSM 03.38 "
                        "alphabet (tables: {}/{})",
                        static_cast<std::uint32_t>(cp), index, language_name(tables.locking),
                        language_name(tables.single_shift)),
            index, offset, cp};
      }
      if (mode == ErrorMode::ignore) continue;  // dropped, as Python's "ignore"
      const char32_t alike = look_alike(cp);
      k = alike != 0 ? lookup(alike, lock, shift, s) : 0;
      if (k == 0) k = lookup(U'?', lock, shift, s);
    }
    for (unsigned j = 0; j < k; ++j)
      *dst++ = s[j];
  }
  const auto written = static_cast<std::size_t>(dst - base);
  out.resize(start + written);
  return written;
}

Result<void> decode(std::span<const std::uint8_t> septets, std::string& out, ErrorMode mode,
                    Tables tables) {
  const auto& lock = kLockingTables[locking_index(tables.locking)];
  const auto& shift = kSingleShiftTables[index_of(tables.single_shift)];
  const std::size_t start = out.size();
  // Every table entry is in the BMP: at most 3 UTF-8 octets per septet.
  out.resize(start + 3 * septets.size());
  char* const base = out.data() + start;
  char* dst = base;
  auto put = [&dst](char32_t cp) {
    if (cp < 0x80) {
      *dst++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
      *dst++ = static_cast<char>(0xC0 | (cp >> 6));
      *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *dst++ = static_cast<char>(0xE0 | (cp >> 12));
      *dst++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  auto fail = [&](std::size_t i, std::uint8_t v, std::string_view why) -> Result<void> {
    out.resize(start);
    return TextError{TextErrc::invalid_encoding,
                     fmt::format("GSM 03.38 septet 0x{:02X} at position {}: {}", v, i, why), i, i,
                     v};
  };
  // What replaces an undecodable septet: nothing when ignoring.
  const auto replacement = [&](char32_t cp) {
    if (mode == ErrorMode::replace) put(cp);
  };
  for (std::size_t i = 0; i < septets.size(); ++i) {
    const std::uint8_t v = septets[i];
    if (v > 0x7F) {
      if (mode == ErrorMode::strict) return fail(i, v, "above 0x7F");
      replacement(U'?');
      continue;
    }
    if (v == escape) {
      if (i + 1 == septets.size()) {
        if (mode == ErrorMode::strict) return fail(i, v, "escape at the end of the text");
        replacement(0x00A0);
        continue;
      }
      const std::uint8_t x = septets[++i];
      if (x > 0x7F) {
        if (mode == ErrorMode::strict) return fail(i, x, "above 0x7F");
        replacement(U'?');
        continue;
      }
      char32_t cp = shift[x];
      if (cp == 0) cp = x == escape ? U' ' : lock[x];
      if (cp == 0) {
        if (mode == ErrorMode::strict) return fail(i, x, "unassigned after escape");
        replacement(U'?');
        continue;
      }
      put(cp);
      continue;
    }
    const char32_t cp = lock[v];
    if (cp == 0) {
      if (mode == ErrorMode::strict) return fail(i, v, "unassigned in the locking shift table");
      replacement(U'?');
      continue;
    }
    put(cp);
  }
  out.resize(start + static_cast<std::size_t>(dst - base));
  return {};
}

void pack(std::span<const std::uint8_t> septets, std::vector<std::uint8_t>& out, unsigned fill) {
  fill %= 7;
  const std::size_t base = out.size();
  out.resize(base + packed_size(septets.size(), fill), 0);
  std::uint8_t* dst = out.data() + base;
  std::size_t bit = fill;
  for (const std::uint8_t s : septets) {
    const unsigned v = s & 0x7Fu;
    const std::size_t byte = bit / 8;
    const unsigned shift = static_cast<unsigned>(bit % 8);
    dst[byte] = static_cast<std::uint8_t>(dst[byte] | ((v << shift) & 0xFFu));
    if (shift > 1) dst[byte + 1] = static_cast<std::uint8_t>(v >> (8 - shift));
    bit += 7;
  }
}

std::vector<std::uint8_t> unpack(std::span<const std::uint8_t> octets, std::size_t septet_count,
                                 unsigned fill) {
  fill %= 7;
  const std::size_t n = std::min(septet_count, septet_capacity(octets.size(), fill));
  std::vector<std::uint8_t> out(n);
  std::size_t bit = fill;
  for (std::size_t i = 0; i < n; ++i, bit += 7) {
    const std::size_t byte = bit / 8;
    const unsigned shift = static_cast<unsigned>(bit % 8);
    unsigned v = static_cast<unsigned>(octets[byte]) >> shift;
    if (shift > 1) v |= static_cast<unsigned>(octets[byte + 1]) << (8 - shift);
    out[i] = static_cast<std::uint8_t>(v & 0x7Fu);
  }
  return out;
}

std::vector<std::uint8_t> unpack_all(std::span<const std::uint8_t> octets, unsigned fill) {
  fill %= 7;
  const std::size_t bits = octets.size() * 8;
  std::vector<std::uint8_t> out = unpack(octets, septet_capacity(octets.size(), fill), fill);
  // 7 spare bits look like one more septet '@'; with no length field they are padding (10.3).
  if (bits >= fill && (bits - fill) % 7 == 0 && !out.empty() && out.back() == 0 &&
      (bits - fill) / 7 > 0) {
    out.pop_back();
  }
  return out;
}

}  // namespace aiosmpp::text::gsm7
