#pragma once

// The node-smpp server peer (tests/interop/node/esme_server_peer.js) as a child process: started
// on a free port, driven by JSON lines on its stdin, observed through the JSON lines it writes on
// stdout, and stopped by its process id when the test ends, passed or failed.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "aiosmpp/detail/asio_compat.hpp"

extern char** environ;  // NOLINT: POSIX, for posix_spawn

namespace aiosmpp::test {

using json = nlohmann::json;

class NodePeer {
 public:
  /** Spawns `node script` and waits (up to `startup`) for its "listening" line. */
  NodePeer(const std::string& node, const std::string& script,
           std::chrono::milliseconds startup = std::chrono::milliseconds(10000)) {
    // A write to the stdin of a peer that died must fail with EPIPE, not kill the test.
    ::signal(SIGPIPE, SIG_IGN);
    int in[2] = {-1, -1};
    int out[2] = {-1, -1};
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      close_fds(in, out);
      throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> args{node, script};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, node.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      close_fds();
      throw std::system_error(rc, std::generic_category(), "posix_spawn " + node);
    }
    ::fcntl(stdout_, F_SETFL, ::fcntl(stdout_, F_GETFL) | O_NONBLOCK);

    const auto deadline = std::chrono::steady_clock::now() + startup;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      ::poll(&p, 1, 50);
      read_available();
      for (const auto& e : events_) {
        if (e.value("event", "") == "listening") {
          port_ = e.at("port").get<std::uint16_t>();
          return;
        }
      }
      if (eof_) break;
    }
    stop();
    throw std::runtime_error("node peer did not report its port (" + script + ")");
  }

  NodePeer(const NodePeer&) = delete;
  NodePeer& operator=(const NodePeer&) = delete;
  ~NodePeer() { stop(); }

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }

  /** Sends one command line; throws when the peer is gone. */
  void command(const json& c) {
    const std::string line = c.dump() + "\n";
    std::size_t at = 0;
    while (at < line.size()) {
      const auto n = ::write(stdin_, line.data() + at, line.size() - at);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "write to the node peer");
      }
      at += static_cast<std::size_t>(n);
    }
    ++commands_;
  }

  /** Every event read so far (reads what is waiting first). */
  const std::vector<json>& events() {
    read_available();
    return events_;
  }

  /** The events matching `pred`, in order. */
  std::vector<json> select(const std::function<bool(const json&)>& pred) {
    std::vector<json> out;
    for (const auto& e : events())
      if (pred(e)) out.push_back(e);
    return out;
  }

  /** The PDUs the peer received with this command name, in order. */
  std::vector<json> received(const std::string& command) {
    std::vector<json> out;
    for (const auto& e : events())
      if (e.value("event", "") == "pdu" && e.at("pdu").value("command", "") == command)
        out.push_back(e);
    return out;
  }

  /** Polls every 2 ms until `pred` holds, up to `timeout`; false on timeout. `pred` is taken by
   *  reference (g++ 12 can destroy a prvalue argument of a coroutine twice), so co_await the
   *  result in the full-expression that makes the predicate. */
  asio::awaitable<bool> wait(const std::function<bool()>& pred,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) co_return false;
      t.expires_after(std::chrono::milliseconds(2));
      co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
    }
    co_return true;
  }

  /** Waits until the peer has received at least `n` PDUs named `command`. */
  asio::awaitable<bool> wait_received(
      std::string_view command, std::size_t n,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const std::function<bool()> enough = [this, command, n] {
      return received(std::string(command)).size() >= n;
    };
    co_return co_await wait(enough, timeout);
  }

  /** Waits until the peer has answered every command sent so far (its "done"/"error" lines);
   *  true when it did in time and none failed. */
  asio::awaitable<bool> settle(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto answers = [this](bool errors_only) {
      std::size_t n = 0;
      for (const auto& e : events()) {
        const auto ev = e.value("event", "");
        if (!e.contains("id")) continue;  // not the answer to a command
        n += (ev == "error" || (!errors_only && ev == "done")) ? 1U : 0U;
      }
      return n;
    };
    const bool all = co_await wait([&] { return answers(false) >= commands_; }, timeout);
    co_return all&& answers(true) == 0;
  }

  /** SIGTERM by process id, then SIGKILL if it has not exited within 2 s; idempotent. */
  void stop() noexcept {
    if (stdin_ >= 0) {
      ::close(stdin_);  // the peer exits when its stdin closes
      stdin_ = -1;
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      int status = 0;
      for (;;) {
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      pid_ = -1;
    }
    close_fds();
  }

 private:
  static void close_fds(int (&a)[2], int (&b)[2]) noexcept {
    for (int fd : {a[0], a[1], b[0], b[1]})
      if (fd >= 0) ::close(fd);
  }
  void close_fds() noexcept {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    stdin_ = stdout_ = -1;
  }

  void read_available() {
    if (stdout_ < 0) return;
    char buf[65536];
    for (;;) {
      const auto n = ::read(stdout_, buf, sizeof buf);
      if (n > 0) {
        partial_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) eof_ = true;
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    std::size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
      const std::string line = partial_.substr(0, nl);
      partial_.erase(0, nl + 1);
      if (line.empty()) continue;
      if (transcript_)
        std::fprintf(stderr, "node peer %d: %s\n", static_cast<int>(pid_), line.c_str());
      events_.push_back(json::parse(line));
    }
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool eof_ = false;
  // AIOSMPP_PEER_TRANSCRIPT=1 in the environment: every event line goes to stderr as it is read.
  bool transcript_ = std::getenv("AIOSMPP_PEER_TRANSCRIPT") != nullptr;
  std::uint16_t port_ = 0;
  std::size_t commands_ = 0;
  std::string partial_;
  std::vector<json> events_;
};

}  // namespace aiosmpp::test
