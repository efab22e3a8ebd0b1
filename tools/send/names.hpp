#pragma once

// Enum names the way the rest of aiosmpp spells them: through the JSON layer's name tables
// (src/json/names.cpp), so "ucs2" or "udh16" mean the same in a flag, a CSV column and a JSON line.

#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/json.hpp"

namespace aiosmpp::send {

/** The enum named `value`. @throws std::invalid_argument naming `field` and the value. */
template <class E>
E name_to(std::string_view field, std::string_view value) {
  E e{};
  try {
    from_json(nlohmann::json(std::string(value)), e);
  } catch (const JsonError& err) {
    throw std::invalid_argument(fmt::format("{}: \"{}\": {}", field, value, err.problem()));
  }
  return e;
}

}  // namespace aiosmpp::send
