#pragma once

/** @file
 *  @brief Framer: cuts a TCP byte stream into whole PDUs (reference §1.1 stream framing). */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/result.hpp"

namespace aiosmpp {

/** @brief Takes bytes as they arrive (any split: several PDUs per read, one PDU over many reads)
 *  and yields whole PDUs as spans into its own buffer, ready for decode() / decode_view().
 *
 *  A command_length below 16 or above `max_pdu_size` is rejected as soon as it is seen, before
 *  any of the body is buffered, so a hostile length cannot make it allocate: the buffer never
 *  grows beyond max(read_buffer_size, max_pdu_size). The error is sticky (the stream has lost
 *  its framing; close the connection, after a generic_nack with ESME_RINVCMDLEN if you like);
 *  reset() clears it.
 *
 *  Use with an Asio reader without copies or per-PDU allocation:
 *  @code
 *  for (;;) {
 *    auto buf = framer.prepare();
 *    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf.data(), buf.size()), ...);
 *    framer.commit(n);
 *    while (true) {
 *      auto pdu = framer.next();          // error, or an empty span when more bytes are needed
 *      if (!pdu) { ...; break; }
 *      if (pdu->empty()) break;
 *      auto view = decode_view(*pdu);     // valid until the next prepare()/append()/reset()
 *    }
 *  }
 *  @endcode
 *  Not thread-safe. */
class Framer {
 public:
  /** @param max_pdu_size largest command_length accepted (default 64 KiB body + header)
   *  @param read_buffer_size how much room prepare() offers for one read (16-64 KiB reads work
   *  best; see docs/performance.md) */
  explicit Framer(std::size_t max_pdu_size = default_max_pdu_size,
                  std::size_t read_buffer_size = 64 * 1024);

  /** @brief Writable space at the end of the buffer for the next read; never empty unless the
   *  stream failed. Moves unconsumed bytes to the front, which invalidates spans from next(). */
  std::span<std::uint8_t> prepare();
  /** @brief Marks `n` octets of the span from prepare() as received. */
  void commit(std::size_t n) noexcept;
  /** @brief Copies `bytes` in (prepare + copy + commit, repeated). Call next() until it returns
   *  an empty span after each append or commit, or the buffer grows with the backlog. */
  void append(std::span<const std::uint8_t> bytes);

  /** @brief The next whole PDU (exactly command_length octets), an empty span when more bytes
   *  are needed, or the framing error: ESME_RINVCMDLEN with problem command_length_too_small or
   *  command_length_too_large (errc::pdu_too_large; sequence_number set, read from the header).
   *  The span stays valid until the next prepare(), append() or reset(). */
  Result<std::span<const std::uint8_t>> next() noexcept;

  /** @brief Octets received but not yet returned by next(). */
  std::size_t buffered() const noexcept { return end_ - begin_; }
  /** @brief Current buffer allocation, for tests and metrics. */
  std::size_t capacity() const noexcept { return buf_.size(); }
  /** @brief Changes how much room prepare() offers from the next call on (a server starts an
   *  unauthenticated connection small and grows it once bound). Never below 16. */
  void set_read_buffer_size(std::size_t size) noexcept {
    read_buffer_size_ = size < pdu_header_size ? pdu_header_size : size;
  }
  /** @brief The largest command_length accepted, in octets. */
  std::size_t max_pdu_size() const noexcept { return max_pdu_size_; }
  /** @brief Drops all buffered bytes and any error (for a new connection). */
  void reset() noexcept;

 private:
  std::optional<std::size_t> pending_length() const noexcept;

  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t max_pdu_size_;
  std::size_t read_buffer_size_;
  std::optional<CodecError> error_;
};

}  // namespace aiosmpp
