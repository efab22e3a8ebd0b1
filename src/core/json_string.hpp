#pragma once
// JSON string output shared by the log records (core/log_format.cpp) and the outcome records
// (json/outcome.cpp), both written on hot paths without building an nlohmann document.

#include <string>
#include <string_view>

namespace aiosmpp::detail {

/// Appends `text` as a JSON string: plain printable ASCII is copied as it is; anything else goes
/// through nlohmann's serializer, which escapes and replaces invalid UTF-8 with U+FFFD, so the
/// output is the same as nlohmann's dump with error_handler_t::replace.
void append_json_string(std::string_view text, std::string& out);

}  // namespace aiosmpp::detail
