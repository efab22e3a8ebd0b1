// aiosmpp-pdu decode's notes (notes.hpp).

#include "notes.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "aiosmpp/json.hpp"
#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/udh.hpp"
#include "aiosmpp/text/user_data.hpp"
#include "cli.hpp"

namespace aiosmpp::tools {
namespace {

using Json = nlohmann::ordered_json;

Json esm_class_note(aiosmpp::EsmClass e) {
  const auto b = static_cast<unsigned>(e);
  static constexpr std::string_view modes[] = {"default (store and forward)", "datagram",
                                               "forward (transaction)", "store and forward"};
  std::string type;
  switch (b & 0x3CU) {
    case 0x00:
      type = "normal message";
      break;
    case 0x04:
      type = "SMSC delivery receipt";
      break;
    case 0x08:
      type = "SME delivery acknowledgement";
      break;
    case 0x10:
      type = "SME manual/user acknowledgement";
      break;
    case 0x18:
      type = "conversation abort (Korean CDMA)";
      break;
    case 0x20:
      type = "intermediate delivery notification";
      break;
    default:
      type = fmt::format("reserved (0x{:02x})", b & 0x3CU);
      break;
  }
  Json n = Json::object();
  n["value"] = fmt::format("0x{:02x}", b);
  n["messaging_mode"] = std::string(modes[b & 0x03U]);
  n["message_type"] = type;
  n["udhi"] = (b & 0x40U) != 0;
  n["reply_path"] = (b & 0x80U) != 0;
  return n;
}

Json registered_delivery_note(aiosmpp::RegisteredDelivery r) {
  const auto b = static_cast<unsigned>(r);
  static constexpr std::string_view receipts[] = {"none", "on success or failure", "on failure",
                                                  "on success (SMPP 5.0; reserved in 3.4)"};
  Json n = Json::object();
  n["value"] = fmt::format("0x{:02x}", b);
  n["smsc_receipt"] = std::string(receipts[b & 0x03U]);
  n["sme_delivery_ack"] = (b & 0x04U) != 0;
  n["sme_user_ack"] = (b & 0x08U) != 0;
  n["intermediate_notification"] = (b & 0x10U) != 0;
  if ((b & 0xE0U) != 0) n["reserved_bits"] = fmt::format("0x{:02x}", b & 0xE0U);
  return n;
}

Json data_coding_note(aiosmpp::DataCoding dc) {
  const auto b = static_cast<std::uint8_t>(dc);
  const auto* codec = aiosmpp::text::CodecRegistry::builtin().find(b);
  return fmt::format(
      "{} (0x{:02x}), {}", aiosmpp::to_string(dc), b,
      codec != nullptr ? fmt::format("codec {}", codec->name()) : std::string("no built-in codec"));
}

Json udh_note(const aiosmpp::text::UserDataHeader& udh) {
  Json n = Json::object();
  n["length"] = udh.length;
  Json elements = Json::array();
  for (const auto& ie : udh.elements) {
    Json e = Json::object();
    e["iei"] = fmt::format("0x{:02x}", ie.id);
    e["hex"] = to_hex(ie.data);
    elements.push_back(std::move(e));
  }
  n["elements"] = std::move(elements);
  if (udh.concatenation) {
    Json c = Json::object();
    c["reference"] = udh.concatenation->reference;
    c["total"] = udh.concatenation->total;
    c["seqnum"] = udh.concatenation->seqnum;
    c["sixteen_bit"] = udh.concatenation->sixteen_bit;
    n["concatenation"] = std::move(c);
  }
  if (udh.locking_shift) {
    n["locking_shift"] = std::string(aiosmpp::text::gsm7::language_name(*udh.locking_shift));
  }
  if (udh.single_shift) {
    n["single_shift"] = std::string(aiosmpp::text::gsm7::language_name(*udh.single_shift));
  }
  return n;
}

/** The user data as text when data_coding names a text codec; binary data is left as hex. */
Json user_data_note(std::span<const std::uint8_t> bytes, aiosmpp::DataCoding dc, bool udhi,
                    std::optional<std::string>* text_out) {
  const auto b = static_cast<std::uint8_t>(dc);
  const auto* codec = aiosmpp::text::CodecRegistry::builtin().find(b);
  Json n = Json::object();
  if (codec == nullptr) {
    n["error"] = fmt::format("no built-in codec for data_coding 0x{:02x}", b);
    return n;
  }
  auto decoded = aiosmpp::text::decode_user_data(bytes, b, udhi);
  if (!decoded) {
    n["error"] = decoded.error().message;
    return n;
  }
  n["codec"] = std::string(decoded->codec_name);
  if (decoded->udh) n["udh"] = udh_note(*decoded->udh);
  if (codec == &aiosmpp::text::binary_codec()) {
    n["binary_octets"] = bytes.size() - (decoded->udh ? decoded->udh->length : 0);
  } else {
    n["text"] = decoded->text;  // dump() replaces invalid UTF-8
    if (text_out != nullptr) *text_out = decoded->text;
  }
  return n;
}

std::string_view tlv_range_note(std::uint16_t tag) {
  if (tag >= 0x1400 && tag <= 0x3FFF) return "vendor-specific tag (0x1400-0x3FFF)";
  return "a tag neither SMPP 3.4 nor 5.0 defines (reserved)";
}

/** Adds notes to each TLV entry of `tlvs` (the JSON array written for `values`). */
Json annotate_tlvs(const Json& tlvs, const aiosmpp::Tlvs& values, aiosmpp::DataCoding dc,
                   bool udhi) {
  Json out = Json::array();
  std::size_t i = 0;
  for (const auto& entry : tlvs) {
    Json e = entry;
    const auto& t = values[i++];
    const auto* info = aiosmpp::tlv::find(t.tag);
    if (!e.contains("tag")) e["_tag"] = fmt::format("0x{:04x}", t.tag);
    e["_length"] = t.value.size();
    if (info == nullptr) {
      e["_note"] = std::string(tlv_range_note(t.tag));
    } else if (info->since == aiosmpp::InterfaceVersion::smpp_5_0) {
      e["_since"] = "SMPP 5.0: a 3.4 peer must not be sent it";
    }
    if (info != nullptr && !e.contains("value")) {
      e["_note"] = fmt::format("{} octets, not the form the typed value would write; kept as hex",
                               t.value.size());
    }
    if (t.tag == aiosmpp::tlv::MessagePayload::tag) {
      e["_message"] = user_data_note(t.value, dc, udhi, nullptr);
    } else if (t.tag == aiosmpp::tlv::MessageState::tag && t.value.size() == 1) {
      e["_state"] = std::string(aiosmpp::to_string(static_cast<aiosmpp::MessageState>(t.value[0])));
    }
    out.push_back(std::move(e));
  }
  return out;
}

template <class T>
Json annotate_one(const T& p, std::size_t length) {
  Json base;
  aiosmpp::to_json(base, p);
  Json out = Json::object();
  std::optional<std::string> message_text;
  for (auto& [key, value] : base.items()) {
    if (key == "tlvs") {
      if constexpr (requires { p.tlvs; }) {
        aiosmpp::DataCoding dc = aiosmpp::DataCoding::smsc_default;
        bool udhi = false;
        if constexpr (requires { p.data_coding; }) dc = p.data_coding;
        if constexpr (requires { p.esm_class; }) udhi = aiosmpp::has_udhi(p.esm_class);
        out[key] = annotate_tlvs(value, p.tlvs, dc, udhi);
      }
      continue;
    }
    out[key] = value;
    if (key == "type") {
      out["_command_id"] = fmt::format("0x{:08x}", static_cast<std::uint32_t>(T::command_id));
      out["_command_length"] = length;
      if (aiosmpp::since_version(T::command_id) == aiosmpp::InterfaceVersion::smpp_5_0) {
        out["_since"] = "SMPP 5.0: a 3.4 peer does not know this command";
      }
    } else if (key == "command_status") {
      out["_command_status"] = fmt::format("{}", p.header.command_status);
    } else if (key == "has_body") {
      out["_has_body"] = "header only: SMPP 3.4 sends no body with an error status";
    }
    if constexpr (requires { p.esm_class; }) {
      if (key == "esm_class") out["_esm_class"] = esm_class_note(p.esm_class);
    }
    if constexpr (requires { p.registered_delivery; }) {
      if (key == "registered_delivery") {
        out["_registered_delivery"] = registered_delivery_note(p.registered_delivery);
      }
    }
    if constexpr (requires { p.data_coding; }) {
      if (key == "data_coding") out["_data_coding"] = data_coding_note(p.data_coding);
    }
    if constexpr (requires {
                    p.short_message;
                    p.data_coding;
                    p.esm_class;
                  }) {
      if (key == "short_message") {
        const std::span<const std::uint8_t> bytes(
            reinterpret_cast<const std::uint8_t*>(p.short_message.data()), p.short_message.size());
        out["_short_message"] = Json::object();
        out["_short_message"]["length"] = bytes.size();
        Json note =
            user_data_note(bytes, p.data_coding, aiosmpp::has_udhi(p.esm_class), &message_text);
        for (auto& [k, v] : note.items())
          out["_short_message"][k] = v;
      }
    }
  }
  // A delivery receipt: the text (short_message, else message_payload) parsed.
  if constexpr (requires {
                  p.esm_class;
                  p.tlvs;
                  p.data_coding;
                }) {
    if ((static_cast<unsigned>(p.esm_class) & 0x3CU) == 0x04) {
      std::string text;
      if (message_text) {
        text = *message_text;
      } else if (auto payload = p.tlvs.template get<aiosmpp::tlv::MessagePayload>()) {
        std::optional<std::string> t;
        user_data_note(*payload, p.data_coding, aiosmpp::has_udhi(p.esm_class), &t);
        if (t) text = *t;
      }
      aiosmpp::text::ReceiptTlvs tlvs;
      if (auto id = p.tlvs.template get<aiosmpp::tlv::ReceiptedMessageId>()) {
        tlvs.receipted_message_id = std::string(*id);
      }
      tlvs.message_state = p.tlvs.template get<aiosmpp::tlv::MessageState>();
      auto receipt = aiosmpp::text::parse_receipt(text, tlvs);
      if (receipt) {
        Json r;
        aiosmpp::text::to_json(r, *receipt);
        out["_receipt"] = std::move(r);
      } else {
        out["_receipt"] = Json::object({{"error", receipt.error().message}});
      }
    }
  }
  return out;
}

}  // namespace

Json annotate(const Pdu& pdu, std::size_t length) {
  return std::visit([&](const auto& p) { return annotate_one(p, length); }, pdu);
}

}  // namespace aiosmpp::tools
