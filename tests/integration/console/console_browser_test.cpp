// The simulator's web console in a real browser: headless Chromium (Debian's `chromium`) driven
// over the DevTools protocol by drive_console.mjs (node, no npm package), while aiosmpp-send
// sends through the simulator and the receiver example is bound. The page must show the submit
// counter changing without a reload, and an MO typed into its form must reach the receiver.
// Without chromium, or without a node that has a WebSocket client, the test exits 77, which ctest
// reports as skipped (SKIP_RETURN_CODE).

#include <cstdlib>
#include <iostream>
#include <string>

#include "console_support.hpp"

using namespace console_test;

namespace {

// `name` on PATH (or the path in `env` when set), else empty.
std::string find_program(const char* env, const std::string& name) {
  if (const char* given = std::getenv(env); given != nullptr && *given != '\0') return given;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

void skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
  std::exit(77);  // SKIP_RETURN_CODE in CMakeLists.txt
}

}  // namespace

TEST_CASE("console in headless chromium: live numbers while a client sends, MO through the form") {
  const std::string chromium = find_program("AIOSMPP_CHROMIUM", "chromium");
  if (chromium.empty()) skip("chromium is not installed (scripts/setup-deps.sh installs it)");
  const std::string node = find_program("AIOSMPP_NODE", "node");
  if (node.empty()) skip("node is not installed");
  {
    // The driver needs node's own WebSocket client (node 20.10 and later; 22 without the flag).
    const auto probe_dir = work_dir("node_probe");
    Process probe({node, "--experimental-websocket", "-e",
                   "process.exit(typeof WebSocket === 'function' ? 0 : 3)"},
                  probe_dir / "out", probe_dir / "err");
    const auto code = probe.wait_for(20s);
    if (!code) probe.stop(1s);
    if (code != 0) skip("node has no WebSocket client (node 20.10 or later is needed)");
  }

  const auto dir = work_dir("browser");
  ConsoleSim sim(dir, {"--http-token", token});
  Http http(sim.http_port());
  Process rx = receiver(sim, dir, 1);
  (void)wait_for_session(http, "bound_rx");
  // 50 messages a second for up to a minute: sending all through the browser's steps; stopped
  // by its process id below.
  Process tx = sender(sim, dir, messages_csv(dir, 3000), {"--bind", "transmitter", "--rate", "50"});

  const std::string mo_text = "typed into the console";
  Process driver({node, "--experimental-websocket", AIOSMPP_CONSOLE_DRIVER, chromium, sim.url(),
                  token, mo_text, (dir / "console.png").string()},
                 dir / "driver.out", dir / "driver.err");
  const auto code = driver.wait_for(50s);
  if (!code) driver.stop(1s);
  tx.stop(5s);
  INFO("driver stdout: " << driver.out() << "\nstderr: " << driver.err());
  REQUIRE(code);
  REQUIRE(*code == 0);
  const auto result = nlohmann::json::parse(driver.out());
  CHECK(result.at("before").get<double>() > 0);
  CHECK(result.at("after").get<double>() > result.at("before").get<double>());
  CHECK(result.at("rate").get<double>() > 0);
  CHECK(result.at("mo_result").get<std::string>().rfind("ok:", 0) == 0);

  const auto rx_code = rx.wait_for(30s);
  INFO("receiver stdout: " << rx.out() << "\nstderr: " << rx.err());
  REQUIRE(rx_code);
  CHECK(*rx_code == 0);
  CHECK(rx.out().find("text=\"" + mo_text + "\"") != std::string::npos);
  CHECK(fs::file_size(dir / "console.png") > 0);
  sim.stop();
}
