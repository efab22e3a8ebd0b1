// aiosmpplib's JSON messages as aiosmpp PDUs. The format was read from aiosmpplib's source
// (jsonutils.py `_json_default`, protocol.py `from_json` and `OptionalParam.tlv`, state.py
// enums): every dataclass field not starting with '_' plus "__smpp_command__". Where aiosmpplib
// turned a field into wire bytes at send time (text, times, optional_params), the same choice is
// made here, so that the imported message is sent as the old service would have sent it.

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "aiosmpp/json/aiosmpplib.hpp"
#include "aiosmpp/pdu/tlv.hpp"
#include "aiosmpp/text/smpp_time.hpp"
#include "support.hpp"

namespace aiosmpp::aiosmpplib {

ImportError::ImportError(std::string file, const JsonError& error)
    : JsonError(file.empty() ? error.path() : file + ": " + error.path(), error.problem()),
      file_(std::move(file)) {}

namespace {

using J = nlohmann::json;
using detail::jsonio::fail;
using detail::jsonio::ObjectIn;
using detail::jsonio::Path;
using detail::jsonio::read_c_string;
using detail::jsonio::read_uint;

const J& need(ObjectIn<J>& in, std::string_view key) {
  const J* v = in.find(key);
  if (v == nullptr) fail(in.path().child(key), "missing (aiosmpplib always writes it)");
  return *v;
}

std::uint8_t read_byte(ObjectIn<J>& in, std::string_view key) {
  return static_cast<std::uint8_t>(read_uint(need(in, key), in.path().child(key), 255));
}

// Fields of SmppMessage and Trackable: written by every aiosmpplib message.
void read_header(ObjectIn<J>& in, PduHeader& header) {
  header.sequence_number = static_cast<std::uint32_t>(
      read_uint(need(in, "sequence_num"), in.path().child("sequence_num"), 0xFFFFFFFF));
  // SubmitSm.from_json ignores command_status (a request's is 0), but it is always written.
  if (const J* s = in.find("command_status")) {
    header.command_status =
        static_cast<CommandStatus>(read_uint(*s, in.path().child("command_status"), 0xFFFFFFFF));
  }
}

// Trackable's fields. aiosmpplib's own from_json drops them when it reloads a message; they are
// what a delivery receipt is reported with, so they are kept here.
void read_tracking(ObjectIn<J>& in, Tracking& tracking) {
  if (const J* v = in.find("log_id")) {
    tracking.log_id = detail::jsonio::read_string(*v, in.path().child("log_id"));
  }
  if (const J* v = in.find("extra_data")) {
    tracking.extra_data = detail::jsonio::read_string(*v, in.path().child("extra_data"));
  }
}

PhoneNumber read_phone(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  PhoneNumber p;
  p.number = read_c_string(need(in, "number"), path.child("number"), 21);
  p.ton = static_cast<Ton>(read_byte(in, "ton"));
  p.npi = static_cast<Npi>(read_byte(in, "npi"));
  in.finish();
  return p;
}

// "2026-11-26T12:00:00[.ffffff][+01:00|Z]" (Python's isoformat / orjson) to an instant and the
// offset in quarter-hours (aiosmpplib writes a naive datetime as UTC, offset "00+").
std::string smpp_absolute(const std::string& s, const Path& path) {
  const auto bad = [&] {
    fail(path, fmt::format("expected an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS[.ffffff]"
                           "[+HH:MM]), got \"{}\"",
                           s));
  };
  const auto digits = [&](std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') bad();
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto expect = [&](std::size_t pos, char c) {
    if (pos >= s.size() || (s[pos] != c && !(c == 'T' && s[pos] == ' '))) bad();
  };
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  expect(4, '-'), expect(7, '-'), expect(10, 'T'), expect(13, ':'), expect(16, ':');
  const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9')
      ++end;
    if (end == pos + 1 || end - pos - 1 > 6) bad();
    const std::string frac = (s.substr(pos + 1, end - pos - 1) + "000").substr(0, 3);
    millis = std::stoi(frac);
    pos = end;
  }
  int offset_minutes = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    expect(pos + 3, ':');
    offset_minutes = sign * (digits(pos + 1, 2) * 60 + digits(pos + 4, 2));
    pos += 6;
  }
  if (pos != s.size()) bad();
  if (offset_minutes % 15 != 0) {
    fail(path, fmt::format("UTC offset of {} minutes is not a whole number of quarter-hours, "
                           "which SMPP times cannot carry",
                           offset_minutes));
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year), std::chrono::month(unsigned(month)),
                           std::chrono::day(unsigned(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    fail(path, fmt::format("\"{}\" is not a valid date-time", s));
  }
  const auto local = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second);
  const text::SmppTimePoint utc =
      time_point_cast<milliseconds>(local) + milliseconds(millis) - minutes(offset_minutes);
  auto t = text::SmppTime::absolute(utc, offset_minutes / 15);
  if (!t) fail(path, t.error().message);
  return t->to_string();
}

// schedule_delivery_time / validity_period: null, a datetime (ISO string) or a timedelta (its
// total_seconds(), a number), written as datetime_to_smpp_time would have written them.
std::string read_time(const J& j, const Path& path) {
  if (j.is_null()) return {};
  if (j.is_string()) return smpp_absolute(j.get<std::string>(), path);
  if (j.is_number()) {
    const double secs = j.get<double>();
    if (!(secs >= 0) || secs > 1e9) fail(path, fmt::format("expected 0-63 weeks, got {}", secs));
    auto t = text::SmppTime::relative(std::chrono::seconds(static_cast<std::int64_t>(secs)));
    if (!t) fail(path, t.error().message);
    return t->to_string();
  }
  fail(path,
       "expected null, an ISO 8601 date-time or a number of seconds" + detail::jsonio::got(j));
}

// aiosmpplib's encoding names (state.py SmppDataCoding) as a TextEncoding. Codings aiosmpp has
// no TextEncoding for are `custom` with their data_coding, which the built-in codecs serve.
void read_encoding(const J& j, const Path& path, MessageText& text) {
  if (j.is_null()) return;  // automatic: the default alphabet, else UCS2, as aiosmpplib did
  if (!j.is_string()) fail(path, "expected null or an encoding name" + detail::jsonio::got(j));
  struct Entry {
    std::string_view name;
    TextEncoding encoding;
    std::uint8_t data_coding;
  };
  static constexpr std::array<Entry, 13> table{{
      {"gsm0338", TextEncoding::gsm7, 0},
      {"gsm0338_packed", TextEncoding::gsm7_packed, 0},
      {"ascii", TextEncoding::ascii, 1},
      {"octet_unspecified_I", TextEncoding::custom, 2},
      {"latin_1", TextEncoding::latin1, 3},
      {"octet_unspecified_II", TextEncoding::custom, 4},
      {"iso2022_jp", TextEncoding::custom, 5},
      {"iso8859_5", TextEncoding::custom, 6},
      {"iso8859_8", TextEncoding::custom, 7},
      {"ucs2", TextEncoding::ucs2, 8},
      {"shift_jis", TextEncoding::custom, 9},
      {"iso2022jp", TextEncoding::custom, 10},
      {"euc_kr", TextEncoding::custom, 14},
  }};
  const auto& name = j.get_ref<const std::string&>();
  for (const auto& e : table) {
    if (e.name == name) {
      text.encoding = e.encoding;
      text.custom_data_coding = e.encoding == TextEncoding::custom ? e.data_coding : 0;
      return;
    }
  }
  fail(path, fmt::format("unknown encoding \"{}\"; expected null or one of aiosmpplib's "
                         "SmppDataCoding names (gsm0338, ascii, latin_1, ucs2, iso8859_5, ...)",
                         name));
}

ErrorMode read_error_mode(const J& j, const Path& path) {
  const std::string s = detail::jsonio::read_string(j, path);
  if (s == "strict") return ErrorMode::strict;
  if (s == "replace") return ErrorMode::replace;
  if (s == "ignore") return ErrorMode::ignore;
  fail(path, fmt::format("unknown error mode \"{}\"; expected strict, replace or ignore", s));
}

// One {"tag", "value"} as OptionalParam.tlv would have written it: integers in the TLV's
// length, strings as ASCII octets (the two C-string tags with their NUL), `true` flags empty.
Tlv read_optional_param(const J& j, const Path& path) {
  ObjectIn<J> in(j, path);
  Tlv out;
  out.tag = static_cast<std::uint16_t>(read_uint(need(in, "tag"), path.child("tag"), 0xFFFF));
  const J& value = need(in, "value");
  in.finish();
  const Path vpath = path.child("value");
  const tlv::Info* info = tlv::find(out.tag);
  if (out.tag == tlv::MessagePayload::tag) {
    fail(path.child("tag"), "message_payload is the message_payload field, not an optional_param");
  }
  if (value.is_boolean()) {
    if (info == nullptr || info->kind != tlv::Kind::flag) {
      fail(vpath,
           fmt::format("true/false is only for flag TLVs; tag 0x{:04x} is not one", out.tag));
    }
    return out;  // aiosmpplib writes a set flag as an empty TLV (and drops a false one: see caller)
  }
  if (value.is_number()) {
    if (info == nullptr || info->kind != tlv::Kind::integer) {
      fail(vpath,
           fmt::format("an integer value needs an integer TLV; tag 0x{:04x} is not one", out.tag));
    }
    const std::uint64_t max = info->min_length >= 8 ? ~0ULL : (1ULL << (8 * info->min_length)) - 1;
    const std::uint64_t v = read_uint(value, vpath, max);
    for (std::size_t i = info->min_length; i > 0; --i) {
      out.value.push_back(static_cast<std::uint8_t>(v >> (8 * (i - 1))));
    }
    return out;
  }
  const std::string s = detail::jsonio::read_string(value, vpath);
  if (!detail::jsonio::is_ascii(s)) fail(vpath, "expected ASCII text (aiosmpplib encodes it so)");
  out.value.assign(s.begin(), s.end());
  if (info != nullptr && info->kind == tlv::Kind::c_string) out.value.push_back(0);
  if (info != nullptr &&
      (out.value.size() < info->min_length || out.value.size() > info->max_length)) {
    fail(vpath, fmt::format("{} octets, limit {}-{} for {}", out.value.size(), info->min_length,
                            info->max_length, info->name));
  }
  return out;
}

template <class Sm>
void read_text(ObjectIn<J>& in, Sm& m) {
  const Path& path = in.path();
  MessageText text;
  const std::string short_message =
      detail::jsonio::read_string(need(in, "short_message"), path.child("short_message"));
  const std::string payload =
      detail::jsonio::read_string(need(in, "message_payload"), path.child("message_payload"));
  if (!short_message.empty() && !payload.empty()) {
    fail(path.child("message_payload"), "set together with short_message; aiosmpplib allows one");
  }
  text.utf8 = payload.empty() ? short_message : payload;
  read_encoding(need(in, "encoding"), path.child("encoding"), text);
  text.errors = read_error_mode(need(in, "error_handling"), path.child("error_handling"));
  const bool auto_payload = detail::jsonio::read_bool(need(in, "auto_message_payload"),
                                                      path.child("auto_message_payload"));
  // aiosmpplib: auto_message_payload moves a long text to message_payload; without it the ESME
  // splits, with a UDH when esm_class has UDHI and with SAR TLVs otherwise. aiosmpp's render
  // sets UDHI itself when it splits with a UDH.
  if (!auto_payload) {
    const bool udhi = (static_cast<std::uint8_t>(m.esm_class) & 0x40) != 0;
    text.long_message = udhi ? LongMessageMode::udh8 : LongMessageMode::sar;
    if (udhi) m.esm_class = static_cast<EsmClass>(static_cast<std::uint8_t>(m.esm_class) & ~0x40);
  }
  m.text = std::move(text);
}

template <class Sm>
void read_sm(ObjectIn<J>& in, Sm& m) {
  const Path& path = in.path();
  read_header(in, m.header);
  read_tracking(in, m.tracking);
  m.service_type = read_c_string(need(in, "service_type"), path.child("service_type"), 6);
  m.source = read_phone(need(in, "source"), path.child("source"));
  m.destination = read_phone(need(in, "destination"), path.child("destination"));
  m.esm_class = static_cast<EsmClass>(read_byte(in, "esm_class"));
  m.protocol_id = read_byte(in, "protocol_id");
  m.priority_flag = read_byte(in, "priority_flag");
  m.schedule_delivery_time =
      read_time(need(in, "schedule_delivery_time"), path.child("schedule_delivery_time"));
  m.validity_period = read_time(need(in, "validity_period"), path.child("validity_period"));
  m.registered_delivery = static_cast<RegisteredDelivery>(read_byte(in, "registered_delivery"));
  m.replace_if_present_flag = read_byte(in, "replace_if_present_flag");
  m.sm_default_msg_id = read_byte(in, "sm_default_msg_id");
  const J& params = need(in, "optional_params");
  const Path ppath = path.child("optional_params");
  if (!params.is_null()) {
    if (!params.is_array()) fail(ppath, "expected null or an array" + detail::jsonio::got(params));
    for (std::size_t i = 0; i < params.size(); ++i) {
      Tlv t = read_optional_param(params[i], ppath.at(i));
      const J* v = params[i].find("value") == params[i].end() ? nullptr : &params[i]["value"];
      if (v != nullptr && v->is_boolean() && !v->get<bool>()) continue;  // false: not sent
      m.tlvs.push_back(std::move(t));
    }
  }
  read_text(in, m);
}

template <class Bind>
void read_bind(ObjectIn<J>& in, Bind& b) {
  const Path& path = in.path();
  read_header(in, b.header);
  b.system_id = read_c_string(need(in, "system_id"), path.child("system_id"), 16);
  b.password = read_c_string(need(in, "password"), path.child("password"), 9);
  b.system_type = read_c_string(need(in, "system_type"), path.child("system_type"), 13);
  b.interface_version = static_cast<InterfaceVersion>(read_byte(in, "interface_version"));
  b.address_range.ton = static_cast<Ton>(read_byte(in, "addr_ton"));
  b.address_range.npi = static_cast<Npi>(read_byte(in, "addr_npi"));
  b.address_range.number =
      read_c_string(need(in, "address_range"), path.child("address_range"), 41);
}

template <class Resp>
void read_bind_resp(ObjectIn<J>& in, Resp& r) {
  read_header(in, r.header);
  r.system_id = read_c_string(need(in, "system_id"), in.path().child("system_id"), 16);
  const J& v = need(in, "sc_interface_version");
  if (!v.is_null()) {
    r.tlvs.template set<tlv::ScInterfaceVersion>(
        static_cast<std::uint8_t>(read_uint(v, in.path().child("sc_interface_version"), 255)));
  }
}

template <class Resp>
void read_message_id_resp(ObjectIn<J>& in, Resp& r) {
  read_header(in, r.header);
  read_tracking(in, r.tracking);
  r.message_id = read_c_string(need(in, "message_id"), in.path().child("message_id"), 65);
}

template <class P>
Pdu read_as(ObjectIn<J>& in) {
  P p;
  if constexpr (std::is_same_v<P, SubmitSm> || std::is_same_v<P, DeliverSm>) {
    read_sm(in, p);
  } else if constexpr (std::is_same_v<P, SubmitSmResp> || std::is_same_v<P, DeliverSmResp>) {
    read_message_id_resp(in, p);
  } else if constexpr (std::is_same_v<P, BindTransmitter> || std::is_same_v<P, BindReceiver> ||
                       std::is_same_v<P, BindTransceiver>) {
    read_bind(in, p);
  } else if constexpr (std::is_same_v<P, BindTransmitterResp> ||
                       std::is_same_v<P, BindReceiverResp> ||
                       std::is_same_v<P, BindTransceiverResp>) {
    read_bind_resp(in, p);
  } else if constexpr (std::is_same_v<P, GenericNack>) {
    read_header(in, p.header);
    read_tracking(in, p.tracking);
  } else {
    read_header(in, p.header);
  }
  in.finish();
  return p;
}

}  // namespace

Pdu message_from_json(const nlohmann::json& object) {
  const Path root{nullptr, "message"};
  if (!object.is_object())
    fail(root, "expected an aiosmpplib message object" + detail::jsonio::got(object));
  auto it = object.find("__smpp_command__");
  if (it == object.end() || !it->is_string()) {
    fail(root.child("__smpp_command__"),
         "missing or not a string: not an aiosmpplib message (json_encode of an SmppMessage)");
  }
  const std::string& command = it->get_ref<const std::string&>();
  const Path path{nullptr, command};
  ObjectIn<J> in(object, path);
  using Reader = Pdu (*)(ObjectIn<J>&);
  static const std::array<std::pair<std::string_view, Reader>, 15> readers{{
      {"SUBMIT_SM", &read_as<SubmitSm>},
      {"SUBMIT_SM_RESP", &read_as<SubmitSmResp>},
      {"DELIVER_SM", &read_as<DeliverSm>},
      {"DELIVER_SM_RESP", &read_as<DeliverSmResp>},
      {"GENERIC_NACK", &read_as<GenericNack>},
      {"BIND_TRANSMITTER", &read_as<BindTransmitter>},
      {"BIND_TRANSMITTER_RESP", &read_as<BindTransmitterResp>},
      {"BIND_RECEIVER", &read_as<BindReceiver>},
      {"BIND_RECEIVER_RESP", &read_as<BindReceiverResp>},
      {"BIND_TRANSCEIVER", &read_as<BindTransceiver>},
      {"BIND_TRANSCEIVER_RESP", &read_as<BindTransceiverResp>},
      {"ENQUIRE_LINK", &read_as<EnquireLink>},
      {"ENQUIRE_LINK_RESP", &read_as<EnquireLinkResp>},
      {"UNBIND", &read_as<Unbind>},
      {"UNBIND_RESP", &read_as<UnbindResp>},
  }};
  for (const auto& [name, reader] : readers) {
    if (name == command) return reader(in);
  }
  fail(root.child("__smpp_command__"),
       fmt::format("\"{}\" is not a message aiosmpplib's json_decode reads (SUBMIT_SM, "
                   "DELIVER_SM, their _RESP, GENERIC_NACK, BIND_*, ENQUIRE_LINK, UNBIND)",
                   command));
}

std::vector<Pdu> read_messages(std::string_view text, const std::string& file) {
  std::vector<Pdu> out;
  const auto add = [&](const J& j, const std::string& where) {
    try {
      out.push_back(message_from_json(j));
    } catch (const JsonError& e) {
      throw ImportError(file, JsonError(where + e.path(), e.problem()));
    }
  };
  J doc = J::parse(text, nullptr, false);
  if (!doc.is_discarded()) {
    if (doc.is_array()) {
      for (std::size_t i = 0; i < doc.size(); ++i)
        add(doc[i], fmt::format("[{}].", i));
    } else {
      add(doc, "");
    }
    return out;
  }
  // One object per line (a log or a queue dump).
  std::size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    J j = J::parse(line, nullptr, false);
    if (j.is_discarded()) {
      throw ImportError(file, JsonError(fmt::format("line {}", line_no),
                                        "not valid JSON (expected one object, an array of "
                                        "objects, or one object per line)"));
    }
    add(j, fmt::format("line {}: ", line_no));
  }
  return out;
}

}  // namespace aiosmpp::aiosmpplib
