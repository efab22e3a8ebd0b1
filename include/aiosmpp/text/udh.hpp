#pragma once

/** @file
 *  @brief User Data Header (3GPP TS 23.040 9.2.3.24): parsing and building the information
 *  elements the message layer uses (concatenation 0x00/0x08, national language shifts 0x24/0x25).
 */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text {

/** @brief Information element identifiers used here. */
namespace iei {
/** @brief Concatenated message, 8-bit reference. */
inline constexpr std::uint8_t concat_8bit = 0x00;
/** @brief Concatenated message, 16-bit reference. */
inline constexpr std::uint8_t concat_16bit = 0x08;
/** @brief National language single shift table. */
inline constexpr std::uint8_t single_shift = 0x24;
/** @brief National language locking shift table. */
inline constexpr std::uint8_t locking_shift = 0x25;
}  // namespace iei

/** @brief One concatenated-message IE: all parts share reference and total; seqnum is 1-based. */
struct Concatenation {
  /** @brief Shared by all parts (8 bits unless sixteen_bit). */
  std::uint16_t reference = 0;
  /** @brief Number of parts, 1-255. */
  std::uint8_t total = 0;
  /** @brief This part, 1-based. */
  std::uint8_t seqnum = 0;
  bool sixteen_bit = false;  ///< IE 0x08 (2-octet reference) rather than 0x00
  friend bool operator==(const Concatenation&, const Concatenation&) = default;
};

/** @brief One information element, as found on the wire. */
struct InformationElement {
  /** @brief The IE identifier (see iei). */
  std::uint8_t id = 0;
  /** @brief The IE's data octets. */
  std::vector<std::uint8_t> data;
  friend bool operator==(const InformationElement&, const InformationElement&) = default;
};

/** @brief A parsed UDH. */
struct UserDataHeader {
  std::size_t length = 0;  ///< octets taken at the start of the user data, UDHL included
  std::vector<InformationElement> elements;  ///< every IE in wire order
  /** @brief The concatenation IE wherever it is in the header (the last valid one wins, as
   *  23.040 says a repeated IE overrides an earlier one). Invalid values (total 0, seqnum 0 or
   *  above total, wrong length) leave it empty. */
  std::optional<Concatenation> concatenation;
  std::optional<gsm7::Language> single_shift;   ///< IE 0x24 with a defined language
  std::optional<gsm7::Language> locking_shift;  ///< IE 0x25 with a defined language
};

/** @brief Parses the UDH at the start of `user_data` (UDHI set).
 *
 *  Errors (`TextErrc::invalid_udh`): empty user data, UDHL beyond the user data, an IE whose
 *  length runs past the UDHL. */
Result<UserDataHeader> parse_udh(std::span<const std::uint8_t> user_data);

/** @brief Octets a UDH with these elements takes, UDHL included (0 when there are none). */
std::size_t udh_length(const std::optional<Concatenation>& concat, gsm7::Tables tables) noexcept;

/** @brief Appends a UDH (UDHL first) with the concatenation IE (if any) and the national language
 *  IEs the tables need (0x25 for a locking table, 0x24 for a single shift table). Appends
 *  nothing when there is nothing to signal. */
void append_udh(std::vector<std::uint8_t>& out, const std::optional<Concatenation>& concat,
                gsm7::Tables tables);

}  // namespace aiosmpp::text
