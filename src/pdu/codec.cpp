#include "aiosmpp/pdu/codec.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pdu/wire.hpp"

namespace aiosmpp {
namespace {

constexpr std::size_t max_short_message = 254;

template <class T>
constexpr std::uint8_t to_octet(T v) noexcept {
  return static_cast<std::uint8_t>(v);
}

using detail::load32;
using detail::store16;
using detail::store32;

inline std::string_view as_view(std::string_view s) noexcept {
  return s;
}
inline std::span<const std::uint8_t> as_bytes(const std::vector<std::uint8_t>& v) noexcept {
  return v;
}
inline std::span<const std::uint8_t> as_bytes(std::span<const std::uint8_t> v) noexcept {
  return v;
}

inline bool valid_time(std::string_view t) noexcept {
  if (t.empty()) return true;
  if (t.size() != 16) return false;
  const char p = t[15];
  return p == '+' || p == '-' || p == 'R';
}

// Facts shared by the three walkers: which PDU, for error reports and the TLV allow-list.
// check_allowed: whether a known TLV outside the PDU's list is an error (always when encoding a
// request; when decoding only with DecodeOptions::strict_tlvs, see codec.hpp).
struct Context {
  CommandId id;
  std::uint32_t sequence_number;
  bool sequence_known;
  bool check_allowed;
  std::uint64_t allowed;
};

class Walker {
 public:
  explicit Walker(const Context& c) noexcept : ctx_(c) {}
  bool failed() const noexcept { return failed_; }
  const CodecError& error() const noexcept { return error_; }

 protected:
  void fail(errc e, CommandStatus status, CodecProblem problem, std::string_view field,
            std::size_t size = 0, std::size_t limit = 0, std::uint16_t tag = 0) noexcept {
    failed_ = true;
    error_.error = e;
    error_.status = status;
    error_.problem = problem;
    error_.command_id = ctx_.id;
    error_.sequence_known = ctx_.sequence_known;
    error_.sequence_number = ctx_.sequence_number;
    error_.tag = tag;
    error_.field = field;
    error_.size = size;
    error_.limit = limit;
  }

  // The checks a known TLV must pass, in encode and decode alike (reference §5.2, §11).
  bool check_tlv(errc e, std::uint16_t tag, std::span<const std::uint8_t> value) noexcept {
    if (tag == tlv::MessagePayload::tag) payload_ = true;
    const auto* info = tlv::find(tag);
    if (info == nullptr) return true;
    if (ctx_.check_allowed && (ctx_.allowed & (std::uint64_t{1} << info->index)) == 0) {
      fail(e, CommandStatus::optional_param_not_allowed, CodecProblem::tlv_not_allowed, info->name,
           value.size(), 0, tag);
      return false;
    }
    if (value.size() < info->min_length || value.size() > info->max_length) {
      fail(e, CommandStatus::invalid_param_length, CodecProblem::tlv_length_invalid, info->name,
           value.size(), info->max_length, tag);
      return false;
    }
    if (info->kind == tlv::Kind::c_string &&
        (value.back() != 0 || std::memchr(value.data(), 0, value.size() - 1) != nullptr)) {
      fail(e, CommandStatus::invalid_optional_param_value, CodecProblem::tlv_value_invalid,
           info->name, value.size(), info->max_length, tag);
      return false;
    }
    return true;
  }

  Context ctx_;
  bool failed_ = false;
  bool skip_ = false;  // has_body == false: the remaining fields are absent
  bool payload_ = false;
  std::size_t sm_length_ = 0;
  CodecError error_{};
};

// ---- encode: validate and size -------------------------------------------------------------

class Sizer : public Walker {
 public:
  using Walker::Walker;
  std::size_t size = pdu_header_size;

  void optional_body(const bool& has_body, const bool&) noexcept {
    if (!has_body) skip_ = true;
  }
  template <class S>
  void c_string(std::string_view name, std::size_t max, CommandStatus status, const S& s,
                const S& def) noexcept {
    if (failed_ || !check_unused(name, s, def)) return;
    check_c_string(name, max, status, as_view(s));
  }
  template <class S>
  void time(std::string_view name, CommandStatus status, const S& s, const S& def) noexcept {
    if (failed_ || !check_unused(name, s, def)) return;
    const std::string_view t = as_view(s);
    if (!valid_time(t)) {
      fail(errc::invalid_field, status, CodecProblem::invalid_time, name, t.size(), 16);
      return;
    }
    check_c_string(name, 17, status, t);
  }
  template <class P>
  void address(std::string_view name, std::size_t max, CommandStatus status, const P& a,
               const P& def) noexcept {
    if (failed_ || !check_unused(name, a, def)) return;
    size += 2;
    check_c_string(name, max, status, as_view(a.number));
  }
  template <class T>
  void octet(std::string_view name, const T& v, const T& def) noexcept {
    if (failed_ || !check_unused(name, v, def)) return;
    size += 1;
  }
  template <class T>
  void octet_max(std::string_view name, unsigned max, CommandStatus status, const T& v,
                 const T& def) noexcept {
    if (failed_ || !check_unused(name, v, def)) return;
    if (to_octet(v) > max) {
      fail(errc::invalid_field, status, CodecProblem::value_out_of_range, name, to_octet(v), max);
      return;
    }
    size += 1;
  }
  template <class T>
  void octet_mask(std::string_view name, unsigned mask, CommandStatus status, const T& v,
                  const T& def) noexcept {
    if (failed_ || !check_unused(name, v, def)) return;
    if ((to_octet(v) & ~mask) != 0) {
      fail(errc::invalid_field, status, CodecProblem::value_out_of_range, name, to_octet(v), mask);
      return;
    }
    size += 1;
  }
  template <class S>
  void short_message(const S& s, const S& def) noexcept {
    if (failed_ || !check_unused("short_message", s, def)) return;
    const std::size_t n = as_view(s).size();
    if (n > max_short_message) {
      fail(errc::invalid_field, CommandStatus::invalid_message_length,
           CodecProblem::short_message_too_long, "short_message", n, max_short_message);
      return;
    }
    sm_length_ = n;
    size += 1 + n;
  }
  template <class L>
  void dest_addresses(const L& list, const L& def) noexcept {
    if (failed_ || !check_unused("dest_addresses", list, def)) return;
    if (list.size() < 1 || list.size() > 254) {
      fail(errc::invalid_field, CommandStatus::invalid_number_of_dests,
           CodecProblem::invalid_entry_count, "number_of_dests", list.size(), 254);
      return;
    }
    size += 1;
    for (const auto& d : list) {
      if (d.dest_flag == DestFlag::sme_address) {
        if (!as_view(d.dl_name).empty()) {
          fail(errc::invalid_field, CommandStatus::invalid_dest_flag,
               CodecProblem::unused_field_set, "dl_name", as_view(d.dl_name).size(), 0);
          return;
        }
        size += 3;
        if (!check_c_string("destination_addr", 21, CommandStatus::invalid_dest_address,
                            as_view(d.address.number))) {
          return;
        }
      } else if (d.dest_flag == DestFlag::distribution_list) {
        if (!as_view(d.address.number).empty() || d.address.ton != Ton::unknown ||
            d.address.npi != Npi::unknown) {
          fail(errc::invalid_field, CommandStatus::invalid_dest_flag,
               CodecProblem::unused_field_set, "destination_addr", as_view(d.address.number).size(),
               0);
          return;
        }
        size += 1;
        if (!check_c_string("dl_name", 21, CommandStatus::invalid_dl_name, as_view(d.dl_name))) {
          return;
        }
      } else {
        fail(errc::invalid_field, CommandStatus::invalid_dest_flag,
             CodecProblem::value_out_of_range, "dest_flag", to_octet(d.dest_flag), 2);
        return;
      }
    }
  }
  template <class L>
  void unsuccess_smes(const L& list, const L& def) noexcept {
    if (failed_ || !check_unused("unsuccess_smes", list, def)) return;
    if (list.size() > 255) {
      fail(errc::invalid_field, CommandStatus::invalid_number_of_dests,
           CodecProblem::invalid_entry_count, "no_unsuccess", list.size(), 255);
      return;
    }
    size += 1;
    for (const auto& u : list) {
      size += 2 + 4;
      if (!check_c_string("destination_addr", 21, CommandStatus::invalid_dest_address,
                          as_view(u.address.number))) {
        return;
      }
    }
  }
  template <class T>
  void tlvs(const T& seq, const T& def) noexcept {
    if (failed_ || !check_unused("tlvs", seq, def)) return;
    for (const auto& t : seq) {
      const auto value = as_bytes(t.value);
      if (value.size() > 0xFFFF) {
        fail(errc::invalid_field, CommandStatus::invalid_param_length, CodecProblem::tlv_too_large,
             tlv_name(t.tag), value.size(), 0xFFFF, t.tag);
        return;
      }
      if (!check_known_tlv(t.tag, value)) return;
      size += 4 + value.size();
    }
    if (payload_ && sm_length_ != 0) {
      fail(errc::invalid_field, CommandStatus::invalid_message_length,
           CodecProblem::short_message_and_payload, "short_message", sm_length_, 0);
    }
  }

 private:
  static std::string_view tlv_name(std::uint16_t tag) noexcept {
    const auto* info = tlv::find(tag);
    return info != nullptr ? info->name : std::string_view("tlv");
  }
  // With has_body == false every field must hold its default (`def`, from a default-constructed
  // PDU): the encoder would drop it.
  template <class T>
  bool check_unused(std::string_view name, const T& v, const T& def) noexcept {
    if (!skip_) return true;
    if (!(v == def)) {
      fail(errc::invalid_field, CommandStatus::system_error, CodecProblem::unused_field_set, name);
    }
    return false;
  }
  bool check_c_string(std::string_view name, std::size_t max, CommandStatus status,
                      std::string_view s) noexcept {
    if (s.size() + 1 > max) {
      fail(errc::invalid_field, status, CodecProblem::c_string_too_long, name, s.size(), max - 1);
      return false;
    }
    if (s.find('\0') != std::string_view::npos) {
      fail(errc::invalid_field, status, CodecProblem::c_string_contains_nul, name, s.size(),
           max - 1);
      return false;
    }
    size += s.size() + 1;
    return true;
  }

 public:
  bool check_known_tlv(std::uint16_t tag, std::span<const std::uint8_t> value) noexcept {
    return check_tlv(errc::invalid_field, tag, value);
  }
};

// ---- encode: write (after the Sizer accepted the PDU) -----------------------------------------

class Writer {
 public:
  explicit Writer(std::uint8_t* p) noexcept : p_(p) {}

  void optional_body(const bool& has_body) noexcept {
    if (!has_body) skip_ = true;
  }
  template <class S>
  void c_string(std::string_view, std::size_t, CommandStatus, const S& s) noexcept {
    if (!skip_) put_c_string(as_view(s));
  }
  template <class S>
  void time(std::string_view, CommandStatus, const S& s) noexcept {
    if (!skip_) put_c_string(as_view(s));
  }
  template <class P>
  void address(std::string_view, std::size_t, CommandStatus, const P& a) noexcept {
    if (skip_) return;
    *p_++ = to_octet(a.ton);
    *p_++ = to_octet(a.npi);
    put_c_string(as_view(a.number));
  }
  template <class T>
  void octet(std::string_view, const T& v) noexcept {
    if (!skip_) *p_++ = to_octet(v);
  }
  template <class T>
  void octet_max(std::string_view, unsigned, CommandStatus, const T& v) noexcept {
    if (!skip_) *p_++ = to_octet(v);
  }
  template <class T>
  void octet_mask(std::string_view, unsigned, CommandStatus, const T& v) noexcept {
    if (!skip_) *p_++ = to_octet(v);
  }
  template <class S>
  void short_message(const S& s) noexcept {
    if (skip_) return;
    const std::string_view sm = as_view(s);
    *p_++ = static_cast<std::uint8_t>(sm.size());
    put(sm.data(), sm.size());
  }
  template <class L>
  void dest_addresses(const L& list) noexcept {
    if (skip_) return;
    *p_++ = static_cast<std::uint8_t>(list.size());
    for (const auto& d : list) {
      *p_++ = to_octet(d.dest_flag);
      if (d.dest_flag == DestFlag::sme_address) {
        *p_++ = to_octet(d.address.ton);
        *p_++ = to_octet(d.address.npi);
        put_c_string(as_view(d.address.number));
      } else {
        put_c_string(as_view(d.dl_name));
      }
    }
  }
  template <class L>
  void unsuccess_smes(const L& list) noexcept {
    if (skip_) return;
    *p_++ = static_cast<std::uint8_t>(list.size());
    for (const auto& u : list) {
      *p_++ = to_octet(u.address.ton);
      *p_++ = to_octet(u.address.npi);
      put_c_string(as_view(u.address.number));
      p_ = store32(p_, static_cast<std::uint32_t>(u.error_status_code));
    }
  }
  template <class T>
  void tlvs(const T& seq) noexcept {
    if (skip_) return;
    for (const auto& t : seq) {
      const auto value = as_bytes(t.value);
      p_ = store16(p_, t.tag);
      p_ = store16(p_, value.size());
      put(value.data(), value.size());
    }
  }

 private:
  void put(const void* src, std::size_t n) noexcept {
    if (n != 0) std::memcpy(p_, src, n);
    p_ += n;
  }
  void put_c_string(std::string_view s) noexcept {
    put(s.data(), s.size());
    *p_++ = 0;
  }
  std::uint8_t* p_;
  bool skip_ = false;
};

// ---- decode ---------------------------------------------------------------------------------

class Reader : public Walker {
 public:
  Reader(const Context& c, const std::uint8_t* p, const std::uint8_t* end) noexcept
      : Walker(c), p_(p), end_(end) {}
  bool at_end() const noexcept { return p_ == end_; }
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }

  void optional_body(bool& has_body) noexcept {
    has_body = p_ != end_;
    skip_ = !has_body;
  }
  template <class S>
  void c_string(std::string_view name, std::size_t max, CommandStatus status,
                S& out) noexcept(std::is_same_v<S, std::string_view>) {
    if (failed_ || skip_) return;
    std::string_view s;
    if (read_c_string(name, max, status, s)) out = S(s);
  }
  template <class S>
  void time(std::string_view name, CommandStatus status,
            S& out) noexcept(std::is_same_v<S, std::string_view>) {
    if (failed_ || skip_) return;
    std::string_view s;
    if (!read_c_string(name, 17, status, s)) return;
    if (!valid_time(s)) {
      fail(errc::malformed_pdu, status, CodecProblem::invalid_time, name, s.size(), 16);
      return;
    }
    out = S(s);
  }
  template <class P>
  void address(std::string_view name, std::size_t max, CommandStatus status,
               P& a) noexcept(std::is_same_v<P, PhoneNumberView>) {
    if (failed_ || skip_) return;
    if (left() < 2) {
      truncated(name, 2);
      return;
    }
    a.ton = static_cast<Ton>(p_[0]);
    a.npi = static_cast<Npi>(p_[1]);
    p_ += 2;
    std::string_view s;
    if (read_c_string(name, max, status, s)) a.number = decltype(a.number)(s);
  }
  template <class T>
  void octet(std::string_view name, T& v) noexcept {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated(name, 1);
      return;
    }
    v = static_cast<T>(*p_++);
  }
  template <class T>
  void octet_max(std::string_view name, unsigned max, CommandStatus status, T& v) noexcept {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated(name, 1);
      return;
    }
    if (*p_ > max) {
      fail(errc::malformed_pdu, status, CodecProblem::value_out_of_range, name, *p_, max);
      return;
    }
    v = static_cast<T>(*p_++);
  }
  template <class T>
  void octet_mask(std::string_view name, unsigned mask, CommandStatus status, T& v) noexcept {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated(name, 1);
      return;
    }
    if ((*p_ & ~mask) != 0) {
      fail(errc::malformed_pdu, status, CodecProblem::value_out_of_range, name, *p_, mask);
      return;
    }
    v = static_cast<T>(*p_++);
  }
  template <class S>
  void short_message(S& out) noexcept(std::is_same_v<S, std::string_view>) {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated("sm_length", 1);
      return;
    }
    const std::size_t n = *p_;
    if (n > max_short_message) {
      fail(errc::malformed_pdu, CommandStatus::invalid_message_length,
           CodecProblem::short_message_too_long, "sm_length", n, max_short_message);
      return;
    }
    if (n > left() - 1) {
      fail(errc::malformed_pdu, CommandStatus::invalid_message_length,
           CodecProblem::short_message_past_end, "sm_length", n, left() - 1);
      return;
    }
    out = S(std::string_view(reinterpret_cast<const char*>(p_ + 1), n));
    sm_length_ = n;
    p_ += 1 + n;
  }
  template <class L>
  void dest_addresses(L& out) {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated("number_of_dests", 1);
      return;
    }
    const std::size_t count = *p_++;
    if (count < 1 || count > 254) {
      fail(errc::malformed_pdu, CommandStatus::invalid_number_of_dests,
           CodecProblem::invalid_entry_count, "number_of_dests", count, 254);
      return;
    }
    const std::uint8_t* start = p_;
    for (std::size_t i = 0; i < count; ++i) {
      if (p_ == end_) {
        truncated("dest_flag", 1);
        return;
      }
      BasicSubmitMultiDest<std::string_view> d;
      const std::uint8_t flag = *p_++;
      if (flag == 1) {
        d.dest_flag = DestFlag::sme_address;
        address("destination_addr", 21, CommandStatus::invalid_dest_address, d.address);
      } else if (flag == 2) {
        d.dest_flag = DestFlag::distribution_list;
        c_string("dl_name", 21, CommandStatus::invalid_dl_name, d.dl_name);
      } else {
        fail(errc::malformed_pdu, CommandStatus::invalid_dest_flag,
             CodecProblem::value_out_of_range, "dest_flag", flag, 2);
      }
      if (failed_) return;
      if constexpr (!std::is_same_v<L, SubmitMultiDestsView>) {
        out.push_back(SubmitMultiDest{
            d.dest_flag, PhoneNumber(std::string(d.address.number), d.address.ton, d.address.npi),
            std::string(d.dl_name)});
      }
    }
    if constexpr (std::is_same_v<L, SubmitMultiDestsView>) {
      out = L(std::span<const std::uint8_t>(start, p_), count);
    }
  }
  template <class L>
  void unsuccess_smes(L& out) {
    if (failed_ || skip_) return;
    if (p_ == end_) {
      truncated("no_unsuccess", 1);
      return;
    }
    const std::size_t count = *p_++;
    const std::uint8_t* start = p_;
    for (std::size_t i = 0; i < count; ++i) {
      PhoneNumberView a;
      address("destination_addr", 21, CommandStatus::invalid_dest_address, a);
      if (failed_) return;
      if (left() < 4) {
        truncated("error_status_code", 4);
        return;
      }
      const auto code = static_cast<CommandStatus>(load32(p_));
      p_ += 4;
      if constexpr (!std::is_same_v<L, UnsuccessSmesView>) {
        out.push_back(UnsuccessSme{PhoneNumber(std::string(a.number), a.ton, a.npi), code});
      }
    }
    if constexpr (std::is_same_v<L, UnsuccessSmesView>) {
      out = L(std::span<const std::uint8_t>(start, p_), count);
    }
  }
  template <class T>
  void tlvs(T& out) {
    if (failed_ || skip_) return;
    const std::uint8_t* start = p_;
    while (p_ != end_) {
      if (left() < 4) {
        fail(errc::malformed_pdu, CommandStatus::invalid_optional_param_stream,
             CodecProblem::tlv_header_truncated, "tlv", left(), 4);
        return;
      }
      const std::uint16_t tag = detail::load16(p_);
      const std::size_t len = detail::load16(p_ + 2);
      if (len > left() - 4) {
        const auto* info = tlv::find(tag);
        fail(errc::malformed_pdu, CommandStatus::invalid_optional_param_stream,
             CodecProblem::tlv_length_past_end, info != nullptr ? info->name : "tlv", len,
             left() - 4, tag);
        return;
      }
      const std::span<const std::uint8_t> value(p_ + 4, len);
      if (!check_tlv(errc::malformed_pdu, tag, value)) return;
      if constexpr (std::is_same_v<T, Tlvs>) out.add(tag, value);
      p_ += 4 + len;
    }
    if (payload_ && sm_length_ != 0) {
      fail(errc::malformed_pdu, CommandStatus::invalid_message_length,
           CodecProblem::short_message_and_payload, "short_message", sm_length_, 0);
      return;
    }
    if constexpr (std::is_same_v<T, TlvsView>) {
      out = TlvsView(std::span<const std::uint8_t>(start, end_));
    }
  }

  void trailing() noexcept {
    if (!failed_ && p_ != end_) {
      fail(errc::malformed_pdu, CommandStatus::invalid_command_length, CodecProblem::trailing_bytes,
           "body", left(), 0);
    }
  }

 private:
  void truncated(std::string_view name, std::size_t need) noexcept {
    fail(errc::malformed_pdu, CommandStatus::invalid_command_length, CodecProblem::truncated, name,
         need, left());
  }
  bool read_c_string(std::string_view name, std::size_t max, CommandStatus status,
                     std::string_view& out) noexcept {
    const std::size_t rem = left();
    const std::size_t n = std::min(rem, max);
    const void* nul = n == 0 ? nullptr : std::memchr(p_, 0, n);
    if (nul == nullptr) {
      if (rem < max) {
        fail(errc::malformed_pdu, CommandStatus::invalid_command_length,
             CodecProblem::unterminated_c_string, name, rem, max - 1);
      } else {
        // Report the real length when the NUL is further on, else everything left.
        const void* later = std::memchr(p_, 0, rem);
        const std::size_t len =
            later != nullptr
                ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(later) - p_)
                : rem;
        fail(errc::malformed_pdu, status, CodecProblem::c_string_too_long, name, len, max - 1);
      }
      return false;
    }
    const auto len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - p_);
    out = std::string_view(reinterpret_cast<const char*>(p_), len);
    p_ += len + 1;
    return true;
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// ---- copy view -> owning ----------------------------------------------------------------------

struct Copier {
  void optional_body(bool& d, const bool& s) noexcept { d = s; }
  void c_string(std::string_view, std::size_t, CommandStatus, std::string& d, std::string_view s) {
    d.assign(s);
  }
  void time(std::string_view, CommandStatus, std::string& d, std::string_view s) { d.assign(s); }
  void address(std::string_view, std::size_t, CommandStatus, PhoneNumber& d,
               const PhoneNumberView& s) {
    d = PhoneNumber(std::string(s.number), s.ton, s.npi);
  }
  template <class T>
  void octet(std::string_view, T& d, const T& s) noexcept {
    d = s;
  }
  template <class T>
  void octet_max(std::string_view, unsigned, CommandStatus, T& d, const T& s) noexcept {
    d = s;
  }
  template <class T>
  void octet_mask(std::string_view, unsigned, CommandStatus, T& d, const T& s) noexcept {
    d = s;
  }
  void short_message(std::string& d, std::string_view s) { d.assign(s); }
  void dest_addresses(std::vector<SubmitMultiDest>& d, const SubmitMultiDestsView& s) {
    d.clear();
    d.reserve(s.size());
    for (const auto& e : s) {
      d.push_back(SubmitMultiDest{
          e.dest_flag, PhoneNumber(std::string(e.address.number), e.address.ton, e.address.npi),
          std::string(e.dl_name)});
    }
  }
  void unsuccess_smes(std::vector<UnsuccessSme>& d, const UnsuccessSmesView& s) {
    d.clear();
    d.reserve(s.size());
    for (const auto& e : s) {
      d.push_back(
          UnsuccessSme{PhoneNumber(std::string(e.address.number), e.address.ton, e.address.npi),
                       e.error_status_code});
    }
  }
  void tlvs(Tlvs& d, const TlvsView& s) { d = s.to_owning(); }
};

// ---- entry points -----------------------------------------------------------------------------

template <class P>
Context context_for(std::uint32_t sequence_number, bool known, bool check_allowed) noexcept {
  return Context{P::command_id, sequence_number, known,
                 check_allowed && !is_response(P::command_id), tlv::allowed_mask(P::command_id)};
}

template <class P>
Result<std::size_t> size_of(const P& pdu) noexcept {
  static const P defaults{};
  Sizer s(context_for<P>(pdu.header.sequence_number, true, true));
  P::fields(s, pdu, defaults);
  if (s.failed()) return s.error();
  if (s.size > 0xFFFFFFFFU) {
    CodecError e;
    e.error = errc::invalid_field;
    e.status = CommandStatus::invalid_command_length;
    e.problem = CodecProblem::pdu_too_large;
    e.command_id = P::command_id;
    e.sequence_known = true;
    e.sequence_number = pdu.header.sequence_number;
    e.field = "command_length";
    e.size = s.size;
    e.limit = 0xFFFFFFFFU;
    return e;
  }
  return s.size;
}

template <class P>
Result<void> encode_impl(const P& pdu, std::vector<std::uint8_t>& out) {
  const auto n = size_of(pdu);
  if (!n.has_value()) return n.error();
  const std::size_t old = out.size();
  out.resize(old + *n);
  std::uint8_t* p = out.data() + old;
  p = store32(p, static_cast<std::uint32_t>(*n));
  p = store32(p, static_cast<std::uint32_t>(P::command_id));
  p = store32(p, static_cast<std::uint32_t>(pdu.header.command_status));
  p = store32(p, pdu.header.sequence_number);
  Writer w(p);
  P::fields(w, pdu);
  return {};
}

template <class P, class Out>
Result<Out> decode_body(const RawHeader& h, std::span<const std::uint8_t> bytes,
                        const DecodeOptions& options) {
  // Built in place and returned by name, so a view is never copied on its way out.
  Result<Out> result(std::in_place, std::in_place_type<P>);
  P& pdu = *std::get_if<P>(&*result);
  pdu.header.command_status = h.command_status;
  pdu.header.sequence_number = h.sequence_number;
  Reader r(context_for<P>(h.sequence_number, true, options.strict_tlvs),
           bytes.data() + pdu_header_size, bytes.data() + bytes.size());
  P::fields(r, pdu);
  r.trailing();
  if (r.failed()) result = r.error();
  return result;
}

CodecError header_error(errc e, CommandStatus status, CodecProblem problem, std::string_view field,
                        std::size_t size, std::size_t limit) noexcept {
  CodecError err;
  err.error = e;
  err.status = status;
  err.problem = problem;
  err.field = field;
  err.size = size;
  err.limit = limit;
  return err;
}

template <bool View>
auto decode_impl(std::span<const std::uint8_t> bytes, const DecodeOptions& options)
    -> Result<std::conditional_t<View, PduView, Pdu>> {
  using Out = std::conditional_t<View, PduView, Pdu>;
  if (bytes.size() < 4) {
    return header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                        CodecProblem::length_mismatch, "command_length", bytes.size(),
                        pdu_header_size);
  }
  const std::uint32_t length = load32(bytes.data());
  if (length < pdu_header_size) {
    return header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                        CodecProblem::command_length_too_small, "command_length", length,
                        pdu_header_size);
  }
  if (length > options.max_pdu_size) {
    auto e = header_error(errc::pdu_too_large, CommandStatus::invalid_command_length,
                          CodecProblem::command_length_too_large, "command_length", length,
                          options.max_pdu_size);
    if (bytes.size() >= pdu_header_size) {
      e.command_id = static_cast<CommandId>(load32(bytes.data() + 4));
      e.sequence_known = true;
      e.sequence_number = load32(bytes.data() + 12);
    }
    return e;
  }
  if (length != bytes.size()) {
    auto e = header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                          CodecProblem::length_mismatch, "command_length", bytes.size(), length);
    if (bytes.size() >= pdu_header_size) {
      e.command_id = static_cast<CommandId>(load32(bytes.data() + 4));
      e.sequence_known = true;
      e.sequence_number = load32(bytes.data() + 12);
    }
    return e;
  }
  const RawHeader h{length, static_cast<CommandId>(load32(bytes.data() + 4)),
                    static_cast<CommandStatus>(load32(bytes.data() + 8)),
                    load32(bytes.data() + 12)};
  switch (h.command_id) {
#define AIOSMPP_DECODE_CASE(Owning, ViewT, O, V)          \
  case Owning::command_id:                                \
    if constexpr (View) {                                 \
      return decode_body<ViewT, Out>(h, bytes, options);  \
    } else {                                              \
      return decode_body<Owning, Out>(h, bytes, options); \
    }
    AIOSMPP_PDU_LIST(AIOSMPP_DECODE_CASE)
#undef AIOSMPP_DECODE_CASE
  }
  auto e = header_error(errc::unknown_command, CommandStatus::invalid_command_id,
                        CodecProblem::unknown_command_id, "command_id",
                        static_cast<std::uint32_t>(h.command_id), 0);
  e.command_id = h.command_id;
  e.sequence_known = true;
  e.sequence_number = h.sequence_number;
  return e;
}

template <class Owning, class View>
Owning copy_to_owning(const View& v) {
  Owning o;
  o.header = v.header;
  Copier c;
  Owning::fields(c, o, v);
  return o;
}

}  // namespace

std::optional<RawHeader> read_header(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < pdu_header_size) return std::nullopt;
  return RawHeader{load32(bytes.data()), static_cast<CommandId>(load32(bytes.data() + 4)),
                   static_cast<CommandStatus>(load32(bytes.data() + 8)), load32(bytes.data() + 12)};
}

Result<Pdu> decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  return decode_impl<false>(bytes, options);
}

Result<PduView> decode_view(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  return decode_impl<true>(bytes, options);
}

#define AIOSMPP_DEFINE_CODEC(Owning, View, O, V)                           \
  Result<void> encode(const Owning& pdu, std::vector<std::uint8_t>& out) { \
    return encode_impl(pdu, out);                                          \
  }                                                                        \
  Result<void> encode(const View& pdu, std::vector<std::uint8_t>& out) {   \
    return encode_impl(pdu, out);                                          \
  }                                                                        \
  Result<std::size_t> encoded_size(const Owning& pdu) {                    \
    return size_of(pdu);                                                   \
  }                                                                        \
  Result<std::size_t> encoded_size(const View& pdu) {                      \
    return size_of(pdu);                                                   \
  }                                                                        \
  Owning to_owning(const View& pdu) {                                      \
    return copy_to_owning<Owning>(pdu);                                    \
  }
AIOSMPP_PDU_LIST(AIOSMPP_DEFINE_CODEC)
#undef AIOSMPP_DEFINE_CODEC

Result<void> encode(const Pdu& pdu, std::vector<std::uint8_t>& out) {
  return std::visit([&out](const auto& p) { return encode_impl(p, out); }, pdu);
}
Result<void> encode(const PduView& pdu, std::vector<std::uint8_t>& out) {
  return std::visit([&out](const auto& p) { return encode_impl(p, out); }, pdu);
}
Result<std::size_t> encoded_size(const Pdu& pdu) {
  return std::visit([](const auto& p) { return size_of(p); }, pdu);
}
Result<std::size_t> encoded_size(const PduView& pdu) {
  return std::visit([](const auto& p) { return size_of(p); }, pdu);
}
namespace {

template <class P>
Pdu bodiless_response(CommandStatus status, std::uint32_t sequence_number) {
  P p;
  p.header.command_status = status;
  p.header.sequence_number = sequence_number;
  if constexpr (requires { p.has_body; }) p.has_body = false;
  return p;
}

}  // namespace

std::optional<Pdu> error_response(const CodecError& error) {
  const std::uint32_t seq = error.sequence_known ? error.sequence_number : 0;
  const bool header_problem = error.problem == CodecProblem::command_length_too_small ||
                              error.problem == CodecProblem::command_length_too_large ||
                              error.problem == CodecProblem::length_mismatch ||
                              error.problem == CodecProblem::unknown_command_id;
  if (header_problem) return bodiless_response<GenericNack>(error.status, seq);
  // A response whose header is sound is never answered, whatever is wrong in its body (§1.1: a
  // generic_nack answers a request that cannot be processed; the peer would take one for a
  // rejection of its own request with that sequence_number).
  if (is_response(error.command_id)) return std::nullopt;
  if (error.status == CommandStatus::invalid_command_length ||
      error.status == CommandStatus::invalid_command_id) {
    return bodiless_response<GenericNack>(error.status, seq);
  }
  if (response_id(error.command_id) == CommandId::generic_nack) {
    return std::nullopt;  // outbind and alert_notification have no response PDU
  }
  switch (response_id(error.command_id)) {
#define AIOSMPP_ERROR_RESPONSE(Owning, View, O, V)         \
  case Owning::command_id:                                 \
    if constexpr (is_response(Owning::command_id)) {       \
      return bodiless_response<Owning>(error.status, seq); \
    } else {                                               \
      break;                                               \
    }
    AIOSMPP_PDU_LIST(AIOSMPP_ERROR_RESPONSE)
#undef AIOSMPP_ERROR_RESPONSE
    default:
      break;
  }
  return std::nullopt;
}

Pdu to_owning(const PduView& pdu) {
  return std::visit([](const auto& v) -> Pdu { return to_owning(v); }, pdu);
}

}  // namespace aiosmpp
