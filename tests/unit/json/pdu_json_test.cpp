// JSON round trips of every PDU type: the vectors of data/pdus.txt (the codec's golden vectors
// plus cases for the lossless fallbacks), seeded random PDUs of every type (3.4 and 5.0), the exact
// text of schema 1 (so a change to it is a deliberate one), and every value of every enum.

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "aiosmpp/json.hpp"
#include "aiosmpp/pdu/pdu.hpp"
#include "support/catch.hpp"
#include "support/random_pdu.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::from_hex;
using aiosmpp::test::to_hex;

namespace {

struct Vector {
  std::string hex;
  std::string name;
};

std::vector<Vector> vectors() {
  std::istringstream in(aiosmpp::test::read_file(AIOSMPP_JSON_VECTORS));
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    out.push_back({line.substr(0, space), line.substr(space + 1)});
  }
  return out;
}

std::string encode_hex(const Pdu& pdu) {
  std::vector<std::uint8_t> bytes;
  auto r = encode(pdu, bytes);
  if (!r) FAIL("encode failed: " << r.error().message());
  return to_hex(bytes);
}

}  // namespace

TEST_CASE("every vector: decode, JSON, back, encode gives the same bytes") {
  const auto all = vectors();
  REQUIRE(all.size() >= 32);
  std::vector<bool> type_seen(std::variant_size_v<Pdu>, false);
  for (const auto& v : all) {
    INFO(v.name);
    const auto bytes = from_hex(v.hex);
    auto decoded = decode(bytes);
    REQUIRE(decoded.has_value());
    type_seen[decoded->index()] = true;

    const std::string text = json_encode(*decoded);
    const Pdu back = json_decode(text);
    CHECK(back == *decoded);
    CHECK(json_decode(json_encode_compact(*decoded)) == *decoded);
    CHECK(encode_hex(back) == v.hex);

    // Pretty form, nlohmann::json (sorted keys) and ordered_json agree.
    CHECK(json_decode(json_encode(*decoded, 2)) == *decoded);
    const nlohmann::json j = *decoded;
    CHECK(j.get<Pdu>() == *decoded);
    const nlohmann::ordered_json oj = *decoded;
    CHECK(oj.get<Pdu>() == *decoded);
    CHECK(nlohmann::json::parse(text) == j);
  }
  for (std::size_t i = 0; i < type_seen.size(); ++i) {
    INFO("Pdu alternative " << i);
    CHECK(type_seen[i]);
  }
}

TEST_CASE("schema 1 text is stable") {
  SubmitSm s;
  s.header.sequence_number = 2;
  s.source = PhoneNumber("Test", Ton::alphanumeric);
  s.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
  s.short_message = "Hello";
  CHECK(json_encode(s) ==
        R"({"type":"submit_sm","schema":1,"command_status":"ESME_ROK","sequence_number":2,)"
        R"("service_type":"","source":{"number":"Test","ton":"alphanumeric","npi":"unknown"},)"
        R"("destination":{"number":"447700900123","ton":"international","npi":"isdn"},)"
        R"("esm_class":"default","protocol_id":0,"priority_flag":0,"schedule_delivery_time":"",)"
        R"("validity_period":"","registered_delivery":"receipt_always",)"
        R"("replace_if_present_flag":0,"data_coding":"smsc_default","sm_default_msg_id":0,)"
        R"("short_message":"48656c6c6f","tlvs":[]})");

  SubmitSmResp r;
  r.header = {CommandStatus::throttled, 9};
  r.has_body = false;
  CHECK(json_encode(r) ==
        R"({"type":"submit_sm_resp","schema":1,"command_status":"ESME_RTHROTTLED",)"
        R"("sequence_number":9,"has_body":false})");

  DeliverSm d;
  d.tracking = {"log-1", "{\"k\":1}"};
  d.text = MessageText{"Zdravo", TextEncoding::gsm7, 0, LongMessageMode::udh16, ErrorMode::replace};
  d.tlvs.set<tlv::SourcePort>(80);
  d.tlvs.push_back(Tlv{0x1403, {0xca, 0xfe}});
  const auto j = nlohmann::ordered_json::parse(json_encode(d));
  CHECK(j["tracking"].dump() == R"({"log_id":"log-1","extra_data":"{\"k\":1}"})");
  CHECK(j["text"].dump() ==
        R"({"utf8":"Zdravo","encoding":"gsm7","custom_data_coding":0,"long_message":"udh16",)"
        R"("errors":"replace"})");
  CHECK(j["tlvs"].dump() == R"([{"name":"source_port","value":80},{"tag":"0x1403","hex":"cafe"}])");
  CHECK(json_decode(json_encode(d)) == Pdu(d));
  d.text->errors = ErrorMode::ignore;
  CHECK(nlohmann::ordered_json::parse(json_encode(d))["text"]["errors"] == "ignore");
  CHECK(json_decode(json_encode(d)) == Pdu(d));
}

TEST_CASE("hand-written JSON: defaults fill what is missing, numbers and names both read") {
  const Pdu p = json_decode(R"({"type":"enquire_link","sequence_number":1})");
  CHECK(encode_hex(p) == "00000010000000150000000000000001");

  const Pdu s = json_decode(R"({"type":"submit_sm","sequence_number":"0x10",
      "destination":{"number":"4477"},"esm_class":67,"registered_delivery":"0x11",
      "data_coding":8,"command_status":88,
      "tlvs":[{"tag":5,"hex":"01"},{"name":"sar_msg_ref_num","value":"0x1234"}]})");
  const auto& sm = std::get<SubmitSm>(s);
  CHECK(sm.header.sequence_number == 16);
  CHECK(sm.header.command_status == CommandStatus::throttled);
  CHECK(sm.destination.number == "4477");
  CHECK(sm.esm_class == (EsmClass::store_and_forward_mode | EsmClass::udhi));
  CHECK(sm.registered_delivery ==
        (RegisteredDelivery::receipt_always | RegisteredDelivery::intermediate_notification));
  CHECK(sm.data_coding == DataCoding::ucs2);
  CHECK(sm.tlvs.get<tlv::DestAddrSubunit>() == std::uint8_t{1});
  CHECK(sm.tlvs.get<tlv::SarMsgRefNum>() == std::uint16_t{0x1234});
  // What it writes back uses the names.
  const auto j = nlohmann::json::parse(json_encode(s));
  CHECK(j["esm_class"] == "store_and_forward_mode|udhi");
  CHECK(j["registered_delivery"] == "receipt_always|intermediate_notification");
  CHECK(j["tlvs"][0]["name"] == "dest_addr_subunit");

  // Annotations are ignored; so is a null text.
  const Pdu a = json_decode(R"({"type":"deliver_sm","_command_id":"0x00000005",
      "_notes":{"anything":[1,2]},"text":null,"tlvs":[{"name":"source_port","value":1,"_tag":"x"}]})");
  CHECK_FALSE(std::get<DeliverSm>(a).text.has_value());
}

TEST_CASE("strings that are not UTF-8 are written as hex and read back") {
  SubmitSm s;
  s.source.number = std::string(
      "\xc0\xff"
      "A",
      3);
  s.service_type = "\xe2\x82";            // a truncated UTF-8 sequence
  s.destination.number = "\xce\xa9mega";  // valid UTF-8 stays a string
  s.tracking.log_id = std::string("\x80", 1);
  const auto j = nlohmann::json::parse(json_encode(s));
  CHECK(j["source"]["number"] == nlohmann::json{{"hex", "c0ff41"}});
  CHECK(j["service_type"] == nlohmann::json{{"hex", "e282"}});
  CHECK(j["destination"]["number"] == "\xce\xa9mega");
  CHECK(j["tracking"]["log_id"] == nlohmann::json{{"hex", "80"}});
  CHECK(json_decode(j.dump()) == Pdu(s));
}

TEST_CASE("TLVs not in canonical typed form keep their bytes") {
  DataSm d;
  d.tlvs.push_back(Tlv{tlv::SourceTelematicsId::tag, {0x00, 0x05}});  // 2 octets for a value < 256
  d.tlvs.push_back(Tlv{tlv::AlertOnMessageDelivery::tag, {0x01}});    // 5.0 form, length 1
  d.tlvs.push_back(Tlv{tlv::AlertOnMessageDelivery::tag, {}});        // a repeat, 3.4 form
  d.tlvs.push_back(Tlv{tlv::ReceiptedMessageId::tag, {'a', 0, 'b', 0}});  // NUL inside
  d.tlvs.push_back(Tlv{0x3fff, {}});
  const auto j = nlohmann::json::parse(json_encode(d));
  CHECK(j["tlvs"][0] ==
        nlohmann::json{{"name", "source_telematics_id"}, {"tag", "0x0010"}, {"hex", "0005"}});
  CHECK(j["tlvs"][1]["hex"] == "01");
  CHECK(j["tlvs"][2] == nlohmann::json{{"name", "alert_on_message_delivery"}, {"value", true}});
  CHECK(j["tlvs"][3]["hex"] == "61006200");
  CHECK(j["tlvs"][4] == nlohmann::json{{"tag", "0x3fff"}, {"hex", ""}});
  CHECK(std::get<DataSm>(json_decode(j.dump())).tlvs == d.tlvs);
}

TEST_CASE("every value of every enum survives JSON") {
  for (unsigned v = 0; v < 256; ++v) {
    INFO("value " << v);
    const auto b = static_cast<std::uint8_t>(v);
    CHECK(nlohmann::json(static_cast<Ton>(b)).get<Ton>() == static_cast<Ton>(b));
    CHECK(nlohmann::json(static_cast<Npi>(b)).get<Npi>() == static_cast<Npi>(b));
    CHECK(nlohmann::json(static_cast<DataCoding>(b)).get<DataCoding>() ==
          static_cast<DataCoding>(b));
    CHECK(nlohmann::json(static_cast<EsmClass>(b)).get<EsmClass>() == static_cast<EsmClass>(b));
    CHECK(nlohmann::json(static_cast<RegisteredDelivery>(b)).get<RegisteredDelivery>() ==
          static_cast<RegisteredDelivery>(b));
    CHECK(nlohmann::json(static_cast<MessageState>(b)).get<MessageState>() ==
          static_cast<MessageState>(b));
    CHECK(nlohmann::json(static_cast<InterfaceVersion>(b)).get<InterfaceVersion>() ==
          static_cast<InterfaceVersion>(b));
    CHECK(nlohmann::json(static_cast<DestFlag>(b)).get<DestFlag>() == static_cast<DestFlag>(b));
  }
  for (std::uint32_t v :
       {0x0U, 0x58U, 0xFFU, 0x112U, 0x113U, 0x400U, 0x4FFU, 0x500U, 0xFFFFFFFFU}) {
    INFO("command_status " << v);
    const auto s = static_cast<CommandStatus>(v);
    CHECK(nlohmann::json(s).get<CommandStatus>() == s);
  }
  for (std::uint32_t v = 0; v <= 0x4FF; ++v) {
    const auto s = static_cast<CommandStatus>(v);
    const nlohmann::json j = s;
    if (j.is_string()) CHECK(j.get<std::string>() == status_name(s));
    CHECK(j.get<CommandStatus>() == s);
  }
  CHECK(nlohmann::json(CommandStatus::throttled) == "ESME_RTHROTTLED");
  CHECK(nlohmann::json(static_cast<CommandStatus>(0x400)) == 0x400);  // VENDOR_SPECIFIC: a range
  CHECK(nlohmann::json(InterfaceVersion::smpp_3_3) == "smpp_3_3");
  CHECK(nlohmann::json(static_cast<DataCoding>(0xF1)) == 0xF1);  // gsm_message_class: a range
  CHECK(nlohmann::json(static_cast<EsmClass>(0x0C)) == 0x0C);    // reserved message type
  CHECK(nlohmann::json(static_cast<RegisteredDelivery>(0x20)) == 0x20);  // reserved bit
  CHECK(nlohmann::json(Npi::private_plan) == "private");
  CHECK(nlohmann::json(CommandId::submit_sm) == "submit_sm");
  CHECK(nlohmann::json("data_sm_resp").get<CommandId>() == CommandId::data_sm_resp);
  CHECK(nlohmann::json(0x111).get<CommandId>() == static_cast<CommandId>(0x111));
  for (auto e : {TextEncoding::automatic, TextEncoding::smsc_default, TextEncoding::gsm7,
                 TextEncoding::gsm7_packed, TextEncoding::ascii, TextEncoding::latin1,
                 TextEncoding::ucs2, TextEncoding::custom}) {
    CHECK(nlohmann::json(e).get<TextEncoding>() == e);
  }
  for (auto m : {LongMessageMode::message_payload, LongMessageMode::udh8, LongMessageMode::udh16,
                 LongMessageMode::sar}) {
    CHECK(nlohmann::json(m).get<LongMessageMode>() == m);
  }
  CHECK(nlohmann::json(ErrorMode::replace).get<ErrorMode>() == ErrorMode::replace);
}

TEST_CASE("the small types convert on their own") {
  const PhoneNumber a("447700900123", Ton::international, Npi::isdn);
  CHECK(nlohmann::json(a).get<PhoneNumber>() == a);
  const PduHeader h{CommandStatus::system_error, 77};
  CHECK(nlohmann::ordered_json(h).get<PduHeader>() == h);
  const Tracking t{"id", "extra"};
  CHECK(nlohmann::json(t).get<Tracking>() == t);
  const MessageText m{"hi", TextEncoding::custom, 0xF0, LongMessageMode::sar, ErrorMode::strict};
  CHECK(nlohmann::json(m).get<MessageText>() == m);
  SubmitMultiDest dl;
  dl.dest_flag = DestFlag::distribution_list;
  dl.dl_name = "team";
  CHECK(nlohmann::json(dl).get<SubmitMultiDest>() == dl);
  CHECK_FALSE(nlohmann::json(dl).contains("address"));
  const UnsuccessSme u{a, CommandStatus::invalid_dest_address};
  CHECK(nlohmann::json(u).get<UnsuccessSme>() == u);
  const Tlv tl{tlv::MessagePayload::tag, {1, 2, 3}};
  CHECK(nlohmann::json(tl) == nlohmann::json{{"name", "message_payload"}, {"value", "010203"}});
  CHECK(nlohmann::json(tl).get<Tlv>() == tl);
  const SubmitSm s = nlohmann::json::parse(R"({"sequence_number":5})").get<SubmitSm>();
  CHECK(s.header.sequence_number == 5);
  CHECK(s.registered_delivery == RegisteredDelivery::receipt_always);  // SubmitSm's default
}

// ---- seeded random PDUs of every type -------------------------------------------------------

namespace {

/** A random PDU (support/random_pdu.hpp) plus what only JSON carries: tracking and text. */
template <class P>
P random_pdu_with_extras(std::mt19937_64& rng) {
  P p = aiosmpp::test::random_pdu<P>(rng);
  aiosmpp::test::RandomPduFiller f(rng, P::command_id);
  if (f.pick(3) == 0) p.tracking = Tracking{f.text(30), f.text(60)};
  if constexpr (requires { p.text; }) {
    if (f.pick(3) == 0) {
      p.text = MessageText{
          f.text(100), static_cast<TextEncoding>(f.pick(8)), static_cast<std::uint8_t>(f.pick(256)),
          static_cast<LongMessageMode>(f.pick(4)), static_cast<ErrorMode>(f.pick(2))};
    }
  }
  return p;
}

template <std::size_t I = 0>
void round_trip_all(std::mt19937_64& rng, int cases, std::size_t& checked) {
  if constexpr (I < std::variant_size_v<Pdu>) {
    using P = std::variant_alternative_t<I, Pdu>;
    for (int c = 0; c < cases; ++c) {
      const P original = random_pdu_with_extras<P>(rng);
      std::vector<std::uint8_t> bytes;
      auto encoded = encode(original, bytes);
      INFO(command_name(P::command_id) << " case " << c);
      REQUIRE(encoded.has_value());

      const std::string text = json_encode(original);
      INFO(text);
      const Pdu back = json_decode(text);
      REQUIRE(std::holds_alternative<P>(back));
      CHECK(std::get<P>(back) == original);
      // The compact form (defaults left out) reads back to the same PDU, and is never longer.
      const std::string compact = json_encode_compact(original);
      INFO(compact);
      CHECK(json_decode(compact) == Pdu(original));
      CHECK(compact.size() <= text.size());
      std::vector<std::uint8_t> again;
      REQUIRE(encode(back, again).has_value());
      CHECK(again == bytes);

      // Through the wire: decode's PDU (no tracking or text) round trips too.
      auto decoded = decode(bytes);
      REQUIRE(decoded.has_value());
      CHECK(json_decode(json_encode(*decoded)) == *decoded);
      ++checked;
    }
    round_trip_all<I + 1>(rng, cases, checked);
  }
}

}  // namespace

TEST_CASE("random PDUs of every type round trip through JSON (seeded, 150 per type)") {
  std::mt19937_64 rng(0x150'2026'1126ULL);
  std::size_t checked = 0;
  round_trip_all(rng, 150, checked);
  CHECK(checked == 150 * std::variant_size_v<Pdu>);
}

TEST_CASE("json_encode_compact: the type and schema, then only what differs from the defaults") {
  SubmitSm m;
  m.destination = PhoneNumber("254700000123");
  m.registered_delivery = RegisteredDelivery::none;
  m.tracking.log_id = "m1";
  m.text = MessageText{"hi"};
  CHECK(json_encode_compact(m) ==
        R"({"type":"submit_sm","schema":1,"destination":{"number":"254700000123"},)"
        R"("registered_delivery":"none","tracking":{"log_id":"m1"},"text":{"utf8":"hi"}})");
  CHECK(json_encode_compact(EnquireLink{}) == R"({"type":"enquire_link","schema":1})");
  // A set text stays set with every field at its default; an empty tracking is left out.
  m.text = MessageText{};
  m.tracking = {};
  const auto compact = json_encode_compact(m);
  CHECK(compact.find(R"("text":{})") != std::string::npos);
  CHECK(compact.find("tracking") == std::string::npos);
  CHECK(json_decode(compact) == Pdu(m));
}

TEST_CASE("the example in json.hpp is valid, and what json_encode writes for it") {
  const std::string example = R"({
    "type": "submit_sm",
    "schema": 1,
    "command_status": "ESME_ROK",
    "sequence_number": 7,
    "service_type": "",
    "source": {"number": "ACME", "ton": "alphanumeric", "npi": "unknown"},
    "destination": {"number": "447700900123", "ton": "international", "npi": "isdn"},
    "esm_class": "store_and_forward_mode|udhi",
    "protocol_id": 0,
    "priority_flag": 0,
    "schedule_delivery_time": "",
    "validity_period": "261126120000000+",
    "registered_delivery": "receipt_always",
    "replace_if_present_flag": 0,
    "data_coding": "ucs2",
    "sm_default_msg_id": 0,
    "short_message": "050003a70201004800690021",
    "tlvs": [
      {"name": "user_message_reference", "value": 513},
      {"name": "alert_on_message_delivery", "tag": "0x130c", "hex": "01"},
      {"tag": "0x1403", "hex": "cafe"}
    ],
    "tracking": {"log_id": "order-42", "extra_data": "{\"customer\":17}"},
    "text": {"utf8": "Hi!", "encoding": "automatic", "custom_data_coding": 0,
             "long_message": "udh8", "errors": "strict"}
  })";
  const Pdu p = json_decode(example);
  CHECK(encode_hex(p) ==
        "0000005e00000004000000000000000700050041434d4500010134343737303039303031323300430000"
        "003236313132363132303030303030302b00010008000c050003a70201004800690021020400020201130c"
        "00010114030002cafe");
  CHECK(json_encode(p) == nlohmann::ordered_json::parse(example).dump());
}
