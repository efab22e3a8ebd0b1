#include "aiosmpp/text/received.hpp"

#include "aiosmpp/text/udh.hpp"
#include "receipt_scan.hpp"

namespace aiosmpp::text {
namespace {

std::span<const std::uint8_t> octets(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <class Pdu>
std::span<const std::uint8_t> user_data_of(const Pdu& pdu) noexcept {
  if constexpr (requires { pdu.short_message; }) {
    if (!pdu.short_message.empty()) return octets(pdu.short_message);
  }
  if (auto p = pdu.tlvs.template get<tlv::MessagePayload>()) return *p;
  return {};
}

template <class Pdu>
Result<DecodedUserData> decode_of(const Pdu& pdu, const TextDecodeOptions& options) {
  return decode_user_data(user_data_of(pdu), static_cast<std::uint8_t>(pdu.data_coding),
                          has_udhi(pdu.esm_class), options);
}

template <class Pdu>
Result<Receipt> receipt_of(const Pdu& pdu, const TextDecodeOptions& options) {
  ReceiptTlvs tlvs;
  if (auto id = pdu.tlvs.template get<tlv::ReceiptedMessageId>()) {
    tlvs.receipted_message_id = std::string(*id);
  }
  tlvs.message_state = pdu.tlvs.template get<tlv::MessageState>();
  if (auto code = pdu.tlvs.template get<tlv::NetworkErrorCode>()) {
    tlvs.network_error = parse_network_error_code(*code);
  }
  // SMSCs write receipt text in ASCII whatever data_coding 0 means on the link (cloudhopper and
  // jsmpp read it as Latin-1 too); decoding it as GSM would turn '@' into '¡' and '$' into '¤'.
  const auto dc = static_cast<std::uint8_t>(pdu.data_coding);
  Result<DecodedUserData> decoded = dc == data_coding::smsc_default || dc == data_coding::ia5
                                        ? decode_user_data(user_data_of(pdu), data_coding::latin1,
                                                           has_udhi(pdu.esm_class), options)
                                        : decode_of(pdu, options);
  // Undecodable text still leaves the TLVs to go by.
  return parse_receipt(decoded ? std::string_view(decoded->text) : std::string_view(), tlvs);
}

template <class Pdu>
std::optional<ReceiptSummary> summary_of(const Pdu& pdu) noexcept {
  const auto esm = static_cast<std::uint8_t>(pdu.esm_class);
  const bool intermediate = is_intermediate_notification(esm);
  if (!intermediate && !is_receipt(esm)) return std::nullopt;
  ReceiptSummary s;
  s.intermediate = intermediate;
  if (auto id = pdu.tlvs.template get<tlv::ReceiptedMessageId>(); id && !id->empty()) {
    s.message_id = *id;
    s.id_from_tlv = true;
  }
  if (auto state = pdu.tlvs.template get<tlv::MessageState>(); state && *state <= 9) {
    s.state = static_cast<DeliveryState>(*state);
    s.state_from_tlv = true;
  }
  if (s.id_from_tlv && s.state_from_tlv) return s;
  std::span<const std::uint8_t> data = user_data_of(pdu);
  if (has_udhi(pdu.esm_class) && !data.empty() && 1u + data[0] <= data.size()) {
    data = data.subspan(1u + data[0]);
  }
  const auto fields = detail::find_id_and_stat(
      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  if (!s.id_from_tlv) s.message_id = fields.id;
  if (!s.state_from_tlv) {
    s.stat = fields.stat;
    s.state = state_from_stat(fields.stat);
  }
  return s;
}

}  // namespace

std::span<const std::uint8_t> user_data(const DeliverSm& pdu) noexcept {
  return user_data_of(pdu);
}
std::span<const std::uint8_t> user_data(const DataSm& pdu) noexcept {
  return user_data_of(pdu);
}
std::span<const std::uint8_t> user_data(const DeliverSmView& pdu) noexcept {
  return user_data_of(pdu);
}
std::span<const std::uint8_t> user_data(const DataSmView& pdu) noexcept {
  return user_data_of(pdu);
}
Result<DecodedUserData> decode_text(const DeliverSmView& pdu, const TextDecodeOptions& options) {
  return decode_of(pdu, options);
}
Result<DecodedUserData> decode_text(const DataSmView& pdu, const TextDecodeOptions& options) {
  return decode_of(pdu, options);
}
Result<Receipt> parse_receipt(const DeliverSmView& pdu, const TextDecodeOptions& options) {
  return receipt_of(pdu, options);
}
Result<Receipt> parse_receipt(const DataSmView& pdu, const TextDecodeOptions& options) {
  return receipt_of(pdu, options);
}
std::optional<ReceiptSummary> summarize_receipt(const DeliverSmView& pdu) noexcept {
  return summary_of(pdu);
}
std::optional<ReceiptSummary> summarize_receipt(const DataSmView& pdu) noexcept {
  return summary_of(pdu);
}
std::optional<ReceiptSummary> summarize_receipt(const DeliverSm& pdu) noexcept {
  return summary_of(pdu);
}
std::optional<ReceiptSummary> summarize_receipt(const DataSm& pdu) noexcept {
  return summary_of(pdu);
}

Result<DecodedUserData> decode_text(const DeliverSm& pdu, const TextDecodeOptions& options) {
  return decode_of(pdu, options);
}
Result<DecodedUserData> decode_text(const DataSm& pdu, const TextDecodeOptions& options) {
  return decode_of(pdu, options);
}

Result<Receipt> parse_receipt(const DeliverSm& pdu, const TextDecodeOptions& options) {
  return receipt_of(pdu, options);
}
Result<Receipt> parse_receipt(const DataSm& pdu, const TextDecodeOptions& options) {
  return receipt_of(pdu, options);
}

std::optional<PartInfo> part_info(const DeliverSm& pdu) {
  if (has_udhi(pdu.esm_class)) {
    auto h = parse_udh(user_data(pdu));
    if (h && h->concatenation) {
      const auto& c = *h->concatenation;
      return PartInfo{{pdu.source.number, pdu.destination.number, c.reference, c.total}, c.seqnum};
    }
  }
  const auto ref = pdu.tlvs.get<tlv::SarMsgRefNum>();
  const auto total = pdu.tlvs.get<tlv::SarTotalSegments>();
  const auto seq = pdu.tlvs.get<tlv::SarSegmentSeqnum>();
  if (ref && total && seq && *total > 0 && *seq > 0 && *seq <= *total) {
    return PartInfo{{pdu.source.number, pdu.destination.number, *ref, *total}, *seq};
  }
  return std::nullopt;
}

Result<std::optional<ReassembledDeliverSm>> DeliverSmReassembler::add(DeliverSm pdu,
                                                                      TimePoint now) {
  const auto info = part_info(pdu);
  if (!info || info->key.total == 1) {
    auto d = decode_text(pdu, decode_);
    if (!d) return d.error();
    ReassembledDeliverSm whole{pdu, std::move(d->text), {}};
    whole.parts.push_back(std::move(pdu));
    return std::optional<ReassembledDeliverSm>(std::move(whole));
  }
  auto added = inner_.add(info->key, info->seqnum, std::move(pdu), now);
  if (added.outcome != Inner::Outcome::complete) return std::optional<ReassembledDeliverSm>{};

  ReassembledDeliverSm whole;
  whole.parts = std::move(added.message->parts);
  whole.message = whole.parts.front();
  std::vector<std::uint8_t> joined;
  gsm7::Tables tables{};
  bool packed = false;
  for (const auto& part : whole.parts) {
    auto d = decode_text(part, decode_);
    if (!d) return d.error();
    whole.text += d->text;
    auto data = user_data(part);
    std::size_t skip = 0;
    if (d->udh) {
      skip = d->udh->length;
      tables.locking = d->udh->locking_shift.value_or(gsm7::Language::none);
      tables.single_shift = d->udh->single_shift.value_or(gsm7::Language::none);
    }
    const auto* codec = (decode_.registry != nullptr ? *decode_.registry : CodecRegistry::builtin())
                            .find(static_cast<std::uint8_t>(part.data_coding));
    const auto* gsm = dynamic_cast<const Gsm7Codec*>(codec);
    packed = gsm != nullptr && gsm->packed();
    if (packed) {
      // Joined packed septets would be misaligned; join them unpacked and pack once below.
      const auto septets = gsm7::unpack_all(data.subspan(skip), gsm7::fill_bits(skip));
      joined.insert(joined.end(), septets.begin(), septets.end());
    } else {
      joined.insert(joined.end(), data.begin() + static_cast<std::ptrdiff_t>(skip), data.end());
    }
  }
  std::vector<std::uint8_t> ud;
  append_udh(ud, std::nullopt, tables);
  if (packed) {
    gsm7::pack(joined, ud, gsm7::fill_bits(ud.size()));
  } else {
    ud.insert(ud.end(), joined.begin(), joined.end());
  }
  DeliverSm& m = whole.message;
  m.esm_class = static_cast<EsmClass>(static_cast<std::uint8_t>(m.esm_class) & ~0x40u);
  if (!ud.empty() && tables != gsm7::Tables{}) m.esm_class = m.esm_class | EsmClass::udhi;
  m.tlvs.erase<tlv::SarMsgRefNum>();
  m.tlvs.erase<tlv::SarTotalSegments>();
  m.tlvs.erase<tlv::SarSegmentSeqnum>();
  m.tlvs.erase<tlv::MessagePayload>();
  if (ud.size() <= 254) {
    m.short_message.assign(ud.begin(), ud.end());
  } else {
    m.short_message.clear();
    if (!m.tlvs.set<tlv::MessagePayload>(ud)) {
      return TextError{TextErrc::too_long, "reassembled message_payload exceeds 65535 octets"};
    }
  }
  return std::optional<ReassembledDeliverSm>(std::move(whole));
}

std::vector<PartialDeliverSm> DeliverSmReassembler::expire(TimePoint now) {
  std::vector<PartialDeliverSm> out;
  for (auto& inc : inner_.expire(now)) {
    out.push_back(PartialDeliverSm{std::move(inc.key), std::move(inc.parts),
                                   std::move(inc.received), std::move(inc.missing),
                                   inc.reason == Inner::Incomplete::Reason::evicted});
  }
  return out;
}

}  // namespace aiosmpp::text
