#include "aiosmpp/text/codec.hpp"

#include <fmt/format.h>

#include "aiosmpp/text/utf8.hpp"

namespace aiosmpp::text {
namespace {

TextError unencodable(std::string_view codec, char32_t cp, std::size_t index, std::size_t offset) {
  return TextError{TextErrc::unencodable,
                   fmt::format("character U+{:04X} at position {} cannot be encoded in {}",
                               static_cast<std::uint32_t>(cp), index, codec),
                   index, offset, cp};
}

// ASCII and Latin-1: one octet per character up to `max`.
class SingleByteCodec final : public Codec {
 public:
  SingleByteCodec(std::string_view name, char32_t max) : name_(name), max_(max) {}
  std::string_view name() const noexcept override { return name_; }

  Result<void> encode(std::string_view utf8, ErrorMode mode,
                      std::vector<std::uint8_t>& out) const override {
    const std::size_t start = out.size();
    out.reserve(start + utf8.size());
    std::size_t pos = 0;
    std::size_t index = 0;
    while (pos < utf8.size()) {
      const std::size_t offset = pos;
      char32_t cp = 0;
      if (!utf8::next(utf8, pos, cp)) {
        out.resize(start);
        return utf8::invalid_at(utf8, offset, index);
      }
      if (cp > max_) {
        if (mode == ErrorMode::strict) {
          out.resize(start);
          return unencodable(name_, cp, index, offset);
        }
        if (mode == ErrorMode::ignore) {
          ++index;
          continue;
        }
        cp = U'?';
      }
      out.push_back(static_cast<std::uint8_t>(cp));
      ++index;
    }
    return {};
  }

  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override {
    const std::size_t start = out.size();
    out.reserve(start + bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      char32_t cp = bytes[i];
      if (cp > max_) {
        if (mode == ErrorMode::strict) {
          out.resize(start);
          return TextError{
              TextErrc::invalid_encoding,
              fmt::format("octet 0x{:02X} at position {} is not {}", bytes[i], i, name_), i, i, cp};
        }
        if (mode == ErrorMode::ignore) continue;
        cp = U'?';
      }
      utf8::append(out, cp);
    }
    return {};
  }

  bool supports_ignore() const noexcept override { return true; }

 private:
  std::string_view name_;
  char32_t max_;
};

class Ucs2Codec final : public Codec {
 public:
  std::string_view name() const noexcept override { return "ucs2"; }
  Unit unit() const noexcept override { return Unit::utf16; }

  Result<void> encode(std::string_view utf8, ErrorMode,
                      std::vector<std::uint8_t>& out) const override {
    const std::size_t start = out.size();
    out.reserve(start + utf8.size() * 2);
    std::size_t pos = 0;
    std::size_t index = 0;
    while (pos < utf8.size()) {
      const std::size_t offset = pos;
      char32_t cp = 0;
      if (!utf8::next(utf8, pos, cp)) {
        out.resize(start);
        return utf8::invalid_at(utf8, offset, index);
      }
      if (cp >= 0x10000) {
        const char32_t v = cp - 0x10000;
        const auto hi = static_cast<std::uint16_t>(0xD800 + (v >> 10));
        const auto lo = static_cast<std::uint16_t>(0xDC00 + (v & 0x3FF));
        out.push_back(static_cast<std::uint8_t>(hi >> 8));
        out.push_back(static_cast<std::uint8_t>(hi & 0xFF));
        out.push_back(static_cast<std::uint8_t>(lo >> 8));
        out.push_back(static_cast<std::uint8_t>(lo & 0xFF));
      } else {
        out.push_back(static_cast<std::uint8_t>(cp >> 8));
        out.push_back(static_cast<std::uint8_t>(cp & 0xFF));
      }
      ++index;
    }
    return {};
  }

  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override {
    const std::size_t start = out.size();
    auto bad = [&](std::size_t unit, char32_t v, std::string_view why) -> Result<void> {
      out.resize(start);
      return TextError{TextErrc::invalid_encoding,
                       fmt::format("UTF-16 unit 0x{:04X} at position {}: {}",
                                   static_cast<std::uint32_t>(v), unit, why),
                       unit, unit * 2, v};
    };
    const std::size_t units = bytes.size() / 2;
    for (std::size_t u = 0; u < units; ++u) {
      const char32_t w = (char32_t{bytes[2 * u]} << 8) | bytes[2 * u + 1];
      if (w >= 0xD800 && w <= 0xDBFF) {
        const char32_t w2 =
            u + 1 < units ? ((char32_t{bytes[2 * u + 2]} << 8) | bytes[2 * u + 3]) : 0;
        if (w2 >= 0xDC00 && w2 <= 0xDFFF) {
          utf8::append(out, 0x10000 + ((w - 0xD800) << 10) + (w2 - 0xDC00));
          ++u;
          continue;
        }
        if (mode == ErrorMode::strict) return bad(u, w, "high surrogate without a low one");
        if (mode == ErrorMode::replace) out.push_back('?');
      } else if (w >= 0xDC00 && w <= 0xDFFF) {
        if (mode == ErrorMode::strict) return bad(u, w, "low surrogate without a high one");
        if (mode == ErrorMode::replace) out.push_back('?');
      } else {
        utf8::append(out, w);
      }
    }
    if (bytes.size() % 2 != 0) {
      if (mode == ErrorMode::strict) {
        out.resize(start);
        return TextError{TextErrc::invalid_encoding,
                         fmt::format("UCS2 data has an odd length ({} octets)", bytes.size()),
                         units, bytes.size() - 1, bytes.back()};
      }
      if (mode == ErrorMode::replace) out.push_back('?');
    }
    return {};
  }

  bool supports_ignore() const noexcept override { return true; }

  std::size_t split_point(std::span<const std::uint8_t> encoded, std::size_t limit) const override {
    std::size_t cut = std::min(limit, encoded.size()) & ~std::size_t{1};
    if (cut < encoded.size() && cut >= 2 && (encoded[cut - 2] & 0xFC) == 0xD8) cut -= 2;
    return cut;
  }
};

class BinaryCodec final : public Codec {
 public:
  std::string_view name() const noexcept override { return "binary"; }
  Result<void> encode(std::string_view data, ErrorMode,
                      std::vector<std::uint8_t>& out) const override {
    out.insert(out.end(), data.begin(), data.end());
    return {};
  }
  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode,
                      std::string& out) const override {
    out.append(bytes.begin(), bytes.end());
    return {};
  }
  bool supports_ignore() const noexcept override { return true; }  // nothing to drop
};

}  // namespace

Result<void> Gsm7Codec::encode(std::string_view utf8, ErrorMode mode,
                               std::vector<std::uint8_t>& out) const {
  if (!packed_) {
    auto r = gsm7::encode(utf8, out, mode, tables_);
    if (!r) return r.error();
    return {};
  }
  std::vector<std::uint8_t> septets;
  auto r = gsm7::encode(utf8, septets, mode, tables_);
  if (!r) return r.error();
  gsm7::pack(septets, out);
  return {};
}

Result<void> Gsm7Codec::decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                               std::string& out) const {
  if (!packed_) return gsm7::decode(bytes, out, mode, tables_);
  const auto septets = gsm7::unpack_all(bytes);
  return gsm7::decode(septets, out, mode, tables_);
}

std::size_t Gsm7Codec::split_point(std::span<const std::uint8_t> encoded, std::size_t limit) const {
  const std::size_t end = std::min(limit, encoded.size());
  std::size_t i = 0;
  while (i < end) {
    if (encoded[i] == gsm7::escape && i + 1 < encoded.size()) {
      if (i + 2 > end) return i;  // never separate an escape from its character
      i += 2;
    } else {
      ++i;
    }
  }
  return end;
}

const Codec& gsm7_codec() noexcept {
  static const Gsm7Codec codec(false);
  return codec;
}
const Codec& gsm7_packed_codec() noexcept {
  static const Gsm7Codec codec(true);
  return codec;
}
const Codec& ascii_codec() noexcept {
  static const SingleByteCodec codec("ascii", 0x7F);
  return codec;
}
const Codec& latin1_codec() noexcept {
  static const SingleByteCodec codec("latin1", 0xFF);
  return codec;
}
const Codec& ucs2_codec() noexcept {
  static const Ucs2Codec codec;
  return codec;
}
const Codec& binary_codec() noexcept {
  static const BinaryCodec codec;
  return codec;
}

void CodecRegistry::register_codec(std::uint8_t data_coding, std::shared_ptr<const Codec> codec) {
  custom_[data_coding] = std::move(codec);
}

void CodecRegistry::set_default_alphabet(std::shared_ptr<const Codec> codec) {
  default_alphabet_ = std::move(codec);
}

const Codec& CodecRegistry::default_alphabet() const noexcept {
  if (custom_[0]) return *custom_[0];
  return default_alphabet_ ? *default_alphabet_ : gsm7_codec();
}

const Codec* CodecRegistry::find(std::uint8_t dc) const noexcept {
  if (custom_[dc]) return custom_[dc].get();
  switch (dc) {
    case data_coding::smsc_default:
      return &default_alphabet();
    case data_coding::ia5:
      return &ascii_codec();
    case data_coding::binary_2:
    case data_coding::binary:
      return &binary_codec();
    case data_coding::latin1:
      return &latin1_codec();
    case data_coding::ucs2:
      return &ucs2_codec();
    case data_coding::jis:
    case data_coding::iso2022jp:
      return &iso2022jp_codec();
    case data_coding::cyrillic:
      return &iso8859_5_codec();
    case data_coding::hebrew:
      return &iso8859_8_codec();
    case data_coding::pictogram:
      return &shift_jis_codec();
    case data_coding::extended_kanji:
      return &euc_jp_codec();
    case data_coding::ks_c_5601:
      return &euc_kr_codec();
    default:
      break;
  }
  // GSM 03.38 coding groups that SMSCs pass through: message class 1111xxxx (bit 2 selects 8-bit
  // data), message waiting 1100xxxx/1101xxxx (default alphabet) and 1110xxxx (UCS2).
  if ((dc & 0xF0) == 0xF0) return (dc & 0x04) ? &binary_codec() : &gsm7_codec();
  if ((dc & 0xE0) == 0xC0) return &gsm7_codec();
  if ((dc & 0xF0) == 0xE0) return &ucs2_codec();
  return nullptr;
}

const CodecRegistry& CodecRegistry::builtin() noexcept {
  static const CodecRegistry registry;
  return registry;
}

Result<std::vector<std::uint8_t>> encode(std::string_view utf8, const Codec& codec,
                                         ErrorMode mode) {
  std::vector<std::uint8_t> out;
  auto r = codec.encode(utf8, mode_for(codec, mode), out);
  if (!r) return r.error();
  return out;
}

Result<std::string> decode(std::span<const std::uint8_t> bytes, const Codec& codec,
                           ErrorMode mode) {
  std::string out;
  auto r = codec.decode(bytes, mode_for(codec, mode), out);
  if (!r) return r.error();
  return out;
}

Result<std::string> decode(std::span<const std::uint8_t> bytes, std::uint8_t dc,
                           const CodecRegistry& registry, ErrorMode mode) {
  const Codec* codec = registry.find(dc);
  if (codec == nullptr) {
    return TextError{TextErrc::unknown_data_coding,
                     fmt::format("no codec for data_coding 0x{:02X}", dc), 0, 0, dc};
  }
  return decode(bytes, *codec, mode);
}

}  // namespace aiosmpp::text
