#pragma once

// Filling a SqliteCorrelator file with aiosmpplib's correlation entries (aiosmpp-pdu
// import-aiosmpplib --sqlite). Built only with the optional sqlite component.

#include <chrono>
#include <cstddef>
#include <string>

#include "aiosmpp/json/aiosmpplib.hpp"

namespace aiosmpp::tools {

struct SqliteImportResult {
  std::size_t written = 0;  // entries put into the file
  std::size_t expired = 0;  // entries aiosmpplib would already have dropped (not written)
};

// Puts every live delivery entry of `data` into the SqliteCorrelator file `path` (created when
// missing; entries already there are kept), so that each expires when it would have in
// aiosmpplib: at `now` - age + `delivery_ttl` (the entry is written with the correlator's clock
// set back by its age). Waits until the file is committed. Throws SqliteError,
// std::invalid_argument (a ttl out of range).
SqliteImportResult fill_sqlite_correlator(const std::string& path,
                                          const aiosmpplib::CorrelatorData& data,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::system_clock::duration delivery_ttl);

}  // namespace aiosmpp::tools
