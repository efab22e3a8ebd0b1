// docs/guides/logging.md: the Esme's structured logs, where they go, and the breach buffer.
// Runs without a network: it configures the logging an Esme would use and writes a few records.

#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/log.hpp"

int main() {
  try {
    asio::io_context io;
    {
      // snippet-begin: level
      // The simplest: JSON lines on stderr at EsmeConfig::log_level, with your own metadata.
      aiosmpp::EsmeConfig config{.system_id = "acme", .password = "secret"};
      config.log_level = aiosmpp::LogLevel::debug;
      config.log_metadata = aiosmpp::LogMetadata{{"service", "billing"}, {"region", "eu-1"}};
      aiosmpp::Esme esme(io.get_executor(), config);
      // snippet-end: level
    }

    // snippet-begin: sinks
    // Your own destination and format: human-readable lines to stdout at INFO...
    auto text = std::make_shared<aiosmpp::TextSink>(stdout);
    // ...or keep the last 2000 records of any level in memory and write them out, oldest first,
    // only when an ERROR happens: quiet logs that still show what led to each failure.
    auto breach = std::make_shared<aiosmpp::BreachSink>(
        text, aiosmpp::BreachSink::Options{.capacity = 2000, .trigger = aiosmpp::LogLevel::error});
    aiosmpp::Logger logger(breach, aiosmpp::LogLevel::trace, {{"service", "billing"}});

    aiosmpp::EsmeConfig config{.system_id = "acme", .password = "secret"};
    aiosmpp::Esme esme(io.get_executor(), config,
                       {.logger = std::make_shared<aiosmpp::Logger>(logger)});
    // snippet-end: sinks

    // snippet-begin: own
    // The application can log through the same logger; fields are typed, and secrets are
    // redacted by key before any sink sees them.
    AIOSMPP_LOG(logger, aiosmpp::LogLevel::debug, "campaign_started", {"campaign", "spring"},
                {"recipients", 1200}, {"api_key", "k-123"});
    // snippet-end: own
    if (breach->buffered() != 1) throw std::runtime_error("a DEBUG record waits in the ring");

    std::ostringstream out;
    aiosmpp::Logger json(std::make_shared<aiosmpp::JsonLinesSink>(out));
    json.log(aiosmpp::LogLevel::info, "demo", {{"password", "hunter2"}});
    if (out.str().find("hunter2") != std::string::npos) throw std::runtime_error("secret logged");
    std::cout << out.str();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
