#pragma once

#include <variant>

#include "aiosmpp/pdu/pdus.hpp"

namespace aiosmpp::detail {

inline Tracking& sqlite_tracking_of(Pdu& pdu) noexcept {
  return std::visit([](auto& p) -> Tracking& { return p.tracking; }, pdu);
}
inline const Tracking& sqlite_tracking_of(const Pdu& pdu) noexcept {
  return std::visit([](const auto& p) -> const Tracking& { return p.tracking; }, pdu);
}

}  // namespace aiosmpp::detail
