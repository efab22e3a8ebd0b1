#pragma once

/** @file
 *  @brief One value type per SMPP PDU, owning and view: every 3.4 PDU (reference §3) and the 5.0
 *  broadcast PDUs (docs/smpp-5.0.md); and the `Pdu` / `PduView` sum types.
 *
 *  Each PDU is one template (`BasicSm`, `BasicBind`, ...) whose `fields()` lists its wire layout
 *  once; the encoder, both decoders and the view-to-owning copy all walk that list. The owning
 *  instantiation (`SubmitSm`: std::string, Tlvs) is for storing and queueing; the view
 *  instantiation (`SubmitSmView`: std::string_view, TlvsView) points into the receive buffer
 *  and is valid only while that buffer is unchanged.
 *
 *  Fields are exactly the wire fields (`short_message` holds octets, `data_coding` is the wire
 *  byte), plus `header` (command_status, sequence_number; the command_id is implied by the type)
 *  and, on owning types, `tracking` (never encoded) and, on the five message-carrying PDUs,
 *  `text` (never read by the codec; see message_text.hpp). */

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"
#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/message_text.hpp"
#include "aiosmpp/pdu/phone_number.hpp"
#include "aiosmpp/pdu/tlv.hpp"

namespace aiosmpp {

/** @brief The header fields a PDU value carries (command_length and command_id are implied). */
struct PduHeader {
  CommandStatus command_status = CommandStatus::ok;  ///< 0 in requests
  std::uint32_t sequence_number = 0;                 ///< 1..0x7FFFFFFF in requests

  friend bool operator==(const PduHeader&, const PduHeader&) = default;
};

/** @brief The application's handle on a message, never encoded; the ESME copies it onto the
 *  responses and receipts that correlate. */
struct Tracking {
  std::string log_id;      ///< the application's identifier for the message (aiosmpplib's log_id)
  std::string extra_data;  ///< any string the application wants back with the outcome

  friend bool operator==(const Tracking&, const Tracking&) = default;
};

namespace detail {

/** Stands in for owning-only members (tracking, text) in view types, taking no space. */
struct Nothing {
  friend bool operator==(const Nothing&, const Nothing&) = default;
};

template <class Str>
inline constexpr bool is_view_v = std::is_same_v<Str, std::string_view>;

template <class Str, class T>
using OwningOnly = std::conditional_t<is_view_v<Str>, Nothing, T>;

/** A NUL-terminated string of at most `size` octets (NUL included) at the start of `rest`, or
 *  nullopt; bounds-safe on any input. */
inline std::optional<std::string_view> scan_c_string(std::span<const std::uint8_t> rest,
                                                     std::size_t size) noexcept {
  const std::size_t n = rest.size() < size ? rest.size() : size;
  if (n == 0) return std::nullopt;
  const void* nul = std::memchr(rest.data(), 0, n);
  if (nul == nullptr) return std::nullopt;
  const auto len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - rest.data());
  return std::string_view(reinterpret_cast<const char*>(rest.data()), len);
}

}  // namespace detail

/** @brief One destination of a submit_multi (§3.7): an SME address (dest_flag 1) or a
 *  distribution list name (dest_flag 2). The member the flag does not select must stay empty. */
template <class Str>
struct BasicSubmitMultiDest {
  DestFlag dest_flag = DestFlag::sme_address;  ///< which of address and dl_name is used
  BasicPhoneNumber<Str> address;  ///< dest_addr_ton, dest_addr_npi, destination_addr (C 21)
  Str dl_name{};                  ///< C 21

  friend bool operator==(const BasicSubmitMultiDest&, const BasicSubmitMultiDest&) = default;
};
/** @brief One submit_multi destination (owning). */
using SubmitMultiDest = BasicSubmitMultiDest<std::string>;

/** @brief One failed destination in a submit_multi_resp (§3.8). */
template <class Str>
struct BasicUnsuccessSme {
  BasicPhoneNumber<Str> address;  ///< dest_addr_ton, dest_addr_npi, destination_addr (C 21)
  CommandStatus error_status_code = CommandStatus::ok;  ///< why this destination failed

  friend bool operator==(const BasicUnsuccessSme&, const BasicUnsuccessSme&) = default;
};
/** @brief One failed submit_multi destination (owning). */
using UnsuccessSme = BasicUnsuccessSme<std::string>;

namespace detail {

// Entry parsers shared by the view lists below and the decoder; nullopt on malformed input.
struct DestEntry {
  BasicSubmitMultiDest<std::string_view> value;
  std::size_t consumed;
};
inline std::optional<DestEntry> parse_dest(std::span<const std::uint8_t> rest) noexcept {
  if (rest.empty()) return std::nullopt;
  DestEntry e{{}, 0};
  if (rest[0] == 1) {
    if (rest.size() < 3) return std::nullopt;
    auto s = scan_c_string(rest.subspan(3), 21);
    if (!s) return std::nullopt;
    e.value.dest_flag = DestFlag::sme_address;
    e.value.address = {*s, static_cast<Ton>(rest[1]), static_cast<Npi>(rest[2])};
    e.consumed = 3 + s->size() + 1;
    return e;
  }
  if (rest[0] == 2) {
    auto s = scan_c_string(rest.subspan(1), 21);
    if (!s) return std::nullopt;
    e.value.dest_flag = DestFlag::distribution_list;
    e.value.dl_name = *s;
    e.consumed = 1 + s->size() + 1;
    return e;
  }
  return std::nullopt;
}
struct UnsuccessEntry {
  BasicUnsuccessSme<std::string_view> value;
  std::size_t consumed;
};
inline std::optional<UnsuccessEntry> parse_unsuccess(std::span<const std::uint8_t> rest) noexcept {
  if (rest.size() < 2) return std::nullopt;
  auto s = scan_c_string(rest.subspan(2), 21);
  if (!s) return std::nullopt;
  const std::size_t at = 2 + s->size() + 1;
  if (rest.size() - at < 4) return std::nullopt;
  const std::uint32_t code = (std::uint32_t{rest[at]} << 24) | (std::uint32_t{rest[at + 1]} << 16) |
                             (std::uint32_t{rest[at + 2]} << 8) | rest[at + 3];
  return UnsuccessEntry{{{*s, static_cast<Ton>(rest[0]), static_cast<Npi>(rest[1])},
                         static_cast<CommandStatus>(code)},
                        at + 4};
}

/** A list of `count` entries packed in `bytes`, walked on demand; stops early on bad input. */
template <class Entry, auto Parse>
class PackedList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    const_iterator() = default;
    const Entry& operator*() const noexcept { return current_; }
    const Entry* operator->() const noexcept { return &current_; }
    const_iterator& operator++() noexcept {
      --left_;
      load();
      return *this;
    }
    const_iterator operator++(int) noexcept {
      auto c = *this;
      ++*this;
      return c;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
      return a.left_ == b.left_;
    }

   private:
    friend class PackedList;
    const_iterator(std::span<const std::uint8_t> rest, std::size_t left) noexcept
        : rest_(rest), left_(left) {
      load();
    }
    void load() noexcept {
      if (left_ == 0) return;
      auto e = Parse(rest_);
      if (!e) {
        left_ = 0;
        return;
      }
      current_ = e->value;
      rest_ = rest_.subspan(e->consumed);
    }
    std::span<const std::uint8_t> rest_;
    std::size_t left_ = 0;
    Entry current_{};
  };
  using value_type = Entry;

  PackedList() = default;
  PackedList(std::span<const std::uint8_t> bytes, std::size_t count) noexcept
      : bytes_(bytes), count_(count) {}

  const_iterator begin() const noexcept { return const_iterator(bytes_, count_); }
  const_iterator end() const noexcept { return const_iterator({}, 0); }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /** The packed entry octets (without the count octet). */
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  friend bool operator==(const PackedList& a, const PackedList& b) noexcept {
    return a.count_ == b.count_ && bytes_equal(a.bytes_, b.bytes_);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t count_ = 0;
};

}  // namespace detail

/** @brief submit_multi's destinations in a receive buffer (zero-copy). */
using SubmitMultiDestsView =
    detail::PackedList<BasicSubmitMultiDest<std::string_view>, &detail::parse_dest>;
/** @brief submit_multi_resp's unsuccess_sme entries in a receive buffer (zero-copy). */
using UnsuccessSmesView =
    detail::PackedList<BasicUnsuccessSme<std::string_view>, &detail::parse_unsuccess>;

namespace detail {
template <class Str>
using DestList =
    std::conditional_t<is_view_v<Str>, SubmitMultiDestsView, std::vector<SubmitMultiDest>>;
template <class Str>
using UnsuccessList =
    std::conditional_t<is_view_v<Str>, UnsuccessSmesView, std::vector<UnsuccessSme>>;
}  // namespace detail

/** @page pdu_fields The field visitor
 *
 *  Every PDU type has `template <class V, class... S> static void fields(V& v, S&... s)`, which
 *  calls `v` once per wire field, in wire order, passing that field of each object in `s...`
 *  (one object to encode, decode or print; two to copy or compare). The codec's encoder, both
 *  decoders and to_owning() are such visitors, and a JSON mapping or a pretty-printer can be one
 *  too, so the layout is written once. The calls a visitor must accept (`F&...` stands for the
 *  field in each object; names are the spec's field names):
 *
 *  - `optional_body(bool&...)`: first call of responses whose body may be absent; false means
 *    the remaining fields are not on the wire.
 *  - `c_string(std::string_view name, std::size_t size, CommandStatus status, Str&...)`: a
 *    C-octet string of at most `size` octets including the NUL; `status` is what a peer answers
 *    when it is malformed.
 *  - `time(std::string_view name, CommandStatus status, Str&...)`: empty or 16 characters (§7).
 *  - `address(std::string_view name, std::size_t size, CommandStatus status,
 *    BasicPhoneNumber<Str>&...)`: `<name>_ton`/`<name>_npi` (the spec's `*_ton`, `*_npi`), then
 *    the C-octet string `name`.
 *  - `octet(std::string_view name, T&...)`: one octet, any value (T is std::uint8_t or an enum
 *    from enums.hpp).
 *  - `octet_max(name, unsigned max, CommandStatus, T&...)`: one octet, 0..max.
 *  - `octet_mask(name, unsigned mask, CommandStatus, T&...)`: one octet, only `mask` bits set.
 *  - `short_message(Str&...)`: sm_length then that many octets (0..254).
 *  - `dest_addresses(List&...)`: number_of_dests then the submit_multi destinations.
 *  - `unsuccess_smes(List&...)`: no_unsuccess then the submit_multi_resp failures.
 *  - `tlvs(TlvSeq&...)`: everything after the mandatory fields.
 *
 *  Header-only PDUs call nothing. */

/** @brief A header-only PDU (§3.4): unbind(_resp), enquire_link(_resp), generic_nack,
 *  cancel_sm_resp, replace_sm_resp and (5.0) cancel_broadcast_sm_resp. */
template <CommandId Id, class Str>
struct BasicHeaderOnly {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V&, S&...) {}
  friend bool operator==(const BasicHeaderOnly&, const BasicHeaderOnly&) = default;
};

/** @brief bind_transmitter, bind_receiver, bind_transceiver (§3.1). */
template <CommandId Id, class Str, class TlvSeq>
struct BasicBind {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief Identifies the ESME or the SMSC (C 16). */
  Str system_id{};
  /** @brief The ESME's password (C 9); never logged. */
  Str password{};
  /** @brief The kind of ESME (C 13); often empty. */
  Str system_type{};
  /** @brief 0x34: SMPP 3.4. */
  InterfaceVersion interface_version = InterfaceVersion::smpp_3_4;
  BasicPhoneNumber<Str> address_range;  ///< addr_ton, addr_npi, address_range (C 41)
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("system_id", 16, CommandStatus::invalid_system_id, s.system_id...);
    v.c_string("password", 9, CommandStatus::invalid_password, s.password...);
    v.c_string("system_type", 13, CommandStatus::invalid_system_type, s.system_type...);
    v.octet("interface_version", s.interface_version...);
    v.address("address_range", 41, CommandStatus::bind_failed, s.address_range...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicBind&, const BasicBind&) = default;
};

/** @brief bind_*_resp (§3.2). `has_body` false means the PDU is header only (what 3.4 sends
 *  with a non-zero command_status); the decoder sets it from the wire, and the encoder then
 *  requires system_id and tlvs to be empty. */
template <CommandId Id, class Str, class TlvSeq>
struct BasicBindResp {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief False: header only (3.4's error form); the decoder sets it. */
  bool has_body = true;
  /** @brief Identifies the ESME or the SMSC (C 16). */
  Str system_id{};
  TlvSeq tlvs{};  ///< sc_interface_version
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.optional_body(s.has_body...);
    v.c_string("system_id", 16, CommandStatus::invalid_system_id, s.system_id...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicBindResp&, const BasicBindResp&) = default;
};

/** @brief outbind (§3.3). */
template <class Str, class TlvSeq>
struct BasicOutbind {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::outbind;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief Identifies the ESME or the SMSC (C 16). */
  Str system_id{};
  /** @brief The ESME's password (C 9); never logged. */
  Str password{};
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("system_id", 16, CommandStatus::invalid_system_id, s.system_id...);
    v.c_string("password", 9, CommandStatus::invalid_password, s.password...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicOutbind&, const BasicOutbind&) = default;
};

/** @brief submit_sm (§3.5) and deliver_sm (§3.9), which share one layout.
 *
 *  short_message holds at most 254 octets (sm_length is implied); longer user data goes in the
 *  message_payload TLV, and then short_message must be empty. registered_delivery defaults to
 *  receipt_always for submit_sm (as aiosmpplib's SubmitSm) and none for deliver_sm. */
template <CommandId Id, class Str, class TlvSeq>
struct BasicSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  BasicPhoneNumber<Str> source;       ///< source_addr_ton, source_addr_npi, source_addr (C 21)
  BasicPhoneNumber<Str> destination;  ///< dest_addr_ton, dest_addr_npi, destination_addr (C 21)
  /** @brief Messaging mode, message type (receipt, ...), UDHI. */
  EsmClass esm_class = EsmClass::default_mode;
  /** @brief GSM TP-Protocol-Identifier; normally 0. */
  std::uint8_t protocol_id = 0;
  std::uint8_t priority_flag = 0;  ///< 0-3
  Str schedule_delivery_time{};    ///< empty or 16 characters (§7)
  Str validity_period{};           ///< empty or 16 characters (§7)
  /** @brief Which delivery receipts and acknowledgements are asked for. */
  RegisteredDelivery registered_delivery =
      Id == CommandId::submit_sm ? RegisteredDelivery::receipt_always : RegisteredDelivery::none;
  std::uint8_t replace_if_present_flag = 0;  ///< 0 or 1
  /** @brief The wire byte: how the user data is encoded. */
  DataCoding data_coding = DataCoding::smsc_default;
  /** @brief One of the SMSC's canned messages; 0 for none. */
  std::uint8_t sm_default_msg_id = 0;
  Str short_message{};  ///< octets; sm_length on the wire
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  /** @brief UTF-8 text to send instead of short_message (owning types only): the message layer
   *  (text::render, which the Esme applies) sets data_coding and the user data from it; the codec
   *  never reads it. */
  [[no_unique_address]] detail::OwningOnly<Str, std::optional<MessageText>> text{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.address("destination_addr", 21, CommandStatus::invalid_dest_address, s.destination...);
    v.octet("esm_class", s.esm_class...);
    v.octet("protocol_id", s.protocol_id...);
    v.octet_max("priority_flag", 3, CommandStatus::invalid_priority_flag, s.priority_flag...);
    v.time("schedule_delivery_time", CommandStatus::invalid_schedule, s.schedule_delivery_time...);
    v.time("validity_period", CommandStatus::invalid_expiry, s.validity_period...);
    v.octet_mask("registered_delivery", registered_delivery_mask,
                 CommandStatus::invalid_registered_delivery, s.registered_delivery...);
    v.octet_max("replace_if_present_flag", 1, CommandStatus::invalid_replace_flag,
                s.replace_if_present_flag...);
    v.octet("data_coding", s.data_coding...);
    v.octet("sm_default_msg_id", s.sm_default_msg_id...);
    v.short_message(s.short_message...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicSm&, const BasicSm&) = default;
};

/** @brief submit_sm_resp (§3.6), deliver_sm_resp (§3.10), data_sm_resp (§3.12) and (5.0)
 *  broadcast_sm_resp and query_broadcast_sm_resp: a message_id (C 65) and TLVs. `has_body` as in
 * BasicBindResp (3.4 sends no body on error; 3.3/5.0 and many SMSCs send a NULL message_id, which
 * is has_body = true with an empty message_id). */
template <CommandId Id, class Str, class TlvSeq>
struct BasicMessageIdResp {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief False: header only (3.4's error form); the decoder sets it. */
  bool has_body = true;
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.optional_body(s.has_body...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicMessageIdResp&, const BasicMessageIdResp&) = default;
};

/** @brief submit_multi (§3.7): 1-254 destinations. */
template <class Str, class TlvSeq>
struct BasicSubmitMulti {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::submit_multi;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  detail::DestList<Str> dest_addresses{};  ///< number_of_dests is implied
  /** @brief Messaging mode, message type (receipt, ...), UDHI. */
  EsmClass esm_class = EsmClass::default_mode;
  /** @brief GSM TP-Protocol-Identifier; normally 0. */
  std::uint8_t protocol_id = 0;
  /** @brief 0 (lowest) to 3. */
  std::uint8_t priority_flag = 0;
  /** @brief Empty (now) or 16 characters, absolute or relative (§7). */
  Str schedule_delivery_time{};
  /** @brief Empty (SMSC default) or 16 characters, absolute or relative (§7). */
  Str validity_period{};
  /** @brief Which delivery receipts and acknowledgements are asked for. */
  RegisteredDelivery registered_delivery = RegisteredDelivery::receipt_always;
  /** @brief 1: replace a pending message from the same source. */
  std::uint8_t replace_if_present_flag = 0;
  /** @brief The wire byte: how the user data is encoded. */
  DataCoding data_coding = DataCoding::smsc_default;
  /** @brief One of the SMSC's canned messages; 0 for none. */
  std::uint8_t sm_default_msg_id = 0;
  /** @brief User data, at most 254 octets; empty when message_payload is used. */
  Str short_message{};
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  /** @brief UTF-8 text to send instead of short_message (owning types only): the message layer
   *  (text::render, which the Esme applies) sets data_coding and the user data from it; the codec
   *  never reads it. */
  [[no_unique_address]] detail::OwningOnly<Str, std::optional<MessageText>> text{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.dest_addresses(s.dest_addresses...);
    v.octet("esm_class", s.esm_class...);
    v.octet("protocol_id", s.protocol_id...);
    v.octet_max("priority_flag", 3, CommandStatus::invalid_priority_flag, s.priority_flag...);
    v.time("schedule_delivery_time", CommandStatus::invalid_schedule, s.schedule_delivery_time...);
    v.time("validity_period", CommandStatus::invalid_expiry, s.validity_period...);
    v.octet_mask("registered_delivery", registered_delivery_mask,
                 CommandStatus::invalid_registered_delivery, s.registered_delivery...);
    v.octet_max("replace_if_present_flag", 1, CommandStatus::invalid_replace_flag,
                s.replace_if_present_flag...);
    v.octet("data_coding", s.data_coding...);
    v.octet("sm_default_msg_id", s.sm_default_msg_id...);
    v.short_message(s.short_message...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicSubmitMulti&, const BasicSubmitMulti&) = default;
};

/** @brief submit_multi_resp (§3.8): message_id and the destinations that failed (0-255). */
template <class Str, class TlvSeq>
struct BasicSubmitMultiResp {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::submit_multi_resp;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief False: header only (3.4's error form); the decoder sets it. */
  bool has_body = true;
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  detail::UnsuccessList<Str> unsuccess_smes{};  ///< no_unsuccess is implied
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.optional_body(s.has_body...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.unsuccess_smes(s.unsuccess_smes...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicSubmitMultiResp&, const BasicSubmitMultiResp&) = default;
};

/** @brief data_sm (§3.11): addresses up to 64 characters; user data in message_payload. */
template <class Str, class TlvSeq>
struct BasicDataSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::data_sm;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  BasicPhoneNumber<Str> source;       ///< C 65
  BasicPhoneNumber<Str> destination;  ///< C 65
  /** @brief Messaging mode, message type (receipt, ...), UDHI. */
  EsmClass esm_class = EsmClass::default_mode;
  /** @brief Which delivery receipts and acknowledgements are asked for. */
  RegisteredDelivery registered_delivery = RegisteredDelivery::none;
  /** @brief The wire byte: how the user data is encoded. */
  DataCoding data_coding = DataCoding::smsc_default;
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  /** @brief UTF-8 text to send instead of short_message (owning types only): the message layer
   *  (text::render, which the Esme applies) sets data_coding and the user data from it; the codec
   *  never reads it. */
  [[no_unique_address]] detail::OwningOnly<Str, std::optional<MessageText>> text{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.address("source_addr", 65, CommandStatus::invalid_source_address, s.source...);
    v.address("destination_addr", 65, CommandStatus::invalid_dest_address, s.destination...);
    v.octet("esm_class", s.esm_class...);
    v.octet_mask("registered_delivery", registered_delivery_mask,
                 CommandStatus::invalid_registered_delivery, s.registered_delivery...);
    v.octet("data_coding", s.data_coding...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicDataSm&, const BasicDataSm&) = default;
};

/** @brief query_sm (§3.13) and (5.0) query_broadcast_sm, which has the same body. */
template <class Str, class TlvSeq, CommandId Id = CommandId::query_sm>
struct BasicQuerySm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = Id;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicQuerySm&, const BasicQuerySm&) = default;
};

/** @brief query_sm_resp (§3.13). */
template <class Str, class TlvSeq>
struct BasicQuerySmResp {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::query_sm_resp;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief False: header only (3.4's error form); the decoder sets it. */
  bool has_body = true;
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  Str final_date{};  ///< empty or 16 characters (§7)
  /** @brief The message's state (§5.2.28). */
  MessageState message_state = MessageState::enroute;
  /** @brief Network error of a failed delivery; 0 when none. */
  std::uint8_t error_code = 0;
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.optional_body(s.has_body...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.time("final_date", CommandStatus::query_failed, s.final_date...);
    v.octet("message_state", s.message_state...);
    v.octet("error_code", s.error_code...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicQuerySmResp&, const BasicQuerySmResp&) = default;
};

/** @brief cancel_sm (§3.14). */
template <class Str, class TlvSeq>
struct BasicCancelSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::cancel_sm;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  /** @brief Dest_addr_ton, dest_addr_npi, destination_addr (C 21). */
  BasicPhoneNumber<Str> destination;
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.address("destination_addr", 21, CommandStatus::invalid_dest_address, s.destination...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicCancelSm&, const BasicCancelSm&) = default;
};

/** @brief replace_sm (§3.15): no service_type, esm_class or data_coding. */
template <class Str, class TlvSeq>
struct BasicReplaceSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::replace_sm;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief The SMSC's identifier of the message (C 65). */
  Str message_id{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  /** @brief Empty (now) or 16 characters, absolute or relative (§7). */
  Str schedule_delivery_time{};
  /** @brief Empty (SMSC default) or 16 characters, absolute or relative (§7). */
  Str validity_period{};
  /** @brief Which delivery receipts and acknowledgements are asked for. */
  RegisteredDelivery registered_delivery = RegisteredDelivery::none;
  /** @brief One of the SMSC's canned messages; 0 for none. */
  std::uint8_t sm_default_msg_id = 0;
  /** @brief User data, at most 254 octets; empty when message_payload is used. */
  Str short_message{};
  /** @brief Optional parameters (§5) in wire order; unknown tags kept. */
  TlvSeq tlvs{};
  /** @brief UTF-8 text to send instead of short_message (owning types only): the message layer
   *  (text::render, which the Esme applies) sets data_coding and the user data from it; the codec
   *  never reads it. */
  [[no_unique_address]] detail::OwningOnly<Str, std::optional<MessageText>> text{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.time("schedule_delivery_time", CommandStatus::invalid_schedule, s.schedule_delivery_time...);
    v.time("validity_period", CommandStatus::invalid_expiry, s.validity_period...);
    v.octet_mask("registered_delivery", registered_delivery_mask,
                 CommandStatus::invalid_registered_delivery, s.registered_delivery...);
    v.octet("sm_default_msg_id", s.sm_default_msg_id...);
    v.short_message(s.short_message...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicReplaceSm&, const BasicReplaceSm&) = default;
};

/** @brief alert_notification (§3.16). */
template <class Str, class TlvSeq>
struct BasicAlertNotification {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::alert_notification;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  BasicPhoneNumber<Str> source;     ///< C 65
  BasicPhoneNumber<Str> esme_addr;  ///< C 65
  TlvSeq tlvs{};                    ///< ms_availability_status
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.address("source_addr", 65, CommandStatus::invalid_source_address, s.source...);
    v.address("esme_addr", 65, CommandStatus::invalid_dest_address, s.esme_addr...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicAlertNotification&, const BasicAlertNotification&) = default;
};

/** @brief broadcast_sm (SMPP 5.0, docs/smpp-5.0.md): a cell broadcast. No short_message: the
 *  content goes in message_payload (or sm_default_msg_id), and the broadcast_area_identifier,
 *  broadcast_content_type, broadcast_rep_num and broadcast_frequency_interval TLVs are mandatory
 *  (checked with strict_tlvs). priority_flag is 0-4 here (4: priority background). */
template <class Str, class TlvSeq>
struct BasicBroadcastSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::broadcast_sm;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  /** @brief The broadcast to replace (with replace_if_present_flag 1), else empty (C 65). */
  Str message_id{};
  /** @brief 0 normal, 1 immediate broadcast, 2 high priority, 3 reserved, 4 priority background. */
  std::uint8_t priority_flag = 0;
  /** @brief Empty (now) or 16 characters, absolute or relative (§7). */
  Str schedule_delivery_time{};
  /** @brief Empty (SMSC default) or 16 characters, absolute or relative (§7). */
  Str validity_period{};
  /** @brief 1: replace the broadcast named by message_id. */
  std::uint8_t replace_if_present_flag = 0;
  /** @brief The wire byte: how the content is encoded. */
  DataCoding data_coding = DataCoding::smsc_default;
  /** @brief One of the SMSC's canned messages; 0 for none. */
  std::uint8_t sm_default_msg_id = 0;
  /** @brief Optional parameters in wire order (the broadcast ones among them); unknown tags kept.
   */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.octet_max("priority_flag", 4, CommandStatus::invalid_priority_flag, s.priority_flag...);
    v.time("schedule_delivery_time", CommandStatus::invalid_schedule, s.schedule_delivery_time...);
    v.time("validity_period", CommandStatus::invalid_expiry, s.validity_period...);
    v.octet_max("replace_if_present_flag", 1, CommandStatus::invalid_replace_flag,
                s.replace_if_present_flag...);
    v.octet("data_coding", s.data_coding...);
    v.octet("sm_default_msg_id", s.sm_default_msg_id...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicBroadcastSm&, const BasicBroadcastSm&) = default;
};

/** @brief cancel_broadcast_sm (SMPP 5.0): cancel_sm's body without the destination. */
template <class Str, class TlvSeq>
struct BasicCancelBroadcastSm {
  /** @brief The command this type encodes (the header's command_id is implied by it). */
  static constexpr CommandId command_id = CommandId::cancel_broadcast_sm;
  /** @brief command_status and sequence_number (the Esme numbers the requests it sends). */
  PduHeader header;
  /** @brief The application's handle (owning types only; never encoded). */
  [[no_unique_address]] detail::OwningOnly<Str, Tracking> tracking{};
  /** @name Wire fields
   *  The body in wire order, then the TLVs. "C n": a C-octet string of at most n octets counting
   *  its NUL (n - 1 characters); the encoder checks every limit and names the field it rejects. */
  ///@{
  /** @brief SMS application service (C 6); empty: the SMSC default. */
  Str service_type{};
  /** @brief The SMSC's identifier of the broadcast (C 65). */
  Str message_id{};
  /** @brief Source_addr_ton, source_addr_npi, source_addr (C 21). */
  BasicPhoneNumber<Str> source;
  /** @brief Optional parameters in wire order (broadcast_content_type, user_message_reference). */
  TlvSeq tlvs{};
  ///@}

  /** @brief Calls `v` once per wire field, in wire order (see @ref pdu_fields). */
  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v.c_string("service_type", 6, CommandStatus::invalid_service_type, s.service_type...);
    v.c_string("message_id", 65, CommandStatus::invalid_message_id, s.message_id...);
    v.address("source_addr", 21, CommandStatus::invalid_source_address, s.source...);
    v.tlvs(s.tlvs...);
  }
  friend bool operator==(const BasicCancelBroadcastSm&, const BasicCancelBroadcastSm&) = default;
};

/** @brief submit_sm's template by name (SubmitSm and SubmitSmView instantiate it). */
template <class Str, class TlvSeq>
using BasicSubmitSm = BasicSm<CommandId::submit_sm, Str, TlvSeq>;
/** @brief deliver_sm's template by name (DeliverSm and DeliverSmView instantiate it). */
template <class Str, class TlvSeq>
using BasicDeliverSm = BasicSm<CommandId::deliver_sm, Str, TlvSeq>;

/** @brief Calls `X(Owning, View, (owning instantiation), (view instantiation))` once per SMPP
 *  PDU (3.4's, then 5.0's broadcast PDUs), in Pdu's order: an X-macro for code that must cover
 * every PDU type (the codec and the JSON layer declare their overloads with it). */
#define AIOSMPP_PDU_LIST(X)                                                                       \
  X(BindTransmitter, BindTransmitterView,                                                         \
    (BasicBind<CommandId::bind_transmitter, std::string, Tlvs>),                                  \
    (BasicBind<CommandId::bind_transmitter, std::string_view, TlvsView>))                         \
  X(BindTransmitterResp, BindTransmitterRespView,                                                 \
    (BasicBindResp<CommandId::bind_transmitter_resp, std::string, Tlvs>),                         \
    (BasicBindResp<CommandId::bind_transmitter_resp, std::string_view, TlvsView>))                \
  X(BindReceiver, BindReceiverView, (BasicBind<CommandId::bind_receiver, std::string, Tlvs>),     \
    (BasicBind<CommandId::bind_receiver, std::string_view, TlvsView>))                            \
  X(BindReceiverResp, BindReceiverRespView,                                                       \
    (BasicBindResp<CommandId::bind_receiver_resp, std::string, Tlvs>),                            \
    (BasicBindResp<CommandId::bind_receiver_resp, std::string_view, TlvsView>))                   \
  X(BindTransceiver, BindTransceiverView,                                                         \
    (BasicBind<CommandId::bind_transceiver, std::string, Tlvs>),                                  \
    (BasicBind<CommandId::bind_transceiver, std::string_view, TlvsView>))                         \
  X(BindTransceiverResp, BindTransceiverRespView,                                                 \
    (BasicBindResp<CommandId::bind_transceiver_resp, std::string, Tlvs>),                         \
    (BasicBindResp<CommandId::bind_transceiver_resp, std::string_view, TlvsView>))                \
  X(Outbind, OutbindView, (BasicOutbind<std::string, Tlvs>),                                      \
    (BasicOutbind<std::string_view, TlvsView>))                                                   \
  X(Unbind, UnbindView, (BasicHeaderOnly<CommandId::unbind, std::string>),                        \
    (BasicHeaderOnly<CommandId::unbind, std::string_view>))                                       \
  X(UnbindResp, UnbindRespView, (BasicHeaderOnly<CommandId::unbind_resp, std::string>),           \
    (BasicHeaderOnly<CommandId::unbind_resp, std::string_view>))                                  \
  X(GenericNack, GenericNackView, (BasicHeaderOnly<CommandId::generic_nack, std::string>),        \
    (BasicHeaderOnly<CommandId::generic_nack, std::string_view>))                                 \
  X(SubmitSm, SubmitSmView, (BasicSm<CommandId::submit_sm, std::string, Tlvs>),                   \
    (BasicSm<CommandId::submit_sm, std::string_view, TlvsView>))                                  \
  X(SubmitSmResp, SubmitSmRespView,                                                               \
    (BasicMessageIdResp<CommandId::submit_sm_resp, std::string, Tlvs>),                           \
    (BasicMessageIdResp<CommandId::submit_sm_resp, std::string_view, TlvsView>))                  \
  X(SubmitMulti, SubmitMultiView, (BasicSubmitMulti<std::string, Tlvs>),                          \
    (BasicSubmitMulti<std::string_view, TlvsView>))                                               \
  X(SubmitMultiResp, SubmitMultiRespView, (BasicSubmitMultiResp<std::string, Tlvs>),              \
    (BasicSubmitMultiResp<std::string_view, TlvsView>))                                           \
  X(DeliverSm, DeliverSmView, (BasicSm<CommandId::deliver_sm, std::string, Tlvs>),                \
    (BasicSm<CommandId::deliver_sm, std::string_view, TlvsView>))                                 \
  X(DeliverSmResp, DeliverSmRespView,                                                             \
    (BasicMessageIdResp<CommandId::deliver_sm_resp, std::string, Tlvs>),                          \
    (BasicMessageIdResp<CommandId::deliver_sm_resp, std::string_view, TlvsView>))                 \
  X(DataSm, DataSmView, (BasicDataSm<std::string, Tlvs>),                                         \
    (BasicDataSm<std::string_view, TlvsView>))                                                    \
  X(DataSmResp, DataSmRespView, (BasicMessageIdResp<CommandId::data_sm_resp, std::string, Tlvs>), \
    (BasicMessageIdResp<CommandId::data_sm_resp, std::string_view, TlvsView>))                    \
  X(QuerySm, QuerySmView, (BasicQuerySm<std::string, Tlvs>),                                      \
    (BasicQuerySm<std::string_view, TlvsView>))                                                   \
  X(QuerySmResp, QuerySmRespView, (BasicQuerySmResp<std::string, Tlvs>),                          \
    (BasicQuerySmResp<std::string_view, TlvsView>))                                               \
  X(CancelSm, CancelSmView, (BasicCancelSm<std::string, Tlvs>),                                   \
    (BasicCancelSm<std::string_view, TlvsView>))                                                  \
  X(CancelSmResp, CancelSmRespView, (BasicHeaderOnly<CommandId::cancel_sm_resp, std::string>),    \
    (BasicHeaderOnly<CommandId::cancel_sm_resp, std::string_view>))                               \
  X(ReplaceSm, ReplaceSmView, (BasicReplaceSm<std::string, Tlvs>),                                \
    (BasicReplaceSm<std::string_view, TlvsView>))                                                 \
  X(ReplaceSmResp, ReplaceSmRespView, (BasicHeaderOnly<CommandId::replace_sm_resp, std::string>), \
    (BasicHeaderOnly<CommandId::replace_sm_resp, std::string_view>))                              \
  X(EnquireLink, EnquireLinkView, (BasicHeaderOnly<CommandId::enquire_link, std::string>),        \
    (BasicHeaderOnly<CommandId::enquire_link, std::string_view>))                                 \
  X(EnquireLinkResp, EnquireLinkRespView,                                                         \
    (BasicHeaderOnly<CommandId::enquire_link_resp, std::string>),                                 \
    (BasicHeaderOnly<CommandId::enquire_link_resp, std::string_view>))                            \
  X(AlertNotification, AlertNotificationView, (BasicAlertNotification<std::string, Tlvs>),        \
    (BasicAlertNotification<std::string_view, TlvsView>))                                         \
  X(BroadcastSm, BroadcastSmView, (BasicBroadcastSm<std::string, Tlvs>),                          \
    (BasicBroadcastSm<std::string_view, TlvsView>))                                               \
  X(BroadcastSmResp, BroadcastSmRespView,                                                         \
    (BasicMessageIdResp<CommandId::broadcast_sm_resp, std::string, Tlvs>),                        \
    (BasicMessageIdResp<CommandId::broadcast_sm_resp, std::string_view, TlvsView>))               \
  X(QueryBroadcastSm, QueryBroadcastSmView,                                                       \
    (BasicQuerySm<std::string, Tlvs, CommandId::query_broadcast_sm>),                             \
    (BasicQuerySm<std::string_view, TlvsView, CommandId::query_broadcast_sm>))                    \
  X(QueryBroadcastSmResp, QueryBroadcastSmRespView,                                               \
    (BasicMessageIdResp<CommandId::query_broadcast_sm_resp, std::string, Tlvs>),                  \
    (BasicMessageIdResp<CommandId::query_broadcast_sm_resp, std::string_view, TlvsView>))         \
  X(CancelBroadcastSm, CancelBroadcastSmView, (BasicCancelBroadcastSm<std::string, Tlvs>),        \
    (BasicCancelBroadcastSm<std::string_view, TlvsView>))                                         \
  X(CancelBroadcastSmResp, CancelBroadcastSmRespView,                                             \
    (BasicHeaderOnly<CommandId::cancel_broadcast_sm_resp, std::string>),                          \
    (BasicHeaderOnly<CommandId::cancel_broadcast_sm_resp, std::string_view>))

#define AIOSMPP_STRIP_PARENS(...) __VA_ARGS__
#define AIOSMPP_PDU_ALIAS(Owning, View, O, V) \
  using Owning = AIOSMPP_STRIP_PARENS O;      \
  using View = AIOSMPP_STRIP_PARENS V;
AIOSMPP_PDU_LIST(AIOSMPP_PDU_ALIAS)
#undef AIOSMPP_PDU_ALIAS

/** @brief Any SMPP PDU (owning): the 27 of 3.4, then the 6 broadcast PDUs of 5.0. */
using Pdu =
    std::variant<BindTransmitter, BindTransmitterResp, BindReceiver, BindReceiverResp,
                 BindTransceiver, BindTransceiverResp, Outbind, Unbind, UnbindResp, GenericNack,
                 SubmitSm, SubmitSmResp, SubmitMulti, SubmitMultiResp, DeliverSm, DeliverSmResp,
                 DataSm, DataSmResp, QuerySm, QuerySmResp, CancelSm, CancelSmResp, ReplaceSm,
                 ReplaceSmResp, EnquireLink, EnquireLinkResp, AlertNotification, BroadcastSm,
                 BroadcastSmResp, QueryBroadcastSm, QueryBroadcastSmResp, CancelBroadcastSm,
                 CancelBroadcastSmResp>;

/** @brief Any SMPP PDU as a view into a receive buffer (same order as Pdu). */
using PduView =
    std::variant<BindTransmitterView, BindTransmitterRespView, BindReceiverView,
                 BindReceiverRespView, BindTransceiverView, BindTransceiverRespView, OutbindView,
                 UnbindView, UnbindRespView, GenericNackView, SubmitSmView, SubmitSmRespView,
                 SubmitMultiView, SubmitMultiRespView, DeliverSmView, DeliverSmRespView, DataSmView,
                 DataSmRespView, QuerySmView, QuerySmRespView, CancelSmView, CancelSmRespView,
                 ReplaceSmView, ReplaceSmRespView, EnquireLinkView, EnquireLinkRespView,
                 AlertNotificationView, BroadcastSmView, BroadcastSmRespView, QueryBroadcastSmView,
                 QueryBroadcastSmRespView, CancelBroadcastSmView, CancelBroadcastSmRespView>;

/** @brief The command_id of the PDU held. */
template <class... Ts>
CommandId command_id_of(const std::variant<Ts...>& pdu) noexcept {
  return std::visit([](const auto& p) { return std::remove_cvref_t<decltype(p)>::command_id; },
                    pdu);
}
/** @brief The header of the PDU held. */
template <class... Ts>
PduHeader& header_of(std::variant<Ts...>& pdu) noexcept {
  return std::visit([](auto& p) -> PduHeader& { return p.header; }, pdu);
}
/** @brief The header of the PDU held (read only). */
template <class... Ts>
const PduHeader& header_of(const std::variant<Ts...>& pdu) noexcept {
  return std::visit([](const auto& p) -> const PduHeader& { return p.header; }, pdu);
}
/** @brief The application's handle (log_id, extra_data) on the PDU held. */
inline Tracking& tracking_of(Pdu& pdu) noexcept {
  return std::visit([](auto& p) -> Tracking& { return p.tracking; }, pdu);
}
/** @brief The application's handle on the PDU held (read only). */
inline const Tracking& tracking_of(const Pdu& pdu) noexcept {
  return std::visit([](const auto& p) -> const Tracking& { return p.tracking; }, pdu);
}
/** @brief The message_id field of the PDU held, empty when its type has none. For a response
 *  it is the SMSC's id of the message (submit_sm_resp, data_sm_resp, deliver_sm_resp,
 *  submit_multi_resp, query_sm_resp, broadcast_sm_resp, ...); a generic_nack gives "". The view
 *  is into the PDU. */
template <class... Ts>
std::string_view message_id_of(const std::variant<Ts...>& pdu) noexcept {
  return std::visit(
      [](const auto& p) -> std::string_view {
        if constexpr (requires { p.message_id; }) {
          return p.message_id;
        } else {
          return {};
        }
      },
      pdu);
}

}  // namespace aiosmpp
