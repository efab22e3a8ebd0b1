#pragma once

// The one reading of a receipt's `key:value` layout, shared by parse_receipt (which keeps every
// field) and summarize_receipt (which wants `id:` and `stat:` without allocating).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace aiosmpp::text::detail {

// The Appendix B keys; every other `word:` is `other`.
enum class ReceiptKey : std::uint8_t {
  submit_date,
  done_date,
  dlvrd,
  stat,
  text,
  sub,
  err,
  id,
  other
};

// The canonical name of a known key ("submit date" for both spellings).
std::string_view receipt_key_name(ReceiptKey key) noexcept;

// One field: its key (for `other`, `name` is the word as sent), where the key begins and where
// its value begins (just past ':').
struct ReceiptField {
  ReceiptKey key = ReceiptKey::other;
  std::string_view name;
  std::size_t key_begin = 0;
  std::size_t value_begin = 0;
};

// Yields the fields of receipt text in order. A key is a known spelling (any case) or a word
// ([A-Za-z][A-Za-z0-9_-]*) followed by ':' at the start of the text or after whitespace; a
// value's first character never starts a key. `text:` ends the scan (its value is everything
// after it, colons and all) unless its value is empty and the next word is a known key not seen
// yet ("text: stat:DELIVRD": a reordered receipt).
class ReceiptScanner {
 public:
  // `s` without the trailing NULs and line breaks some SMSCs add (see trim_receipt).
  explicit ReceiptScanner(std::string_view s) noexcept : s_(s) {}

  std::optional<ReceiptField> next() noexcept;

  // Where the value of the `text:` that ended the scan begins, or npos.
  std::size_t text_begin() const noexcept { return text_begin_; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t text_begin_ = std::string_view::npos;
  std::uint16_t seen_ = 0;  // one bit per known ReceiptKey
};

// Drops the NULs and line breaks some SMSCs end short_message with.
std::string_view trim_receipt(std::string_view s) noexcept;

// The first whitespace-delimited token at `pos` (empty when whitespace follows the key).
std::string_view receipt_token(std::string_view s, std::size_t pos) noexcept;

// The values of the first `id:` and `stat:` fields (empty when absent); stops scanning as soon
// as both are found. Allocation-free.
struct IdAndStat {
  std::string_view id;
  std::string_view stat;
  bool has_id = false;
  bool has_stat = false;
};
IdAndStat find_id_and_stat(std::string_view text) noexcept;

}  // namespace aiosmpp::text::detail
