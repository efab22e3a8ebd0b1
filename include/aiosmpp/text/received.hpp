#pragma once

/** @file
 *  @brief The receive side for PDUs: whether a deliver_sm is a receipt, its receipt, its text,
 *  and reassembly of segmented deliver_sm into one message that keeps its parts. */

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/text/reassembly.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "aiosmpp/text/result.hpp"
#include "aiosmpp/text/user_data.hpp"

namespace aiosmpp::text {

/** @brief esm_class says "SMSC delivery receipt" (aiosmpplib's DeliverSm.is_receipt). */
inline bool is_receipt(const DeliverSm& pdu) noexcept {
  return is_receipt(static_cast<std::uint8_t>(pdu.esm_class));
}
/** @brief The same for data_sm, which SMSCs also use for receipts. */
inline bool is_receipt(const DataSm& pdu) noexcept {
  return is_receipt(static_cast<std::uint8_t>(pdu.esm_class));
}

/** @brief The same on the zero-copy view types the receive path decodes into. */
inline bool is_receipt(const DeliverSmView& pdu) noexcept {
  return is_receipt(static_cast<std::uint8_t>(pdu.esm_class));
}
/** @brief The same for a data_sm view. */
inline bool is_receipt(const DataSmView& pdu) noexcept {
  return is_receipt(static_cast<std::uint8_t>(pdu.esm_class));
}

/** @brief The user data: short_message when it has octets, else the message_payload TLV. For
 *  views, it points into the receive buffer. */
std::span<const std::uint8_t> user_data(const DeliverSm& pdu) noexcept;
/** @brief The same for data_sm (message_payload). */
std::span<const std::uint8_t> user_data(const DataSm& pdu) noexcept;
/** @brief The same for a deliver_sm view. */
std::span<const std::uint8_t> user_data(const DeliverSmView& pdu) noexcept;
/** @brief The same for a data_sm view. */
std::span<const std::uint8_t> user_data(const DataSmView& pdu) noexcept;

/** @brief The text of a received message: data_coding applied, UDH stripped (national language
 *  IEs honoured). */
Result<DecodedUserData> decode_text(const DeliverSm& pdu, const TextDecodeOptions& options = {});
/** @brief The same for data_sm. */
Result<DecodedUserData> decode_text(const DataSm& pdu, const TextDecodeOptions& options = {});
/** @brief The same for a deliver_sm view. */
Result<DecodedUserData> decode_text(const DeliverSmView& pdu,
                                    const TextDecodeOptions& options = {});
/** @brief The same for a data_sm view. */
Result<DecodedUserData> decode_text(const DataSmView& pdu, const TextDecodeOptions& options = {});

/** @brief The receipt a deliver_sm / data_sm carries: its text parsed, with the
 *  receipted_message_id and message_state TLVs as fallback. Text with data_coding 0 or 1 is read
 *  as ASCII/Latin-1 (what SMSCs write receipts in), other codings by their codec. Does not check
 *  `is_receipt` (some SMSCs mark receipts wrongly); call it when you expect one. */
Result<Receipt> parse_receipt(const DeliverSm& pdu, const TextDecodeOptions& options = {});
/** @brief The same for data_sm. */
Result<Receipt> parse_receipt(const DataSm& pdu, const TextDecodeOptions& options = {});
/** @brief The same for a deliver_sm view. */
Result<Receipt> parse_receipt(const DeliverSmView& pdu, const TextDecodeOptions& options = {});
/** @brief The same for a data_sm view. */
Result<Receipt> parse_receipt(const DataSmView& pdu, const TextDecodeOptions& options = {});

/** @brief What a delivery receipt reports, for correlation, without allocating: nullopt unless
 *  esm_class says "SMSC delivery receipt" or "intermediate delivery notification".
 *
 *  The id is the receipted_message_id TLV (what submit_sm_resp returned, the reference advises
 *  it), else the text's `id:`; the state is the message_state TLV (0..9), else the text's
 *  `stat:` read by `state_from_stat`. The text (short_message, else message_payload, after a
 *  UDH when UDHI is set) is read as ASCII, which is what SMSCs write receipts in; a receipt
 *  whose text is UCS2 (data_coding 8) gives only what its TLVs give: use `parse_receipt` for
 *  it. The views point into the PDU. Fields are found as `parse_receipt` finds them (first of
 *  each key, any case, `text:` ends the fields). See `ReceiptSummary::is_final`. */
std::optional<ReceiptSummary> summarize_receipt(const DeliverSmView& pdu) noexcept;
/** @brief The same for a data_sm view. */
std::optional<ReceiptSummary> summarize_receipt(const DataSmView& pdu) noexcept;
/** @brief The same for an owning deliver_sm (the views point into it). */
std::optional<ReceiptSummary> summarize_receipt(const DeliverSm& pdu) noexcept;
/** @brief The same for an owning data_sm. */
std::optional<ReceiptSummary> summarize_receipt(const DataSm& pdu) noexcept;
/** @brief Not for a temporary: the summary would point into a destroyed PDU. */
std::optional<ReceiptSummary> summarize_receipt(DeliverSm&& pdu) = delete;
/** @brief Not for a temporary. */
std::optional<ReceiptSummary> summarize_receipt(DataSm&& pdu) = delete;

/** @brief Where a deliver_sm sits in a concatenated message: from its UDH (IE 0x00 or 0x08,
 *  wherever it is in the header) or, failing that, from the three SAR TLVs. nullopt when it is
 *  not a part, or when its UDH is malformed. */
struct PartInfo {
  /** @brief Which message this part belongs to. */
  ConcatKey key;
  /** @brief This part's number, 1-based. */
  std::uint8_t seqnum = 0;
};
/** @brief See PartInfo. */
std::optional<PartInfo> part_info(const DeliverSm& pdu);

/** @brief A whole received message. */
struct ReassembledDeliverSm {
  /** @brief The first part's fields with the user data of all parts joined (concatenation IE,
   *  UDHI and SAR TLVs removed; national language IEs kept in a UDH), in short_message up to 254
   *  octets, else in message_payload. For a message that was not split: the PDU as received. */
  DeliverSm message;
  std::string text;              ///< the decoded text of the whole message
  std::vector<DeliverSm> parts;  ///< as received, in sequence order (headers, tracking, TLVs)
};

/** @brief A message given up before all its parts came. */
struct PartialDeliverSm {
  /** @brief Which message. */
  ConcatKey key;
  std::vector<DeliverSm> parts;        ///< the parts that came, in sequence order
  std::vector<std::uint8_t> received;  ///< their sequence numbers
  std::vector<std::uint8_t> missing;   ///< sequence numbers that never came
  bool evicted = false;                ///< dropped to respect max_pending, not timed out
};

/** @brief Reassembles segmented deliver_sm (UDH or SAR), in any order, ignoring duplicates.
 *
 *  Not thread-safe; no timers: pass the receive time to `add` and call `expire` periodically. */
class DeliverSmReassembler {
 public:
  /** @brief The generic reassembler it wraps. */
  using Inner = Reassembler<DeliverSm>;
  /** @brief A receive time (steady clock). */
  using TimePoint = Inner::TimePoint;

  /** @brief `config`: timeout (default 5 minutes) and max_pending (10,000); `decode`: how
   *  completed messages are decoded. */
  explicit DeliverSmReassembler(Inner::Config config = {}, TextDecodeOptions decode = {})
      : inner_(config), decode_(decode) {}

  /** @brief Feeds one received deliver_sm. Returns the whole message when this PDU completes
   *  one (at once for an unsegmented PDU), nullopt while parts are missing or for a duplicate.
   *  Errors: the text of a completed message cannot be decoded (strict mode). */
  Result<std::optional<ReassembledDeliverSm>> add(DeliverSm pdu, TimePoint now);

  /** @brief Partial messages that timed out (or were evicted) by `now`. */
  std::vector<PartialDeliverSm> expire(TimePoint now);

  /** @brief Partial messages held now. */
  std::size_t pending() const noexcept { return inner_.pending(); }

 private:
  Inner inner_;
  TextDecodeOptions decode_;
};

}  // namespace aiosmpp::text
