// Fuzz target: the stream framer, fed the input in arbitrary chunks.
//
// The last octets of the input choose max_pdu_size, read_buffer_size and the chunking (taken
// from the end by FuzzedDataProvider); the rest is the byte stream.
//
// Properties, against a model that walks the stream by command_length:
// - The PDUs next() yields are exactly the command_length slices of the stream, in order, and
//   nothing else, whatever the chunking and whether bytes arrive by prepare/commit or append.
// - A command_length below 16 fails as soon as it is read; above max_pdu_size once the header's
//   16 octets are there (so the generic_nack carries the sequence_number). The error is sticky.
// - Without an error, buffered() is the unframed tail.
// - With prepare()/commit(), the buffer never grows beyond max(read_buffer_size, max_pdu_size),
//   the documented bound that a hostile command_length cannot break; append() may add the
//   chunk it was given.
// - reset() and one append of the whole stream give the same result.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "aiosmpp/pdu/framer.hpp"
#include "fuzz_check.hpp"

namespace {

using aiosmpp::CodecProblem;

std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

struct Slice {
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct Expected {
  std::vector<Slice> pdus;
  std::optional<CodecProblem> error;
  std::uint32_t error_sequence = 0;
  std::size_t tail = 0;  // unframed octets when there is no error
};

Expected model(std::span<const std::uint8_t> stream, std::size_t max_pdu_size) {
  Expected e;
  std::size_t at = 0;
  for (;;) {
    const std::size_t rest = stream.size() - at;
    if (rest < 4) break;
    const std::uint32_t len = load32(stream.data() + at);
    if (len < aiosmpp::pdu_header_size) {
      e.error = CodecProblem::command_length_too_small;
      return e;
    }
    if (len > max_pdu_size) {
      if (rest < aiosmpp::pdu_header_size) break;
      e.error = CodecProblem::command_length_too_large;
      e.error_sequence = load32(stream.data() + at + 12);
      return e;
    }
    if (rest < len) break;
    e.pdus.push_back({at, len});
    at += len;
  }
  e.tail = stream.size() - at;
  return e;
}

struct Observed {
  std::vector<std::vector<std::uint8_t>> pdus;
  std::optional<aiosmpp::CodecError> error;
};

// Drains next() as a reader must after every read.
void drain(aiosmpp::Framer& framer, Observed& seen) {
  for (;;) {
    auto next = framer.next();
    if (!next) {
      if (seen.error) {
        AIOSMPP_FUZZ_CHECK(next.error() == *seen.error, "the framing error is sticky");
      }
      seen.error = next.error();
      return;
    }
    if (next->empty()) return;
    seen.pdus.emplace_back(next->begin(), next->end());
  }
}

void compare(const Observed& seen, const Expected& expected, std::span<const std::uint8_t> stream,
             const aiosmpp::Framer& framer, std::size_t bound) {
  AIOSMPP_FUZZ_CHECK(seen.pdus.size() == expected.pdus.size(), "number of framed PDUs");
  for (std::size_t i = 0; i < seen.pdus.size(); ++i) {
    const auto& want = expected.pdus[i];
    const auto slice = stream.subspan(want.offset, want.length);
    AIOSMPP_FUZZ_CHECK(seen.pdus[i].size() == slice.size() &&
                           std::equal(slice.begin(), slice.end(), seen.pdus[i].begin()),
                       "a framed PDU is its command_length slice of the stream");
  }
  AIOSMPP_FUZZ_CHECK(seen.error.has_value() == expected.error.has_value(), "framing error");
  if (expected.error) {
    AIOSMPP_FUZZ_CHECK(seen.error->problem == *expected.error, "framing error problem");
    AIOSMPP_FUZZ_CHECK(seen.error->status == aiosmpp::CommandStatus::invalid_command_length,
                       "framing errors are ESME_RINVCMDLEN");
    if (*expected.error == CodecProblem::command_length_too_large) {
      AIOSMPP_FUZZ_CHECK(
          seen.error->sequence_known && seen.error->sequence_number == expected.error_sequence,
          "a too-large PDU's sequence_number is reported");
    }
  } else {
    AIOSMPP_FUZZ_CHECK(framer.buffered() == expected.tail, "buffered() is the unframed tail");
  }
  if (framer.capacity() > bound) {
    std::fprintf(stderr, "capacity %zu, bound %zu, max_pdu_size %zu\n", framer.capacity(), bound,
                 framer.max_pdu_size());
  }
  AIOSMPP_FUZZ_CHECK(framer.capacity() <= bound, "the buffer stays within its bound");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const auto max_selector = provider.ConsumeIntegral<std::uint16_t>();
  const auto read_selector = provider.ConsumeIntegral<std::uint16_t>();
  std::uint32_t chunking = provider.ConsumeIntegral<std::uint32_t>();
  const auto stream_bytes = provider.ConsumeRemainingBytes<std::uint8_t>();
  const std::span<const std::uint8_t> stream(stream_bytes);

  // Mostly small limits, so that the too-large path and buffer growth are reached quickly.
  const std::size_t max_pdu_size =
      (max_selector & 0x8000) != 0 ? aiosmpp::default_max_pdu_size : (max_selector & 0x0FFF);
  const std::size_t read_buffer_size = (read_selector & 0x01FF) + 1;
  aiosmpp::Framer framer(max_pdu_size, read_buffer_size);
  // The Framer raises both sizes to at least a header.
  const std::size_t effective_max = std::max(max_pdu_size, aiosmpp::pdu_header_size);
  const std::size_t effective_read = std::max(read_buffer_size, aiosmpp::pdu_header_size);
  const std::size_t strict_bound = std::max(effective_max, effective_read);
  // append() cannot hand out PDUs part way through a chunk, so a chunk that completes one PDU
  // and starts the next is buffered whole (documented: drain after each append): the buffer may
  // then exceed the bound by that chunk, in read-buffer steps.
  constexpr std::size_t max_chunk = 64;
  bool appended = false;
  const Expected expected = model(stream, effective_max);

  Observed seen;
  std::size_t at = 0;
  while (at < stream.size()) {
    // A small linear congruential generator turns the 32-bit seed into chunk sizes 1..64 and
    // the choice between append() and prepare()/commit().
    chunking = chunking * 1664525u + 1013904223u;
    const std::size_t want = ((chunking >> 8) % max_chunk) + 1;
    std::size_t n = std::min(want, stream.size() - at);
    if ((chunking >> 20) & 1u) {
      appended = true;
      framer.append(stream.subspan(at, n));
    } else {
      auto space = framer.prepare();
      if (space.empty()) {
        AIOSMPP_FUZZ_CHECK(seen.error.has_value(), "prepare() is empty only after an error");
        break;
      }
      n = std::min(n, space.size());
      std::memcpy(space.data(), stream.data() + at, n);
      framer.commit(n);
    }
    at += n;
    drain(framer, seen);
    if (seen.error) break;
  }
  compare(seen, expected, stream, framer,
          appended ? strict_bound + max_chunk + effective_read : strict_bound);

  // One append of everything before draining is allowed to hold the whole backlog.
  framer.reset();
  Observed whole;
  framer.append(stream);
  drain(framer, whole);
  compare(whole, expected, stream, framer,
          std::max(strict_bound + max_chunk + effective_read, stream.size() + effective_read));
  return 0;
}
