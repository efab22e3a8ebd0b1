#pragma once

// aiosmpp-smsc-sim's command line: `--name value`, `--name=value`, `--config file.json` (applied
// where it appears, so later flags override it) and `--help`. Every option is set through the
// library's apply_sim_option(), the same setter the config file and MO file lines use, so the
// three accept exactly the same values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "aiosmpp/smsc/simulator.hpp"

namespace aiosmpp::smsc_sim {

/** The web console's options (--http-*; docs/simulator.md, "Web console"). They belong to the
 *  tool, not to SimConfig: the library serves no HTTP. */
struct ConsoleOptions {
  std::optional<std::uint16_t> port;  ///< unset: no console
  std::string host = "127.0.0.1";
  std::string token;             ///< empty: the console is read-only
  std::size_t threads = 4;       ///< httplib worker threads (1-64)
  std::size_t queue = 16;        ///< accepted connections waiting for a worker (1-1024)
  std::size_t max_body = 16384;  ///< request body octets (larger: 413)
  /** --recent-pdus given: it is kept even with the console (which otherwise sets 32). */
  bool recent_pdus_set = false;
};

/** Parses the arguments (argv[0] excluded); the --http-* options (on the command line or as
 *  http_* keys of the --config file) go to `console` when given. @return nullopt when --help
 *  was given. @throws std::invalid_argument naming the option. */
std::optional<smsc::SimConfig> parse_sim_args(std::span<const std::string_view> args,
                                              ConsoleOptions* console = nullptr);

/** Sets one --http-* option (`name` without dashes, '_' or '-'); false when `name` is not one.
 *  @throws std::invalid_argument naming the option and what it allows. */
bool apply_console_option(ConsoleOptions& console, std::string_view name, std::string_view value);

/** The option reference printed by --help. */
std::string sim_usage();

}  // namespace aiosmpp::smsc_sim
