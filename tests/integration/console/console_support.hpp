#pragma once

// The simulator with its web console as a child process (a free loopback port for SMPP and one
// for HTTP, both read back from its stdout), the clients the console tests run against it (the
// receiver example, aiosmpp-send), an HTTP client, and /metrics parsed back. Every process is
// stopped by its process id. The including test defines AIOSMPP_SMSC_SIM, AIOSMPP_SEND,
// AIOSMPP_RECEIVER and AIOSMPP_CONSOLE_WORK_DIR.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "examples/process.hpp"
#include "support/catch.hpp"

namespace console_test {

using examples_test::Process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline constexpr const char* token = "console-test-token";

inline fs::path work_dir(const std::string& name) {
  auto dir = fs::path(AIOSMPP_CONSOLE_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/** aiosmpp-smsc-sim --http-port 0 with `options`; port() is SMPP's, http_port() the console's. */
class ConsoleSim {
 public:
  ConsoleSim(const fs::path& dir, std::vector<std::string> options)
      : process_(arguments(std::move(options)), dir / "sim.out", dir / "sim.err") {
    const auto deadline = Process::Clock::now() + 20s;
    const std::regex lines(R"(listening 127\.0\.0\.1:(\d+)\nconsole http://127\.0\.0\.1:(\d+)/\n)");
    for (;;) {
      std::smatch m;
      const auto out = process_.out();
      if (std::regex_search(out, m, lines)) {
        port_ = m[1].str();
        http_port_ = std::stoi(m[2].str());
        break;
      }
      if (process_.poll()) FAIL("aiosmpp-smsc-sim exited at start: " << process_.err());
      if (Process::Clock::now() >= deadline) FAIL("aiosmpp-smsc-sim: no console line: " << out);
      std::this_thread::sleep_for(5ms);
    }
  }
  const std::string& port() const noexcept { return port_; }
  int http_port() const noexcept { return http_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_) + "/"; }
  /** SIGTERM: the simulator and its console end cleanly (exit 0). */
  void stop() {
    const int code = process_.stop(10s);
    INFO("simulator stderr: " << process_.err());
    CHECK(code == 0);
  }

 private:
  static std::vector<std::string> arguments(std::vector<std::string> options) {
    std::vector<std::string> argv{
        AIOSMPP_SMSC_SIM, "--port",           "0", "--http-port", "0", "--log-level",
        "warning",        "--stats-interval", "0"};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
  }
  Process process_;
  std::string port_;
  int http_port_ = 0;
};

/** An HTTP client of the console. */
class Http {
 public:
  explicit Http(int port) : client_("127.0.0.1", port) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(10);
  }
  httplib::Result get(const std::string& path) { return client_.Get(path.c_str()); }
  httplib::Result post(const std::string& path, const httplib::Params& params,
                       std::optional<std::string> bearer = std::nullopt) {
    httplib::Headers headers;
    if (bearer) headers.emplace("Authorization", "Bearer " + *bearer);
    return client_.Post(path.c_str(), headers, params);
  }
  nlohmann::json state() {
    auto r = get("/api/state");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
  }

 private:
  httplib::Client client_;
};

/** The id of the first session in `state`, bound as `bind_state`, or 0. */
inline std::uint64_t session_in(const nlohmann::json& state, const std::string& bind_state) {
  for (const auto& s : state.at("sessions")) {
    if (s.at("state") == bind_state) return s.at("id").get<std::uint64_t>();
  }
  return 0;
}

/** Polls /api/state until a session is bound as `bind_state` (at most 20 s). */
inline std::uint64_t wait_for_session(Http& http, const std::string& bind_state) {
  const auto deadline = Process::Clock::now() + 20s;
  for (;;) {
    if (auto id = session_in(http.state(), bind_state)) return id;
    if (Process::Clock::now() >= deadline) FAIL("no session bound as " << bind_state);
    std::this_thread::sleep_for(50ms);
  }
}

/** The receiver example bound to `sim`, exiting after `count` messages (or 40 s). */
inline Process receiver(const ConsoleSim& sim, const fs::path& dir, int count) {
  return Process(
      {AIOSMPP_RECEIVER, "--port", sim.port(), "--count", std::to_string(count), "--seconds", "40"},
      dir / "receiver.out", dir / "receiver.err");
}

/** A CSV of `n` messages for aiosmpp-send. */
inline fs::path messages_csv(const fs::path& dir, int n) {
  const auto path = dir / "in.csv";
  std::ofstream out(path);
  out << "destination,text\n";
  for (int i = 0; i < n; ++i)
    out << "4477009" << (10000 + i) << ",console test " << i << "\n";
  return path;
}

/** aiosmpp-send of `csv` to `sim` (as system_id "sender"), `extra` options added. */
inline Process sender(const ConsoleSim& sim, const fs::path& dir, const fs::path& csv,
                      std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{AIOSMPP_SEND, "--port",     sim.port(), "--system-id",
                                "sender",     "--progress", "off"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(csv.string());
  return Process(argv, dir / "send.out", dir / "send.err");
}

/** /metrics parsed back: every sample ("name{labels}" -> value), each under a # TYPE line of its
 *  family. A line that is not HELP, TYPE or a sample fails the test. */
inline std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::istringstream lines(text);
  const std::regex type_line(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample_line(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_]+="[^"\\]*"(,[a-zA-Z_]+="[^"\\]*")*\})? (\S+))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_line)) {
      types[m[1].str()] = m[2].str();
      continue;
    }
    INFO("line: " << line);
    REQUIRE(std::regex_match(line, m, sample_line));
    REQUIRE(types.count(m[1].str()) == 1);
    samples[m[1].str() + m[2].str()] = std::stod(m[4].str());
  }
  return samples;
}

}  // namespace console_test
