// The main() of the snippets whose subject is not main() itself (getting_started.cpp shows its
// own): run one coroutine on the io_context, print what it throws, and exit 1 if it threw.
#pragma once

#include <cstdio>
#include <exception>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

namespace docs {

inline int run_main(asio::io_context& io, asio::awaitable<void> body) {
  int status = 0;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "error: %s\n", x.what());
      status = 1;
    }
  });
  io.run();
  return status;
}

}  // namespace docs
