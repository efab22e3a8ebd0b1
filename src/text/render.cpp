#include "aiosmpp/text/render.hpp"

#include <fmt/format.h>

namespace aiosmpp::text {
namespace {

Encoding to_encoding(TextEncoding e) noexcept {
  switch (e) {
    case TextEncoding::automatic:
      return Encoding::automatic;
    case TextEncoding::smsc_default:
      return Encoding::smsc_default;
    case TextEncoding::gsm7:
      return Encoding::gsm7;
    case TextEncoding::gsm7_packed:
      return Encoding::gsm7_packed;
    case TextEncoding::ascii:
      return Encoding::ascii;
    case TextEncoding::latin1:
      return Encoding::latin1;
    case TextEncoding::ucs2:
      return Encoding::ucs2;
    case TextEncoding::custom:
      return Encoding::custom;
  }
  return Encoding::automatic;
}

LongMessage to_long_message(LongMessageMode m) noexcept {
  switch (m) {
    case LongMessageMode::message_payload:
      return LongMessage::message_payload;
    case LongMessageMode::udh8:
      return LongMessage::udh8;
    case LongMessageMode::udh16:
      return LongMessage::udh16;
    case LongMessageMode::sar:
      return LongMessage::sar;
  }
  return LongMessage::message_payload;
}

std::string as_string(const std::vector<std::uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// Fills one copy of a short_message-carrying PDU with one segment.
template <class Pdu>
Result<void> fill(Pdu& out, const SplitResult& r, const Segment& s) {
  out.text.reset();
  out.data_coding = static_cast<DataCoding>(r.data_coding);
  if (r.udhi) out.esm_class = out.esm_class | EsmClass::udhi;
  out.tlvs.template erase<tlv::MessagePayload>();
  out.tlvs.template erase<tlv::SarMsgRefNum>();
  out.tlvs.template erase<tlv::SarTotalSegments>();
  out.tlvs.template erase<tlv::SarSegmentSeqnum>();
  if (r.message_payload) {
    out.short_message.clear();
    auto set = out.tlvs.template set<tlv::MessagePayload>(s.bytes);
    if (!set) {
      return TextError{
          TextErrc::too_long,
          fmt::format("message_payload: {} octets exceed the limit of 65535", s.bytes.size())};
    }
  } else {
    out.short_message = as_string(s.bytes);
  }
  if (s.sar) {
    out.tlvs.template set<tlv::SarMsgRefNum>(s.sar->reference);
    out.tlvs.template set<tlv::SarTotalSegments>(s.sar->total);
    out.tlvs.template set<tlv::SarSegmentSeqnum>(s.sar->seqnum);
  }
  return {};
}

template <class Pdu>
Result<std::vector<Pdu>> render_sm(const Pdu& pdu, const RenderOptions& options) {
  if (!pdu.text) return std::vector<Pdu>{pdu};
  auto r = split(pdu.text->utf8, split_options(*pdu.text, options));
  if (!r) return r.error();
  std::vector<Pdu> out;
  out.reserve(r->segments.size());
  for (const auto& s : r->segments) {
    out.push_back(pdu);
    auto f = fill(out.back(), *r, s);
    if (!f) return f.error();
  }
  return out;
}

}  // namespace

SplitOptions split_options(const MessageText& text, const RenderOptions& options) {
  SplitOptions o;
  o.encoding = to_encoding(text.encoding);
  o.custom_data_coding = text.custom_data_coding;
  o.long_message = to_long_message(text.long_message);
  o.errors = text.errors;
  o.registry = options.registry;
  o.reference_generator = options.reference_generator;
  o.national_languages = options.national_languages;
  o.languages = options.languages;
  return o;
}

Result<std::vector<SubmitSm>> render(const SubmitSm& pdu, const RenderOptions& options) {
  return render_sm(pdu, options);
}

Result<std::vector<DeliverSm>> render(const DeliverSm& pdu, const RenderOptions& options) {
  return render_sm(pdu, options);
}

Result<std::vector<SubmitMulti>> render(const SubmitMulti& pdu, const RenderOptions& options) {
  return render_sm(pdu, options);
}

Result<std::vector<DataSm>> render(const DataSm& pdu, const RenderOptions& options) {
  if (!pdu.text) return std::vector<DataSm>{pdu};
  // One data_sm carries any length in message_payload; only the split modes make several.
  auto r = split(pdu.text->utf8, split_options(*pdu.text, options));
  if (!r) return r.error();
  std::vector<DataSm> out;
  out.reserve(r->segments.size());
  for (const auto& s : r->segments) {
    DataSm d = pdu;
    d.text.reset();
    d.data_coding = static_cast<DataCoding>(r->data_coding);
    if (r->udhi) d.esm_class = d.esm_class | EsmClass::udhi;
    d.tlvs.erase<tlv::MessagePayload>();
    d.tlvs.erase<tlv::SarMsgRefNum>();
    d.tlvs.erase<tlv::SarTotalSegments>();
    d.tlvs.erase<tlv::SarSegmentSeqnum>();
    auto set = d.tlvs.set<tlv::MessagePayload>(s.bytes);
    if (!set) {
      return TextError{
          TextErrc::too_long,
          fmt::format("message_payload: {} octets exceed the limit of 65535", s.bytes.size())};
    }
    if (s.sar) {
      d.tlvs.set<tlv::SarMsgRefNum>(s.sar->reference);
      d.tlvs.set<tlv::SarTotalSegments>(s.sar->total);
      d.tlvs.set<tlv::SarSegmentSeqnum>(s.sar->seqnum);
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<ReplaceSm> render(const ReplaceSm& pdu, const RenderOptions& options) {
  if (!pdu.text) return pdu;
  if (pdu.text->encoding == TextEncoding::automatic) {
    return TextError{TextErrc::invalid_argument,
                     "replace_sm: text encoding must be explicit (replace_sm has no data_coding; "
                     "the original submit_sm's applies)"};
  }
  SplitOptions o = split_options(*pdu.text, options);
  o.long_message = LongMessage::none;  // no message_payload and no segments in replace_sm
  auto r = split(pdu.text->utf8, o);
  if (!r) return r.error();
  if (r->udhi) {
    return TextError{TextErrc::invalid_argument,
                     "replace_sm: the text needs a UDH (national language tables), which "
                     "replace_sm cannot signal (no esm_class)"};
  }
  ReplaceSm out = pdu;
  out.text.reset();
  out.short_message = as_string(r->segments.front().bytes);
  return out;
}

}  // namespace aiosmpp::text
