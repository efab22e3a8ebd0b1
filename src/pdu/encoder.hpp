#pragma once
// The encoder's walkers: the Sizer validates and sizes a PDU, the Writer writes it (see
// walkers.hpp).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pdu/walkers.hpp"

namespace aiosmpp::detail::codec {

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
      const TlvVerdict verdict = check_tlv(errc::invalid_field, t.tag, value);
      if (verdict == TlvVerdict::fail) return;
      if (verdict == TlvVerdict::keep) size += 4 + value.size();
    }
    check_tlv_section(errc::invalid_field);
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
    if (find_nul(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) != nullptr) {
      fail(errc::invalid_field, status, CodecProblem::c_string_contains_nul, name, s.size(),
           max - 1);
      return false;
    }
    size += s.size() + 1;
    return true;
  }
};

// ---- encode: write (after the Sizer accepted the PDU) -----------------------------------------

class Writer {
 public:
  // `drop_before`: leave out known TLVs that came after this version (EncodeOptions::newer_tlvs
  // drop); the Sizer counted the same.
  Writer(std::uint8_t* p, std::optional<InterfaceVersion> drop_before) noexcept
      : p_(p), drop_before_(drop_before) {}

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
      if (drop_before_) {
        const auto* info = tlv::find(t.tag);
        if (info != nullptr && !version_has(*drop_before_, info->since)) continue;
      }
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
  std::optional<InterfaceVersion> drop_before_;
  bool skip_ = false;
};

}  // namespace aiosmpp::detail::codec
