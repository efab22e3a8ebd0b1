#include "aiosmpp/text/message_id.hpp"

#include <charconv>
#include <optional>

namespace aiosmpp::text {
namespace {

std::string_view trim_id(std::string_view s) noexcept {
  auto junk = [](char c) { return c == ' ' || c == '\t' || c == '\0' || c == '\r' || c == '\n'; };
  while (!s.empty() && junk(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && junk(s.back()))
    s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> number(std::string_view s, int base) noexcept {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string normalize_message_id(std::string_view id, IdForm form, const MessageIdRule& rule) {
  id = trim_id(id);
  if (form == IdForm::decimal) {
    if (auto v = number(id, 10)) return std::to_string(*v);
  } else if (form == IdForm::hex) {
    std::string_view digits = id;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      digits.remove_prefix(2);
    }
    if (auto v = number(digits, 16)) return std::to_string(*v);
  }
  std::string key(id);
  if (rule.case_insensitive) {
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
  }
  if (rule.strip_leading_zeros) {
    const auto first = key.find_first_not_of('0');
    if (first == std::string::npos) {
      if (!key.empty()) key = "0";
    } else {
      key.erase(0, first);
    }
  }
  return key;
}

}  // namespace aiosmpp::text
