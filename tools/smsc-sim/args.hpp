#pragma once

// aiosmpp-smsc-sim's command line: `--name value`, `--name=value`, `--config file.json` (applied
// where it appears, so later flags override it) and `--help`. Every option is set through the
// library's apply_sim_option(), the same setter the config file and MO file lines use, so the
// three accept exactly the same values.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "aiosmpp/smsc/simulator.hpp"

namespace aiosmpp::smsc_sim {

/** Parses the arguments (argv[0] excluded). @return nullopt when --help was given.
 *  @throws std::invalid_argument naming the option. */
std::optional<smsc::SimConfig> parse_sim_args(std::span<const std::string_view> args);

/** The option reference printed by --help. */
std::string sim_usage();

}  // namespace aiosmpp::smsc_sim
