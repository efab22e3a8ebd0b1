#pragma once

/** @file
 *  @brief SMSC delivery receipts (SMPP 3.4 Appendix B): parsing the text real SMSCs send, with
 *  the receipted_message_id / message_state TLVs as fallback, and formatting one. */

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/text/network_error.hpp"
#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text {

/** @brief esm_class message type "SMSC delivery receipt" (bits 5..2 = 0001), as aiosmpplib's
 *  `is_receipt`. */
constexpr bool is_receipt(std::uint8_t esm_class) noexcept {
  return (esm_class & 0x3C) == 0x04;
}

/** @brief esm_class message type "intermediate delivery notification" (0x20). */
constexpr bool is_intermediate_notification(std::uint8_t esm_class) noexcept {
  return (esm_class & 0x3C) == 0x20;
}

/** @brief message_state values (reference §6.8; 0 and 9 are SMPP 5.0). The same type as
 *  `aiosmpp::MessageState` (the message_state TLV, query_sm_resp): one enum, two names, so a
 *  receipt's state and the TLV's compare without a cast. */
using DeliveryState = aiosmpp::MessageState;

/** @brief The state a `stat:` word means, case-insensitive, surrounding spaces ignored: the
 *  seven Appendix B words (DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD), the
 *  states' full names (DELIVERED, UNDELIVERABLE, ACCEPTED, REJECTED, ENROUTE, SCHEDULED,
 *  SKIPPED), and what SMSCs send besides: FAILED and UNDELIVERED (undeliverable), BUFFRED,
 *  BUFFERD, BUFFERED and ACKED (enroute: Kannel's intermediate words). nullopt for anything
 *  else: an unknown word is never taken for a final state. */
std::optional<DeliveryState> state_from_stat(std::string_view stat) noexcept;

/** @brief Which states count as final where SMSCs disagree (see `is_final`). */
struct FinalityRule {
  /** @brief ACCEPTED (ACCEPTD). SMPP 3.4 lists it among the final states (the message was
   *  read or accepted on behalf of the subscriber, by customer service), but Kannel and Jasmin
   *  count it as intermediate, and SMSCs and aggregators send it for "accepted for delivery"
   *  before the DELIVRD receipt. Default false: not final, so the later receipt still finds its
   *  tracking; an SMSC that really ends on ACCEPTD leaves the entry to the correlator's expiry. */
  bool accepted_is_final = false;
  /** @brief UNKNOWN ("message is in invalid state"; SMPP 5.0: "may be intermediate or
   *  permanent"). Default false, for the same reason. */
  bool unknown_is_final = false;
};

/** @brief Whether a receipt in `state` is the message's last: DELIVERED, EXPIRED, DELETED,
 *  UNDELIVERABLE, REJECTED and SKIPPED are; SCHEDULED and ENROUTE are not; ACCEPTED and UNKNOWN
 *  as `rule` says (not by default). No state, or a state value outside §6.8, is not final. */
constexpr bool is_final(std::optional<DeliveryState> state, FinalityRule rule = {}) noexcept {
  if (!state) return false;
  switch (*state) {
    case DeliveryState::delivered:
    case DeliveryState::expired:
    case DeliveryState::deleted:
    case DeliveryState::undeliverable:
    case DeliveryState::rejected:
    case DeliveryState::skipped:
      return true;
    case DeliveryState::accepted:
      return rule.accepted_is_final;
    case DeliveryState::unknown:
      return rule.unknown_is_final;
    case DeliveryState::scheduled:
    case DeliveryState::enroute:
      return false;
  }
  return false;
}

/** @brief What the correlator needs from a delivery receipt, read without allocating by
 *  `summarize_receipt` (received.hpp). The views point into the PDU it was read from. */
struct ReceiptSummary {
  /** @brief The receipted_message_id TLV, else the text's `id:` (empty when neither has one). */
  std::string_view message_id;
  /** @brief The message_state TLV (0..9), else the `stat:` word; nullopt when neither gives a
   *  known state. */
  std::optional<DeliveryState> state;
  /** @brief The `stat:` word as sent, when the text was read for the state. */
  std::string_view stat;
  /** @brief esm_class says "intermediate delivery notification" (0x20): never final. */
  bool intermediate = false;
  bool id_from_tlv = false;     ///< `message_id` is the receipted_message_id TLV
  bool state_from_tlv = false;  ///< `state` is the message_state TLV
  /** @brief The receipt ends the message: not an intermediate notification and
   *  `is_final(state, rule)`. A receipt that is not final must not take the correlator's entry. */
  constexpr bool is_final(FinalityRule rule = {}) const noexcept {
    return !intermediate && text::is_final(state, rule);
  }
};

/** @brief The Appendix B word for a state (DELIVRD, UNDELIV, ...). */
std::string_view stat_word(DeliveryState state) noexcept;

/** @brief A receipt date as sent, and its value when it could be read.
 *
 *  Accepted forms: `YYMMDDhhmm` (spec), `YYMMDDhhmmss`, `YYYYMMDDhhmmss`, and a 16-character
 *  SMPP absolute time. The time is the SMSC's local time (the receipt gives no zone, except in
 *  the SMPP form, whose offset is in `utc_offset_quarter_hours`); an all-zero or impossible date
 *  leaves it empty. */
struct ReceiptDate {
  /** @brief The date as sent. */
  std::string raw;
  /** @brief Its value (SMSC local time), when it could be read. */
  std::optional<std::chrono::local_seconds> time;
  /** @brief UTC offset in quarter hours, only for the SMPP time form. */
  std::optional<int> utc_offset_quarter_hours;
  friend bool operator==(const ReceiptDate&, const ReceiptDate&) = default;
};

/** @brief A parsed delivery receipt. Absent fields stay empty. */
struct Receipt {
  std::string id;                             ///< `id:` (or the TLV when the text has none)
  std::optional<std::uint32_t> submitted;     ///< `sub:`
  std::optional<std::uint32_t> delivered;     ///< `dlvrd:`
  std::optional<ReceiptDate> submit_date;     ///< `submit date:` / `submit_date:`
  std::optional<ReceiptDate> done_date;       ///< `done date:` / `done_date:`
  std::string stat;                           ///< `stat:` as sent
  std::optional<DeliveryState> state;         ///< from `stat:`, else the message_state TLV
  std::string err;                            ///< `err:` as sent (may be non-numeric)
  std::optional<std::uint32_t> error_code;    ///< `err:` when it is decimal
  std::optional<std::string> text;            ///< everything after `text:` (any case)
  std::string receipted_message_id;           ///< the TLV, when given
  std::optional<NetworkError> network_error;  ///< the network_error_code TLV, when given
  /** @brief Other `key:value` fields in order (key lower-cased). Words that follow a field's
   *  value without a key of their own are kept under the empty key. */
  std::vector<std::pair<std::string, std::string>> extras;
  bool id_from_tlv = false;     ///< `id` came from receipted_message_id
  bool state_from_tlv = false;  ///< `state` came from message_state
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

/** @brief What the PDU carries besides the text. */
struct ReceiptTlvs {
  /** @brief The receipted_message_id TLV, when present. */
  std::optional<std::string> receipted_message_id;
  /** @brief The message_state TLV, when present. */
  std::optional<std::uint8_t> message_state;
  /** @brief The network_error_code TLV, when present (see `parse_network_error_code`). */
  std::optional<NetworkError> network_error;
};

/** @brief Parses receipt text, tolerating the variations of real SMSCs: keys in any order and
 *  case, `submit_date`/`done_date` spellings, missing fields, hex/UUID/long ids, 10/12/14-digit
 *  dates, non-numeric `err`, `text:` containing spaces and colons, vendor fields (kept in
 *  `extras`). The id falls back to receipted_message_id and the state to message_state.
 *  Error (`TextErrc::invalid_receipt`) only when no id can be found. */
Result<Receipt> parse_receipt(std::string_view text, const ReceiptTlvs& tlvs = {});

/** @brief The error `receipt` reports: its network_error_code TLV when it has one, else its
 *  `err:` field read as `convention` says (type gsm, smpp or mc_specific). nullopt when it has
 *  neither, or `err:` is not decimal (`Receipt::err` keeps it as sent). Code 0 is "no error";
 *  `describe()` gives the meaning of the others. */
std::optional<NetworkError> receipt_error(
    const Receipt& receipt, ErrConvention convention = ErrConvention::gsm_map) noexcept;

/** @brief How `format_receipt` writes a receipt. */
struct ReceiptFormat {
  bool seconds_in_dates = false;  ///< `YYMMDDhhmmss` instead of the spec's `YYMMDDhhmm`
  std::size_t text_length = 20;   ///< characters of `text` kept (Appendix B: 20)
  /** @brief "text" (what most SMSCs write) or "Text" (the spec's format line, aiosmpplib). */
  std::string_view text_key = "text";
  /** @brief Pad `text` with spaces to `text_length` characters, as aiosmpplib's encode_receipt. */
  bool pad_text = false;
};

/** @brief Writes `id:… sub:SSS dlvrd:DDD submit date:… done date:… stat:… err:EEE text:…`.
 *  Missing counts are written 000, missing dates as zeros, a missing stat from `state` (else
 *  UNKNOWN), err from `err` or `error_code` (3 digits). Extras are not written. */
std::string format_receipt(const Receipt& receipt, const ReceiptFormat& format = {});

/** @brief Parses one receipt date (see `ReceiptDate`); the raw text is always kept. */
ReceiptDate parse_receipt_date(std::string_view raw);

}  // namespace aiosmpp::text
