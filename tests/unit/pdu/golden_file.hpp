// The committed PDU vectors, read for the tests that check them: tests/data/pdu/golden.txt (3.4)
// and golden-5.0.txt ("[name]" then hex lines, "#" comments), and tests/unit/json/data/pdus.txt
// ("<hex> <description>" per line).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/test_support.hpp"

namespace aiosmpp::test {

/** golden.txt and golden-5.0.txt: name -> octets (the names are unique across both). */
inline std::map<std::string, std::vector<std::uint8_t>> golden_pdus() {
  const std::string text = read_file(AIOSMPP_TEST_DATA_DIR "/pdu/golden.txt") + "\n" +
                           read_file(AIOSMPP_TEST_DATA_DIR "/pdu/golden-5.0.txt");
  std::map<std::string, std::vector<std::uint8_t>> out;
  std::string name;
  std::string hex;
  auto flush = [&] {
    if (!name.empty()) out[name] = from_hex(hex);
    hex.clear();
  };
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto nl = std::min(text.find('\n', at), text.size());
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    line = line.substr(0, line.find('#'));
    if (!line.empty() && line.front() == '[') {
      flush();
      name = line.substr(1, line.find(']') - 1);
      if (out.count(name) != 0) throw std::runtime_error("golden vector [" + name + "] twice");
    } else {
      hex += line;
    }
  }
  flush();
  return out;
}

/** pdus.txt (the JSON vectors): (octets, description) in file order. */
inline std::vector<std::pair<std::vector<std::uint8_t>, std::string>> json_vector_pdus(
    const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::pair<std::vector<std::uint8_t>, std::string>> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.find(' ');
    out.emplace_back(from_hex(line.substr(0, space)),
                     space == std::string::npos ? std::string() : line.substr(space + 1));
  }
  return out;
}

}  // namespace aiosmpp::test
