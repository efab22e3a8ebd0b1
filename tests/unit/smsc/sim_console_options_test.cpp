// The console's side of aiosmpp-smsc-sim's command line (tools/smsc-sim/args.cpp: --http-*, the
// http_* keys of the --config file) and the simulator's run-time options (Simulator::set_option),
// without sockets.

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "args.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using aiosmpp::smsc_sim::ConsoleOptions;
using aiosmpp::smsc_sim::parse_sim_args;

TEST_CASE("sim command line: --http-* options, and the token from the config file") {
  ConsoleOptions console;
  std::vector<std::string_view> args{"--http-port",    "0",      "--http-host=127.0.0.2",
                                     "--http-threads", "2",      "--http-token",
                                     "a-long-token",   "--port", "0"};
  auto parsed = parse_sim_args(args, &console);
  REQUIRE(parsed);
  CHECK(parsed->port == 0);
  CHECK(console.port == 0);
  CHECK(console.host == "127.0.0.2");
  CHECK(console.threads == 2);
  CHECK(console.token == "a-long-token");
  CHECK_FALSE(console.recent_pdus_set);

  const std::string path = std::string(AIOSMPP_TEST_BINARY_DIR) + "/smsc_sim_console.json";
  {
    std::ofstream out(path);
    out << R"({"http_token": "from-the-file", "http_port": 8080, "recent_pdus": 8, "port": 0})";
  }
  ConsoleOptions from_file;
  std::vector<std::string_view> with_config{"--config", path};
  auto c = parse_sim_args(with_config, &from_file);
  REQUIRE(c);
  CHECK(from_file.token == "from-the-file");
  CHECK(from_file.port == 8080);
  CHECK(from_file.recent_pdus_set);
  CHECK(c->recent_pdus == 8);
  {
    std::ofstream out(path);
    out << R"({"http_tokn": "x"})";
  }
  ConsoleOptions unused;
  try {
    (void)parse_sim_args(with_config, &unused);
    FAIL("an unknown http_ key was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("http_tokn") != std::string::npos);
  }
  std::remove(path.c_str());

  std::vector<std::string_view> short_token{"--http-token", "short"};
  CHECK_THROWS_WITH(parse_sim_args(short_token, &unused), Catch::Contains("8 to 256"));
  std::vector<std::string_view> threads{"--http-threads", "0"};
  CHECK_THROWS_WITH(parse_sim_args(threads, &unused), Catch::Contains("--http-threads"));
  std::vector<std::string_view> ring{"--recent-pdus", "10001"};
  CHECK_THROWS_WITH(parse_sim_args(ring, &unused), Catch::Contains("recent-pdus"));
}

TEST_CASE("simulator: run-time options change what it does, others are refused") {
  asio::io_context io;
  smsc::SimConfig config;
  config.port = 0;
  smsc::Simulator sim(io.get_executor(), config);
  sim.set_option("error_rate", "0.5");
  CHECK(sim.config().error_rate == 0.5);
  sim.set_option("throttle-above", "10");
  CHECK(sim.config().max_submit_rate == 10);
  sim.set_option("response-delay", "10ms-20ms");
  CHECK(sim.config().response_delay.max == std::chrono::milliseconds(20));
  CHECK_THROWS_WITH(sim.set_option("error-rate", "2"), Catch::Contains("error-rate"));
  CHECK(sim.config().error_rate == 0.5);
  CHECK_THROWS_WITH(sim.set_option("port", "1"), Catch::Contains("can change while"));
  // drop-every needs Handlers::on_pdu, installed only with drop-every or recent-pdus at start.
  CHECK_THROWS_WITH(sim.set_option("drop-every", "3"), Catch::Contains("drop-every"));
  CHECK(sim.config().drop_every == 0);
  CHECK(smsc::sim_runtime_options().size() == 13);
  CHECK_THROWS_AS(sim.recent_pdus(1), std::out_of_range);
  CHECK_THROWS_AS(sim.inject_mo(1, smsc::MoMessage{}), std::out_of_range);

  // Several at once: all or nothing, the refused one named.
  const std::vector<smsc::RuntimeOption> mixed{
      {"error-rate", "0.25"}, {"throttle-above", "20"}, {"withhold-rate", "7"}};
  CHECK_THROWS_WITH(sim.set_options(mixed), Catch::Contains("withhold-rate"));
  CHECK(sim.config().error_rate == 0.5);
  CHECK(sim.config().max_submit_rate == 10);
  const std::vector<smsc::RuntimeOption> not_runtime{{"error-rate", "0.25"}, {"port", "1"}};
  CHECK_THROWS_WITH(sim.set_options(not_runtime), Catch::Contains("port"));
  CHECK(sim.config().error_rate == 0.5);
  const std::vector<smsc::RuntimeOption> both{{"error-rate", "0.25"}, {"throttle-above", "20"}};
  sim.set_options(both);
  CHECK(sim.config().error_rate == 0.25);
  CHECK(sim.config().max_submit_rate == 20);

  config.recent_pdus = 4;
  smsc::Simulator recording(io.get_executor(), config);
  recording.set_option("drop-every", "3");
  CHECK(recording.config().drop_every == 3);
}
