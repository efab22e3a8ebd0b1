#pragma once

/** @file
 *  @brief Building blocks for metrics: a fixed, log-spaced latency histogram that never allocates,
 *  and a writer for the Prometheus text exposition format (version 0.0.4). The library itself
 *  serves nothing over HTTP: an application (or the simulator's console) writes a snapshot where
 *  it wants. */

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace aiosmpp {

/** @brief Latency histogram with fixed buckets: upper bounds 50 µs, 100 µs, 200 µs, ... doubling to
 *  about 52 s (21 bounds), then +Inf. observe() is a few instructions and never allocates, so it
 *  can run for every response. Not thread-safe (one per Esme, read on its executor); merge()
 *  adds another's counts (a pool's total). */
class LatencyHistogram {
 public:
  /** @brief The number of buckets, the +Inf one included. */
  static constexpr std::size_t bucket_count = 22;
  /** @brief The first bucket's upper bound. */
  static constexpr std::chrono::microseconds first_bound{50};

  /** @brief Counts one observation (negative durations count as 0). */
  void observe(std::chrono::nanoseconds d) noexcept {
    const auto ns = d.count() < 0 ? 0 : static_cast<std::uint64_t>(d.count());
    ++buckets_[bucket_of(ns)];
    ++count_;
    sum_ns_ += ns;
  }
  /** @brief Adds `other`'s observations. */
  void merge(const LatencyHistogram& other) noexcept;
  /** @brief Observations counted. */
  std::uint64_t count() const noexcept { return count_; }
  /** @brief Their sum, in seconds. */
  double sum_seconds() const noexcept { return static_cast<double>(sum_ns_) * 1e-9; }
  /** @brief Observations per bucket (not cumulative). */
  const std::array<std::uint64_t, bucket_count>& buckets() const noexcept { return buckets_; }
  /** @brief Bucket `i`'s upper bound in seconds (infinity for the last). */
  static double upper_bound_seconds(std::size_t i) noexcept;
  /** @brief An estimate of quantile `q` (0..1): the upper bound of the bucket it falls in, in
   *  seconds; 0 when empty. */
  double quantile(double q) const noexcept;

 private:
  static std::size_t bucket_of(std::uint64_t ns) noexcept {
    constexpr std::uint64_t first_ns = 50'000;
    if (ns <= first_ns) return 0;
    // Bucket k holds (first * 2^(k-1), first * 2^k]: k = bit width of (ns - 1) / first.
    std::uint64_t q = (ns - 1) / first_ns;
    std::size_t k = 0;
    while (q != 0) {
      q >>= 1;
      ++k;
    }
    return k < bucket_count ? k : bucket_count - 1;
  }

  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ns_ = 0;
};

/** @brief Writes metrics in the Prometheus text exposition format into a string.
 *
 *  @code
 *  std::string out;
 *  aiosmpp::PrometheusWriter w(out);
 *  w.family("aiosmpp_esme_taken_total", "counter", "Messages taken from the broker.");
 *  w.sample("aiosmpp_esme_taken_total", {{"client_id", "a"}}, 42);
 *  @endcode
 *  Names must be valid metric names (the writer does not check); label values are escaped. */
class PrometheusWriter {
 public:
  /** @brief A label: name and value. */
  using Label = std::pair<std::string_view, std::string_view>;

  /** @brief Appends to `out`. */
  explicit PrometheusWriter(std::string& out) : out_(out) {}
  /** @brief Writes the `# HELP` and `# TYPE` lines of a family (write each family once, before
   *  its samples). `type`: counter, gauge or histogram. */
  void family(std::string_view name, std::string_view type, std::string_view help);
  /** @brief One sample line. */
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  /** @brief The same with labels from a span. */
  void sample(std::string_view name, std::span<const Label> labels, double value);
  /** @brief A histogram's `_bucket` (cumulative, with `le`), `_sum` (seconds) and `_count`
   *  lines. */
  void histogram(std::string_view name, std::span<const Label> labels,
                 const LatencyHistogram& histogram);

 private:
  void labels(std::span<const Label> labels, std::string_view extra_name = {},
              std::string_view extra_value = {});
  std::string& out_;
};

}  // namespace aiosmpp
