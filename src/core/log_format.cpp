// Formatting of log records (JSON lines, human text) and the line sinks that write them.

#include <cmath>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/log.hpp"
#include "core/json_string.hpp"

namespace aiosmpp {

namespace {

// Strings that are plain printable ASCII (keys, events, almost every value) are copied as they
// are; anything else goes through nlohmann's serializer.
bool plain_json_string(std::string_view text) noexcept {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void detail::append_json_string(std::string_view text, std::string& out) {
  if (plain_json_string(text)) {
    out.push_back('"');
    out.append(text);
    out.push_back('"');
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The JSON line is written directly into the sink's reused buffer: building an nlohmann::json
// document per record cost ~3 us and 65 allocations.
using detail::append_json_string;

void append_json_value(const LogValue& value, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_json_string(v, out);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) {
            out.append("null");  // JSON has no NaN or infinity
            return;
          }
          const auto start = out.size();
          fmt::format_to(std::back_inserter(out), "{}", v);  // shortest round-trip form
          // Keep a double recognisably a double ("2.0", not "2"), as nlohmann writes it.
          if (out.find_first_of(".e", start) == std::string::npos) out.append(".0");
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value);
}

void append_json_object(std::span<const LogField> fields, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (const auto& field : fields) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(field.key, out);
    out.push_back(':');
    append_json_value(field.value, out);
  }
  out.push_back('}');
}

bool needs_quotes(std::string_view text) noexcept {
  if (text.empty()) return true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void append_quoted(std::string_view text, std::string& out) {
  out.push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
        } else {
          out.push_back(c);  // UTF-8 passes through; a terminal shows it as text
        }
    }
  }
  out.push_back('"');
}

void append_text_value(const LogValue& value, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (needs_quotes(v)) {
            append_quoted(v, out);
          } else {
            out.append(v);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value);
}

void append_text_fields(std::span<const LogField> fields, std::string& out) {
  bool first = true;
  for (const auto& field : fields) {
    if (!first) out.push_back(' ');
    first = false;
    out.append(field.key);
    out.push_back('=');
    append_text_value(field.value, out);
  }
}

}  // namespace

void format_log_time(std::chrono::system_clock::time_point time, std::string& out) {
  // Hand-written digits: through fmt this was most of an enabled record's cost.
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const auto in_day = (ms - day).count();  // 0 .. 86'399'999
  int year = static_cast<int>(date.year());
  char text[32];
  char* p = text;
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  auto digits = [&p](long long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += width;
  };
  digits(year, year >= 10000 ? 5 : 4);
  *p++ = '-';
  digits(static_cast<unsigned>(date.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(date.day()), 2);
  *p++ = 'T';
  digits(in_day / 3'600'000, 2);
  *p++ = ':';
  digits(in_day / 60'000 % 60, 2);
  *p++ = ':';
  digits(in_day / 1'000 % 60, 2);
  *p++ = '.';
  digits(in_day % 1'000, 3);
  *p++ = 'Z';
  out.append(text, static_cast<std::size_t>(p - text));
}

void format_json_line(const LogRecord& record, std::string& out) {
  out.append("{\"time\":\"");
  format_log_time(record.time, out);
  out.append("\",\"level\":\"");
  out.append(to_string(record.level));
  out.append("\",\"event\":");
  append_json_string(record.event, out);
  out.append(",\"metadata\":");
  append_json_object(record.metadata, out);
  out.append(",\"fields\":");
  append_json_object(record.fields, out);
  out.append("}\n");
}

void format_text_line(const LogRecord& record, std::string& out) {
  format_log_time(record.time, out);
  fmt::format_to(std::back_inserter(out), " {:<8} ", record.level);
  out.append(record.event);
  if (!record.fields.empty()) {
    out.push_back(' ');
    append_text_fields(record.fields, out);
  }
  if (!record.metadata.empty()) {
    out.append(" [");
    append_text_fields(record.metadata, out);
    out.push_back(']');
  }
  out.push_back('\n');
}

LogOutput LogOutput::file(std::FILE* file) {
  if (file == nullptr) throw std::invalid_argument("LogOutput::file: file must not be null");
  return LogOutput{
      [file](std::string_view line) { std::fwrite(line.data(), 1, line.size(), file); },
      [file] { std::fflush(file); }};
}

LogOutput LogOutput::stream(std::ostream& stream) {
  return LogOutput{[&stream](std::string_view line) {
                     stream.write(line.data(), static_cast<std::streamsize>(line.size()));
                   },
                   [&stream] { stream.flush(); }};
}

LogOutput LogOutput::callback(std::function<void(std::string_view line)> line) {
  if (!line) throw std::invalid_argument("LogOutput::callback: callback must not be empty");
  return LogOutput{std::move(line), {}};
}

LineSink::LineSink(LogOutput output) : output_(std::move(output)) {
  if (!output_.write) throw std::invalid_argument("LineSink: output.write must not be empty");
}

void LineSink::write(const LogRecord& record) {
  std::lock_guard lock(mutex_);
  buffer_.clear();
  format(record, buffer_);
  output_.write(buffer_);
  // A one-off huge record should not pin its buffer for the process's lifetime.
  if (buffer_.capacity() > 64 * 1024) std::string().swap(buffer_);
}

void LineSink::flush() {
  std::lock_guard lock(mutex_);
  if (output_.flush) output_.flush();
}

void JsonLinesSink::format(const LogRecord& record, std::string& out) const {
  format_json_line(record, out);
}

void TextSink::format(const LogRecord& record, std::string& out) const {
  format_text_line(record, out);
}

}  // namespace aiosmpp
