// aiosmpp-send: sends SMS from a CSV or JSON-lines file, stdin or the command line through an
// aiosmpp::Esme. Options: --help and docs/guides/send.md.

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "input.hpp"
#include "options.hpp"
#include "sender.hpp"
#include "state.hpp"

namespace {

using namespace aiosmpp::send;

// The messages to send: the file or stdin read whole, or the one --to/--text gives.
Input read_input(const SendOptions& o) {
  if (!o.to.empty()) {
    Input in;
    InputMessage m;
    m.line = 1;
    m.destination = o.to;
    m.text = o.text;
    in.messages.push_back(std::move(m));
    return in;
  }
  // A resumed --state run sends what the state file holds (sender.cpp says so).
  if (o.input.empty() || (!o.state.empty() && state_is_loaded(o.state))) return {};
  if (o.input == "-") return parse_input(std::cin, o);
  std::ifstream file(o.input, std::ios::binary);
  if (!file) throw std::invalid_argument(fmt::format("{}: cannot be read", o.input));
  return parse_input(file, o);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  std::optional<SendOptions> options;
  Input input;
  try {
    options = parse_send_args(args);
    if (options) input = read_input(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiosmpp-send: %s\n", e.what());
    return exit_usage;
  }
  if (!options) {
    std::fputs(send_usage().c_str(), stdout);
    return exit_all_accepted;
  }
  try {
    return run_send(*options, std::move(input));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiosmpp-send: %s\n", e.what());
    return exit_usage;
  }
}
