#pragma once

// The hostile-client suite's plumbing: the aiosmpp-smsc-sim process (started with --port 0, its
// `listening` and `stats` lines read from its stdout file, its RSS and CPU time read from /proc,
// stopped by its process id) and the check every case ends with: a fresh client binds and gets a
// submit_sm_resp within 1 s.

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/pdu/codec.hpp"
#include "examples/process.hpp"
#include "smsc/raw_client.hpp"
#include "support/run_coro.hpp"

namespace aiosmpp::hostile {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Sanitizer builds need more memory for the same work (shadow memory, redzones, quarantine), so
// the RSS bounds the suite states are scaled there.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::size_t rss_scale = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr std::size_t rss_scale = 4;
#else
inline constexpr std::size_t rss_scale = 1;
#endif
#else
inline constexpr std::size_t rss_scale = 1;
#endif

// After a flood, AddressSanitizer's quarantine (256 MB by default) keeps freed blocks resident
// beyond any scale of the bound: this much more is allowed then (the simulator now also maps
// OpenSSL when built with TLS).
inline constexpr std::size_t rss_quarantine_kib = rss_scale > 1 ? 32 * 1024 : 0;

/** The simulator under test, on a free port. */
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> flags, const std::string& name) {
    const std::filesystem::path dir = AIOSMPP_HOSTILE_WORK_DIR;
    std::filesystem::create_directories(dir);
    out_ = dir / (name + ".out");
    err_ = dir / (name + ".err");
    std::vector<std::string> argv{AIOSMPP_SMSC_SIM, "--port",      "0",      "--stats-interval",
                                  "100ms",          "--log-level", "warning"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<examples_test::Process>(argv, out_, err_);
    const auto until = Clock::now() + 20s;
    while (Clock::now() < until) {
      const auto text = examples_test::read_file(out_);
      if (auto at = text.find("listening 127.0.0.1:"); at != std::string::npos) {
        const auto end = text.find('\n', at);
        if (end != std::string::npos) {
          port_ = static_cast<std::uint16_t>(std::stoul(text.substr(at + 20, end - at - 20)));
          return;
        }
      }
      if (process_->poll()) break;
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("aiosmpp-smsc-sim did not start: " + process_->err());
  }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  asio::ip::tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), port_}; }
  bool running() { return !process_->poll(); }

  /** Resident set size now, in KiB (VmRSS). */
  std::size_t rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
  }
  /** CPU time used so far (user + system), in seconds. */
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) start after the last ')'.
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  /** The counters of the last stats line (printed every 100 ms). */
  std::map<std::string, std::uint64_t> stats() const {
    const auto text = examples_test::read_file(out_);
    const auto at = text.rfind("stats ");
    std::map<std::string, std::uint64_t> out;
    if (at == std::string::npos) return out;
    std::istringstream line(text.substr(at + 6, text.find('\n', at) - at - 6));
    std::string kv;
    while (line >> kv) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) out[kv.substr(0, eq)] = std::stoull(kv.substr(eq + 1));
    }
    return out;
  }
  /** Waits (up to `within`) until the stats line satisfies `pred`. */
  template <class Pred>
  bool wait_stats(Pred pred, std::chrono::milliseconds within) const {
    const auto until = Clock::now() + within;
    for (;;) {
      if (pred(stats())) return true;
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  /** SIGTERM; returns the exit status and how long it took to exit. */
  std::pair<int, std::chrono::milliseconds> terminate(std::chrono::milliseconds grace) {
    const auto start = Clock::now();
    const int rc = process_->stop(grace);
    return {rc, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)};
  }
  std::string err() const { return process_->err(); }

 private:
  std::filesystem::path out_;
  std::filesystem::path err_;
  std::unique_ptr<examples_test::Process> process_;
  std::uint16_t port_ = 0;
};

/** Raises this process's descriptor limit (children inherit it); returns the soft limit. */
inline rlim_t raise_fd_limit(rlim_t want) {
  rlimit l{};
  ::getrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur < want) {
    l.rlim_cur = std::min(want, l.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &l);
    ::getrlimit(RLIMIT_NOFILE, &l);
  }
  return l.rlim_cur;
}

inline SubmitSm a_submit(RegisteredDelivery rd = RegisteredDelivery::none) {
  SubmitSm s;
  s.source = PhoneNumber("12345");
  s.destination = PhoneNumber("447700900123");
  s.short_message = "hostile suite";
  s.registered_delivery = rd;
  return s;
}

/** `n` submit_sm encoded back to back with sequence numbers from `first`. */
inline std::vector<std::uint8_t> submits(std::size_t n, std::uint32_t first,
                                         RegisteredDelivery rd) {
  std::vector<std::uint8_t> one;
  encode(a_submit(rd), one).value();
  std::vector<std::uint8_t> out;
  out.reserve(one.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto at = out.size();
    out.insert(out.end(), one.begin(), one.end());
    const auto seq = static_cast<std::uint32_t>(first + i);
    for (int b = 0; b < 4; ++b)
      out[at + 12 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(seq >> (24 - 8 * b));
  }
  return out;
}

/** The check after every case: a new connection binds and one of `tries` submit_sm is answered
 *  ESME_ROK, all within 1 s of connecting. Returns the time it took. */
inline std::chrono::milliseconds fresh_client(const SimProcess& sim, int tries = 1,
                                              const char* system_id = "fresh",
                                              const char* password = "pw") {
  asio::io_context io;
  auto took = std::chrono::milliseconds::max();
  test::run_coro(
      io,
      [&]() -> asio::awaitable<void> {
        test::RawClient c(io.get_executor());
        const auto start = Clock::now();
        co_await c.connect(sim.endpoint());
        co_await c.bind(system_id, password);
        for (int i = 0; i < tries; ++i) {
          const auto s = a_submit();
          co_await c.send(s);
        }
        for (;;) {
          const auto left =
              1000ms - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
          if (left <= 0ms) co_return;
          auto r = co_await c.read(left);
          if (!r.pdu) co_return;
          if (auto* resp = std::get_if<SubmitSmResp>(&*r.pdu);
              resp != nullptr && resp->header.command_status == CommandStatus::ok) {
            took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            co_return;
          }
        }
      }(),
      10s);
  return took;
}

}  // namespace aiosmpp::hostile
