#pragma once

/** @file
 *  @brief SMSC message ids normalised for correlation: the same id can arrive in hex in
 *  submit_sm_resp and in decimal in a receipt's `id:`, zero-padded or not, in either case. */

#include <cstdint>
#include <string>
#include <string_view>

namespace aiosmpp::text {

/** @brief How one source writes message ids. */
enum class IdForm : std::uint8_t {
  text,     ///< an opaque string (compared after trimming, case folding, zero stripping)
  decimal,  ///< a decimal number (zero-padded or not)
  hex       ///< a hexadecimal number (any case, optional 0x prefix)
};

/** @brief The correlation rule: which form each source uses, and how text ids are compared. */
struct MessageIdRule {
  IdForm response = IdForm::text;   ///< submit_sm_resp / data_sm_resp message_id
  IdForm receipt = IdForm::text;    ///< the receipt's `id:` and receipted_message_id
  bool case_insensitive = true;     ///< fold ASCII case of text ids
  bool strip_leading_zeros = true;  ///< "0059113978" and "59113978" are the same id
};

/** @brief The canonical key of `id` written in `form`.
 *
 *  A decimal or hex id whose value fits 64 bits becomes its decimal value, so that hex
 *  `38601fa` and decimal `0059113978` give the same key; anything else (too long, not a
 *  number in that form) falls back to the text rule. Surrounding spaces and NULs are ignored. */
std::string normalize_message_id(std::string_view id, IdForm form, const MessageIdRule& rule = {});

/** @brief Applies a `MessageIdRule` to both sides of a correlation. */
class MessageIdNormalizer {
 public:
  /** @brief Normalises with `rule` (default: the forms most SMSCs use). */
  explicit MessageIdNormalizer(MessageIdRule rule = {}) : rule_(rule) {}
  /** @brief Key of an id from submit_sm_resp / data_sm_resp. */
  std::string response_key(std::string_view id) const {
    return normalize_message_id(id, rule_.response, rule_);
  }
  /** @brief Key of an id from a delivery receipt. */
  std::string receipt_key(std::string_view id) const {
    return normalize_message_id(id, rule_.receipt, rule_);
  }
  /** @brief The rule in use. */
  const MessageIdRule& rule() const noexcept { return rule_; }

 private:
  MessageIdRule rule_;
};

}  // namespace aiosmpp::text
