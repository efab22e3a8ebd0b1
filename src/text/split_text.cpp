#include "split_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace aiosmpp::text::detail {

namespace {

// The largest `to` in (first, chars] for which fits(first, to), or `first` when none is: an
// encoding only grows as characters are added, so gallop from first + estimate, then halve.
template <class Fits>
Result<std::size_t> longest_run(std::size_t first, std::size_t chars, std::size_t estimate,
                                Fits&& fits) {
  std::size_t good = first;     // [first, good) fits (the empty run does)
  std::size_t bad = chars + 1;  // [first, bad) does not (chars + 1: none known)
  std::size_t probe = std::min(chars, first + estimate);
  Result<bool> f = fits(first, probe);
  if (!f) return f.error();
  if (*f) {
    good = probe;
    for (std::size_t step = 1; good < chars; step *= 2) {
      probe = std::min(chars, good + step);
      f = fits(first, probe);
      if (!f) return f.error();
      if (!*f) {
        bad = probe;
        break;
      }
      good = probe;
    }
  } else {
    bad = probe;
    for (std::size_t step = 1; bad - first > step; step *= 2) {
      probe = bad - step;
      f = fits(first, probe);
      if (!f) return f.error();
      if (*f) {
        good = probe;
        break;
      }
      bad = probe;
    }
  }
  while (bad <= chars && bad - good > 1) {
    const std::size_t mid = good + (bad - good) / 2;
    f = fits(first, mid);
    if (!f) return f.error();
    (*f ? good : bad) = mid;
  }
  return good;
}

}  // namespace

Result<std::vector<std::size_t>> segment_text(const Codec& codec, std::string_view utf8,
                                              ErrorMode mode, std::size_t limit,
                                              std::size_t whole_octets, std::size_t max_segments,
                                              std::vector<std::uint8_t>& out) {
  std::vector<std::size_t> starts;  // byte offset of each character, then the end
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(utf8.size());
  const std::size_t chars = starts.size() - 1;
  // The first guess at a segment's characters: the whole text's octets per character.
  const double per_char = std::max(1.0, static_cast<double>(whole_octets) /
                                            static_cast<double>(std::max<std::size_t>(chars, 1)));
  const auto estimate =
      std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(limit) / per_char));
  std::vector<std::uint8_t> trial;
  std::vector<std::uint8_t> best;  // the encoding of the longest run found to fit
  std::size_t best_to = 0;
  auto fits = [&](std::size_t from, std::size_t to) -> Result<bool> {
    trial.clear();
    auto r = codec.encode(utf8.substr(starts[from], starts[to] - starts[from]), mode, trial);
    if (!r) return r.error();
    if (trial.size() > limit) return false;
    if (to > best_to) {
      best.swap(trial);
      best_to = to;
    }
    return true;
  };
  std::vector<std::size_t> ends;
  std::size_t first = 0;
  while (first < chars && ends.size() <= max_segments) {
    best.clear();
    best_to = first;
    auto to = longest_run(first, chars, estimate, fits);
    if (!to) return to.error();
    if (*to == first) {
      return TextError{TextErrc::invalid_encoding,
                       fmt::format("codec {}: character {} alone takes more than {} octets",
                                   codec.name(), first, limit)};
    }
    first = *to;                                  // == best_to: `best` holds its encoding
    if (best.empty() && !ends.empty()) continue;  // only dropped characters (ignore mode)
    out.insert(out.end(), best.begin(), best.end());
    ends.push_back(out.size());
  }
  return ends;
}

}  // namespace aiosmpp::text::detail
