// Every example run as a user runs it: the real aiosmpp-smsc-sim started on a free port (--port 0,
// its "listening" line read back), the example's binary run with --port, its exit code and output
// checked line by line, and the simulator's final statistics checked against what the example
// claims. Each process is stopped by its process id, also when a check fails.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "process.hpp"
#include "simulator.hpp"
#include "support/catch.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using examples_test::Process;
using examples_test::Simulator;
using examples_test::stats_of;

namespace {

// Debug builds under ASan start slowly on a loaded 2-core machine: generous limits that a
// healthy run stays far below (each example needs well under a second of its own).
constexpr auto start_limit = 20s;
constexpr auto run_limit = 30s;

fs::path work_dir(std::string_view name) {
  // One folder per test case, emptied first: kept after the run for a look at what failed.
  auto dir = fs::path(AIOSMPP_EXAMPLES_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const auto end = nl == std::string::npos ? text.size() : nl;
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::size_t count_matching(const std::vector<std::string>& lines, const std::string& pattern) {
  const std::regex re(pattern);
  std::size_t n = 0;
  for (const auto& l : lines) {
    if (std::regex_search(l, re)) ++n;
  }
  return n;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> lines;
};

// Runs an example to its end (killed, and the test failed, when it overruns run_limit).
Run run_example(const fs::path& dir, std::string_view tag, std::vector<std::string> argv) {
  Process p(std::move(argv), dir / fmt::format("{}.out", tag), dir / fmt::format("{}.err", tag));
  const auto status = p.wait_for(run_limit);
  Run r;
  r.out = p.out();
  r.err = p.err();
  r.lines = lines_of(r.out);
  if (!status) {
    p.stop(1s);
    FAIL(tag << " did not finish within " << run_limit.count() << " s\nstdout:\n"
             << r.out << "\nstderr:\n"
             << r.err);
  }
  r.code = *status;
  return r;
}

}  // namespace

TEST_CASE("quickstart: five messages, five outcomes, five receipts") {
  const auto dir = work_dir("quickstart");
  Simulator sim(dir, {});
  const auto r = run_example(dir, "quickstart", {AIOSMPP_EXAMPLE_QUICKSTART, "--port", sim.port()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(count_matching(r.lines, R"(^id-[0-4]: ESME_ROK .* message_id=\d+$)") == 5);
  CHECK(count_matching(r.lines,
                       R"(^id-[0-4]: receipt "id:\d+ sub:001 dlvrd:001 .* stat:DELIVRD err:000 )"
                       R"(text:Test message [0-4]"$)") == 5);
  CHECK(has_line(r.lines, "5 outcomes, 5 receipts"));
  const auto stats = sim.stop();
  CHECK(stats.at("submits") == 5);
  CHECK(stats.at("receipts_acked") == 5);
  CHECK(stats.at("receipts_failed") == 0);
}

TEST_CASE("hook: the response and the receipt carry the message's log_id and extra_data") {
  const auto dir = work_dir("hook");
  Simulator sim(dir, {});
  const auto r = run_example(dir, "hook", {AIOSMPP_EXAMPLE_HOOK, "--port", sim.port()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(count_matching(r.lines, R"(^\[hook-example\] sending submit_sm log_id=hook-1 \(\d+ )"
                                R"(octets\)$)") == 1);
  CHECK(count_matching(r.lines, R"(^\[hook-example\] received submit_sm_resp status=ESME_ROK.* )"
                                R"(log_id=hook-1 extra_data=any string the application wants )"
                                R"(back$)") == 1);
  CHECK(count_matching(r.lines, R"(^\[hook-example\] received deliver_sm status=ESME_ROK.* )"
                                R"(log_id=hook-1 extra_data=any string the application wants )"
                                R"(back$)") == 1);
  CHECK(count_matching(r.lines, "send_error") == 0);
  // outcome(): once, after received(), with the same log_id and the SMSC's message_id.
  CHECK(count_matching(r.lines, R"(^\[hook-example\] outcome log_id=hook-1: ESME_ROK .* )"
                                R"(message_id=\d+$)") == 1);
  CHECK(count_matching(r.lines, R"(^\[hook-example\] outcome )") == 1);
  // The map of saved outcomes, printed at the end: the response, then the receipt.
  CHECK(has_line(r.lines, "results:"));
  CHECK(has_line(r.lines, "  hook-1: Message sent; Delivered to handset"));
  const auto stats = sim.stop();
  CHECK(stats.at("submits") == 1);
  CHECK(stats.at("receipts_acked") == 1);
}

TEST_CASE("receiver: MO messages printed once each, long ones reassembled") {
  const auto dir = work_dir("receiver");
  // A short message, a long GSM text in UDH segments, a long UCS2 text with an emoji in SAR
  // segments, and a long text in message_payload.
  const std::string long_gsm =
      "A long mobile-originated message in the GSM 03.38 default alphabet, with extension "
      "characters such as {braces} [brackets] and the euro sign €, which take two septets "
      "each, split into several segments by the simulator.";
  const std::string long_ucs2 =
      "Длинное входящее сообщение 😀 в UCS2, разбитое на сегменты SAR: 中文 и ελληνικά, "
      "чтобы проверить сборку частей.";
  const std::string long_payload =
      "This one travels whole in the message_payload TLV, however long it is: no segments, "
      "no reassembly, one deliver_sm with more octets than a short_message can hold, "
      "which is two hundred and fifty-four octets at most, so it goes on a little longer.";
  {
    std::ofstream mo(dir / "mo.txt");
    mo << "Short hello\n";
    mo << R"({"from": "447700900555", "to": "5555", "text": ")" << long_gsm
       << R"(", "long": "udh8"})"
       << "\n";
    mo << R"({"text": ")" << long_ucs2 << R"(", "encoding": "ucs2", "long": "sar"})"
       << "\n";
    mo << R"({"text": ")" << long_payload << R"(", "long": "payload"})"
       << "\n";
  }
  Simulator sim(dir, {"--mo-file", (dir / "mo.txt").string(), "--mo-rate", "50"});
  const auto r = run_example(
      dir, "receiver",
      {AIOSMPP_EXAMPLE_RECEIVER, "--port", sim.port(), "--count", "4", "--seconds", "20"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(count_matching(r.lines, "^MO ") == 4);
  CHECK(has_line(
      r.lines,
      R"(MO from=447700900001 to=1234 encoding=gsm0338 data_coding=0x00 text="Short hello")"));
  CHECK(
      has_line(r.lines, R"(MO from=447700900555 to=5555 encoding=gsm0338 data_coding=0x00 text=")" +
                            long_gsm + "\""));
  CHECK(has_line(r.lines, R"(MO from=447700900001 to=1234 encoding=ucs2 data_coding=0x08 text=")" +
                              long_ucs2 + "\""));
  CHECK(
      has_line(r.lines, R"(MO from=447700900001 to=1234 encoding=gsm0338 data_coding=0x00 text=")" +
                            long_payload + "\""));
  CHECK(has_line(r.lines, "4 messages, 0 receipts"));
  const auto stats = sim.stop();
  CHECK(stats.at("mo_sent") > 4);  // the long ones went in several deliver_sm
  CHECK(stats.at("mo_acked") == stats.at("mo_sent"));
  CHECK(stats.at("mo_failed") == 0);
}

TEST_CASE("receiver: --seconds ends a quiet run cleanly, --count unmet is an error") {
  const auto dir = work_dir("receiver-quiet");
  Simulator sim(dir, {});
  const auto quiet =
      run_example(dir, "quiet", {AIOSMPP_EXAMPLE_RECEIVER, "--port", sim.port(), "--seconds", "1"});
  INFO("stdout:\n" << quiet.out << "\nstderr:\n" << quiet.err);
  CHECK(quiet.code == 0);
  CHECK(has_line(quiet.lines, "0 messages, 0 receipts"));
  const auto unmet = run_example(
      dir, "unmet",
      {AIOSMPP_EXAMPLE_RECEIVER, "--port", sim.port(), "--count", "1", "--seconds", "1"});
  INFO("stdout:\n" << unmet.out << "\nstderr:\n" << unmet.err);
  CHECK(unmet.code == 1);
  CHECK(unmet.err.find("error: 0 of 1 messages within 1 s") != std::string::npos);
  const auto stats = sim.stop();
  CHECK(stats.at("binds") == 2);
}

TEST_CASE("receiver: SIGTERM stops it cleanly (unbind, exit 0)") {
  const auto dir = work_dir("receiver-signal");
  Simulator sim(dir, {});
  Process p({AIOSMPP_EXAMPLE_RECEIVER, "--port", sim.port()}, dir / "receiver.out",
            dir / "receiver.err");
  const auto deadline = Process::Clock::now() + start_limit;
  while (p.err().find("bound as receiver") == std::string::npos) {
    if (p.poll() || Process::Clock::now() >= deadline) FAIL("receiver did not bind: " << p.err());
    std::this_thread::sleep_for(5ms);
  }
  const int code = p.stop(10s);
  INFO("stdout:\n" << p.out() << "\nstderr:\n" << p.err());
  CHECK(code == 0);
  CHECK(p.out() == "0 messages, 0 receipts\n");
  CHECK(p.err().find("stopped by signal 15") != std::string::npos);
  const auto stats = sim.stop();
  CHECK(stats.at("binds") == 1);
  CHECK(stats.at("sessions") == 0);
}

TEST_CASE("long_message: one outcome per original message, a receipt per segment") {
  const auto dir = work_dir("long_message");
  Simulator sim(dir, {});
  const auto r =
      run_example(dir, "long_message", {AIOSMPP_EXAMPLE_LONG_MESSAGE, "--port", sim.port()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);

  // plan NAME: N submit_sm, ...
  std::map<std::string, std::size_t> segments;
  const std::regex plan(R"(^plan (\S+): (\d+) submit_sm, data_coding=0x(\d\d), )");
  for (const auto& line : r.lines) {
    std::smatch m;
    if (std::regex_search(line, m, plan)) segments[m[1].str()] = std::stoul(m[2].str());
  }
  REQUIRE(segments.size() == 6);
  // Split modes need several segments; message_payload sends each text in one submit_sm.
  CHECK(segments.at("gsm/udh") >= 3);
  CHECK(segments.at("gsm/sar") >= 3);
  CHECK(segments.at("gsm/udh") >= segments.at("gsm/sar"));  // the UDH takes room in each
  CHECK(segments.at("ucs2/udh") >= 3);
  CHECK(segments.at("ucs2/sar") >= 3);
  CHECK(segments.at("gsm/payload") == 1);
  CHECK(segments.at("ucs2/payload") == 1);

  std::size_t total = 0;
  for (const auto& [name, n] : segments) {
    INFO(name);
    CHECK(count_matching(r.lines, "^outcome " + name + ": accepted ESME_ROK") == 1);
    CHECK(count_matching(r.lines, "^receipt " + name + R"( #\d+: id=\d+ stat=DELIVRD$)") == n);
    total += n;
  }
  CHECK(count_matching(r.lines, "^outcome ") == 6);
  CHECK(has_line(
      r.lines, fmt::format("6 outcomes for 6 messages, {} receipts of {} expected", total, total)));
  const auto stats = sim.stop();
  CHECK(stats.at("submits") == total);
  CHECK(stats.at("submit_errors") == 0);
  CHECK(stats.at("receipts_acked") == total);
}

TEST_CASE("custom_broker: queued messages survive a restart and are sent exactly once") {
  const auto dir = work_dir("custom_broker");
  const auto queue = (dir / "queue").string();

  // 1. A producer alone: three messages wait on disk.
  const auto produce = run_example(
      dir, "produce",
      {AIOSMPP_EXAMPLE_CUSTOM_BROKER, "--dir", queue, "--enqueue-only", "--enqueue", "3"});
  INFO("produce stdout:\n" << produce.out << "\nstderr:\n" << produce.err);
  CHECK(produce.code == 0);
  CHECK(has_line(produce.lines, "queue " + queue + ": 0 messages from a previous run"));
  CHECK(has_line(produce.lines, "queued 3; 3 waiting to be sent"));

  Simulator sim(dir, {});
  // 2. The next run sends those three and four new ones; capacity 2 makes the producer wait for
  //    outcomes (back-pressure) and still lose nothing.
  const auto send = run_example(dir, "send",
                                {AIOSMPP_EXAMPLE_CUSTOM_BROKER, "--dir", queue, "--enqueue", "4",
                                 "--capacity", "2", "--port", sim.port()});
  INFO("send stdout:\n" << send.out << "\nstderr:\n" << send.err);
  CHECK(send.code == 0);
  CHECK(has_line(send.lines, "queue " + queue + ": 3 messages from a previous run"));
  CHECK(count_matching(send.lines, "^outcome ") == 7);
  CHECK(count_matching(send.lines, R"(^outcome msg-\d+-\d: accepted ESME_ROK .*message_id=\d+$)") ==
        7);
  CHECK(has_line(send.lines, "7 outcomes; 0 messages left in the queue"));

  // 3. Nothing is left, so a restart sends nothing again.
  const auto again = run_example(
      dir, "again",
      {AIOSMPP_EXAMPLE_CUSTOM_BROKER, "--dir", queue, "--enqueue", "0", "--port", sim.port()});
  INFO("again stdout:\n" << again.out << "\nstderr:\n" << again.err);
  CHECK(again.code == 0);
  CHECK(has_line(again.lines, "queue " + queue + ": 0 messages from a previous run"));
  CHECK(has_line(again.lines, "0 outcomes; 0 messages left in the queue"));
  CHECK(fs::file_size(fs::path(queue) / "messages.jsonl") == 0);  // compacted

  const auto stats = sim.stop();
  CHECK(stats.at("submits") == 7);
}

TEST_CASE("custom_broker: recovery skips acknowledged lines and a torn last line") {
  const auto dir = work_dir("custom_broker_recovery");
  const auto queue = dir / "queue";
  fs::create_directories(queue);
  // What a crashed run leaves: three whole lines, the second acknowledged out of order (its
  // offset in "acked"), and half a line whose append never completed.
  const auto line = [](std::string_view log_id) {
    return fmt::format(R"({{"type":"submit_sm","source":{{"number":"254722111111"}},)"
                       R"("destination":{{"number":"254722999999"}},"registered_delivery":0,)"
                       R"("short_message":"6869","tracking":{{"log_id":"{}"}}}})",
                       log_id) +
           "\n";
  };
  const std::string first = line("pre-1");
  const std::string second = line("pre-2");
  {
    std::ofstream m(queue / "messages.jsonl", std::ios::binary);
    m << first << second << line("pre-3") << R"({"type":"submit_sm","sour)";
    std::ofstream a(queue / "messages.ack", std::ios::binary);
    a << fmt::format(R"({{"committed":0,"acked":[{}]}})", first.size()) << "\n";
  }
  Simulator sim(dir, {});
  const auto r = run_example(dir, "recover",
                             {AIOSMPP_EXAMPLE_CUSTOM_BROKER, "--dir", queue.string(), "--enqueue",
                              "0", "--port", sim.port()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has_line(r.lines, "queue " + queue.string() + ": 2 messages from a previous run"));
  CHECK(count_matching(r.lines, R"(^outcome pre-1: accepted ESME_ROK)") == 1);
  CHECK(count_matching(r.lines, R"(^outcome pre-2:)") == 0);
  CHECK(count_matching(r.lines, R"(^outcome pre-3: accepted ESME_ROK)") == 1);
  CHECK(has_line(r.lines, "2 outcomes; 0 messages left in the queue"));
  const auto stats = sim.stop();
  CHECK(stats.at("submits") == 2);
}

TEST_CASE("pool: four binds share one budget, every message one outcome") {
  const auto dir = work_dir("pool");
  // The simulator enforces the account's rate over all its binds: the pool stays within it, and
  // what it throttles anyway is sent again, so every message is accepted once.
  Simulator sim(dir, {"--account-rate", "200"});
  const auto r = run_example(dir, "pool",
                             {AIOSMPP_EXAMPLE_POOL, "--port", sim.port(), "--binds", "4", "--rate",
                              "200", "--count", "300"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(count_matching(r.lines,
                       R"(^pool-example#[0-3] 127\.0\.0\.1:\d+ priority 0: \d+ carried$)") == 4);
  CHECK(has_line(r.lines, "300 outcomes, 300 accepted"));
  const auto stats = sim.stop();
  CHECK(stats.at("binds") == 4);
  CHECK(stats.at("accepted") == 300);
  CHECK(stats.at("submits") == 300 + stats.at("account_throttled"));
}

TEST_CASE("examples: a refused bind fails early with the SMSC's status, bad flags with usage") {
  const auto dir = work_dir("refused");
  Simulator sim(dir, {"--refuse-binds", "ESME_RBINDFAIL"});
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs{
      {"error: bind_receiver: ESME_RBINDFAIL", {AIOSMPP_EXAMPLE_RECEIVER, "--count", "1"}},
      {"error: bind_transceiver: ESME_RBINDFAIL", {AIOSMPP_EXAMPLE_LONG_MESSAGE}},
      {"error: bind_transceiver: ESME_RBINDFAIL",
       {AIOSMPP_EXAMPLE_CUSTOM_BROKER, "--dir", (dir / "queue").string()}},
  };
  int i = 0;
  for (auto [expected, argv] : runs) {
    argv.insert(argv.end(), {"--port", sim.port()});
    const auto r = run_example(dir, fmt::format("run{}", i++), argv);
    INFO(argv[0] << " stdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.code == 1);
    CHECK(r.err.find(expected) != std::string::npos);
  }
  const auto stats = sim.stop();
  CHECK(stats.at("bind_failures") == 3);
  CHECK(stats.at("submits") == 0);

  const auto bad = run_example(dir, "bad", {AIOSMPP_EXAMPLE_RECEIVER, "--count", "-1"});
  INFO("stderr:\n" << bad.err);
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--count must be a whole number 0..1000000000, got \"-1\"") !=
        std::string::npos);
}

#ifdef AIOSMPP_TLS_CA_DIR
// The simulator's port is TLS (--tls-cert/--tls-key from the test CA the tls_ca fixture made).
TEST_CASE("tls: three messages over TLS, and an untrusted certificate ends at connect") {
  const auto dir = work_dir("tls");
  const std::string ca_dir = AIOSMPP_TLS_CA_DIR;
  Simulator sim(dir, {"--tls-cert", ca_dir + "/server.pem", "--tls-key", ca_dir + "/server.key"});
  const auto r = run_example(dir, "tls",
                             {AIOSMPP_EXAMPLE_TLS, "--host", "localhost", "--port", sim.port(),
                              "--ca", ca_dir + "/ca.pem"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has_line(r.lines, "bound over TLS to localhost:" + sim.port()));
  CHECK(count_matching(r.lines, R"(^tls-[0-2]: ESME_ROK .* message_id=\d+$)") == 3);
  CHECK(count_matching(r.lines, R"(^tls-[0-2]: receipt "id:\d+ .* stat:DELIVRD err:000 )"
                                R"(text:Secret message [0-2]"$)") == 3);
  CHECK(has_line(r.lines, "3 outcomes, 3 receipts"));

  // Trusting another CA: the certificate is refused, with OpenSSL's reason, before any bind.
  const auto refused = run_example(dir, "tls-refused",
                                   {AIOSMPP_EXAMPLE_TLS, "--host", "localhost", "--port",
                                    sim.port(), "--ca", ca_dir + "/other-ca.pem"});
  INFO("stderr:\n" << refused.err);
  CHECK(refused.code == 1);
  CHECK(refused.err.find("TLS certificate verification failed") != std::string::npos);
  CHECK(refused.err.find("unable to get local issuer certificate") != std::string::npos);
  const auto stats = sim.stop();
  CHECK(stats.at("binds") == 1);
  CHECK(stats.at("submits") == 3);
  CHECK(stats.at("receipts_acked") == 3);
}
#endif

#ifdef AIOSMPP_EXAMPLE_DURABLE
TEST_CASE("durable: stops when its queue and window are done, receipts in or not") {
  const auto dir = work_dir("durable");
  const auto db = (dir / "durable.db").string();
  {
    Simulator sim(dir, {});
    const auto r = run_example(dir, "durable",
                               {AIOSMPP_EXAMPLE_DURABLE, "--port", sim.port(), "--db", db,
                                "--count", "5", "--seconds", "600"});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.code == 0);
    CHECK(count_matching(r.lines, R"(^run1-[0-4]: ESME_ROK .* message_id=\d+$)") == 5);
    CHECK(count_matching(r.lines, R"(^receipt for run1-[0-4]$)") == 5);
    CHECK(has_line(r.lines, "5 outcomes, 5 receipts this run"));
    CHECK(has_line(r.lines, "stopped: done (0 receipts not seen)"));
    CHECK(sim.stop().at("submits") == 5);
  }
  // No receipts at all: the correlation rows stay (as the docs allow), yet it stops once its
  // messages have their outcomes and --receipt-wait has passed, not at --seconds (run_limit
  // would fail the test long before).
  Simulator quiet(dir, {"--receipts", "off"});
  const auto r = run_example(dir, "durable-no-receipts",
                             {AIOSMPP_EXAMPLE_DURABLE, "--port", quiet.port(), "--db", db,
                              "--count", "3", "--receipt-wait", "1", "--seconds", "600"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has_line(r.lines, "run 2 on " + db));
  CHECK(has_line(r.lines, "3 outcomes, 0 receipts this run"));
  CHECK(has_line(r.lines, "stopped: done (3 receipts not seen)"));
  CHECK(quiet.stop().at("submits") == 3);
}
#endif
