// docs/guides/metrics.md: an Esme's metrics in the Prometheus text format, for one Esme and for
// several. Runs without a network: the snapshots of Esmes that have not connected yet are zeros,
// which is enough to show (and check) the exposition.

#include <array>
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/esme/metrics.hpp"

int main() {
  try {
    asio::io_context io;
    aiosmpp::Esme esme(io.get_executor(), {.system_id = "acme", .password = "secret"});
    aiosmpp::Esme esme_a(io.get_executor(), {.system_id = "acme-a", .password = "secret"});
    aiosmpp::Esme esme_b(io.get_executor(), {.system_id = "acme-b", .password = "secret"});
    {
      // snippet-begin: one
      // On the Esme's executor (from a coroutine or a handler running there):
      std::string body;
      aiosmpp::write_prometheus(esme.metrics(), esme.client_id(), body);
      // serve `body` as text/plain; version=0.0.4 on /metrics
      // snippet-end: one
      if (body.find("# TYPE aiosmpp_esme_taken_total counter\n") == std::string::npos)
        throw std::runtime_error("no taken_total family");
      std::cout << body.substr(0, body.find("# HELP aiosmpp_esme_outcome"));
    }
    std::string body;
    // snippet-begin: several
    const auto a = esme_a.metrics();
    const auto b = esme_b.metrics();
    const std::array<aiosmpp::LabelledMetrics, 2> all{
        {{esme_a.client_id(), &a}, {esme_b.client_id(), &b}}};
    aiosmpp::write_prometheus(all, body);
    // snippet-end: several
    const std::string family = "# HELP aiosmpp_esme_window ";
    const auto at = body.find(family);
    if (at == std::string::npos || body.find(family, at + 1) != std::string::npos)
      throw std::runtime_error("each family's HELP once");
    if (body.find("aiosmpp_esme_window{client_id=\"" + std::string(esme_b.client_id()) +
                  "\"} 64\n") == std::string::npos)
      throw std::runtime_error("one window sample per Esme");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
