// The codecs of data_coding 5, 6, 7, 9, 10, 13 and 14 (through the C library's iconv), the
// three error modes for every codec, and splitting in those codings.
//
// The expected octets are what Python's codecs write for the same text (iso8859_5, iso8859_8,
// iso2022_jp, shift_jis, euc_jp, euc_kr): aiosmpplib's codecs for these data_coding values.

#include <string>
#include <thread>
#include <vector>

#include "aiosmpp/text/iconv_codec.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "aiosmpp/text/split.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::text;
using aiosmpp::test::from_hex;
using aiosmpp::test::repeat;
using aiosmpp::test::to_hex;

namespace {

const Codec& builtin(std::uint8_t dc) {
  const Codec* c = CodecRegistry::builtin().find(dc);
  REQUIRE(c != nullptr);
  return *c;
}

std::string hex_of(std::string_view s) {
  return to_hex({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

struct Sample {
  std::uint8_t data_coding;
  const char* codec;
  const char* text;
  const char* hex;
};

// Russian, Hebrew, Japanese (both JIS codings, Shift_JIS, JIS X 0212), Korean (with syllables
// outside KS X 1001's 2,350, which take the 8-octet Annex 3 form).
const Sample kSamples[] = {
    {6, "iso8859_5", "Привет! Код 4821.", "bfe0d8d2d5e22120baded420343832312e"},
    {7, "iso8859_8", "שלום! הקוד שלך 4821", "f9ece5ed2120e4f7e5e320f9ecea2034383231"},
    {5, "iso2022_jp", "こんにちは、世界！コード4821です。",
     "1b244224332473244b2441244f212240243326212a2533213c25491b2842343832311b24422447243921231b"
     "2842"},
    {10, "iso2022_jp", "こんにちは、世界！コード4821です。",
     "1b244224332473244b2441244f212240243326212a2533213c25491b2842343832311b24422447243921231b"
     "2842"},
    {9, "shift_jis", "こんにちは、世界！C:\\temp ~",
     "82b182f182c982bf82cd814190a28a458149433a5c74656d70207e"},
    {13, "euc_jp", "丂 abc 日本 ｱ", "8fb0a12061626320c6fccbdc208eb1"},
    {14, "euc_kr", "안녕하세요, 세계! 똠방각하 햏",
     "bec8b3e7c7cfbcbcbfe42c20bcbcb0e82120a4d4a4a8a4c7a4b1b9e6b0a2c7cf20a4d4a4bea4c0a4be"},
};

}  // namespace

TEST_CASE("codings: each data_coding has its codec, and real text round-trips byte for byte") {
  for (const auto& s : kSamples) {
    INFO("data_coding " << int{s.data_coding} << ": " << s.text);
    const Codec& c = builtin(s.data_coding);
    CHECK(c.name() == s.codec);
    CHECK(c.unit() == Unit::octet);
    CHECK(c.supports_ignore());
    const auto bytes = encode(s.text, c);
    REQUIRE(bytes);
    CHECK(to_hex(*bytes) == s.hex);
    const auto back = decode(from_hex(s.hex), s.data_coding);
    REQUIRE(back);
    CHECK(*back == s.text);
  }
  // The Annex 3 form alone, and a syllable KS X 1001 has (two octets).
  CHECK(to_hex(*encode("똠", euc_kr_codec())) == "a4d4a4a8a4c7a4b1");
  CHECK(to_hex(*encode("가", euc_kr_codec())) == "b0a1");
  CHECK(*decode(from_hex("a4d4a4b2a4cea4aa"), euc_kr_codec()) == "뷁");
  // A filler not followed by a syllable's jamo is the Hangul filler itself.
  CHECK(*decode(from_hex("a4d4 41"), euc_kr_codec()) == "\u3164A");
  // 0x5C and 0x7E are ASCII in Shift_JIS here, as in Python; ¥ and ‾ encode to them.
  CHECK(*decode(from_hex("5c 7e 95 5c"), shift_jis_codec()) == "\\~表");
  CHECK(to_hex(*encode("¥‾", shift_jis_codec())) == "5c7e");
  // Every JIS X 0212 character reads back to its octets through EUC-JP (checked for all 6,067
  // against glibc); 0x8FA2B7 is the one Python reads as `~` and glibc as `～`.
  CHECK(*decode(from_hex("8fa2b7"), euc_jp_codec()) == "～");
  CHECK(to_hex(*encode("～", euc_jp_codec())) == "8fa2b7");
}

TEST_CASE("codings: ISO-2022-JP ends every encoding in ASCII") {
  const auto bytes = encode("日本", iso2022jp_codec());
  REQUIRE(bytes);
  CHECK(to_hex(*bytes) == "1b2442467c4b5c1b2842");
  const auto ascii = encode("abc", iso2022jp_codec());
  REQUIRE(ascii);
  CHECK(to_hex(*ascii) == "616263");
  // ESC would be read as the start of an escape sequence: it is a character the coding lacks.
  const auto esc = encode("ab\x1B(Bc", iso2022jp_codec());
  REQUIRE_FALSE(esc);
  CHECK(esc.error().code == TextErrc::unencodable);
  CHECK(esc.error().position == 2);
  CHECK(to_hex(*encode("日\x1B", iso2022jp_codec(), ErrorMode::replace)) == "1b2442467c1b28423f");
  CHECK(to_hex(*encode("a\x1B"
                       "b",
                       iso2022jp_codec(), ErrorMode::ignore)) == "6162");
  // Text that does not return to ASCII still decodes (Python reads it too).
  CHECK(*decode(from_hex("1b2442467c4b5c"), iso2022jp_codec()) == "日本");
}

TEST_CASE("codings: strict, replace and ignore when encoding") {
  struct Case {
    const Codec& codec;
    std::string text;
    std::size_t position;  // of the character that does not fit
    const char* replaced;  // hex
    const char* ignored;   // hex
  };
  const Case cases[] = {
      {iso8859_5_codec(), "Привет 😀 мир", 7, "bfe0d8d2d5e2203f20dcd8e0", "bfe0d8d2d5e22020dcd8e0"},
      {iso8859_8_codec(), "שלום ж", 5, "f9ece5ed203f", "f9ece5ed20"},
      {iso2022jp_codec(), "日本😀語", 2, "1b2442467c4b5c1b28423f1b2442386c1b2842",
       "1b2442467c4b5c386c1b2842"},
      {shift_jis_codec(), "日本😀語", 2, "93fa967b3f8cea", "93fa967b8cea"},
      {euc_jp_codec(), "日本😀", 2, "c6fccbdc3f", "c6fccbdc"},
      {euc_kr_codec(), "한국😀", 2, "c7d1b1b93f", "c7d1b1b9"},
      {latin1_codec(), "café €5", 5, "636166e9203f35", "636166e92035"},
      {ascii_codec(), "café", 3, "6361663f", "636166"},
      {gsm7_codec(), "Hi 😀!", 3, "4869203f21", "48692021"},
  };
  for (const auto& c : cases) {
    INFO(c.codec.name() << ": " << c.text);
    const auto strict = encode(c.text, c.codec, ErrorMode::strict);
    REQUIRE_FALSE(strict);
    CHECK(strict.error().code == TextErrc::unencodable);
    CHECK(strict.error().position == c.position);
    CHECK(strict.error().message.find(std::to_string(c.position)) != std::string::npos);
    const auto replaced = encode(c.text, c.codec, ErrorMode::replace);
    REQUIRE(replaced);
    CHECK(to_hex(*replaced) == c.replaced);
    const auto ignored = encode(c.text, c.codec, ErrorMode::ignore);
    REQUIRE(ignored);
    CHECK(to_hex(*ignored) == c.ignored);
  }
  // Invalid UTF-8 fails in every mode.
  for (auto mode : {ErrorMode::strict, ErrorMode::replace, ErrorMode::ignore}) {
    const auto r = encode("ab\xC3", iso2022jp_codec(), mode);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == TextErrc::invalid_utf8);
  }
}

TEST_CASE("codings: strict, replace and ignore when decoding") {
  struct Case {
    const Codec& codec;
    const char* hex;
    std::size_t position;  // of the octet that does not decode
    const char* replaced;
    const char* ignored;
  };
  const Case cases[] = {
      {iso8859_8_codec(), "f9 a1 ec", 1, "ש?ל", "של"},
      {shift_jis_codec(), "41 80 42", 1, "A?B", "AB"},
      {euc_kr_codec(), "41 ff 42", 1, "A?B", "AB"},
      {euc_kr_codec(), "41 b0", 1, "A?", "A"},  // ends inside a character
      {euc_jp_codec(), "41 8e 41", 1, "A?A", "AA"},
      {euc_jp_codec(), "41 c6", 1, "A?", "A"},  // ends inside a character
      {iso2022jp_codec(), "41 e9 42", 1, "A?B", "AB"},
      {ascii_codec(), "41 e9 42", 1, "A?B", "AB"},
      {ucs2_codec(), "00 41 d8 3d 00 42", 1, "A?B", "AB"},
      {gsm7_codec(), "41 80 42", 1, "A?B", "AB"},
  };
  for (const auto& c : cases) {
    INFO(c.codec.name() << ": " << c.hex);
    const auto bytes = from_hex(c.hex);
    const auto strict = decode(bytes, c.codec, ErrorMode::strict);
    REQUIRE_FALSE(strict);
    CHECK(strict.error().code == TextErrc::invalid_encoding);
    CHECK(strict.error().position == c.position);
    const auto replaced = decode(bytes, c.codec, ErrorMode::replace);
    REQUIRE(replaced);
    CHECK(*replaced == c.replaced);
    const auto ignored = decode(bytes, c.codec, ErrorMode::ignore);
    REQUIRE(ignored);
    CHECK(*ignored == c.ignored);
  }
  // Received text uses the mode too.
  const auto mo = decode_user_data(from_hex("f9 a1 ec"), 7, false, {nullptr, ErrorMode::ignore});
  REQUIRE(mo);
  CHECK(mo->text == "של");
  CHECK(mo->codec_name == "iso8859_8");
}

namespace {

// A custom codec written before ErrorMode::ignore existed: anything but strict replaces.
class OldCodec final : public Codec {
 public:
  std::string_view name() const noexcept override { return "old"; }
  text::Result<void> encode(std::string_view utf8, ErrorMode mode,
                            std::vector<std::uint8_t>& out) const override {
    last_mode = mode;
    for (char c : utf8) {
      if (static_cast<unsigned char>(c) < 0x80) {
        out.push_back(static_cast<std::uint8_t>(c));
      } else if (mode == ErrorMode::strict) {
        return TextError{TextErrc::unencodable, "not ASCII"};
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        out.push_back('#');
      }
    }
    return {};
  }
  text::Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                            std::string& out) const override {
    last_mode = mode;
    out.append(bytes.begin(), bytes.end());
    return {};
  }
  mutable ErrorMode last_mode = ErrorMode::strict;
};

}  // namespace

TEST_CASE("codings: a codec that predates ignore gets replace") {
  auto old = std::make_shared<OldCodec>();
  CHECK_FALSE(old->supports_ignore());
  CHECK(mode_for(*old, ErrorMode::ignore) == ErrorMode::replace);
  CHECK(mode_for(*old, ErrorMode::strict) == ErrorMode::strict);
  CHECK(mode_for(iso2022jp_codec(), ErrorMode::ignore) == ErrorMode::ignore);

  const auto r = encode("añb", *old, ErrorMode::ignore);
  REQUIRE(r);
  CHECK(to_hex(*r) == "612362");
  CHECK(old->last_mode == ErrorMode::replace);

  CodecRegistry reg;
  reg.register_codec(0xC8, old);
  SplitOptions o;
  o.encoding = Encoding::custom;
  o.custom_data_coding = 0xC8;
  o.errors = ErrorMode::ignore;
  o.registry = &reg;
  const auto s = split("añb", o);
  REQUIRE(s);
  CHECK(to_hex(s->segments[0].bytes) == "612362");
  CHECK(old->last_mode == ErrorMode::replace);
  (void)decode_user_data(from_hex("61"), 0xC8, false, {&reg, ErrorMode::ignore});
  CHECK(old->last_mode == ErrorMode::replace);
}

TEST_CASE("codings: ISO-2022-JP segments each end in ASCII and decode on their own") {
  const std::string text = repeat("日本語のテキストとASCII text 123、", 12);
  for (auto mode : {LongMessage::udh8, LongMessage::udh16, LongMessage::sar}) {
    INFO(long_message_name(mode));
    SplitOptions o;
    o.encoding = Encoding::custom;
    o.custom_data_coding = data_coding::iso2022jp;
    o.long_message = mode;
    o.reference = 7;
    const auto r = split(text, o);
    REQUIRE(r);
    CHECK(r->data_coding == 0x0A);
    CHECK(r->codec_name == "iso2022_jp");
    REQUIRE(r->segments.size() > 2);
    std::string joined;
    for (const auto& seg : r->segments) {
      CHECK(seg.bytes.size() <= 140);
      const std::span<const std::uint8_t> body(seg.bytes.data() + seg.udh_length,
                                               seg.bytes.size() - seg.udh_length);
      // Back in ASCII at the end: the last escape sequence is ESC ( B.
      std::size_t last_escape = body.size();
      for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == 0x1B) last_escape = i;
      }
      REQUIRE(last_escape + 2 < body.size());
      CHECK(body[last_escape + 1] == '(');
      CHECK(body[last_escape + 2] == 'B');
      for (std::size_t i = last_escape + 3; i < body.size(); ++i)
        CHECK(body[i] < 0x80);
      const auto part = decode(body, iso2022jp_codec());
      REQUIRE(part);
      joined += *part;
    }
    CHECK(joined == text);
    const auto count = count_segments(text, o);
    REQUIRE(count);
    CHECK(count->segments == r->segments.size());
    CHECK(count->pdus == r->segments.size());
  }
}

TEST_CASE("codings: multi-octet characters are never cut between segments") {
  const std::pair<std::uint8_t, std::string> texts[] = {
      {data_coding::pictogram, repeat("ｱ日本語テキスト\\~", 40)},          // 1- and 2-octet
      {data_coding::extended_kanji, repeat("丂a日本ｱ語", 40)},             // 1- to 3-octet
      {data_coding::ks_c_5601, repeat("똠방각하 햏 한국어 텍스트 ", 20)},  // 2- and 8-octet
      {data_coding::cyrillic, repeat("Привет, мир! ", 30)},
  };
  for (const auto& [dc, text] : texts) {
    INFO("data_coding " << int{dc});
    SplitOptions o;
    o.encoding = Encoding::custom;
    o.custom_data_coding = dc;
    o.long_message = LongMessage::udh8;
    const auto r = split(text, o);
    REQUIRE(r);
    REQUIRE(r->segments.size() > 1);
    std::string joined;
    for (const auto& seg : r->segments) {
      CHECK(seg.bytes.size() <= 140);
      const auto part =
          decode(std::span<const std::uint8_t>(seg.bytes).subspan(seg.udh_length), builtin(dc));
      REQUIRE(part);
      joined += *part;
    }
    CHECK(joined == text);
  }
}

TEST_CASE("codings: automatic encoding never picks them, render sends the chosen one") {
  const auto autom = split("日本語のテキスト");
  REQUIRE(autom);
  CHECK(autom->encoding == Encoding::ucs2);
  const auto cyr = split("Привет");
  REQUIRE(cyr);
  CHECK(cyr->data_coding == data_coding::ucs2);

  SubmitSm msg;
  msg.text = MessageText{.utf8 = "Привет, мир!",
                         .encoding = TextEncoding::custom,
                         .custom_data_coding = data_coding::cyrillic};
  const auto parts = render(msg);
  REQUIRE(parts);
  REQUIRE(parts->size() == 1);
  CHECK(parts->front().data_coding == static_cast<DataCoding>(6));
  CHECK(hex_of(parts->front().short_message) == "bfe0d8d2d5e22c20dcd8e021");

  // And a received deliver_sm in it reads back.
  DeliverSm mo;
  mo.data_coding = static_cast<DataCoding>(14);
  mo.short_message = std::string("\xbe\xc8\xb3\xe7", 4);
  const auto text = decode_text(mo);
  REQUIRE(text);
  CHECK(text->text == "안녕");
}

TEST_CASE("codings: an IconvCodec for any character set, and one the C library lacks") {
  auto cp1251 = std::make_shared<IconvCodec>("WINDOWS-1251", "cp1251");
  REQUIRE(cp1251->available());
  CodecRegistry reg;
  reg.register_codec(0xC9, cp1251);
  const auto bytes = encode("Привет", *cp1251);
  REQUIRE(bytes);
  CHECK(to_hex(*bytes) == "cff0e8e2e5f2");
  CHECK(*decode(*bytes, 0xC9, reg) == "Привет");

  // As the SMSC's default alphabet: automatic encoding uses it when the text fits, split too.
  CodecRegistry by_default;
  by_default.set_default_alphabet(cp1251);
  SplitOptions o;
  o.registry = &by_default;
  o.long_message = LongMessage::udh8;
  const std::string long_text = repeat("Привет, мир! ", 20);
  const auto parts = split(long_text, o);
  REQUIRE(parts);
  CHECK(parts->data_coding == 0);
  CHECK(parts->codec_name == "cp1251");
  REQUIRE(parts->segments.size() == 2);
  std::string joined;
  for (const auto& seg : parts->segments) {
    CHECK(seg.bytes.size() <= 140);
    joined += *decode(std::span<const std::uint8_t>(seg.bytes).subspan(seg.udh_length), *cp1251);
  }
  CHECK(joined == long_text);
  const auto emoji = split("Привет 😀", o);
  REQUIRE(emoji);
  CHECK(emoji->data_coding == data_coding::ucs2);

  const IconvCodec missing("NO-SUCH-CHARSET-42", "missing");
  CHECK_FALSE(missing.available());
  const auto e = encode("x", missing);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == TextErrc::unknown_data_coding);
  CHECK(e.error().message.find("NO-SUCH-CHARSET-42") != std::string::npos);
  const auto d = decode(from_hex("41"), missing);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == TextErrc::unknown_data_coding);
}

TEST_CASE("codings: converters are per thread, so threads share the codecs safely") {
  // Each thread encodes and decodes in every coding many times; results must not mix.
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 300; ++i) {
        const Sample& s = kSamples[static_cast<std::size_t>(t + i) % std::size(kSamples)];
        const Codec* c = CodecRegistry::builtin().find(s.data_coding);
        const auto bytes = encode(s.text, *c);
        if (!bytes || to_hex(*bytes) != s.hex) ++failures[static_cast<std::size_t>(t)];
        const auto back = decode(from_hex(s.hex), *c);
        if (!back || *back != s.text) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads)
    th.join();
  CHECK(failures == std::vector<int>(4, 0));
}
