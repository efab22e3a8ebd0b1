// JSON for the PDU types. The body of every PDU is walked with its own `fields()` list (the one
// the codec walks), so the JSON follows the wire order and a field added to a PDU cannot be
// forgotten here.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "support.hpp"

namespace aiosmpp {

JsonError::JsonError(std::string path, std::string problem)
    : std::runtime_error(path + ": " + problem),
      path_(std::move(path)),
      problem_(std::move(problem)) {}

namespace detail::jsonio {
namespace {

constexpr std::size_t max_short_message = 254;

template <class E>
std::uint32_t raw(E e) noexcept {
  return static_cast<std::uint32_t>(e);
}

}  // namespace

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

namespace {

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

std::string tag_text(std::uint16_t tag) {
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

const tlv::Info* tlv_by_name(std::string_view name) noexcept {
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

// ---- the body walkers -------------------------------------------------------------------------

// The address triples are one JSON object named as the C++ member (aiosmpplib's naming).
std::string_view key_of(std::string_view field) noexcept {
  if (field == "source_addr") return "source";
  if (field == "destination_addr") return "destination";
  return field;
}

/** Writes each field; with has_body false, only fields that differ from the default (the
 *  encoder refuses those, and writing them keeps the JSON faithful to the value). */
template <class J>
class BodyWriter {
 public:
  explicit BodyWriter(J& out) : out_(out) {}

  void optional_body(const bool& has_body, const bool&) {
    if (!has_body) {
      out_["has_body"] = false;
      skip_ = true;
    }
  }
  template <class S>
  void c_string(std::string_view name, std::size_t, CommandStatus, const S& s, const S& def) {
    if (wanted(s, def)) out_[std::string(key_of(name))] = string_value<J>(s);
  }
  template <class S>
  void time(std::string_view name, CommandStatus, const S& s, const S& def) {
    if (wanted(s, def)) out_[std::string(name)] = string_value<J>(s);
  }
  template <class P>
  void address(std::string_view name, std::size_t, CommandStatus, const P& a, const P& def) {
    if (wanted(a, def)) out_[std::string(key_of(name))] = phone_value<J>(a);
  }
  template <class T>
  void octet(std::string_view name, const T& v, const T& def) {
    if (wanted(v, def)) out_[std::string(name)] = enum_value<J>(v);
  }
  template <class T>
  void octet_max(std::string_view name, unsigned, CommandStatus, const T& v, const T& def) {
    octet(name, v, def);
  }
  template <class T>
  void octet_mask(std::string_view name, unsigned, CommandStatus, const T& v, const T& def) {
    octet(name, v, def);
  }
  template <class S>
  void short_message(const S& s, const S& def) {
    if (wanted(s, def)) out_["short_message"] = to_hex(s);
  }
  template <class L>
  void dest_addresses(const L& list, const L& def) {
    if (!wanted(list, def)) return;
    J a = J::array();
    for (const auto& d : list)
      a.push_back(dest_value<J>(d));
    out_["dest_addresses"] = std::move(a);
  }
  template <class L>
  void unsuccess_smes(const L& list, const L& def) {
    if (!wanted(list, def)) return;
    J a = J::array();
    for (const auto& u : list)
      a.push_back(unsuccess_value<J>(u));
    out_["unsuccess_smes"] = std::move(a);
  }
  template <class T>
  void tlvs(const T& seq, const T& def) {
    if (wanted(seq, def)) out_["tlvs"] = tlvs_value<J>(seq);
  }

 private:
  template <class T>
  bool wanted(const T& v, const T& def) const {
    return !skip_ || !(v == def);
  }
  J& out_;
  bool skip_ = false;
};

/** Reads each field that is present (absent ones keep their default), checking sizes and ranges
 *  as the codec does so that the error names the JSON path. */
template <class J>
class BodyReader {
 public:
  explicit BodyReader(ObjectIn<J>& in) : in_(in) {}

  void optional_body(bool& has_body) {
    if (const J* v = in_.find("has_body")) has_body = read_bool(*v, path("has_body"));
  }
  void c_string(std::string_view name, std::size_t size, CommandStatus, std::string& s) {
    const std::string_view key = key_of(name);
    if (const J* v = in_.find(key)) s = read_c_string(*v, path(key), size);
  }
  void time(std::string_view name, CommandStatus, std::string& s) {
    if (const J* v = in_.find(name)) {
      const Path p = path(name);
      std::string t = read_c_string(*v, p, 17);
      if (!t.empty() && (t.size() != 16 || (t[15] != '+' && t[15] != '-' && t[15] != 'R'))) {
        fail(p, fmt::format("\"{}\" is not an SMPP time: expected \"\" or 16 characters "
                            "YYMMDDhhmmsstnnp ending in '+', '-' or 'R'",
                            t));
      }
      s = std::move(t);
    }
  }
  void address(std::string_view name, std::size_t size, CommandStatus, PhoneNumber& a) {
    const std::string_view key = key_of(name);
    if (const J* v = in_.find(key)) a = read_phone(*v, path(key), size);
  }
  template <class T>
  void octet(std::string_view name, T& v) {
    if (const J* j = in_.find(name)) read_value(*j, path(name), v);
  }
  template <class T>
  void octet_max(std::string_view name, unsigned max, CommandStatus, T& v) {
    if (const J* j = in_.find(name)) {
      const Path p = path(name);
      read_value(*j, p, v);
      if (static_cast<unsigned>(v) > max) {
        fail(p, fmt::format("{}, limit {}", static_cast<unsigned>(v), max));
      }
    }
  }
  template <class T>
  void octet_mask(std::string_view name, unsigned mask, CommandStatus, T& v) {
    if (const J* j = in_.find(name)) {
      const Path p = path(name);
      read_value(*j, p, v);
      const auto x = static_cast<unsigned>(v);
      if ((x & ~mask) != 0) {
        fail(p, fmt::format("0x{:02x} sets reserved bits (allowed: 0x{:02x})", x, mask));
      }
    }
  }
  void short_message(std::string& s) {
    if (const J* v = in_.find("short_message")) {
      const Path p = path("short_message");
      s = read_hex(*v, p);
      if (s.size() > max_short_message) {
        fail(p, fmt::format("{} octets, limit {} (longer user data goes in the message_payload "
                            "TLV)",
                            s.size(), max_short_message));
      }
    }
  }
  void dest_addresses(std::vector<SubmitMultiDest>& list) {
    if (const J* v = in_.find("dest_addresses")) {
      list =
          read_list<J, SubmitMultiDest>(*v, path("dest_addresses"), 254,
                                        [](const J& e, const Path& p) { return read_dest(e, p); });
    }
  }
  void unsuccess_smes(std::vector<UnsuccessSme>& list) {
    if (const J* v = in_.find("unsuccess_smes")) {
      list = read_list<J, UnsuccessSme>(
          *v, path("unsuccess_smes"), 255,
          [](const J& e, const Path& p) { return read_unsuccess(e, p); });
    }
  }
  void tlvs(Tlvs& t) {
    if (const J* v = in_.find("tlvs")) t = read_tlvs(*v, path("tlvs"));
  }

 private:
  Path path(std::string_view key) const noexcept { return in_.path().child(key); }
  ObjectIn<J>& in_;
};

template <class T>
concept HasText = requires(T t) {
  t.text.has_value();
};

template <class J, class T>
void pdu_to_json(J& j, const T& p) {
  static const T def{};
  j = J::object();
  j["type"] = std::string(command_name(T::command_id));
  j["schema"] = json_schema_version;
  j["command_status"] = enum_value<J>(p.header.command_status);
  j["sequence_number"] = p.header.sequence_number;
  BodyWriter<J> w(j);
  T::fields(w, p, def);
  if (!p.tracking.log_id.empty() || !p.tracking.extra_data.empty()) {
    j["tracking"] = tracking_value<J>(p.tracking);
  }
  if constexpr (HasText<T>) {
    if (p.text) j["text"] = message_text_value<J>(*p.text);
  }
}

template <class J>
void read_schema(ObjectIn<J>& in) {
  if (const J* v = in.find("schema")) {
    const Path p = in.path().child("schema");
    const auto n = read_uint(*v, p, 0xFFFFFFFF);
    if (n < 1 || n > static_cast<std::uint64_t>(json_schema_version)) {
      fail(p,
           fmt::format("version {} is not one this library reads (1-{})", n, json_schema_version));
    }
  }
}

/** `root` names the type; "type", when present, must name it too. */
template <class J, class T>
void pdu_from_json(const J& j, T& p, const Path& root) {
  ObjectIn<J> in(j, root);
  p = T{};
  if (const J* v = in.find("type")) {
    const std::string_view want = command_name(T::command_id);
    if (!v->is_string() || v->template get_ref<const typename J::string_t&>() != want) {
      fail(root.child("type"), fmt::format("expected \"{}\"", want));
    }
  }
  read_schema(in);
  read_header_fields(in, p.header);
  BodyReader<J> r(in);
  T::fields(r, p);
  if (const J* v = in.find("tracking")) p.tracking = read_tracking(*v, root.child("tracking"));
  if constexpr (HasText<T>) {
    if (const J* v = in.find("text")) {
      if (!v->is_null()) p.text = read_message_text(*v, root.child("text"));
    }
  }
  in.finish();
}

template <class J, class T>
void pdu_from_json(const J& j, T& p) {
  const Path root{nullptr, command_name(T::command_id)};
  pdu_from_json(j, p, root);
}

template <class J, std::size_t I = 0>
bool emplace_by_name(Pdu& pdu, std::string_view name, const J& j) {
  if constexpr (I < std::variant_size_v<Pdu>) {
    using T = std::variant_alternative_t<I, Pdu>;
    if (command_name(T::command_id) == name) {
      pdu_from_json(j, pdu.template emplace<I>());
      return true;
    }
    return emplace_by_name<J, I + 1>(pdu, name, j);
  } else {
    return false;
  }
}

template <class J>
void any_pdu_from_json(const J& j, Pdu& pdu) {
  const Path root{nullptr, "pdu"};
  if (!j.is_object()) fail(root, "expected an object" + got(j));
  auto it = j.find("type");
  if (it == j.end())
    fail(root.child("type"), "missing: expected a command name such as \"submit_sm\"");
  if (!it->is_string()) {
    fail(root.child("type"), "expected a command name such as \"submit_sm\"" + got(*it));
  }
  const auto& name = it->template get_ref<const typename J::string_t&>();
  if (!emplace_by_name(pdu, name, j)) {
    fail(root.child("type"), fmt::format("unknown command \"{}\"", name));
  }
}

template <class J>
void any_pdu_to_json(J& j, const Pdu& pdu) {
  std::visit([&j](const auto& p) { pdu_to_json(j, p); }, pdu);
}

}  // namespace
}  // namespace detail::jsonio

// ---- the ADL entry points ---------------------------------------------------------------------

namespace jio = detail::jsonio;

#define AIOSMPP_JSON_PDU(Owning, View, O, V)                   \
  void to_json(nlohmann::json& j, const Owning& v) {           \
    jio::pdu_to_json(j, v);                                    \
  }                                                            \
  void to_json(nlohmann::ordered_json& j, const Owning& v) {   \
    jio::pdu_to_json(j, v);                                    \
  }                                                            \
  void from_json(const nlohmann::json& j, Owning& v) {         \
    jio::pdu_from_json(j, v);                                  \
  }                                                            \
  void from_json(const nlohmann::ordered_json& j, Owning& v) { \
    jio::pdu_from_json(j, v);                                  \
  }
AIOSMPP_PDU_LIST(AIOSMPP_JSON_PDU)
#undef AIOSMPP_JSON_PDU

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

void to_json(nlohmann::json& j, const Pdu& v) {
  jio::any_pdu_to_json(j, v);
}
void to_json(nlohmann::ordered_json& j, const Pdu& v) {
  jio::any_pdu_to_json(j, v);
}
void from_json(const nlohmann::json& j, Pdu& v) {
  jio::any_pdu_from_json(j, v);
}
void from_json(const nlohmann::ordered_json& j, Pdu& v) {
  jio::any_pdu_from_json(j, v);
}

std::string json_encode(const Pdu& pdu, int indent) {
  nlohmann::ordered_json j;
  jio::any_pdu_to_json(j, pdu);
  return j.dump(indent < 0 ? -1 : indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Pdu json_decode(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep its position and reason.
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    throw JsonError("json", fmt::format("not valid JSON (byte {}): {}", e.byte, what));
  } catch (const nlohmann::json::exception& e) {
    // Valid syntax nlohmann still cannot hold, such as a number beyond a double (1E400).
    std::string what = e.what();
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    throw JsonError("json", fmt::format("not usable JSON: {}", what));
  }
  Pdu pdu;
  jio::any_pdu_from_json(j, pdu);
  return pdu;
}

}  // namespace aiosmpp
