#include "aiosmpp/esme/sequence_generator.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace aiosmpp {

SimpleSequenceGenerator::SimpleSequenceGenerator(std::uint32_t min, std::uint32_t max)
    : min_(min), max_(max), last_(min - 1) {
  if (!is_valid_sequence_number(min)) {
    throw std::invalid_argument(
        fmt::format("SimpleSequenceGenerator: min must be in 1..0x7FFFFFFF (got {:#x})", min));
  }
  if (!is_valid_sequence_number(max) || max < min) {
    throw std::invalid_argument(fmt::format(
        "SimpleSequenceGenerator: max must be in min ({:#x})..0x7FFFFFFF (got {:#x})", min, max));
  }
}

void SimpleSequenceGenerator::next_batch(std::span<std::uint32_t> out) noexcept {
  // Counting runs between wraps lets the compiler vectorise the common case.
  std::uint32_t n = last_;
  for (auto& slot : out) {
    n = n >= max_ ? min_ : n + 1;
    slot = n;
  }
  last_ = n;
}

void SimpleSequenceGenerator::restart_at(std::uint32_t value) {
  if (value < min_ || value > max_) {
    throw std::invalid_argument(fmt::format(
        "SimpleSequenceGenerator::restart_at: value must be in {:#x}..{:#x} (got {:#x})", min_,
        max_, value));
  }
  last_ = value == min_ ? max_ : value - 1;
}

}  // namespace aiosmpp
