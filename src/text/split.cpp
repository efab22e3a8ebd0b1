#include "aiosmpp/text/split.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <random>

#include <fmt/format.h>

#include "aiosmpp/text/utf8.hpp"
#include "split_text.hpp"

namespace aiosmpp::text {
namespace {

constexpr std::size_t kSmsOctets = 140;        // TP-UD of one SMS
constexpr std::size_t kShortMessageMax = 254;  // sm_length
constexpr std::size_t kPayloadMax = 65535;     // TLV length
constexpr std::size_t kMaxSegments = 255;      // the total field is one octet

// Text units that fit in one SMS after a UDH of udh_octets (UDHL included; 0 = no UDH).
std::size_t capacity(Unit unit, std::size_t udh_octets) noexcept {
  const std::size_t octets = kSmsOctets - udh_octets;
  switch (unit) {
    case Unit::septet:
      return gsm7::septet_capacity(octets, gsm7::fill_bits(udh_octets));
    case Unit::utf16:
      return octets / 2;
    case Unit::octet:
      break;
  }
  return octets;
}

std::size_t bytes_per_unit(Unit unit) noexcept {
  return unit == Unit::utf16 ? 2 : 1;
}

struct Prepared {
  Encoding encoding = Encoding::gsm7;
  std::uint8_t data_coding = 0;
  const Codec* codec = nullptr;
  gsm7::Tables tables{};
  Unit unit = Unit::septet;
  bool packed = false;
  std::vector<std::uint8_t> buf;  // unpacked septets, octets or UTF-16BE
  std::string_view text;          // what buf encodes (for codecs that encode each segment)
  ErrorMode mode = ErrorMode::strict;

  std::size_t units() const noexcept { return buf.size() / bytes_per_unit(unit); }
};

// Cut `data` at or below `limit` octets without separating an escape pair or a surrogate pair.
std::size_t cut(const Prepared& p, std::span<const std::uint8_t> data, std::size_t limit) {
  switch (p.unit) {
    case Unit::septet:
      return gsm7_codec().split_point(data, limit);
    case Unit::utf16:
      return ucs2_codec().split_point(data, limit);
    case Unit::octet:
      break;
  }
  return std::min({p.codec->split_point(data, limit), limit, data.size()});
}

bool is_udh_mode(LongMessage m) noexcept {
  return m == LongMessage::udh8 || m == LongMessage::udh16;
}

std::optional<Concatenation> concat_shape(LongMessage m) {
  if (m == LongMessage::udh16) return Concatenation{0, 0, 0, true};
  return Concatenation{0, 0, 0, false};  // udh8, and what an SMSC adds for sar/payload
}

std::size_t parts_for(std::size_t units, Unit unit, gsm7::Tables tables, LongMessage mode) {
  const std::size_t single = capacity(unit, udh_length(std::nullopt, tables));
  if (units <= single) return 1;
  const std::size_t multi = capacity(unit, udh_length(concat_shape(mode), tables));
  return (units + multi - 1) / multi;
}

// TS 23.038 national tables for a text the default alphabet cannot take: the pair needing the
// fewest parts, if that is fewer than UCS2 needs.
std::optional<gsm7::Tables> choose_national(std::string_view utf8, const SplitOptions& o) {
  // One pass builds a histogram of the characters; every table pair is then costed from the
  // histogram (a few dozen lookups) instead of from the text.
  struct Count {
    char32_t cp;
    std::size_t n;
  };
  std::array<std::size_t, 128> ascii{};
  std::vector<Count> distinct;
  std::size_t utf16_units = 0;
  {
    std::size_t pos = 0;
    char32_t cp = 0;
    while (pos < utf8.size()) {
      const auto b = static_cast<unsigned char>(utf8[pos]);
      if (b < 0x80) {
        ++ascii[b];
        ++utf16_units;
        ++pos;
        continue;
      }
      if (!utf8::next(utf8, pos, cp)) return std::nullopt;
      utf16_units += cp >= 0x10000 ? 2 : 1;
      auto it = std::find_if(distinct.begin(), distinct.end(),
                             [cp](const Count& c) { return c.cp == cp; });
      if (it == distinct.end()) {
        distinct.push_back({cp, 1});
      } else {
        ++it->n;
      }
    }
  }
  for (char32_t c = 0; c < 128; ++c) {
    if (ascii[c] != 0) distinct.push_back({c, ascii[c]});
  }
  const std::size_t ucs2_parts = parts_for(utf16_units, Unit::utf16, {}, o.long_message);
  std::vector<gsm7::Language> langs = o.languages;
  if (langs.empty()) {
    for (std::uint8_t i = 1; i < gsm7::language_count; ++i) {
      langs.push_back(static_cast<gsm7::Language>(i));
    }
  }
  // The characters the default tables lack, and which national tables have each: a pair is
  // costed only if it has all of them.
  std::vector<char32_t> missing;
  for (const auto& c : distinct) {
    if (gsm7::septet_cost(c.cp) == 0) missing.push_back(c.cp);
  }
  std::vector<std::uint16_t> in_lock(missing.size(), 0);
  std::vector<std::uint16_t> in_shift(missing.size(), 0);
  for (std::size_t i = 0; i < missing.size(); ++i) {
    for (const auto l : langs) {
      const auto bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(l));
      if (gsm7::has_locking_table(l) &&
          gsm7::septet_cost(missing[i], {l, gsm7::Language::none}) == 1) {
        in_lock[i] = static_cast<std::uint16_t>(in_lock[i] | bit);
      }
      if (gsm7::septet_cost(missing[i], {gsm7::Language::none, l}) == 2) {
        in_shift[i] = static_cast<std::uint16_t>(in_shift[i] | bit);
      }
    }
  }
  auto septets_with = [&](gsm7::Tables t) -> std::optional<std::size_t> {
    const auto lock_bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(t.locking));
    const auto shift_bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(t.single_shift));
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if ((in_lock[i] & lock_bit) == 0 && (in_shift[i] & shift_bit) == 0) return std::nullopt;
    }
    std::size_t total = 0;
    for (const auto& c : distinct) {
      const unsigned cost = gsm7::septet_cost(c.cp, t);
      if (cost == 0) return std::nullopt;
      total += cost * c.n;
    }
    return total;
  };

  std::optional<gsm7::Tables> best;
  std::size_t best_parts = ucs2_parts;
  std::size_t best_ies = 0;
  std::size_t best_septets = 0;
  auto consider = [&](gsm7::Tables t) {
    const auto septets = septets_with(t);
    if (!septets) return;
    const std::size_t parts = parts_for(*septets, Unit::septet, t, o.long_message);
    if (!is_udh_mode(o.long_message) && parts != 1) return;
    const std::size_t ies = (t.locking != gsm7::Language::none ? 1u : 0u) +
                            (t.single_shift != gsm7::Language::none ? 1u : 0u);
    // Fewest parts, then fewest IEs, then most room left in the last part.
    if (parts < best_parts || (best && parts == best_parts &&
                               (ies < best_ies || (ies == best_ies && *septets < best_septets)))) {
      best = t;
      best_parts = parts;
      best_ies = ies;
      best_septets = *septets;
    }
  };
  for (const auto single : langs)
    consider({gsm7::Language::none, single});
  for (const auto lock : langs) {
    if (!gsm7::has_locking_table(lock)) continue;
    consider({lock, gsm7::Language::none});
    for (const auto single : langs)
      consider({lock, single});
  }
  return best;
}

Result<Prepared> encode_gsm(std::string_view utf8, bool packed, gsm7::Tables tables, ErrorMode mode,
                            Encoding encoding) {
  Prepared p;
  p.encoding = encoding;
  p.data_coding = data_coding::smsc_default;
  p.codec = packed ? &gsm7_packed_codec() : &gsm7_codec();
  p.tables = tables;
  p.unit = Unit::septet;
  p.packed = packed;
  auto r = gsm7::encode(utf8, p.buf, mode, tables);
  if (!r) return r.error();
  return p;
}

Result<Prepared> encode_with(std::string_view utf8, const Codec& codec, std::uint8_t dc,
                             Encoding encoding, ErrorMode mode) {
  if (const auto* gsm = dynamic_cast<const Gsm7Codec*>(&codec)) {
    auto p = encode_gsm(utf8, gsm->packed(), gsm->tables(), mode, encoding);
    if (p) p->codec = &codec;
    return p;
  }
  Prepared p;
  p.encoding = encoding;
  p.data_coding = dc;
  p.codec = &codec;
  p.unit = codec.unit();
  p.text = utf8;
  p.mode = mode_for(codec, mode);
  auto r = codec.encode(utf8, p.mode, p.buf);
  if (!r) return r.error();
  if (p.unit == Unit::utf16 && p.buf.size() % 2 != 0) {
    return TextError{TextErrc::invalid_encoding,
                     fmt::format("codec {} produced an odd number of UTF-16 octets", codec.name())};
  }
  return p;
}

Result<Prepared> prepare(std::string_view utf8, const SplitOptions& o) {
  const CodecRegistry& reg = o.registry != nullptr ? *o.registry : CodecRegistry::builtin();
  switch (o.encoding) {
    case Encoding::automatic: {
      const Codec& def = reg.default_alphabet();
      const auto* gsm = dynamic_cast<const Gsm7Codec*>(&def);
      auto p = gsm != nullptr ? encode_gsm(utf8, gsm->packed(), gsm->tables(), ErrorMode::strict,
                                           gsm->packed() ? Encoding::gsm7_packed : Encoding::gsm7)
                              : encode_with(utf8, def, data_coding::smsc_default,
                                            Encoding::smsc_default, ErrorMode::strict);
      if (p || p.error().code == TextErrc::invalid_utf8) return p;
      if (gsm != nullptr && gsm->tables() == gsm7::Tables{} && o.national_languages &&
          o.long_message != LongMessage::sar) {
        if (auto tables = choose_national(utf8, o)) {
          return encode_gsm(utf8, gsm->packed(), *tables, ErrorMode::strict,
                            gsm->packed() ? Encoding::gsm7_packed : Encoding::gsm7);
        }
      }
      return encode_with(utf8, ucs2_codec(), data_coding::ucs2, Encoding::ucs2, o.errors);
    }
    case Encoding::smsc_default: {
      auto p = encode_with(utf8, reg.default_alphabet(), data_coding::smsc_default,
                           Encoding::smsc_default, o.errors);
      if (p && dynamic_cast<const Gsm7Codec*>(p->codec) != nullptr) {
        p->encoding = p->packed ? Encoding::gsm7_packed : Encoding::gsm7;
      }
      return p;
    }
    case Encoding::gsm7:
      return encode_gsm(utf8, false, o.tables, o.errors, Encoding::gsm7);
    case Encoding::gsm7_packed:
      return encode_gsm(utf8, true, o.tables, o.errors, Encoding::gsm7_packed);
    case Encoding::ascii:
      return encode_with(utf8, ascii_codec(), data_coding::ia5, Encoding::ascii, o.errors);
    case Encoding::latin1:
      return encode_with(utf8, latin1_codec(), data_coding::latin1, Encoding::latin1, o.errors);
    case Encoding::ucs2:
      return encode_with(utf8, ucs2_codec(), data_coding::ucs2, Encoding::ucs2, o.errors);
    case Encoding::binary:
      return encode_with(utf8, binary_codec(), data_coding::binary, Encoding::binary, o.errors);
    case Encoding::custom: {
      const Codec* codec = reg.find(o.custom_data_coding);
      if (codec == nullptr) {
        return TextError{
            TextErrc::unknown_data_coding,
            fmt::format("encoding custom: no codec registered for data_coding 0x{:02X}",
                        o.custom_data_coding),
            0, 0, o.custom_data_coding};
      }
      return encode_with(utf8, *codec, o.custom_data_coding, Encoding::custom, o.errors);
    }
  }
  return TextError{TextErrc::invalid_argument, "encoding: unknown value"};
}

std::size_t wire_size(const Prepared& p, std::size_t units, std::size_t udh_octets) {
  const std::size_t body = p.packed ? gsm7::packed_size(units, gsm7::fill_bits(udh_octets))
                                    : units * bytes_per_unit(p.unit);
  return udh_octets + body;
}

TextError too_many_segments(const Prepared& p, std::size_t multi_cap) {
  return TextError{TextErrc::too_long,
                   fmt::format("text needs more than {} segments of {} units ({} units in "
                               "all); sar_total_segments/UDH total is one octet",
                               kMaxSegments, multi_cap, p.units()),
                   0, 0, 0};
}

// End offsets (octets of p.buf) of each segment for the given capacities.
Result<std::vector<std::size_t>> boundaries(Prepared& p, std::size_t single_cap,
                                            std::size_t multi_cap) {
  std::vector<std::size_t> ends;
  if (p.units() <= single_cap) {
    ends.push_back(p.buf.size());
    return ends;
  }
  const std::size_t limit = multi_cap * bytes_per_unit(p.unit);
  if (p.unit != Unit::septet && p.codec->segments_from_text()) {
    std::vector<std::uint8_t> segments;
    auto text_ends =
        detail::segment_text(*p.codec, p.text, p.mode, limit, p.buf.size(), kMaxSegments, segments);
    if (!text_ends) return text_ends.error();
    if (text_ends->size() > kMaxSegments) return too_many_segments(p, multi_cap);
    p.buf = std::move(segments);
    return text_ends;
  }
  std::size_t start = 0;
  while (start < p.buf.size()) {
    const auto rest = std::span<const std::uint8_t>(p.buf).subspan(start);
    const std::size_t n = cut(p, rest, limit);
    if (n == 0) {
      return TextError{
          TextErrc::invalid_encoding,
          fmt::format("codec {} cannot cut a segment of at most {} octets at offset {}",
                      p.codec->name(), limit, start)};
    }
    start += n;
    ends.push_back(start);
    if (ends.size() > kMaxSegments) return too_many_segments(p, multi_cap);
  }
  return ends;
}

bool splits_itself(LongMessage m) noexcept {
  return is_udh_mode(m) || m == LongMessage::sar;
}

std::size_t single_capacity(const Prepared& p) {
  return capacity(p.unit, udh_length(std::nullopt, p.tables));
}

// Capacity of a concatenated part: for sar and payload the SMSC adds an 8-bit concatenation UDH.
std::size_t multi_capacity(const Prepared& p, LongMessage m) {
  return capacity(p.unit, udh_length(concat_shape(m), p.tables));
}

}  // namespace

std::string_view encoding_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::automatic:
      return "auto";
    case Encoding::smsc_default:
      return "smsc_default";
    case Encoding::gsm7:
      return "gsm7";
    case Encoding::gsm7_packed:
      return "gsm7_packed";
    case Encoding::ascii:
      return "ascii";
    case Encoding::latin1:
      return "latin1";
    case Encoding::ucs2:
      return "ucs2";
    case Encoding::binary:
      return "binary";
    case Encoding::custom:
      return "custom";
  }
  return "unknown";
}

std::optional<Encoding> encoding_from_name(std::string_view name) noexcept {
  if (name == "gsm" || name == "gsm7") return Encoding::gsm7;
  if (name == "automatic") return Encoding::automatic;
  for (auto e :
       {Encoding::automatic, Encoding::smsc_default, Encoding::gsm7_packed, Encoding::ascii,
        Encoding::latin1, Encoding::ucs2, Encoding::binary, Encoding::custom}) {
    if (encoding_name(e) == name) return e;
  }
  return std::nullopt;
}

std::optional<LongMessage> long_message_from_name(std::string_view name) noexcept {
  if (name == "message_payload") return LongMessage::message_payload;
  for (auto m : {LongMessage::message_payload, LongMessage::udh8, LongMessage::udh16,
                 LongMessage::sar, LongMessage::none}) {
    if (long_message_name(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view long_message_name(LongMessage m) noexcept {
  switch (m) {
    case LongMessage::message_payload:
      return "payload";
    case LongMessage::udh8:
      return "udh8";
    case LongMessage::udh16:
      return "udh16";
    case LongMessage::sar:
      return "sar";
    case LongMessage::none:
      return "none";
  }
  return "unknown";
}

std::uint16_t next_reference() noexcept {
  static std::atomic<std::uint16_t> counter{[] {
    std::random_device rd;
    return static_cast<std::uint16_t>(rd());
  }()};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

Result<SplitResult> split(std::string_view utf8, const SplitOptions& o) {
  auto prepared = prepare(utf8, o);
  if (!prepared) return prepared.error();
  Prepared& p = *prepared;

  SplitResult r;
  r.encoding = p.encoding;
  r.data_coding = p.data_coding;
  r.codec_name = p.codec->name();
  r.tables = p.tables;
  r.unit = p.unit;
  r.long_message = o.long_message;
  r.total_units = p.units();
  const std::size_t nl_udh = udh_length(std::nullopt, p.tables);

  auto single = [&](bool payload) {
    Segment s;
    append_udh(s.bytes, std::nullopt, p.tables);
    s.udh_length = nl_udh;
    if (p.packed) {
      gsm7::pack(p.buf, s.bytes, gsm7::fill_bits(nl_udh));
    } else {
      s.bytes.insert(s.bytes.end(), p.buf.begin(), p.buf.end());
    }
    s.units = p.units();
    r.udhi = nl_udh > 0;
    r.message_payload = payload;
    r.segments.push_back(std::move(s));
  };

  if (!splits_itself(o.long_message)) {
    const std::size_t size = wire_size(p, p.units(), nl_udh);
    if (size <= kShortMessageMax) {
      single(false);
      return r;
    }
    if (o.long_message == LongMessage::none) {
      return TextError{TextErrc::too_long,
                       fmt::format("short_message: {} octets exceed the limit of {} (long message "
                                   "mode none)",
                                   size, kShortMessageMax)};
    }
    if (size > kPayloadMax) {
      return TextError{
          TextErrc::too_long,
          fmt::format("message_payload: {} octets exceed the limit of {}", size, kPayloadMax)};
    }
    single(true);
    return r;
  }

  const std::size_t single_cap = single_capacity(p);
  const std::size_t multi_cap = multi_capacity(p, o.long_message);
  auto ends = boundaries(p, single_cap, multi_cap);
  if (!ends) return ends.error();
  if (ends->size() == 1) {
    single(false);
    return r;
  }

  std::uint16_t ref = o.reference             ? *o.reference
                      : o.reference_generator ? o.reference_generator()
                                              : next_reference();
  if (o.long_message == LongMessage::udh8) ref &= 0xFF;
  const auto total = static_cast<std::uint8_t>(ends->size());
  r.udhi = o.long_message != LongMessage::sar || nl_udh > 0;
  r.segments.reserve(ends->size());
  std::size_t start = 0;
  for (std::size_t i = 0; i < ends->size(); ++i) {
    const std::size_t end = (*ends)[i];
    const auto part = std::span<const std::uint8_t>(p.buf).subspan(start, end - start);
    const auto seq = static_cast<std::uint8_t>(i + 1);
    Segment s;
    std::optional<Concatenation> concat;
    if (is_udh_mode(o.long_message)) {
      concat = Concatenation{ref, total, seq, o.long_message == LongMessage::udh16};
      s.concatenation = concat;
    } else {
      s.sar = SarValues{ref, total, seq};
    }
    append_udh(s.bytes, concat, p.tables);
    s.udh_length = s.bytes.size();
    if (p.packed) {
      gsm7::pack(part, s.bytes, gsm7::fill_bits(s.udh_length));
    } else {
      s.bytes.insert(s.bytes.end(), part.begin(), part.end());
    }
    s.units = part.size() / bytes_per_unit(p.unit);
    r.segments.push_back(std::move(s));
    start = end;
  }
  return r;
}

Result<SegmentCount> count_segments(std::string_view utf8, const SplitOptions& o) {
  auto prepared = prepare(utf8, o);
  if (!prepared) return prepared.error();
  Prepared& p = *prepared;
  SegmentCount c;
  c.encoding = p.encoding;
  c.data_coding = p.data_coding;
  c.tables = p.tables;
  c.unit = p.unit;
  c.units = p.units();
  // Before boundaries(), which may replace buf by separately encoded segments.
  const std::size_t whole_size = wire_size(p, p.units(), udh_length(std::nullopt, p.tables));

  const std::size_t single_cap = single_capacity(p);
  const std::size_t multi_cap = multi_capacity(p, o.long_message);
  auto ends = boundaries(p, single_cap, multi_cap);
  if (!ends) return ends.error();
  c.segments = ends->size();
  c.per_segment = c.segments == 1 ? single_cap : multi_cap;
  const std::size_t last_start = c.segments == 1 ? 0 : (*ends)[c.segments - 2];
  c.remaining = c.per_segment - (p.buf.size() - last_start) / bytes_per_unit(p.unit);
  if (splits_itself(o.long_message)) {
    c.pdus = c.segments;
  } else {
    if (o.long_message == LongMessage::none && whole_size > kShortMessageMax) {
      return TextError{TextErrc::too_long,
                       fmt::format("short_message: {} octets exceed the limit of {} (long message "
                                   "mode none)",
                                   whole_size, kShortMessageMax)};
    }
    c.pdus = 1;
  }
  return c;
}

}  // namespace aiosmpp::text
