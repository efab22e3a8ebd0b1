#include "aiosmpp/text/iconv_codec.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <type_traits>

#include <fmt/format.h>
#include <iconv.h>

#include "aiosmpp/text/utf8.hpp"

namespace aiosmpp::text {
namespace {

static_assert(std::is_pointer_v<iconv_t>, "iconv_t is kept as void* in the header");

iconv_t bad_converter() noexcept {
  return reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1));
}

// This thread's converters, one per character set and direction, opened on first use and closed
// when the thread ends: opening one costs far more than a short message's conversion.
class Converters {
 public:
  Converters() = default;
  Converters(const Converters&) = delete;
  Converters& operator=(const Converters&) = delete;
  ~Converters() {
    for (const auto& e : entries_)
      iconv_close(e.cd);
  }

  // An iconv_t in its initial state, or bad_converter().
  iconv_t get(const std::string& charset, bool to_utf8) {
    for (const auto& e : entries_) {
      if (e.to_utf8 == to_utf8 && e.charset == charset) {
        iconv(e.cd, nullptr, nullptr, nullptr, nullptr);
        return e.cd;
      }
    }
    iconv_t cd =
        to_utf8 ? iconv_open("UTF-8", charset.c_str()) : iconv_open(charset.c_str(), "UTF-8");
    if (cd != bad_converter()) entries_.push_back({charset, to_utf8, cd});
    return cd;
  }

 private:
  struct Entry {
    std::string charset;
    bool to_utf8;
    iconv_t cd;
  };
  std::vector<Entry> entries_;
};

iconv_t converter(const std::string& charset, bool to_utf8) {
  thread_local Converters converters;
  return converters.get(charset, to_utf8);
}

// Runs iconv until the input is consumed or it stops at a sequence it cannot convert, growing
// `out` (of which `used` octets are written) as needed. Returns 0, EILSEQ or EINVAL. With
// in == nullptr it writes what returns a stateful encoding to its initial state.
template <class Buffer>
int convert(iconv_t cd, char** in, std::size_t* in_left, Buffer& out, std::size_t& used) {
  for (;;) {
    if (out.size() - used < 16) out.resize(out.size() * 2 + 16);
    char* dst = reinterpret_cast<char*>(out.data()) + used;
    std::size_t dst_left = out.size() - used;
    const std::size_t r = iconv(cd, in, in_left, &dst, &dst_left);
    used = out.size() - dst_left;
    if (r != static_cast<std::size_t>(-1)) return 0;
    if (errno != E2BIG) return errno;
    out.resize(out.size() * 2 + 16);
  }
}

std::size_t character_index(std::string_view s, std::size_t offset) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

IconvCodec::IconvCodec(std::string charset, std::string name)
    : charset_(std::move(charset)), name_(std::move(name)) {
  iconv_t to = iconv_open(charset_.c_str(), "UTF-8");
  iconv_t from = iconv_open("UTF-8", charset_.c_str());
  if (to != bad_converter()) keep_to_ = static_cast<void*>(to);
  if (from != bad_converter()) keep_from_ = static_cast<void*>(from);
  available_ = keep_to_ != nullptr && keep_from_ != nullptr;
}

IconvCodec::~IconvCodec() {
  if (keep_to_ != nullptr) iconv_close(static_cast<iconv_t>(keep_to_));
  if (keep_from_ != nullptr) iconv_close(static_cast<iconv_t>(keep_from_));
}

bool IconvCodec::encode_fallback(char32_t, std::vector<std::uint8_t>&) const {
  return false;
}

Result<void> IconvCodec::encode(std::string_view utf8, ErrorMode mode,
                                std::vector<std::uint8_t>& out) const {
  auto unavailable = [&] {
    return TextError{
        TextErrc::unknown_data_coding,
        fmt::format("codec {}: the C library's iconv cannot convert UTF-8 to {}", name_, charset_)};
  };
  if (!available_) return unavailable();
  if (auto valid = utf8::validate(utf8); !valid) return valid;
  iconv_t cd = converter(charset_, false);
  if (cd == bad_converter()) return unavailable();
  const std::size_t start = out.size();
  std::size_t used = start;
  out.resize(start + 2 * utf8.size() + 16);
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    char* in = const_cast<char*>(utf8.data()) + pos;
    std::size_t in_left = utf8.size() - pos;
    if (convert(cd, &in, &in_left, out, used) == 0) break;
    // The input is valid UTF-8, so iconv stopped at a character the character set lacks.
    const std::size_t offset = utf8.size() - in_left;
    pos = offset;
    char32_t cp = 0;
    utf8::next(utf8, pos, cp);
    out.resize(used);
    if (encode_fallback(cp, out)) {
      used = out.size();
      continue;
    }
    if (mode == ErrorMode::strict) {
      out.resize(start);
      const std::size_t index = character_index(utf8, offset);
      return TextError{TextErrc::unencodable,
                       fmt::format("character U+{:04X} at position {} cannot be encoded in {}",
                                   static_cast<std::uint32_t>(cp), index, name_),
                       index, offset, cp};
    }
    if (mode == ErrorMode::replace) {
      // Through the converter, which may first have to switch a stateful encoding to ASCII.
      char question = '?';
      char* q = &question;
      std::size_t q_left = 1;
      (void)convert(cd, &q, &q_left, out, used);
    }
  }
  (void)convert(cd, nullptr, nullptr, out, used);  // back to the initial state (ISO-2022)
  out.resize(used);
  return {};
}

Result<void> IconvCodec::decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                                std::string& out) const {
  return decode_part(bytes, 0, mode, out);
}

Result<void> IconvCodec::decode_part(std::span<const std::uint8_t> bytes, std::size_t offset,
                                     ErrorMode mode, std::string& out) const {
  auto unavailable = [&] {
    return TextError{
        TextErrc::unknown_data_coding,
        fmt::format("codec {}: the C library's iconv cannot convert {} to UTF-8", name_, charset_)};
  };
  if (!available_) return unavailable();
  if (bytes.empty()) return {};
  iconv_t cd = converter(charset_, true);
  if (cd == bad_converter()) return unavailable();
  const std::size_t start = out.size();
  std::size_t used = start;
  out.resize(start + 3 * bytes.size() + 16);  // 3 UTF-8 octets per input octet at most
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    char* in = reinterpret_cast<char*>(const_cast<std::uint8_t*>(bytes.data())) + pos;
    std::size_t in_left = bytes.size() - pos;
    const int err = convert(cd, &in, &in_left, out, used);
    if (err == 0) break;
    pos = bytes.size() - in_left;
    if (mode == ErrorMode::strict) {
      out.resize(start);
      const std::size_t at = offset + pos;
      return TextError{
          TextErrc::invalid_encoding,
          err == EINVAL
              ? fmt::format("{}: the text ends inside a character (octet 0x{:02X} at position {})",
                            name_, bytes[pos], at)
              : fmt::format("octet 0x{:02X} at position {} is not valid {}", bytes[pos], at, name_),
          at, at, bytes[pos]};
    }
    if (mode == ErrorMode::replace) {
      out.resize(used);
      out.push_back('?');
      used = out.size();
    }
    if (err == EINVAL) break;  // what is left is one incomplete character
    ++pos;                     // skip one octet and carry on
  }
  out.resize(used);
  return {};
}

namespace {

// ESC (U+001B) starts ISO-2022-JP's escape sequences, and glibc (like Python) writes it through
// as data, which the receiver then reads as a broken or wrong escape sequence: here it is a
// character the coding cannot hold.
class Iso2022JpCodec final : public IconvCodec {
 public:
  Iso2022JpCodec() : IconvCodec("ISO-2022-JP", "iso2022_jp") {}

  Result<void> encode(std::string_view utf8, ErrorMode mode,
                      std::vector<std::uint8_t>& out) const override {
    const std::size_t esc = utf8.find('\x1B');
    if (esc == std::string_view::npos) return IconvCodec::encode(utf8, mode, out);
    if (auto valid = utf8::validate(utf8); !valid) return valid;
    if (mode == ErrorMode::strict) {
      const std::size_t index = character_index(utf8, esc);
      return TextError{TextErrc::unencodable,
                       fmt::format("character U+001B at position {} cannot be encoded in {} "
                                   "(ESC begins its escape sequences)",
                                   index, name()),
                       index, esc, U'\x1B'};
    }
    std::string without;
    without.reserve(utf8.size());
    for (const char c : utf8) {
      if (c != '\x1B') {
        without.push_back(c);
      } else if (mode == ErrorMode::replace) {
        without.push_back('?');
      }
    }
    return IconvCodec::encode(without, mode, out);
  }
};

// Python's shift_jis (aiosmpplib's codec for data_coding 9) reads 0x5C and 0x7E as ASCII `\` and
// `~`; glibc's SHIFT_JIS as JIS X 0201 `¥` and `‾`. Everything else decodes alike (checked over
// every one- and two-octet sequence), and both encode `\`, `¥` as 0x5C and `~`, `‾` as 0x7E.
class ShiftJisCodec final : public IconvCodec {
 public:
  ShiftJisCodec() : IconvCodec("SHIFT_JIS", "shift_jis") {}

  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override {
    const std::size_t start = out.size();
    auto r = IconvCodec::decode(bytes, mode, out);
    if (!r) return r;
    // U+00A5 is C2 A5 and U+203E is E2 80 BE in UTF-8; most text has neither.
    std::size_t i = out.find_first_of("\xC2\xE2", start);
    std::size_t w = i;
    while (i < out.size()) {
      if (out.compare(i, 2, "\xC2\xA5") == 0) {
        out[w++] = '\\';
        i += 2;
      } else if (out.compare(i, 3, "\xE2\x80\xBE") == 0) {
        out[w++] = '~';
        i += 3;
      } else {
        out[w++] = out[i++];
      }
    }
    if (w != std::string::npos) out.resize(w);
    return {};
  }
};

// The 11,172 Hangul syllables are L*588 + V*28 + T after U+AC00 (Unicode §3.12). KS X 1001 has
// 2,350 of them; its 1998 Annex 3 writes any other as 8 octets: the filler A4D4, then the initial,
// medial and final jamo (A4D4 for no final), each as its compatibility jamo A4A1 + (U+31xx -
// U+3131). Python's euc_kr (aiosmpplib's codec for data_coding 14) reads and writes them; glibc's
// EUC-KR does not, so this codec adds them.
constexpr std::uint8_t kFiller = 0xD4;
constexpr std::array<std::uint8_t, 19> kInitial = {0xA1, 0xA2, 0xA4, 0xA7, 0xA8, 0xA9, 0xB1,
                                                   0xB2, 0xB3, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9,
                                                   0xBA, 0xBB, 0xBC, 0xBD, 0xBE};
constexpr std::uint8_t kFirstMedial = 0xBF;  // 21 medials, BF..D3
constexpr std::array<std::uint8_t, 28> kFinal = {
    kFiller, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE,
    0xAF,    0xB0, 0xB1, 0xB2, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE};

template <std::size_t N>
std::optional<std::size_t> index_in(const std::array<std::uint8_t, N>& table, std::uint8_t b) {
  for (std::size_t i = 0; i < N; ++i) {
    if (table[i] == b) return i;
  }
  return std::nullopt;
}

// The syllable an 8-octet make-up sequence at `i` spells, if it is one.
std::optional<char32_t> makeup_at(std::span<const std::uint8_t> b, std::size_t i) {
  if (i + 8 > b.size() || b[i] != 0xA4 || b[i + 1] != kFiller || b[i + 2] != 0xA4 ||
      b[i + 4] != 0xA4 || b[i + 6] != 0xA4) {
    return std::nullopt;
  }
  const auto l = index_in(kInitial, b[i + 3]);
  const auto t = index_in(kFinal, b[i + 7]);
  const unsigned v = b[i + 5] - kFirstMedial;
  if (!l || !t || b[i + 5] < kFirstMedial || v >= 21) return std::nullopt;
  return static_cast<char32_t>(0xAC00 + *l * 588 + v * 28 + *t);
}

class EucKrCodec final : public IconvCodec {
 public:
  EucKrCodec() : IconvCodec("EUC-KR", "euc_kr") {}

  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override {
    const std::size_t start = out.size();
    std::size_t run = 0;  // start of the octets iconv has not seen yet
    std::size_t i = 0;
    while (i < bytes.size()) {
      // Walk characters as glibc reads them: one octet below 0xA1 (ASCII, and the C1 controls
      // glibc accepts) and for 0xFF, two from a lead octet 0xA1..0xFE.
      if (bytes[i] < 0xA1 || bytes[i] == 0xFF) {
        ++i;
        continue;
      }
      if (auto cp = makeup_at(bytes, i)) {
        auto r = decode_part(bytes.subspan(run, i - run), run, mode, out);
        if (!r) {
          out.resize(start);
          return r;
        }
        utf8::append(out, *cp);
        i += 8;
        run = i;
        continue;
      }
      i += 2;  // one KS X 1001 character
    }
    auto r = decode_part(bytes.subspan(run), run, mode, out);
    if (!r) out.resize(start);
    return r;
  }

 protected:
  bool encode_fallback(char32_t cp, std::vector<std::uint8_t>& out) const override {
    if (cp < 0xAC00 || cp > 0xD7A3) return false;
    const std::size_t s = cp - 0xAC00;
    const std::uint8_t seq[8] = {0xA4, kFiller,
                                 0xA4, kInitial[s / 588],
                                 0xA4, static_cast<std::uint8_t>(kFirstMedial + s / 28 % 21),
                                 0xA4, kFinal[s % 28]};
    out.insert(out.end(), std::begin(seq), std::end(seq));
    return true;
  }
};

}  // namespace

const Codec& iso2022jp_codec() noexcept {
  static const Iso2022JpCodec codec;
  return codec;
}
const Codec& iso8859_5_codec() noexcept {
  static const IconvCodec codec("ISO-8859-5", "iso8859_5");
  return codec;
}
const Codec& iso8859_8_codec() noexcept {
  static const IconvCodec codec("ISO-8859-8", "iso8859_8");
  return codec;
}
const Codec& shift_jis_codec() noexcept {
  static const ShiftJisCodec codec;
  return codec;
}
const Codec& euc_jp_codec() noexcept {
  static const IconvCodec codec("EUC-JP", "euc_jp");
  return codec;
}
const Codec& euc_kr_codec() noexcept {
  static const EucKrCodec codec;
  return codec;
}

}  // namespace aiosmpp::text
