// Round trips. Whatever decode() accepts with its defaults, encode() with its defaults writes
// back byte for byte (a gateway forwards PDUs on this promise): proven here over every committed
// vector and fuzz corpus entry, and over seeded random valid PDUs of every type (any byte where
// the spec allows any byte, strings up to their limits, every TLV at every legal length, TLVs
// outside a request's list, unknown tags, header-only error responses).

#include <cstddef>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "golden_file.hpp"
#include "support/catch.hpp"
#include "support/random_pdu.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::random_pdu;

namespace {

template <std::size_t I = 0>
void round_trip_all(std::mt19937_64& rng, int cases, std::size_t& checked) {
  if constexpr (I < std::variant_size_v<Pdu>) {
    using P = std::variant_alternative_t<I, Pdu>;
    INFO(command_name(P::command_id));
    for (int i = 0; i < cases; ++i) {
      const P original = random_pdu<P>(rng);
      std::vector<std::uint8_t> wire;
      auto enc = encode(original, wire);
      if (!enc) FAIL(enc.error().message());
      auto dec = decode(wire);
      if (!dec) FAIL(dec.error().message());
      REQUIRE(std::holds_alternative<P>(*dec));
      CHECK(std::get<P>(*dec) == original);
      auto view = decode_view(wire);
      REQUIRE(view);
      CHECK(to_owning(*view) == Pdu(original));
      std::vector<std::uint8_t> again;
      REQUIRE(encode(*view, again));
      CHECK(again == wire);
      ++checked;
    }
    round_trip_all<I + 1>(rng, cases, checked);
  }
}

/** Whether `bytes` decodes; when it does, checks that every way back gives exactly `bytes`. */
bool accepted_and_written_back(std::span<const std::uint8_t> bytes) {
  const auto owned = decode(bytes);
  const auto view = decode_view(bytes);
  REQUIRE(owned.has_value() == view.has_value());
  if (!owned) return false;
  INFO(aiosmpp::test::to_hex(bytes));
  const std::vector<std::uint8_t> expected(bytes.begin(), bytes.end());
  std::vector<std::uint8_t> out;
  const auto enc = encode(*owned, out);
  if (!enc) FAIL(enc.error().message());
  CHECK(out == expected);
  out.clear();
  REQUIRE(encode(*view, out));
  CHECK(out == expected);
  out.clear();
  REQUIRE(encode(to_owning(*view), out));
  CHECK(out == expected);
  CHECK(encoded_size(*owned).value() == bytes.size());
  CHECK(encoded_size(*view).value() == bytes.size());
  return true;
}

/** Tries `bytes` as one PDU, then as back-to-back PDUs (framer and session corpora are streams
 *  with configuration octets at the end); returns how many PDUs were accepted. */
std::size_t check_file(std::span<const std::uint8_t> bytes) {
  std::size_t accepted = 0;
  if (accepted_and_written_back(bytes)) ++accepted;
  std::size_t at = 0;
  while (bytes.size() - at >= pdu_header_size) {
    const auto h = read_header(bytes.subspan(at));
    if (!h || h->command_length < pdu_header_size || h->command_length > bytes.size() - at) break;
    if (h->command_length != bytes.size() || at != 0) {
      if (accepted_and_written_back(bytes.subspan(at, h->command_length))) ++accepted;
    }
    at += h->command_length;
  }
  return accepted;
}

}  // namespace

TEST_CASE("random round trip of every PDU type (seeded, 400 cases per type)") {
  std::mt19937_64 rng(0x5eed'2026'1126ULL);
  std::size_t checked = 0;
  round_trip_all(rng, 400, checked);
  CHECK(checked == 400 * std::variant_size_v<Pdu>);
}

TEST_CASE("every committed vector that decodes is written back byte for byte") {
  std::size_t accepted = 0;
  for (const auto& [name, bytes] : aiosmpp::test::golden_pdus()) {
    INFO(name);
    CHECK(accepted_and_written_back(bytes));  // the golden set is all valid
    ++accepted;
  }
  for (const auto& [bytes, description] :
       aiosmpp::test::json_vector_pdus(AIOSMPP_JSON_VECTORS_FILE)) {
    INFO(description);
    CHECK(accepted_and_written_back(bytes));
    ++accepted;
  }
  CHECK(accepted >= 60);
}

TEST_CASE("every fuzz corpus and regression input that decodes is written back byte for byte") {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  std::size_t accepted = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path root = fs::path(AIOSMPP_FUZZ_DIR) / kind;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      INFO(entry.path().string());
      const std::string text = aiosmpp::test::read_file(entry.path().string());
      const std::vector<std::uint8_t> bytes(text.begin(), text.end());
      accepted += check_file(bytes);
      ++files;
    }
  }
  // Not vacuous: the pdu_decode, framer and smsc_session corpora hold hundreds of valid PDUs.
  CHECK(files > 100);
  CHECK(accepted > 200);
}
