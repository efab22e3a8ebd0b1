// summarize_receipt (what the Esme's correlator reads from every receipt), state_from_stat's
// spellings and the finality rule.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/text/received.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::text;

namespace {

DeliverSm receipt_pdu(std::string text, std::uint8_t esm_class = 0x04) {
  DeliverSm d;
  d.esm_class = static_cast<EsmClass>(esm_class);
  d.short_message = std::move(text);
  return d;
}

// The PDU's wire bytes, kept alive while a view points into them.
struct Wire {
  std::vector<std::uint8_t> bytes;
  DeliverSmView view;
};

Wire on_the_wire(const DeliverSm& pdu) {
  Wire w;
  REQUIRE(encode(pdu, w.bytes));
  auto v = decode_view(w.bytes);
  REQUIRE(v);
  REQUIRE(std::holds_alternative<DeliverSmView>(*v));
  w.view = std::get<DeliverSmView>(*v);
  return w;
}

bool points_into(std::string_view s, const std::vector<std::uint8_t>& bytes) {
  const auto* p = reinterpret_cast<const char*>(bytes.data());
  return s.data() >= p && s.data() + s.size() <= p + bytes.size();
}

}  // namespace

TEST_CASE("state_from_stat: every spelling SMSCs use, in any case") {
  struct Case {
    const char* word;
    DeliveryState state;
  };
  const Case cases[] = {{"DELIVRD", DeliveryState::delivered},
                        {"DELIVERED", DeliveryState::delivered},
                        {"EXPIRED", DeliveryState::expired},
                        {"DELETED", DeliveryState::deleted},
                        {"UNDELIV", DeliveryState::undeliverable},
                        {"UNDELIVERABLE", DeliveryState::undeliverable},
                        {"UNDELIVERED", DeliveryState::undeliverable},
                        {"FAILED", DeliveryState::undeliverable},
                        {"ACCEPTD", DeliveryState::accepted},
                        {"ACCEPTED", DeliveryState::accepted},
                        {"UNKNOWN", DeliveryState::unknown},
                        {"REJECTD", DeliveryState::rejected},
                        {"REJECTED", DeliveryState::rejected},
                        {"ENROUTE", DeliveryState::enroute},
                        {"BUFFRED", DeliveryState::enroute},
                        {"BUFFERD", DeliveryState::enroute},
                        {"BUFFERED", DeliveryState::enroute},
                        {"ACKED", DeliveryState::enroute},
                        {"SCHEDULED", DeliveryState::scheduled},
                        {"SKIPPED", DeliveryState::skipped}};
  for (const auto& c : cases) {
    std::string upper = c.word;
    std::string lower = upper;
    for (char& ch : lower)
      ch = static_cast<char>(ch - 'A' + 'a');
    std::string mixed = lower;
    mixed[0] = upper[0];  // "Enroute", as one SMSC in issue 14 writes it
    for (const auto& w : {upper, lower, mixed, " " + upper + " "}) {
      INFO(w);
      CHECK(state_from_stat(w) == c.state);
    }
  }
  for (const char* unknown : {"", "DELIVR", "DELIVRDX", "OK", "SENT", "ENROUT", "X", "stat"}) {
    INFO(unknown);
    CHECK_FALSE(state_from_stat(unknown));
  }
}

TEST_CASE("is_final: final states end the message, enroute, scheduled, accepted, unknown don't") {
  using D = DeliveryState;
  for (auto s : {D::delivered, D::expired, D::deleted, D::undeliverable, D::rejected, D::skipped}) {
    INFO(to_string(s));
    CHECK(is_final(s));
  }
  for (auto s : {D::enroute, D::scheduled, D::accepted, D::unknown}) {
    INFO(to_string(s));
    CHECK_FALSE(is_final(s));
  }
  CHECK_FALSE(is_final(std::nullopt));
  CHECK_FALSE(is_final(static_cast<D>(42)));
  CHECK(is_final(D::accepted, FinalityRule{.accepted_is_final = true}));
  CHECK_FALSE(is_final(D::unknown, FinalityRule{.accepted_is_final = true}));
  CHECK(is_final(D::unknown, FinalityRule{.unknown_is_final = true}));
  CHECK_FALSE(is_final(D::enroute, FinalityRule{true, true}));
  // The two names are one type.
  static_assert(std::is_same_v<DeliveryState, aiosmpp::MessageState>);
}

TEST_CASE("summarize_receipt: id and state from the text, pointing into the PDU") {
  const auto w = on_the_wire(
      receipt_pdu("id:0123456789 sub:001 dlvrd:001 submit date:1005232039 done date:1005242339 "
                  "stat:DELIVRD err:000 text:stat:UNDELIV id:9"));
  const auto s = summarize_receipt(w.view);
  REQUIRE(s);
  CHECK(s->message_id == "0123456789");
  CHECK(s->stat == "DELIVRD");
  CHECK(s->state == DeliveryState::delivered);
  CHECK_FALSE(s->id_from_tlv);
  CHECK_FALSE(s->state_from_tlv);
  CHECK_FALSE(s->intermediate);
  CHECK(s->is_final());
  CHECK(points_into(s->message_id, w.bytes));
  CHECK(points_into(s->stat, w.bytes));
}

TEST_CASE("summarize_receipt: the TLVs come first") {
  DeliverSm d = receipt_pdu("id:59113978 stat:ENROUTE");
  REQUIRE(d.tlvs.set<tlv::ReceiptedMessageId>("38601fa"));
  d.tlvs.set<tlv::MessageState>(std::uint8_t{2});
  const auto w = on_the_wire(d);
  const auto s = summarize_receipt(w.view);
  REQUIRE(s);
  CHECK(s->message_id == "38601fa");
  CHECK(s->id_from_tlv);
  CHECK(s->state == DeliveryState::delivered);
  CHECK(s->state_from_tlv);
  CHECK(s->stat.empty());
  CHECK(s->is_final());

  // A message_state outside §6.8 leaves the text to decide; an empty TLV id too.
  DeliverSm odd = receipt_pdu("id:77 stat:UNDELIV");
  odd.tlvs.set<tlv::MessageState>(std::uint8_t{42});
  REQUIRE(odd.tlvs.set<tlv::ReceiptedMessageId>(""));
  const auto s2 = summarize_receipt(odd);
  REQUIRE(s2);
  CHECK(s2->message_id == "77");
  CHECK(s2->state == DeliveryState::undeliverable);
  CHECK_FALSE(s2->state_from_tlv);
}

TEST_CASE("summarize_receipt: intermediate receipts and each non-final spelling keep the entry") {
  // Issue 14: an SMSC sends an intermediate receipt, stat in the text and no TLV, then the final.
  for (const char* stat :
       {"Enroute", "ENROUTE", "enroute", "BUFFRED", "BUFFERED", "buffered", "BUFFERD", "ACKED",
        "SCHEDULED", "ACCEPTD", "ACCEPTED", "UNKNOWN", "QUEUED", "", "DELIVRDX"}) {
    INFO(stat);
    const DeliverSm d = receipt_pdu(std::string("id:42 stat:") + stat + " err:000");
    const auto s = summarize_receipt(d);
    REQUIRE(s);
    CHECK(s->message_id == "42");
    CHECK(s->stat == stat);
    CHECK_FALSE(s->is_final());
  }
  // An intermediate delivery notification is never final, whatever its stat says.
  const DeliverSm intermediate = receipt_pdu("id:42 stat:DELIVRD", 0x20);
  const auto note = summarize_receipt(intermediate);
  REQUIRE(note);
  CHECK(note->intermediate);
  CHECK(note->state == DeliveryState::delivered);
  CHECK_FALSE(note->is_final());
  // ACCEPTD is final only when the application says so.
  const DeliverSm acceptd = receipt_pdu("id:42 stat:ACCEPTD");
  const auto accepted = summarize_receipt(acceptd);
  REQUIRE(accepted);
  CHECK(accepted->is_final(FinalityRule{.accepted_is_final = true}));
  // No stat anywhere: not final.
  const DeliverSm no_stat = receipt_pdu("id:42");
  const auto bare = summarize_receipt(no_stat);
  REQUIRE(bare);
  CHECK_FALSE(bare->state);
  CHECK_FALSE(bare->is_final());
}

TEST_CASE("summarize_receipt: only receipts, message_payload, UDH, data_sm, no id") {
  for (int esm : {0x00, 0x08, 0x07}) {
    const DeliverSm d = receipt_pdu("id:1 stat:DELIVRD", static_cast<std::uint8_t>(esm));
    CHECK(summarize_receipt(d).has_value() == (esm == 0x07));  // messaging mode ignored
  }

  DeliverSm payload = receipt_pdu("");
  const std::string text = "ID:abc-1 STAT:rejectd";
  REQUIRE(
      payload.tlvs.set<tlv::MessagePayload>(std::vector<std::uint8_t>(text.begin(), text.end())));
  const auto payload_wire = on_the_wire(payload);
  const auto p = summarize_receipt(payload_wire.view);
  REQUIRE(p);
  CHECK(p->message_id == "abc-1");
  CHECK(p->state == DeliveryState::rejected);

  // With UDHI, the header is skipped as parse_receipt skips it.
  std::string with_udh("\x05\x00\x03\x07\x02\x01", 6);
  with_udh += "id:5 stat:EXPIRED";
  const DeliverSm udh_pdu = receipt_pdu(with_udh, 0x44);
  const auto u = summarize_receipt(udh_pdu);
  REQUIRE(u);
  CHECK(u->message_id == "5");
  CHECK(u->state == DeliveryState::expired);

  DataSm data;
  data.esm_class = EsmClass::delivery_receipt;
  REQUIRE(data.tlvs.set<tlv::ReceiptedMessageId>("X1"));
  data.tlvs.set<tlv::MessageState>(std::uint8_t{5});
  const auto ds = summarize_receipt(data);
  REQUIRE(ds);
  CHECK(ds->message_id == "X1");
  CHECK(ds->is_final());

  const DeliverSm no_id = receipt_pdu("stat:DELIVRD hello");
  const auto none = summarize_receipt(no_id);
  REQUIRE(none);
  CHECK(none->message_id.empty());
  // A trailing NUL or line break is not part of the last value.
  const DeliverSm nul_pdu = receipt_pdu(std::string("id:9 stat:DELIVRD\0\r\n", 20));
  const auto nul = summarize_receipt(nul_pdu);
  REQUIRE(nul);
  CHECK(nul->stat == "DELIVRD");
}

TEST_CASE("summarize_receipt agrees with parse_receipt on the real-world corpus") {
  const nlohmann::json corpus =
      nlohmann::json::parse(aiosmpp::test::read_file(AIOSMPP_TEST_DATA_DIR "/text/receipts.json"));
  for (const auto& sample : corpus) {
    const std::string text = sample["text"];
    INFO("sample: " << sample["source"].get<std::string>() << "\ntext: " << text);
    DeliverSm d = receipt_pdu(text);
    ReceiptTlvs tlvs;
    if (sample.contains("tlvs")) {
      tlvs.receipted_message_id = sample["tlvs"]["receipted_message_id"].get<std::string>();
      tlvs.message_state = sample["tlvs"]["message_state"].get<std::uint8_t>();
      REQUIRE(d.tlvs.set<tlv::ReceiptedMessageId>(*tlvs.receipted_message_id));
      d.tlvs.set<tlv::MessageState>(*tlvs.message_state);
    }
    const auto s = summarize_receipt(d);
    REQUIRE(s);
    const auto full = parse_receipt(text);  // the text alone: what the fast path reads
    if (tlvs.receipted_message_id) {
      CHECK(s->message_id == *tlvs.receipted_message_id);
    } else {
      REQUIRE(full);
      CHECK(s->message_id == full->id);
    }
    if (tlvs.message_state) {
      CHECK(s->state == static_cast<DeliveryState>(*tlvs.message_state));
    } else if (full) {
      CHECK(s->state == full->state);
      CHECK(s->stat == full->stat);
    }
  }
}

TEST_CASE("network_error_code: typed from the TLV, and the ASCII-digit variant") {
  const std::uint8_t gsm[] = {0x03, 0x00, 0x1B};
  CHECK(parse_network_error_code(gsm) == NetworkError{NetworkType::gsm, 27});
  const std::uint8_t smpp[] = {0x07, 0x01, 0x02};
  CHECK(parse_network_error_code(smpp) == NetworkError{NetworkType::smpp, 0x102});
  const std::uint8_t ascii[] = {'0', '3', '4'};
  CHECK(parse_network_error_code(ascii) == NetworkError{NetworkType::unspecified, 34});
  const std::uint8_t reserved[] = {0x09, 0x00, 0x01};
  const auto r = parse_network_error_code(reserved);
  REQUIRE(r);
  CHECK(to_string(r->type) == "reserved");
  const std::uint8_t two[] = {0x03, 0x01};
  CHECK_FALSE(parse_network_error_code(two));
  CHECK_FALSE(parse_network_error_code({}));
  for (auto t : {NetworkType::unspecified, NetworkType::ansi_136, NetworkType::is_95,
                 NetworkType::gsm, NetworkType::ansi_136_cause, NetworkType::is_95_cause,
                 NetworkType::ansi_41, NetworkType::smpp, NetworkType::mc_specific}) {
    CHECK(to_string(t) != "reserved");
  }
}

TEST_CASE("GSM MAP error meanings (3GPP TS 29.002 MAP-Errors local values)") {
  // The codes an SMS delivery ends with, each checked against TS 29.002 §17.6.6.
  const std::pair<std::uint32_t, const char*> expected[] = {{1, "unknown subscriber"},
                                                            {5, "unidentified subscriber"},
                                                            {6, "absent subscriber for SM"},
                                                            {9, "illegal subscriber"},
                                                            {11, "teleservice not provisioned"},
                                                            {12, "illegal equipment"},
                                                            {13, "call barred"},
                                                            {21, "facility not supported"},
                                                            {27, "absent subscriber"},
                                                            {31, "subscriber busy for MT SMS"},
                                                            {32, "SM delivery failure"},
                                                            {33, "message waiting list full"},
                                                            {34, "system failure"},
                                                            {35, "data missing"},
                                                            {36, "unexpected data value"},
                                                            {44, "number changed"},
                                                            {72, "USSD busy"}};
  for (const auto& [code, text] : expected) {
    INFO(code);
    CHECK(gsm_map_error_text(code) == text);
    CHECK(describe({NetworkType::gsm, code}) == text);
  }
  for (std::uint32_t unknown : {2u, 4u, 23u, 41u, 99u, 70000u})
    CHECK(gsm_map_error_text(unknown).empty());
  CHECK(sm_delivery_failure_cause_text(0) == "memory capacity exceeded");
  CHECK(sm_delivery_failure_cause_text(1) == "equipment protocol error");
  CHECK(sm_delivery_failure_cause_text(5) == "invalid SME address");
  CHECK(sm_delivery_failure_cause_text(7).empty());
  CHECK(describe({NetworkType::gsm, 0}) == "no error");
  CHECK(describe({NetworkType::smpp, 0x0B}) ==
        status_description(CommandStatus::invalid_dest_address));
  CHECK(describe({NetworkType::mc_specific, 27}).empty());
  CHECK(describe({NetworkType::ansi_136, 27}).empty());
}

TEST_CASE("receipt_error: the TLV first, else err: as the SMSC's convention says") {
  DeliverSm d = receipt_pdu("id:1 stat:UNDELIV err:027 text:x");
  const auto text_only = parse_receipt(d);
  REQUIRE(text_only);
  CHECK_FALSE(text_only->network_error);
  CHECK(receipt_error(*text_only) == NetworkError{NetworkType::gsm, 27});
  CHECK(describe(*receipt_error(*text_only)) == "absent subscriber");
  CHECK(receipt_error(*text_only, ErrConvention::smpp) == NetworkError{NetworkType::smpp, 27});
  CHECK(receipt_error(*text_only, ErrConvention::vendor) ==
        NetworkError{NetworkType::mc_specific, 27});

  REQUIRE(d.tlvs.set<tlv::NetworkErrorCode>(std::vector<std::uint8_t>{0x03, 0x00, 0x0D}));
  const auto with_tlv = parse_receipt(d);
  REQUIRE(with_tlv);
  CHECK(with_tlv->network_error == NetworkError{NetworkType::gsm, 13});
  CHECK(receipt_error(*with_tlv) == NetworkError{NetworkType::gsm, 13});
  CHECK(describe(*receipt_error(*with_tlv)) == "call barred");
  // The view reads the same.
  const auto w = on_the_wire(d);
  const auto from_view = parse_receipt(w.view);
  REQUIRE(from_view);
  CHECK(from_view->network_error == with_tlv->network_error);

  const DeliverSm odd = receipt_pdu("id:1 stat:UNDELIV err:X12");
  const auto non_decimal = parse_receipt(odd);
  REQUIRE(non_decimal);
  CHECK(non_decimal->err == "X12");
  CHECK_FALSE(receipt_error(*non_decimal));
  const auto delivered = parse_receipt("id:1 stat:DELIVRD err:000");
  REQUIRE(delivered);
  CHECK(describe(*receipt_error(*delivered)) == "no error");
}
