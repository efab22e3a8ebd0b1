// aiosmpp-smsc-sim: an SMPP 3.4 SMSC simulator. Options: --help and docs/simulator.md.

#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "aiosmpp/log.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "args.hpp"
#ifdef AIOSMPP_SIM_CONSOLE
#include "console.hpp"
#endif

namespace {

void print_line(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  std::optional<aiosmpp::smsc::SimConfig> config;
  aiosmpp::smsc_sim::ConsoleOptions console_options;
  try {
    config = aiosmpp::smsc_sim::parse_sim_args(args, &console_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiosmpp-smsc-sim: %s\n", e.what());
    return 2;
  }
  if (!config) {
    std::fputs(aiosmpp::smsc_sim::sim_usage().c_str(), stdout);
    return 0;
  }
#ifndef AIOSMPP_SIM_CONSOLE
  if (console_options.port) {
    std::fputs(
        "aiosmpp-smsc-sim: --http-port: this build has no web console (cpp-httplib was "
        "not found when it was built)\n",
        stderr);
    return 2;
  }
#else
  // The console shows each session's recent PDUs unless told otherwise.
  if (console_options.port && !console_options.recent_pdus_set) config->recent_pdus = 32;
#endif
  try {
    asio::io_context io(1);
    // Logs go to stderr, so that stdout carries only the listening and stats lines.
    aiosmpp::Logger logger(std::make_shared<aiosmpp::TextSink>(stderr), config->log_level,
                           {{"component", "smsc-sim"}});
    aiosmpp::smsc::Simulator sim(io.get_executor(), *config, logger);
    const auto at = sim.listen();
    print_line(fmt::format("listening {}:{}", at.address().to_string(), at.port()));
    // A TLS port beside the plain one (--tls-port) gets its own line, after the plain port's.
    if (auto tls = sim.tls_endpoint(); tls && *tls != at) {
      print_line(fmt::format("listening tls {}:{}", tls->address().to_string(), tls->port()));
    }
    sim.on_stats(print_line);
#ifdef AIOSMPP_SIM_CONSOLE
    std::optional<aiosmpp::smsc_sim::Console> console;
    if (console_options.port) {
      console.emplace(sim, io.get_executor(), console_options);
      const auto port = console->start();
      print_line(fmt::format("console http://{}:{}/", console_options.host, port));
    }
#endif

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int signal) {
      if (ec) return;
      logger.log(aiosmpp::LogLevel::info, "signal", {{"signal", signal}});
      sim.stop();
    });
    int rc = 0;
    asio::co_spawn(io, sim.run(), [&](std::exception_ptr e) {
      signals.cancel();
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "aiosmpp-smsc-sim: %s\n", ex.what());
        rc = 1;
      }
    });
    io.run();
#ifdef AIOSMPP_SIM_CONSOLE
    // Its requests wait for this io_context, which no longer runs: they get 503 meanwhile.
    if (console) console->stop();
#endif
    print_line(aiosmpp::smsc::format_stats(sim.stats()));
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiosmpp-smsc-sim: %s\n", e.what());
    return 1;
  }
}
