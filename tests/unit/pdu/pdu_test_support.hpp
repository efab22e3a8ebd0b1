#pragma once

// Helpers the pdu layer's tests share: a header, a golden vector by name, a decoding error that
// the owning and the view decoders must agree on.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/pdu.hpp"
#include "golden_file.hpp"
#include "support/catch.hpp"

namespace aiosmpp::test {

inline PduHeader hdr(std::uint32_t seq, CommandStatus status = CommandStatus::ok) {
  return PduHeader{status, seq};
}

/** The octets of the golden vector `name` (golden.txt or golden-5.0.txt). */
inline const std::vector<std::uint8_t>& bytes_for(const std::string& name) {
  static const auto all = golden_pdus();
  const auto it = all.find(name);
  if (it == all.end()) throw std::runtime_error("no golden vector [" + name + "]");
  return it->second;
}

/** The error both decoders give for `bytes`; fails the test when either accepts them. */
inline CodecError decode_error(const std::vector<std::uint8_t>& bytes,
                               const DecodeOptions& o = {}) {
  auto owning = decode(bytes, o);
  auto view = decode_view(bytes, o);
  REQUIRE_FALSE(owning.has_value());
  REQUIRE_FALSE(view.has_value());
  CHECK(owning.error() == view.error());  // both paths report the same thing
  return owning.error();
}

}  // namespace aiosmpp::test
