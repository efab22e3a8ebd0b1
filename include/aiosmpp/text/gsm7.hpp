#pragma once

/** @file
 *  @brief GSM 03.38 (3GPP TS 23.038) 7-bit alphabet: the default table and its extension, the
 *  national language locking and single shift tables, septet packing with fill bits. */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text::gsm7 {

/** @brief National language identifiers of TS 23.038 6.2.1.2.4 (the value of UDH IEs 0x24/0x25).
 *  `none` is the default alphabet and its default extension table. */
enum class Language : std::uint8_t {
  none = 0,
  turkish = 1,
  spanish = 2,  ///< single shift table only: there is no Spanish locking shift table
  portuguese = 3,
  bengali = 4,
  gujarati = 5,
  hindi = 6,
  kannada = 7,
  malayalam = 8,
  oriya = 9,
  punjabi = 10,
  tamil = 11,
  telugu = 12,
  urdu = 13,
};

/** @brief Number of language identifiers defined (0..13). */
inline constexpr std::uint8_t language_count = 14;

/** @brief The escape septet: the next septet is read from the single shift (extension) table. */
inline constexpr std::uint8_t escape = 0x1B;

/** @brief The pair of tables a text is encoded with: the locking shift table replaces the basic
 *  alphabet, the single shift table replaces the extension table. */
struct Tables {
  /** @brief Replaces the basic alphabet; none: the default alphabet. */
  Language locking = Language::none;
  /** @brief Replaces the extension table (after an escape); none: the default extension table. */
  Language single_shift = Language::none;
  friend bool operator==(const Tables&, const Tables&) = default;
};

/** @brief Lower-case English name ("none" for the default alphabet). */
std::string_view language_name(Language language) noexcept;

/** @brief The language for an identifier, or nullopt when 14..255 (reserved). */
std::optional<Language> language_from_id(std::uint8_t id) noexcept;

/** @brief Whether `language` has a locking shift table (all but Spanish). */
bool has_locking_table(Language language) noexcept;

/** @brief The character of `septet` (0..127) in a locking table; 0 when unassigned or escape. */
char32_t to_unicode(std::uint8_t septet, Language locking = Language::none) noexcept;

/** @brief The character of `ESC septet` in a single shift table; 0 when unassigned. */
char32_t extension_to_unicode(std::uint8_t septet, Language single_shift = Language::none) noexcept;

/** @brief Septets `cp` takes with `tables`: 1 (locking table), 2 (escape pair) or 0 (none). */
unsigned septet_cost(char32_t cp, Tables tables = {}) noexcept;

/** @brief Septets the whole text takes, or nullopt if a character does not fit or the UTF-8 is
 *  malformed. Does not allocate. */
std::optional<std::size_t> count_septets(std::string_view utf8, Tables tables = {}) noexcept;

/** @brief Appends the text as unpacked septets (one per octet, top bit 0) to `out`.
 *
 *  Returns the number of septets appended. Strict mode fails on the first character without a
 *  representation (position = character index, code_point = the character); replace mode maps
 *  `ç` to `Ç` and Greek capitals to their Latin look-alikes as aiosmpplib does, anything else to
 *  `?`; ignore mode drops it. Malformed UTF-8 always fails. On failure `out` is restored to its
 *  original size. */
Result<std::size_t> encode(std::string_view utf8, std::vector<std::uint8_t>& out,
                           ErrorMode mode = ErrorMode::strict, Tables tables = {});

/** @brief Appends the UTF-8 text of unpacked septets to `out`.
 *
 *  `ESC x` with no entry in the single shift table decodes as the locking table's `x` (23.038
 *  6.2.1.1); `ESC ESC` as a space. Strict mode fails on an octet above 0x7F, an unassigned septet
 *  or a trailing escape; replace mode turns them into `?` (a trailing escape into U+00A0); ignore
 *  mode drops them. */
Result<void> decode(std::span<const std::uint8_t> septets, std::string& out,
                    ErrorMode mode = ErrorMode::strict, Tables tables = {});

/** @brief Fill bits after a UDH of `udh_octets` octets (UDHL included) so that the first septet
 *  starts on a septet boundary: (7 - 8*udh_octets mod 7) mod 7. */
constexpr unsigned fill_bits(std::size_t udh_octets) noexcept {
  return static_cast<unsigned>((7 - (8 * udh_octets) % 7) % 7);
}

/** @brief Octets that `septets` septets take when packed after `fill` fill bits. */
constexpr std::size_t packed_size(std::size_t septets, unsigned fill = 0) noexcept {
  return (septets * 7 + fill + 7) / 8;
}

/** @brief Septets that fit in `octets` octets after `fill` fill bits. */
constexpr std::size_t septet_capacity(std::size_t octets, unsigned fill = 0) noexcept {
  return octets * 8 < fill ? 0 : (octets * 8 - fill) / 7;
}

/** @brief Appends `septets` (each 0..127; the top bit is ignored) packed LSB first after `fill`
 *  zero bits (0..6) to `out`; unused high bits of the last octet are 0. */
void pack(std::span<const std::uint8_t> septets, std::vector<std::uint8_t>& out, unsigned fill = 0);

/** @brief Unpacks up to `septet_count` septets from `octets` after `fill` fill bits, stopping
 *  early if the octets run out. */
std::vector<std::uint8_t> unpack(std::span<const std::uint8_t> octets, std::size_t septet_count,
                                 unsigned fill = 0);

/** @brief Unpacks every septet of a packed user data whose septet count is not carried (SMPP has
 *  no TP-UDL): when the last 7 bits are all padding (zero) they are not read as a trailing `@`. */
std::vector<std::uint8_t> unpack_all(std::span<const std::uint8_t> octets, unsigned fill = 0);

}  // namespace aiosmpp::text::gsm7
