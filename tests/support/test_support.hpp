#pragma once

// Small helpers shared by the tests: hex in and out, test data files.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aiosmpp::test {

/** Bytes from hex digits; spaces, tabs, newlines and ':' are ignored. Throws on anything else. */
std::vector<std::uint8_t> from_hex(std::string_view hex);

/** Lower-case hex digits, no separators. */
std::string to_hex(std::span<const std::uint8_t> bytes);

/** `s` written `n` times. */
std::string repeat(std::string_view s, std::size_t n);

/** Whole file as a string; throws when it can't be read. */
std::string read_file(const std::string& path);

}  // namespace aiosmpp::test
