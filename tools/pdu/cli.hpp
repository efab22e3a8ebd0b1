#pragma once

// What aiosmpp-pdu's commands share: exit statuses, how usage errors and invalid input are
// reported, and octets as hex.

#include <cstdint>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace aiosmpp::tools {

inline constexpr int exit_ok = 0;
inline constexpr int exit_invalid = 1;
inline constexpr int exit_usage = 2;

inline int usage_error(std::string_view command, const std::string& message) {
  std::cerr << "aiosmpp-pdu" << (command.empty() ? "" : " ") << command << ": " << message
            << "\nRun 'aiosmpp-pdu " << command << (command.empty() ? "" : " ")
            << "--help' for usage.\n";
  return exit_usage;
}

inline int invalid(std::string_view command, const std::string& message) {
  std::cerr << "aiosmpp-pdu " << command << ": " << message << '\n';
  return exit_invalid;
}

inline bool is_help(std::string_view a) {
  return a == "--help" || a == "-h";
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes)
    fmt::format_to(std::back_inserter(out), "{:02x}", b);
  return out;
}

}  // namespace aiosmpp::tools
