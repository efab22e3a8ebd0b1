#pragma once

// aiosmpp-smsc-sim as a child process for the tests that run programs against it (the examples'
// and aiosmpp-send's): started on a port the system picks (its "listening" line read back),
// stopped by its process id with SIGTERM, its final statistics line parsed. The including test
// defines AIOSMPP_SMSC_SIM, the simulator binary's path.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "support/catch.hpp"

namespace examples_test {

/** The counters of the last "stats ..." line of the simulator's stdout. */
inline std::map<std::string, std::uint64_t> stats_of(const std::string& out) {
  std::map<std::string, std::uint64_t> stats;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("stats ", 0) != 0) continue;
    stats.clear();
    const std::regex field(R"((\w+)=(\d+))");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), field);
         it != std::sregex_iterator(); ++it) {
      stats[(*it)[1].str()] = std::stoull((*it)[2].str());
    }
  }
  return stats;
}

/** aiosmpp-smsc-sim on 127.0.0.1, a port the system picks, with `options` added. */
class Simulator {
 public:
  Simulator(const std::filesystem::path& dir, std::vector<std::string> options)
      : process_(arguments(std::move(options)), dir / "sim.out", dir / "sim.err") {
    // Debug builds under ASan start slowly on a loaded 2-core machine: a generous limit.
    const auto deadline = Process::Clock::now() + std::chrono::seconds(20);
    const std::regex listening(R"(listening 127\.0\.0\.1:(\d+)\n)");
    for (;;) {
      std::smatch m;
      const auto out = process_.out();
      if (std::regex_search(out, m, listening)) {
        port_ = m[1].str();
        break;
      }
      if (process_.poll()) FAIL("aiosmpp-smsc-sim exited at start: " << process_.err());
      if (Process::Clock::now() >= deadline) FAIL("aiosmpp-smsc-sim: no listening line");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  const std::string& port() const noexcept { return port_; }

  /** Stops it with SIGTERM (what it documents as the clean shutdown) and returns the counters of
   *  its final statistics line. */
  std::map<std::string, std::uint64_t> stop() {
    const int code = process_.stop(std::chrono::seconds(10));
    INFO("simulator stderr: " << process_.err());
    CHECK(code == 0);
    return stats_of(process_.out());
  }

 private:
  static std::vector<std::string> arguments(std::vector<std::string> options) {
    std::vector<std::string> argv{AIOSMPP_SMSC_SIM, "--port", "0", "--stats-interval", "0",
                                  "--log-level",    "warning"};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
  }

  Process process_;
  std::string port_;
};

}  // namespace examples_test
