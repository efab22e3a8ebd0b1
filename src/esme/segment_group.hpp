#pragma once
// The segments of one long message share one outcome (aiosmpplib's SegmentStatus): the last
// segment to end gives the message a send_error if any segment failed, else the first error
// response, else the last response, each with the original message's tracking.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "aiosmpp/esme/outcome.hpp"
#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp::detail {

struct SegmentGroup {
  Pdu original;              // as enqueued (with its text and tracking)
  std::uint64_t serial = 0;  // the session machine's number for it (merged receipts' key)
  std::size_t total = 0;
  std::size_t remaining = 0;
  std::size_t accepted = 0;
  std::optional<Pdu> error_response;
  std::optional<Pdu> last_response;
  std::optional<SendError> failure;
};

}  // namespace aiosmpp::detail
