#include "aiosmpp/log.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace aiosmpp {

namespace {

constexpr std::array<std::string_view, 7> level_names = {"TRACE", "DEBUG",    "INFO", "WARNING",
                                                         "ERROR", "CRITICAL", "OFF"};

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Most records carry a handful of fields; more than this falls back to the heap.
constexpr std::size_t inline_fields = 16;

}  // namespace

std::string_view to_string(LogLevel level) noexcept {
  const auto index = static_cast<std::size_t>(level);
  return index < level_names.size() ? level_names[index] : std::string_view{"UNKNOWN"};
}

std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (iequals(name, level_names[i])) return static_cast<LogLevel>(i);
  }
  if (iequals(name, "warn")) return LogLevel::warning;
  return std::nullopt;
}

LogLevel log_level_from_string(std::string_view name) {
  if (auto level = parse_log_level(name)) return *level;
  throw std::invalid_argument(fmt::format(
      "log level: unknown value \"{}\" (expected trace, debug, info, warning, error, critical or "
      "off, in any letter case)",
      name));
}

bool is_secret_log_key(std::string_view key) noexcept {
  static constexpr std::array<std::string_view, 4> contained = {"password", "passwd", "secret",
                                                                "credential"};
  static constexpr std::array<std::string_view, 8> exact = {
      "pass", "pwd", "token", "auth_token", "access_token", "api_key", "apikey", "authorization"};
  // Checked for every field of every enabled record: lower-case once into a stack buffer so the
  // searches are plain finds. Longer keys (rare) take the slower case-insensitive scan.
  char buffer[64];
  if (key.size() > sizeof(buffer)) {
    for (auto word : contained) {
      if (icontains(key, word)) return true;
    }
    return false;  // every exact word is shorter than the buffer
  }
  std::transform(key.begin(), key.end(), buffer, ascii_lower);
  const std::string_view lower(buffer, key.size());
  for (auto word : exact) {
    if (lower == word) return true;
  }
  for (auto word : contained) {
    if (lower.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// LogMetadata

LogMetadata::LogMetadata(std::initializer_list<LogField> fields) {
  entries_.reserve(fields.size());
  for (const auto& field : fields)
    set(field);
}

LogMetadata::LogMetadata(const LogMetadata& other) : entries_(other.entries_) {
  rebuild_views();
}

// Moving the vector hands over its buffer: the strings (and their small-string characters) stay
// where they are, so the views stay valid and move with it.
LogMetadata::LogMetadata(LogMetadata&& other) noexcept
    : entries_(std::move(other.entries_)), views_(std::move(other.views_)) {
  other.entries_.clear();
  other.views_.clear();
}

LogMetadata& LogMetadata::operator=(const LogMetadata& other) {
  if (this != &other) {
    entries_ = other.entries_;
    rebuild_views();
  }
  return *this;
}

LogMetadata& LogMetadata::operator=(LogMetadata&& other) noexcept {
  if (this != &other) {
    entries_ = std::move(other.entries_);
    views_ = std::move(other.views_);
    other.entries_.clear();
    other.views_.clear();
  }
  return *this;
}

LogMetadata& LogMetadata::set(const LogField& field) {
  Owned value;
  if (is_secret_log_key(field.key)) {
    value = std::string(redacted_log_value);
  } else {
    value = std::visit(
        [](const auto& v) -> Owned {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string_view>) {
            return std::string(v);
          } else {
            return v;
          }
        },
        field.value);
  }
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const auto& entry) { return entry.first == field.key; });
  if (it != entries_.end()) {
    it->second = std::move(value);
  } else {
    entries_.emplace_back(std::string(field.key), std::move(value));
  }
  rebuild_views();
  return *this;
}

void LogMetadata::rebuild_views() {
  views_.clear();
  views_.reserve(entries_.size());
  // Not a structured binding: clang 14 can't capture those in the lambda below.
  for (const auto& entry : entries_) {
    const std::string& key = entry.first;
    const Owned& value = entry.second;
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
            views_.emplace_back(key, std::string_view{v});
          } else {
            views_.emplace_back(key, v);
          }
        },
        value);
  }
}

// ---------------------------------------------------------------------------------------------
// Logger

namespace {
const std::shared_ptr<const LogMetadata>& empty_metadata() {
  static const auto empty = std::make_shared<const LogMetadata>();
  return empty;
}
}  // namespace

Logger::Logger() noexcept : metadata_(empty_metadata()), level_(LogLevel::off) {}

Logger::Logger(std::shared_ptr<LogSink> sink, LogLevel level, LogMetadata metadata)
    : sink_(std::move(sink)),
      metadata_(std::make_shared<const LogMetadata>(std::move(metadata))),
      level_(level) {
  if (!sink_) throw std::invalid_argument("Logger: sink must not be null");
}

Logger::Logger(const Logger& other)
    : sink_(other.sink_), metadata_(other.metadata_), level_(other.level()) {}

Logger& Logger::operator=(const Logger& other) {
  sink_ = other.sink_;
  metadata_ = other.metadata_;
  level_.store(other.level(), std::memory_order_relaxed);
  return *this;
}

Logger::Logger(Logger&& other) noexcept
    : sink_(std::move(other.sink_)), metadata_(other.metadata_), level_(other.level()) {
  other.level_.store(LogLevel::off, std::memory_order_relaxed);
}

Logger& Logger::operator=(Logger&& other) noexcept {
  if (this != &other) {
    sink_ = std::move(other.sink_);
    metadata_ = other.metadata_;
    level_.store(other.level(), std::memory_order_relaxed);
    other.level_.store(LogLevel::off, std::memory_order_relaxed);
  }
  return *this;
}

void Logger::set_level(LogLevel level) noexcept {
  level_.store(sink_ ? level : LogLevel::off, std::memory_order_relaxed);
}

Logger Logger::with(std::initializer_list<LogField> fields) const {
  Logger copy(*this);
  auto metadata = std::make_shared<LogMetadata>(*metadata_);
  for (const auto& field : fields)
    metadata->set(field);
  copy.metadata_ = std::move(metadata);
  return copy;
}

void Logger::write_fields(LogLevel level, std::string_view event,
                          std::span<const LogField> fields) const noexcept {
  if (!sink_ || level >= LogLevel::off) return;
  try {
    LogRecord record;
    record.time = std::chrono::system_clock::now();
    record.level = level;
    record.event = event;
    record.metadata = metadata_->fields();
    record.fields = fields;

    const bool has_secret = std::any_of(fields.begin(), fields.end(),
                                        [](const LogField& f) { return is_secret_log_key(f.key); });
    if (!has_secret) {
      sink_->write(record);
      return;
    }
    // Copy into a redacted array: the caller's fields are const and may be reused.
    auto redact = [](const LogField& f) {
      return is_secret_log_key(f.key) ? LogField(f.key, redacted_log_value) : f;
    };
    if (fields.size() <= inline_fields) {
      std::array<LogField, inline_fields> buffer;
      std::transform(fields.begin(), fields.end(), buffer.begin(), redact);
      record.fields = std::span<const LogField>(buffer.data(), fields.size());
      sink_->write(record);
    } else {
      std::vector<LogField> buffer;
      buffer.reserve(fields.size());
      std::transform(fields.begin(), fields.end(), std::back_inserter(buffer), redact);
      record.fields = buffer;
      sink_->write(record);
    }
  } catch (...) {
    // A logging failure (a full disk, a throwing user sink) must never fail the SMPP session.
  }
}

// ---------------------------------------------------------------------------------------------
// BreachSink

BreachSink::BreachSink(std::shared_ptr<LogSink> target)
    : BreachSink(std::move(target), Options{}) {}

BreachSink::BreachSink(std::shared_ptr<LogSink> target, Options options)
    : target_(std::move(target)), options_(options) {
  if (!target_) throw std::invalid_argument("BreachSink: target must not be null");
  ring_.reserve(options_.capacity);
}

void BreachSink::copy_fields(std::span<const LogField> from, std::vector<OwnedField>& to) {
  // resize, not clear: the slots' strings keep their capacity, so a warmed-up ring stops
  // allocating.
  to.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    auto& slot = to[i];
    slot.key.assign(from[i].key);
    if (const auto* text = std::get_if<std::string_view>(&from[i].value)) {
      slot.text.assign(*text);
      slot.scalar = std::string_view{};
    } else {
      slot.scalar = from[i].value;
    }
  }
}

void BreachSink::write(const LogRecord& record) {
  std::lock_guard lock(mutex_);
  if (record.level >= options_.trigger) {
    write_out_locked();
    target_->write(record);
    return;
  }
  if (record.level < options_.keep_from || options_.capacity == 0) return;

  // next_ never exceeds ring_.size(): slots are appended until the ring reaches its capacity,
  // then reused in order, so a warmed-up ring allocates nothing new.
  OwnedRecord& slot = next_ < ring_.size() ? ring_[next_] : ring_.emplace_back();
  next_ = (next_ + 1) % options_.capacity;
  count_ = std::min(count_ + 1, options_.capacity);
  slot.time = record.time;
  slot.level = record.level;
  slot.event.assign(record.event);
  copy_fields(record.metadata, slot.metadata);
  copy_fields(record.fields, slot.fields);
}

void BreachSink::write_out_locked() {
  const std::size_t capacity = options_.capacity;
  auto views = [](const std::vector<OwnedField>& from, std::vector<LogField>& to) {
    to.clear();
    for (const auto& field : from) {
      if (std::holds_alternative<std::string_view>(field.scalar)) {
        to.emplace_back(field.key, std::string_view{field.text});
      } else {
        to.emplace_back(field.key, false);
        to.back().value = field.scalar;
      }
    }
  };
  const std::size_t oldest = (next_ + capacity - count_) % (capacity == 0 ? 1 : capacity);
  for (std::size_t n = 0; n < count_; ++n) {
    const auto& owned = ring_[(oldest + n) % capacity];
    views(owned.metadata, meta_views_);
    views(owned.fields, field_views_);
    LogRecord record;
    record.time = owned.time;
    record.level = owned.level;
    record.event = owned.event;
    record.metadata = meta_views_;
    record.fields = field_views_;
    target_->write(record);
  }
  // The slots (and their strings' capacity) stay for reuse; only the content is forgotten.
  count_ = 0;
}

void BreachSink::flush() {
  std::lock_guard lock(mutex_);
  target_->flush();
}

void BreachSink::dump() {
  std::lock_guard lock(mutex_);
  write_out_locked();
  target_->flush();
}

std::size_t BreachSink::buffered() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace aiosmpp
