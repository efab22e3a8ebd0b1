// The outcome record's JSON (see aiosmpp/json/outcome.hpp): written by aiosmpp-send --out and
// by the Redis outcome stream, read back by the stream's consumers and the tests.

#include "aiosmpp/json/outcome.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json_string.hpp"
#include "support.hpp"

namespace aiosmpp {

namespace {

using Json = nlohmann::ordered_json;
using detail::jsonio::fail;
using detail::jsonio::ObjectIn;
using detail::jsonio::Path;

constexpr std::array<OutcomeKind, 5> all_kinds{OutcomeKind::ok, OutcomeKind::rejected,
                                               OutcomeKind::unknown, OutcomeKind::invalid,
                                               OutcomeKind::not_sent};

std::string read_text_or_null(const Json* j, const Path& path) {
  if (j == nullptr || j->is_null()) return {};
  if (!j->is_string()) fail(path, "expected a string or null" + detail::jsonio::got(*j));
  return j->get<std::string>();
}

std::string read_text(const Json* j, const Path& path) {
  if (j == nullptr || !j->is_string()) {
    fail(path, j == nullptr ? "missing" : "expected a string" + detail::jsonio::got(*j));
  }
  return j->get<std::string>();
}

bool read_flag(ObjectIn<Json>& in, std::string_view key) {
  const Json* j = in.find(key);
  if (j == nullptr) return false;
  return detail::jsonio::read_bool(*j, in.path().child(key));
}

void read_outcome_fields(ObjectIn<Json>& in, OutcomeRecord& r) {
  const Path& root = in.path();
  const auto kind = read_text(in.find("outcome"), root.child("outcome"));
  const auto it = std::find_if(all_kinds.begin(), all_kinds.end(),
                               [&](OutcomeKind k) { return to_string(k) == kind; });
  if (it == all_kinds.end()) {
    fail(root.child("outcome"),
         "expected ok, rejected, unknown, invalid or not_sent, got \"" + kind + "\"");
  }
  r.kind = *it;
  in.find("command_status");  // the name; the code below is what is read
  if (const Json* code = in.find("command_status_code"); code != nullptr && !code->is_null()) {
    r.status = static_cast<CommandStatus>(
        detail::jsonio::read_uint(*code, root.child("command_status_code"), 0xFFFF'FFFFu));
  }
  r.error = read_text_or_null(in.find("error"), root.child("error"));
  if (const Json* receipt = in.find("receipt")) {
    r.receipt_asked = true;
    if (!receipt->is_null()) r.receipt_state = read_text(receipt, root.child("receipt"));
  }
}

void read_receipt_fields(ObjectIn<Json>& in, OutcomeRecord& r) {
  const Path& root = in.path();
  r.receipt_asked = true;
  const Json* receipt = in.find("receipt");
  if (receipt != nullptr && !receipt->is_null()) {
    r.receipt_state = read_text(receipt, root.child("receipt"));
  }
  r.final_state = read_flag(in, "final");
  r.matched = read_flag(in, "matched");
  r.repeat = read_flag(in, "repeat");
  r.held = read_flag(in, "held");
}

}  // namespace

std::string_view to_string(OutcomeKind kind) noexcept {
  switch (kind) {
    case OutcomeKind::ok:
      return "ok";
    case OutcomeKind::rejected:
      return "rejected";
    case OutcomeKind::unknown:
      return "unknown";
    case OutcomeKind::invalid:
      return "invalid";
    case OutcomeKind::not_sent:
      return "not_sent";
  }
  return "unknown";
}

OutcomeKind outcome_kind_of_response(const Pdu& response) noexcept {
  // A generic_nack is a refusal whatever its status says.
  return header_of(response).command_status == CommandStatus::ok &&
                 !std::holds_alternative<GenericNack>(response)
             ? OutcomeKind::ok
             : OutcomeKind::rejected;
}

void set_response(OutcomeRecord& record, const Pdu& response) {
  record.status = header_of(response).command_status;
  record.kind = outcome_kind_of_response(response);
  record.message_id = std::string(message_id_of(response));
  record.error = record.kind == OutcomeKind::rejected
                     ? std::string(status_description(*record.status))
                     : std::string();
}

// Written directly rather than through an nlohmann document: the Redis outcome stream writes one
// record per message, and the document cost about 3 us and a dozen allocations each. The output
// is byte for byte what nlohmann's dump wrote (tests compare the two).
std::string outcome_json(const OutcomeRecord& r) {
  std::string out;
  out.reserve(160 + r.id.size() + r.destination.size() + r.message_id.size() + r.error.size() +
              r.extra_data.size() + r.client_id.size());
  const bool receipt = r.event == OutcomeRecord::Event::receipt;
  bool first = true;
  const auto key = [&](std::string_view k) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(k);
    out.append("\":");
  };
  const auto text_or_null = [&](const std::string& v) {
    if (v.empty()) {
      out.append("null");
    } else {
      detail::append_json_string(v, out);
    }
  };
  const auto flag = [&](std::string_view k, bool v) {
    key(k);
    out.append(v ? "true" : "false");
  };
  out.push_back('{');
  if (r.event) {
    key("event");
    out.append(receipt ? "\"receipt\"" : "\"outcome\"");
  }
  if (r.line != 0) {
    key("line");
    fmt::format_to(std::back_inserter(out), "{}", r.line);
  }
  key("id");
  text_or_null(r.id);
  key("destination");
  detail::append_json_string(r.destination, out);
  if (!receipt) {
    key("outcome");
    detail::append_json_string(to_string(r.kind), out);
    key("command_status");
    if (r.status) {
      detail::append_json_string(status_name(*r.status), out);
      key("command_status_code");
      fmt::format_to(std::back_inserter(out), "{}", static_cast<std::uint32_t>(*r.status));
    } else {
      out.append("null");
      key("command_status_code");
      out.append("null");
    }
  }
  key("message_id");
  text_or_null(r.message_id);
  if (!receipt) {
    key("error");
    text_or_null(r.error);
  }
  if (r.receipt_asked || receipt) {
    key("receipt");
    if (r.receipt_state) {
      detail::append_json_string(*r.receipt_state, out);
    } else {
      out.append("null");
    }
  }
  if (receipt) {
    flag("final", r.final_state);
    flag("matched", r.matched);
    flag("repeat", r.repeat);
    flag("held", r.held);
  }
  if (!r.extra_data.empty()) {
    key("extra_data");
    detail::append_json_string(r.extra_data, out);
  }
  if (!r.client_id.empty()) {
    key("client_id");
    detail::append_json_string(r.client_id, out);
  }
  out.push_back('}');
  return out;
}

OutcomeRecord outcome_from_json(std::string_view text) {
  const Path root{nullptr, "outcome", Path::npos};
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) fail(root, "not JSON");
  ObjectIn<Json> in(j, root);
  OutcomeRecord r;
  if (const Json* event = in.find("event")) {
    const auto name = read_text(event, root.child("event"));
    if (name == "outcome") {
      r.event = OutcomeRecord::Event::outcome;
    } else if (name == "receipt") {
      r.event = OutcomeRecord::Event::receipt;
    } else {
      fail(root.child("event"), "expected outcome or receipt, got \"" + name + "\"");
    }
  }
  if (const Json* line = in.find("line")) {
    r.line =
        static_cast<std::size_t>(detail::jsonio::read_uint(*line, root.child("line"), SIZE_MAX));
    if (r.line == 0) fail(root.child("line"), "expected an integer from 1, got 0");
  }
  r.id = read_text_or_null(in.find("id"), root.child("id"));
  r.destination = read_text(in.find("destination"), root.child("destination"));
  r.message_id = read_text_or_null(in.find("message_id"), root.child("message_id"));
  if (r.event == OutcomeRecord::Event::receipt) {
    read_receipt_fields(in, r);
  } else {
    read_outcome_fields(in, r);
  }
  r.extra_data = read_text_or_null(in.find("extra_data"), root.child("extra_data"));
  r.client_id = read_text_or_null(in.find("client_id"), root.child("client_id"));
  in.finish();
  return r;
}

}  // namespace aiosmpp
