// The ADL entry points of the values a PDU is made of (header, tracking, addresses, message text,
// TLVs, submit_multi's lists, named enums), for callers that hold one of them alone.

#include <cstdint>
#include <string>

#include "values.hpp"

namespace aiosmpp {

namespace jio = detail::jsonio;

#define AIOSMPP_JSON_DEFINE(T, root, write, read)         \
  void to_json(nlohmann::json& j, const T& v) {           \
    j = write<nlohmann::json>(v);                         \
  }                                                       \
  void to_json(nlohmann::ordered_json& j, const T& v) {   \
    j = write<nlohmann::ordered_json>(v);                 \
  }                                                       \
  void from_json(const nlohmann::json& j, T& v) {         \
    const jio::Path path{nullptr, root};                  \
    read(j, path, v);                                     \
  }                                                       \
  void from_json(const nlohmann::ordered_json& j, T& v) { \
    const jio::Path path{nullptr, root};                  \
    read(j, path, v);                                     \
  }

namespace {

template <class J>
J write_header(const PduHeader& h) {
  return jio::header_value<J>(h);
}
template <class J>
void read_header(const J& j, const jio::Path& path, PduHeader& h) {
  jio::ObjectIn<J> in(j, path);
  PduHeader out;
  jio::read_header_fields(in, out);
  in.finish();
  h = out;
}
template <class J>
void read_tracking(const J& j, const jio::Path& path, Tracking& t) {
  t = jio::read_tracking(j, path);
}
template <class J>
void read_phone(const J& j, const jio::Path& path, PhoneNumber& a) {
  // Without a PDU around it the field size is unknown; 65 is the largest address field.
  a = jio::read_phone(j, path, 65);
}
template <class J>
void read_message_text(const J& j, const jio::Path& path, MessageText& m) {
  m = jio::read_message_text(j, path);
}
template <class J>
void read_dest(const J& j, const jio::Path& path, SubmitMultiDest& d) {
  d = jio::read_dest(j, path);
}
template <class J>
void read_unsuccess(const J& j, const jio::Path& path, UnsuccessSme& u) {
  u = jio::read_unsuccess(j, path);
}
template <class J>
void read_tlv(const J& j, const jio::Path& path, Tlv& t) {
  t = jio::read_tlv(j, path);
}
template <class J>
void read_tlvs(const J& j, const jio::Path& path, Tlvs& t) {
  t = jio::read_tlvs(j, path);
}
template <class J, class E>
void read_enum(const J& j, const jio::Path& path, E& e) {
  jio::read_value(j, path, e);
}
template <class J>
void read_command_id(const J& j, const jio::Path& path, CommandId& id) {
  static const jio::NameTable names = [] {
    jio::NameTable t;
    for (std::uint32_t low : {0x00U, 0x80000000U}) {
      for (std::uint32_t v = 0; v <= 0x113; ++v) {  // 5.0's broadcast commands end at 0x113
        const auto c = static_cast<CommandId>(low | v);
        if (is_known(c)) t.add(command_name(c), low | v);
      }
    }
    return t;
  }();
  id = static_cast<CommandId>(jio::read_named(j, path, names, 0xFFFFFFFF));
}
template <class J>
void read_text_encoding(const J& j, const jio::Path& path, TextEncoding& e) {
  e = static_cast<TextEncoding>(jio::read_named(j, path, jio::text_encoding_names(), 0));
}
template <class J>
void read_long_message(const J& j, const jio::Path& path, LongMessageMode& e) {
  e = static_cast<LongMessageMode>(jio::read_named(j, path, jio::long_message_names(), 0));
}
template <class J>
void read_error_mode(const J& j, const jio::Path& path, ErrorMode& e) {
  e = static_cast<ErrorMode>(jio::read_named(j, path, jio::error_mode_names(), 0));
}

template <class J>
J write_command_id(CommandId id) {
  if (is_known(id)) return J(std::string(command_name(id)));
  return J(static_cast<std::uint32_t>(id));
}
template <class J, class E>
J write_enum(E e) {
  return jio::enum_value<J>(e);
}
template <class J>
J write_text_encoding(TextEncoding e) {
  return jio::named_value<J>(jio::text_encoding_names(), static_cast<std::uint32_t>(e));
}
template <class J>
J write_long_message(LongMessageMode e) {
  return jio::named_value<J>(jio::long_message_names(), static_cast<std::uint32_t>(e));
}
template <class J>
J write_error_mode(ErrorMode e) {
  return jio::named_value<J>(jio::error_mode_names(), static_cast<std::uint32_t>(e));
}

}  // namespace

AIOSMPP_JSON_DEFINE(PduHeader, "header", write_header, read_header)
AIOSMPP_JSON_DEFINE(Tracking, "tracking", jio::tracking_value, read_tracking)
AIOSMPP_JSON_DEFINE(PhoneNumber, "phone_number", jio::phone_value, read_phone)
AIOSMPP_JSON_DEFINE(MessageText, "text", jio::message_text_value, read_message_text)
AIOSMPP_JSON_DEFINE(SubmitMultiDest, "dest_address", jio::dest_value, read_dest)
AIOSMPP_JSON_DEFINE(UnsuccessSme, "unsuccess_sme", jio::unsuccess_value, read_unsuccess)
AIOSMPP_JSON_DEFINE(Tlv, "tlv", jio::tlv_value, read_tlv)
AIOSMPP_JSON_DEFINE(Tlvs, "tlvs", jio::tlvs_value, read_tlvs)
AIOSMPP_JSON_DEFINE(CommandId, "command_id", write_command_id, read_command_id)
AIOSMPP_JSON_DEFINE(CommandStatus, "command_status", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(Ton, "ton", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(Npi, "npi", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(DataCoding, "data_coding", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(EsmClass, "esm_class", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(RegisteredDelivery, "registered_delivery", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(MessageState, "message_state", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(InterfaceVersion, "interface_version", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(DestFlag, "dest_flag", write_enum, read_enum)
AIOSMPP_JSON_DEFINE(TextEncoding, "encoding", write_text_encoding, read_text_encoding)
AIOSMPP_JSON_DEFINE(LongMessageMode, "long_message", write_long_message, read_long_message)
AIOSMPP_JSON_DEFINE(ErrorMode, "errors", write_error_mode, read_error_mode)

#undef AIOSMPP_JSON_DEFINE

}  // namespace aiosmpp
