#pragma once
// The codec's walkers: each PDU type's fields() list (pdus.hpp) is walked by the Sizer (validate
// and size) and the Writer (write after the Sizer accepted), in encoder.hpp, and by the Reader
// (decode, owning or view) and the Copier (view to owning), in decoder.hpp. This header holds what
// they share. Private to the pdu layer: only codec.cpp includes these.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "pdu/wire.hpp"

namespace aiosmpp::detail::codec {

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

// The first NUL in [p, p + n), or nullptr. The C-strings of SMPP are short (service_type 6,
// addresses 21, times 17, message_id 65) and often empty: a loop is cheaper for them than a call
// to memchr, which showed in the simulator's profile with every submit_sm decoded in full.
inline const std::uint8_t* find_nul(const std::uint8_t* p, std::size_t n) noexcept {
  for (const std::uint8_t* const end = p + n; p != end; ++p) {
    if (*p == 0) return p;
  }
  return nullptr;
}

inline bool valid_time(std::string_view t) noexcept {
  if (t.empty()) return true;
  if (t.size() != 16) return false;
  const char p = t[15];
  return p == '+' || p == '-' || p == 'R';
}

// Facts shared by the walkers: which PDU (for error reports) and the TLV rules the caller asked
// for (see codec.hpp).
struct Context {
  CommandId id;
  std::uint32_t sequence_number;
  bool sequence_known;
  // The peer's version: TLVs it does not define are refused (refuse_newer, encoder), left out
  // (drop_newer, encoder) or treated as unknown by the allow-list (decoder).
  InterfaceVersion version = InterfaceVersion::smpp_5_0;
  bool refuse_newer = false;
  bool drop_newer = false;
  // strict_tlvs on a request: a known TLV outside `allowed` is an error.
  bool check_allowed = false;
  std::uint64_t allowed = 0;
  // strict_tlvs with command_status 0: TLVs that must be present.
  std::uint64_t required = 0;
};

/** What a walker does with one TLV. */
enum class TlvVerdict : std::uint8_t { keep, drop, fail };

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

  // The checks a TLV must pass, in encode and decode alike (reference §5.2, §11; 5.0 in
  // docs/smpp-5.0.md). Unknown tags always pass.
  TlvVerdict check_tlv(errc e, std::uint16_t tag, std::span<const std::uint8_t> value) noexcept {
    const auto* info = tlv::find(tag);
    if (info == nullptr) return TlvVerdict::keep;
    const std::uint64_t bit = std::uint64_t{1} << info->index;
    const bool peer_knows = version_has(ctx_.version, info->since);
    if (!peer_knows && ctx_.drop_newer) return TlvVerdict::drop;
    if (!peer_knows && ctx_.refuse_newer) {
      fail(e, CommandStatus::optional_param_not_allowed, CodecProblem::tlv_not_in_version,
           info->name, value.size(), static_cast<std::uint8_t>(ctx_.version), tag);
      return TlvVerdict::fail;
    }
    if (ctx_.check_allowed && peer_knows && (ctx_.allowed & bit) == 0) {
      fail(e, CommandStatus::optional_param_not_allowed, CodecProblem::tlv_not_allowed, info->name,
           value.size(), 0, tag);
      return TlvVerdict::fail;
    }
    if (value.size() < info->min_length || value.size() > info->max_length) {
      fail(e, CommandStatus::invalid_param_length, CodecProblem::tlv_length_invalid, info->name,
           value.size(), info->max_length, tag);
      return TlvVerdict::fail;
    }
    if (info->kind == tlv::Kind::c_string &&
        (value.back() != 0 || std::memchr(value.data(), 0, value.size() - 1) != nullptr)) {
      fail(e, CommandStatus::invalid_optional_param_value, CodecProblem::tlv_value_invalid,
           info->name, value.size(), info->max_length, tag);
      return TlvVerdict::fail;
    }
    if (tag == tlv::MessagePayload::tag) payload_ = true;
    seen_ |= bit;
    return TlvVerdict::keep;
  }

  // After the last TLV: short_message next to message_payload (§3.5), and (strict) the TLVs the
  // PDU requires.
  void check_tlv_section(errc e) noexcept {
    if (payload_ && sm_length_ != 0) {
      fail(e, CommandStatus::invalid_message_length, CodecProblem::short_message_and_payload,
           "short_message", sm_length_, 0);
      return;
    }
    if (const std::uint64_t missing = ctx_.required & ~seen_; missing != 0) {
      const auto& info = tlv::all()[static_cast<std::size_t>(std::countr_zero(missing))];
      fail(e, CommandStatus::missing_optional_param, CodecProblem::tlv_missing, info.name, 0, 0,
           info.tag);
    }
  }

  // Referred to, not copied: the copy of a Context built a moment before cost a store-forwarding
  // stall per PDU in the hot path. The walker never outlives its caller's Context.
  const Context& ctx_;
  bool failed_ = false;
  bool skip_ = false;  // has_body == false: the remaining fields are absent
  bool payload_ = false;
  std::uint64_t seen_ = 0;  // the known TLVs met, one bit per tlv::Info::index
  std::size_t sm_length_ = 0;
  CodecError error_{};
};

}  // namespace aiosmpp::detail::codec
