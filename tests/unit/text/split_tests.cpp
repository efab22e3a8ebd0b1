#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp::text;
using aiosmpp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;
using aiosmpp::test::repeat;

namespace {

SplitOptions opts(LongMessage mode, Encoding enc = Encoding::automatic) {
  SplitOptions o;
  o.long_message = mode;
  o.encoding = enc;
  o.reference = 0x1234;
  return o;
}

// Decodes every segment (UDH stripped, packed septets unpacked with the fill) and joins them.
std::string join(const SplitResult& r) {
  std::string text;
  for (const auto& s : r.segments) {
    const auto body = std::span<const std::uint8_t>(s.bytes).subspan(s.udh_length);
    if (r.unit == Unit::septet) {
      Bytes septets(body.begin(), body.end());
      if (r.encoding == Encoding::gsm7_packed) {
        septets = gsm7::unpack(body, s.units, gsm7::fill_bits(s.udh_length));
      }
      REQUIRE(gsm7::decode(septets, text, ErrorMode::strict, r.tables));
    } else {
      auto d = decode(body, r.unit == Unit::utf16 ? ucs2_codec() : latin1_codec());
      REQUIRE(d);
      text += *d;
    }
  }
  return text;
}

}  // namespace

TEST_CASE("split: a short GSM text is one short_message") {
  auto r = split("Hello");
  REQUIRE(r);
  CHECK(r->encoding == Encoding::gsm7);
  CHECK(r->data_coding == 0);
  CHECK(r->codec_name == "gsm0338");
  CHECK_FALSE(r->udhi);
  CHECK_FALSE(r->message_payload);
  REQUIRE(r->segments.size() == 1);
  CHECK(to_hex(r->segments[0].bytes) == "48656c6c6f");
}

TEST_CASE("split: auto falls back to UCS2 and records it") {
  auto r = split("Привет \xF0\x9F\x98\x80");
  REQUIRE(r);
  CHECK(r->encoding == Encoding::ucs2);
  CHECK(r->data_coding == 8);
  CHECK(to_hex(r->segments[0].bytes) == "041f044004380432043504420020d83dde00");
  // ç is not GSM in strict mode: auto must not silently turn it into Ç.
  auto c = split("garçon");
  REQUIRE(c);
  CHECK(c->encoding == Encoding::ucs2);
}

TEST_CASE("split: exactly 160, 161 and multiples of 153 septets with an 8-bit UDH") {
  for (std::size_t n : {1u, 159u, 160u, 161u, 305u, 306u, 307u, 459u, 460u, 1000u}) {
    INFO("n=" << n);
    const std::string text = repeat("a", n);
    auto r = split(text, opts(LongMessage::udh8));
    REQUIRE(r);
    const std::size_t expected = n <= 160 ? 1 : (n + 152) / 153;
    REQUIRE(r->segments.size() == expected);
    CHECK(join(*r) == text);
    if (expected == 1) {
      CHECK_FALSE(r->udhi);
      CHECK(r->segments[0].bytes.size() == n);
      continue;
    }
    CHECK(r->udhi);
    for (std::size_t i = 0; i < expected; ++i) {
      const auto& s = r->segments[i];
      CHECK(s.udh_length == 6);
      CHECK(to_hex(std::span(s.bytes).first(6)) ==
            fmt::format("05000334{:02x}{:02x}", expected, i + 1));
      REQUIRE(s.concatenation);
      CHECK(s.concatenation->reference == 0x34);
      CHECK(s.units == (i + 1 < expected ? 153 : n - 153 * (expected - 1)));
    }
  }
}

TEST_CASE("split: 16-bit UDH carries 152 septets and a two-octet reference") {
  auto r = split(repeat("b", 305), opts(LongMessage::udh16));
  REQUIRE(r);
  REQUIRE(r->segments.size() == 3);
  CHECK(to_hex(std::span(r->segments[0].bytes).first(7)) == "06080412340301");
  CHECK(r->segments[0].units == 152);
  CHECK(r->segments[1].units == 152);
  CHECK(r->segments[2].units == 1);
  CHECK(join(*r) == repeat("b", 305));
}

TEST_CASE("split: an escape pair straddling a boundary moves to the next segment") {
  // 152 'a' then '€' (2 septets) would end on ESC at septet 153.
  const std::string text = repeat("a", 152) + "€" + repeat("b", 10);
  auto r = split(text, opts(LongMessage::udh8));
  REQUIRE(r);
  REQUIRE(r->segments.size() == 2);
  CHECK(r->segments[0].units == 152);
  CHECK(r->segments[0].bytes.back() == 'a');
  CHECK(r->segments[1].bytes[6] == 0x1B);
  CHECK(r->segments[1].bytes[7] == 0x65);
  CHECK(join(*r) == text);
  // 151 'a' + '€' fits exactly at 153.
  const std::string fits = repeat("a", 151) + "€" + repeat("b", 10);
  auto f = split(fits, opts(LongMessage::udh8));
  REQUIRE(f);
  CHECK(f->segments[0].units == 153);
  // A single message counts the escape as two septets: 159 + '€' = 161 > 160.
  auto two = split(repeat("a", 159) + "€", opts(LongMessage::udh8));
  REQUIRE(two);
  CHECK(two->segments.size() == 2);
  auto one = split(repeat("a", 158) + "€", opts(LongMessage::udh8));
  REQUIRE(one);
  CHECK(one->segments.size() == 1);
}

TEST_CASE("split: UCS2 sizes 70 / 67 / 66 and surrogate pairs stay whole") {
  const std::string zh = "ж";
  for (std::size_t n : {70u, 71u, 134u, 135u}) {
    auto r = split(repeat(zh, n), opts(LongMessage::udh8));
    REQUIRE(r);
    CHECK(r->encoding == Encoding::ucs2);
    CHECK(r->segments.size() == (n <= 70 ? 1 : (n + 66) / 67));
    CHECK(join(*r) == repeat(zh, n));
  }
  auto r16 = split(repeat(zh, 133), opts(LongMessage::udh16));
  REQUIRE(r16);
  CHECK(r16->segments.size() == 3);
  CHECK(r16->segments[0].units == 66);
  CHECK(r16->segments[0].bytes.size() == 7 + 132);

  // 66 units then an emoji (2 units) would split the pair at unit 67.
  const std::string emoji = "\xF0\x9F\x98\x80";
  const std::string text = repeat(zh, 66) + emoji + repeat(zh, 5);
  auto r = split(text, opts(LongMessage::udh8));
  REQUIRE(r);
  REQUIRE(r->segments.size() == 2);
  CHECK(r->segments[0].units == 66);
  CHECK(r->segments[1].bytes[6] == 0xD8);
  CHECK(join(*r) == text);
}

TEST_CASE("split: every length up to 3 segments joins back to the original") {
  const std::string pieces[] = {"a", "€", "x", "{", "Ω", "b", "]", "c"};
  std::string gsm;
  std::string uni;
  for (std::size_t n = 0; n < 480; ++n) {
    gsm += pieces[n % 8];
    uni += (n % 13 == 5) ? "\xF0\x9F\x98\x80" : "ж";
    for (auto mode : {LongMessage::udh8, LongMessage::udh16, LongMessage::sar}) {
      auto g = split(gsm, opts(mode));
      REQUIRE(g);
      REQUIRE(join(*g) == gsm);
      auto u = split(uni, opts(mode));
      REQUIRE(u);
      REQUIRE(join(*u) == uni);
      auto p = split(gsm, opts(mode, Encoding::gsm7_packed));
      REQUIRE(p);
      REQUIRE(join(*p) == gsm);
      for (const auto& s : p->segments)
        REQUIRE(s.bytes.size() <= 140);
      for (const auto& s : g->segments)
        REQUIRE(s.bytes.size() <= 140 + 20);
    }
  }
}

TEST_CASE("split: packed GSM fills 140 octets exactly") {
  auto one = split(repeat("z", 160), opts(LongMessage::udh8, Encoding::gsm7_packed));
  REQUIRE(one);
  REQUIRE(one->segments.size() == 1);
  CHECK(one->segments[0].bytes.size() == 140);
  auto two = split(repeat("z", 161), opts(LongMessage::udh8, Encoding::gsm7_packed));
  REQUIRE(two);
  REQUIRE(two->segments.size() == 2);
  CHECK(two->segments[0].bytes.size() == 140);  // 6 UDH + 134 packed (1 fill bit)
  auto sixteen = split(repeat("z", 161), opts(LongMessage::udh16, Encoding::gsm7_packed));
  REQUIRE(sixteen);
  CHECK(sixteen->segments[0].bytes.size() == 140);  // 7 UDH + 133 packed (no fill)
}

TEST_CASE("split: message_payload above 254 octets, none refuses") {
  auto s = split(repeat("a", 254));
  REQUIRE(s);
  CHECK_FALSE(s->message_payload);
  auto p = split(repeat("a", 255));
  REQUIRE(p);
  CHECK(p->message_payload);
  REQUIRE(p->segments.size() == 1);
  CHECK(p->segments[0].bytes.size() == 255);
  auto u = split(repeat("ж", 127));
  REQUIRE(u);
  CHECK_FALSE(u->message_payload);
  auto u2 = split(repeat("ж", 128));
  REQUIRE(u2);
  CHECK(u2->message_payload);

  auto none = split(repeat("a", 255), opts(LongMessage::none));
  REQUIRE_FALSE(none);
  CHECK(none.error().code == TextErrc::too_long);
  CHECK(none.error().message.find("254") != std::string::npos);
  CHECK(split(repeat("a", 254), opts(LongMessage::none)));
  auto huge = split(repeat("a", 65536));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message.find("message_payload") != std::string::npos);
}

TEST_CASE("split: SAR segments carry TLV values and no UDH") {
  auto r = split(repeat("q", 400), opts(LongMessage::sar));
  REQUIRE(r);
  CHECK_FALSE(r->udhi);
  REQUIRE(r->segments.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& s = r->segments[i];
    CHECK(s.udh_length == 0);
    REQUIRE(s.sar);
    CHECK(*s.sar == SarValues{0x1234, 3, static_cast<std::uint8_t>(i + 1)});
  }
  CHECK(r->segments[0].bytes.size() == 153);
}

TEST_CASE("split: the reference comes from a replaceable generator") {
  SplitOptions o;
  o.long_message = LongMessage::udh16;
  int calls = 0;
  o.reference_generator = [&] {
    ++calls;
    return std::uint16_t{0xBEEF};
  };
  auto r = split(repeat("a", 200), o);
  REQUIRE(r);
  CHECK(calls == 1);
  CHECK(r->segments[1].concatenation->reference == 0xBEEF);
  o.long_message = LongMessage::udh8;
  r = split(repeat("a", 200), o);
  REQUIRE(r);
  CHECK(r->segments[0].concatenation->reference == 0xEF);
  // No split, no reference drawn.
  r = split("short", o);
  REQUIRE(r);
  CHECK(calls == 2);
  // The default generator advances.
  CHECK(next_reference() != next_reference());
}

TEST_CASE("split: more than 255 segments is an error") {
  CHECK(split(repeat("a", 153 * 255), opts(LongMessage::udh8)));
  auto r = split(repeat("a", 153 * 255 + 1), opts(LongMessage::udh8));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::too_long);
  CHECK(r.error().message.find("255") != std::string::npos);
}

TEST_CASE("split: explicit encodings and their errors") {
  auto l = split("café", opts(LongMessage::udh8, Encoding::latin1));
  REQUIRE(l);
  CHECK(l->data_coding == 3);
  CHECK(to_hex(l->segments[0].bytes) == "636166e9");
  auto a = split("café", opts(LongMessage::udh8, Encoding::ascii));
  REQUIRE_FALSE(a);
  CHECK(a.error().code == TextErrc::unencodable);
  CHECK(a.error().position == 3);
  CHECK(a.error().code_point == 0xE9);
  auto ar = opts(LongMessage::udh8, Encoding::ascii);
  ar.errors = ErrorMode::replace;
  auto a2 = split("café", ar);
  REQUIRE(a2);
  CHECK(to_hex(a2->segments[0].bytes) == "6361663f");
  auto g = split("x`y", opts(LongMessage::udh8, Encoding::gsm7));
  REQUIRE_FALSE(g);
  CHECK(g.error().position == 1);
  auto bad = split("ok\xFF", opts(LongMessage::udh8));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == TextErrc::invalid_utf8);
  CHECK(bad.error().byte_offset == 2);
  auto bin = split(std::string("\x00\xFF\x80", 3), opts(LongMessage::udh8, Encoding::binary));
  REQUIRE(bin);
  CHECK(bin->data_coding == 4);
  CHECK(to_hex(bin->segments[0].bytes) == "00ff80");
  auto bin2 = split(std::string(141, 'x'), opts(LongMessage::udh8, Encoding::binary));
  REQUIRE(bin2);
  CHECK(bin2->segments.size() == 2);
  CHECK(bin2->segments[0].bytes.size() == 140);
}

namespace {
// A custom codec: upper-cases ASCII, one octet per character.
class ShoutCodec final : public Codec {
 public:
  std::string_view name() const noexcept override { return "shout"; }
  aiosmpp::text::Result<void> encode(std::string_view utf8, ErrorMode, Bytes& out) const override {
    for (char c : utf8) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return TextError{TextErrc::unencodable, "shout: ASCII only"};
      }
      out.push_back(static_cast<std::uint8_t>(c >= 'a' && c <= 'z' ? c - 32 : c));
    }
    return {};
  }
  aiosmpp::text::Result<void> decode(std::span<const std::uint8_t> b, ErrorMode,
                                     std::string& out) const override {
    out.append(b.begin(), b.end());
    return {};
  }
};
}  // namespace

TEST_CASE("split: custom codecs and the meaning of data_coding 0") {
  CodecRegistry reg;
  reg.register_codec(0x11, std::make_shared<ShoutCodec>());
  auto o = opts(LongMessage::udh8, Encoding::custom);
  o.custom_data_coding = 0x11;
  o.registry = &reg;
  auto r = split("hey", o);
  REQUIRE(r);
  CHECK(r->data_coding == 0x11);
  CHECK(r->codec_name == "shout");
  CHECK(to_hex(r->segments[0].bytes) == "484559");
  o.custom_data_coding = 0x12;
  auto missing = split("hey", o);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == TextErrc::unknown_data_coding);

  reg.set_default_alphabet(std::shared_ptr<const Codec>(&latin1_codec(), [](const Codec*) {}));
  auto a = opts(LongMessage::udh8);
  a.registry = &reg;
  auto lat = split("café", a);
  REQUIRE(lat);
  CHECK(lat->encoding == Encoding::smsc_default);
  CHECK(lat->data_coding == 0);
  CHECK(to_hex(lat->segments[0].bytes) == "636166e9");
  auto fallback = split("ж", a);
  REQUIRE(fallback);
  CHECK(fallback->encoding == Encoding::ucs2);
  CHECK(reg.find(0)->name() == "latin1");
  CHECK(CodecRegistry::builtin().find(0)->name() == "gsm0338");
  CHECK(CodecRegistry::builtin().find(0xF5)->name() == "binary");
  CHECK(CodecRegistry::builtin().find(0xF1)->name() == "gsm0338");
  CHECK(CodecRegistry::builtin().find(0x0B) == nullptr);  // reserved
  CHECK(CodecRegistry::builtin().find(0x05)->name() == "iso2022_jp");
}

TEST_CASE("split: national language tables when cheaper than UCS2") {
  const std::string turkish = repeat("Işık ğüzel şehir İstanbul çay. ", 8);
  auto r = split(turkish, opts(LongMessage::udh8));
  REQUIRE(r);
  CHECK(r->encoding == Encoding::gsm7);
  CHECK(r->tables.locking == gsm7::Language::turkish);
  CHECK(r->udhi);
  auto ucs2 = count_segments(turkish, [] {
    auto o = opts(LongMessage::udh8);
    o.national_languages = false;
    return o;
  }());
  REQUIRE(ucs2);
  CHECK(ucs2->encoding == Encoding::ucs2);
  CHECK(r->segments.size() < ucs2->segments);
  for (const auto& s : r->segments) {
    auto h = parse_udh(s.bytes);
    REQUIRE(h);
    REQUIRE(h->concatenation);
    REQUIRE(h->locking_shift);
    CHECK(*h->locking_shift == gsm7::Language::turkish);
    CHECK(s.bytes.size() <= 140 + 20);
  }
  CHECK(join(*r) == turkish);

  // Only Spanish single shift: 'ú' and 'Á' are in it.
  auto sp = opts(LongMessage::udh8);
  sp.languages = {gsm7::Language::spanish};
  const std::string spanish = repeat("Árbol útil. ", 8);  // UCS2 needs 2 parts, this 1
  auto es = split(spanish, sp);
  REQUIRE(es);
  CHECK(es->tables == gsm7::Tables{gsm7::Language::none, gsm7::Language::spanish});
  CHECK(to_hex(std::span(es->segments[0].bytes).first(4)) == "03240102");
  CHECK(es->segments.size() == 1);
  CHECK(join(*es) == spanish);
  // Equal parts are not cheaper: a short text stays UCS2.
  auto short_es = split("Árbol útil", sp);
  REQUIRE(short_es);
  CHECK(short_es->encoding == Encoding::ucs2);

  // SAR never uses them (the SMSC writes the UDH).
  auto sar = split(turkish, opts(LongMessage::sar));
  REQUIRE(sar);
  CHECK(sar->encoding == Encoding::ucs2);
}

TEST_CASE("count_segments: what a sending UI shows") {
  auto c = count_segments(repeat("a", 160));
  REQUIRE(c);
  CHECK(c->segments == 1);
  CHECK(c->remaining == 0);
  CHECK(c->per_segment == 160);
  CHECK(c->pdus == 1);
  c = count_segments(repeat("a", 161));
  REQUIRE(c);
  CHECK(c->segments == 2);
  CHECK(c->per_segment == 153);
  CHECK(c->remaining == 153 - 8);
  CHECK(c->pdus == 1);  // message_payload: the SMSC splits
  c = count_segments(repeat("a", 161), opts(LongMessage::udh8));
  REQUIRE(c);
  CHECK(c->pdus == 2);
  c = count_segments("");
  REQUIRE(c);
  CHECK(c->segments == 1);
  CHECK(c->remaining == 160);
  c = count_segments(repeat("ж", 69) + "€");
  REQUIRE(c);
  CHECK(c->encoding == Encoding::ucs2);
  CHECK(c->units == 70);
  CHECK(c->remaining == 0);
  c = count_segments(repeat("a", 151) + "€" + repeat("b", 8), opts(LongMessage::udh16));
  REQUIRE(c);
  CHECK(c->units == 161);
  CHECK(c->segments == 2);
  CHECK(c->remaining == 152 - 10);  // the escape pair moved to the second part
}
