#pragma once

// aiosmpp-smsc-sim's web console (docs/simulator.md, "Web console"): one page, a JSON API and
// /metrics, served by cpp-httplib on threads of its own. The simulator lives on its io_context's
// executor and is not thread-safe, so every request that reads or changes it is posted there and
// waited for (at most request_wait); the HTTP threads never touch it themselves.

#include <chrono>
#include <cstdint>
#include <memory>

#include <asio/any_io_executor.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "args.hpp"

namespace aiosmpp::smsc_sim {

/** The console of one Simulator. Construct, start(), and stop() before the Simulator goes. */
class Console {
 public:
  /** How long a request waits for the simulator's executor before it gets 503. */
  static constexpr std::chrono::seconds request_wait{2};

  Console(smsc::Simulator& sim, asio::any_io_executor executor, ConsoleOptions options);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  /** Binds options.host:options.port and starts serving on its own threads.
   *  @return the bound port. @throws std::runtime_error when it cannot bind. */
  std::uint16_t start();
  /** Stops serving and joins its threads (requests in progress finish first). Idempotent. */
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/** The page (HTML) and its script, embedded in the binary. */
extern const char* const console_page_html;
extern const char* const console_page_js;

}  // namespace aiosmpp::smsc_sim
