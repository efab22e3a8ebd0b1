#include "aiosmpp/smsc/handlers.hpp"

#include <algorithm>

namespace aiosmpp::smsc {

bool secret_equal(std::string_view expected, std::string_view given) noexcept {
  // Every octet up to the longer length is compared and the differences are OR-ed together, so
  // the time depends on the lengths only, not on the position of the first difference.
  const std::size_t n = std::max(expected.size(), given.size());
  unsigned diff = expected.size() == given.size() ? 0U : 1U;
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0U;
    const auto b = i < given.size() ? static_cast<unsigned char>(given[i]) : 0U;
    diff |= a ^ b;
  }
  return diff == 0;
}

}  // namespace aiosmpp::smsc
