#pragma once

// The tag that carries a Redis entry id (or a held receipt's handle) inside a tracking's log_id
// while a message is with the Esme: ESC, a kind letter, the id, ESC, then the application's
// log_id. The same shape as the SQLite component's tag, with an id that is a string ("1700-0").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aiosmpp::detail {

inline constexpr char redis_tag_mark = '\x1b';

inline std::string tag_entry(char kind, std::string_view id, std::string_view log_id) {
  std::string out;
  out.reserve(id.size() + log_id.size() + 3);
  out += redis_tag_mark;
  out += kind;
  out += id;
  out += redis_tag_mark;
  out += log_id;
  return out;
}

/** The id and the length of the tag, when `log_id` starts with a tag of `kind`. */
inline std::optional<std::pair<std::string_view, std::size_t>> parse_entry_tag(
    char kind, std::string_view log_id) noexcept {
  if (log_id.size() < 4 || log_id[0] != redis_tag_mark || log_id[1] != kind) return std::nullopt;
  const auto end = log_id.find(redis_tag_mark, 2);
  if (end == std::string_view::npos || end == 2) return std::nullopt;
  return std::pair{log_id.substr(2, end - 2), end + 1};
}

}  // namespace aiosmpp::detail
