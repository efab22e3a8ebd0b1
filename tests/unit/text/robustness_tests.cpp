// Arbitrary input must give a value or an error, never undefined behaviour: these run under
// ASan/UBSan in the sanitizer build.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/smpp_time.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "support/catch.hpp"

using namespace aiosmpp::text;

namespace {

std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::uint8_t> out(len(rng));
  for (auto& b : out)
    b = static_cast<std::uint8_t>(byte(rng));
  return out;
}

std::string as_text(const std::vector<std::uint8_t>& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("robustness: random bytes through every decoder and parser") {
  std::mt19937 rng(20261126);
  std::size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    const auto bytes = random_bytes(rng, 300);
    const std::string text = as_text(bytes);
    for (int code : {0x00, 0x01, 0x03, 0x04, 0x08, 0xF0, 0xF4}) {
      const auto dc = static_cast<std::uint8_t>(code);
      for (bool udhi : {false, true}) {
        auto d = decode_user_data(bytes, dc, udhi, {nullptr, ErrorMode::strict});
        auto r = decode_user_data(bytes, dc, udhi);
        if (r) {
          ++accepted;
          // Binary codings hand the octets back as they are; every text coding gives UTF-8.
          if (dc != 0x04 && dc != 0xF4) CHECK(utf8::validate(r->text));
        }
        (void)d;
      }
    }
    (void)parse_udh(bytes);
    (void)parse_receipt(text);
    (void)parse_receipt_date(text.substr(0, 16));
    (void)SmppTime::parse(text.substr(0, 16));
    (void)gsm7::unpack_all(bytes, static_cast<unsigned>(round % 7));
    (void)gsm7::count_septets(text);
    auto s = split(text, SplitOptions{});
    if (s) {
      for (const auto& seg : s->segments)
        CHECK(seg.bytes.size() <= 65535);
    } else {
      CHECK(s.error().code == TextErrc::invalid_utf8);
    }
  }
  CHECK(accepted > 0);
}

TEST_CASE("robustness: text decoders in replace mode always give valid UTF-8") {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const auto bytes = random_bytes(rng, 200);
    for (const Codec* c :
         {&gsm7_codec(), &gsm7_packed_codec(), &ascii_codec(), &latin1_codec(), &ucs2_codec()}) {
      auto r = decode(bytes, *c, ErrorMode::replace);
      REQUIRE(r);
      CHECK(utf8::validate(*r));
    }
  }
}

TEST_CASE("robustness: any valid text splits and every segment fits its PDU") {
  std::mt19937 rng(99);
  const char32_t pool[] = {U'a', U'Z',    U' ', U'€',  U'{',   U'ç', U'ş', U'Ğ',
                           U'ж', 0x1F600, U'@', U'\n', 0x0915, U'Ω', U'~'};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pool) - 1);
  std::uniform_int_distribution<std::size_t> len(0, 700);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const std::size_t n = len(rng);
    for (std::size_t i = 0; i < n; ++i)
      utf8::append(text, pool[pick(rng)]);
    for (auto mode :
         {LongMessage::udh8, LongMessage::udh16, LongMessage::sar, LongMessage::message_payload}) {
      SplitOptions o;
      o.long_message = mode;
      o.reference = 3;
      auto r = split(text, o);
      REQUIRE(r);
      for (const auto& s : r->segments) {
        if (mode == LongMessage::message_payload) {
          CHECK((r->message_payload || s.bytes.size() <= 254));
        } else {
          CHECK(s.bytes.size() <= 140);
        }
      }
      auto c = count_segments(text, o);
      REQUIRE(c);
      if (mode != LongMessage::message_payload) CHECK(c->segments == r->segments.size());
    }
  }
}

TEST_CASE("names for command lines") {
  CHECK(encoding_from_name("auto") == Encoding::automatic);
  CHECK(encoding_from_name("gsm") == Encoding::gsm7);
  CHECK(encoding_from_name("ucs2") == Encoding::ucs2);
  CHECK(encoding_from_name("latin1") == Encoding::latin1);
  CHECK_FALSE(encoding_from_name("utf8"));
  CHECK(long_message_from_name("udh8") == LongMessage::udh8);
  CHECK(long_message_from_name("payload") == LongMessage::message_payload);
  CHECK(long_message_from_name("message_payload") == LongMessage::message_payload);
  CHECK_FALSE(long_message_from_name("udh"));
}
