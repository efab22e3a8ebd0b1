#pragma once

// Child processes for the examples test: spawned with posix_spawn, stdout and stderr to files,
// stdin from /dev/null, waited for with a deadline, and always reaped: a Process that is still
// running when it is destroyed (a failed REQUIRE unwinding) is killed by its process id.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace examples_test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Process {
 public:
  using Clock = std::chrono::steady_clock;

  /** Starts argv[0] with `args`; its stdout goes to `out`, stderr to `err`. */
  Process(std::vector<std::string> argv, std::filesystem::path out, std::filesystem::path err)
      : out_(std::move(out)), err_(std::move(err)) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (auto& a : argv)
      raw.push_back(a.data());
    raw.push_back(nullptr);
    const int rc = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn " + argv[0]);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  ~Process() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
    }
  }

  pid_t pid() const noexcept { return pid_; }

  /** The exit status once the process has ended: its exit code, or 128 + signal number. */
  std::optional<int> poll() {
    if (status_) return status_;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    } else if (r < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    return status_;
  }

  /** Waits up to `limit` for the end; nullopt when it is still running. */
  std::optional<int> wait_for(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      if (auto s = poll()) return s;
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  /** SIGTERM, then SIGKILL when it has not ended within `grace`; returns the exit status. */
  int stop(std::chrono::milliseconds grace) {
    if (auto s = poll()) return *s;
    ::kill(pid_, SIGTERM);
    if (auto s = wait_for(grace)) return *s;
    ::kill(pid_, SIGKILL);
    while (!poll())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return *status_;
  }

  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }

 private:
  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace examples_test
