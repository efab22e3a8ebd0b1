#pragma once

// What the examples share: --host/--port parsing (default 127.0.0.1:2775) and a main() helper
// that runs one coroutine on an io_context and reports its exception.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

namespace examples {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
};

/** Parses --host H and --port P; prints usage and exits on anything else. */
inline Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--host" || arg == "--port") && i + 1 < argc) {
      const char* value = argv[++i];
      if (arg == "--host") {
        o.host = value;
      } else {
        char* end = nullptr;
        const unsigned long p = std::strtoul(value, &end, 10);
        if (*end != '\0' || p == 0 || p > 65535) {
          std::fprintf(stderr, "%s: --port must be 1..65535\n", argv[0]);
          std::exit(2);
        }
        o.port = static_cast<std::uint16_t>(p);
      }
    } else {
      std::fprintf(stderr, "usage: %s [--host H] [--port P]   (default 127.0.0.1:2775)\n", argv[0]);
      std::exit(arg == "--help" || arg == "-h" ? 0 : 2);
    }
  }
  return o;
}

/** Runs `body` on a fresh io_context; returns the process exit code. */
inline int run(const std::function<asio::awaitable<void>(asio::io_context&)>& body) {
  asio::io_context io;
  int code = 0;
  asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "error: %s\n", x.what());
    }
    code = 1;
  });
  io.run();
  return code;
}

}  // namespace examples
