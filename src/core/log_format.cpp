// Formatting of log records (JSON lines, human text) and the line sinks that write them.

#include <cmath>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aiosmpp/log.hpp"

namespace aiosmpp {

namespace {

nlohmann::ordered_json to_json(const LogValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return nlohmann::ordered_json(std::string(v));
        } else if constexpr (std::is_same_v<T, double>) {
          // nlohmann writes non-finite numbers as null too; say so explicitly.
          return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
        } else {
          return nlohmann::ordered_json(v);
        }
      },
      value);
}

nlohmann::ordered_json to_json(std::span<const LogField> fields) {
  auto object = nlohmann::ordered_json::object();
  for (const auto& field : fields)
    object[std::string(field.key)] = to_json(field.value);
  return object;
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
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss clock{ms - day};
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                 static_cast<unsigned>(date.day()), clock.hours().count(), clock.minutes().count(),
                 clock.seconds().count(), clock.subseconds().count());
}

void format_json_line(const LogRecord& record, std::string& out) {
  std::string time;
  format_log_time(record.time, time);
  nlohmann::ordered_json line = {{"time", std::move(time)},
                                 {"level", std::string(to_string(record.level))},
                                 {"event", std::string(record.event)}};
  line["metadata"] = to_json(record.metadata);
  line["fields"] = to_json(record.fields);
  out += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out.push_back('\n');
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
