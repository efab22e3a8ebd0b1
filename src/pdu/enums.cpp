#include <string>
#include <string_view>

#include "aiosmpp/pdu/enums.hpp"

namespace aiosmpp {

std::string_view to_string(BindType type) noexcept {
  switch (type) {
    case BindType::transmitter:
      return "transmitter";
    case BindType::receiver:
      return "receiver";
    case BindType::transceiver:
      return "transceiver";
  }
  return "unknown";
}

std::string_view to_string(Ton v) noexcept {
  switch (v) {
    case Ton::unknown:
      return "unknown";
    case Ton::international:
      return "international";
    case Ton::national:
      return "national";
    case Ton::network_specific:
      return "network_specific";
    case Ton::subscriber_number:
      return "subscriber_number";
    case Ton::alphanumeric:
      return "alphanumeric";
    case Ton::abbreviated:
      return "abbreviated";
  }
  return "reserved";
}

std::string_view to_string(Npi v) noexcept {
  switch (v) {
    case Npi::unknown:
      return "unknown";
    case Npi::isdn:
      return "isdn";
    case Npi::data:
      return "data";
    case Npi::telex:
      return "telex";
    case Npi::land_mobile:
      return "land_mobile";
    case Npi::national:
      return "national";
    case Npi::private_plan:
      return "private";
    case Npi::ermes:
      return "ermes";
    case Npi::internet:
      return "internet";
    case Npi::wap_client_id:
      return "wap_client_id";
  }
  return "reserved";
}

std::string_view to_string(DataCoding v) noexcept {
  switch (v) {
    case DataCoding::smsc_default:
      return "smsc_default";
    case DataCoding::ia5:
      return "ia5";
    case DataCoding::octet_unspecified:
      return "octet_unspecified";
    case DataCoding::latin1:
      return "latin1";
    case DataCoding::binary:
      return "binary";
    case DataCoding::jis:
      return "jis";
    case DataCoding::cyrillic:
      return "cyrillic";
    case DataCoding::latin_hebrew:
      return "latin_hebrew";
    case DataCoding::ucs2:
      return "ucs2";
    case DataCoding::pictogram:
      return "pictogram";
    case DataCoding::iso2022_jp:
      return "iso2022_jp";
    case DataCoding::extended_kanji:
      return "extended_kanji";
    case DataCoding::ks_c_5601:
      return "ks_c_5601";
  }
  const auto b = static_cast<unsigned>(v);
  if (b >= 0xC0 && b <= 0xCF) return "gsm_mwi_discard";
  if (b >= 0xD0 && b <= 0xDF) return "gsm_mwi_store";
  if (b >= 0xF0) return "gsm_message_class";
  return "reserved";
}

std::string_view to_string(MessageState v) noexcept {
  switch (v) {
    case MessageState::scheduled:
      return "scheduled";
    case MessageState::enroute:
      return "enroute";
    case MessageState::delivered:
      return "delivered";
    case MessageState::expired:
      return "expired";
    case MessageState::deleted:
      return "deleted";
    case MessageState::undeliverable:
      return "undeliverable";
    case MessageState::accepted:
      return "accepted";
    case MessageState::unknown:
      return "unknown";
    case MessageState::rejected:
      return "rejected";
    case MessageState::skipped:
      return "skipped";
  }
  return "reserved";
}

std::string_view to_string(InterfaceVersion v) noexcept {
  const auto b = static_cast<unsigned>(v);
  if (b == 0x34) return "smpp_3_4";
  if (b == 0x50) return "smpp_5_0";
  if (b <= 0x33) return "smpp_3_3_or_earlier";
  return "reserved";
}

std::string_view to_string(DestFlag v) noexcept {
  switch (v) {
    case DestFlag::sme_address:
      return "sme_address";
    case DestFlag::distribution_list:
      return "distribution_list";
  }
  return "invalid";
}

std::string to_string(EsmClass v) {
  const auto b = static_cast<unsigned>(v);
  std::string out;
  auto add = [&out](std::string_view s) {
    if (!out.empty()) out += '|';
    out += s;
  };
  switch (b & esm_class_mode_mask) {
    case 0x01:
      add("datagram_mode");
      break;
    case 0x02:
      add("forward_mode");
      break;
    case 0x03:
      add("store_and_forward_mode");
      break;
    default:
      break;
  }
  switch (b & esm_class_type_mask) {
    case 0x00:
      break;
    case 0x04:
      add("delivery_receipt");
      break;
    case 0x08:
      add("delivery_ack");
      break;
    case 0x10:
      add("user_ack");
      break;
    case 0x18:
      add("conversation_abort");
      break;
    case 0x20:
      add("intermediate_notification");
      break;
    default:
      add("reserved_type");
      break;
  }
  if ((b & 0x40U) != 0) add("udhi");
  if ((b & 0x80U) != 0) add("reply_path");
  if (out.empty()) out = "default";
  return out;
}

std::string to_string(RegisteredDelivery v) {
  const auto b = static_cast<unsigned>(v);
  std::string out;
  auto add = [&out](std::string_view s) {
    if (!out.empty()) out += '|';
    out += s;
  };
  switch (b & 0x03U) {
    case 0x01:
      add("receipt_always");
      break;
    case 0x02:
      add("receipt_on_failure");
      break;
    case 0x03:
      add("receipt_on_success");
      break;
    default:
      break;
  }
  if ((b & 0x04U) != 0) add("sme_delivery_ack");
  if ((b & 0x08U) != 0) add("sme_user_ack");
  if ((b & 0x10U) != 0) add("intermediate_notification");
  if ((b & 0xE0U) != 0) add("reserved_bits");
  if (out.empty()) out = "none";
  return out;
}

}  // namespace aiosmpp
