#pragma once

/** @file
 *  @brief SequenceGenerator: numbers for the requests the ESME sends; SimpleSequenceGenerator,
 *  the default (aiosmpplib's). */

#include <cstdint>
#include <span>

namespace aiosmpp {

/** @brief The smallest sequence_number a request may carry. */
inline constexpr std::uint32_t min_sequence_number = 0x00000001;
/** @brief The largest sequence_number a request may carry; the next one wraps to 1. */
inline constexpr std::uint32_t max_sequence_number = 0x7FFFFFFF;

/** @brief True for 1..0x7FFFFFFF: 0 and values with bit 31 set are never used for requests. */
constexpr bool is_valid_sequence_number(std::uint32_t n) noexcept {
  return n >= min_sequence_number && n <= max_sequence_number;
}

/** @brief Produces the sequence_number of each request the ESME originates: increasing, within
 *  1..0x7FFFFFFF, wrapping to the start after the end. One per session direction; used from the
 *  ESME's executor only, so implementations need not be thread-safe. A durable implementation can
 *  persist the last number so a restarted process does not reuse recent ones. */
class SequenceGenerator {
 public:
  virtual ~SequenceGenerator() = default;

  /** @brief The next number; always valid (is_valid_sequence_number). */
  virtual std::uint32_t next() = 0;

  /** @brief Fills `out` with the next out.size() numbers, in order: one virtual call for a
   *  whole batch. The default calls next() for each. */
  virtual void next_batch(std::span<std::uint32_t> out) {
    for (auto& n : out)
      n = next();
  }
};

/** @brief Counts from `min` to `max` and wraps back to `min` (defaults: the whole 1..0x7FFFFFFF
 *  range, as aiosmpplib). Not thread-safe. */
class SimpleSequenceGenerator final : public SequenceGenerator {
 public:
  /** @throws std::invalid_argument unless 1 <= min <= max <= 0x7FFFFFFF. */
  explicit SimpleSequenceGenerator(std::uint32_t min = min_sequence_number,
                                   std::uint32_t max = max_sequence_number);

  std::uint32_t next() noexcept override {
    last_ = last_ >= max_ ? min_ : last_ + 1;
    return last_;
  }
  void next_batch(std::span<std::uint32_t> out) noexcept override;

  /** @brief Makes `value` the next number returned (to resume a persisted sequence).
   *  @throws std::invalid_argument unless min <= value <= max. */
  void restart_at(std::uint32_t value);

  /** @brief The first number after a wrap. */
  std::uint32_t min() const noexcept { return min_; }
  /** @brief The last number before a wrap. */
  std::uint32_t max() const noexcept { return max_; }

 private:
  std::uint32_t min_;
  std::uint32_t max_;
  std::uint32_t last_;  // the last number returned; min_ - 1 (or max_) before the first
};

}  // namespace aiosmpp
