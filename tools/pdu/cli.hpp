#pragma once

// What aiosmpp-pdu's commands share: exit statuses and how usage errors and invalid input are
// reported.

#include <iostream>
#include <string>
#include <string_view>

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

}  // namespace aiosmpp::tools
