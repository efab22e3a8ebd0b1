// docs/guides/long-and-unicode.md: encodings, long messages, and what the message layer sends.
// Runs without a network (a test runs it); it checks what the guide says and fails otherwise.

#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "aiosmpp/text/text.hpp"

namespace {

void expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

void run() {
  // snippet-begin: count
  // Before sending (or in a UI): which encoding, how many parts, what is left in the last one.
  for (const char* text : {"Hello!", "Hello 👋", "Grüße aus Köln"}) {
    auto count = aiosmpp::text::count_segments(text);
    if (!count) throw std::runtime_error(count.error().message);
    fmt::print("{:<16} {:<5} {} part(s), {} units free\n", text,
               aiosmpp::text::encoding_name(count->encoding), count->segments, count->remaining);
  }
  // snippet-end: count
  expect(aiosmpp::text::count_segments("Hello 👋")->encoding == aiosmpp::text::Encoding::ucs2,
         "an emoji needs UCS2");
  expect(aiosmpp::text::count_segments("Grüße aus Köln")->encoding == aiosmpp::text::Encoding::gsm7,
         "ü, ß and ö are in the GSM 03.38 default alphabet");

  // snippet-begin: long
  aiosmpp::SubmitSm msg;
  msg.source = aiosmpp::PhoneNumber("ACME", aiosmpp::Ton::alphanumeric);
  msg.destination =
      aiosmpp::PhoneNumber("447700900123", aiosmpp::Ton::international, aiosmpp::Npi::isdn);
  msg.text = aiosmpp::MessageText{
      .utf8 = std::string(200, 'x'),                   // 200 GSM characters: two parts
      .long_message = aiosmpp::LongMessageMode::udh8,  // split with a concatenation UDH
  };
  msg.tracking.log_id = "newsletter-7";
  // snippet-end: long

  // snippet-begin: render
  // What the Esme does with every message it takes from the broker (you rarely call it):
  auto parts = aiosmpp::text::render(msg);
  if (!parts) throw std::runtime_error(parts.error().message);
  for (const auto& part : *parts) {
    fmt::print("part: data_coding={} esm_class={} {} octets\n", part.data_coding,
               aiosmpp::to_string(part.esm_class), part.short_message.size());
  }
  // snippet-end: render
  expect(parts->size() == 2, "200 GSM characters with udh8 are two parts");
  expect(aiosmpp::has_udhi(parts->front().esm_class), "UDH parts set esm_class UDHI");

  // snippet-begin: explicit
  // Choose the encoding yourself; characters it cannot hold fail (strict, the default) or
  // become '?' (replace).
  aiosmpp::MessageText latin{.utf8 = "Price: 5 €",
                             .encoding = aiosmpp::TextEncoding::latin1,
                             .errors = aiosmpp::ErrorMode::replace};
  // snippet-end: explicit
  aiosmpp::SubmitSm priced;
  priced.text = latin;
  auto one = aiosmpp::text::render(priced);
  expect(one && one->front().short_message == "Price: 5 ?", "€ is not in Latin-1: replaced");
  priced.text->errors = aiosmpp::ErrorMode::strict;
  auto strict = aiosmpp::text::render(priced);
  expect(!strict, "strict mode refuses €");
  fmt::print("strict: {}\n", strict.error().message);

  // snippet-begin: validity
  // Times: relative (the SMSC adds it to its clock) or absolute, from std::chrono.
  auto two_hours = aiosmpp::text::SmppTime::relative(std::chrono::hours(2));
  msg.validity_period = two_hours->to_string();  // "000000020000000R"
  // snippet-end: validity
  expect(msg.validity_period == "000000020000000R", "relative validity");
}

}  // namespace

int main() {
  try {
    run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
