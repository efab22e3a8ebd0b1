#pragma once

// aiosmpp-send's run: an aiosmpp::Esme fed from the input (or the --state file), a Hook writing
// every outcome, the progress, SIGINT/SIGTERM, and the exit status.

#include "input.hpp"
#include "options.hpp"

namespace aiosmpp::send {

/** Sends `input` (ignored when --state resumes an earlier run) and returns the exit status.
 *  @throws std::exception for what ends the run before sending (files that cannot be opened). */
int run_send(const SendOptions& options, Input input);

}  // namespace aiosmpp::send
