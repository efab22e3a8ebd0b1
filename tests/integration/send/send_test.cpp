// aiosmpp-send run as a user runs it: the real aiosmpp-smsc-sim on a free port (its "listening"
// line read back), aiosmpp-send's binary with a CSV or JSON-lines file, its exit status, stderr
// and --out file checked (every input line ends exactly once), and the simulator's final counters
// checked against what the command claims. Every process is stopped by its process id, also when a
// check fails. The input parser is also checked directly (sans-io), for what a file cannot show
// cheaply.

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "examples/process.hpp"
#include "examples/simulator.hpp"
#include "input.hpp"
#include "support/catch.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using examples_test::Process;
using examples_test::Simulator;

namespace {

constexpr auto run_limit = 60s;

fs::path work_dir(std::string_view name) {
  auto dir = fs::path(AIOSMPP_SEND_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<nlohmann::json> records_of(const fs::path& out) {
  std::vector<nlohmann::json> records;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);)
    records.push_back(nlohmann::json::parse(line));
  return records;
}

// How many times each input line ended in the outcome file.
std::map<std::size_t, int> lines_ended(const std::vector<nlohmann::json>& records) {
  std::map<std::size_t, int> ended;
  for (const auto& r : records)
    ++ended[r.at("line").get<std::size_t>()];
  return ended;
}

std::map<std::string, int> outcomes_of(const std::vector<nlohmann::json>& records) {
  std::map<std::string, int> n;
  for (const auto& r : records)
    ++n[r.at("outcome").get<std::string>()];
  return n;
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> send_argv(const Simulator& sim, std::vector<std::string> args) {
  std::vector<std::string> argv{AIOSMPP_SEND, "--port", sim.port(), "--system-id", "send-test"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Run finish(Process& p, std::string_view tag) {
  const auto status = p.wait_for(run_limit);
  Run r{-1, p.out(), p.err()};
  if (!status) {
    p.stop(1s);
    FAIL(tag << " did not finish\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  }
  r.code = *status;
  return r;
}

// A resumable run of in.csv with `window` requests in flight, its outcomes to out.jsonl.
std::vector<std::string> state_args(const fs::path& dir, int window) {
  return {"--window",
          std::to_string(window),
          "--state",
          (dir / "st.db").string(),
          "--out",
          (dir / "out.jsonl").string(),
          (dir / "in.csv").string()};
}

// Input lines 2..count+1 (after the CSV header) each ended exactly once.
void check_each_line_once(const std::vector<nlohmann::json>& records, std::size_t count) {
  const auto ended = lines_ended(records);
  CHECK(ended.size() == count);
  for (const auto& [line, times] : ended) {
    INFO("line " << line);
    CHECK(line >= 2);
    CHECK(line <= count + 1);
    CHECK(times == 1);
  }
}

// Sends `signal` to `p` once `out` holds `lines` outcome lines, to cut a run in its middle.
void signal_after(Process& p, const fs::path& out, std::size_t lines, int signal) {
  const auto deadline = Process::Clock::now() + run_limit;
  const auto written = [&] {
    const auto text = examples_test::read_file(out);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  };
  while (written() < lines && !p.poll() && Process::Clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ::kill(p.pid(), signal);
}

Run run_send(const fs::path& dir, std::string_view tag, std::vector<std::string> argv) {
  Process p(std::move(argv), dir / fmt::format("{}.out", tag), dir / fmt::format("{}.err", tag));
  return finish(p, tag);
}

// The message of what `f` throws ("" when it does not): both Catch2 versions, no matchers.
template <class F>
std::string thrown_by(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::string csv_of(int count) {
  std::string csv = "destination,text,id\n";
  for (int i = 0; i < count; ++i)
    csv += fmt::format("44770090{:04},message {},m{}\n", i, i, i);
  return csv;
}

}  // namespace

TEST_CASE("send: CSV, a bad line reported with its number, the rest sent, exit 1") {
  const auto dir = work_dir("csv");
  Simulator sim(dir, {});
  write_file(dir / "in.csv",
             "destination,text,source,id\n"
             "447700900001,hello,1234,a\n"
             "447700900002,\"quoted, with a comma and \"\"quotes\"\"\",,b\n"
             ",no destination,,c\n"
             "447700900004,four,,d,extra\n"
             "447700900005,\"" +
                 std::string(400, 'x') + "\",,e\n");
  const auto r =
      run_send(dir, "send",
               send_argv(sim, {"--out", (dir / "out.jsonl").string(), (dir / "in.csv").string()}));
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(r.err.find("line 4: destination: empty") != std::string::npos);
  CHECK(r.err.find("line 5: 5 columns, the header has 4") != std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);  // not a terminal: no bar
  const auto records = records_of(dir / "out.jsonl");
  CHECK(lines_ended(records) == std::map<std::size_t, int>{{2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}});
  CHECK(outcomes_of(records) == std::map<std::string, int>{{"ok", 3}, {"invalid", 2}});
  for (const auto& rec : records) {
    if (rec["outcome"] != "ok") continue;
    CHECK(rec["command_status"] == "ESME_ROK");
    CHECK(!rec["message_id"].get<std::string>().empty());
  }
  CHECK(r.out.find("summary total=5 ok=3 rejected=0 unknown=0 invalid=2") != std::string::npos);
  // The long line went as one submit_sm (message_payload, the library's default for long text).
  CHECK(sim.stop()["submits"] == 3);
}

TEST_CASE("send: JSON lines all accepted, exit 0, plain progress lines when not a terminal") {
  const auto dir = work_dir("jsonl");
  // Each response held back, so the run outlasts several progress periods.
  Simulator sim(dir, {"--response-delay", "40ms"});
  std::string jsonl;
  for (int i = 0; i < 10; ++i)
    jsonl += fmt::format(R"({{"to":"4477009{:05}","text":"hi {}","id":{}}})", i, i, i) + "\n";
  write_file(dir / "in.jsonl", jsonl);
  const auto r =
      run_send(dir, "send",
               send_argv(sim, {"--window", "1", "--progress-interval", "0.02", "--out",
                               (dir / "out.jsonl").string(), (dir / "in.jsonl").string()}));
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(std::regex_search(r.err, std::regex(R"(progress \d+/10 \d+% .* in_flight=\d+ ok=\d+)")));
  const auto records = records_of(dir / "out.jsonl");
  CHECK(lines_ended(records).size() == 10);
  CHECK(outcomes_of(records) == std::map<std::string, int>{{"ok", 10}});
  CHECK(records.front()["id"] == "0");
  CHECK(sim.stop()["submits"] == 10);
}

TEST_CASE("send: exit statuses for rejected messages, usage and a refused bind") {
  const auto dir = work_dir("exit");
  SECTION("rejected by the SMSC: 1, with the status in the outcome") {
    Simulator sim(dir, {"--error-rate", "1", "--error-status", "ESME_RINVDSTADR"});
    const auto r = run_send(dir, "send",
                            send_argv(sim, {"--out", (dir / "out.jsonl").string(), "--to",
                                            "447700900001", "--text", "hello"}));
    CHECK(r.code == 1);
    const auto records = records_of(dir / "out.jsonl");
    REQUIRE(records.size() == 1);
    CHECK(records[0]["outcome"] == "rejected");
    CHECK(records[0]["command_status"] == "ESME_RINVDSTADR");
    CHECK(records[0]["command_status_code"] == 0xB);
    sim.stop();
  }
  SECTION("a refused bind: 3, and the message is reported not_sent") {
    Simulator sim(dir, {"--refuse-binds"});
    const auto r = run_send(dir, "send",
                            send_argv(sim, {"--out", (dir / "out.jsonl").string(), "--to",
                                            "447700900001", "--text", "hello"}));
    CHECK(r.code == 3);
    CHECK(r.err.find("ESME_RBINDFAIL") != std::string::npos);
    CHECK(r.out.find("summary total=1 ok=0 rejected=0 unknown=0 invalid=0 not_sent=1") !=
          std::string::npos);
    const auto records = records_of(dir / "out.jsonl");
    REQUIRE(records.size() == 1);
    CHECK(records[0]["outcome"] == "not_sent");
    sim.stop();
  }
  SECTION("usage: 2, naming the flag") {
    const auto r = run_send(dir, "usage", {AIOSMPP_SEND, "--window", "0", "--system-id", "x", "-"});
    CHECK(r.code == 2);
    CHECK(r.err.find("--window: expected a whole number 1..65536") != std::string::npos);
    write_file(dir / "bad.csv", "number,text\n1,a\n");
    const auto h =
        run_send(dir, "header",
                 {AIOSMPP_SEND, "--system-id", "x", "--port", "1", (dir / "bad.csv").string()});
    CHECK(h.code == 2);
    CHECK(h.err.find("CSV header: unknown column \"number\"") != std::string::npos);
  }
}

TEST_CASE("send: SIGTERM without --state: the rest reported not_sent, each line once, exit 4") {
  const auto dir = work_dir("sigterm");
  Simulator sim(dir, {"--response-delay", "20ms"});
  write_file(dir / "in.csv", csv_of(60));
  const auto out = dir / "out.jsonl";
  Process p(send_argv(sim, {"--window", "2", "--out", out.string(), (dir / "in.csv").string()}),
            dir / "send.out", dir / "send.err");
  signal_after(p, out, 4, SIGTERM);
  const auto r = finish(p, "send");
  INFO(r.err);
  CHECK(r.code == 4);
  const auto records = records_of(out);
  check_each_line_once(records, 60);
  const auto outcomes = outcomes_of(records);
  CHECK(outcomes.at("not_sent") > 0);
  CHECK(outcomes.at("ok") + outcomes.at("not_sent") == 60);
  // not_sent means never written to the socket: the simulator saw only the accepted ones.
  CHECK(sim.stop()["submits"] == static_cast<std::uint64_t>(outcomes.at("ok")));
}

TEST_CASE("send: --wait-receipts writes each line with its receipt's final state") {
  const auto dir = work_dir("receipts");
  Simulator sim(dir, {"--receipt-delay", "10ms", "--receipt-states", "UNDELIV"});
  write_file(dir / "in.csv", csv_of(5));
  const auto r =
      run_send(dir, "send",
               send_argv(sim, {"--wait-receipts", "30", "--out", (dir / "out.jsonl").string(),
                               (dir / "in.csv").string()}));
  INFO(r.err);
  CHECK(r.code == 0);  // accepted by the SMSC; the receipts say what happened next
  const auto records = records_of(dir / "out.jsonl");
  check_each_line_once(records, 5);
  for (const auto& rec : records)
    CHECK(rec["receipt"] == "undeliverable");
  CHECK(r.out.find("receipts=5") != std::string::npos);
  CHECK(sim.stop()["receipts_sent"] == 5);
}

TEST_CASE("send: on a terminal, the progress bar is redrawn in place and cleared at the end") {
  const auto dir = work_dir("tty");
  Simulator sim(dir, {"--response-delay", "40ms"});
  write_file(dir / "in.csv", csv_of(10));
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string terminal = ::ptsname(master);
  std::string shown;
  const auto drain = [&] {
    char buf[4096];
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;)
      shown.append(buf, static_cast<std::size_t>(n));
  };
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  {
    // stderr is the terminal: the bar; the test keeps reading so the child never blocks on it.
    Process p(
        send_argv(sim, {"--window", "1", "--progress-interval", "0.02", (dir / "in.csv").string()}),
        dir / "send.out", terminal);
    const auto deadline = Process::Clock::now() + run_limit;
    while (!p.poll() && Process::Clock::now() < deadline) {
      drain();
      std::this_thread::sleep_for(5ms);
    }
    drain();
    // Not finish(): it reads the stderr path back, which is the terminal here.
    if (!p.poll()) p.stop(1s);
    CHECK(p.poll() == 0);
  }
  ::close(master);
  INFO(shown);
  CHECK(std::regex_search(shown, std::regex(R"(\r\[[#-]{20}\] \d+/10 \d+% )")));
  CHECK(shown.find("\x1b[K") != std::string::npos);
  CHECK(shown.find("progress ") == std::string::npos);  // not the plain lines
  CHECK(shown.ends_with("\r\x1b[K"));                   // cleared before the summary
}

#ifdef AIOSMPP_SEND_STATE
TEST_CASE("send: --state, SIGINT then resume, every line ends once and none is sent twice") {
  const auto dir = work_dir("state");
  Simulator sim(dir, {"--response-delay", "20ms"});
  write_file(dir / "in.csv", csv_of(60));
  const auto out = dir / "out.jsonl";
  const auto args = state_args(dir, 2);
  {
    Process p(send_argv(sim, args), dir / "first.out", dir / "first.err");
    // 20 ms a response, two at a time: four lines in, the run is far from its end.
    signal_after(p, out, 4, SIGINT);
    const auto r = finish(p, "first");
    INFO(r.err);
    REQUIRE(r.code == 4);
    CHECK(r.err.find("messages left in") != std::string::npos);
  }
  const auto first = records_of(out).size();
  CHECK(first < 60);
  // The state file holds the messages: the resumed run does not read the input again.
  fs::remove(dir / "in.csv");
  const auto second = run_send(dir, "second", send_argv(sim, args));
  INFO(second.err);
  CHECK(second.code == 0);
  const auto records = records_of(out);
  check_each_line_once(records, 60);
  CHECK(outcomes_of(records) == std::map<std::string, int>{{"ok", 60}});
  // A third run finds nothing left and sends nothing.
  const auto third = run_send(dir, "third", send_argv(sim, args));
  CHECK(third.code == 0);
  CHECK(records_of(out).size() == 60);
  CHECK(sim.stop()["submits"] == 60);
}

TEST_CASE("send: --state after a crash (SIGKILL): every line ends once, nothing sent twice") {
  const auto dir = work_dir("crash");
  Simulator sim(dir, {"--response-delay", "20ms"});
  write_file(dir / "in.csv", csv_of(60));
  const auto out = dir / "out.jsonl";
  const auto args = state_args(dir, 4);
  {
    Process p(send_argv(sim, args), dir / "first.out", dir / "first.err");
    signal_after(p, out, 4, SIGKILL);
    CHECK(finish(p, "first").code == 128 + SIGKILL);
  }
  const auto second = run_send(dir, "second", send_argv(sim, args));
  INFO(second.err);
  // Messages in flight at the kill are reported unknown (not sent again): exit 1 when there are.
  const auto records = records_of(out);
  const auto outcomes = outcomes_of(records);
  CHECK(second.code == (outcomes.contains("unknown") ? 1 : 0));
  check_each_line_once(records, 60);
  const int ok = outcomes.contains("ok") ? outcomes.at("ok") : 0;
  const int unknown = outcomes.contains("unknown") ? outcomes.at("unknown") : 0;
  CHECK(ok + unknown == 60);
  CHECK(unknown <= 4);  // at most the window was in flight
  const auto submits = sim.stop()["submits"];
  CHECK(submits >= static_cast<std::uint64_t>(ok));
  CHECK(submits <= 60);
}
#endif

TEST_CASE("send input: CSV quoting, columns by name, limits and JSON keys") {
  aiosmpp::send::SendOptions o;
  o.max_line = 64;
  std::istringstream csv(
      "\xEF\xBB\xBFtext,to\r\n"
      "\"a, \"\"b\"\"\",4470001\r\n"
      "\n"
      "\"open,4470002\n" +
      std::string(100, 'y') + "\n");
  const auto in = aiosmpp::send::parse_input(csv, o);
  REQUIRE(in.messages.size() == 1);
  CHECK(in.messages[0].text == "a, \"b\"");
  CHECK(in.messages[0].destination == "4470001");
  CHECK(in.messages[0].line == 2);
  REQUIRE(in.errors.size() == 2);
  CHECK(in.errors[0].line == 4);
  CHECK(in.errors[0].message == "column 1: quote not closed on this line");
  CHECK(in.errors[1].line == 5);
  CHECK(in.errors[1].message == "line longer than 64 octets (--max-line)");

  std::istringstream unknown_column("destination,text,colour\n");
  CHECK(thrown_by([&] {
          aiosmpp::send::parse_input(unknown_column, o);
        }).find("unknown column \"colour\"") != std::string::npos);

  std::istringstream jsonl(
      "{\"to\":\"1\",\"text\":\"x\",\"encoding\":\"ucs2\"}\n"
      "{\"to\":\"1\",\"text\":\"x\",\"colour\":\"red\"}\n"
      "{\"to\":\"123456789012345678901\",\"text\":\"x\"}\n"
      "{\"to\":\"1\",\"text\":\"x\",\"encoding\":\"klingon\"}\n");
  const auto j = aiosmpp::send::parse_input(jsonl, o);
  REQUIRE(j.messages.size() == 1);
  CHECK(j.messages[0].encoding == aiosmpp::TextEncoding::ucs2);
  REQUIRE(j.errors.size() == 3);
  CHECK(j.errors[0].message == "unknown key \"colour\"");
  CHECK(j.errors[1].message == "destination: 21 characters, limit 20");
  CHECK(j.errors[2].message.starts_with("encoding: \"klingon\""));

  o.max_messages = 1;
  std::istringstream two("to,text\n1,a\n2,b\n");
  CHECK(thrown_by([&] { aiosmpp::send::parse_input(two, o); }).find("--max-messages") !=
        std::string::npos);
}
