#pragma once
// The decoder's walkers: the Reader reads a PDU into an owning or a view type, the Copier
// copies a view into owning storage (see walkers.hpp).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pdu/walkers.hpp"

namespace aiosmpp::detail::codec {

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
      if (check_tlv(errc::malformed_pdu, tag, value) == TlvVerdict::fail) return;
      if constexpr (std::is_same_v<T, Tlvs>) out.add(tag, value);
      p_ += 4 + len;
    }
    check_tlv_section(errc::malformed_pdu);
    if (failed_) return;
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
    const std::uint8_t* nul = find_nul(p_, n);
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
    const auto len = static_cast<std::size_t>(nul - p_);
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

}  // namespace aiosmpp::detail::codec
