// JSON of the message layer's types: every receipt of the real-world corpus round trips, the
// receipt schema is pinned, bad receipt JSON names the field, and split results are written with
// their segments.

#include <string>

#include "aiosmpp/json.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/split.hpp"
#include "json_test_support.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using aiosmpp::test::error_as;

TEST_CASE("every receipt of the corpus round trips through JSON") {
  const auto corpus = nlohmann::json::parse(
      aiosmpp::test::read_file(std::string(AIOSMPP_TEST_DATA_DIR) + "/text/receipts.json"));
  REQUIRE(corpus.size() >= 20);
  std::size_t parsed = 0;
  for (const auto& entry : corpus) {
    INFO(entry["source"].get<std::string>());
    text::ReceiptTlvs tlvs;
    if (entry.contains("tlvs")) {
      const auto& t = entry["tlvs"];
      if (t.contains("receipted_message_id")) {
        tlvs.receipted_message_id = t["receipted_message_id"].get<std::string>();
      }
      if (t.contains("message_state")) tlvs.message_state = t["message_state"].get<std::uint8_t>();
    }
    auto r = text::parse_receipt(entry["text"].get<std::string>(), tlvs);
    if (!r) continue;
    ++parsed;
    const nlohmann::json j = *r;
    CHECK(j.get<text::Receipt>() == *r);
    const nlohmann::ordered_json oj = *r;
    CHECK(nlohmann::json::parse(oj.dump()).get<text::Receipt>() == *r);
  }
  CHECK(parsed >= 18);
}

TEST_CASE("receipt JSON is stable") {
  auto r = text::parse_receipt(
      "id:0123456789 sub:001 dlvrd:001 submit date:2401011230 done date:2401011231 "
      "stat:DELIVRD err:0 Text:Hello world");
  REQUIRE(r.has_value());
  const nlohmann::ordered_json j = *r;
  CHECK(j.dump() ==
        R"({"id":"0123456789","submitted":1,"delivered":1,)"
        R"("submit_date":{"raw":"2401011230","time":"2024-01-01T12:30:00"},)"
        R"("done_date":{"raw":"2401011231","time":"2024-01-01T12:31:00"},)"
        R"("stat":"DELIVRD","state":"delivered","err":"0","error_code":0,"text":"Hello world",)"
        R"("receipted_message_id":"","extras":[],"id_from_tlv":false,"state_from_tlv":false})");

  text::Receipt x;
  x.id = "a";
  x.submit_date = text::ReceiptDate{"2611260702000004+", std::nullopt, 4};
  x.extras = {{"vendor", "42"}, {"", "stray words"}};
  x.state = text::DeliveryState::skipped;
  x.network_error = text::NetworkError{text::NetworkType::gsm, 27};
  CHECK(nlohmann::json(x).get<text::Receipt>() == x);
  CHECK(nlohmann::json(x)["network_error"] == nlohmann::json::parse(R"({"type":"gsm","code":27})"));
  x.network_error = text::NetworkError{static_cast<text::NetworkType>(0x42), 1};
  CHECK(nlohmann::json(x).get<text::Receipt>() == x);
}

TEST_CASE("bad receipt JSON names the field") {
  CHECK(error_as<text::Receipt>(R"({"id": 1})") == "receipt.id: expected a string, got number");
  CHECK(error_as<text::Receipt>(R"({"id": "a", "submitted": -1})") ==
        "receipt.submitted: expected an integer 0-4294967295, got -1");
  CHECK(error_as<text::Receipt>(
            R"({"id": "a", "done_date": {"raw": "x", "time": "2024-02-30T00:00:00"}})") ==
        "receipt.done_date.time: expected a valid local time \"YYYY-MM-DDTHH:MM:SS\"");
  CHECK(error_as<text::Receipt>(R"({"id": "a", "done_date": {"utc_offset_quarter_hours": 49}})") ==
        "receipt.done_date.utc_offset_quarter_hours: expected an integer -48..48, got 49");
  CHECK(error_as<text::Receipt>(R"({"id": "a", "extras": [["k"]]})") ==
        "receipt.extras[0]: expected a [key, value] pair");
  CHECK(error_as<text::Receipt>(R"({"id": "a", "state": "gone"})")
            .starts_with("receipt.state: unknown name \"gone\"; expected one of scheduled, "
                         "enroute, delivered"));
  CHECK(error_as<text::Receipt>(R"({"id": "a", "sate": "delivered"})") ==
        "receipt.sate: unknown field");
}

TEST_CASE("split results are written with every segment") {
  text::SplitOptions options;
  options.encoding = text::Encoding::gsm7;
  options.long_message = text::LongMessage::udh16;
  options.reference = 0x1234;
  auto r = text::split(std::string(161, 'x'), options);
  REQUIRE(r.has_value());
  const nlohmann::ordered_json j = *r;
  CHECK(j["encoding"] == "gsm7");
  CHECK(j["data_coding"] == 0);
  CHECK(j["udhi"] == true);
  CHECK(j["segment_count"] == 2);
  CHECK(j["segments"].size() == 2);
  CHECK(j["segments"][0]["udh"] == "06080412340201");
  CHECK(j["segments"][0]["units"] == 152);
  CHECK(j["segments"][1]["concatenation"]["sixteen_bit"] == true);
  CHECK(j["segments"][1]["concatenation"]["seqnum"] == 2);
  std::string tail;  // the 9 septets left after 152, unpacked ('x' is 0x78 in GSM 03.38)
  for (int i = 0; i < 9; ++i)
    tail += "78";
  CHECK(j["segments"][1]["hex"] == "06080412340202" + tail);
  CHECK_FALSE(j["segments"][0].contains("sar"));

  options.long_message = text::LongMessage::sar;
  auto s = text::split(std::string(200, 'x'), options);
  REQUIRE(s.has_value());
  const nlohmann::json k = *s;
  CHECK(k["segments"][1]["sar"]["sar_msg_ref_num"] == 0x1234);
  CHECK(k["segments"][1]["sar"]["sar_total_segments"] == 2);
  CHECK_FALSE(k["segments"][1].contains("udh"));
}
