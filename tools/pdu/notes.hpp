#pragma once
// aiosmpp-pdu decode's notes for people: every field by name plus read-only keys starting with
// '_' (command_id and length, status, esm_class bits, data_coding, the short message as text, a
// parsed delivery receipt). 'encode' ignores them.

#include <cstddef>

#include <nlohmann/json.hpp>

#include "aiosmpp/pdu/pdu.hpp"

namespace aiosmpp::tools {

/** `pdu` as JSON (aiosmpp's schema) with the notes; `length` is its command_length. */
nlohmann::ordered_json annotate(const Pdu& pdu, std::size_t length);

}  // namespace aiosmpp::tools
