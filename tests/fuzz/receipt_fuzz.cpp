// Fuzz target: delivery receipt text, receipt dates and SMPP time strings.
//
// The last octets choose the receipted_message_id / message_state TLVs and the format options;
// the rest is the receipt text.
//
// Properties:
// - parse_receipt() fails only with invalid_receipt, and only when neither the text nor the TLV
//   gives an id; a TLV id is used when the text has none.
// - What parses formats, and when its id is one printable token (a TLV id may hold spaces and
//   colons, which receipt text cannot carry) the formatted text parses again with the same id
//   and formats to the same text from the second round on (format -> parse converges).
// - summarize_receipt() (the Esme's allocation-free read) agrees with parse_receipt(): the id is
//   the TLV's when given, else the text's; the state is the TLV's when 0..9, else the text's
//   stat:, with the same word; an intermediate notification is never final.
// - A network_error_code of 3 octets always reads, and its meaning is defined for every code.
// - parse_receipt_date() keeps the raw text.
// - SmppTime::parse() of what it accepts writes back a string that parses to the same value.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/received.hpp"
#include "aiosmpp/text/smpp_time.hpp"
#include "fuzz_check.hpp"

namespace {

namespace text = aiosmpp::text;

void check_time(std::string_view raw) {
  const auto time = text::SmppTime::parse(raw);
  if (!time) {
    AIOSMPP_FUZZ_CHECK(!time.error().message.empty(), "every error has a message");
    return;
  }
  AIOSMPP_FUZZ_CHECK(raw.size() == 16, "an SMPP time has 16 characters");
  const std::string written = time->to_string();
  AIOSMPP_FUZZ_CHECK(written.size() == 16, "to_string() writes 16 characters");
  const auto again = text::SmppTime::parse(written);
  AIOSMPP_FUZZ_CHECK(again.has_value() && *again == *time, "parse -> to_string -> parse");
}

void check_summary(const std::string& body, const text::ReceiptTlvs& tlvs, bool intermediate) {
  aiosmpp::DeliverSm d;
  d.esm_class = static_cast<aiosmpp::EsmClass>(intermediate ? 0x20 : 0x04);
  d.short_message = body;
  if (tlvs.receipted_message_id) {
    (void)d.tlvs.set<aiosmpp::tlv::ReceiptedMessageId>(*tlvs.receipted_message_id);
  }
  if (tlvs.message_state) d.tlvs.set<aiosmpp::tlv::MessageState>(*tlvs.message_state);
  const auto s = text::summarize_receipt(d);
  AIOSMPP_FUZZ_CHECK(s.has_value(), "a receipt's esm_class gives a summary");
  const auto from_text = text::parse_receipt(body);  // the text alone, no TLVs
  // The TLV as the PDU holds it (set() refuses what a C-octet string cannot carry).
  const auto tlv_id = d.tlvs.get<aiosmpp::tlv::ReceiptedMessageId>();
  if (tlv_id && !tlv_id->empty()) {
    AIOSMPP_FUZZ_CHECK(s->id_from_tlv && s->message_id == *tlv_id,
                       "the receipted_message_id TLV comes first");
  } else {
    AIOSMPP_FUZZ_CHECK(s->message_id == (from_text ? std::string_view(from_text->id) : ""),
                       "the text's id is parse_receipt's");
  }
  if (tlvs.message_state && *tlvs.message_state <= 9) {
    AIOSMPP_FUZZ_CHECK(
        s->state_from_tlv && s->state == static_cast<text::DeliveryState>(*tlvs.message_state),
        "the message_state TLV comes first");
  } else if (from_text) {
    AIOSMPP_FUZZ_CHECK(s->state == from_text->state && s->stat == from_text->stat,
                       "the text's state is parse_receipt's");
  }
  if (intermediate) AIOSMPP_FUZZ_CHECK(!s->is_final(), "an intermediate notification is not final");
  AIOSMPP_FUZZ_CHECK(!s->is_final() || text::is_final(s->state), "final only for a final state");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const auto flags = provider.ConsumeIntegral<std::uint8_t>();
  const auto state = provider.ConsumeIntegral<std::uint8_t>();
  const auto tlv_id_length = provider.ConsumeIntegralInRange<std::size_t>(0, 64);
  const auto text_length = provider.ConsumeIntegralInRange<std::size_t>(0, 160);
  std::string tlv_id = provider.ConsumeBytesAsString(tlv_id_length);
  const std::string body = provider.ConsumeRemainingBytesAsString();

  text::ReceiptTlvs tlvs;
  if ((flags & 0x01) != 0) tlvs.receipted_message_id = tlv_id;
  if ((flags & 0x02) != 0) tlvs.message_state = state;
  text::ReceiptFormat format;
  format.seconds_in_dates = (flags & 0x04) != 0;
  format.pad_text = (flags & 0x08) != 0;
  format.text_key = (flags & 0x10) != 0 ? "Text" : "text";
  format.text_length = text_length;

  const auto receipt = text::parse_receipt(body, tlvs);
  if (!receipt) {
    AIOSMPP_FUZZ_CHECK(receipt.error().code == text::TextErrc::invalid_receipt,
                       "a receipt fails only for want of an id");
    AIOSMPP_FUZZ_CHECK(!tlvs.receipted_message_id || tlvs.receipted_message_id->empty(),
                       "a TLV id is enough for a receipt");
  } else {
    AIOSMPP_FUZZ_CHECK(!receipt->id.empty(), "a parsed receipt has an id");
    if (receipt->id_from_tlv) {
      AIOSMPP_FUZZ_CHECK(tlvs.receipted_message_id && receipt->id == *tlvs.receipted_message_id,
                         "id_from_tlv means the TLV's id");
    }
    // An id is written as it is, so only one that reads back as one token (printable, no space
    // or colon) can survive the text form; a TLV id may hold anything.
    const bool token_id = std::all_of(receipt->id.begin(), receipt->id.end(),
                                      [](char c) { return c > ' ' && c < 0x7F && c != ':'; });
    if (token_id) {
      const std::string once = text::format_receipt(*receipt, format);
      const auto reparsed = text::parse_receipt(once);
      AIOSMPP_FUZZ_CHECK(reparsed.has_value(), "a formatted receipt parses");
      AIOSMPP_FUZZ_CHECK(reparsed->id == receipt->id, "the id survives format -> parse");
      // One round may still normalise the text field (format cuts it at the first invalid UTF-8
      // and pads; parse trims), so the fixed point is required from the second round on.
      const std::string twice = text::format_receipt(*reparsed, format);
      const auto third = text::parse_receipt(twice);
      AIOSMPP_FUZZ_CHECK(third.has_value() && third->id == receipt->id, "the id survives again");
      const std::string thrice = text::format_receipt(*third, format);
      AIOSMPP_FUZZ_CHECK(twice == thrice, "format -> parse -> format reaches a fixed point");
    }
  }

  check_summary(body, tlvs, (flags & 0x20) != 0);
  if (body.size() == 3) {
    const auto e = text::parse_network_error_code(
        {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
    AIOSMPP_FUZZ_CHECK(e.has_value(), "three octets always read as a network_error_code");
    (void)text::describe(*e);
  }

  const auto date = text::parse_receipt_date(body);
  AIOSMPP_FUZZ_CHECK(date.raw == body, "a receipt date keeps its raw text");
  check_time(body);
  const auto stat = text::state_from_stat(body);
  if (stat) {
    AIOSMPP_FUZZ_CHECK(text::state_from_stat(text::stat_word(*stat)) == stat,
                       "stat_word() reads back as its state");
  }
  return 0;
}
