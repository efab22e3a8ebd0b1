#include "aiosmpp/text/receipt.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "aiosmpp/text/smpp_time.hpp"
#include "aiosmpp/text/utf8.hpp"
#include "receipt_scan.hpp"

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

namespace detail {
namespace {

// The Appendix B keys as SMSCs spell them, with the key each means.
struct KnownKey {
  std::string_view spelling;
  ReceiptKey key;
};
constexpr std::array<KnownKey, 10> kKnownKeys = {{{"submit date", ReceiptKey::submit_date},
                                                  {"submit_date", ReceiptKey::submit_date},
                                                  {"done date", ReceiptKey::done_date},
                                                  {"done_date", ReceiptKey::done_date},
                                                  {"dlvrd", ReceiptKey::dlvrd},
                                                  {"stat", ReceiptKey::stat},
                                                  {"text", ReceiptKey::text},
                                                  {"sub", ReceiptKey::sub},
                                                  {"err", ReceiptKey::err},
                                                  {"id", ReceiptKey::id}}};

// The key at `pos` (a known spelling in any case, or a plain word) when ':' follows it.
std::optional<ReceiptField> key_at(std::string_view s, std::size_t pos) noexcept {
  if (pos >= s.size()) return std::nullopt;
  const char first = lower(s[pos]);
  for (const auto& k : kKnownKeys) {
    if (k.spelling[0] != first) continue;
    const std::size_t end = pos + k.spelling.size();
    if (end >= s.size() || s[end] != ':') continue;
    bool match = true;
    for (std::size_t i = 1; i < k.spelling.size() && match; ++i) {
      match = lower(s[pos + i]) == k.spelling[i];
    }
    if (match) return ReceiptField{k.key, s.substr(pos, k.spelling.size()), pos, end + 1};
  }
  if (!is_alpha(s[pos])) return std::nullopt;
  std::size_t end = pos + 1;
  while (end < s.size() &&
         (is_alpha(s[end]) || is_digit(s[end]) || s[end] == '_' || s[end] == '-')) {
    ++end;
  }
  if (end >= s.size() || s[end] != ':') return std::nullopt;
  return ReceiptField{ReceiptKey::other, s.substr(pos, end - pos), pos, end + 1};
}

std::uint16_t bit(ReceiptKey key) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(key));
}

}  // namespace

std::string_view receipt_key_name(ReceiptKey key) noexcept {
  switch (key) {
    case ReceiptKey::submit_date:
      return "submit date";
    case ReceiptKey::done_date:
      return "done date";
    case ReceiptKey::dlvrd:
      return "dlvrd";
    case ReceiptKey::stat:
      return "stat";
    case ReceiptKey::text:
      return "text";
    case ReceiptKey::sub:
      return "sub";
    case ReceiptKey::err:
      return "err";
    case ReceiptKey::id:
      return "id";
    case ReceiptKey::other:
      break;
  }
  return {};
}

std::optional<ReceiptField> ReceiptScanner::next() noexcept {
  while (pos_ < s_.size()) {
    const std::size_t i = pos_;
    if (is_space(s_[i]) || (i > 0 && !is_space(s_[i - 1]))) {
      ++pos_;
      continue;
    }
    auto k = key_at(s_, i);
    if (!k) {
      ++pos_;
      continue;
    }
    if (k->key == ReceiptKey::text) {
      // "text:" is last in Appendix B and its value may hold anything; but an empty text
      // followed by a field not seen yet ("text: stat:DELIVRD") is a reordered receipt.
      std::size_t next = k->value_begin;
      while (next < s_.size() && is_space(s_[next]))
        ++next;
      const auto after = key_at(s_, next);
      const bool reordered = after && after->key != ReceiptKey::other &&
                             after->key != ReceiptKey::text && (seen_ & bit(after->key)) == 0;
      seen_ = static_cast<std::uint16_t>(seen_ | bit(ReceiptKey::text));
      if (reordered) {
        pos_ = next;
      } else {
        text_begin_ = k->value_begin;
        pos_ = s_.size();
      }
      return k;
    }
    if (k->key != ReceiptKey::other) seen_ = static_cast<std::uint16_t>(seen_ | bit(k->key));
    pos_ = k->value_begin;  // a value's first character is never a key (no space before it)
    return k;
  }
  return std::nullopt;
}

std::string_view trim_receipt(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == '\0' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string_view receipt_token(std::string_view s, std::size_t pos) noexcept {
  std::size_t end = pos;
  while (end < s.size() && !is_space(s[end]))
    ++end;
  return s.substr(pos, end - pos);
}

IdAndStat find_id_and_stat(std::string_view text) noexcept {
  text = trim_receipt(text);
  IdAndStat out;
  ReceiptScanner scanner(text);
  while (!(out.has_id && out.has_stat)) {
    const auto f = scanner.next();
    if (!f) break;
    // The first of each key counts (parse_receipt keeps repeats as extras).
    if (f->key == ReceiptKey::id && !out.has_id) {
      out.id = receipt_token(text, f->value_begin);
      out.has_id = true;
    } else if (f->key == ReceiptKey::stat && !out.has_stat) {
      out.stat = receipt_token(text, f->value_begin);
      out.has_stat = true;
    }
  }
  return out;
}

}  // namespace detail

std::optional<DeliveryState> state_from_stat(std::string_view stat) noexcept {
  // Appendix B's seven words, the states' names, and the variants SMSCs write: FAILED and
  // UNDELIVERED (aggregators), Kannel's intermediate ACKED, BUFFRED and BUFFERD (gw/smsc/
  // smsc_smpp.c, handle_dlr). cloudhopper-smpp (DeliveryReceipt.toState) and jSMPP
  // (DeliveryReceiptState) know the Appendix B words and ENROUTE.
  struct Word {
    std::string_view word;
    DeliveryState state;
  };
  static constexpr Word words[] = {{"delivrd", DeliveryState::delivered},
                                   {"delivered", DeliveryState::delivered},
                                   {"expired", DeliveryState::expired},
                                   {"deleted", DeliveryState::deleted},
                                   {"undeliv", DeliveryState::undeliverable},
                                   {"undeliverable", DeliveryState::undeliverable},
                                   {"undelivered", DeliveryState::undeliverable},
                                   {"failed", DeliveryState::undeliverable},
                                   {"acceptd", DeliveryState::accepted},
                                   {"accepted", DeliveryState::accepted},
                                   {"unknown", DeliveryState::unknown},
                                   {"rejectd", DeliveryState::rejected},
                                   {"rejected", DeliveryState::rejected},
                                   {"enroute", DeliveryState::enroute},
                                   {"buffred", DeliveryState::enroute},
                                   {"bufferd", DeliveryState::enroute},
                                   {"buffered", DeliveryState::enroute},
                                   {"acked", DeliveryState::enroute},
                                   {"scheduled", DeliveryState::scheduled},
                                   {"skipped", DeliveryState::skipped}};
  stat = trim(stat);
  if (stat.size() < 5 || stat.size() > 13) return std::nullopt;
  for (const auto& w : words) {
    if (w.word.size() != stat.size() || w.word[0] != lower(stat[0])) continue;
    bool match = true;
    for (std::size_t i = 1; i < stat.size() && match; ++i)
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
  s = detail::trim_receipt(s);
  std::vector<detail::ReceiptField> fields;
  detail::ReceiptScanner scanner(s);
  while (auto f = scanner.next())
    fields.push_back(*f);
  const std::size_t text_begin = scanner.text_begin();

  Receipt r;
  std::uint16_t seen = 0;
  for (std::size_t n = 0; n < fields.size(); ++n) {
    const detail::ReceiptField& f = fields[n];
    if (f.key == detail::ReceiptKey::text) {
      if (f.value_begin == text_begin) {
        r.text = std::string(s.substr(text_begin));
      } else if (!r.text) {
        r.text = std::string();  // an empty `text:` of a reordered receipt
      }
      continue;
    }
    const std::size_t end = n + 1 < fields.size() ? fields[n + 1].key_begin : s.size();
    const std::string_view rest = s.substr(f.value_begin, end - f.value_begin);
    const std::string_view value = detail::receipt_token(rest, 0);
    const std::string_view leftover = trim(rest.substr(value.size()));
    if (!leftover.empty()) r.extras.emplace_back("", std::string(leftover));

    const auto bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(f.key));
    if (f.key == detail::ReceiptKey::other || (seen & bit) != 0) {
      std::string key = f.key == detail::ReceiptKey::other
                            ? std::string(f.name)
                            : std::string(detail::receipt_key_name(f.key));
      for (char& c : key)
        c = lower(c);
      r.extras.emplace_back(std::move(key), std::string(value));
      continue;
    }
    seen = static_cast<std::uint16_t>(seen | bit);
    switch (f.key) {
      case detail::ReceiptKey::id:
        r.id = std::string(value);
        break;
      case detail::ReceiptKey::sub:
      case detail::ReceiptKey::dlvrd:
        if (auto v = decimal(value)) {
          (f.key == detail::ReceiptKey::sub ? r.submitted : r.delivered) = *v;
        } else {
          r.extras.emplace_back(detail::receipt_key_name(f.key), std::string(value));
        }
        break;
      case detail::ReceiptKey::submit_date:
        r.submit_date = parse_receipt_date(value);
        break;
      case detail::ReceiptKey::done_date:
        r.done_date = parse_receipt_date(value);
        break;
      case detail::ReceiptKey::stat:
        r.stat = std::string(value);
        r.state = state_from_stat(value);
        break;
      case detail::ReceiptKey::err:
        r.err = std::string(value);
        r.error_code = decimal(value);
        break;
      case detail::ReceiptKey::text:
      case detail::ReceiptKey::other:
        break;
    }
  }

  if (tlvs.receipted_message_id) r.receipted_message_id = *tlvs.receipted_message_id;
  r.network_error = tlvs.network_error;
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

std::optional<NetworkError> receipt_error(const Receipt& r, ErrConvention convention) noexcept {
  if (r.network_error) return r.network_error;
  if (!r.error_code) return std::nullopt;
  switch (convention) {
    case ErrConvention::gsm_map:
      return NetworkError{NetworkType::gsm, *r.error_code};
    case ErrConvention::smpp:
      return NetworkError{NetworkType::smpp, *r.error_code};
    case ErrConvention::vendor:
      break;
  }
  return NetworkError{NetworkType::mc_specific, *r.error_code};
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
