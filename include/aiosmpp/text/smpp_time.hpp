#pragma once

/** @file
 *  @brief SMPP time strings (SMPP 3.4 §7.1.1): absolute `YYMMDDhhmmsstnnp` and relative
 *  `YYMMDDhhmmss000R`, to and from std::chrono. */

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text {

/** @brief An instant with the tenth-of-a-second resolution SMPP carries (milliseconds hold it). */
using SmppTimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/** @brief The fields of a relative time as on the wire: an interval the SMSC adds to its clock. */
struct RelativeTime {
  /** @brief Years, 0-99. */
  int years = 0;
  /** @brief Months, 0-12 on the wire. */
  int months = 0;
  /** @brief Days, 0-31 on the wire. */
  int days = 0;
  /** @brief Hours, 0-23. */
  int hours = 0;
  /** @brief Minutes, 0-59. */
  int minutes = 0;
  /** @brief Seconds, 0-59. */
  int seconds = 0;
  friend bool operator==(const RelativeTime&, const RelativeTime&) = default;
};

/** @brief The longest relative validity aiosmpplib accepts (and GSM's TP-VP can express). */
inline constexpr std::chrono::seconds max_relative_validity = std::chrono::weeks(63);

/** @brief An SMPP time value: absolute (an instant plus the sender's UTC offset) or relative.
 *
 *  Two-digit years follow POSIX `%y`: 69..99 are 1969..1999, 00..68 are 2000..2068. */
class SmppTime {
 public:
  /** @brief Absolute time `utc`, written as local time `quarter_hours` × 15 min ahead of UTC
   *  (negative: behind). Errors: offset outside -48..48, a local year outside 1969..2068. */
  static Result<SmppTime> absolute(SmppTimePoint utc, int quarter_hours = 0);

  /** @brief Relative time from an interval, decomposed as aiosmpplib does (365-day years,
   *  30-day months). Errors: negative, or above 63 weeks (`max_relative_validity`). */
  static Result<SmppTime> relative(std::chrono::seconds interval);

  /** @brief Relative time from wire fields (each 0..99; hours < 24, minutes and seconds < 60). */
  static Result<SmppTime> relative(const RelativeTime& fields);

  /** @brief Parses a 16-character SMPP time. Errors name the field that is wrong. */
  static Result<SmppTime> parse(std::string_view text);

  /** @brief Like `parse`, but an empty string (the NULL time) gives nullopt. */
  static Result<std::optional<SmppTime>> parse_optional(std::string_view text);

  /** @brief True for a relative time (an interval the SMSC adds to its clock). */
  bool is_relative() const noexcept { return relative_; }

  /** @brief The instant (absolute times; epoch for relative ones). */
  SmppTimePoint utc() const noexcept { return utc_; }

  /** @brief The sender's offset from UTC in quarter-hours (absolute times). */
  int quarter_hours() const noexcept { return quarter_hours_; }

  /** @brief The wire fields (relative times). */
  const RelativeTime& fields() const noexcept { return fields_; }

  /** @brief The interval with 365-day years and 30-day months (relative times; 0 otherwise). */
  std::chrono::seconds interval() const noexcept;

  /** @brief When the SMSC would act: the instant for absolute times; for relative ones `now`
   *  plus the fields in calendar arithmetic (a day past a month's end clamps to its last day). */
  SmppTimePoint resolve(SmppTimePoint now) const;

  /** @brief The 16-character wire form. */
  std::string to_string() const;

  friend bool operator==(const SmppTime&, const SmppTime&) = default;

 private:
  SmppTimePoint utc_{};
  int quarter_hours_ = 0;
  RelativeTime fields_{};
  bool relative_ = false;
};

/** @brief Two-digit year to a full year, POSIX `%y` pivot (69 → 1969, 68 → 2068). */
constexpr int expand_two_digit_year(int yy) noexcept {
  return yy >= 69 ? 1900 + yy : 2000 + yy;
}

}  // namespace aiosmpp::text
