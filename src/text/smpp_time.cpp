#include "aiosmpp/text/smpp_time.hpp"

#include <fmt/format.h>

namespace aiosmpp::text {
namespace {

using namespace std::chrono;

TextError time_error(std::string message) {
  return TextError{TextErrc::invalid_time, std::move(message)};
}

// Two decimal digits at `pos`, or -1.
int two_digits(std::string_view s, std::size_t pos) noexcept {
  const char a = s[pos];
  const char b = s[pos + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
  return (a - '0') * 10 + (b - '0');
}

}  // namespace

Result<SmppTime> SmppTime::absolute(SmppTimePoint utc, int quarter_hours) {
  if (quarter_hours < -48 || quarter_hours > 48) {
    return time_error(
        fmt::format("SMPP time: UTC offset {} quarter-hours is outside -48..48", quarter_hours));
  }
  const auto local = utc + minutes(15 * quarter_hours);
  const year_month_day ymd{floor<days>(local)};
  const int y = static_cast<int>(ymd.year());
  if (y < 1969 || y > 2068) {
    return time_error(
        fmt::format("SMPP time: year {} cannot be written with two digits (1969..2068)", y));
  }
  SmppTime t;
  t.utc_ = floor<duration<std::int64_t, std::deci>>(utc);  // SMPP carries tenths
  t.quarter_hours_ = quarter_hours;
  return t;
}

Result<SmppTime> SmppTime::relative(std::chrono::seconds interval) {
  if (interval < seconds::zero()) {
    return time_error("SMPP time: a relative time cannot be negative");
  }
  if (interval > max_relative_validity) {
    return time_error(
        fmt::format("SMPP time: relative time of {} s exceeds the maximum of 63 weeks ({} s)",
                    interval.count(), max_relative_validity.count()));
  }
  const auto total_days = static_cast<int>(interval.count() / 86400);
  const auto rest = static_cast<int>(interval.count() % 86400);
  RelativeTime f;
  f.years = total_days / 365;
  f.months = (total_days % 365) / 30;
  f.days = (total_days % 365) % 30;
  f.hours = rest / 3600;
  f.minutes = (rest % 3600) / 60;
  f.seconds = rest % 60;
  SmppTime t;
  t.fields_ = f;
  t.relative_ = true;
  return t;
}

Result<SmppTime> SmppTime::relative(const RelativeTime& f) {
  auto range = [](std::string_view name, int v, int max) -> std::optional<TextError> {
    if (v < 0 || v > max) {
      return time_error(fmt::format("SMPP time: relative {} {} is outside 0..{}", name, v, max));
    }
    return std::nullopt;
  };
  for (auto e : {range("years", f.years, 99), range("months", f.months, 99),
                 range("days", f.days, 99), range("hours", f.hours, 23),
                 range("minutes", f.minutes, 59), range("seconds", f.seconds, 59)}) {
    if (e) return *e;
  }
  SmppTime t;
  t.fields_ = f;
  t.relative_ = true;
  return t;
}

Result<SmppTime> SmppTime::parse(std::string_view s) {
  if (s.size() != 16) {
    return time_error(fmt::format("SMPP time: expected 16 characters, got {} ('{}')", s.size(), s));
  }
  static constexpr std::string_view names[] = {"year", "month", "day", "hour", "minute", "second"};
  int v[6];
  for (std::size_t i = 0; i < 6; ++i) {
    v[i] = two_digits(s, 2 * i);
    if (v[i] < 0) {
      return time_error(fmt::format("SMPP time '{}': {} is not two digits", s, names[i]));
    }
  }
  const char p = s[15];
  if (p == 'R') {
    if (s.substr(12, 3) != "000") {
      return time_error(fmt::format("SMPP time '{}': a relative time must have 000 before R", s));
    }
    return relative(RelativeTime{v[0], v[1], v[2], v[3], v[4], v[5]});
  }
  if (p != '+' && p != '-') {
    return time_error(fmt::format("SMPP time '{}': the last character must be +, - or R", s));
  }
  if (s[12] < '0' || s[12] > '9') {
    return time_error(fmt::format("SMPP time '{}': tenths of a second is not a digit", s));
  }
  const int nn = two_digits(s, 13);
  if (nn < 0 || nn > 48) {
    return time_error(fmt::format("SMPP time '{}': UTC offset must be 00..48 quarter-hours", s));
  }
  const year_month_day ymd{year{expand_two_digit_year(v[0])}, month{static_cast<unsigned>(v[1])},
                           day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok()) {
    return time_error(
        fmt::format("SMPP time '{}': {:02}-{:02} is not a valid month and day", s, v[1], v[2]));
  }
  if (v[3] > 23 || v[4] > 59 || v[5] > 59) {
    return time_error(fmt::format("SMPP time '{}': time of day {:02}:{:02}:{:02} is invalid", s,
                                  v[3], v[4], v[5]));
  }
  const int q = p == '-' ? -nn : nn;
  const auto local = sys_days{ymd} + hours{v[3]} + minutes{v[4]} + seconds{v[5]} +
                     milliseconds{100 * (s[12] - '0')};
  SmppTime t;
  t.utc_ = local - minutes(15 * q);
  t.quarter_hours_ = q;
  return t;
}

Result<std::optional<SmppTime>> SmppTime::parse_optional(std::string_view text) {
  if (text.empty()) return std::optional<SmppTime>{};
  auto r = parse(text);
  if (!r) return r.error();
  return std::optional<SmppTime>{*r};
}

std::chrono::seconds SmppTime::interval() const noexcept {
  if (!relative_) return seconds::zero();
  const auto& f = fields_;
  return days{f.years * 365 + f.months * 30 + f.days} + hours{f.hours} + minutes{f.minutes} +
         seconds{f.seconds};
}

SmppTimePoint SmppTime::resolve(SmppTimePoint now) const {
  if (!relative_) return utc_;
  const auto day_point = floor<days>(now);
  year_month_day ymd{day_point};
  const auto time_of_day = now - day_point;
  const auto ym =
      year_month{ymd.year(), ymd.month()} + years{fields_.years} + months{fields_.months};
  const auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  const year_month_day moved{ym.year(), ym.month(), std::min(ymd.day(), last)};
  return sys_days{moved} + days{fields_.days} + time_of_day + hours{fields_.hours} +
         minutes{fields_.minutes} + seconds{fields_.seconds};
}

std::string SmppTime::to_string() const {
  if (relative_) {
    const auto& f = fields_;
    return fmt::format("{:02}{:02}{:02}{:02}{:02}{:02}000R", f.years, f.months, f.days, f.hours,
                       f.minutes, f.seconds);
  }
  const auto local = utc_ + minutes(15 * quarter_hours_);
  const auto day_point = floor<days>(local);
  const year_month_day ymd{day_point};
  const hh_mm_ss tod{floor<milliseconds>(local - day_point)};
  return fmt::format("{:02}{:02}{:02}{:02}{:02}{:02}{}{:02}{}", static_cast<int>(ymd.year()) % 100,
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count(),
                     tod.subseconds().count() / 100, std::abs(quarter_hours_),
                     quarter_hours_ < 0 ? '-' : '+');
}

}  // namespace aiosmpp::text
