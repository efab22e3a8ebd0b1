#include "aiosmpp/log.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/catch.hpp"

using aiosmpp::BreachSink;
using aiosmpp::JsonLinesSink;
using aiosmpp::LogField;
using aiosmpp::Logger;
using aiosmpp::LogLevel;
using aiosmpp::LogMetadata;
using aiosmpp::LogOutput;
using aiosmpp::LogRecord;
using aiosmpp::LogSink;
using aiosmpp::TextSink;

namespace {

// Collects lines from a line sink; safe for concurrent writers (the sink locks anyway).
struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;

  LogOutput output() {
    return LogOutput::callback([this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    });
  }
};

// Records every record the Logger hands to a sink, as its formatted JSON, so tests can inspect
// exactly what a sink received.
struct CapturingSink : LogSink {
  std::vector<std::string> json;
  std::vector<LogLevel> levels;
  int flushes = 0;
  void write(const LogRecord& record) override {
    std::string line;
    aiosmpp::format_json_line(record, line);
    json.push_back(std::move(line));
    levels.push_back(record.level);
  }
  void flush() override { ++flushes; }
};

struct ThrowingSink : LogSink {
  void write(const LogRecord&) override { throw std::runtime_error("disk full"); }
};

// "dddd-dd-ddTdd:dd:dd.dddZ" (std::regex trips g++ 12's -Wmaybe-uninitialized under sanitizers).
bool iso_time_shape(std::string_view text) {
  constexpr std::string_view pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool ok = pattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == pattern[i];
    if (!ok) return false;
  }
  return true;
}

LogRecord record_at(std::chrono::system_clock::time_point time, std::string_view event,
                    std::span<const LogField> fields = {},
                    std::span<const LogField> metadata = {}) {
  LogRecord r;
  r.time = time;
  r.level = LogLevel::info;
  r.event = event;
  r.fields = fields;
  r.metadata = metadata;
  return r;
}

}  // namespace

TEST_CASE("log levels have names, parse in any case and format with fmt") {
  CHECK(aiosmpp::to_string(LogLevel::trace) == "TRACE");
  CHECK(aiosmpp::to_string(LogLevel::warning) == "WARNING");
  CHECK(aiosmpp::to_string(LogLevel::critical) == "CRITICAL");
  CHECK(aiosmpp::to_string(LogLevel::off) == "OFF");
  CHECK(aiosmpp::parse_log_level("debug") == LogLevel::debug);
  CHECK(aiosmpp::parse_log_level("DEBUG") == LogLevel::debug);
  CHECK(aiosmpp::parse_log_level("Warning") == LogLevel::warning);
  CHECK(aiosmpp::parse_log_level("warn") == LogLevel::warning);
  CHECK(aiosmpp::parse_log_level("off") == LogLevel::off);
  CHECK_FALSE(aiosmpp::parse_log_level("verbose").has_value());
  CHECK_FALSE(aiosmpp::parse_log_level("").has_value());
  CHECK_FALSE(aiosmpp::parse_log_level("debugx").has_value());
  CHECK(aiosmpp::log_level_from_string("ERROR") == LogLevel::error);
  try {
    (void)aiosmpp::log_level_from_string("loud");
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("\"loud\"") != std::string::npos);
    CHECK(std::string(e.what()).find("log level") != std::string::npos);
  }
  CHECK(fmt::format("{}", LogLevel::info) == "INFO");
  CHECK(fmt::format("[{:>7}]", LogLevel::error) == "[  ERROR]");
}

TEST_CASE("a logger writes records at or above its level only") {
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, LogLevel::info);
  CHECK_FALSE(logger.enabled(LogLevel::trace));
  CHECK_FALSE(logger.enabled(LogLevel::debug));
  CHECK(logger.enabled(LogLevel::info));
  CHECK(logger.enabled(LogLevel::critical));
  CHECK_FALSE(logger.enabled(LogLevel::off));

  logger.log(LogLevel::debug, "hidden");
  logger.log(LogLevel::warning, "shown", {{"n", 1}});
  AIOSMPP_LOG(logger, LogLevel::trace, "hidden_too", {"n", 2});
  AIOSMPP_LOG(logger, LogLevel::error, "shown_too");
  REQUIRE(sink->json.size() == 2);
  CHECK(nlohmann::json::parse(sink->json[0])["event"] == "shown");
  CHECK(nlohmann::json::parse(sink->json[1])["event"] == "shown_too");

  logger.set_level(LogLevel::off);
  logger.log(LogLevel::critical, "nothing");
  CHECK(sink->json.size() == 2);
  logger.set_level(LogLevel::trace);
  CHECK(logger.enabled(LogLevel::trace));

  Logger none;
  CHECK(none.level() == LogLevel::off);
  none.set_level(LogLevel::trace);  // no sink: stays off
  CHECK_FALSE(none.enabled(LogLevel::critical));
  none.log(LogLevel::critical, "dropped");
  CHECK_THROWS_AS(Logger(nullptr), std::invalid_argument);
}

TEST_CASE("AIOSMPP_LOG does not evaluate its fields when the level is off") {
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, LogLevel::warning);
  int evaluations = 0;
  auto expensive = [&] {
    ++evaluations;
    return std::string("computed");
  };
  AIOSMPP_LOG(logger, LogLevel::debug, "quiet", {"value", expensive()});
  CHECK(evaluations == 0);
  CHECK(sink->json.empty());
  AIOSMPP_LOG(logger, LogLevel::warning, "loud", {"value", expensive()});
  CHECK(evaluations == 1);
  REQUIRE(sink->json.size() == 1);
  CHECK(nlohmann::json::parse(sink->json[0])["fields"]["value"] == "computed");
}

TEST_CASE("JSON lines carry time, level, event, metadata and typed fields") {
  Lines lines;
  auto sink = std::make_shared<JsonLinesSink>(lines.output());
  Logger logger(sink, LogLevel::trace,
                LogMetadata{{"client_id", "c1"}, {"smsc_host", "127.0.0.1"}, {"port", 2775}});
  std::string text = "hello \"world\"\n\t";
  AIOSMPP_LOG(logger, LogLevel::info, "submit_sm_sent", {"sequence_number", std::uint32_t{7}},
              {"delta", -3}, {"ratio", 0.25}, {"ok", true}, {"text", text},
              {"small", std::uint8_t{200}}, {"tiny", std::int8_t{-5}},
              {"big", std::numeric_limits<std::uint64_t>::max()},
              {"null_c_string", static_cast<const char*>(nullptr)});
  REQUIRE(lines.lines.size() == 1);
  const std::string& line = lines.lines[0];
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);  // one object per line: embedded newline escaped
  auto j = nlohmann::json::parse(line);
  CHECK(iso_time_shape(j["time"].get<std::string>()));
  CHECK(j["level"] == "INFO");
  CHECK(j["event"] == "submit_sm_sent");
  CHECK(j["metadata"]["client_id"] == "c1");
  CHECK(j["metadata"]["smsc_host"] == "127.0.0.1");
  CHECK(j["metadata"]["port"] == 2775);
  CHECK(j["fields"]["sequence_number"] == 7);
  CHECK(j["fields"]["delta"] == -3);
  CHECK(j["fields"]["ratio"] == 0.25);
  CHECK(j["fields"]["ok"] == true);
  CHECK(j["fields"]["text"] == text);
  CHECK(j["fields"]["small"] == 200);
  CHECK(j["fields"]["tiny"] == -5);
  CHECK(j["fields"]["big"].get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  CHECK(j["fields"]["null_c_string"] == "");
  // A char array is read up to its first NUL or its end, never past it.
  const char unterminated[4] = {'a', 'b', 'c', 'd'};
  const char terminated[8] = "xy";
  const LogField from_unterminated("k", unterminated);
  const LogField from_terminated("k", terminated);
  CHECK(std::get<std::string_view>(from_unterminated.value) == "abcd");
  CHECK(std::get<std::string_view>(from_terminated.value) == "xy");
  // Field order is kept: metadata first in insertion order.
  auto ordered = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (const auto& item : ordered.items())
    keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"time", "level", "event", "metadata", "fields"});
}

TEST_CASE("JSON lines stay valid for invalid UTF-8 and non-finite numbers") {
  Lines lines;
  Logger logger(std::make_shared<JsonLinesSink>(lines.output()), LogLevel::trace);
  const std::string octets("\xff\xfe\x80ok\xc3", 6);
  logger.log(LogLevel::info, "binary",
             {{"octets", octets},
              {"nan", std::nan("")},
              {"inf", std::numeric_limits<double>::infinity()}});
  REQUIRE(lines.lines.size() == 1);
  auto j = nlohmann::json::parse(lines.lines[0]);
  CHECK(j["fields"]["octets"].get<std::string>() ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDok\xEF\xBF\xBD");
  CHECK(j["fields"]["nan"].is_null());
  CHECK(j["fields"]["inf"].is_null());

  std::string out;
  const LogField odd[] = {{"whole", 2.0},
                          {"tiny", 1e-300},
                          {"third", 1.0 / 3.0},
                          {"key \"quoted\"\\", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
                          {"ctl", std::string_view("\0\x1f", 2)}};
  aiosmpp::format_json_line(record_at(std::chrono::system_clock::time_point{}, "e\"v", odd), out);
  CHECK(out.find("\"whole\":2.0") != std::string::npos);
  auto k = nlohmann::json::parse(out);
  CHECK(k["event"] == "e\"v");
  CHECK(k["fields"]["whole"].is_number_float());
  CHECK(k["fields"]["whole"] == 2.0);
  CHECK(k["fields"]["tiny"] == 1e-300);
  CHECK(k["fields"]["third"] == 1.0 / 3.0);                                  // round-trips exactly
  CHECK(k["fields"]["key \"quoted\"\\"] == "caf\xC3\xA9 \xF0\x9F\x98\x80");  // UTF-8 kept
  CHECK(k["fields"]["ctl"] == std::string("\0\x1f", 2));
  CHECK(out.find('\0') == std::string::npos);  // control characters are escaped
}

TEST_CASE("passwords never reach a sink, in metadata or fields") {
  const std::string secret = "s3cr3tPW";
  for (int format = 0; format < 2; ++format) {
    Lines lines;
    std::shared_ptr<LogSink> sink;
    if (format == 0) {
      sink = std::make_shared<JsonLinesSink>(lines.output());
    } else {
      sink = std::make_shared<TextSink>(lines.output());
    }
    // A breach ring in between must not hold the secret either.
    auto breach = std::make_shared<BreachSink>(sink, BreachSink::Options{.capacity = 10});
    Logger logger(breach, LogLevel::trace,
                  LogMetadata{{"system_id", "esme1"}, {"password", secret}});
    logger.log(LogLevel::debug, "bind", {{"Password", secret}, {"system_id", "esme1"}});
    AIOSMPP_LOG(logger, LogLevel::info, "config", {"smsc_password", secret}, {"api_key", secret},
                {"token", secret}, {"passwd", secret}, {"client_secret", secret}, {"tokens", 5});
    // More fields than the logger's inline buffer: the heap path redacts too.
    std::vector<LogField> many;
    for (int i = 0; i < 40; ++i)
      many.emplace_back("filler", i);
    many.emplace_back("PASSWORD", secret);
    logger.write_fields(LogLevel::info, "many", many);
    Logger child = logger.with({{"password", secret}, {"bind_mode", "trx"}});
    child.log(LogLevel::info, "child");
    CHECK(breach->buffered() == 4);
    logger.log(LogLevel::error, "bind_failed", {{"password", secret}});

    REQUIRE(lines.lines.size() == 5);
    for (const auto& line : lines.lines) {
      INFO(line);
      CHECK(line.find(secret) == std::string::npos);
      CHECK(line.find("********") != std::string::npos);
      if (format == 0) {
        auto j = nlohmann::json::parse(line);
        CHECK(j["metadata"]["password"] == "********");
        CHECK(j["metadata"]["system_id"] == "esme1");
      }
    }
    if (format == 0) {
      auto config = nlohmann::json::parse(lines.lines[1]);
      CHECK(config["fields"]["smsc_password"] == "********");
      CHECK(config["fields"]["api_key"] == "********");
      CHECK(config["fields"]["token"] == "********");
      CHECK(config["fields"]["passwd"] == "********");
      CHECK(config["fields"]["client_secret"] == "********");
      CHECK(config["fields"]["tokens"] == 5);  // only whole-word "token" is a secret
      auto many_line = nlohmann::json::parse(lines.lines[2]);
      CHECK(many_line["fields"]["PASSWORD"] == "********");
      CHECK(many_line["fields"]["filler"] == 39);
      auto child_line = nlohmann::json::parse(lines.lines[3]);
      CHECK(child_line["metadata"]["bind_mode"] == "trx");
    }
  }
  CHECK(aiosmpp::is_secret_log_key("password"));
  CHECK(aiosmpp::is_secret_log_key("SmscPassWord"));
  CHECK(aiosmpp::is_secret_log_key("Authorization"));
  CHECK_FALSE(aiosmpp::is_secret_log_key("system_id"));
  CHECK_FALSE(aiosmpp::is_secret_log_key("passes"));
  CHECK_FALSE(aiosmpp::is_secret_log_key(""));
  CHECK(aiosmpp::is_secret_log_key(std::string(70, 'x') + "PassWord"));  // beyond the fast path
  CHECK_FALSE(aiosmpp::is_secret_log_key(std::string(70, 'x') + "token"));
}

TEST_CASE("human text lines quote what needs quoting") {
  using namespace std::chrono;
  const auto when =
      system_clock::time_point(milliseconds(1609556645678));  // 2021-01-02 03:04:05.678
  const LogField fields[] = {
      {"n", 42},     {"name", "plain"}, {"msg", "two words"},
      {"empty", ""}, {"ok", false},     {"ctl", std::string_view("a\x01", 2)}};
  const LogField meta[] = {{"client_id", "c1"}};
  std::string out;
  aiosmpp::format_text_line(record_at(when, "evt", fields, meta), out);
  CHECK(out ==
        "2021-01-02T03:04:05.678Z INFO     evt n=42 name=plain msg=\"two words\" empty=\"\" "
        "ok=false ctl=\"a\\x01\" [client_id=c1]\n");
  out.clear();
  aiosmpp::format_text_line(record_at(when, "bare"), out);
  CHECK(out == "2021-01-02T03:04:05.678Z INFO     bare\n");
}

TEST_CASE("log time is ISO-8601 UTC with milliseconds") {
  using namespace std::chrono;
  std::string out;
  aiosmpp::format_log_time(system_clock::time_point(milliseconds(0)), out);
  CHECK(out == "1970-01-01T00:00:00.000Z");
  out.clear();
  aiosmpp::format_log_time(system_clock::time_point(milliseconds(951782400999)), out);
  CHECK(out == "2000-02-29T00:00:00.999Z");
  out.clear();
  aiosmpp::format_log_time(system_clock::time_point(milliseconds(-1)), out);
  CHECK(out == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("metadata keeps insertion order and replaces existing keys") {
  LogMetadata meta{{"a", 1}, {"b", "x"}};
  meta.set({"a", "replaced"});
  meta.set({"c", true});
  REQUIRE(meta.size() == 3);
  CHECK(meta.fields()[0].key == "a");
  CHECK(std::get<std::string_view>(meta.fields()[0].value) == "replaced");
  CHECK(meta.fields()[2].key == "c");
  // Copies and moves own their strings: views stay valid after the source is gone.
  LogMetadata copy;
  {
    LogMetadata temp{{"short", "s"}, {"long", std::string(100, 'L')}};
    copy = temp;
    LogMetadata moved(std::move(temp));
    CHECK(std::get<std::string_view>(moved.fields()[0].value) == "s");
  }
  CHECK(std::get<std::string_view>(copy.fields()[0].value) == "s");
  LogMetadata assigned;
  {
    LogMetadata temp{{"k", "small"}, {"n", 3}};
    assigned = std::move(temp);
    CHECK(temp.empty());  // NOLINT(bugprone-use-after-move): moved-from is documented empty
  }
  CHECK(std::get<std::string_view>(assigned.fields()[0].value) == "small");
  CHECK(std::get<std::int64_t>(assigned.fields()[1].value) == 3);
  CHECK(std::get<std::string_view>(copy.fields()[1].value) == std::string(100, 'L'));

  auto sink = std::make_shared<CapturingSink>();
  Logger parent(sink, LogLevel::info, LogMetadata{{"client_id", "p"}});
  Logger child = parent.with({{"client_id", "c"}, {"system_id", "sys"}});
  parent.log(LogLevel::info, "from_parent");
  child.log(LogLevel::info, "from_child");
  auto p = nlohmann::json::parse(sink->json[0]);
  auto c = nlohmann::json::parse(sink->json[1]);
  CHECK(p["metadata"] == nlohmann::json{{"client_id", "p"}});
  CHECK(c["metadata"] == nlohmann::json{{"client_id", "c"}, {"system_id", "sys"}});
}

TEST_CASE("breach sink keeps the last N records and writes them out on error") {
  auto target = std::make_shared<CapturingSink>();
  auto breach = std::make_shared<BreachSink>(
      target,
      BreachSink::Options{.capacity = 3, .trigger = LogLevel::error, .keep_from = LogLevel::debug});
  Logger logger(breach, LogLevel::trace, LogMetadata{{"client_id", "b"}});
  logger.log(LogLevel::trace, "dropped_below_keep_from");
  for (int i = 1; i <= 5; ++i)
    logger.log(LogLevel::info, "step", {{"i", i}, {"s", "text"}});
  CHECK(target->json.empty());
  CHECK(breach->buffered() == 3);

  logger.log(LogLevel::error, "boom");
  REQUIRE(target->json.size() == 4);
  for (int k = 0; k < 3; ++k) {
    auto j = nlohmann::json::parse(target->json[static_cast<std::size_t>(k)]);
    CHECK(j["event"] == "step");
    CHECK(j["fields"]["i"] == k + 3);  // oldest first: 3, 4, 5
    CHECK(j["fields"]["s"] == "text");
    CHECK(j["metadata"]["client_id"] == "b");
  }
  CHECK(nlohmann::json::parse(target->json[3])["event"] == "boom");
  CHECK(breach->buffered() == 0);

  // After a write-out the ring refills from where it was; no old record reappears.
  logger.log(LogLevel::warning, "after1");
  logger.log(LogLevel::warning, "after2");
  CHECK(breach->buffered() == 2);
  logger.log(LogLevel::critical, "again");
  REQUIRE(target->json.size() == 7);
  CHECK(nlohmann::json::parse(target->json[4])["event"] == "after1");
  CHECK(nlohmann::json::parse(target->json[5])["event"] == "after2");
  CHECK(nlohmann::json::parse(target->json[6])["event"] == "again");

  // Many more records than the capacity: still only the last three, in order.
  for (int i = 0; i < 1000; ++i)
    logger.log(LogLevel::debug, "flood", {{"i", i}});
  CHECK(breach->buffered() == 3);
  breach->dump();
  REQUIRE(target->json.size() == 10);
  CHECK(nlohmann::json::parse(target->json[7])["fields"]["i"] == 997);
  CHECK(nlohmann::json::parse(target->json[9])["fields"]["i"] == 999);
  CHECK(target->flushes == 1);
  breach->flush();
  CHECK(target->flushes == 2);

  auto passthrough = std::make_shared<CapturingSink>();
  BreachSink none(passthrough, BreachSink::Options{.capacity = 0});
  Logger l2(std::shared_ptr<LogSink>(&none, [](LogSink*) {}), LogLevel::trace);
  l2.log(LogLevel::info, "not_kept");
  l2.log(LogLevel::error, "kept");
  REQUIRE(passthrough->json.size() == 1);
  CHECK(nlohmann::json::parse(passthrough->json[0])["event"] == "kept");
  CHECK_THROWS_AS(BreachSink(nullptr), std::invalid_argument);
}

TEST_CASE("a throwing sink never fails the caller") {
  Logger logger(std::make_shared<ThrowingSink>(), LogLevel::trace);
  CHECK_NOTHROW(logger.log(LogLevel::error, "lost", {{"x", 1}}));
  CHECK_NOTHROW(logger.log(LogLevel::error, "lost", {{"password", "x"}}));
}

TEST_CASE("line sinks write to streams and files") {
  std::ostringstream stream;
  Logger to_stream(std::make_shared<TextSink>(stream), LogLevel::info);
  to_stream.log(LogLevel::info, "to_stream", {{"k", "v"}});
  to_stream.sink()->flush();
  CHECK(stream.str().find(" INFO     to_stream k=v\n") != std::string::npos);

  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  {
    Logger to_file(std::make_shared<JsonLinesSink>(file), LogLevel::info);
    to_file.log(LogLevel::info, "to_file", {{"k", 1}});
    to_file.sink()->flush();
  }
  std::rewind(file);
  char buffer[512] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  auto j = nlohmann::json::parse(std::string(buffer, n));
  CHECK(j["event"] == "to_file");
  CHECK_THROWS_AS(LogOutput::file(nullptr), std::invalid_argument);
  CHECK_THROWS_AS(LogOutput::callback({}), std::invalid_argument);
}

TEST_CASE("sinks are safe to share between threads") {
  Lines lines;
  auto json = std::make_shared<JsonLinesSink>(lines.output());
  auto breach = std::make_shared<BreachSink>(json, BreachSink::Options{.capacity = 50});
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Logger logger(breach, LogLevel::trace, LogMetadata{{"thread", t}});
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      for (int i = 0; i < per_thread; ++i) {
        // Every tenth record triggers a write-out of the shared ring.
        logger.log(i % 10 == 9 ? LogLevel::error : LogLevel::debug, "work",
                   {{"i", i}, {"text", std::string(static_cast<std::size_t>(i % 40), 'x')}});
      }
    });
  }
  for (auto& w : workers)
    w.join();
  breach->dump();
  // Each record is written exactly once, either from the ring or as a trigger; the ring only drops
  // records when more than 50 arrive between triggers, which 4 threads x 9 debug records can't do.
  CHECK(lines.lines.size() == static_cast<std::size_t>(threads * per_thread));
  std::vector<int> seen(threads * per_thread, 0);
  for (const auto& line : lines.lines) {
    auto j = nlohmann::json::parse(line);
    const int t = j["metadata"]["thread"].get<int>();
    const int i = j["fields"]["i"].get<int>();
    REQUIRE(t >= 0);
    REQUIRE(t < threads);
    CHECK(j["fields"]["text"].get<std::string>().size() == static_cast<std::size_t>(i % 40));
    ++seen[static_cast<std::size_t>(t * per_thread + i)];
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
}
