// The text entry points: a PDU to JSON text and back, and the error they throw.

#include <string>
#include <string_view>
#include <utility>

#include "support.hpp"

namespace aiosmpp {

JsonError::JsonError(std::string path, std::string problem)
    : std::runtime_error(path + ": " + problem),
      path_(std::move(path)),
      problem_(std::move(problem)) {}

std::string json_encode(const Pdu& pdu, int indent) {
  nlohmann::ordered_json j;
  aiosmpp::to_json(j, pdu);
  return j.dump(indent < 0 ? -1 : indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Pdu json_decode(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep its position and reason.
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    throw JsonError("json", fmt::format("not valid JSON (byte {}): {}", e.byte, what));
  } catch (const nlohmann::json::exception& e) {
    // Valid syntax nlohmann still cannot hold, such as a number beyond a double (1E400).
    std::string what = e.what();
    if (const auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
    throw JsonError("json", fmt::format("not usable JSON: {}", what));
  }
  Pdu pdu;
  aiosmpp::from_json(j, pdu);
  return pdu;
}

}  // namespace aiosmpp
