#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/render.hpp"
#include "aiosmpp/text/text.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::text;
using aiosmpp::test::from_hex;
using aiosmpp::test::repeat;
using aiosmpp::test::to_hex;

namespace {

std::vector<std::uint8_t> wire(const SubmitSm& pdu) {
  std::vector<std::uint8_t> out;
  auto r = encode(pdu, out);
  REQUIRE(r);
  return out;
}

RenderOptions fixed_reference(std::uint16_t ref) {
  RenderOptions o;
  o.reference_generator = [ref] { return ref; };
  return o;
}

}  // namespace

TEST_CASE("render: submit_sm with text becomes the reference sheet's golden bytes") {
  SubmitSm pdu;
  pdu.header.sequence_number = 2;
  pdu.source = {"Test", Ton::alphanumeric, Npi::unknown};
  pdu.destination = {"447700900123", Ton::international, Npi::isdn};
  pdu.text = MessageText{"Hello"};
  auto r = render(pdu);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK_FALSE((*r)[0].text);
  CHECK(to_hex(wire((*r)[0])) ==
        "000000360000000400000000000000020005005465737400010134343737303039303031323300000000"
        "00000100000005"
        "48656c6c6f");
}

TEST_CASE("render: without text the PDU is sent as given") {
  SubmitSm pdu;
  pdu.short_message = std::string("\x01\x02", 2);
  pdu.data_coding = DataCoding::binary;
  auto r = render(pdu);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0] == pdu);
}

TEST_CASE("render: UDH segments, UCS2, tracking kept on every part") {
  SubmitSm pdu;
  pdu.header.sequence_number = 7;
  pdu.tracking.log_id = "order-17";
  pdu.destination = {"447700900123", Ton::international, Npi::isdn};
  pdu.text = MessageText{repeat("Привет! ", 20), TextEncoding::automatic, 0, LongMessageMode::udh8};
  auto r = render(pdu, fixed_reference(0x5A));
  REQUIRE(r);
  REQUIRE(r->size() == 3);  // 160 UCS2 units: 67 + 67 + 26
  for (std::size_t i = 0; i < r->size(); ++i) {
    const auto& p = (*r)[i];
    CHECK(p.data_coding == DataCoding::ucs2);
    CHECK(has_udhi(p.esm_class));
    CHECK(p.tracking.log_id == "order-17");
    CHECK(p.header.sequence_number == 7);
    CHECK(to_hex(std::span(reinterpret_cast<const std::uint8_t*>(p.short_message.data()), 6)) ==
          fmt::format("0500035a03{:02x}", i + 1));
    CHECK(p.short_message.size() <= 140);
    wire(p);  // the codec accepts every part
  }
}

TEST_CASE("render: SAR TLVs, message_payload, and errors") {
  SubmitSm pdu;
  pdu.tlvs.set<tlv::SarMsgRefNum>(std::uint16_t{1});  // replaced, not duplicated
  pdu.text = MessageText{repeat("x", 200), TextEncoding::gsm7, 0, LongMessageMode::sar};
  auto r = render(pdu, fixed_reference(0xBEEF));
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK_FALSE(has_udhi((*r)[0].esm_class));
  CHECK((*r)[1].tlvs.get<tlv::SarMsgRefNum>() == std::uint16_t{0xBEEF});
  CHECK((*r)[1].tlvs.get<tlv::SarTotalSegments>() == std::uint8_t{2});
  CHECK((*r)[1].tlvs.get<tlv::SarSegmentSeqnum>() == std::uint8_t{2});
  CHECK((*r)[0].short_message.size() == 153);
  std::size_t sar_tlvs = 0;
  for (const auto& t : (*r)[0].tlvs)
    sar_tlvs += t.tag == tlv::SarMsgRefNum::tag ? 1u : 0u;
  CHECK(sar_tlvs == 1);
  wire((*r)[0]);

  pdu.tlvs.clear();
  pdu.text = MessageText{repeat("y", 300)};
  r = render(pdu);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].short_message.empty());
  REQUIRE((*r)[0].tlvs.get<tlv::MessagePayload>());
  CHECK((*r)[0].tlvs.get<tlv::MessagePayload>()->size() == 300);
  wire((*r)[0]);

  pdu.text = MessageText{"smile \xF0\x9F\x98\x80", TextEncoding::gsm7};
  r = render(pdu);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::unencodable);
  CHECK(r.error().position == 6);
  pdu.text->errors = ErrorMode::replace;
  r = render(pdu);
  REQUIRE(r);
  CHECK((*r)[0].short_message == "smile ?");
}

TEST_CASE("render: data_sm carries every segment in message_payload") {
  DataSm pdu;
  pdu.text = MessageText{repeat("z", 400)};
  auto r = render(pdu);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].tlvs.get<tlv::MessagePayload>()->size() == 400);
  pdu.text->long_message = LongMessageMode::udh16;
  r = render(pdu, fixed_reference(0x0102));
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  const auto first = *(*r)[0].tlvs.get<tlv::MessagePayload>();
  CHECK(to_hex(first.first(7)) == "06080401020301");
  CHECK(has_udhi((*r)[0].esm_class));
}

TEST_CASE("received: cloudhopper's real-world receipt PDU") {
  const auto bytes = from_hex(
      "000000BA00000005000000000000000200010134343935313336313932300001013430343034000400000000"
      "000000006E69643A30303539313133393738207375623A30303120646C7672643A30303120737562"
      "6D697420646174653A3130303231303137333020646F6E6520646174653A3130303231303137333120"
      "737461743A44454C49565244206572723A30303020746578743A4024232125262F3A000E0001010006"
      "000101001E000833383630316661000427000102");
  // source/dest_network_type (0x000E, 0x0006) are not in 3.4's list for deliver_sm; a strict
  // decoder refuses them, the default one keeps them, so the receipt is not lost.
  DecodeOptions strict_options;
  strict_options.strict_tlvs = true;
  auto strict = decode(bytes, strict_options);
  REQUIRE_FALSE(strict);
  CHECK(strict.error().status == CommandStatus::optional_param_not_allowed);
  auto lenient = decode(bytes);
  REQUIRE(lenient);
  CHECK(std::get<DeliverSm>(*lenient).tlvs.get<tlv::SourceNetworkType>() == 1);
  // The same PDU without them (command_length 0xBA - 10) reads the same receipt.
  auto trimmed = bytes;
  const auto tail = from_hex("000E0001010006000101");
  auto at = std::search(trimmed.begin(), trimmed.end(), tail.begin(), tail.end());
  REQUIRE(at != trimmed.end());
  trimmed.erase(at, at + static_cast<std::ptrdiff_t>(tail.size()));
  trimmed[3] = 0xB0;
  auto decoded = decode(trimmed);
  REQUIRE(decoded);
  const auto* dsm = std::get_if<DeliverSm>(&*decoded);
  REQUIRE(dsm != nullptr);
  CHECK(is_receipt(*dsm));
  auto receipt = parse_receipt(*dsm);
  REQUIRE(receipt);
  CHECK(receipt->id == "0059113978");
  CHECK(receipt->receipted_message_id == "38601fa");
  CHECK(receipt->state == DeliveryState::delivered);
  CHECK(receipt->text == "@$#!%&/:");
  // The zero-copy view gives the same.
  auto view = decode_view(trimmed);
  REQUIRE(view);
  const auto* dv = std::get_if<DeliverSmView>(&*view);
  REQUIRE(dv != nullptr);
  CHECK(is_receipt(*dv));
  auto from_view = parse_receipt(*dv);
  REQUIRE(from_view);
  CHECK(*from_view == *receipt);
  CHECK(user_data(*dv).size() == dsm->short_message.size());
  // Without text, the TLVs carry it.
  DeliverSm bare = *dsm;
  bare.short_message.clear();
  auto tlv_only = parse_receipt(bare);
  REQUIRE(tlv_only);
  CHECK(tlv_only->id == "38601fa");
  CHECK(tlv_only->id_from_tlv);
  CHECK(tlv_only->state_from_tlv);
}

TEST_CASE("received: segmented deliver_sm in any order, with a duplicate, reassemble") {
  const std::string text = repeat("Segment {with} escapes € and more text. ", 12);
  for (auto mode : {LongMessageMode::udh8, LongMessageMode::udh16, LongMessageMode::sar}) {
    DeliverSm original;
    original.source = {"447700900123", Ton::international, Npi::isdn};
    original.destination = {"12345"};
    original.text = MessageText{text, TextEncoding::automatic, 0, mode};
    auto parts = render(original, fixed_reference(0x0203));
    REQUIRE(parts);
    REQUIRE(parts->size() >= 3);
    for (std::size_t i = 0; i < parts->size(); ++i) {
      (*parts)[i].tracking.log_id = "part" + std::to_string(i + 1);
      (*parts)[i].header.sequence_number = static_cast<std::uint32_t>(100 + i);
    }
    auto shuffled = *parts;
    std::mt19937 rng(static_cast<unsigned>(mode) + 1);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    shuffled.insert(shuffled.begin() + 1, shuffled.front());  // a duplicate

    DeliverSmReassembler reassembler;
    const auto now = DeliverSmReassembler::TimePoint{};
    std::optional<ReassembledDeliverSm> whole;
    for (auto& p : shuffled) {
      auto r = reassembler.add(p, now);
      REQUIRE(r);
      if (*r) {
        REQUIRE_FALSE(whole);
        whole = std::move(**r);
      }
    }
    REQUIRE(whole);
    CHECK(whole->text == text);
    REQUIRE(whole->parts.size() == parts->size());
    for (std::size_t i = 0; i < parts->size(); ++i) {
      CHECK(whole->parts[i].tracking.log_id == "part" + std::to_string(i + 1));
    }
    CHECK_FALSE(has_udhi(whole->message.esm_class));
    CHECK_FALSE(whole->message.tlvs.contains<tlv::SarMsgRefNum>());
    auto again = decode_text(whole->message);
    REQUIRE(again);
    CHECK(again->text == text);
    std::vector<std::uint8_t> out;
    CHECK(encode(whole->message, out));
    CHECK(reassembler.pending() == 0);
  }
}

TEST_CASE("received: a partial message is reported when it expires") {
  DeliverSm original;
  original.source = {"1"};
  original.destination = {"2"};
  original.text = MessageText{repeat("a", 400), TextEncoding::automatic, 0, LongMessageMode::udh8};
  auto parts = render(original, fixed_reference(9));
  REQUIRE(parts);
  REQUIRE(parts->size() == 3);
  DeliverSmReassembler reassembler({std::chrono::seconds(10), 100});
  const auto t0 = DeliverSmReassembler::TimePoint{} + std::chrono::hours(1);
  auto r = reassembler.add((*parts)[2], t0);
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK(reassembler.expire(t0 + std::chrono::seconds(9)).empty());
  auto gone = reassembler.expire(t0 + std::chrono::seconds(10));
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].received == std::vector<std::uint8_t>{3});
  CHECK(gone[0].missing == std::vector<std::uint8_t>{1, 2});
  CHECK(gone[0].key.reference == 9);
  CHECK(gone[0].parts.size() == 1);

  // An unsegmented deliver_sm comes straight back.
  DeliverSm single;
  single.short_message = "hi";
  auto s = reassembler.add(single, t0);
  REQUIRE(s);
  REQUIRE(*s);
  CHECK((*s)->text == "hi");
  CHECK((*s)->parts.size() == 1);
}

TEST_CASE("received: national language shift survives reassembly") {
  DeliverSm original;
  original.source = {"905551112233"};
  original.destination = {"1"};
  original.text = MessageText{repeat("Işık ğüzel şehir İstanbul çay. ", 10),
                              TextEncoding::automatic, 0, LongMessageMode::udh8};
  auto parts = render(original, fixed_reference(1));
  REQUIRE(parts);
  REQUIRE(parts->size() >= 2);
  CHECK((*parts)[0].data_coding == DataCoding::smsc_default);
  DeliverSmReassembler reassembler;
  std::optional<ReassembledDeliverSm> whole;
  for (auto& p : *parts) {
    auto r = reassembler.add(p, {});
    REQUIRE(r);
    if (*r) whole = std::move(**r);
  }
  REQUIRE(whole);
  CHECK(whole->text == original.text->utf8);
  CHECK(has_udhi(whole->message.esm_class));  // the locking shift IE is kept
  auto again = decode_text(whole->message);
  REQUIRE(again);
  CHECK(again->text == original.text->utf8);
}

TEST_CASE("render: replace_sm needs an explicit encoding and one short_message") {
  ReplaceSm pdu;
  pdu.message_id = "abc";
  pdu.text = MessageText{"new text"};
  auto r = render(pdu);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::invalid_argument);
  pdu.text->encoding = TextEncoding::gsm7;
  r = render(pdu);
  REQUIRE(r);
  CHECK(r->short_message == "new text");
  CHECK_FALSE(r->text);
  pdu.text->utf8 = repeat("x", 255);
  r = render(pdu);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == TextErrc::too_long);
}
