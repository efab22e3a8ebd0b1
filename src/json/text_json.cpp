// JSON for the message layer's types: delivery receipts (both ways) and split results (written
// for display by aiosmpp-pdu split).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "support.hpp"

namespace aiosmpp::text {

namespace jio = aiosmpp::detail::jsonio;

namespace {

std::string iso_time(std::chrono::local_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::optional<std::chrono::local_seconds> parse_iso_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  const auto num = [&](std::size_t at, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
            se = num(17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::local_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{se};
}

template <class J>
J date_value(const ReceiptDate& d) {
  J o = J::object();
  o["raw"] = jio::string_value<J>(d.raw);
  if (d.time) o["time"] = iso_time(*d.time);
  if (d.utc_offset_quarter_hours) o["utc_offset_quarter_hours"] = *d.utc_offset_quarter_hours;
  return o;
}

template <class J>
ReceiptDate read_date(const J& j, const jio::Path& path) {
  jio::ObjectIn<J> in(j, path);
  ReceiptDate d;
  if (const J* v = in.find("raw")) d.raw = jio::read_string(*v, path.child("raw"));
  if (const J* v = in.find("time")) {
    const jio::Path p = path.child("time");
    if (!v->is_string())
      jio::fail(p, "expected a local time \"YYYY-MM-DDTHH:MM:SS\"" + jio::got(*v));
    d.time = parse_iso_time(v->template get_ref<const typename J::string_t&>());
    if (!d.time) jio::fail(p, "expected a valid local time \"YYYY-MM-DDTHH:MM:SS\"");
  }
  if (const J* v = in.find("utc_offset_quarter_hours")) {
    const jio::Path p = path.child("utc_offset_quarter_hours");
    // SMPP time offsets are 00-48 quarter hours either side of UTC (§7.1.1).
    if (!v->is_number_integer()) jio::fail(p, "expected an integer -48..48" + jio::got(*v));
    const auto q = v->template get<std::int64_t>();
    if (q < -48 || q > 48) jio::fail(p, fmt::format("expected an integer -48..48, got {}", q));
    d.utc_offset_quarter_hours = static_cast<int>(q);
  }
  in.finish();
  return d;
}

template <class J>
J state_value(DeliveryState s) {
  return jio::named_value<J>(jio::message_state_names(), static_cast<std::uint32_t>(s));
}

template <class J>
DeliveryState read_state(const J& j, const jio::Path& path) {
  return static_cast<DeliveryState>(
      static_cast<std::uint8_t>(jio::read_named(j, path, jio::message_state_names(), 255)));
}

const jio::NameTable& network_type_names() {
  static const jio::NameTable t =
      jio::NameTable::from([](std::uint32_t v) { return to_string(static_cast<NetworkType>(v)); });
  return t;
}

template <class J>
J network_error_value(const NetworkError& e) {
  J o = J::object();
  o["type"] = jio::named_value<J>(network_type_names(), static_cast<std::uint32_t>(e.type));
  o["code"] = e.code;
  return o;
}

template <class J>
NetworkError read_network_error(const J& j, const jio::Path& path) {
  jio::ObjectIn<J> in(j, path);
  NetworkError e;
  if (const J* v = in.find("type")) {
    e.type = static_cast<NetworkType>(
        jio::read_named(*v, path.child("type"), network_type_names(), 255));
  }
  if (const J* v = in.find("code")) {
    e.code = static_cast<std::uint32_t>(jio::read_uint(*v, path.child("code"), 0xFFFFFFFF));
  }
  in.finish();
  return e;
}

template <class J>
J receipt_value(const Receipt& r) {
  J o = J::object();
  o["id"] = jio::string_value<J>(r.id);
  if (r.submitted) o["submitted"] = *r.submitted;
  if (r.delivered) o["delivered"] = *r.delivered;
  if (r.submit_date) o["submit_date"] = date_value<J>(*r.submit_date);
  if (r.done_date) o["done_date"] = date_value<J>(*r.done_date);
  o["stat"] = jio::string_value<J>(r.stat);
  if (r.state) o["state"] = state_value<J>(*r.state);
  o["err"] = jio::string_value<J>(r.err);
  if (r.error_code) o["error_code"] = *r.error_code;
  if (r.text) o["text"] = jio::string_value<J>(*r.text);
  o["receipted_message_id"] = jio::string_value<J>(r.receipted_message_id);
  if (r.network_error) o["network_error"] = network_error_value<J>(*r.network_error);
  J extras = J::array();
  for (const auto& [k, v] : r.extras) {
    J pair = J::array();
    pair.push_back(jio::string_value<J>(k));
    pair.push_back(jio::string_value<J>(v));
    extras.push_back(std::move(pair));
  }
  o["extras"] = std::move(extras);
  o["id_from_tlv"] = r.id_from_tlv;
  o["state_from_tlv"] = r.state_from_tlv;
  return o;
}

template <class J>
std::uint32_t read_u32(const J& j, const jio::Path& p) {
  return static_cast<std::uint32_t>(jio::read_uint(j, p, 0xFFFFFFFF));
}

template <class J>
Receipt read_receipt(const J& j, const jio::Path& path) {
  jio::ObjectIn<J> in(j, path);
  Receipt r;
  if (const J* v = in.find("id")) r.id = jio::read_string(*v, path.child("id"));
  if (const J* v = in.find("submitted")) r.submitted = read_u32(*v, path.child("submitted"));
  if (const J* v = in.find("delivered")) r.delivered = read_u32(*v, path.child("delivered"));
  if (const J* v = in.find("submit_date")) r.submit_date = read_date(*v, path.child("submit_date"));
  if (const J* v = in.find("done_date")) r.done_date = read_date(*v, path.child("done_date"));
  if (const J* v = in.find("stat")) r.stat = jio::read_string(*v, path.child("stat"));
  if (const J* v = in.find("state")) r.state = read_state(*v, path.child("state"));
  if (const J* v = in.find("err")) r.err = jio::read_string(*v, path.child("err"));
  if (const J* v = in.find("error_code")) r.error_code = read_u32(*v, path.child("error_code"));
  if (const J* v = in.find("text")) r.text = jio::read_string(*v, path.child("text"));
  if (const J* v = in.find("receipted_message_id")) {
    r.receipted_message_id = jio::read_string(*v, path.child("receipted_message_id"));
  }
  if (const J* v = in.find("network_error")) {
    r.network_error = read_network_error(*v, path.child("network_error"));
  }
  if (const J* v = in.find("extras")) {
    const jio::Path p = path.child("extras");
    if (!v->is_array()) jio::fail(p, "expected an array of [key, value] pairs" + jio::got(*v));
    std::size_t i = 0;
    for (const auto& e : *v) {
      const jio::Path pi = p.at(i++);
      if (!e.is_array() || e.size() != 2) jio::fail(pi, "expected a [key, value] pair");
      r.extras.emplace_back(jio::read_string(e[0], pi.at(0)), jio::read_string(e[1], pi.at(1)));
    }
  }
  if (const J* v = in.find("id_from_tlv")) {
    r.id_from_tlv = jio::read_bool(*v, path.child("id_from_tlv"));
  }
  if (const J* v = in.find("state_from_tlv")) {
    r.state_from_tlv = jio::read_bool(*v, path.child("state_from_tlv"));
  }
  in.finish();
  return r;
}

std::string_view unit_name(Unit u) noexcept {
  switch (u) {
    case Unit::septet:
      return "septet";
    case Unit::octet:
      return "octet";
    case Unit::utf16:
      return "utf16";
  }
  return "octet";
}

template <class J>
J split_value(const SplitResult& r) {
  J o = J::object();
  o["encoding"] = std::string(encoding_name(r.encoding));
  o["data_coding"] = r.data_coding;
  o["data_coding_name"] = std::string(to_string(static_cast<DataCoding>(r.data_coding)));
  o["codec"] = std::string(r.codec_name);
  if (r.tables != gsm7::Tables{}) {
    J t = J::object();
    t["locking"] = std::string(gsm7::language_name(r.tables.locking));
    t["single_shift"] = std::string(gsm7::language_name(r.tables.single_shift));
    o["national_tables"] = std::move(t);
  }
  o["unit"] = std::string(unit_name(r.unit));
  o["long_message"] = std::string(long_message_name(r.long_message));
  o["message_payload"] = r.message_payload;
  o["udhi"] = r.udhi;
  o["total_units"] = r.total_units;
  o["segment_count"] = r.segments.size();
  J segs = J::array();
  for (const auto& s : r.segments) {
    J seg = J::object();
    seg["hex"] = jio::to_hex(s.bytes);
    seg["octets"] = s.bytes.size();
    seg["units"] = s.units;
    if (s.udh_length > 0 && s.udh_length <= s.bytes.size()) {
      seg["udh"] = jio::to_hex(std::span<const std::uint8_t>(s.bytes.data(), s.udh_length));
    }
    if (s.concatenation) {
      J c = J::object();
      c["reference"] = s.concatenation->reference;
      c["total"] = s.concatenation->total;
      c["seqnum"] = s.concatenation->seqnum;
      c["sixteen_bit"] = s.concatenation->sixteen_bit;
      seg["concatenation"] = std::move(c);
    }
    if (s.sar) {
      J c = J::object();
      c["sar_msg_ref_num"] = s.sar->reference;
      c["sar_total_segments"] = s.sar->total;
      c["sar_segment_seqnum"] = s.sar->seqnum;
      seg["sar"] = std::move(c);
    }
    segs.push_back(std::move(seg));
  }
  o["segments"] = std::move(segs);
  return o;
}

}  // namespace

void to_json(nlohmann::json& j, const Receipt& v) {
  j = receipt_value<nlohmann::json>(v);
}
void to_json(nlohmann::ordered_json& j, const Receipt& v) {
  j = receipt_value<nlohmann::ordered_json>(v);
}
void from_json(const nlohmann::json& j, Receipt& v) {
  v = read_receipt(j, jio::Path{nullptr, "receipt"});
}
void from_json(const nlohmann::ordered_json& j, Receipt& v) {
  v = read_receipt(j, jio::Path{nullptr, "receipt"});
}

void to_json(nlohmann::json& j, const ReceiptDate& v) {
  j = date_value<nlohmann::json>(v);
}
void to_json(nlohmann::ordered_json& j, const ReceiptDate& v) {
  j = date_value<nlohmann::ordered_json>(v);
}
void from_json(const nlohmann::json& j, ReceiptDate& v) {
  v = read_date(j, jio::Path{nullptr, "receipt_date"});
}
void from_json(const nlohmann::ordered_json& j, ReceiptDate& v) {
  v = read_date(j, jio::Path{nullptr, "receipt_date"});
}

void to_json(nlohmann::json& j, const SplitResult& v) {
  j = split_value<nlohmann::json>(v);
}
void to_json(nlohmann::ordered_json& j, const SplitResult& v) {
  j = split_value<nlohmann::ordered_json>(v);
}

}  // namespace aiosmpp::text
