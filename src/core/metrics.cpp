#include "aiosmpp/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace aiosmpp {

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
}

double LatencyHistogram::upper_bound_seconds(std::size_t i) noexcept {
  if (i + 1 >= bucket_count) return std::numeric_limits<double>::infinity();
  return std::ldexp(50e-6, static_cast<int>(i));
}

double LatencyHistogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (static_cast<double>(seen) >= target && seen > 0) {
      // The +Inf bucket has no bound to report: its lower one is the best estimate.
      return i + 1 < bucket_count ? upper_bound_seconds(i) : upper_bound_seconds(i - 1);
    }
  }
  return upper_bound_seconds(bucket_count - 2);
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusWriter::labels(std::span<const Label> labels, std::string_view extra_name,
                              std::string_view extra_value) {
  if (labels.empty() && extra_name.empty()) return;
  out_ += '{';
  bool first = true;
  auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    for (const char c : value) {  // the format's three escapes
      if (c == '\\') {
        out_ += "\\\\";
      } else if (c == '"') {
        out_ += "\\\"";
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  };
  for (const auto& [n, v] : labels)
    one(n, v);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out_ += '}';
}

namespace {

void value(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<long long>(v));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

}  // namespace

void PrometheusWriter::sample(std::string_view name, std::initializer_list<Label> l, double v) {
  sample(name, std::span<const Label>(l.begin(), l.size()), v);
}

void PrometheusWriter::sample(std::string_view name, std::span<const Label> l, double v) {
  out_ += name;
  labels(l);
  out_ += ' ';
  value(out_, v);
  out_ += '\n';
}

void PrometheusWriter::histogram(std::string_view name, std::span<const Label> l,
                                 const LatencyHistogram& h) {
  std::uint64_t cumulative = 0;
  const std::string bucket = fmt::format("{}_bucket", name);
  for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i) {
    cumulative += h.buckets()[i];
    std::string le;
    value(le, LatencyHistogram::upper_bound_seconds(i));
    out_ += bucket;
    labels(l, "le", le);
    out_ += ' ';
    value(out_, static_cast<double>(cumulative));
    out_ += '\n';
  }
  sample(fmt::format("{}_sum", name), l, h.sum_seconds());
  sample(fmt::format("{}_count", name), l, static_cast<double>(h.count()));
}

}  // namespace aiosmpp
