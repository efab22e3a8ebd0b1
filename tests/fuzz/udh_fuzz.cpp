// Fuzz target: user data headers, received user data, and reassembly of concatenated parts.
//
// The last octets choose data_coding, UDHI, the error mode and how the input is cut into
// parts for the reassembler; the rest is user data.
//
// Properties:
// - parse_udh() accepts only a header that fits: UDHL + 1 octets, no more than the user data,
//   made of whole IEs (1 + sum of 2 + IE length). A concatenation it reports is valid (total
//   >= 1, 1 <= seqnum <= total). append_udh() of what it found parses back to the same values.
// - decode_user_data() in replace mode fails only for a malformed UDH or an unknown
//   data_coding; its text is UTF-8 for every text codec.
// - The reassembler, fed parts in input order with duplicates and bogus numbers, holds at most
//   max_pending messages, completes a message only with all its parts in sequence order, and
//   accounts for every stored part exactly once (completed, expired or evicted).

#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/reassembly.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "fuzz_check.hpp"

namespace {

namespace text = aiosmpp::text;
namespace gsm7 = aiosmpp::text::gsm7;

void check_udh(std::span<const std::uint8_t> user_data) {
  const auto udh = text::parse_udh(user_data);
  if (!udh) {
    AIOSMPP_FUZZ_CHECK(udh.error().code == text::TextErrc::invalid_udh, "UDH error code");
    return;
  }
  AIOSMPP_FUZZ_CHECK(!user_data.empty() && udh->length == std::size_t{user_data[0]} + 1u,
                     "the UDH takes UDHL + 1 octets");
  AIOSMPP_FUZZ_CHECK(udh->length <= user_data.size(), "the UDH fits the user data");
  std::size_t ie_octets = 0;
  for (const auto& ie : udh->elements)
    ie_octets += 2 + ie.data.size();
  AIOSMPP_FUZZ_CHECK(1 + ie_octets == udh->length, "the UDH is whole IEs");
  if (udh->concatenation) {
    const auto& c = *udh->concatenation;
    AIOSMPP_FUZZ_CHECK(c.total >= 1 && c.seqnum >= 1 && c.seqnum <= c.total,
                       "a reported concatenation is valid");
  }

  // Rebuild what the message layer can signal: concatenation and the shift tables. A single
  // shift alone is signalled with the default locking table, which has no IE of its own.
  gsm7::Tables tables;
  if (udh->locking_shift && gsm7::has_locking_table(*udh->locking_shift)) {
    tables.locking = *udh->locking_shift;
  }
  if (udh->single_shift) tables.single_shift = *udh->single_shift;
  std::vector<std::uint8_t> rebuilt;
  text::append_udh(rebuilt, udh->concatenation, tables);
  AIOSMPP_FUZZ_CHECK(rebuilt.size() == text::udh_length(udh->concatenation, tables),
                     "udh_length() matches append_udh()");
  if (rebuilt.empty()) {
    AIOSMPP_FUZZ_CHECK(!udh->concatenation && tables == gsm7::Tables{},
                       "append_udh() writes something to signal");
    return;
  }
  const auto back = text::parse_udh(rebuilt);
  AIOSMPP_FUZZ_CHECK(back.has_value(), "append_udh() output parses");
  AIOSMPP_FUZZ_CHECK(back->length == rebuilt.size(), "rebuilt UDH length");
  AIOSMPP_FUZZ_CHECK(back->concatenation == udh->concatenation, "concatenation round trip");
  const gsm7::Tables back_tables{back->locking_shift.value_or(gsm7::Language::none),
                                 back->single_shift.value_or(gsm7::Language::none)};
  AIOSMPP_FUZZ_CHECK(back_tables == tables, "national tables round trip");
}

void check_user_data(std::span<const std::uint8_t> user_data, std::uint8_t data_coding, bool udhi,
                     aiosmpp::ErrorMode mode) {
  text::TextDecodeOptions options;
  options.errors = mode;
  const auto decoded = text::decode_user_data(user_data, data_coding, udhi, options);
  const auto* codec = text::CodecRegistry::builtin().find(data_coding);
  if (!decoded) {
    AIOSMPP_FUZZ_CHECK(!decoded.error().message.empty(), "every error has a message");
    if (mode == aiosmpp::ErrorMode::replace && codec != nullptr &&
        codec->unit() == text::Unit::septet) {
      AIOSMPP_FUZZ_CHECK(udhi && !text::parse_udh(user_data).has_value(),
                         "GSM user data fails in replace mode only for a bad UDH");
    }
    return;
  }
  AIOSMPP_FUZZ_CHECK(codec != nullptr, "only a known data_coding decodes");
  AIOSMPP_FUZZ_CHECK(decoded->udh.has_value() == udhi, "the UDH is parsed exactly when UDHI");
  if (codec != &text::binary_codec()) {
    AIOSMPP_FUZZ_CHECK(text::utf8::validate(decoded->text).has_value(), "decoded text is UTF-8");
  }
}

struct Tally {
  std::size_t stored = 0;
  std::size_t accounted = 0;
};

void check_reassembly(FuzzedDataProvider& provider) {
  using R = text::Reassembler<int>;
  R::Config config;
  config.timeout = std::chrono::milliseconds(provider.ConsumeIntegralInRange<int>(1, 50));
  config.max_pending = provider.ConsumeIntegralInRange<std::size_t>(1, 8);
  R reassembler(config);
  auto now = R::TimePoint{};
  Tally tally;
  int next_part = 0;

  const auto account = [&](const std::vector<R::Incomplete>& gone) {
    for (const auto& inc : gone) {
      AIOSMPP_FUZZ_CHECK(inc.parts.size() == inc.received.size(), "incomplete parts");
      AIOSMPP_FUZZ_CHECK(inc.received.size() + inc.missing.size() == inc.key.total,
                         "received + missing = total");
      tally.accounted += inc.parts.size();
    }
  };

  while (provider.remaining_bytes() >= 4) {
    text::ConcatKey key;
    key.source = std::string(1, static_cast<char>('a' + provider.ConsumeIntegralInRange(0, 2)));
    key.reference = provider.ConsumeIntegralInRange<std::uint16_t>(0, 3);
    key.total = provider.ConsumeIntegralInRange<std::uint8_t>(0, 5);
    const auto seqnum = provider.ConsumeIntegralInRange<std::uint8_t>(0, 6);
    now += std::chrono::milliseconds(provider.ConsumeIntegralInRange(0, 20));
    const int part = next_part++;
    const auto result = reassembler.add(key, seqnum, part, now);
    const bool valid = key.total != 0 && seqnum != 0 && seqnum <= key.total;
    AIOSMPP_FUZZ_CHECK(valid == (result.outcome != R::Outcome::invalid), "invalid parts");
    if (result.outcome == R::Outcome::pending || result.outcome == R::Outcome::complete) {
      ++tally.stored;
    }
    AIOSMPP_FUZZ_CHECK(result.message.has_value() == (result.outcome == R::Outcome::complete),
                       "a message comes with complete");
    if (result.message) {
      AIOSMPP_FUZZ_CHECK(result.message->key == key, "the completed key");
      AIOSMPP_FUZZ_CHECK(result.message->parts.size() == key.total, "every part completes");
      AIOSMPP_FUZZ_CHECK(result.message->parts[seqnum - 1u] == part, "parts in sequence order");
      tally.accounted += result.message->parts.size();
    }
    AIOSMPP_FUZZ_CHECK(reassembler.pending() <= config.max_pending, "max_pending holds");
    if (provider.ConsumeBool()) account(reassembler.expire(now));
  }
  account(reassembler.expire(now + config.timeout));
  AIOSMPP_FUZZ_CHECK(reassembler.pending() == 0, "everything expires");
  AIOSMPP_FUZZ_CHECK(tally.stored == tally.accounted, "every stored part is accounted for once");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const auto data_coding = provider.ConsumeIntegral<std::uint8_t>();
  const auto flags = provider.ConsumeIntegral<std::uint8_t>();
  const auto user_data = provider.ConsumeRemainingBytes<std::uint8_t>();
  const std::span<const std::uint8_t> in(user_data);

  check_udh(in);
  const auto mode = (flags & 0x02) != 0 ? aiosmpp::ErrorMode::strict : aiosmpp::ErrorMode::replace;
  check_user_data(in, data_coding, (flags & 0x01) != 0, mode);

  FuzzedDataProvider parts(user_data.data(), user_data.size());
  check_reassembly(parts);
  return 0;
}
