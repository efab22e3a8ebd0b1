#include <chrono>
#include <string>
#include <vector>

#include "aiosmpp/text/message_id.hpp"
#include "aiosmpp/text/reassembly.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp::text;
using aiosmpp::test::from_hex;
using Bytes = std::vector<std::uint8_t>;

TEST_CASE("udh: concatenation found anywhere, 16-bit reference is two octets") {
  // Port IE first, then the 8-bit concatenation IE (aiosmpplib assumed it came first).
  auto h = parse_udh(from_hex("0B 05 04 0B 84 23 F0 00 03 A7 03 02 41 42"));
  REQUIRE(h);
  CHECK(h->length == 12);
  REQUIRE(h->elements.size() == 2);
  CHECK(h->elements[0].id == 0x05);
  REQUIRE(h->concatenation);
  CHECK(*h->concatenation == Concatenation{0xA7, 3, 2, false});

  auto h16 = parse_udh(from_hex("06 08 04 12 34 05 01 61"));
  REQUIRE(h16);
  REQUIRE(h16->concatenation);
  CHECK(*h16->concatenation == Concatenation{0x1234, 5, 1, true});

  auto nl = parse_udh(from_hex("0B 25 01 01 24 01 02 00 03 01 02 02"));
  REQUIRE(nl);
  CHECK(nl->locking_shift == gsm7::Language::turkish);
  CHECK(nl->single_shift == gsm7::Language::spanish);
  CHECK(nl->concatenation);
  // Spanish has no locking table; reserved ids are ignored.
  auto odd = parse_udh(from_hex("06 25 01 02 24 01 0E"));
  REQUIRE(odd);
  CHECK_FALSE(odd->locking_shift);
  CHECK_FALSE(odd->single_shift);
}

TEST_CASE("udh: invalid concatenation values are ignored, malformed headers are errors") {
  for (const char* hex :
       {"05 00 03 01 00 01", "05 00 03 01 02 00", "05 00 03 01 02 03", "04 00 02 01 02"}) {
    INFO(hex);
    auto h = parse_udh(from_hex(hex));
    REQUIRE(h);
    CHECK_FALSE(h->concatenation);
  }
  for (const char* hex : {"", "05 00 03 01 02", "03 00 03 01", "02 00"}) {
    INFO(hex);
    auto h = parse_udh(from_hex(hex));
    REQUIRE_FALSE(h);
    CHECK(h.error().code == TextErrc::invalid_udh);
  }
}

TEST_CASE("udh: building what split writes") {
  Bytes out;
  append_udh(out, Concatenation{0x1234, 3, 1, true},
             {gsm7::Language::portuguese, gsm7::Language::portuguese});
  CHECK(out == from_hex("0C 08 04 12 34 03 01 24 01 03 25 01 03"));
  CHECK(udh_length(Concatenation{}, {}) == 6);
  CHECK(udh_length(std::nullopt, {}) == 0);
  out.clear();
  append_udh(out, std::nullopt, {});
  CHECK(out.empty());
}

TEST_CASE("user data: received text by data_coding, UDH stripped, tables honoured") {
  auto plain = decode_user_data(from_hex("48 65 6C 6C 6F"), 0, false);
  REQUIRE(plain);
  CHECK(plain->text == "Hello");
  CHECK_FALSE(plain->udh);

  auto ucs2 = decode_user_data(from_hex("05 00 03 07 02 01 04 1F D8 3D DE 00"), 8, true);
  REQUIRE(ucs2);
  CHECK(ucs2->text == "П\xF0\x9F\x98\x80");
  REQUIRE(ucs2->udh);
  CHECK(ucs2->udh->concatenation->reference == 7);

  // Turkish locking table: septet 0x07 is 'ı', 0x40 is 'İ'.
  auto tr = decode_user_data(from_hex("03 25 01 01 07 40"), 0, true);
  REQUIRE(tr);
  CHECK(tr->text == "ıİ");

  auto latin = decode_user_data(from_hex("63 61 66 E9"), 3, false);
  REQUIRE(latin);
  CHECK(latin->text == "café");

  auto unknown = decode_user_data(from_hex("00"), 0x0B, false);  // reserved
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == TextErrc::unknown_data_coding);
  auto bad_udh = decode_user_data(from_hex("09 00 03"), 0, true);
  REQUIRE_FALSE(bad_udh);
  CHECK(bad_udh.error().code == TextErrc::invalid_udh);
  auto strict = decode_user_data(from_hex("D8 3D"), 8, false, {nullptr, ErrorMode::strict});
  REQUIRE_FALSE(strict);
  auto lenient = decode_user_data(from_hex("D8 3D"), 8, false);
  REQUIRE(lenient);
  CHECK(lenient->text == "?");
}

TEST_CASE("user data: packed default alphabet with a UDH skips the fill bits") {
  CodecRegistry reg;
  reg.set_default_alphabet(std::shared_ptr<const Codec>(&gsm7_packed_codec(), [](const Codec*) {}));
  SplitOptions o;
  o.registry = &reg;
  o.long_message = LongMessage::udh8;
  std::string text(200, 'x');
  text += "€ end";
  auto r = split(text, o);
  REQUIRE(r);
  REQUIRE(r->encoding == Encoding::gsm7_packed);
  std::string joined;
  for (const auto& s : r->segments) {
    auto d = decode_user_data(s.bytes, r->data_coding, r->udhi, {&reg, ErrorMode::strict});
    REQUIRE(d);
    joined += d->text;
  }
  CHECK(joined == text);
}

TEST_CASE("reassembly: any order, duplicates ignored, metadata kept") {
  using R = Reassembler<std::string>;
  R r;
  const auto t0 = R::Clock::time_point{};
  const ConcatKey key{"4477001", "1234", 0x42, 3};
  CHECK(r.add(key, 3, "c", t0).outcome == R::Outcome::pending);
  CHECK(r.add(key, 1, "a", t0).outcome == R::Outcome::pending);
  CHECK(r.add(key, 1, "A again", t0).outcome == R::Outcome::duplicate);
  CHECK(r.add(key, 0, "zero", t0).outcome == R::Outcome::invalid);
  CHECK(r.add(key, 4, "four", t0).outcome == R::Outcome::invalid);
  // Same reference from another sender is another message.
  ConcatKey other = key;
  other.source = "4477002";
  CHECK(r.add(other, 1, "x", t0).outcome == R::Outcome::pending);
  CHECK(r.pending() == 2);
  auto done = r.add(key, 2, "b", t0);
  REQUIRE(done.outcome == R::Outcome::complete);
  REQUIRE(done.message);
  CHECK(done.message->parts == std::vector<std::string>{"a", "b", "c"});
  CHECK(done.message->key == key);
  CHECK(r.pending() == 1);
  // A late duplicate of a finished message starts a new partial one rather than a wrong message.
  CHECK(r.add(key, 2, "b", t0).outcome == R::Outcome::pending);
  auto single = r.add(ConcatKey{"a", "b", 1, 1}, 1, "only", t0);
  CHECK(single.outcome == R::Outcome::complete);
}

TEST_CASE("reassembly: partial messages expire and are reported, never dropped silently") {
  using R = Reassembler<int>;
  R r({std::chrono::seconds(30), 2});
  const auto t0 = R::Clock::time_point{} + std::chrono::hours(1);
  r.add(ConcatKey{"s", "d", 1, 3}, 2, 20, t0);
  r.add(ConcatKey{"s", "d", 2, 2}, 1, 10, t0 + std::chrono::seconds(10));
  CHECK(r.expire(t0 + std::chrono::seconds(29)).empty());
  auto gone = r.expire(t0 + std::chrono::seconds(30));
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].key.reference == 1);
  CHECK(gone[0].parts == std::vector<int>{20});
  CHECK(gone[0].received == std::vector<std::uint8_t>{2});
  CHECK(gone[0].missing == std::vector<std::uint8_t>{1, 3});
  CHECK(gone[0].reason == R::Incomplete::Reason::expired);
  CHECK(r.pending() == 1);
  // max_pending 2: a third message evicts the oldest, reported at the next expire().
  r.add(ConcatKey{"s", "d", 3, 2}, 1, 30, t0 + std::chrono::seconds(31));
  r.add(ConcatKey{"s", "d", 4, 2}, 1, 40, t0 + std::chrono::seconds(32));
  CHECK(r.pending() == 2);
  auto evicted = r.expire(t0 + std::chrono::seconds(33));
  REQUIRE(evicted.size() == 1);
  CHECK(evicted[0].key.reference == 2);
  CHECK(evicted[0].reason == R::Incomplete::Reason::evicted);
}

TEST_CASE("message ids: hex in one place, decimal in another") {
  MessageIdNormalizer n({IdForm::hex, IdForm::decimal});
  // cloudhopper's real-world receipt: receipted_message_id 38601fa, id:0059113978.
  CHECK(n.response_key("38601fa") == n.receipt_key("0059113978"));
  CHECK(n.response_key("0x38601FA") == "59113978");
  CHECK(n.receipt_key(" 0059113978\0") == "59113978");
  CHECK(n.response_key("16fee0e525") == n.receipt_key("98765432101"));
  // Not a number in that form: compared as text.
  CHECK(n.response_key("74E02EE1-4E2F") == "74e02ee1-4e2f");
  MessageIdNormalizer text_rule;
  CHECK(text_rule.response_key("00ABC") == text_rule.receipt_key("abc"));
  CHECK(text_rule.response_key("0000") == "0");
  MessageIdNormalizer exact({IdForm::text, IdForm::text, false, false});
  CHECK(exact.response_key("00ABC") != exact.receipt_key("abc"));
  // Too long for 64 bits: falls back to text rather than overflowing.
  CHECK(normalize_message_id("123456789012345678901234", IdForm::decimal) ==
        "123456789012345678901234");
}
