#pragma once

// What the examples share: --host/--port parsing (default 127.0.0.1:2775) plus each example's own
// flags, and a main() helper that runs one coroutine on an io_context and reports its exception.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

namespace examples {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
};

/** One flag of a particular example. `value_name` empty: a switch without a value. `set` gets
 *  the value and returns an error sentence, or an empty string when the value is fine. */
struct Flag {
  std::string_view name;        // "--count"
  std::string_view value_name;  // "N"
  std::string_view help;
  std::function<std::string(std::string_view)> set;
};

/** A decimal integer flag in [min, max]. */
inline Flag uint_flag(std::string_view name, std::string_view value_name, std::string_view help,
                      std::uint64_t& target, std::uint64_t min, std::uint64_t max) {
  return {name, value_name, help, [&target, min, max, name](std::string_view value) {
            const std::string text(value);
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
            if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE || v < min ||
                v > max) {
              return fmt::format("{} must be a whole number {}..{}, got \"{}\"", name, min, max,
                                 value);
            }
            target = v;
            return std::string();
          }};
}

/** A string flag (not empty). */
inline Flag string_flag(std::string_view name, std::string_view value_name, std::string_view help,
                        std::string& target) {
  return {name, value_name, help, [&target, name](std::string_view value) {
            if (value.empty()) return fmt::format("{} must not be empty", name);
            target = std::string(value);
            return std::string();
          }};
}

/** A switch: present means true. */
inline Flag switch_flag(std::string_view name, std::string_view help, bool& target) {
  return {name, {}, help, [&target](std::string_view) {
            target = true;
            return std::string();
          }};
}

/** Parses --host H, --port P and `flags`; prints usage and exits (0 for --help, 2 for anything
 *  wrong, naming the flag and its limit). */
inline Options parse_options(int argc, char** argv, std::initializer_list<Flag> flags = {}) {
  Options o;
  const auto usage = [&](std::FILE* to) {
    std::fprintf(to, "usage: %s [--host H] [--port P]", argv[0]);
    for (const auto& f : flags) {
      std::fprintf(to, " [%.*s%s%.*s]", static_cast<int>(f.name.size()), f.name.data(),
                   f.value_name.empty() ? "" : " ", static_cast<int>(f.value_name.size()),
                   f.value_name.data());
    }
    std::fprintf(to, "\n  --host H, --port P  the SMSC (default 127.0.0.1:2775)\n");
    for (const auto& f : flags) {
      std::fprintf(to, "  %.*s%s%.*s  %.*s\n", static_cast<int>(f.name.size()), f.name.data(),
                   f.value_name.empty() ? "" : " ", static_cast<int>(f.value_name.size()),
                   f.value_name.data(), static_cast<int>(f.help.size()), f.help.data());
    }
  };
  const auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", argv[0], message.c_str());
    usage(stderr);
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (arg == "--host" || arg == "--port") {
      if (i + 1 >= argc) fail(fmt::format("{} needs a value", arg));
      const char* value = argv[++i];
      if (arg == "--host") {
        if (*value == '\0') fail("--host must not be empty");
        o.host = value;
      } else {
        char* end = nullptr;
        const unsigned long p = std::strtoul(value, &end, 10);
        if (*value == '\0' || *end != '\0' || p == 0 || p > 65535) {
          fail(fmt::format("--port must be 1..65535, got \"{}\"", value));
        }
        o.port = static_cast<std::uint16_t>(p);
      }
      continue;
    }
    const Flag* match = nullptr;
    for (const auto& f : flags) {
      if (f.name == arg) match = &f;
    }
    if (match == nullptr) fail(fmt::format("unknown option \"{}\"", arg));
    std::string_view value;
    if (!match->value_name.empty()) {
      if (i + 1 >= argc) fail(fmt::format("{} needs a value ({})", arg, match->value_name));
      value = argv[++i];
    }
    if (auto error = match->set(value); !error.empty()) fail(error);
  }
  return o;
}

/** Runs `body` on a fresh io_context; returns the process exit code (1 when `body` throws, after
 *  printing what it threw). */
inline int run(const std::function<asio::awaitable<void>(asio::io_context&)>& body) {
  asio::io_context io;
  int code = 0;
  asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "error: %s\n", x.what());
    } catch (...) {
      std::fprintf(stderr, "error: an exception not derived from std::exception\n");
    }
    code = 1;
  });
  io.run();
  return code;
}

}  // namespace examples
