// Logging micro-benchmarks. The claim to prove: a disabled AIOSMPP_LOG costs a load and a compare,
// evaluates none of its fields and allocates nothing; and what an enabled record costs per sink.
//
//   log_bench --benchmark_counters_tabular=true
//
// "allocs" is heap allocations per call, counted by the replaced global operator new below.

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include <benchmark/benchmark.h>

#include "aiosmpp/log.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

// g++ 12 sees the replaced operator new and delete inlined into each other as malloc and free and
// warns about a mismatch that is not one: both sides of the replacement use malloc/free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using aiosmpp::Logger;
using aiosmpp::LogLevel;
using aiosmpp::LogMetadata;

LogMetadata esme_metadata() {
  return LogMetadata{{"client_id", "esme-1"},
                     {"smsc_host", "smsc.example.net"},
                     {"system_id", "smppclient1"},
                     {"password", "secret"}};
}

// A sink output that keeps the bytes from being optimised away and writes nowhere.
aiosmpp::LogOutput discard() {
  return aiosmpp::LogOutput::callback(
      [](std::string_view line) { benchmark::DoNotOptimize(line.data()); });
}

void report_allocations(benchmark::State& state, std::size_t before) {
  const auto after = allocations.load(std::memory_order_relaxed);
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(after - before), benchmark::Counter::kAvgIterations);
}

// The ESME's hot-path shape: a per-PDU TRACE record with a field that costs a string to compute,
// with the logger at INFO.
void BM_DisabledMacro(benchmark::State& state) {
  Logger logger(std::make_shared<aiosmpp::JsonLinesSink>(discard()), LogLevel::info,
                esme_metadata());
  std::uint32_t sequence = 0;
  const auto before = allocations.load();
  for (auto _ : state) {
    ++sequence;
    AIOSMPP_LOG(logger, LogLevel::trace, "pdu_sent", {"sequence_number", sequence},
                {"command", "submit_sm"}, {"hex", std::string(64, 'a')});
    benchmark::DoNotOptimize(sequence);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_DisabledMacro);

// Logger::log with cheap fields: the initializer_list is built before the check.
void BM_DisabledLogMethod(benchmark::State& state) {
  Logger logger(std::make_shared<aiosmpp::JsonLinesSink>(discard()), LogLevel::info,
                esme_metadata());
  std::uint32_t sequence = 0;
  const auto before = allocations.load();
  for (auto _ : state) {
    ++sequence;
    logger.log(LogLevel::debug, "pdu_sent", {{"sequence_number", sequence}, {"ok", true}});
    benchmark::DoNotOptimize(sequence);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_DisabledLogMethod);

// A default (sink-less) Logger, as an Esme without logging configured has.
void BM_DisabledNoSink(benchmark::State& state) {
  Logger logger;
  std::uint32_t sequence = 0;
  const auto before = allocations.load();
  for (auto _ : state) {
    ++sequence;
    AIOSMPP_LOG(logger, LogLevel::critical, "x", {"sequence_number", sequence});
    benchmark::DoNotOptimize(sequence);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_DisabledNoSink);

template <class Sink>
void enabled_record(benchmark::State& state, std::shared_ptr<aiosmpp::LogSink> sink) {
  Logger logger(std::move(sink), LogLevel::trace, esme_metadata());
  std::uint32_t sequence = 0;
  const auto before = allocations.load();
  for (auto _ : state) {
    ++sequence;
    AIOSMPP_LOG(logger, LogLevel::info, "submit_sm_resp", {"sequence_number", sequence},
                {"command_status", 0}, {"message_id", "4f3a9c01"}, {"latency_ms", 0.42});
  }
  report_allocations(state, before);
  state.SetItemsProcessed(state.iterations());
}

void BM_EnabledJsonLine(benchmark::State& state) {
  enabled_record<aiosmpp::JsonLinesSink>(state,
                                         std::make_shared<aiosmpp::JsonLinesSink>(discard()));
}
BENCHMARK(BM_EnabledJsonLine);

void BM_EnabledTextLine(benchmark::State& state) {
  enabled_record<aiosmpp::TextSink>(state, std::make_shared<aiosmpp::TextSink>(discard()));
}
BENCHMARK(BM_EnabledTextLine);

// Records kept in a warmed-up breach ring (below its trigger): the copy into reused slots.
void BM_EnabledBreachKept(benchmark::State& state) {
  auto breach =
      std::make_shared<aiosmpp::BreachSink>(std::make_shared<aiosmpp::JsonLinesSink>(discard()),
                                            aiosmpp::BreachSink::Options{.capacity = 1000});
  enabled_record<aiosmpp::BreachSink>(state, breach);
}
BENCHMARK(BM_EnabledBreachKept);

}  // namespace

BENCHMARK_MAIN();
