// soak: the reliability soak. The Esme sends --count submit_sm (asking for receipts) to the
// bundled simulator with every trouble mode on at once: ESME_RTHROTTLED and other error statuses,
// withheld responses, response delays, a dropped connection every --drop-every PDUs, receipts
// with mixed final states. Then it checks that every message ended exactly once (a response, or a
// send_error), that every accepted message's receipt reached its log_id, and that memory did not
// grow. Prints a summary and
//
//   RESULT soak n=N seconds=S msgs_per_s=R violations=V rss_first_kb=.. rss_last_kb=..
//   rss_peak_kb=..
//
// and exits 1 on any violation (2 on bad arguments). See bench/soak.hpp for what is checked.
//
//   soak [--count N] [--window W] [--drop-every N] [--seed S] [--correlator-max-entries N]
//        [--correlator-max-markers N] [--correlator-max-held N] [--no-flow-control]
//        [--no-requeue] [--progress]
//
// The correlator's markers and held receipts are scaled to --count unless given (bench/soak.hpp,
// Options::correlator_max_markers says why); --correlator-max-markers 100000
// --correlator-max-held 10000 runs with the library's defaults.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "soak.hpp"

namespace {

[[noreturn]] void usage(const char* why) {
  std::fprintf(
      stderr,
      "soak: %s\nusage: soak [--count N] [--window W] [--drop-every N] [--seed S] "
      "[--correlator-max-entries N] [--correlator-max-markers N] [--correlator-max-held N] "
      "[--no-flow-control] [--no-requeue] [--progress]\n",
      why);
  std::exit(2);
}

std::uint64_t number(const char* value, const char* what, std::uint64_t min, std::uint64_t max) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0' || v < min || v > max) {
    std::fprintf(stderr, "soak: %s must be %llu..%llu, got \"%s\"\n", what,
                 static_cast<unsigned long long>(min), static_cast<unsigned long long>(max), value);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  aiosmpp::soak::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-flow-control") {
      o.flow_control = false;
      continue;
    }
    if (arg == "--no-requeue") {
      o.requeue = false;
      continue;
    }
    if (arg == "--progress") {
      o.progress = stderr;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    const char* value = argv[++i];
    if (arg == "--count") {
      o.count = number(value, "--count", 1, 100'000'000);
    } else if (arg == "--window") {
      o.window = number(value, "--window", 1, 65536);
    } else if (arg == "--drop-every") {
      o.drop_every = number(value, "--drop-every", 0, 1'000'000'000);
    } else if (arg == "--correlator-max-entries") {
      o.correlator_max_entries = number(value, "--correlator-max-entries", 1, 100'000'000);
    } else if (arg == "--correlator-max-markers") {
      o.correlator_max_markers = number(value, "--correlator-max-markers", 1, 100'000'000);
    } else if (arg == "--correlator-max-held") {
      o.correlator_max_held = number(value, "--correlator-max-held", 1, 100'000'000);
    } else if (arg == "--seed") {
      o.seed = number(value, "--seed", 1, UINT64_MAX);
    } else {
      usage("unknown option");
    }
  }
  try {
    const auto report = aiosmpp::soak::run_soak(o);
    std::fputs(aiosmpp::soak::format_report(report).c_str(), stdout);
    return report.ok() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: %s\n", e.what());
    return 1;
  }
}
