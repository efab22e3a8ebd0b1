// The outcome record's JSON: aiosmpp-send's lines exactly as docs/guides/send.md shows them (the
// tool's output must not change), the stream's outcome and receipt events, the response and
// SendError rules, and the parser's errors naming the key.

#include <cstdint>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiosmpp/json.hpp"
#include "aiosmpp/json/outcome.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;

namespace {

// SendError's shape (the runtime's type lives a layer up): an enum with the same enumerators
// and a formatter.
struct FakeSendError {
  enum class Kind { invalid_message, not_sent, outcome_unknown };
  Kind kind;
};

}  // namespace

template <>
struct fmt::formatter<FakeSendError> : fmt::formatter<std::string_view> {
  auto format(const FakeSendError&, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "outcome_unknown: response timeout");
  }
};

TEST_CASE("outcome JSON: aiosmpp-send's lines, byte for byte as documented") {
  OutcomeRecord r;
  r.line = 2;
  r.id = "order-17";
  r.destination = "447700900001";
  SubmitSmResp resp;
  resp.message_id = "9a1f";
  set_response(r, Pdu{resp});
  CHECK(outcome_json(r) ==
        R"({"line":2,"id":"order-17","destination":"447700900001","outcome":"ok",)"
        R"("command_status":"ESME_ROK","command_status_code":0,"message_id":"9a1f","error":null})");

  OutcomeRecord bad;
  bad.line = 4;
  bad.kind = OutcomeKind::invalid;
  bad.error = "destination: empty";
  CHECK(outcome_json(bad) ==
        R"({"line":4,"id":null,"destination":"","outcome":"invalid","command_status":null,)"
        R"("command_status_code":null,"message_id":null,"error":"destination: empty"})");

  r.receipt_asked = true;
  CHECK(outcome_json(r).ends_with(R"("error":null,"receipt":null})"));
  r.receipt_state = "delivered";
  CHECK(outcome_json(r).ends_with(R"("error":null,"receipt":"delivered"})"));
}

TEST_CASE("outcome JSON: the response and SendError rules") {
  OutcomeRecord r;
  SubmitSmResp throttled;
  throttled.header.command_status = CommandStatus::throttled;
  set_response(r, Pdu{throttled});
  CHECK(r.kind == OutcomeKind::rejected);
  CHECK(r.status == CommandStatus::throttled);
  CHECK_FALSE(r.error.empty());

  GenericNack nack;  // ESME_ROK in a generic_nack is still a refusal
  CHECK(outcome_kind_of_response(Pdu{nack}) == OutcomeKind::rejected);

  CHECK(outcome_kind_of_send_error(FakeSendError::Kind::invalid_message) == OutcomeKind::invalid);
  CHECK(outcome_kind_of_send_error(FakeSendError::Kind::not_sent) == OutcomeKind::not_sent);
  CHECK(outcome_kind_of_send_error(FakeSendError::Kind::outcome_unknown) == OutcomeKind::unknown);
  OutcomeRecord e;
  set_send_error(e, FakeSendError{FakeSendError::Kind::outcome_unknown});
  CHECK(e.kind == OutcomeKind::unknown);
  CHECK(e.error == "outcome_unknown: response timeout");
}

TEST_CASE("outcome JSON: stream events round-trip") {
  OutcomeRecord o;
  o.event = OutcomeRecord::Event::outcome;
  o.id = "log-1";
  o.destination = "254722999999";
  o.kind = OutcomeKind::unknown;
  o.error = "outcome_unknown: connection closed";
  o.extra_data = R"({"customer":17})";
  o.client_id = "acme#0";
  const auto text = outcome_json(o);
  CHECK(text.starts_with(R"({"event":"outcome","id":"log-1",)"));
  const auto back = outcome_from_json(text);
  CHECK(back.event == OutcomeRecord::Event::outcome);
  CHECK(back.line == 0);
  CHECK(back.id == o.id);
  CHECK(back.destination == o.destination);
  CHECK(back.kind == OutcomeKind::unknown);
  CHECK_FALSE(back.status);
  CHECK(back.error == o.error);
  CHECK(back.extra_data == o.extra_data);
  CHECK(back.client_id == o.client_id);
  CHECK(outcome_json(back) == text);

  OutcomeRecord rc;
  rc.event = OutcomeRecord::Event::receipt;
  rc.id = "log-1";
  rc.destination = "254722999999";
  rc.message_id = "abc";
  rc.receipt_state = "delivered";
  rc.final_state = true;
  rc.matched = true;
  const auto rtext = outcome_json(rc);
  CHECK(rtext ==
        R"({"event":"receipt","id":"log-1","destination":"254722999999","message_id":"abc",)"
        R"("receipt":"delivered","final":true,"matched":true,"repeat":false,"held":false})");
  const auto rback = outcome_from_json(rtext);
  CHECK(rback.event == OutcomeRecord::Event::receipt);
  CHECK(rback.receipt_state == std::optional<std::string>("delivered"));
  CHECK(rback.final_state);
  CHECK(rback.matched);
  CHECK_FALSE(rback.repeat);
  CHECK(outcome_json(rback) == rtext);

  // aiosmpp-send's line reads back too, and writes the same.
  const std::string line =
      R"({"line":2,"id":"order-17","destination":"447700900001","outcome":"rejected",)"
      R"("command_status":"ESME_RTHROTTLED","command_status_code":88,"message_id":null,)"
      R"("error":"Throttling error","receipt":null})";
  const auto l = outcome_from_json(line);
  CHECK(l.line == 2);
  CHECK(l.status == CommandStatus::throttled);
  CHECK(l.receipt_asked);
  CHECK(outcome_json(l) == line);
}

TEST_CASE("outcome JSON: errors name the key") {
  CHECK_THROWS_WITH(outcome_from_json("nope"), Catch::Contains("not JSON"));
  CHECK_THROWS_WITH(outcome_from_json(R"({"id":null,"outcome":"ok"})"),
                    Catch::Contains("outcome.destination"));
  CHECK_THROWS_WITH(outcome_from_json(R"({"destination":"1","outcome":"fine"})"),
                    Catch::Contains("outcome.outcome"));
  CHECK_THROWS_WITH(outcome_from_json(R"({"destination":"1","outcome":"ok","colour":1})"),
                    Catch::Contains("outcome.colour"));
  CHECK_THROWS_WITH(outcome_from_json(R"({"event":"x","destination":"1"})"),
                    Catch::Contains("outcome.event"));
  CHECK_THROWS_AS(outcome_from_json(R"({"destination":"1","outcome":"ok","line":-1})"), JsonError);
}

namespace {

// The document outcome_json wrote before it wrote directly: the direct writer must match it byte
// for byte, escapes and the replacement of invalid UTF-8 included.
std::string outcome_json_by_document(const OutcomeRecord& r) {
  using Json = nlohmann::ordered_json;
  const auto text_or_null = [](const std::string& v) { return v.empty() ? Json() : Json(v); };
  Json j;
  const bool receipt = r.event == OutcomeRecord::Event::receipt;
  if (r.event) j["event"] = receipt ? "receipt" : "outcome";
  if (r.line != 0) j["line"] = r.line;
  j["id"] = text_or_null(r.id);
  j["destination"] = r.destination;
  if (!receipt) {
    j["outcome"] = to_string(r.kind);
    j["command_status"] = r.status ? Json(status_name(*r.status)) : Json();
    j["command_status_code"] = r.status ? Json(static_cast<std::uint32_t>(*r.status)) : Json();
  }
  j["message_id"] = text_or_null(r.message_id);
  if (!receipt) j["error"] = text_or_null(r.error);
  if (r.receipt_asked || receipt) j["receipt"] = r.receipt_state ? Json(*r.receipt_state) : Json();
  if (receipt) {
    j["final"] = r.final_state;
    j["matched"] = r.matched;
    j["repeat"] = r.repeat;
    j["held"] = r.held;
  }
  if (!r.extra_data.empty()) j["extra_data"] = r.extra_data;
  if (!r.client_id.empty()) j["client_id"] = r.client_id;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("outcome JSON: written directly, the same octets as the JSON document") {
  std::mt19937 rng(20261207);
  const std::vector<std::string> texts{"",
                                       "order-17",
                                       "say \"hi\"",
                                       "back\\slash",
                                       "tab\there",
                                       "new\nline",
                                       "\x01\x1f",
                                       "caf\xc3\xa9",
                                       "emoji \xf0\x9f\x98\x80",
                                       "bad \xff utf-8",
                                       "cut \xe2\x82",
                                       "\x7f",
                                       "/"};
  const auto pick = [&] { return texts[rng() % texts.size()]; };
  for (int i = 0; i < 2000; ++i) {
    OutcomeRecord r;
    if (rng() % 3 != 0) {
      r.event = rng() % 2 ? OutcomeRecord::Event::receipt : OutcomeRecord::Event::outcome;
    }
    r.line = rng() % 2 ? 0 : rng();
    r.id = pick();
    r.destination = pick();
    r.kind = static_cast<OutcomeKind>(rng() % 5);
    if (rng() % 2) r.status = static_cast<CommandStatus>(rng() % 3 ? rng() % 0x100 : rng());
    r.message_id = pick();
    r.error = pick();
    r.receipt_asked = rng() % 2;
    if (rng() % 2) r.receipt_state = pick();
    r.final_state = rng() % 2;
    r.matched = rng() % 2;
    r.repeat = rng() % 2;
    r.held = rng() % 2;
    r.extra_data = pick();
    r.client_id = pick();
    INFO("record " << i);
    REQUIRE(outcome_json(r) == outcome_json_by_document(r));
  }
}
