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

#include "values.hpp"

namespace aiosmpp {
namespace detail::jsonio {
namespace {

constexpr std::size_t max_short_message = 254;

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

}  // namespace aiosmpp
