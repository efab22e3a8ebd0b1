#include "aiosmpp/text/receipt.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "aiosmpp/text/smpp_time.hpp"
#include "aiosmpp/text/utf8.hpp"

namespace aiosmpp::text {
namespace {

using namespace std::chrono;

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

std::optional<std::uint32_t> decimal(std::string_view s) noexcept {
  // Leading zeros are common (err:0000); skip them so that the value is what limits the width.
  while (s.size() > 1 && s.front() == '0')
    s.remove_prefix(1);
  if (!all_digits(s) || s.size() > 9) return std::nullopt;
  std::uint32_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Canonical names of the Appendix B keys; spellings map onto them.
struct KnownKey {
  std::string_view spelling;
  std::string_view canonical;
};
constexpr std::array<KnownKey, 10> kKnownKeys = {{{"submit date", "submit date"},
                                                  {"submit_date", "submit date"},
                                                  {"done date", "done date"},
                                                  {"done_date", "done date"},
                                                  {"dlvrd", "dlvrd"},
                                                  {"stat", "stat"},
                                                  {"text", "text"},
                                                  {"sub", "sub"},
                                                  {"err", "err"},
                                                  {"id", "id"}}};

// A key (known spelling or a plain word) followed by ':' at `pos`; returns the canonical or
// lower-cased key and the offset just past ':'.
std::optional<std::pair<std::string, std::size_t>> key_at(std::string_view s, std::size_t pos) {
  for (const auto& k : kKnownKeys) {
    const std::size_t end = pos + k.spelling.size();
    if (end >= s.size() || s[end] != ':') continue;
    bool match = true;
    for (std::size_t i = 0; i < k.spelling.size() && match; ++i) {
      match = lower(s[pos + i]) == k.spelling[i];
    }
    if (match) return std::pair{std::string(k.canonical), end + 1};
  }
  if (pos >= s.size() || !is_alpha(s[pos])) return std::nullopt;
  std::size_t end = pos + 1;
  while (end < s.size() &&
         (is_alpha(s[end]) || is_digit(s[end]) || s[end] == '_' || s[end] == '-')) {
    ++end;
  }
  if (end >= s.size() || s[end] != ':') return std::nullopt;
  std::string key;
  for (std::size_t i = pos; i < end; ++i)
    key.push_back(lower(s[i]));
  return std::pair{std::move(key), end + 1};
}

bool is_known(std::string_view key) noexcept {
  for (const auto& k : kKnownKeys) {
    if (k.canonical == key) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::optional<local_seconds> make_local(int y, int mo, int d, int h, int mi, int sec) {
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return local_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

int digits(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  int v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v = v * 10 + (s[pos + i] - '0');
  return v;
}

std::string format_date(const std::optional<ReceiptDate>& date, bool with_seconds) {
  if (date && date->time) {
    const auto day_point = floor<days>(*date->time);
    const year_month_day ymd{day_point};
    const hh_mm_ss tod{*date->time - day_point};
    std::string out =
        fmt::format("{:02}{:02}{:02}{:02}{:02}", static_cast<int>(ymd.year()) % 100,
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    tod.hours().count(), tod.minutes().count());
    if (with_seconds) out += fmt::format("{:02}", tod.seconds().count());
    return out;
  }
  if (date && !date->raw.empty()) return date->raw;
  return with_seconds ? "000000000000" : "0000000000";
}

}  // namespace

std::optional<DeliveryState> state_from_stat(std::string_view stat) noexcept {
  struct Word {
    std::string_view word;
    DeliveryState state;
  };
  static constexpr Word words[] = {
      {"delivrd", DeliveryState::delivered},     {"delivered", DeliveryState::delivered},
      {"expired", DeliveryState::expired},       {"deleted", DeliveryState::deleted},
      {"undeliv", DeliveryState::undeliverable}, {"undeliverable", DeliveryState::undeliverable},
      {"failed", DeliveryState::undeliverable},  {"acceptd", DeliveryState::accepted},
      {"accepted", DeliveryState::accepted},     {"unknown", DeliveryState::unknown},
      {"rejectd", DeliveryState::rejected},      {"rejected", DeliveryState::rejected},
      {"enroute", DeliveryState::enroute},       {"buffered", DeliveryState::enroute},
      {"scheduled", DeliveryState::scheduled},   {"skipped", DeliveryState::skipped}};
  stat = trim(stat);
  for (const auto& w : words) {
    if (w.word.size() != stat.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < stat.size() && match; ++i)
      match = lower(stat[i]) == w.word[i];
    if (match) return w.state;
  }
  return std::nullopt;
}

std::string_view stat_word(DeliveryState state) noexcept {
  switch (state) {
    case DeliveryState::scheduled:
      return "SCHEDULED";
    case DeliveryState::enroute:
      return "ENROUTE";
    case DeliveryState::delivered:
      return "DELIVRD";
    case DeliveryState::expired:
      return "EXPIRED";
    case DeliveryState::deleted:
      return "DELETED";
    case DeliveryState::undeliverable:
      return "UNDELIV";
    case DeliveryState::accepted:
      return "ACCEPTD";
    case DeliveryState::unknown:
      return "UNKNOWN";
    case DeliveryState::rejected:
      return "REJECTD";
    case DeliveryState::skipped:
      return "SKIPPED";
  }
  return "UNKNOWN";
}

ReceiptDate parse_receipt_date(std::string_view raw) {
  ReceiptDate d;
  d.raw = std::string(raw);
  if (raw.size() == 16 && (raw[15] == '+' || raw[15] == '-')) {
    if (auto t = SmppTime::parse(raw)) {
      const auto local = t->utc() + minutes(15 * t->quarter_hours());
      d.time = local_seconds{floor<seconds>(local).time_since_epoch()};
      d.utc_offset_quarter_hours = t->quarter_hours();
    }
    return d;
  }
  if (!all_digits(raw)) return d;
  if (raw.size() == 10 || raw.size() == 12) {
    d.time =
        make_local(expand_two_digit_year(digits(raw, 0, 2)), digits(raw, 2, 2), digits(raw, 4, 2),
                   digits(raw, 6, 2), digits(raw, 8, 2), raw.size() == 12 ? digits(raw, 10, 2) : 0);
  } else if (raw.size() == 14) {
    d.time = make_local(digits(raw, 0, 4), digits(raw, 4, 2), digits(raw, 6, 2), digits(raw, 8, 2),
                        digits(raw, 10, 2), digits(raw, 12, 2));
  }
  return d;
}

Result<Receipt> parse_receipt(std::string_view s, const ReceiptTlvs& tlvs) {
  // Some SMSCs terminate short_message with NUL or a line break.
  while (!s.empty() && (s.back() == '\0' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  struct Field {
    std::string key;
    std::size_t key_begin;
    std::size_t value_begin;
  };
  std::vector<Field> fields;
  std::size_t text_begin = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_space(s[i]) || (i > 0 && !is_space(s[i - 1]))) continue;
    auto k = key_at(s, i);
    if (!k) continue;
    if (k->first == "text") {
      // "text:" is last in Appendix B and its value may hold anything; but an empty text
      // followed by fields not seen yet ("text: stat:DELIVRD") is a reordered receipt.
      std::size_t next = k->second;
      while (next < s.size() && is_space(s[next]))
        ++next;
      auto after = key_at(s, next);
      bool reordered = after && is_known(after->first) && after->first != "text";
      for (const auto& f : fields) {
        if (after && f.key == after->first) reordered = false;
      }
      fields.push_back({"text", i, k->second});
      if (!reordered) {
        text_begin = k->second;
        break;
      }
      i = next - 1;
      continue;
    }
    fields.push_back({std::move(k->first), i, k->second});
    i = fields.back().value_begin - 1;
  }

  Receipt r;
  std::vector<std::string_view> seen;
  for (std::size_t n = 0; n < fields.size(); ++n) {
    const Field& f = fields[n];
    if (f.key == "text") {
      if (f.value_begin == text_begin) {
        r.text = std::string(s.substr(text_begin));
      } else if (!r.text) {
        r.text = std::string();
      }
      continue;
    }
    const std::size_t end = n + 1 < fields.size() ? fields[n + 1].key_begin : s.size();
    std::string_view rest = s.substr(f.value_begin, end - f.value_begin);
    std::size_t token_end = 0;
    while (token_end < rest.size() && !is_space(rest[token_end]))
      ++token_end;
    const std::string_view value = rest.substr(0, token_end);
    const std::string_view leftover = trim(rest.substr(token_end));
    if (!leftover.empty()) r.extras.emplace_back("", std::string(leftover));

    bool duplicate = false;
    for (auto k : seen)
      duplicate = duplicate || k == f.key;
    if (duplicate || !is_known(f.key)) {
      r.extras.emplace_back(f.key, std::string(value));
      continue;
    }
    seen.push_back(f.key);
    if (f.key == "id") {
      r.id = std::string(value);
    } else if (f.key == "sub" || f.key == "dlvrd") {
      auto v = decimal(value);
      if (v) {
        (f.key == "sub" ? r.submitted : r.delivered) = *v;
      } else {
        r.extras.emplace_back(f.key, std::string(value));
      }
    } else if (f.key == "submit date") {
      r.submit_date = parse_receipt_date(value);
    } else if (f.key == "done date") {
      r.done_date = parse_receipt_date(value);
    } else if (f.key == "stat") {
      r.stat = std::string(value);
      r.state = state_from_stat(value);
    } else if (f.key == "err") {
      r.err = std::string(value);
      r.error_code = decimal(value);
    }
  }

  if (tlvs.receipted_message_id) r.receipted_message_id = *tlvs.receipted_message_id;
  if (r.id.empty() && !r.receipted_message_id.empty()) {
    r.id = r.receipted_message_id;
    r.id_from_tlv = true;
  }
  if (!r.state && tlvs.message_state && *tlvs.message_state <= 9) {
    r.state = static_cast<DeliveryState>(*tlvs.message_state);
    r.state_from_tlv = true;
  }
  if (r.id.empty()) {
    return TextError{TextErrc::invalid_receipt,
                     fmt::format("delivery receipt: no message id (no 'id:' field in {} characters "
                                 "of text and no receipted_message_id TLV)",
                                 s.size())};
  }
  return r;
}

std::string format_receipt(const Receipt& r, const ReceiptFormat& f) {
  std::string stat = r.stat;
  if (stat.empty()) stat = std::string(stat_word(r.state.value_or(DeliveryState::unknown)));
  std::string err = r.err;
  if (err.empty()) err = fmt::format("{:03}", r.error_code.value_or(0));
  // The first text_length characters, not octets: never cut a UTF-8 sequence.
  std::string text;
  std::size_t count = 0;
  if (r.text) {
    std::size_t pos = 0;
    char32_t cp = 0;
    while (count < f.text_length && utf8::next(*r.text, pos, cp)) {
      utf8::append(text, cp);
      ++count;
    }
  }
  if (f.pad_text && count < f.text_length) text.append(f.text_length - count, ' ');
  return fmt::format("id:{} sub:{:03} dlvrd:{:03} submit date:{} done date:{} stat:{} err:{} {}:{}",
                     r.id, r.submitted.value_or(0), r.delivered.value_or(0),
                     format_date(r.submit_date, f.seconds_in_dates),
                     format_date(r.done_date, f.seconds_in_dates), stat, err, f.text_key, text);
}

}  // namespace aiosmpp::text
