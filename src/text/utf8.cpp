#include "aiosmpp/text/utf8.hpp"

#include <fmt/format.h>

namespace aiosmpp::text::utf8 {

bool next(std::string_view s, std::size_t& pos, char32_t& cp) noexcept {
  const std::size_t n = s.size();
  if (pos >= n) return false;
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    cp = b0;
    ++pos;
    return true;
  }
  std::size_t len = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    value = b0 & 0x1Fu;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    value = b0 & 0x0Fu;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    value = b0 & 0x07u;
    min = 0x10000;
  } else {
    return false;
  }
  if (n - pos < len) return false;
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return false;
    value = (value << 6) | (b & 0x3Fu);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  cp = value;
  pos += len;
  return true;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

TextError invalid_at(std::string_view s, std::size_t offset, std::size_t index) {
  const auto byte = offset < s.size() ? static_cast<unsigned char>(s[offset]) : 0u;
  return TextError{TextErrc::invalid_utf8,
                   fmt::format("invalid UTF-8 at byte offset {} (character {}, byte 0x{:02X})",
                               offset, index, byte),
                   index, offset, byte};
}

Result<void> validate(std::string_view s) {
  std::size_t pos = 0;
  std::size_t index = 0;
  char32_t cp = 0;
  while (pos < s.size()) {
    if (!next(s, pos, cp)) return invalid_at(s, pos, index);
    ++index;
  }
  return {};
}

}  // namespace aiosmpp::text::utf8
