#include "aiosmpp/pdu/framer.hpp"

#include <algorithm>
#include <cstring>

#include "pdu/wire.hpp"

namespace aiosmpp {
using detail::load32;

Framer::Framer(std::size_t max_pdu_size, std::size_t read_buffer_size)
    : max_pdu_size_(std::max(max_pdu_size, pdu_header_size)),
      read_buffer_size_(std::max<std::size_t>(read_buffer_size, pdu_header_size)) {}

std::optional<std::size_t> Framer::pending_length() const noexcept {
  if (end_ - begin_ < 4) return std::nullopt;
  return load32(buf_.data() + begin_);
}

std::span<std::uint8_t> Framer::prepare() {
  if (error_) return {};
  if (begin_ != 0) {
    const std::size_t n = end_ - begin_;
    if (n != 0) std::memmove(buf_.data(), buf_.data() + begin_, n);
    begin_ = 0;
    end_ = n;
  }
  std::size_t want = read_buffer_size_;
  // Grow to hold the pending PDU only once its length is known to be acceptable.
  if (auto len = pending_length(); len && *len >= pdu_header_size && *len <= max_pdu_size_) {
    want = std::max(want, *len);
  }
  if (buf_.size() < want) {
    buf_.resize(want);
  } else if (end_ == buf_.size()) {
    // The caller has not drained next(); make room rather than return an empty span.
    buf_.resize(buf_.size() + read_buffer_size_);
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

void Framer::commit(std::size_t n) noexcept {
  end_ += std::min(n, buf_.size() - end_);
}

void Framer::append(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    auto space = prepare();
    if (space.empty()) return;  // failed stream: further bytes are meaningless
    const std::size_t n = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), n);
    commit(n);
    bytes = bytes.subspan(n);
  }
}

Result<std::span<const std::uint8_t>> Framer::next() noexcept {
  if (error_) return *error_;
  const std::size_t avail = end_ - begin_;
  if (avail < 4) return std::span<const std::uint8_t>{};
  const std::uint8_t* p = buf_.data() + begin_;
  const std::uint32_t len = load32(p);
  if (len < pdu_header_size || len > max_pdu_size_) {
    CodecError e;
    e.status = CommandStatus::invalid_command_length;
    e.field = "command_length";
    e.size = len;
    if (len < pdu_header_size) {
      // The "header" is shorter than a header: nothing after command_length belongs to it.
      e.error = errc::malformed_pdu;
      e.problem = CodecProblem::command_length_too_small;
      e.limit = pdu_header_size;
    } else {
      // Wait for the rest of the header so the generic_nack can carry its sequence_number.
      if (avail < pdu_header_size) return std::span<const std::uint8_t>{};
      e.error = errc::pdu_too_large;
      e.problem = CodecProblem::command_length_too_large;
      e.limit = max_pdu_size_;
      e.command_id = static_cast<CommandId>(load32(p + 4));
      e.sequence_known = true;
      e.sequence_number = load32(p + 12);
    }
    error_ = e;
    return e;
  }
  if (avail < len) return std::span<const std::uint8_t>{};
  begin_ += len;
  if (begin_ == end_) begin_ = end_ = 0;  // nothing left: the next read starts at the front
  return std::span<const std::uint8_t>(p, len);
}

void Framer::reset() noexcept {
  begin_ = end_ = 0;
  error_.reset();
}

}  // namespace aiosmpp
