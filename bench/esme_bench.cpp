// esme_bench: binds a transceiver, sends N submit_sm through the Esme with a window of W, waits
// for all N outcomes, unbinds (answering any deliver_sm meanwhile), and prints one line:
//
//   RESULT aiosmpp n=N seconds=S msgs_per_s=R
//
// and, with one Esme (not --binds), the submit-to-response latency from its metrics:
//
//   LATENCY aiosmpp p50_ms=A p90_ms=B p99_ms=C p999_ms=D
//
// each the upper bound of the LatencyHistogram bucket the quantile falls in (buckets double
// from 50 us), so a coarse but allocation-free figure; bench/charts.sh draws them.
//
//   esme_bench --host H --port P --count N --window W [--text T] [--binds N [--rate R]]
//              [--tls-ca FILE [--tls-server-name NAME]] [--flow-control on|off]
//              [--requeue-limit L]
//
// --binds N sends through an EsmePool of N transceivers to the same host (window W each) instead
// of one Esme; --rate R gives the pool one budget of R messages per second for all of them
// (default: none).
//
// --tls-ca turns TLS on, verifying the SMSC's certificate against FILE and its name against
// NAME (default: --host); the handshake is part of connecting, so outside the clock.
//
// --flow-control off turns the adaptive rate (EsmeConfig::flow_control, on by default) off, to
// measure what it costs when the SMSC never throttles.
//
// --requeue-limit L sets EsmeConfig::requeue_limit (default 0: 4 x window), the most messages
// waiting to be sent again after ESME_RTHROTTLED / ESME_RMSGQFUL.
//
// The clock runs from the first enqueue to the last outcome (bind and unbind excluded). The
// broker is fed from the same thread, so the producer's cost is part of the figure.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/esme/pool.hpp"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
  std::uint64_t count = 100'000;
  std::size_t window = 100;
  std::string text = "Hello from aiosmpp esme_bench";
  std::string tls_ca;             // empty: plain TCP
  std::string tls_server_name;    // empty: host
  std::size_t binds = 0;          // 0: one Esme; N: an EsmePool of N binds
  double rate = 0;                // the pool's budget; 0: none
  bool flow_control = true;       // EsmeConfig::flow_control.enabled
  std::size_t requeue_limit = 0;  // EsmeConfig::requeue_limit; 0: 4 x window
};

[[noreturn]] void usage(const char* argv0, const char* why) {
  std::fprintf(stderr,
               "esme_bench: %s\nusage: %s --host H --port P --count N --window W [--text T] "
               "[--binds N [--rate R]] [--tls-ca FILE [--tls-server-name NAME]] "
               "[--flow-control on|off] [--requeue-limit L]\n",
               why, argv0);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage(argv[0], "missing value");
    const char* value = argv[i + 1];
    char* end = nullptr;
    if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      const unsigned long p = std::strtoul(value, &end, 10);
      if (*end != '\0' || p == 0 || p > 65535) usage(argv[0], "--port must be 1..65535");
      o.port = static_cast<std::uint16_t>(p);
    } else if (arg == "--count") {
      o.count = std::strtoull(value, &end, 10);
      if (*end != '\0' || o.count == 0) usage(argv[0], "--count must be >= 1");
    } else if (arg == "--window") {
      o.window = std::strtoul(value, &end, 10);
      if (*end != '\0' || o.window == 0 || o.window > 65536) {
        usage(argv[0], "--window must be 1..65536");
      }
    } else if (arg == "--text") {
      o.text = value;
      if (o.text.size() > 254) usage(argv[0], "--text must be at most 254 octets");
    } else if (arg == "--tls-ca") {
      o.tls_ca = value;
      if (o.tls_ca.empty()) usage(argv[0], "--tls-ca must name a PEM file");
    } else if (arg == "--tls-server-name") {
      o.tls_server_name = value;
    } else if (arg == "--binds") {
      o.binds = std::strtoul(value, &end, 10);
      if (*end != '\0' || o.binds == 0 || o.binds > 1024) usage(argv[0], "--binds must be 1..1024");
    } else if (arg == "--flow-control") {
      const std::string_view v = value;
      if (v != "on" && v != "off") usage(argv[0], "--flow-control must be on or off");
      o.flow_control = v == "on";
    } else if (arg == "--requeue-limit") {
      o.requeue_limit = std::strtoul(value, &end, 10);
      if (*end != '\0') usage(argv[0], "--requeue-limit must be a number (0: 4 x window)");
    } else if (arg == "--rate") {
      o.rate = std::strtod(value, &end);
      if (*end != '\0' || !(o.rate > 0) || o.rate > 1e7) {
        usage(argv[0], "--rate must be a number of messages per second, > 0 and <= 10000000");
      }
    } else {
      usage(argv[0], "unknown option");
    }
  }
  if (!o.tls_server_name.empty() && o.tls_ca.empty()) {
    usage(argv[0], "--tls-server-name needs --tls-ca");
  }
  if (o.rate > 0 && o.binds == 0) usage(argv[0], "--rate needs --binds");
  return o;
}

asio::awaitable<void> wait_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
}

}  // namespace

// One Esme or a pool, as the bench drives it: start, the counters, stop.
struct Sender {
  std::function<asio::awaitable<void>()> connect;  // fails early when the SMSC is not there
  std::function<asio::awaitable<void>()> start;
  std::function<asio::awaitable<void>()> stop;
  std::function<aiosmpp::EsmeStats()> stats;           // in total
  std::function<aiosmpp::LatencyHistogram()> latency;  // empty for a pool
};

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  asio::io_context io(1);

  aiosmpp::EsmeConfig cfg;
  cfg.smsc_host = o.host;
  cfg.smsc_port = o.port;
  cfg.system_id = "bench";
  cfg.password = "bench";
  cfg.window = o.window;
  cfg.response_timeout = std::chrono::seconds(60);
  cfg.log_level = aiosmpp::LogLevel::warning;
  cfg.flow_control.enabled = o.flow_control;
  cfg.requeue_limit = o.requeue_limit;  // the Esme's validate() names a value out of range
  if (!o.tls_ca.empty()) {
    cfg.tls.enabled = true;
    cfg.tls.ca_file = o.tls_ca;
    cfg.tls.server_name = o.tls_server_name;
  }
  auto broker = std::make_shared<aiosmpp::SimpleBroker>(
      io.get_executor(),
      std::max<std::size_t>(4 * o.window * std::max<std::size_t>(o.binds, 1), 8192));
  std::unique_ptr<aiosmpp::Esme> esme;
  std::unique_ptr<aiosmpp::EsmePool> pool;
  Sender sender;
  if (o.binds == 0) {
    esme = std::make_unique<aiosmpp::Esme>(io.get_executor(), cfg,
                                           aiosmpp::Components{.broker = broker});
    sender = {[&]() { return esme->connect(); }, [&]() { return esme->start(); },
              [&]() { return esme->stop(); }, [&]() { return esme->stats(); },
              [&]() { return esme->metrics().response_latency; }};
  } else {
    aiosmpp::EsmePoolConfig pc;
    pc.esme = cfg;
    pc.hosts = {aiosmpp::PoolHost{.host = o.host, .port = o.port, .binds = o.binds}};
    pc.rate = o.rate;
    pool = std::make_unique<aiosmpp::EsmePool>(io.get_executor(), pc,
                                               aiosmpp::PoolComponents{.broker = broker});
    // The pool binds in start(); the first outcome shows the SMSC is there.
    sender = {[]() -> asio::awaitable<void> { co_return; }, [&]() { return pool->start(); },
              [&]() { return pool->stop(); }, [&]() { return pool->stats().total; }};
  }

  double seconds = 0;
  int exit_code = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await sender.connect();  // throws when the SMSC is not there or rejects the bind
        bool started_done = false;
        asio::co_spawn(co_await asio::this_coro::executor, sender.start(),
                       [&](std::exception_ptr e) {
                         started_done = true;
                         if (e) {
                           try {
                             std::rethrow_exception(e);
                           } catch (const std::exception& x) {
                             std::fprintf(stderr, "esme_bench: start() failed: %s\n", x.what());
                           }
                         }
                       });
        aiosmpp::SubmitSm proto;
        proto.source = aiosmpp::PhoneNumber("254722111111");
        proto.destination = aiosmpp::PhoneNumber("254722999999");
        proto.short_message = o.text;
        const auto t0 = std::chrono::steady_clock::now();
        for (std::uint64_t i = 0; i < o.count; ++i) {
          aiosmpp::Pdu m = proto;
          if (!broker->try_enqueue(m)) co_await broker->enqueue(std::move(m));
        }
        for (;;) {
          const auto st = sender.stats();
          if (st.responses + st.send_errors >= o.count) break;
          co_await wait_ms(1);
        }
        const auto t1 = std::chrono::steady_clock::now();
        seconds = std::chrono::duration<double>(t1 - t0).count();
        co_await sender.stop();
        while (!started_done)
          co_await wait_ms(1);
        const auto stats = sender.stats();
        std::printf(
            "responses=%llu send_errors=%llu max_in_flight=%llu connects=%llu throttled=%llu "
            "requeued=%llu\n",
            static_cast<unsigned long long>(stats.responses),
            static_cast<unsigned long long>(stats.send_errors),
            static_cast<unsigned long long>(stats.max_in_flight),
            static_cast<unsigned long long>(stats.connects),
            static_cast<unsigned long long>(stats.throttled),
            static_cast<unsigned long long>(stats.requeued));
        if (stats.send_errors != 0) exit_code = 1;
      },
      [&](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            std::fprintf(stderr, "esme_bench: %s\n", x.what());
          }
          exit_code = 1;
        }
      });
  io.run();
  if (seconds <= 0) return exit_code == 0 ? 1 : exit_code;
  std::printf("RESULT aiosmpp n=%llu seconds=%.3f msgs_per_s=%.0f\n",
              static_cast<unsigned long long>(o.count), seconds,
              static_cast<double>(o.count) / seconds);
  if (sender.latency) {
    const auto h = sender.latency();
    std::printf("LATENCY aiosmpp p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f\n",
                h.quantile(0.5) * 1e3, h.quantile(0.9) * 1e3, h.quantile(0.99) * 1e3,
                h.quantile(0.999) * 1e3);
  }
  return exit_code;
}
