#pragma once

// Splitting for codecs that encode each segment from its own text (Codec::segments_from_text):
// stateful encodings such as ISO-2022-JP, and multi-octet ones whose characters a cut in the
// encoded octets could break.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text::detail {

// Cuts `utf8` into segments whose encodings, each made on its own with `codec` and `mode`, are
// the longest runs of characters that fit `limit` octets. Appends the encodings one after
// another to `out` and returns their end offsets in `out`; stops after `max_segments` + 1
// segments (the caller reports "too many"). `whole_octets` (the size of the whole text's
// encoding) gives the first estimate of a segment's characters.
Result<std::vector<std::size_t>> segment_text(const Codec& codec, std::string_view utf8,
                                              ErrorMode mode, std::size_t limit,
                                              std::size_t whole_octets, std::size_t max_segments,
                                              std::vector<std::uint8_t>& out);

}  // namespace aiosmpp::text::detail
