// Fuzz target: the message layer's text codecs (GSM 03.38 unpacked and packed with every pair of
// national tables, UCS2, Latin-1, IA5, binary, the iconv codings of data_coding 5, 6, 7, 9, 10,
// 13 and 14, and decoding by data_coding).
//
// The last octets of the input choose the codec, error mode (strict, replace, ignore), tables and
// fill bits (FuzzedDataProvider takes integers from the end); the rest is the encoded text.
//
// Properties:
// - Whatever decodes (except with the binary codec, documented as not UTF-8) is valid UTF-8.
// - Strict decoding that succeeds re-encodes in strict mode, and decoding that again gives the
//   same text. Byte for byte the encoding is the input again for UCS2, Latin-1 and IA5, and for
//   unpacked GSM 03.38 with the default tables when there is no escape: in other cases GSM has
//   documented many-to-one decodings (`ESC x` without an extension entry reads as `x`, `ESC ESC`
//   as a space, characters present in both tables of a national pair).
// - GSM replace- and ignore-mode decoding never fail (documented).
// - The same bytes read as UTF-8 text: strict encoding that succeeds decodes back to that text
//   (for packed GSM minus a final septet 0, `@` in the default table, when it lands where
//   unpack_all reads 7 zero bits as padding: the documented ambiguity), and count_septets() equals
//   the unpacked septet count.
// - pack() then unpack() gives the septets back for every fill.
// - Replace and ignore modes never fail on valid input; ignore never writes more than replace.
// - The iconv codings: strict decoding that succeeds re-encodes and decodes to the same text
//   (byte for byte again for the single-octet ISO-8859-5/-8; not for a stray ESC that
//   ISO-2022-JP reads as a character and refuses to write); text they encode decodes strictly
//   (to the same text for ISO-8859-5/-8; the multi-octet sets have many-to-one encodings: `¥`
//   and `\` are both 0x5C in Shift_JIS); split() into 8-bit UDH segments gives segments of at
//   most 140 octets that each decode on their own, and (except EUC-KR, whose Annex 3 sequences
//   can join a filler and jamo written as separate characters) whose texts join into the text
//   of the whole encoding.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/split.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "fuzz_check.hpp"

namespace {

namespace text = aiosmpp::text;
namespace gsm7 = aiosmpp::text::gsm7;
using aiosmpp::ErrorMode;

bool valid_utf8(std::string_view s) {
  return text::utf8::validate(s).has_value();
}

gsm7::Language language(std::uint8_t id) {
  return static_cast<gsm7::Language>(id % gsm7::language_count);
}

// unpack_all() reads 7 zero bits at the end as padding, not as septet 0 (SMPP carries no
// septet count): a text ending in septet 0 of its locking table (`@` in the default alphabet)
// comes back without it when its septets fill the last octet. Documented in gsm7.hpp.
bool drops_final_zero_septet(std::string_view text, std::string_view again, gsm7::Tables tables) {
  char32_t zero = gsm7::to_unicode(0, tables.locking);
  if (zero == 0) zero = gsm7::to_unicode(0);
  std::string last;
  text::utf8::append(last, zero);
  return text.size() == again.size() + last.size() && text.substr(again.size()) == last &&
         text.substr(0, again.size()) == again;
}

// Decode, then the round-trip properties of a strict decode.
void check_decode(const text::Codec& codec, std::span<const std::uint8_t> bytes, ErrorMode mode,
                  bool exact) {
  const auto decoded = text::decode(bytes, codec, mode);
  const bool is_gsm = codec.unit() == text::Unit::septet;
  if (is_gsm && mode != ErrorMode::strict) {
    AIOSMPP_FUZZ_CHECK(decoded.has_value(), "GSM 03.38 replace and ignore decoding never fail");
  }
  if (!decoded) {
    AIOSMPP_FUZZ_CHECK(!decoded.error().message.empty(), "every error has a message");
    return;
  }
  AIOSMPP_FUZZ_CHECK(valid_utf8(*decoded), "decoded text is UTF-8");
  if (mode != ErrorMode::strict) return;

  const auto encoded = text::encode(*decoded, codec, ErrorMode::strict);
  AIOSMPP_FUZZ_CHECK(encoded.has_value(), "strictly decoded text re-encodes strictly");
  if (exact) {
    AIOSMPP_FUZZ_CHECK(encoded->size() == bytes.size() &&
                           std::equal(encoded->begin(), encoded->end(), bytes.begin()),
                       "decode -> encode gives the input back");
  }
  const auto again = text::decode(*encoded, codec, ErrorMode::strict);
  AIOSMPP_FUZZ_CHECK(again.has_value(), "re-encoded text decodes");
  const bool packed = is_gsm && static_cast<const text::Gsm7Codec&>(codec).packed();
  const bool same =
      *again == *decoded ||
      (packed && drops_final_zero_septet(*decoded, *again,
                                         static_cast<const text::Gsm7Codec&>(codec).tables()));
  if (!same) std::fprintf(stderr, "decoded: [%s]\nagain: [%s]\n", decoded->c_str(), again->c_str());
  AIOSMPP_FUZZ_CHECK(same, "decode -> encode -> decode gives the same text");
}

// The input as UTF-8 text to encode.
void check_encode(const text::Codec& codec, std::string_view utf8, ErrorMode mode) {
  const auto encoded = text::encode(utf8, codec, mode);
  if (!encoded) {
    AIOSMPP_FUZZ_CHECK(!encoded.error().message.empty(), "every error has a message");
    return;
  }
  AIOSMPP_FUZZ_CHECK(valid_utf8(utf8) || &codec == &text::binary_codec(),
                     "only valid UTF-8 encodes");
  const bool is_gsm = codec.unit() == text::Unit::septet;
  const bool packed = is_gsm && static_cast<const text::Gsm7Codec&>(codec).packed();
  if (packed) {
    // When the septets fill the last octet and the last is 0, unpack_all() reads it as padding
    // (see drops_final_zero_septet); after an escape that leaves a trailing ESC, which strict
    // decoding rightly refuses. Only the other cases must decode strictly.
    const text::Gsm7Codec unpacked(false, static_cast<const text::Gsm7Codec&>(codec).tables());
    const auto septets = text::encode(utf8, unpacked, mode);
    AIOSMPP_FUZZ_CHECK(septets.has_value(), "packed and unpacked encode alike");
    if (!septets->empty() && septets->back() == 0 && septets->size() % 8 == 0) return;
  }
  const auto decoded = text::decode(*encoded, codec, ErrorMode::strict);
  AIOSMPP_FUZZ_CHECK(decoded.has_value(), "encoded text decodes strictly");
  if (mode != ErrorMode::strict) return;
  const bool same =
      *decoded == utf8 ||
      (packed && drops_final_zero_septet(utf8, *decoded,
                                         static_cast<const text::Gsm7Codec&>(codec).tables()));
  AIOSMPP_FUZZ_CHECK(same, "encode -> decode gives the text back");
  if (is_gsm && !packed) {
    const auto tables = static_cast<const text::Gsm7Codec&>(codec).tables();
    const auto septets = gsm7::count_septets(utf8, tables);
    AIOSMPP_FUZZ_CHECK(septets.has_value() && *septets == encoded->size(),
                       "count_septets() matches the encoding");
  }
}

void check_packing(std::span<const std::uint8_t> bytes, unsigned fill) {
  std::vector<std::uint8_t> packed;
  gsm7::pack(bytes, packed, fill);
  AIOSMPP_FUZZ_CHECK(packed.size() == gsm7::packed_size(bytes.size(), fill), "packed_size()");
  const auto septets = gsm7::unpack(packed, bytes.size(), fill);
  AIOSMPP_FUZZ_CHECK(septets.size() == bytes.size(), "unpack() gives every septet");
  for (std::size_t i = 0; i < septets.size(); ++i) {
    AIOSMPP_FUZZ_CHECK(septets[i] == (bytes[i] & 0x7F), "pack -> unpack gives the septets back");
  }
  const auto all = gsm7::unpack_all(packed, fill);
  AIOSMPP_FUZZ_CHECK(all.size() <= gsm7::septet_capacity(packed.size(), fill),
                     "unpack_all() stays within the octets");
}

// The properties of one of the iconv codecs, on the input as encoded text and as UTF-8 text.
void check_iconv(std::uint8_t data_coding, std::span<const std::uint8_t> bytes,
                 std::string_view utf8, ErrorMode mode) {
  const text::Codec& codec = *text::CodecRegistry::builtin().find(data_coding);
  const bool single_octet = data_coding == 6 || data_coding == 7;
  const auto decoded = text::decode(bytes, codec, mode);
  if (mode != ErrorMode::strict) {
    AIOSMPP_FUZZ_CHECK(decoded.has_value(), "replace and ignore decoding never fail");
    const auto other = text::decode(
        bytes, codec, mode == ErrorMode::ignore ? ErrorMode::replace : ErrorMode::ignore);
    AIOSMPP_FUZZ_CHECK(other.has_value(), "replace and ignore decoding never fail");
    const auto& ignored = mode == ErrorMode::ignore ? *decoded : *other;
    const auto& replaced = mode == ErrorMode::ignore ? *other : *decoded;
    AIOSMPP_FUZZ_CHECK(ignored.size() <= replaced.size(), "ignore writes no more than replace");
  }
  if (decoded) {
    AIOSMPP_FUZZ_CHECK(valid_utf8(*decoded), "decoded text is UTF-8");
    // A stray ESC decodes as a character (in glibc as in Python) that the ISO-2022-JP encoder
    // refuses: written back, it would read as an escape sequence.
    const bool stray_escape = data_coding == 5 && decoded->find('\x1B') != std::string::npos;
    if (mode == ErrorMode::strict && !stray_escape) {
      const auto encoded = text::encode(*decoded, codec, ErrorMode::strict);
      AIOSMPP_FUZZ_CHECK(encoded.has_value(), "strictly decoded text re-encodes strictly");
      if (single_octet) {
        AIOSMPP_FUZZ_CHECK(encoded->size() == bytes.size() &&
                               std::equal(encoded->begin(), encoded->end(), bytes.begin()),
                           "decode -> encode gives the input back");
      }
      const auto again = text::decode(*encoded, codec, ErrorMode::strict);
      AIOSMPP_FUZZ_CHECK(again.has_value() && *again == *decoded,
                         "decode -> encode -> decode gives the same text");
    }
  }
  if (!valid_utf8(utf8)) return;
  const auto encoded = text::encode(utf8, codec, mode);
  AIOSMPP_FUZZ_CHECK(encoded.has_value() || mode == ErrorMode::strict,
                     "replace and ignore encoding never fail on UTF-8");
  if (!encoded) {
    AIOSMPP_FUZZ_CHECK(encoded.error().code == text::TextErrc::unencodable,
                       "strict encoding fails only for a character the set lacks");
    return;
  }
  const auto back = text::decode(*encoded, codec, ErrorMode::strict);
  AIOSMPP_FUZZ_CHECK(back.has_value(), "encoded text decodes strictly");
  if (single_octet && mode == ErrorMode::strict) {
    AIOSMPP_FUZZ_CHECK(*back == utf8, "encode -> decode gives the text back");
  }

  text::SplitOptions o;
  o.encoding = text::Encoding::custom;
  o.custom_data_coding = data_coding;
  o.long_message = text::LongMessage::udh8;
  o.errors = mode;
  o.reference = 1;
  const auto split = text::split(utf8, o);
  if (!split) {
    AIOSMPP_FUZZ_CHECK(split.error().code == text::TextErrc::too_long,
                       "what encodes splits, unless it needs more than 255 segments");
    return;
  }
  std::string joined;
  for (const auto& seg : split->segments) {
    AIOSMPP_FUZZ_CHECK(seg.bytes.size() <= 140, "a segment fits one SMS");
    const auto part = text::decode(std::span<const std::uint8_t>(seg.bytes).subspan(seg.udh_length),
                                   codec, ErrorMode::strict);
    AIOSMPP_FUZZ_CHECK(part.has_value(), "every segment decodes on its own");
    joined += *part;
  }
  if (data_coding != 14) AIOSMPP_FUZZ_CHECK(joined == *back, "the segments join into the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const auto selector = provider.ConsumeIntegral<std::uint8_t>();
  const auto locking = language(provider.ConsumeIntegral<std::uint8_t>());
  const auto single_shift = language(provider.ConsumeIntegral<std::uint8_t>());
  const unsigned fill = provider.ConsumeIntegralInRange<unsigned>(0, 6);
  const auto bytes = provider.ConsumeRemainingBytes<std::uint8_t>();
  const std::span<const std::uint8_t> in(bytes);
  const std::string_view as_text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const ErrorMode mode = static_cast<ErrorMode>((selector >> 6) % 3);

  // Codec instances for a locking table that does not exist (Spanish) fall back per 23.038.
  const gsm7::Tables tables{locking, single_shift};
  const bool default_tables = tables == gsm7::Tables{};
  const text::Gsm7Codec unpacked(false, tables);
  const text::Gsm7Codec packed(true, tables);
  bool has_escape = false;
  for (const auto b : bytes)
    has_escape = has_escape || b == gsm7::escape;

  switch (selector & 0x0F) {
    case 0:
      check_decode(unpacked, in, mode, default_tables && !has_escape);
      check_encode(unpacked, as_text, mode);
      break;
    case 1:
      check_decode(packed, in, mode, false);
      check_encode(packed, as_text, mode);
      break;
    case 2:
      check_decode(text::ucs2_codec(), in, mode, true);
      check_encode(text::ucs2_codec(), as_text, mode);
      break;
    case 3:
      check_decode(text::latin1_codec(), in, mode, true);
      check_encode(text::latin1_codec(), as_text, mode);
      break;
    case 4:
      check_decode(text::ascii_codec(), in, mode, true);
      check_encode(text::ascii_codec(), as_text, mode);
      break;
    case 5: {
      const auto raw = text::decode(in, text::binary_codec(), mode);
      AIOSMPP_FUZZ_CHECK(raw.has_value() && *raw == as_text, "binary decodes as the octets");
      check_packing(in, fill);
      break;
    }
    case 6:
    case 7:
    case 8:
    case 9:
    case 10:
    case 11: {
      constexpr std::uint8_t codings[] = {5, 6, 7, 9, 13, 14};
      check_iconv(codings[(selector & 0x0F) - 6], in, as_text, mode);
      break;
    }
    default: {
      // By data_coding, as a receiver does; the data_coding is the first octet.
      const auto data_coding = bytes.empty() ? std::uint8_t{0} : bytes.front();
      const auto decoded = text::decode(in, data_coding, text::CodecRegistry::builtin(), mode);
      const auto* codec = text::CodecRegistry::builtin().find(data_coding);
      AIOSMPP_FUZZ_CHECK(decoded.has_value() || !decoded.error().message.empty(),
                         "every error has a message");
      if (decoded && codec != &text::binary_codec()) {
        AIOSMPP_FUZZ_CHECK(codec != nullptr, "only a known data_coding decodes");
        AIOSMPP_FUZZ_CHECK(valid_utf8(*decoded), "decoded text is UTF-8");
      }
      break;
    }
  }
  return 0;
}
