#include <chrono>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/text/receipt.hpp"
#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp::text;
using nlohmann::json;

namespace {

std::string show(const std::chrono::local_seconds& t) {
  using namespace std::chrono;
  const auto d = floor<days>(t);
  const year_month_day ymd{d};
  const hh_mm_ss tod{t - d};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

void check_date(const json& expect, const char* key, const std::optional<ReceiptDate>& date) {
  if (!expect.contains(key)) return;
  INFO(key);
  if (expect[key].is_null()) {
    CHECK((!date || !date->time));
    return;
  }
  REQUIRE(date);
  REQUIRE(date->time);
  CHECK(show(*date->time) == expect[key].get<std::string>());
}

template <class T>
void check_optional(const json& expect, const char* key, const std::optional<T>& value) {
  if (!expect.contains(key)) return;
  INFO(key);
  if (expect[key].is_null()) {
    CHECK_FALSE(value);
  } else {
    REQUIRE(value);
    CHECK(*value == expect[key].get<T>());
  }
}

}  // namespace

TEST_CASE("receipt: real-world corpus yields the fields each sample must") {
  const json corpus =
      json::parse(aiosmpp::test::read_file(AIOSMPP_TEST_DATA_DIR "/text/receipts.json"));
  REQUIRE(corpus.size() >= 10);
  for (const auto& sample : corpus) {
    const std::string text = sample["text"];
    INFO("sample: " << sample["source"].get<std::string>() << "\ntext: " << text);
    ReceiptTlvs tlvs;
    if (sample.contains("tlvs")) {
      tlvs.receipted_message_id = sample["tlvs"]["receipted_message_id"].get<std::string>();
      tlvs.message_state = sample["tlvs"]["message_state"].get<std::uint8_t>();
    }
    auto r = parse_receipt(text, tlvs);
    REQUIRE(r);
    const json& e = sample["expect"];
    CHECK(r->id == e["id"].get<std::string>());
    check_optional<std::uint32_t>(e, "submitted", r->submitted);
    check_optional<std::uint32_t>(e, "delivered", r->delivered);
    check_optional<std::uint32_t>(e, "error_code", r->error_code);
    check_optional<std::string>(e, "text", r->text);
    check_date(e, "submit_date", r->submit_date);
    check_date(e, "done_date", r->done_date);
    if (e.contains("done_date_raw")) CHECK(r->done_date->raw == e["done_date_raw"]);
    if (e.contains("submit_offset")) {
      CHECK(r->submit_date->utc_offset_quarter_hours == e["submit_offset"].get<int>());
    }
    if (e.contains("stat")) CHECK(r->stat == e["stat"].get<std::string>());
    if (e.contains("err")) CHECK(r->err == e["err"].get<std::string>());
    if (e.contains("state")) {
      REQUIRE(r->state);
      CHECK(static_cast<int>(*r->state) == e["state"].get<int>());
    }
    if (e.contains("state_from_tlv")) CHECK(r->state_from_tlv == e["state_from_tlv"].get<bool>());
    if (e.contains("id_from_tlv")) CHECK(r->id_from_tlv == e["id_from_tlv"].get<bool>());
    if (e.contains("receipted_message_id")) {
      CHECK(r->receipted_message_id == e["receipted_message_id"].get<std::string>());
    }
    if (e.contains("extras")) {
      REQUIRE(r->extras.size() == e["extras"].size());
      for (std::size_t i = 0; i < r->extras.size(); ++i) {
        CHECK(r->extras[i].first == e["extras"][i][0].get<std::string>());
        CHECK(r->extras[i].second == e["extras"][i][1].get<std::string>());
      }
    } else {
      CHECK(r->extras.empty());
    }
  }
}

TEST_CASE("receipt: no id anywhere is an error naming the field") {
  for (const char* text : {"", "stat:DELIVRD err:000", "hello there", "id: sub:001"}) {
    INFO(text);
    auto r = parse_receipt(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == TextErrc::invalid_receipt);
    CHECK(r.error().message.find("id") != std::string::npos);
  }
}

TEST_CASE("receipt: text keeps colons, spaces and key-like words once the id is known") {
  auto r = parse_receipt("id:1 stat:DELIVRD text:id:2 stat:UNDELIV time: 12:30 ");
  REQUIRE(r);
  CHECK(r->id == "1");
  CHECK(r->state == DeliveryState::delivered);
  CHECK(r->text == "id:2 stat:UNDELIV time: 12:30 ");
  auto nul = parse_receipt(std::string("id:9 stat:DELIVRD\0", 18));
  REQUIRE(nul);
  CHECK(nul->stat == "DELIVRD");
}

TEST_CASE("receipt: stat words and states") {
  CHECK(state_from_stat("DELIVRD") == DeliveryState::delivered);
  CHECK(state_from_stat("delivered") == DeliveryState::delivered);
  CHECK(state_from_stat("UNDELIV") == DeliveryState::undeliverable);
  CHECK(state_from_stat("REJECTD") == DeliveryState::rejected);
  CHECK(state_from_stat("ACCEPTD") == DeliveryState::accepted);
  CHECK(state_from_stat("EXPIRED") == DeliveryState::expired);
  CHECK(state_from_stat("DELETED") == DeliveryState::deleted);
  CHECK(state_from_stat("UNKNOWN") == DeliveryState::unknown);
  CHECK(state_from_stat("ENROUTE") == DeliveryState::enroute);
  CHECK_FALSE(state_from_stat("DELIVR"));
  for (int s = 0; s <= 9; ++s) {
    const auto st = static_cast<DeliveryState>(s);
    CHECK(state_from_stat(stat_word(st)) == st);
  }
  // An unknown stat word leaves the TLV to decide.
  auto r = parse_receipt("id:5 stat:WEIRD", {std::nullopt, std::uint8_t{3}});
  REQUIRE(r);
  CHECK(r->stat == "WEIRD");
  CHECK(r->state == DeliveryState::expired);
  CHECK(r->state_from_tlv);
}

TEST_CASE("receipt: is_receipt from esm_class as aiosmpplib") {
  CHECK(is_receipt(0x04));
  CHECK(is_receipt(0x44));  // with UDHI
  CHECK(is_receipt(0x07));  // messaging-mode bits ignored
  CHECK_FALSE(is_receipt(0x00));
  CHECK_FALSE(is_receipt(0x08));
  CHECK_FALSE(is_receipt(0x20));
  CHECK(is_intermediate_notification(0x20));
}

TEST_CASE("receipt: format and parse round trip") {
  using namespace std::chrono;
  Receipt r;
  r.id = "0123456789";
  r.submitted = 1;
  r.delivered = 1;
  r.submit_date = ReceiptDate{"", local_days{2010y / 5 / 23} + 20h + 39min, std::nullopt};
  r.done_date = ReceiptDate{"", local_days{2010y / 5 / 24} + 23h + 39min + 5s, std::nullopt};
  r.state = DeliveryState::delivered;
  r.error_code = 12;
  r.text = "This is a sample message that I want to have added to the delivery receipt";
  const std::string s = format_receipt(r);
  // The layout cloudhopper-smpp's toShortMessage test expects.
  CHECK(s ==
        "id:0123456789 sub:001 dlvrd:001 submit date:1005232039 done date:1005242339 "
        "stat:DELIVRD err:012 text:This is a sample mes");
  auto back = parse_receipt(s);
  REQUIRE(back);
  CHECK(back->id == r.id);
  CHECK(back->state == r.state);
  CHECK(back->error_code == 12);
  CHECK(back->text == "This is a sample mes");
  CHECK(back->submit_date->time == r.submit_date->time);

  const std::string with_seconds = format_receipt(r, {true, 5});
  CHECK(with_seconds.find("done date:100524233905 ") != std::string::npos);
  CHECK(with_seconds.substr(with_seconds.size() - 10) == "text:This ");

  // aiosmpplib's encode_receipt: capital Text:, padded to 20 characters.
  Receipt short_text;
  short_text.id = "7";
  short_text.text = "hi";
  ReceiptFormat aiosmpplib_style;
  aiosmpplib_style.text_key = "Text";
  aiosmpplib_style.pad_text = true;
  const std::string padded = format_receipt(short_text, aiosmpplib_style);
  CHECK(padded.substr(padded.size() - 25) == "Text:hi                  ");
  auto reparsed = parse_receipt(padded);
  REQUIRE(reparsed);
  CHECK(reparsed->text == "hi                  ");

  Receipt empty;
  empty.id = "x";
  empty.text = "жжжжжжжжжжжжжжжжжжжжжжжж";
  const std::string e = format_receipt(empty);
  CHECK(e ==
        "id:x sub:000 dlvrd:000 submit date:0000000000 done date:0000000000 stat:UNKNOWN "
        "err:000 text:жжжжжжжжжжжжжжжжжжжж");
}

TEST_CASE("receipt: dates in every accepted form, and what is not a date") {
  using namespace std::chrono;
  CHECK(parse_receipt_date("2401311259").time == local_days{2024y / 1 / 31} + 12h + 59min);
  CHECK(parse_receipt_date("240131125907").time == local_days{2024y / 1 / 31} + 12h + 59min + 7s);
  CHECK(parse_receipt_date("20240131125907").time == local_days{2024y / 1 / 31} + 12h + 59min + 7s);
  CHECK(parse_receipt_date("9912312359").time == local_days{1999y / 12 / 31} + 23h + 59min);
  auto smpp = parse_receipt_date("240131125907004-");
  CHECK(smpp.time == local_days{2024y / 1 / 31} + 12h + 59min + 7s);
  CHECK(smpp.utc_offset_quarter_hours == -4);
  for (const char* bad : {"2402301200", "2413011200", "2401012400", "24010112", "0000000000",
                          "24O1011200", "", "240101120000000R"}) {
    INFO(bad);
    const auto d = parse_receipt_date(bad);
    CHECK_FALSE(d.time);
    CHECK(d.raw == bad);
  }
}
