#include <cstdint>
#include <string>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp::text;
using aiosmpp::test::from_hex;
using aiosmpp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

// The default alphabet as printed in the project's SMPP reference (§10.1), septet order; the
// escape position holds a placeholder that the loop skips.
const char32_t kDefaultAlphabet[128] = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç',  U'\n', U'Ø', U'ø', U'\r', U'Å',
    U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ',  U'Θ',  U'Ξ', 0,    U'Æ',  U'æ',
    U'ß', U'É', U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(',  U')', U'*', U'+',  U',',
    U'-', U'.', U'/', U'0', U'1', U'2', U'3', U'4', U'5', U'6',  U'7',  U'8', U'9', U':',  U';',
    U'<', U'=', U'>', U'?', U'¡', U'A', U'B', U'C', U'D', U'E',  U'F',  U'G', U'H', U'I',  U'J',
    U'K', U'L', U'M', U'N', U'O', U'P', U'Q', U'R', U'S', U'T',  U'U',  U'V', U'W', U'X',  U'Y',
    U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'a', U'b', U'c',  U'd',  U'e', U'f', U'g',  U'h',
    U'i', U'j', U'k', U'l', U'm', U'n', U'o', U'p', U'q', U'r',  U's',  U't', U'u', U'v',  U'w',
    U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à'};

struct Ext {
  std::uint8_t septet;
  char32_t cp;
};
const Ext kExtension[] = {{0x0A, 0x0C}, {0x14, U'^'}, {0x28, U'{'}, {0x29, U'}'}, {0x2F, U'\\'},
                          {0x3C, U'['}, {0x3D, U'~'}, {0x3E, U']'}, {0x40, U'|'}, {0x65, U'€'}};

std::string u8(char32_t cp) {
  std::string s;
  utf8::append(s, cp);
  return s;
}

// Bit-by-bit reference packer, independent of gsm7::pack.
Bytes reference_pack(const Bytes& septets, unsigned fill) {
  std::vector<int> bits(fill, 0);
  for (auto s : septets) {
    for (int b = 0; b < 7; ++b)
      bits.push_back((s >> b) & 1);
  }
  Bytes out((bits.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] = static_cast<std::uint8_t>(out[i / 8] | (1u << (i % 8)));
  }
  return out;
}

}  // namespace

TEST_CASE("gsm7: every septet of the default alphabet decodes and encodes back") {
  for (unsigned s = 0; s < 128; ++s) {
    if (s == gsm7::escape) continue;
    INFO("septet " << s);
    const char32_t cp = kDefaultAlphabet[s];
    CHECK(gsm7::to_unicode(static_cast<std::uint8_t>(s)) == cp);
    Bytes out;
    auto n = gsm7::encode(u8(cp), out);
    REQUIRE(n);
    CHECK(*n == 1);
    CHECK(out == Bytes{static_cast<std::uint8_t>(s)});
    std::string text;
    REQUIRE(gsm7::decode(out, text));
    CHECK(text == u8(cp));
    CHECK(gsm7::septet_cost(cp) == 1);
  }
}

TEST_CASE("gsm7: every extension character is an escape pair both ways") {
  std::size_t count = 0;
  for (unsigned s = 0; s < 128; ++s) {
    if (gsm7::extension_to_unicode(static_cast<std::uint8_t>(s)) != 0) ++count;
  }
  CHECK(count == 10);
  for (const auto& e : kExtension) {
    INFO("extension septet " << int{e.septet});
    CHECK(gsm7::extension_to_unicode(e.septet) == e.cp);
    Bytes out;
    REQUIRE(gsm7::encode(u8(e.cp), out));
    CHECK(out == Bytes{0x1B, e.septet});
    std::string text;
    REQUIRE(gsm7::decode(out, text));
    CHECK(text == u8(e.cp));
    CHECK(gsm7::septet_cost(e.cp) == 2);
  }
  CHECK(gsm7::count_septets("a€{") == 5u);
}

TEST_CASE("gsm7: characters outside the alphabet") {
  CHECK(gsm7::septet_cost(U'`') == 0);
  CHECK(gsm7::septet_cost(0x00E7) == 0);  // ç only by replacement
  CHECK_FALSE(gsm7::count_septets("ab`"));

  Bytes out{0xAA};
  auto r = gsm7::encode(
      "abc\xF0\x9F\x98\x80"
      "d",
      out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::unencodable);
  CHECK(r.error().position == 3);
  CHECK(r.error().byte_offset == 3);
  CHECK(r.error().code_point == 0x1F600);
  CHECK(r.error().message.find("U+1F600") != std::string::npos);
  CHECK(out == Bytes{0xAA});  // untouched on failure

  out.clear();
  REQUIRE(gsm7::encode("\xC3\xA7\xCE\x91\xCE\xBB\xE2\x82\xAC`", out, ErrorMode::replace));
  // ç -> Ç (0x09), Α -> A, λ -> ?, € stays an escape pair, ` -> ?
  CHECK(out == Bytes{0x09, 0x41, 0x3F, 0x1B, 0x65, 0x3F});
}

TEST_CASE("gsm7: malformed UTF-8 is an error in every mode") {
  const char* bad[] = {"ab\xC3",           "\xC0\xAF", "x\xED\xA0\x80",
                       "\xF4\x90\x80\x80", "\x80",     "\xE2\x82"};
  for (const char* s : bad) {
    INFO(s);
    Bytes out;
    for (auto mode : {ErrorMode::strict, ErrorMode::replace}) {
      auto r = gsm7::encode(s, out, mode);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == TextErrc::invalid_utf8);
    }
    CHECK_FALSE(gsm7::count_septets(s));
    CHECK_FALSE(utf8::validate(s));
  }
  auto r = utf8::validate("h\xC3\xA9llo\xFF");
  REQUIRE_FALSE(r);
  CHECK(r.error().byte_offset == 6);
  CHECK(r.error().position == 5);
}

TEST_CASE("gsm7: decoding escapes and invalid septets") {
  std::string out;
  REQUIRE(gsm7::decode(Bytes{0x1B, 0x41}, out));  // no extension entry: the basic character
  CHECK(out == "A");
  out.clear();
  REQUIRE(gsm7::decode(Bytes{0x1B, 0x1B, 0x41}, out));
  CHECK(out == " A");
  out.clear();
  auto r = gsm7::decode(Bytes{0x41, 0x1B}, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().position == 1);
  REQUIRE(gsm7::decode(Bytes{0x41, 0x1B}, out, ErrorMode::replace));
  CHECK(out == "A\xC2\xA0");
  out.clear();
  r = gsm7::decode(Bytes{0x41, 0x80}, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::invalid_encoding);
  CHECK(r.error().code_point == 0x80);
  REQUIRE(gsm7::decode(Bytes{0x41, 0x80}, out, ErrorMode::replace));
  CHECK(out == "A?");
  out.clear();
  REQUIRE(gsm7::decode(Bytes{0x00, 0x02, 0x11, 0x24, 0x40}, out));
  CHECK(out == "@$_\xC2\xA4\xC2\xA1");  // 0x00 is '@', not a terminator
}

TEST_CASE("gsm7: packing known vectors") {
  Bytes s;
  REQUIRE(gsm7::encode("hello", s));
  Bytes packed;
  gsm7::pack(s, packed);
  CHECK(to_hex(packed) == "e8329bfd06");
  s.clear();
  packed.clear();
  REQUIRE(gsm7::encode("hellohello", s));
  gsm7::pack(s, packed);
  CHECK(to_hex(packed) == "e8329bfd4697d9ec37");
  CHECK(gsm7::unpack(packed, 10) == s);
  CHECK(gsm7::fill_bits(6) == 1);
  CHECK(gsm7::fill_bits(7) == 0);
  CHECK(gsm7::fill_bits(0) == 0);
  CHECK(gsm7::packed_size(160) == 140);
  CHECK(gsm7::packed_size(153, 1) == 134);
}

TEST_CASE("gsm7: pack and unpack at every length 0..160 with every fill") {
  for (unsigned fill = 0; fill < 7; ++fill) {
    for (std::size_t n = 0; n <= 160; ++n) {
      Bytes septets(n);
      for (std::size_t i = 0; i < n; ++i) {
        septets[i] = static_cast<std::uint8_t>((i * 37 + fill * 11 + 5) % 128);
      }
      Bytes packed;
      gsm7::pack(septets, packed, fill);
      INFO("n=" << n << " fill=" << fill);
      REQUIRE(packed == reference_pack(septets, fill));
      CHECK(packed.size() == (7 * n + fill + 7) / 8);
      CHECK(gsm7::unpack(packed, n, fill) == septets);
    }
  }
}

TEST_CASE("gsm7: packed with a UDH in front keeps the first septet on a septet boundary") {
  // 6-octet UDH + 1 fill bit: the septets start at bit 49 of the user data.
  const Bytes udh = from_hex("050003AA0201");
  Bytes septets;
  REQUIRE(gsm7::encode("Hello", septets));
  Bytes ud = udh;
  gsm7::pack(septets, ud, gsm7::fill_bits(udh.size()));
  std::vector<int> bits;
  for (auto b : ud) {
    for (int i = 0; i < 8; ++i)
      bits.push_back((b >> i) & 1);
  }
  for (std::size_t k = 0; k < septets.size(); ++k) {
    unsigned v = 0;
    for (int i = 0; i < 7; ++i)
      v |= static_cast<unsigned>(bits[49 + 7 * k + static_cast<std::size_t>(i)]) << i;
    CHECK(v == septets[k]);
  }
  CHECK(gsm7::unpack(std::span(ud).subspan(6), 5, 1) == septets);
}

TEST_CASE("gsm7: unpack_all drops 7 bits of padding but keeps real septets") {
  for (std::size_t n = 1; n <= 40; ++n) {
    Bytes septets(n, 0x41);
    Bytes packed;
    gsm7::pack(septets, packed);
    CHECK(gsm7::unpack_all(packed) == septets);
  }
  // Seven septets leave 7 spare bits in 7 octets: no eighth '@'.
  Bytes seven(7, 0x41);
  Bytes packed;
  gsm7::pack(seven, packed);
  REQUIRE(packed.size() == 7);
  CHECK(gsm7::unpack_all(packed).size() == 7);
  // And the packed codec decodes what it encodes.
  auto enc = encode("1234567", gsm7_packed_codec());
  REQUIRE(enc);
  auto dec = decode(*enc, gsm7_packed_codec());
  REQUIRE(dec);
  CHECK(*dec == "1234567");
}

TEST_CASE("gsm7: national language tables match a second source") {
  using L = gsm7::Language;
  // Rows checked against CyberChef's GSM-7 tables (TS 23.038 V16) and Android GsmAlphabet.
  CHECK(gsm7::to_unicode(0x04, L::turkish) == U'€');
  CHECK(gsm7::to_unicode(0x07, L::turkish) == U'ı');
  CHECK(gsm7::to_unicode(0x0B, L::turkish) == U'Ğ');
  CHECK(gsm7::to_unicode(0x0C, L::turkish) == U'ğ');
  CHECK(gsm7::to_unicode(0x1C, L::turkish) == U'Ş');
  CHECK(gsm7::to_unicode(0x1D, L::turkish) == U'ş');
  CHECK(gsm7::to_unicode(0x40, L::turkish) == U'İ');
  CHECK(gsm7::to_unicode(0x60, L::turkish) == U'ç');
  CHECK(gsm7::extension_to_unicode(0x47, L::turkish) == U'Ğ');
  CHECK(gsm7::extension_to_unicode(0x49, L::turkish) == U'İ');
  CHECK(gsm7::extension_to_unicode(0x53, L::turkish) == U'Ş');
  CHECK(gsm7::extension_to_unicode(0x63, L::turkish) == U'ç');
  CHECK(gsm7::extension_to_unicode(0x65, L::turkish) == U'€');
  CHECK(gsm7::extension_to_unicode(0x67, L::turkish) == U'ğ');
  CHECK(gsm7::extension_to_unicode(0x69, L::turkish) == U'ı');
  CHECK(gsm7::extension_to_unicode(0x73, L::turkish) == U'ş');

  CHECK(gsm7::extension_to_unicode(0x09, L::spanish) == U'ç');
  CHECK(gsm7::extension_to_unicode(0x41, L::spanish) == U'Á');
  CHECK(gsm7::extension_to_unicode(0x49, L::spanish) == U'Í');
  CHECK(gsm7::extension_to_unicode(0x4F, L::spanish) == U'Ó');
  CHECK(gsm7::extension_to_unicode(0x55, L::spanish) == U'Ú');
  CHECK(gsm7::extension_to_unicode(0x61, L::spanish) == U'á');
  CHECK(gsm7::extension_to_unicode(0x6F, L::spanish) == U'ó');
  CHECK(gsm7::extension_to_unicode(0x75, L::spanish) == U'ú');
  CHECK_FALSE(gsm7::has_locking_table(L::spanish));
  CHECK(gsm7::to_unicode(0x09, L::spanish) == U'Ç');  // default table stands in

  CHECK(gsm7::to_unicode(0x04, L::portuguese) == U'ê');
  CHECK(gsm7::to_unicode(0x12, L::portuguese) == U'ª');
  CHECK(gsm7::to_unicode(0x15, L::portuguese) == U'∞');
  CHECK(gsm7::to_unicode(0x17, L::portuguese) == U'\\');
  CHECK(gsm7::to_unicode(0x1A, L::portuguese) == U'|');
  CHECK(gsm7::to_unicode(0x24, L::portuguese) == U'º');
  CHECK(gsm7::to_unicode(0x40, L::portuguese) == U'Í');
  CHECK(gsm7::to_unicode(0x5B, L::portuguese) == U'Ã');
  CHECK(gsm7::to_unicode(0x60, L::portuguese) == U'~');
  CHECK(gsm7::to_unicode(0x7D, L::portuguese) == U'`');
  CHECK(gsm7::extension_to_unicode(0x12, L::portuguese) == U'Φ');
  CHECK(gsm7::extension_to_unicode(0x1F, L::portuguese) == U'Ê');
  CHECK(gsm7::extension_to_unicode(0x7F, L::portuguese) == U'â');

  CHECK(gsm7::to_unicode(0x00, L::hindi) == 0x0901);
  CHECK(gsm7::to_unicode(0x10, L::hindi) == 0x0910);
  CHECK(gsm7::to_unicode(0x28, L::hindi) == U')');
  CHECK(gsm7::to_unicode(0x29, L::hindi) == U'(');
  CHECK(gsm7::to_unicode(0x2C, L::hindi) == U',');
  CHECK(gsm7::to_unicode(0x7B, L::hindi) == 0x0972);
  CHECK(gsm7::to_unicode(0x7F, L::hindi) == 0x097F);
  CHECK(gsm7::to_unicode(0x00, L::urdu) == 0x0627);
  CHECK(gsm7::to_unicode(0x7F, L::urdu) == 0x0670);
  CHECK(gsm7::to_unicode(0x2C, L::bengali) == U',');
  CHECK(gsm7::to_unicode(0x0C, L::bengali) == 0);  // unassigned
  CHECK(gsm7::extension_to_unicode(0x20, L::bengali) == 0x09EC);
  CHECK(gsm7::extension_to_unicode(0x30, L::bengali) == 0x09F6);
  CHECK(gsm7::extension_to_unicode(0x65, L::bengali) == U'€');
  for (std::uint8_t l = 0; l < gsm7::language_count; ++l) {
    CHECK(gsm7::to_unicode(gsm7::escape, static_cast<L>(l)) == 0);
  }
  CHECK_FALSE(gsm7::language_from_id(14));
  CHECK(gsm7::language_from_id(13) == L::urdu);
  CHECK(gsm7::language_name(L::portuguese) == "portuguese");
}

TEST_CASE("gsm7: national tables round-trip their whole repertoire") {
  for (std::uint8_t l = 1; l < gsm7::language_count; ++l) {
    const auto lang = static_cast<gsm7::Language>(l);
    const gsm7::Tables t{gsm7::has_locking_table(lang) ? lang : gsm7::Language::none, lang};
    std::string text;
    for (unsigned s = 0; s < 128; ++s) {
      if (char32_t cp = gsm7::to_unicode(static_cast<std::uint8_t>(s), t.locking)) {
        utf8::append(text, cp);
      }
      if (char32_t cp = gsm7::extension_to_unicode(static_cast<std::uint8_t>(s), t.single_shift)) {
        utf8::append(text, cp);
      }
    }
    INFO(gsm7::language_name(lang));
    Bytes septets;
    REQUIRE(gsm7::encode(text, septets, ErrorMode::strict, t));
    std::string back;
    REQUIRE(gsm7::decode(septets, back, ErrorMode::strict, t));
    CHECK(back == text);
    CHECK(gsm7::count_septets(text, t) == septets.size());
  }
}
