// EsmeMetrics: the histogram's buckets, the Prometheus text format (parsed back here), and the
// exact counts the session machine records for a scripted exchange.
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "aiosmpp/esme/metrics.hpp"
#include "aiosmpp/metrics.hpp"
#include "unit/esme/session_machine_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

// One parsed sample line: name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A strict reader of the text exposition format (0.0.4) for what the writer may produce: each
// family's HELP and TYPE before its samples, every sample of a declared family, label values
// unescaped. It fails the test on anything else, so the output is proven parseable.
struct Exposition {
  std::map<std::string, std::string> types;
  std::vector<Sample> samples;

  static std::string family_of(const std::string& name,
                               const std::map<std::string, std::string>& t) {
    if (t.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        const auto base = name.substr(0, name.size() - s.size());
        if (t.count(base) && t.at(base) == "histogram") return base;
      }
    }
    return {};
  }

  explicit Exposition(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::set<std::string> helped;
    while (std::getline(in, line)) {
      INFO(line);
      REQUIRE(!line.empty());
      if (line.rfind("# HELP ", 0) == 0) {
        const auto name = line.substr(7, line.find(' ', 7) - 7);
        REQUIRE(helped.insert(name).second);  // once per family
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream t(line.substr(7));
        std::string name, type;
        t >> name >> type;
        REQUIRE(helped.count(name) == 1);
        REQUIRE((type == "counter" || type == "gauge" || type == "histogram"));
        REQUIRE(types.emplace(name, type).second);
        continue;
      }
      REQUIRE(line[0] != '#');
      samples.push_back(parse_sample(line));
      REQUIRE(!family_of(samples.back().name, types).empty());
    }
  }

  static Sample parse_sample(const std::string& line) {
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_'))
      ++i;
    s.name = line.substr(0, i);
    REQUIRE(!s.name.empty());
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        const auto eq = line.find('=', i);
        REQUIRE(eq != std::string::npos);
        const auto label = line.substr(i, eq - i);
        REQUIRE(line[eq + 1] == '"');
        std::string value;
        std::size_t j = eq + 2;
        for (; line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        s.labels[label] = value;
        i = j + 1;
        if (line[i] == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line[i] == ' ');
    const auto v = line.substr(i + 1);
    s.value = v == "+Inf" ? INFINITY : std::stod(v);
    return s;
  }

  const Sample* find(const std::string& name,
                     const std::map<std::string, std::string>& want) const {
    const Sample* found = nullptr;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [k, v] : want)
        all = all && s.labels.count(k) && s.labels.at(k) == v;
      if (all) {
        REQUIRE(found == nullptr);  // the labels given select one sample
        found = &s;
      }
    }
    return found;
  }
};

}  // namespace

TEST_CASE("LatencyHistogram: log-spaced buckets from 50 µs, +Inf last", "[esme][metrics]") {
  LatencyHistogram h;
  h.observe(-5ns);                   // counts as 0
  h.observe(50us);                   // bucket 0 (≤ 50 µs)
  h.observe(50001ns);                // bucket 1 (≤ 100 µs)
  h.observe(100us);                  // bucket 1
  h.observe(1ms);                    // bucket 5 (≤ 1.6 ms)
  h.observe(std::chrono::hours(1));  // +Inf
  CHECK(h.count() == 6);
  CHECK(h.buckets()[0] == 2);
  CHECK(h.buckets()[1] == 2);
  CHECK(h.buckets()[5] == 1);
  CHECK(h.buckets()[LatencyHistogram::bucket_count - 1] == 1);
  CHECK(LatencyHistogram::upper_bound_seconds(0) == Approx(50e-6));
  CHECK(LatencyHistogram::upper_bound_seconds(5) == Approx(1.6e-3));
  CHECK(std::isinf(LatencyHistogram::upper_bound_seconds(LatencyHistogram::bucket_count - 1)));
  CHECK(h.sum_seconds() == Approx(3600 + 1e-3 + 200e-6 + 1e-9 + 50e-6));
  CHECK(h.quantile(0.5) == Approx(100e-6));  // the third of six
  CHECK(h.quantile(0.8) == Approx(1.6e-3));
  LatencyHistogram other;
  other.observe(1ms);
  h.merge(other);
  CHECK(h.count() == 7);
  CHECK(h.buckets()[5] == 2);
  CHECK(LatencyHistogram{}.quantile(0.99) == 0);
}

TEST_CASE("PrometheusWriter: label values escaped, histograms cumulative", "[esme][metrics]") {
  std::string out;
  PrometheusWriter w(out);
  w.family("x_total", "counter", "A counter.");
  w.sample("x_total", {{"a", "quote\" back\\slash\nline"}}, 3);
  w.family("lat_seconds", "histogram", "A histogram.");
  LatencyHistogram h;
  h.observe(10us);
  h.observe(1ms);
  h.observe(2ms);
  const std::array<PrometheusWriter::Label, 1> labels{{{"client_id", "c"}}};
  w.histogram("lat_seconds", labels, h);
  const Exposition e(out);
  const auto* x = e.find("x_total", {});
  REQUIRE(x != nullptr);
  CHECK(x->labels.at("a") == "quote\" back\\slash\nline");
  CHECK(x->value == 3);
  double last = 0;
  int buckets = 0;
  for (const auto& s : e.samples) {
    if (s.name != "lat_seconds_bucket") continue;
    CHECK(s.value >= last);  // cumulative
    last = s.value;
    ++buckets;
  }
  CHECK(buckets == static_cast<int>(LatencyHistogram::bucket_count));
  CHECK(e.find("lat_seconds_bucket", {{"le", "5e-05"}})->value == 1);
  CHECK(e.find("lat_seconds_bucket", {{"le", "+Inf"}})->value == 3);
  CHECK(e.find("lat_seconds_count", {})->value == 3);
  CHECK(e.find("lat_seconds_sum", {})->value == Approx(3.01e-3));
}

TEST_CASE("metrics: a scripted exchange gives exact counts, written and parsed back",
          "[esme][metrics][machine]") {
  MachineHarness h;
  h.bind();
  const auto sent = h.send(pdus({submit("a"), submit("b"), submit("c"), submit("d")}));
  REQUIRE(sent.size() == 4);
  h.advance(1ms);
  h.feed(submit_resp(seq_of(sent[0]), "m-a"));
  h.feed(submit_resp(seq_of(sent[1]), "", CommandStatus::invalid_dest_address));
  h.feed(submit_resp(seq_of(sent[2]), "m-c"));
  GenericNack nack;
  nack.header = {CommandStatus::invalid_command_id, seq_of(sent[3])};
  h.feed(nack);
  h.feed(receipt(1,
                 "id:m-a sub:001 dlvrd:001 submit date:2612070101 done date:2612070102 "
                 "stat:DELIVRD err:000 text:hello"));
  h.feed(receipt(2,
                 "id:m-c sub:001 dlvrd:000 submit date:2612070101 done date:2612070102 "
                 "stat:ACCEPTD err:000 text:hello"));
  h.feed(receipt(3,
                 "id:m-c sub:001 dlvrd:000 submit date:2612070101 done date:2612070102 "
                 "stat:UNDELIV err:001 text:hello"));
  (void)h.written();

  EsmeMetrics m;
  h.machine->metrics().snapshot(m);
  m.stats = h.machine->stats();
  auto count_of = [&](CommandId id, CommandStatus st) -> std::uint64_t {
    for (const auto& r : m.responses)
      if (r.command == id && r.status == st) return r.count;
    return 0;
  };
  CHECK(m.responses.size() == 3);
  CHECK(count_of(CommandId::submit_sm_resp, CommandStatus::ok) == 2);
  CHECK(count_of(CommandId::submit_sm_resp, CommandStatus::invalid_dest_address) == 1);
  CHECK(count_of(CommandId::generic_nack, CommandStatus::invalid_command_id) == 1);
  REQUIRE(m.response_latency.count() == 4);
  CHECK(m.response_latency.buckets()[5] == 4);  // every response 1 ms after its send
  REQUIRE(m.receipts.size() == 3);
  auto receipts_of = [&](MessageState st, bool final) -> std::uint64_t {
    for (const auto& r : m.receipts)
      if (r.state == st && r.final == final) return r.count;
    return 0;
  };
  CHECK(receipts_of(MessageState::delivered, true) == 1);
  CHECK(receipts_of(MessageState::accepted, false) == 1);  // ACCEPTD is not final by default
  CHECK(receipts_of(MessageState::undeliverable, true) == 1);
  CHECK(m.bytes_out == h.raw_written.size());
  CHECK(m.bytes_in > 0);

  EsmeMetrics second = m;
  std::string text;
  const std::array<LabelledMetrics, 2> both{{{"bind-1", &m}, {"bind \"2\"", &second}}};
  write_prometheus(both, text);
  const Exposition e(text);
  CHECK(e.types.at("aiosmpp_esme_responses_total") == "counter");
  CHECK(e.types.at("aiosmpp_esme_response_latency_seconds") == "histogram");
  for (const char* id : {"bind-1", "bind \"2\""}) {
    INFO(id);
    const auto* ok =
        e.find("aiosmpp_esme_responses_total",
               {{"client_id", id}, {"command", "submit_sm_resp"}, {"status_code", "0x00000000"}});
    REQUIRE(ok != nullptr);
    CHECK(ok->value == 2);
    const auto* nacks =
        e.find("aiosmpp_esme_responses_total", {{"client_id", id}, {"command", "generic_nack"}});
    REQUIRE(nacks != nullptr);
    CHECK(nacks->value == 1);
    CHECK(e.find("aiosmpp_esme_receipts_total",
                 {{"client_id", id},
                  {"state", std::string(to_string(MessageState::undeliverable))},
                  {"final", "true"}})
              ->value == 1);
    CHECK(e.find("aiosmpp_esme_response_latency_seconds_count", {{"client_id", id}})->value == 4);
    CHECK(e.find("aiosmpp_esme_written_bytes_total", {{"client_id", id}})->value ==
          static_cast<double>(m.bytes_out));
  }

  m.merge(second);
  CHECK(count_of(CommandId::submit_sm_resp, CommandStatus::ok) == 4);
  CHECK(m.response_latency.count() == 8);
  CHECK(receipts_of(MessageState::delivered, true) == 2);
  CHECK(m.bytes_out == 2 * h.raw_written.size());
}
