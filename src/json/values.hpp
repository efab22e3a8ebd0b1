#pragma once

// Readers and writers of the values PDUs are made of (named enums, addresses, the header,
// tracking, message text, TLVs, submit_multi's lists), shared by the PDU walkers (pdu_json.cpp)
// and the ADL entry points of the values themselves (value_json.cpp). Templates over the JSON type
// like support.hpp; the two non-templates are inline, so each is defined once across the layer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support.hpp"

namespace aiosmpp::detail::jsonio {

// ---- enum values ------------------------------------------------------------------------------

template <class J>
J enum_value(Ton v) {
  return named_value<J>(ton_names(), raw(v));
}
template <class J>
J enum_value(Npi v) {
  return named_value<J>(npi_names(), raw(v));
}
template <class J>
J enum_value(DataCoding v) {
  return named_value<J>(data_coding_names(), raw(v));
}
template <class J>
J enum_value(MessageState v) {
  return named_value<J>(message_state_names(), raw(v));
}
template <class J>
J enum_value(InterfaceVersion v) {
  return named_value<J>(interface_version_names(), raw(v));
}
template <class J>
J enum_value(DestFlag v) {
  return named_value<J>(dest_flag_names(), raw(v));
}
template <class J>
J enum_value(CommandStatus v) {
  return named_value<J>(command_status_names(), raw(v));
}
template <class J>
J enum_value(EsmClass v) {
  return bits_value<J>(esm_class_bits(), static_cast<std::uint8_t>(v), to_string(v));
}
template <class J>
J enum_value(RegisteredDelivery v) {
  return bits_value<J>(registered_delivery_bits(), static_cast<std::uint8_t>(v), to_string(v));
}
template <class J>
J enum_value(std::uint8_t v) {
  return J(v);
}

template <class E>
E byte_enum(std::uint32_t v) {
  return static_cast<E>(static_cast<std::uint8_t>(v));
}

template <class J>
void read_value(const J& j, const Path& p, Ton& v) {
  v = byte_enum<Ton>(read_named(j, p, ton_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, Npi& v) {
  v = byte_enum<Npi>(read_named(j, p, npi_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, DataCoding& v) {
  v = byte_enum<DataCoding>(read_named(j, p, data_coding_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, MessageState& v) {
  v = byte_enum<MessageState>(read_named(j, p, message_state_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, InterfaceVersion& v) {
  v = byte_enum<InterfaceVersion>(read_named(j, p, interface_version_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, DestFlag& v) {
  v = byte_enum<DestFlag>(read_named(j, p, dest_flag_names(), 255));
}
template <class J>
void read_value(const J& j, const Path& p, CommandStatus& v) {
  v = static_cast<CommandStatus>(read_named(j, p, command_status_names(), 0xFFFFFFFF));
}
template <class J>
void read_value(const J& j, const Path& p, EsmClass& v) {
  v = static_cast<EsmClass>(read_bits(j, p, esm_class_bits()));
}
template <class J>
void read_value(const J& j, const Path& p, RegisteredDelivery& v) {
  v = static_cast<RegisteredDelivery>(read_bits(j, p, registered_delivery_bits()));
}
template <class J>
void read_value(const J& j, const Path& p, std::uint8_t& v) {
  v = static_cast<std::uint8_t>(read_uint(j, p, 255));
}

// ---- small aggregates -------------------------------------------------------------------------

template <class J>
J phone_value(const PhoneNumber& a) {
  J o = J::object();
  o["number"] = string_value<J>(a.number);
  o["ton"] = enum_value<J>(a.ton);
  o["npi"] = enum_value<J>(a.npi);
  return o;
}

/** `size` is the C-octet string size of the number field (NUL included). */
template <class J>
PhoneNumber read_phone(const J& j, const Path& path, std::size_t size) {
  ObjectIn<J> in(j, path);
  PhoneNumber a;
  if (const J* v = in.find("number")) a.number = read_c_string(*v, path.child("number"), size);
  if (const J* v = in.find("ton")) read_value(*v, path.child("ton"), a.ton);
  if (const J* v = in.find("npi")) read_value(*v, path.child("npi"), a.npi);
  in.finish();
  return a;
}

template <class J>
J header_value(const PduHeader& h) {
  J o = J::object();
  o["command_status"] = enum_value<J>(h.command_status);
  o["sequence_number"] = h.sequence_number;
  return o;
}

template <class J>
void read_header_fields(ObjectIn<J>& in, PduHeader& h) {
  if (const J* v = in.find("command_status")) {
    read_value(*v, in.path().child("command_status"), h.command_status);
  }
  if (const J* v = in.find("sequence_number")) {
    h.sequence_number =
        static_cast<std::uint32_t>(read_uint(*v, in.path().child("sequence_number"), 0xFFFFFFFF));
  }
}

template <class J>
J tracking_value(const Tracking& t) {
  J o = J::object();
  o["log_id"] = string_value<J>(t.log_id);
  o["extra_data"] = string_value<J>(t.extra_data);
  return o;
}

template <class J>
Tracking read_tracking(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  Tracking t;
  if (const J* v = in.find("log_id")) t.log_id = read_string(*v, path.child("log_id"));
  if (const J* v = in.find("extra_data")) t.extra_data = read_string(*v, path.child("extra_data"));
  in.finish();
  return t;
}

template <class J>
J message_text_value(const MessageText& m) {
  J o = J::object();
  o["utf8"] = string_value<J>(m.utf8);
  o["encoding"] = named_value<J>(text_encoding_names(), raw(m.encoding));
  o["custom_data_coding"] = m.custom_data_coding;
  o["long_message"] = named_value<J>(long_message_names(), raw(m.long_message));
  o["errors"] = named_value<J>(error_mode_names(), raw(m.errors));
  return o;
}

template <class J>
MessageText read_message_text(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  MessageText m;
  if (const J* v = in.find("utf8")) m.utf8 = read_string(*v, path.child("utf8"));
  if (const J* v = in.find("encoding")) {
    m.encoding =
        static_cast<TextEncoding>(read_named(*v, path.child("encoding"), text_encoding_names(), 0));
  }
  if (const J* v = in.find("custom_data_coding")) {
    read_value(*v, path.child("custom_data_coding"), m.custom_data_coding);
  }
  if (const J* v = in.find("long_message")) {
    m.long_message = static_cast<LongMessageMode>(
        read_named(*v, path.child("long_message"), long_message_names(), 0));
  }
  if (const J* v = in.find("errors")) {
    m.errors = static_cast<ErrorMode>(read_named(*v, path.child("errors"), error_mode_names(), 0));
  }
  in.finish();
  return m;
}

// ---- TLVs -------------------------------------------------------------------------------------

inline std::string tag_text(std::uint16_t tag) {
  return fmt::format("0x{:04x}", tag);
}

/** The typed value of a known TLV when writing it back gives the same octets, else nothing (the
 *  TLV is then written as hex). */
template <class J>
std::optional<J> typed_tlv_value(const tlv::Info& info, const std::vector<std::uint8_t>& v) {
  if (v.size() < info.min_length || v.size() > info.max_length) return std::nullopt;
  switch (info.kind) {
    case tlv::Kind::integer: {
      std::uint64_t x = 0;
      for (auto b : v)
        x = (x << 8) | b;
      std::size_t n = info.min_length;
      while (n < info.max_length && (x >> (8 * n)) != 0)
        ++n;
      if (n != v.size()) return std::nullopt;  // not the length Tlvs::set would write
      return J(x);
    }
    case tlv::Kind::c_string: {
      if (v.empty() || v.back() != 0) return std::nullopt;
      const std::string_view s(reinterpret_cast<const char*>(v.data()), v.size() - 1);
      if (s.find('\0') != std::string_view::npos || !is_utf8(s)) return std::nullopt;
      return J(std::string(s));
    }
    case tlv::Kind::octets:
      return J(to_hex(v));
    case tlv::Kind::flag:
      if (!v.empty()) return std::nullopt;
      return J(true);
  }
  return std::nullopt;
}

template <class J>
J tlv_value(const Tlv& t) {
  J o = J::object();
  const tlv::Info* info = tlv::find(t.tag);
  if (info != nullptr) {
    o["name"] = std::string(info->name);
    if (auto typed = typed_tlv_value<J>(*info, t.value)) {
      o["value"] = std::move(*typed);
      return o;
    }
  }
  o["tag"] = tag_text(t.tag);
  o["hex"] = to_hex(t.value);
  return o;
}

inline const tlv::Info* tlv_by_name(std::string_view name) noexcept {
  for (const auto& info : tlv::all()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

template <class J>
Tlv read_tlv(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  const J* name = in.find("name");
  const J* tag = in.find("tag");
  const J* hex = in.find("hex");
  const J* value = in.find("value");
  in.finish();

  Tlv t;
  const tlv::Info* info = nullptr;
  if (name != nullptr) {
    const Path p = path.child("name");
    if (!name->is_string()) fail(p, "expected a TLV name" + got(*name));
    const auto& n = name->template get_ref<const typename J::string_t&>();
    info = tlv_by_name(n);
    if (info == nullptr) {
      fail(p, fmt::format("unknown TLV \"{}\" (give other tags as {{\"tag\": \"0x1400\", "
                          "\"hex\": \"...\"}})",
                          n));
    }
    t.tag = info->tag;
  }
  if (tag != nullptr) {
    const auto v = static_cast<std::uint16_t>(read_uint(*tag, path.child("tag"), 0xFFFF));
    if (info != nullptr && info->tag != v) {
      fail(path.child("tag"), fmt::format("{} does not match name \"{}\" ({})", tag_text(v),
                                          info->name, tag_text(info->tag)));
    }
    t.tag = v;
  }
  if (name == nullptr && tag == nullptr) fail(path, "expected \"name\" or \"tag\"");

  if (hex != nullptr) {
    if (value != nullptr) fail(path.child("value"), "give either \"value\" or \"hex\", not both");
    t.value = read_hex_bytes(*hex, path.child("hex"));
    if (t.value.size() > 0xFFFF) {
      fail(path.child("hex"), fmt::format("{} octets, limit 65535", t.value.size()));
    }
    return t;
  }
  if (value == nullptr) fail(path, "expected \"value\" or \"hex\"");
  if (info == nullptr) fail(path.child("value"), "a TLV given by tag needs \"hex\"");

  const Path p = path.child("value");
  switch (info->kind) {
    case tlv::Kind::integer: {
      const std::uint64_t max = (std::uint64_t{1} << (8 * info->max_length)) - 1;
      const std::uint64_t x = read_uint(*value, p, max);
      std::size_t n = info->min_length;
      while (n < info->max_length && (x >> (8 * n)) != 0)
        ++n;
      for (std::size_t i = 0; i < n; ++i) {
        t.value.push_back(static_cast<std::uint8_t>(x >> (8 * (n - 1 - i))));
      }
      break;
    }
    case tlv::Kind::c_string: {
      const std::string s = read_c_string(*value, p, info->max_length);
      t.value.assign(s.begin(), s.end());
      t.value.push_back(0);
      break;
    }
    case tlv::Kind::octets:
      t.value = read_hex_bytes(*value, p);
      if (t.value.size() < info->min_length || t.value.size() > info->max_length) {
        fail(p, fmt::format("{} octets; {} takes {}-{}", t.value.size(), info->name,
                            info->min_length, info->max_length));
      }
      break;
    case tlv::Kind::flag:
      if (!value->is_boolean() || !value->template get<bool>()) {
        fail(p, "expected true (leave the TLV out to leave the flag unset)" + got(*value));
      }
      break;
  }
  return t;
}

template <class J>
J tlvs_value(const Tlvs& tlvs) {
  J a = J::array();
  for (const auto& t : tlvs)
    a.push_back(tlv_value<J>(t));
  return a;
}

template <class J>
Tlvs read_tlvs(const J& j, const Path& path) {
  if (!j.is_array()) fail(path, "expected an array of TLVs" + got(j));
  Tlvs out;
  out.reserve(j.size());
  std::size_t i = 0;
  for (const auto& e : j) {
    out.push_back(read_tlv(e, path.at(i)));
    ++i;
  }
  return out;
}

// ---- submit_multi lists -----------------------------------------------------------------------

template <class J>
J dest_value(const SubmitMultiDest& d) {
  J o = J::object();
  o["dest_flag"] = enum_value<J>(d.dest_flag);
  if (d.dest_flag != DestFlag::distribution_list || !(d.address == PhoneNumber{})) {
    o["address"] = phone_value<J>(d.address);
  }
  if (d.dest_flag == DestFlag::distribution_list || !d.dl_name.empty()) {
    o["dl_name"] = string_value<J>(d.dl_name);
  }
  return o;
}

template <class J>
SubmitMultiDest read_dest(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  SubmitMultiDest d;
  if (const J* v = in.find("dest_flag")) read_value(*v, path.child("dest_flag"), d.dest_flag);
  if (const J* v = in.find("address")) d.address = read_phone(*v, path.child("address"), 21);
  if (const J* v = in.find("dl_name")) d.dl_name = read_c_string(*v, path.child("dl_name"), 21);
  in.finish();
  return d;
}

template <class J>
J unsuccess_value(const UnsuccessSme& u) {
  J o = J::object();
  o["address"] = phone_value<J>(u.address);
  o["error_status_code"] = enum_value<J>(u.error_status_code);
  return o;
}

template <class J>
UnsuccessSme read_unsuccess(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  UnsuccessSme u;
  if (const J* v = in.find("address")) u.address = read_phone(*v, path.child("address"), 21);
  if (const J* v = in.find("error_status_code")) {
    read_value(*v, path.child("error_status_code"), u.error_status_code);
  }
  in.finish();
  return u;
}

template <class J, class T, class F>
std::vector<T> read_list(const J& j, const Path& path, std::size_t limit, F&& read_one) {
  if (!j.is_array()) fail(path, "expected an array" + got(j));
  if (j.size() > limit) fail(path, fmt::format("{} entries, limit {}", j.size(), limit));
  std::vector<T> out;
  out.reserve(j.size());
  std::size_t i = 0;
  for (const auto& e : j) {
    out.push_back(read_one(e, path.at(i)));
    ++i;
  }
  return out;
}

}  // namespace aiosmpp::detail::jsonio
