#pragma once

// aiosmpp-pdu import-aiosmpplib: aiosmpplib's persisted JSON into aiosmpp's (and, when the
// sqlite component is built, into a SqliteCorrelator file).

#include <string_view>
#include <vector>

namespace aiosmpp::tools {

// Runs the command with the arguments after its name; returns the exit status.
int cmd_import_aiosmpplib(const std::vector<std::string_view>& args);

}  // namespace aiosmpp::tools
