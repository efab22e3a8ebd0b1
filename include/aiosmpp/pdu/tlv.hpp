#pragma once

/** @file
 *  @brief TLVs (optional parameters, reference §5): Tlv / Tlvs (owning, ordered, unknown tags kept
 *  byte for byte), TlvsView (zero-copy, over a decoded PDU's TLV octets), typed access to every
 *  TLV of SMPP 3.4 and 5.0 through `tlv::` definitions, the version that introduced each, and the
 *  per-PDU allow-lists. */

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/result.hpp"

namespace aiosmpp {

namespace tlv {

/** @brief How a TLV's value is typed. */
enum class Kind : std::uint8_t {
  integer,   ///< big-endian unsigned integer of min_length..max_length octets
  octets,    ///< octet string
  c_string,  ///< C-octet string: the NUL is counted in the length
  flag,      ///< no value: presence alone means "set" (length 0; 1 accepted from SMPP 5.0 peers)
};

/** @brief What the codec knows about a TLV of SMPP 3.4 or 5.0. */
struct Info {
  /** @brief The tag. */
  std::uint16_t tag;
  /** @brief The spec name ("sar_msg_ref_num"). */
  std::string_view name;
  /** @brief How the value is typed. */
  Kind kind;
  /** @brief Shortest valid value, in octets. */
  std::uint16_t min_length;
  /** @brief Longest valid value, in octets. */
  std::uint16_t max_length;
  std::uint8_t index;  ///< 0..63, the bit in the allow-list masks
  /** @brief The version that introduced it (smpp_3_4 or smpp_5_0): a peer that speaks an older
   *  one must not be sent it (EncodeOptions::version). */
  InterfaceVersion since;
};

/** @brief Calls X(Type, name, tag, kind, min_length, max_length, value_type, since) once per TLV of
 *  SMPP 3.4 (reference §5.2) and 5.0 (docs/smpp-5.0.md), in tag order; value_type is the integer
 *  type for Kind::integer and unused otherwise, since is 3_4 or 5_0. Lengths follow reference §5.2
 *  and §11 (source_telematics_id 1 octet, 2 accepted; alert_on_message_delivery 0, 1 accepted)
 *  and, for 5.0, docs/smpp-5.0.md (sources and disagreements there). */
#define AIOSMPP_TLV_LIST(X)                                                                      \
  X(DestAddrSubunit, dest_addr_subunit, 0x0005, integer, 1, 1, std::uint8_t, 3_4)                \
  X(DestNetworkType, dest_network_type, 0x0006, integer, 1, 1, std::uint8_t, 3_4)                \
  X(DestBearerType, dest_bearer_type, 0x0007, integer, 1, 1, std::uint8_t, 3_4)                  \
  X(DestTelematicsId, dest_telematics_id, 0x0008, integer, 2, 2, std::uint16_t, 3_4)             \
  X(SourceAddrSubunit, source_addr_subunit, 0x000D, integer, 1, 1, std::uint8_t, 3_4)            \
  X(SourceNetworkType, source_network_type, 0x000E, integer, 1, 1, std::uint8_t, 3_4)            \
  X(SourceBearerType, source_bearer_type, 0x000F, integer, 1, 1, std::uint8_t, 3_4)              \
  X(SourceTelematicsId, source_telematics_id, 0x0010, integer, 1, 2, std::uint16_t, 3_4)         \
  X(QosTimeToLive, qos_time_to_live, 0x0017, integer, 4, 4, std::uint32_t, 3_4)                  \
  X(PayloadType, payload_type, 0x0019, integer, 1, 1, std::uint8_t, 3_4)                         \
  X(AdditionalStatusInfoText, additional_status_info_text, 0x001D, c_string, 1, 256, void, 3_4)  \
  X(ReceiptedMessageId, receipted_message_id, 0x001E, c_string, 1, 65, void, 3_4)                \
  X(MsMsgWaitFacilities, ms_msg_wait_facilities, 0x0030, integer, 1, 1, std::uint8_t, 3_4)       \
  X(PrivacyIndicator, privacy_indicator, 0x0201, integer, 1, 1, std::uint8_t, 3_4)               \
  X(SourceSubaddress, source_subaddress, 0x0202, octets, 2, 23, void, 3_4)                       \
  X(DestSubaddress, dest_subaddress, 0x0203, octets, 2, 23, void, 3_4)                           \
  X(UserMessageReference, user_message_reference, 0x0204, integer, 2, 2, std::uint16_t, 3_4)     \
  X(UserResponseCode, user_response_code, 0x0205, integer, 1, 1, std::uint8_t, 3_4)              \
  X(SourcePort, source_port, 0x020A, integer, 2, 2, std::uint16_t, 3_4)                          \
  X(DestinationPort, destination_port, 0x020B, integer, 2, 2, std::uint16_t, 3_4)                \
  X(SarMsgRefNum, sar_msg_ref_num, 0x020C, integer, 2, 2, std::uint16_t, 3_4)                    \
  X(LanguageIndicator, language_indicator, 0x020D, integer, 1, 1, std::uint8_t, 3_4)             \
  X(SarTotalSegments, sar_total_segments, 0x020E, integer, 1, 1, std::uint8_t, 3_4)              \
  X(SarSegmentSeqnum, sar_segment_seqnum, 0x020F, integer, 1, 1, std::uint8_t, 3_4)              \
  X(ScInterfaceVersion, sc_interface_version, 0x0210, integer, 1, 1, std::uint8_t, 3_4)          \
  X(CallbackNumPresInd, callback_num_pres_ind, 0x0302, integer, 1, 1, std::uint8_t, 3_4)         \
  X(CallbackNumAtag, callback_num_atag, 0x0303, octets, 0, 65, void, 3_4)                        \
  X(NumberOfMessages, number_of_messages, 0x0304, integer, 1, 1, std::uint8_t, 3_4)              \
  X(CallbackNum, callback_num, 0x0381, octets, 4, 19, void, 3_4)                                 \
  X(DpfResult, dpf_result, 0x0420, integer, 1, 1, std::uint8_t, 3_4)                             \
  X(SetDpf, set_dpf, 0x0421, integer, 1, 1, std::uint8_t, 3_4)                                   \
  X(MsAvailabilityStatus, ms_availability_status, 0x0422, integer, 1, 1, std::uint8_t, 3_4)      \
  X(NetworkErrorCode, network_error_code, 0x0423, octets, 3, 3, void, 3_4)                       \
  X(MessagePayload, message_payload, 0x0424, octets, 0, 65535, void, 3_4)                        \
  X(DeliveryFailureReason, delivery_failure_reason, 0x0425, integer, 1, 1, std::uint8_t, 3_4)    \
  X(MoreMessagesToSend, more_messages_to_send, 0x0426, integer, 1, 1, std::uint8_t, 3_4)         \
  X(MessageState, message_state, 0x0427, integer, 1, 1, std::uint8_t, 3_4)                       \
  X(CongestionState, congestion_state, 0x0428, integer, 1, 1, std::uint8_t, 5_0)                 \
  X(UssdServiceOp, ussd_service_op, 0x0501, octets, 1, 1, void, 3_4)                             \
  X(BroadcastChannelIndicator, broadcast_channel_indicator, 0x0600, integer, 1, 1, std::uint8_t, \
    5_0)                                                                                         \
  X(BroadcastContentType, broadcast_content_type, 0x0601, octets, 3, 3, void, 5_0)               \
  X(BroadcastContentTypeInfo, broadcast_content_type_info, 0x0602, octets, 0, 255, void, 5_0)    \
  X(BroadcastMessageClass, broadcast_message_class, 0x0603, integer, 1, 1, std::uint8_t, 5_0)    \
  X(BroadcastRepNum, broadcast_rep_num, 0x0604, integer, 2, 2, std::uint16_t, 5_0)               \
  X(BroadcastFrequencyInterval, broadcast_frequency_interval, 0x0605, octets, 3, 3, void, 5_0)   \
  X(BroadcastAreaIdentifier, broadcast_area_identifier, 0x0606, octets, 1, 101, void, 5_0)       \
  X(BroadcastErrorStatus, broadcast_error_status, 0x0607, integer, 4, 4, std::uint32_t, 5_0)     \
  X(BroadcastAreaSuccess, broadcast_area_success, 0x0608, integer, 1, 1, std::uint8_t, 5_0)      \
  X(BroadcastEndTime, broadcast_end_time, 0x0609, c_string, 1, 17, void, 5_0)                    \
  X(BroadcastServiceGroup, broadcast_service_group, 0x060A, octets, 0, 255, void, 5_0)           \
  X(BillingIdentification, billing_identification, 0x060B, octets, 1, 1024, void, 5_0)           \
  X(SourceNetworkId, source_network_id, 0x060D, c_string, 1, 65, void, 5_0)                      \
  X(DestNetworkId, dest_network_id, 0x060E, c_string, 1, 65, void, 5_0)                          \
  X(SourceNodeId, source_node_id, 0x060F, octets, 6, 6, void, 5_0)                               \
  X(DestNodeId, dest_node_id, 0x0610, octets, 6, 6, void, 5_0)                                   \
  X(DestAddrNpResolution, dest_addr_np_resolution, 0x0611, integer, 1, 1, std::uint8_t, 5_0)     \
  X(DestAddrNpInformation, dest_addr_np_information, 0x0612, octets, 10, 10, void, 5_0)          \
  X(DestAddrNpCountry, dest_addr_np_country, 0x0613, integer, 5, 5, std::uint64_t, 5_0)          \
  X(DisplayTime, display_time, 0x1201, integer, 1, 1, std::uint8_t, 3_4)                         \
  X(SmsSignal, sms_signal, 0x1203, integer, 2, 2, std::uint16_t, 3_4)                            \
  X(MsValidity, ms_validity, 0x1204, integer, 1, 1, std::uint8_t, 3_4)                           \
  X(AlertOnMessageDelivery, alert_on_message_delivery, 0x130C, flag, 0, 1, void, 3_4)            \
  X(ItsReplyType, its_reply_type, 0x1380, integer, 1, 1, std::uint8_t, 3_4)                      \
  X(ItsSessionInfo, its_session_info, 0x1383, octets, 2, 2, void, 3_4)

namespace detail {
enum Index : std::uint8_t {
#define AIOSMPP_TLV_INDEX(Type, name, tag, kind, min, max, vt, since) Type##_index,
  AIOSMPP_TLV_LIST(AIOSMPP_TLV_INDEX)
#undef AIOSMPP_TLV_INDEX
      count
};
// One bit per TLV in a 64-bit mask: 44 of 3.4 and 20 of 5.0 fill it exactly.
static_assert(count <= 64, "the allow-list masks are 64 bits wide");
}  // namespace detail

/** @brief One type per TLV, for `tlvs.get<tlv::SarMsgRefNum>()` and friends. */
#define AIOSMPP_TLV_DEF(Type, name_, tag_, kind_, min_, max_, vt, since_)      \
  struct Type {                                                                \
    static constexpr std::uint16_t tag = tag_;                                 \
    static constexpr std::string_view name = #name_;                           \
    static constexpr Kind kind = Kind::kind_;                                  \
    static constexpr std::uint16_t min_length = min_;                          \
    static constexpr std::uint16_t max_length = max_;                          \
    static constexpr std::uint8_t index = detail::Type##_index;                \
    static constexpr InterfaceVersion since = InterfaceVersion::smpp_##since_; \
    using integer_type = vt;                                                   \
  };
AIOSMPP_TLV_LIST(AIOSMPP_TLV_DEF)
#undef AIOSMPP_TLV_DEF

/** @brief The codec's knowledge of `tag`, or nullptr for a tag neither SMPP 3.4 nor 5.0 defines
 *  (vendor-specific 0x1400-0x3FFF, reserved). */
const Info* find(std::uint16_t tag) noexcept;

/** @brief All 64 TLVs of SMPP 3.4 (44) and 5.0 (20), in tag order. */
std::span<const Info> all() noexcept;

/** @brief The TLVs `command` may carry in `version`, one bit per Info::index. 3.4 (and earlier):
 *  reference §3 and §5.2, plus the extras §11 says decoders accept (submit_multi may also carry
 *  more_messages_to_send, number_of_messages, user_response_code, its_reply_type,
 *  its_session_info, ussd_service_op; deliver_sm and data_sm may carry ussd_service_op). 5.0:
 *  those plus what 5.0 adds (docs/smpp-5.0.md), and the broadcast PDUs' lists. */
std::uint64_t allowed_mask(CommandId command,
                           InterfaceVersion version = InterfaceVersion::smpp_5_0) noexcept;

/** @brief The TLVs `command` must carry when its command_status is 0, one bit per Info::index
 *  (SMPP 5.0: broadcast_sm's four broadcast TLVs and message_payload, query_broadcast_sm_resp's
 *  broadcast_area_identifier, broadcast_area_success and message_state); 0 for the others.
 *  Checked with strict_tlvs (ESME_RMISSINGOPTPARAM). */
std::uint64_t required_mask(CommandId command) noexcept;

/** @brief Whether `command` may carry `tag` in `version`. Tags the version does not define
 *  (vendor-specific, reserved, and 5.0's in 3.4) are always allowed (and kept byte for byte), as
 *  a receiver ignores TLVs it does not know (reference §5.1). The codec checks the list on
 *  requests only and only with strict_tlvs; responses may carry any TLV, because dropping a
 *  response over an extra TLV (5.0 SMSCs add congestion_state to every one) would lose the
 *  message it answers. */
bool allowed(CommandId command, std::uint16_t tag,
             InterfaceVersion version = InterfaceVersion::smpp_5_0) noexcept;

template <class T>
concept Definition = requires {
  { T::tag } -> std::convertible_to<std::uint16_t>;
  { T::kind } -> std::convertible_to<Kind>;
};

}  // namespace tlv

/** @brief One TLV as stored: tag and raw value octets (length is value.size()). */
struct Tlv {
  /** @brief The tag (any 16-bit value; unknown tags are kept). */
  std::uint16_t tag = 0;
  /** @brief The value octets. */
  std::vector<std::uint8_t> value;

  friend bool operator==(const Tlv&, const Tlv&) = default;
};

/** @brief One TLV inside a receive buffer. */
struct TlvView {
  /** @brief The tag. */
  std::uint16_t tag = 0;
  /** @brief The value octets, in the receive buffer. */
  std::span<const std::uint8_t> value;
};

namespace detail {

// Spans of a default view have a null data(); memcmp must never see it, even for 0 octets.
inline bool bytes_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() &&
         (a.empty() || b.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

template <class Def>
auto tlv_typed_value(std::span<const std::uint8_t> v) {
  if constexpr (Def::kind == tlv::Kind::integer) {
    using I = typename Def::integer_type;
    std::optional<I> out;
    if (v.size() >= Def::min_length && v.size() <= Def::max_length) {
      std::uint64_t x = 0;
      for (auto b : v)
        x = (x << 8) | b;
      out = static_cast<I>(x);
    }
    return out;
  } else if constexpr (Def::kind == tlv::Kind::octets) {
    return std::optional<std::span<const std::uint8_t>>(v);
  } else if constexpr (Def::kind == tlv::Kind::c_string) {
    std::optional<std::string_view> out;
    if (!v.empty() && v.back() == 0) {
      out = std::string_view(reinterpret_cast<const char*>(v.data()), v.size() - 1);
    }
    return out;
  } else {
    return true;
  }
}

}  // namespace detail

/** @brief A PDU's TLVs in wire order. Unknown and repeated tags are kept exactly as given.
 *
 *  Typed access: `get<tlv::SarMsgRefNum>()` gives std::optional<std::uint16_t>; octet-string TLVs
 *  give std::optional<std::span<const std::uint8_t>>, C-string TLVs std::optional<std::string_view>
 *  (without the NUL), flag TLVs a bool (present). A value of the wrong length reads as absent;
 *  the decoder rejects such a TLV anyway, and the encoder refuses to write one. */
class Tlvs {
 public:
  /** @brief The element type. */
  using value_type = Tlv;
  /** @brief Iterates in wire order. */
  using const_iterator = std::vector<Tlv>::const_iterator;

  Tlvs() = default;
  /** @brief The given TLVs, in order. */
  Tlvs(std::initializer_list<Tlv> items) : items_(items) {}

  /** @brief First TLV. */
  const_iterator begin() const noexcept { return items_.begin(); }
  /** @brief Past the last TLV. */
  const_iterator end() const noexcept { return items_.end(); }
  /** @brief Number of TLVs (repeats counted). */
  std::size_t size() const noexcept { return items_.size(); }
  /** @brief True when there are none. */
  bool empty() const noexcept { return items_.empty(); }
  /** @brief The i-th TLV in wire order (i < size()). */
  const Tlv& operator[](std::size_t i) const { return items_[i]; }
  /** @brief Removes all. */
  void clear() noexcept { items_.clear(); }
  /** @brief Reserves room for n TLVs. */
  void reserve(std::size_t n) { items_.reserve(n); }

  /** @brief Appends a TLV as is (no check here; the encoder checks known tags). */
  void push_back(Tlv tlv) { items_.push_back(std::move(tlv)); }
  /** @brief Appends a TLV with a copy of `value` (no check here). */
  void add(std::uint16_t tag, std::span<const std::uint8_t> value) {
    items_.push_back(Tlv{tag, std::vector<std::uint8_t>(value.begin(), value.end())});
  }

  /** @brief The first TLV with `tag`, or nullptr. */
  const Tlv* find(std::uint16_t tag) const noexcept {
    for (const auto& t : items_) {
      if (t.tag == tag) return &t;
    }
    return nullptr;
  }
  /** @brief Whether a TLV with `tag` is present. */
  bool contains(std::uint16_t tag) const noexcept { return find(tag) != nullptr; }
  /** @brief Removes every TLV with `tag`; returns how many. */
  std::size_t erase(std::uint16_t tag);

  template <tlv::Definition Def>
  /** @brief The typed value of TLV `Def` (see the class description), or empty / false when
   *  absent or of a wrong length. */
  auto get() const {
    const Tlv* t = find(Def::tag);
    using R = decltype(detail::tlv_typed_value<Def>({}));
    if (t == nullptr) {
      if constexpr (std::is_same_v<R, bool>) {
        return false;
      } else {
        return R{};
      }
    }
    return detail::tlv_typed_value<Def>(t->value);
  }
  template <tlv::Definition Def>
  /** @brief Whether TLV `Def` is present. */
  bool contains() const noexcept {
    return contains(Def::tag);
  }

  /** @brief Sets an integer TLV, replacing the first one with the same tag: the shortest length
   *  the TLV allows that holds `value` (its low max_length octets). */
  template <tlv::Definition Def>
  requires(Def::kind == tlv::Kind::integer) void set(typename Def::integer_type value) {
    static_assert(Def::max_length <= 8);
    std::uint8_t buf[8];
    const auto x = static_cast<std::uint64_t>(value);
    std::size_t n = Def::min_length;
    if constexpr (Def::max_length > Def::min_length) {
      while (n < Def::max_length && (x >> (8 * n)) != 0)
        ++n;
    }
    for (std::size_t i = 0; i < n; ++i) {
      buf[i] = static_cast<std::uint8_t>(x >> (8 * (n - 1 - i)));
    }
    replace(Def::tag, std::span<const std::uint8_t>(buf, n));
  }
  /** @brief Sets a flag TLV (length 0). */
  template <tlv::Definition Def>
  requires(Def::kind == tlv::Kind::flag) void set() { replace(Def::tag, {}); }
  /** @brief Sets an octet-string TLV; fails (naming the TLV and its limits) when the length is
   *  outside the TLV's sizes, leaving the TLVs unchanged. */
  template <tlv::Definition Def>
  requires(Def::kind == tlv::Kind::octets) Result<void> set(std::span<const std::uint8_t> value) {
    if (value.size() < Def::min_length || value.size() > Def::max_length) {
      return length_error(Def::tag, value.size());
    }
    replace(Def::tag, value);
    return {};
  }
  /** @brief Sets a C-string TLV from text without its NUL (the NUL is added); fails when the
   *  text holds a NUL or is too long, leaving the TLVs unchanged. */
  template <tlv::Definition Def>
  requires(Def::kind == tlv::Kind::c_string) Result<void> set(std::string_view text) {
    if (text.find('\0') != std::string_view::npos || text.size() + 1 > Def::max_length) {
      return length_error(Def::tag, text.size() + 1);
    }
    std::vector<std::uint8_t> v(text.begin(), text.end());
    v.push_back(0);
    replace_owned(Def::tag, std::move(v));
    return {};
  }
  template <tlv::Definition Def>
  /** @brief Removes every TLV `Def`; returns how many. */
  std::size_t erase() {
    return erase(Def::tag);
  }

  friend bool operator==(const Tlvs&, const Tlvs&) = default;

 private:
  void replace(std::uint16_t tag, std::span<const std::uint8_t> value) {
    replace_owned(tag, std::vector<std::uint8_t>(value.begin(), value.end()));
  }
  void replace_owned(std::uint16_t tag, std::vector<std::uint8_t> value);
  static CodecError length_error(std::uint16_t tag, std::size_t size);

  std::vector<Tlv> items_;
};

/** @brief The TLVs of a PDU decoded with decode_view(): a view of the TLV octets in the receive
 *  buffer, walked on demand (no allocation). Valid while that buffer is. Iteration stops at the
 *  first incomplete TLV, so it never reads outside the octets it was given. */
class TlvsView {
 public:
  /** @brief Forward iterator over the TLVs (by value, TlvView). */
  class const_iterator {
   public:
    /** @brief Iterator traits. */
    using iterator_category = std::forward_iterator_tag;
    /** @brief Iterator traits. */
    using value_type = TlvView;
    /** @brief Iterator traits. */
    using difference_type = std::ptrdiff_t;
    /** @brief Iterator traits. */
    using pointer = const TlvView*;
    /** @brief Iterator traits. */
    using reference = TlvView;

    const_iterator() = default;
    /** @brief The current TLV. */
    TlvView operator*() const noexcept { return current_; }
    /** @brief The current TLV. */
    const TlvView* operator->() const noexcept { return &current_; }
    /** @brief Moves to the next TLV (or end() at the first incomplete one). */
    const_iterator& operator++() noexcept {
      rest_ = rest_.subspan(4 + current_.value.size());
      load();
      return *this;
    }
    /** @brief Moves to the next TLV; returns the previous position. */
    const_iterator operator++(int) noexcept {
      auto copy = *this;
      ++*this;
      return copy;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
      return a.rest_.data() == b.rest_.data() && a.rest_.size() == b.rest_.size();
    }

   private:
    friend class TlvsView;
    explicit const_iterator(std::span<const std::uint8_t> rest) noexcept : rest_(rest) { load(); }
    void load() noexcept {
      if (rest_.size() < 4) {
        rest_ = rest_.subspan(rest_.size());
        return;
      }
      const std::size_t len = (std::size_t{rest_[2]} << 8) | rest_[3];
      if (len > rest_.size() - 4) {
        rest_ = rest_.subspan(rest_.size());
        return;
      }
      current_ =
          TlvView{static_cast<std::uint16_t>((rest_[0] << 8) | rest_[1]), rest_.subspan(4, len)};
    }
    std::span<const std::uint8_t> rest_;
    TlvView current_{};
  };
  /** @brief The element type. */
  using value_type = TlvView;

  TlvsView() = default;
  /** @brief A view over TLV octets (tag, length, value, ...), as found after a PDU's mandatory
   *  fields. */
  explicit TlvsView(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

  /** @brief First TLV. */
  const_iterator begin() const noexcept { return const_iterator(bytes_); }
  /** @brief Past the last complete TLV. */
  const_iterator end() const noexcept { return const_iterator(bytes_.subspan(bytes_.size())); }
  /** @brief True when there is no complete TLV. */
  bool empty() const noexcept { return begin() == end(); }
  /** @brief Number of complete TLVs (walks them: O(n)). */
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it)
      ++n;
    return n;
  }
  /** @brief The raw TLV octets. */
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  /** @brief The first TLV with `tag`, or nullopt. */
  std::optional<TlvView> find(std::uint16_t tag) const noexcept {
    for (auto t : *this) {
      if (t.tag == tag) return t;
    }
    return std::nullopt;
  }
  /** @brief Whether a TLV with `tag` is present. */
  bool contains(std::uint16_t tag) const noexcept { return find(tag).has_value(); }

  template <tlv::Definition Def>
  /** @brief As Tlvs::get(). */
  auto get() const {
    auto t = find(Def::tag);
    using R = decltype(detail::tlv_typed_value<Def>({}));
    if (!t) {
      if constexpr (std::is_same_v<R, bool>) {
        return false;
      } else {
        return R{};
      }
    }
    return detail::tlv_typed_value<Def>(t->value);
  }
  template <tlv::Definition Def>
  /** @brief Whether TLV `Def` is present. */
  bool contains() const noexcept {
    return contains(Def::tag);
  }

  /** @brief Copies into an owning Tlvs. */
  Tlvs to_owning() const;

  friend bool operator==(const TlvsView& a, const TlvsView& b) noexcept {
    return detail::bytes_equal(a.bytes_, b.bytes_);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace aiosmpp
