#pragma once

/** @file
 *  @brief Structured logging: levels, a Logger with per-record metadata, pluggable sinks (JSON
 *  lines, human text, a breach ring buffer), and the AIOSMPP_LOG macro that costs nothing when a
 *  level is off.
 *
 *  A record is an event name plus typed fields (string, signed or unsigned integer, double, bool).
 *  The Logger adds its metadata (client_id, smsc host, system_id, ...) to every record. Secrets
 * never reach a sink: a field or metadata entry whose key is secret-looking (see
 * aiosmpp::is_secret_log_key()) is replaced by "********" before any sink sees the record. */

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

namespace aiosmpp {

/** @brief Severity of a record, lowest first. `off` is only a threshold: a Logger at `off` writes
 *  nothing, and a record is never logged at `off`. */
enum class LogLevel : std::uint8_t { trace, debug, info, warning, error, critical, off };

/** @brief The upper-case name: "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "OFF". */
std::string_view to_string(LogLevel level) noexcept;

/** @brief Parses a level name in any letter case ("debug", "DEBUG", "Warning"); "warn" is accepted
 *  for "warning". Returns nullopt for anything else. */
std::optional<LogLevel> parse_log_level(std::string_view name) noexcept;

/** @brief Like @ref parse_log_level, but throws std::invalid_argument naming the rejected value and
 *  the accepted names. For configuration parsing. */
LogLevel log_level_from_string(std::string_view name);

/** @brief True when a key names a secret whose value must never be logged.
 *
 *  Case-insensitive: any key containing "password", "passwd", "secret" or "credential", and the
 * keys "pass", "pwd", "token", "auth_token", "access_token", "api_key", "apikey" and
 * "authorization". SMPP's own secret is bind's `password`; the rest cover what applications
 * commonly add. */
bool is_secret_log_key(std::string_view key) noexcept;

/** @brief What a secret's value is written as. */
inline constexpr std::string_view redacted_log_value = "********";

/** @brief A field's value as a sink sees it. Strings are views: valid only during the sink call. */
using LogValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string_view>;

namespace detail {

template <class T>
concept LogString = std::is_convertible_v<const T&, std::string_view>;

// Plain char and the wide character types are excluded: logging a lone character as a number is
// more often a bug than intended. signed/unsigned char are integers here (std::int8_t,
// std::uint8_t).
template <class T>
concept LogCharacter = std::same_as<T, char> || std::same_as<T, wchar_t> ||
    std::same_as<T, char8_t> || std::same_as<T, char16_t> || std::same_as<T, char32_t>;

template <class T>
concept LogScalar = std::same_as<T, bool> || std::floating_point<T> ||
    (std::integral<T> && !LogCharacter<T>);

}  // namespace detail

/** @brief One key/value of a record. A view: it may point into temporaries, so it lives only as
 * long as the full expression of the log call that builds it (exactly how AIOSMPP_LOG uses it).
 *
 *  Accepted values: bool, any integer type (std::int8_t and std::uint8_t included, plain char
 * excluded), float and double, and anything convertible to std::string_view (std::string, const
 * char*, string_view). */
struct LogField {
  /** @brief The field name ("sequence_number"). */
  std::string_view key;
  /** @brief The value. */
  LogValue value;

  constexpr LogField() noexcept = default;
  /** @brief A field; `field_value` must outlive the record (see the class description). */
  template <class T>
  requires detail::LogScalar<std::remove_cvref_t<T>> || detail::LogString<std::remove_cvref_t<T>>
  constexpr LogField(std::string_view field_key, const T& field_value) noexcept
      : key(field_key), value(convert(field_value)) {}

 private:
  template <class T>
  static constexpr LogValue convert(const T& v) noexcept {
    if constexpr (std::same_as<T, bool>) {
      return LogValue{std::in_place_type<bool>, v};
    } else if constexpr (std::floating_point<T>) {
      return LogValue{std::in_place_type<double>, static_cast<double>(v)};
    } else if constexpr (std::integral<T> && std::is_signed_v<T>) {
      return LogValue{std::in_place_type<std::int64_t>, static_cast<std::int64_t>(v)};
    } else if constexpr (std::integral<T>) {
      return LogValue{std::in_place_type<std::uint64_t>, static_cast<std::uint64_t>(v)};
    } else if constexpr (std::is_array_v<T>) {
      // A char array need not be terminated: stop at the first '\0' or at its end, never beyond.
      std::size_t n = 0;
      while (n < std::extent_v<T> && v[n] != '\0')
        ++n;
      return LogValue{std::in_place_type<std::string_view>, std::string_view{v, n}};
    } else if constexpr (std::is_pointer_v<T>) {
      // A null C string would be undefined behaviour for string_view; log it as empty.
      return LogValue{std::in_place_type<std::string_view>,
                      v == nullptr ? std::string_view{} : std::string_view{v}};
    } else {
      return LogValue{std::in_place_type<std::string_view>, std::string_view{v}};
    }
  }
};

/** @brief A Logger's metadata: a small ordered set of keys with owned values, written on every
 *  record. Setting an existing key replaces its value in place (order is first insertion). Secret
 *  keys are stored already redacted, so the secret is not even kept in memory here. */
class LogMetadata {
 public:
  LogMetadata() = default;
  /** @brief Copies the given fields (strings are copied, not referenced). */
  LogMetadata(std::initializer_list<LogField> fields);
  /** @brief Copies. */
  LogMetadata(const LogMetadata& other);
  /** @brief Moves. */
  LogMetadata(LogMetadata&& other) noexcept;
  /** @brief Copies. */
  LogMetadata& operator=(const LogMetadata& other);
  /** @brief Moves. */
  LogMetadata& operator=(LogMetadata&& other) noexcept;
  ~LogMetadata() = default;

  /** @brief Adds `key`, or replaces its value when present. */
  LogMetadata& set(const LogField& field);
  /** @brief The entries as fields, in insertion order; valid until the next change. */
  std::span<const LogField> fields() const noexcept { return views_; }
  /** @brief True when there are no entries. */
  bool empty() const noexcept { return entries_.empty(); }
  /** @brief Number of entries. */
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  using Owned = std::variant<bool, std::int64_t, std::uint64_t, double, std::string>;
  void rebuild_views();

  std::vector<std::pair<std::string, Owned>> entries_;
  std::vector<LogField> views_;
};

/** @brief What a sink receives. Everything is a view, valid only during LogSink::write; a sink
 *  that keeps records must copy them (BreachSink does). Secrets are already redacted. */
struct LogRecord {
  /** @brief When the record was made. */
  std::chrono::system_clock::time_point time;
  /** @brief Its level. */
  LogLevel level = LogLevel::info;
  /** @brief The event name ("bind_ok", "pdu_sent", ...). */
  std::string_view event;
  /** @brief The Logger's metadata. */
  std::span<const LogField> metadata;
  /** @brief The record's own fields, in call order. */
  std::span<const LogField> fields;
};

/** @brief Where records go. Implementations must be safe to call from several threads at once
 *  (several Esmes on a multi-threaded io_context may share one sink); the sinks below lock.
 *  An exception thrown by write() is swallowed by the Logger: logging never fails the caller. */
class LogSink {
 public:
  virtual ~LogSink() = default;
  /** @brief Writes one record. Called only for records at or above the Logger's level. */
  virtual void write(const LogRecord& record) = 0;
  /** @brief Pushes buffered output to its destination. Default: nothing. */
  virtual void flush() {}
};

/** @brief Appends the record as one JSON object and a '\n' to `out`:
 *  `{"time":"2026-01-02T03:04:05.678Z","level":"INFO","event":"...","metadata":{...},"fields":{...}}`.
 *  Keys keep their order (a key repeated in one call is written twice; most parsers keep the last);
 *  invalid UTF-8 in strings is replaced by U+FFFD; doubles are written in their shortest
 *  round-trip form and always with a '.' or exponent; NaN and infinities are written as null (JSON
 *  has no such numbers). */
void format_json_line(const LogRecord& record, std::string& out);

/** @brief Appends the record as one human-readable line and a '\n' to `out`:
 *  `2026-01-02T03:04:05.678Z INFO     event key=value key="two words" [client_id=c1 host=smsc]`.
 *  Strings are quoted and escaped when empty or when they contain spaces, quotes, '=' or
 *  non-printable characters. */
void format_text_line(const LogRecord& record, std::string& out);

/** @brief Appends the time as ISO-8601 UTC with milliseconds: "2026-01-02T03:04:05.678Z". */
void format_log_time(std::chrono::system_clock::time_point time, std::string& out);

/** @brief Where a line sink writes: a function taking each complete line (ending in '\n') and an
 *  optional flush. The factories below cover a FILE*, an std::ostream and a user callback; the
 *  FILE* or stream must outlive every sink using it. */
struct LogOutput {
  /** @brief Takes one complete line, ending in '\n'. */
  std::function<void(std::string_view line)> write;
  /** @brief Flushes; may be empty. */
  std::function<void()> flush;

  /** @brief fwrite to `file` (for example stderr); flush() calls fflush. */
  static LogOutput file(std::FILE* file);
  /** @brief Writes to `stream`; flush() calls stream.flush(). */
  static LogOutput stream(std::ostream& stream);
  /** @brief Calls `line` with each line; flush() does nothing. */
  static LogOutput callback(std::function<void(std::string_view line)> line);
};

/** @brief Formats each record as one line and hands it to a LogOutput, under a mutex, reusing one
 *  buffer. Thread-safe. Base of JsonLinesSink and TextSink. The output is called with the mutex
 *  held, so a callback must not log through the same sink (it would deadlock). */
class LineSink : public LogSink {
 public:
  void write(const LogRecord& record) final;
  void flush() final;

 protected:
  /** @brief Writes formatted lines to `output`. */
  explicit LineSink(LogOutput output);
  /** @brief Appends the formatted line for `record` to `out`. */
  virtual void format(const LogRecord& record, std::string& out) const = 0;

 private:
  LogOutput output_;
  std::mutex mutex_;
  std::string buffer_;
};

/** @brief JSON lines (see format_json_line), one object per line. Thread-safe. */
class JsonLinesSink final : public LineSink {
 public:
  /** @brief Writes to `output`. */
  explicit JsonLinesSink(LogOutput output) : LineSink(std::move(output)) {}
  /** @brief Writes to `file` (for example stderr), which must outlive the sink. */
  explicit JsonLinesSink(std::FILE* file) : LineSink(LogOutput::file(file)) {}
  /** @brief Writes to `stream`, which must outlive the sink. */
  explicit JsonLinesSink(std::ostream& stream) : LineSink(LogOutput::stream(stream)) {}

 private:
  void format(const LogRecord& record, std::string& out) const override;
};

/** @brief Human-readable lines (see format_text_line). Thread-safe. */
class TextSink final : public LineSink {
 public:
  /** @brief Writes to `output`. */
  explicit TextSink(LogOutput output) : LineSink(std::move(output)) {}
  /** @brief Writes to `file` (for example stderr), which must outlive the sink. */
  explicit TextSink(std::FILE* file) : LineSink(LogOutput::file(file)) {}
  /** @brief Writes to `stream`, which must outlive the sink. */
  explicit TextSink(std::ostream& stream) : LineSink(LogOutput::stream(stream)) {}

 private:
  void format(const LogRecord& record, std::string& out) const override;
};

/** @brief aiosmpplib's BreachHandler: keeps the most recent records in a fixed-size ring and writes
 *  them out only when something goes wrong.
 *
 *  A record below `trigger` (and at or above `keep_from`) is copied into the ring, overwriting the
 *  oldest once `capacity` records are held; the ring never grows past `capacity`. A record at or
 *  above `trigger` makes the sink write the ring to the target, oldest first, then the record
 *  itself, and empties the ring. So a quiet production log at ERROR still shows the TRACE context
 *  leading up to each error. Thread-safe. */
class BreachSink final : public LogSink {
 public:
  /** @brief Ring size and levels. */
  struct Options {
    /** @brief Records kept; 0 keeps none (then only trigger records pass). Default 1000. */
    std::size_t capacity = 1000;
    /** @brief Level that writes the ring out. Default ERROR. */
    LogLevel trigger = LogLevel::error;
    /** @brief Records below this level are dropped, not kept. Default TRACE (keep all). */
    LogLevel keep_from = LogLevel::trace;
  };

  /** @brief Throws std::invalid_argument when `target` is null. */
  explicit BreachSink(std::shared_ptr<LogSink> target);
  /** @brief The same with `options`. @throws std::invalid_argument when `target` is null. */
  BreachSink(std::shared_ptr<LogSink> target, Options options);

  void write(const LogRecord& record) override;
  /** @brief Flushes the target; the ring is kept (only a trigger writes it out). */
  void flush() override;
  /** @brief Writes the ring out to the target now and empties it, as a trigger would (for example
   *  at shutdown after an abnormal exit). */
  void dump();
  /** @brief Records currently held in the ring. */
  std::size_t buffered() const;

 private:
  struct OwnedField {
    std::string key;
    LogValue scalar;  // the string alternative points into `text`
    std::string text;
  };
  struct OwnedRecord {
    std::chrono::system_clock::time_point time;
    LogLevel level = LogLevel::info;
    std::string event;
    std::vector<OwnedField> metadata;
    std::vector<OwnedField> fields;
  };
  static void copy_fields(std::span<const LogField> from, std::vector<OwnedField>& to);
  void write_out_locked();

  std::shared_ptr<LogSink> target_;
  Options options_;
  mutable std::mutex mutex_;
  std::vector<OwnedRecord> ring_;
  std::size_t next_ = 0;   // slot the next kept record goes to
  std::size_t count_ = 0;  // records held, ending just before next_
  std::vector<LogField> meta_views_;
  std::vector<LogField> field_views_;
};

/** @brief A logging handle: a sink, a level and metadata. Cheap to copy (the sink and metadata are
 *  shared); copies are independent in level. enabled() and set_level() may be called from any
 *  thread; logging is as thread-safe as the sink (the library's sinks are).
 *
 *  A default-constructed Logger is off and has no sink. */
class Logger {
 public:
  Logger() noexcept;
  /** @brief Throws std::invalid_argument when `sink` is null. */
  explicit Logger(std::shared_ptr<LogSink> sink, LogLevel level = LogLevel::info,
                  LogMetadata metadata = {});
  /** @brief A copy sharing sink and metadata, with the same level. */
  Logger(const Logger& other);
  /** @brief Copies. */
  Logger& operator=(const Logger& other);
  /** @brief Moves. */
  Logger(Logger&& other) noexcept;
  /** @brief Moves. */
  Logger& operator=(Logger&& other) noexcept;
  ~Logger() = default;

  /** @brief True when a record at `level` would be written. One relaxed atomic load. */
  bool enabled(LogLevel level) const noexcept {
    return level >= level_.load(std::memory_order_relaxed) && level < LogLevel::off;
  }
  /** @brief The threshold (`off` when there is no sink). */
  LogLevel level() const noexcept { return level_.load(std::memory_order_relaxed); }
  /** @brief Changes the threshold; without a sink the level stays `off`. */
  void set_level(LogLevel level) noexcept;

  /** @brief Logs when enabled. The fields are built before the check, so prefer AIOSMPP_LOG when a
   *  field's value costs anything to compute. */
  void log(LogLevel level, std::string_view event,
           std::initializer_list<LogField> fields = {}) const noexcept {
    if (enabled(level)) write_fields(level, event, std::span<const LogField>(fields));
  }
  /** @brief Writes without checking the level (AIOSMPP_LOG checks first). */
  void write(LogLevel level, std::string_view event,
             std::initializer_list<LogField> fields) const noexcept {
    write_fields(level, event, std::span<const LogField>(fields));
  }
  /** @brief Writes without checking the level: redacts secrets, stamps the time, adds metadata and
   *  calls the sink. Never throws. */
  void write_fields(LogLevel level, std::string_view event,
                    std::span<const LogField> fields) const noexcept;

  /** @brief A copy whose metadata also has `fields` (replacing keys already present). */
  Logger with(std::initializer_list<LogField> fields) const;

  /** @brief The metadata written on every record. */
  const LogMetadata& metadata() const noexcept { return *metadata_; }
  /** @brief The sink (null for a default-constructed Logger). */
  const std::shared_ptr<LogSink>& sink() const noexcept { return sink_; }

 private:
  std::shared_ptr<LogSink> sink_;
  std::shared_ptr<const LogMetadata> metadata_;
  std::atomic<LogLevel> level_;
};

}  // namespace aiosmpp

/** @brief Logs `event` with the given fields only when `level` is enabled on `logger`; the fields
 *  (and any expression computing them) are not evaluated otherwise.
 *
 *  @code
 *  AIOSMPP_LOG(logger, aiosmpp::LogLevel::debug, "pdu_sent",
 *              {"sequence_number", seq}, {"hex", to_hex(bytes)});
 *  @endcode
 *  Each field is `{key, value}` with a value accepted by LogField. */
#define AIOSMPP_LOG(logger, level, event, ...)                               \
  do {                                                                       \
    const ::aiosmpp::Logger& aiosmpp_log_logger_ = (logger);                 \
    const ::aiosmpp::LogLevel aiosmpp_log_level_ = (level);                  \
    if (aiosmpp_log_logger_.enabled(aiosmpp_log_level_)) {                   \
      aiosmpp_log_logger_.write(aiosmpp_log_level_, (event), {__VA_ARGS__}); \
    }                                                                        \
  } while (false)

/** @brief Formats a LogLevel as its upper-case name; width and alignment work as for strings. */
template <>
struct fmt::formatter<aiosmpp::LogLevel> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  /** @brief Writes the level's name. */
  auto format(aiosmpp::LogLevel level, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(aiosmpp::to_string(level), ctx);
  }
};
