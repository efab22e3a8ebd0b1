// aiosmpp-smsc-sim's command line (tools/smsc-sim/args.cpp): flag forms, --config where it
// appears, --help, and errors that name the argument.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace std::chrono_literals;
using aiosmpp::smsc_sim::parse_sim_args;
using aiosmpp::smsc_sim::sim_usage;

TEST_CASE("sim command line: later flags override the config file, --help, missing values") {
  const std::string path = std::string(AIOSMPP_TEST_BINARY_DIR) + "/smsc_sim_args_config.json";
  {
    std::ofstream out(path);
    out << R"({"port": 3000, "stats_interval": "1s"})";
  }
  std::vector<std::string_view> args{"--config",       path,     "--port=0",
                                     "--refuse-binds", "--host", "0.0.0.0"};
  auto parsed = parse_sim_args(args);
  std::remove(path.c_str());
  REQUIRE(parsed);
  CHECK(parsed->port == 0);
  CHECK(parsed->stats_interval == 1000ms);
  CHECK(parsed->refuse_binds == CommandStatus::bind_failed);
  CHECK(parsed->host == "0.0.0.0");
  std::vector<std::string_view> bare_last{"--refuse-binds"};
  auto refused = parse_sim_args(bare_last);
  REQUIRE(refused);
  CHECK(refused->refuse_binds == CommandStatus::bind_failed);
  std::vector<std::string_view> help{"--port", "1", "--help"};
  CHECK_FALSE(parse_sim_args(help));
  std::vector<std::string_view> missing{"--port"};
  CHECK_THROWS_AS(parse_sim_args(missing), std::invalid_argument);
  std::vector<std::string_view> stray{"port"};
  CHECK_THROWS_AS(parse_sim_args(stray), std::invalid_argument);
  std::vector<std::string_view> unreadable{"--config", "/nonexistent/sim.json"};
  CHECK_THROWS_AS(parse_sim_args(unreadable), std::invalid_argument);
  CHECK(sim_usage().find("--max-submit-rate") != std::string::npos);
}
