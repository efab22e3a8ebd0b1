#pragma once
// The wire vocabulary every layer that touches bytes shares: big-endian loads and stores, and the
// header-only PDU writer (enquire_link, unbind, their responses, generic_nack, bodiless error
// responses). One copy here, used by the codec, the framer, the Esme and the server session, so
// that a fix reaches all of them.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "aiosmpp/pdu/command_id.hpp"
#include "aiosmpp/pdu/command_status.hpp"

namespace aiosmpp::detail {

inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((std::uint16_t{p[0]} << 8) | std::uint16_t{p[1]});
}

/** Writes `v` at `p`; returns the position after it. */
inline std::uint8_t* store32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
  return p + 4;
}

/** Writes the low 16 bits of `v` at `p`; returns the position after it. */
inline std::uint8_t* store16(std::uint8_t* p, std::size_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
  return p + 2;
}

/** Writes a 16-octet header at `p` (which must have room for it). */
inline void store_header(std::uint8_t* p, std::uint32_t length, CommandId id, CommandStatus status,
                         std::uint32_t sequence_number) noexcept {
  p = store32(p, length);
  p = store32(p, static_cast<std::uint32_t>(id));
  p = store32(p, static_cast<std::uint32_t>(status));
  store32(p, sequence_number);
}

/** Appends a header-only PDU (16 octets) to `out`; returns the octets appended. With
 *  `empty_message_id` the PDU gets a body of one NUL (an empty message_id), which is how
 *  deliver_sm_resp and data_sm_resp are answered on success (reference §4.6.2, §4.7.2). */
inline std::size_t append_header_only(std::vector<std::uint8_t>& out, CommandId id,
                                      CommandStatus status, std::uint32_t sequence_number,
                                      bool empty_message_id = false) {
  const std::size_t at = out.size();
  const std::uint32_t length = empty_message_id ? 17 : 16;
  out.resize(at + length);
  store_header(out.data() + at, length, id, status, sequence_number);
  if (empty_message_id) out[at + 16] = 0;
  return length;
}

/** Appends SMPP 5.0's congestion_state TLV (tag 0x0428, one octet: `value`) to the PDU that
 *  starts at `at` in `out` and ends at out.size(), and grows its command_length to match (no
 *  re-encoding of the PDU). Returns the octets appended (5). */
inline std::size_t append_congestion_state(std::vector<std::uint8_t>& out, std::size_t at,
                                           std::uint8_t value) {
  const std::uint8_t tlv[5] = {0x04, 0x28, 0x00, 0x01, value};
  out.insert(out.end(), std::begin(tlv), std::end(tlv));
  store32(out.data() + at, static_cast<std::uint32_t>(out.size() - at));
  return sizeof tlv;
}

}  // namespace aiosmpp::detail
