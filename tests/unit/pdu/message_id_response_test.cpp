// decode_message_id_response(): the Esme's hot path reads every submit_sm_resp with it instead of
// decode_view(), so it must accept and refuse exactly what decode_view() does, with the same
// CodecError, and read the same message_id and TLVs.

#include <random>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdu.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::from_hex;

namespace {

std::vector<std::uint8_t> bytes_of(const Pdu& pdu) {
  std::vector<std::uint8_t> out;
  REQUIRE(encode(pdu, out));
  return out;
}

// A submit_sm_resp (or another message_id response) with message_id `id`.
template <class R = SubmitSmResp>
R resp(std::string id, std::uint32_t seq = 7) {
  R r;
  r.header = {CommandStatus::ok, seq};
  r.message_id = std::move(id);
  return r;
}

// The PDU as `bytes` with command_length set to their size (for bodies spliced by hand).
std::vector<std::uint8_t> with_length(std::vector<std::uint8_t> bytes) {
  const auto n = static_cast<std::uint32_t>(bytes.size());
  for (std::size_t i = 0; i < 4; ++i)
    bytes[i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  return bytes;
}

// Both readers agree on `bytes`: both accept (with the same fields) or both refuse (with the
// same error). Returns whether they accepted.
template <class View = SubmitSmRespView>
bool agree(const std::vector<std::uint8_t>& bytes, const DecodeOptions& options = {}) {
  const auto fast = decode_message_id_response(bytes, options);
  const auto full = decode_view(bytes, options);
  REQUIRE(fast.has_value() == full.has_value());
  if (!fast) {
    CHECK(fast.error() == full.error());
    return false;
  }
  const auto* v = std::get_if<View>(&*full);
  REQUIRE(v != nullptr);
  CHECK(fast->header.command_id == View::command_id);
  CHECK(fast->header.command_status == v->header.command_status);
  CHECK(fast->header.sequence_number == v->header.sequence_number);
  CHECK(fast->has_body == v->has_body);
  CHECK(fast->message_id == v->message_id);
  CHECK(fast->tlvs == v->tlvs);
  return true;
}

}  // namespace

TEST_CASE("message_id response: message_id without TLVs", "[pdu][fast]") {
  const auto bytes = bytes_of(resp("abc-123", 42));
  REQUIRE(agree(bytes));
  const auto r = decode_message_id_response(bytes);
  CHECK(r->message_id == "abc-123");
  CHECK(r->header.sequence_number == 42);
  CHECK(r->tlvs.empty());
  CHECK_FALSE(r->tlvs.get<tlv::CongestionState>());
}

TEST_CASE("message_id response: congestion_state read from the TLVs", "[pdu][fast]") {
  auto r = resp("m1");
  r.tlvs.add(0x1400, std::vector<std::uint8_t>{1, 2, 3});  // unknown tags are kept and skipped
  r.tlvs.set<tlv::CongestionState>(90);
  const auto bytes = bytes_of(r);
  REQUIRE(agree(bytes));
  const auto fast = decode_message_id_response(bytes);
  CHECK(fast->message_id == "m1");
  CHECK(fast->tlvs.get<tlv::CongestionState>() == std::optional<std::uint8_t>(90));
}

TEST_CASE("message_id response: header only, and an empty (NULL) message_id", "[pdu][fast]") {
  auto bodiless = resp("");
  bodiless.header.command_status = CommandStatus::throttled;
  bodiless.has_body = false;
  REQUIRE(agree(bytes_of(bodiless)));
  CHECK_FALSE(decode_message_id_response(bytes_of(bodiless))->has_body);
  const auto empty = decode_message_id_response(bytes_of(resp("")));
  REQUIRE(empty);
  CHECK(empty->has_body);
  CHECK(empty->message_id.empty());
}

TEST_CASE("message_id response: every command with a message_id body", "[pdu][fast]") {
  CHECK(agree<DeliverSmRespView>(bytes_of(resp<DeliverSmResp>("d"))));
  CHECK(agree<DataSmRespView>(bytes_of(resp<DataSmResp>("e"))));
  CHECK(agree<BroadcastSmRespView>(bytes_of(resp<BroadcastSmResp>("f"))));
  CHECK(agree<QueryBroadcastSmRespView>(bytes_of(resp<QueryBroadcastSmResp>("g"))));
  CHECK(has_message_id_body(CommandId::submit_sm_resp));
  CHECK_FALSE(has_message_id_body(CommandId::submit_multi_resp));
  CHECK_FALSE(has_message_id_body(CommandId::submit_sm));
  // A 5.0 command on a 3.4 session is refused as decode_view() refuses it.
  const DecodeOptions v34{.version = InterfaceVersion::smpp_3_4};
  CHECK_FALSE(agree<BroadcastSmRespView>(bytes_of(resp<BroadcastSmResp>("f")), v34));
  CHECK(decode_message_id_response(bytes_of(resp<BroadcastSmResp>("f")), v34).error().problem ==
        CodecProblem::command_not_in_version);
}

TEST_CASE("message_id response: malformed ones fail as decode_view() fails", "[pdu][fast]") {
  auto problem = [](const std::vector<std::uint8_t>& bytes, DecodeOptions o = {}) {
    CHECK_FALSE(agree(bytes, o));
    return decode_message_id_response(bytes, o).error().problem;
  };
  auto bytes = bytes_of(resp("abc"));
  SECTION("message_id without its NUL") {
    bytes.back() = 'z';
    CHECK(problem(bytes) == CodecProblem::unterminated_c_string);
  }
  SECTION("message_id over 64 characters") {
    // The encoder refuses to write one: "abc" grows to 65 characters in place.
    bytes.insert(bytes.end() - 1, 62, 'x');
    CHECK(problem(with_length(bytes)) == CodecProblem::c_string_too_long);
  }
  SECTION("congestion_state of two octets") {
    bytes.insert(bytes.end(), {0x04, 0x28, 0x00, 0x02, 0x01, 0x02});
    CHECK(problem(with_length(bytes)) == CodecProblem::tlv_length_invalid);
  }
  SECTION("a TLV running past the end") {
    bytes.insert(bytes.end(), {0x04, 0x28, 0x00, 0x05, 0x01});
    CHECK(problem(with_length(bytes)) == CodecProblem::tlv_length_past_end);
  }
  SECTION("octets after the last TLV") {
    bytes.insert(bytes.end(), {0x04, 0x28});
    CHECK(problem(with_length(bytes)) == CodecProblem::tlv_header_truncated);
  }
  SECTION("command_length other than the octets given, or above the limit") {
    bytes.push_back(0);
    CHECK(problem(bytes) == CodecProblem::length_mismatch);
    CHECK(problem(bytes_of(resp("abc")), DecodeOptions{19}) ==
          CodecProblem::command_length_too_large);
    CHECK(problem(from_hex("0000000f 80000004 00000000 00000002")) ==
          CodecProblem::command_length_too_small);
  }
}

TEST_CASE("message_id response: another command is refused, whatever its body", "[pdu][fast]") {
  QuerySmResp q;
  q.message_id = "abc";
  const auto r = decode_message_id_response(bytes_of(q));
  REQUIRE_FALSE(r);
  CHECK(r.error().error == errc::unknown_command);
  CHECK(r.error().problem == CodecProblem::unknown_command_id);
  CHECK(r.error().command_id == CommandId::query_sm_resp);
}

TEST_CASE("message_id response: agrees with decode_view() on mutated octets", "[pdu][fast]") {
  // Single-octet changes and truncations of a response with TLVs: whatever either reader makes of
  // them, the other makes the same.
  auto base = resp("0123456789abcdef");
  base.tlvs.set<tlv::CongestionState>(42);
  base.tlvs.add(0x1400, std::vector<std::uint8_t>{9});
  const auto good = bytes_of(base);
  std::mt19937 rng(20261207);
  std::size_t accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    auto bytes = good;
    std::uniform_int_distribution<std::size_t> at(16, bytes.size() - 1);
    bytes[at(rng)] = static_cast<std::uint8_t>(rng());
    if (i % 4 == 0) bytes.resize(at(rng));
    if (i % 2 == 0) bytes = with_length(bytes);
    if (agree(bytes)) ++accepted;
  }
  CHECK(accepted > 0);  // some mutations stay valid (a changed message_id character, say)
  CHECK(accepted < 2000);
}

TEST_CASE("message_id_of: the message_id of any PDU that has one, else empty", "[pdu][fast]") {
  CHECK(message_id_of(Pdu{resp("a")}) == "a");
  CHECK(message_id_of(Pdu{resp<DataSmResp>("b")}) == "b");
  CHECK(message_id_of(Pdu{resp<DeliverSmResp>("c")}) == "c");
  SubmitMultiResp multi;
  multi.message_id = "d";
  CHECK(message_id_of(Pdu{multi}) == "d");
  CHECK(message_id_of(Pdu{GenericNack{}}).empty());
  CHECK(message_id_of(Pdu{SubmitSm{}}).empty());
  // The views too, as header_of() takes both.
  const auto bytes = bytes_of(resp("e"));
  const auto view = decode_view(bytes);
  REQUIRE(view);
  CHECK(message_id_of(*view) == "e");
}
