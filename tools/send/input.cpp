// aiosmpp-send's input (see input.hpp and docs/guides/send.md#input).

#include "input.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "names.hpp"

namespace aiosmpp::send {
namespace {

// The largest address: destination_addr and source_addr are C-octet strings of 21 (§5.2.9).
constexpr std::size_t max_address = 20;

enum class ReadLine { line, too_long, end };

// One line without its "\n" (and "\r"); a longer line than `max` is skipped to its end, so one
// hostile line cannot take the memory.
ReadLine read_line(std::streambuf& in, std::string& line, std::size_t max) {
  line.clear();
  bool any = false;
  bool too_long = false;
  for (int c = in.sbumpc(); c != std::char_traits<char>::eof(); c = in.sbumpc()) {
    any = true;
    if (c == '\n') break;
    if (line.size() < max) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (!any) return ReadLine::end;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return too_long ? ReadLine::too_long : ReadLine::line;
}

// RFC 4180 fields of one line: "..." quotes a field, "" inside it is one quote. A quoted field
// must end on its line (a record is one line, so line numbers stay the file's).
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back().push_back(c);
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (was_quoted) {
      throw std::invalid_argument(
          fmt::format("column {}: text after a closing quote", fields.size()));
    } else {
      fields.back().push_back(c);
    }
  }
  if (quoted) {
    throw std::invalid_argument(
        fmt::format("column {}: quote not closed on this line", fields.size()));
  }
  return fields;
}

enum class Column { destination, text, source, id, encoding, long_mode };

const std::map<std::string_view, Column>& column_names() {
  static const std::map<std::string_view, Column> m{
      {"destination", Column::destination}, {"to", Column::destination}, {"text", Column::text},
      {"source", Column::source},           {"from", Column::source},    {"id", Column::id},
      {"encoding", Column::encoding},       {"long", Column::long_mode}};
  return m;
}

void set_field(InputMessage& m, Column c, std::string_view value) {
  switch (c) {
    case Column::destination:
      m.destination = std::string(value);
      break;
    case Column::text:
      m.text = std::string(value);
      break;
    case Column::source:
      m.source = std::string(value);
      break;
    case Column::id:
      m.id = std::string(value);
      break;
    case Column::encoding:
      if (!value.empty()) m.encoding = name_to<TextEncoding>("encoding", value);
      break;
    case Column::long_mode:
      if (!value.empty()) m.long_mode = name_to<LongMessageMode>("long", value);
      break;
  }
}

// The rules every message meets, whichever format it came in.
void check_message(const InputMessage& m) {
  if (m.destination.empty()) throw std::invalid_argument("destination: empty");
  if (m.destination.size() > max_address) {
    throw std::invalid_argument(
        fmt::format("destination: {} characters, limit {}", m.destination.size(), max_address));
  }
  if (m.source.size() > max_address) {
    throw std::invalid_argument(
        fmt::format("source: {} characters, limit {}", m.source.size(), max_address));
  }
  if (m.text.empty()) throw std::invalid_argument("text: empty");
}

std::vector<Column> csv_header(std::string_view line) {
  std::vector<Column> columns;
  for (auto& name : csv_fields(line)) {
    const auto it = column_names().find(name);
    if (it == column_names().end()) {
      throw std::invalid_argument(fmt::format(
          "CSV header: unknown column \"{}\" (known: destination, text, source, id, encoding, "
          "long)",
          name));
    }
    if (std::find(columns.begin(), columns.end(), it->second) != columns.end()) {
      throw std::invalid_argument(fmt::format("CSV header: column \"{}\" twice", name));
    }
    columns.push_back(it->second);
  }
  for (auto need : {Column::destination, Column::text}) {
    if (std::find(columns.begin(), columns.end(), need) == columns.end()) {
      throw std::invalid_argument(fmt::format(
          "CSV header: no {} column", need == Column::destination ? "destination" : "text"));
    }
  }
  return columns;
}

InputMessage csv_message(std::string_view line, const std::vector<Column>& columns) {
  const auto fields = csv_fields(line);
  if (fields.size() != columns.size()) {
    throw std::invalid_argument(
        fmt::format("{} columns, the header has {}", fields.size(), columns.size()));
  }
  InputMessage m;
  for (std::size_t i = 0; i < fields.size(); ++i)
    set_field(m, columns[i], fields[i]);
  return m;
}

InputMessage json_message(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) throw std::invalid_argument("not valid JSON");
  if (!j.is_object()) throw std::invalid_argument("not a JSON object");
  InputMessage m;
  for (const auto& [key, value] : j.items()) {
    const auto it = column_names().find(key);
    if (it == column_names().end()) {
      throw std::invalid_argument(fmt::format("unknown key \"{}\"", key));
    }
    if (it->second == Column::id && value.is_number_integer()) {
      m.id = value.dump();
    } else if (!value.is_string()) {
      throw std::invalid_argument(fmt::format("{}: expected a string", key));
    } else {
      set_field(m, it->second, value.get_ref<const std::string&>());
    }
  }
  return m;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

Input parse_input(std::istream& in, const SendOptions& options) {
  Input result;
  std::string line;
  std::size_t number = 0;
  InputFormat format = options.format;
  std::optional<std::vector<Column>> columns;
  auto* buf = in.rdbuf();
  for (ReadLine r; buf && (r = read_line(*buf, line, options.max_line)) != ReadLine::end;) {
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 BOM
    if (r == ReadLine::too_long) {
      result.errors.push_back(
          {number, fmt::format("line longer than {} octets (--max-line)", options.max_line)});
      continue;
    }
    if (is_blank(line)) continue;
    if (format == InputFormat::automatic) {
      format = line.starts_with('{') ? InputFormat::jsonl : InputFormat::csv;
    }
    if (format == InputFormat::csv && !columns) {
      columns = csv_header(line);
      continue;
    }
    try {
      auto m = format == InputFormat::csv ? csv_message(line, *columns) : json_message(line);
      m.line = number;
      check_message(m);
      if (result.messages.size() == options.max_messages) {
        throw std::length_error(
            fmt::format("more than {} messages (--max-messages)", options.max_messages));
      }
      result.messages.push_back(std::move(m));
    } catch (const std::invalid_argument& e) {
      result.errors.push_back({number, e.what()});
    }
  }
  if (format == InputFormat::csv && !columns) throw std::invalid_argument("CSV: no header line");
  return result;
}

SubmitSm to_submit(const InputMessage& m, const SendOptions& options) {
  SubmitSm s;
  s.destination = PhoneNumber(m.destination);
  s.source = PhoneNumber(m.source.empty() ? options.source : m.source);
  s.text = MessageText{m.text};
  if (auto e = m.encoding ? m.encoding : options.encoding) s.text->encoding = *e;
  if (auto l = m.long_mode ? m.long_mode : options.long_mode) s.text->long_message = *l;
  s.registered_delivery = options.wait_receipts.count() > 0 ? RegisteredDelivery::receipt_always
                                                            : RegisteredDelivery::none;
  s.tracking.log_id = std::to_string(m.line);
  s.tracking.extra_data = nlohmann::json::array({m.destination, m.id})
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s;
}

TrackedLine unpack_tracking(const Tracking& tracking) {
  TrackedLine t;
  std::from_chars(tracking.log_id.data(), tracking.log_id.data() + tracking.log_id.size(), t.line);
  const auto j = nlohmann::json::parse(tracking.extra_data, nullptr, false);
  if (j.is_array() && j.size() == 2 && j[0].is_string() && j[1].is_string()) {
    t.destination = j[0].get<std::string>();
    t.id = j[1].get<std::string>();
  }
  return t;
}

}  // namespace aiosmpp::send
