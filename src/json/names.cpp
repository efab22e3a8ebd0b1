// The name tables the json layer's readers and writers share (declared in support.hpp): enum
// names come from the codec's to_string, so the JSON and the logs agree on every name.

#include <cstdint>

#include "support.hpp"

namespace aiosmpp::detail::jsonio {

const NameTable& ton_names() {
  static const NameTable t =
      NameTable::from([](std::uint32_t v) { return to_string(static_cast<Ton>(v)); });
  return t;
}
const NameTable& npi_names() {
  static const NameTable t =
      NameTable::from([](std::uint32_t v) { return to_string(static_cast<Npi>(v)); });
  return t;
}
const NameTable& data_coding_names() {
  static const NameTable t =
      NameTable::from([](std::uint32_t v) { return to_string(static_cast<DataCoding>(v)); });
  return t;
}
const NameTable& message_state_names() {
  static const NameTable t =
      NameTable::from([](std::uint32_t v) { return to_string(static_cast<MessageState>(v)); });
  return t;
}
const NameTable& interface_version_names() {
  // to_string groups 0x00-0x33 as "smpp_3_3_or_earlier"; 0x33 itself deserves a name.
  static const NameTable t = [] {
    NameTable n = NameTable::from(
        [](std::uint32_t v) { return to_string(static_cast<InterfaceVersion>(v)); });
    n.add("smpp_3_3", 0x33);
    return n;
  }();
  return t;
}
const NameTable& dest_flag_names() {
  static const NameTable t =
      NameTable::from([](std::uint32_t v) { return to_string(static_cast<DestFlag>(v)); });
  return t;
}
const NameTable& command_status_names() {
  static const NameTable t = [] {
    NameTable n = NameTable::from(
        [](std::uint32_t v) { return status_name(static_cast<CommandStatus>(v)); }, 0x4FF);
    return n;
  }();
  return t;
}
const NameTable& text_encoding_names() {
  static const NameTable t{{"automatic", raw(TextEncoding::automatic)},
                           {"smsc_default", raw(TextEncoding::smsc_default)},
                           {"gsm7", raw(TextEncoding::gsm7)},
                           {"gsm7_packed", raw(TextEncoding::gsm7_packed)},
                           {"ascii", raw(TextEncoding::ascii)},
                           {"latin1", raw(TextEncoding::latin1)},
                           {"ucs2", raw(TextEncoding::ucs2)},
                           {"custom", raw(TextEncoding::custom)}};
  return t;
}
const NameTable& long_message_names() {
  static const NameTable t{{"message_payload", raw(LongMessageMode::message_payload)},
                           {"udh8", raw(LongMessageMode::udh8)},
                           {"udh16", raw(LongMessageMode::udh16)},
                           {"sar", raw(LongMessageMode::sar)}};
  return t;
}
const NameTable& error_mode_names() {
  static const NameTable t{{"strict", raw(ErrorMode::strict)},
                           {"replace", raw(ErrorMode::replace)},
                           {"ignore", raw(ErrorMode::ignore)}};
  return t;
}
const BitSet& esm_class_bits() {
  // Reference §5.2.12: mode bits 1-0, type bits 5-2, GSM features bits 7-6.
  static const BitSet s{"default",
                        {{"default_mode", 0x00, 0x03},
                         {"datagram_mode", 0x01, 0x03},
                         {"forward_mode", 0x02, 0x03},
                         {"store_and_forward_mode", 0x03, 0x03},
                         {"delivery_receipt", 0x04, 0x3C},
                         {"delivery_ack", 0x08, 0x3C},
                         {"user_ack", 0x10, 0x3C},
                         {"conversation_abort", 0x18, 0x3C},
                         {"intermediate_notification", 0x20, 0x3C},
                         {"udhi", 0x40, 0x40},
                         {"reply_path", 0x80, 0x80}}};
  return s;
}
const BitSet& registered_delivery_bits() {
  // Reference §5.2.17: SMSC receipt bits 1-0, SME acknowledgement bits 3-2, bit 4.
  static const BitSet s{"none",
                        {{"receipt_always", 0x01, 0x03},
                         {"receipt_on_failure", 0x02, 0x03},
                         {"receipt_on_success", 0x03, 0x03},
                         {"sme_delivery_ack", 0x04, 0x04},
                         {"sme_user_ack", 0x08, 0x08},
                         {"intermediate_notification", 0x10, 0x10}}};
  return s;
}

}  // namespace aiosmpp::detail::jsonio
