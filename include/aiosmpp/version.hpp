#pragma once

/** @file
 *  @brief The library's version, at compile time and as linked. */

#include <string_view>

/** @brief Major version of the headers. */
#define AIOSMPP_VERSION_MAJOR 0
/** @brief Minor version of the headers. */
#define AIOSMPP_VERSION_MINOR 1
/** @brief Patch version of the headers. */
#define AIOSMPP_VERSION_PATCH 0

namespace aiosmpp {

/** @brief The version of the headers being compiled, as "major.minor.patch". */
inline constexpr std::string_view header_version = "0.1.0";

/** @brief The version of the library that was linked, as "major.minor.patch".
 *
 *  Differs from @ref header_version only when headers and binary come from different releases. */
std::string_view version() noexcept;

}  // namespace aiosmpp
