#pragma once

/** @file
 *  @brief Strict UTF-8 reading and writing shared by every codec. */

#include <cstddef>
#include <string>
#include <string_view>

#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text::utf8 {

/** @brief Reads one code point at `pos` and advances `pos`.
 *
 *  Rejects overlong forms, surrogates (U+D800..U+DFFF), values above U+10FFFF and truncated
 *  sequences; on failure returns false and leaves `pos` unchanged. */
bool next(std::string_view s, std::size_t& pos, char32_t& cp) noexcept;

/** @brief Appends `cp` as UTF-8. `cp` must be a Unicode scalar value. */
void append(std::string& out, char32_t cp);

/** @brief Number of octets `cp` takes in UTF-8 (1..4). */
constexpr std::size_t width(char32_t cp) noexcept {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** @brief Succeeds when `s` is well-formed UTF-8; otherwise names the first bad byte. */
Result<void> validate(std::string_view s);

/** @brief The error for malformed UTF-8 at byte `offset` (character index `index`). */
TextError invalid_at(std::string_view s, std::size_t offset, std::size_t index);

}  // namespace aiosmpp::text::utf8
