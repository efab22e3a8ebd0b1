#pragma once

// Helpers shared by the JSON tests.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aiosmpp/json.hpp"

namespace aiosmpp::test {

/** The JsonError message that reading `text` as a T gives, or "no error". */
template <class T>
std::string error_as(std::string_view text) {
  try {
    (void)nlohmann::json::parse(text).get<T>();
  } catch (const JsonError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace aiosmpp::test
