// --state FILE on aiosmpp's SqliteBroker (see state.hpp).

#include "state.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace aiosmpp::send {
namespace {

std::string marker_of(const std::string& path) {
  return path + ".loaded";
}

}  // namespace

bool state_is_loaded(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(marker_of(path), ec);
}

}  // namespace aiosmpp::send

#ifdef AIOSMPP_SEND_WITH_SQLITE

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "aiosmpp/sqlite/sqlite.hpp"

namespace aiosmpp::send {
namespace {

class SqliteState final : public StateStore {
 public:
  SqliteState(asio::any_io_executor executor, const std::string& path) : marker_(marker_of(path)) {
    SqliteDatabaseOptions options;
    options.path = path;
    try {
      db_ = std::make_shared<SqliteDatabase>(options);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("--state {}: {}", path, e.what()));
    }
    broker_ = std::make_shared<SqliteBroker>(std::move(executor), db_);
    loaded_ = state_is_loaded(path);
  }

  std::shared_ptr<Broker> broker() override { return broker_; }

  std::shared_ptr<Hook> wrap(std::shared_ptr<Hook> app) override {
    return std::make_shared<SqliteHook>(std::move(app), broker_, nullptr);
  }

  bool loaded() const override { return loaded_; }

  asio::awaitable<void> load(std::vector<Pdu> messages, std::size_t bad_lines) override {
    // A run that crashed after the transaction and before the marker left the messages
    // (committed all or none): they are the input, so only the marker is written now.
    const auto c = co_await broker_->counts();
    if (c.ready + c.in_progress + c.unfinished == 0) {
      co_await broker_->enqueue_batch(std::move(messages));
    }
    std::FILE* f = std::fopen(marker_.c_str(), "w");
    if (f == nullptr) {
      throw std::runtime_error(fmt::format("{}: {}", marker_, std::strerror(errno)));
    }
    fmt::print(f, "input stored, {} bad lines reported\n", bad_lines);
    const bool ok = std::fflush(f) == 0;
    std::fclose(f);
    if (!ok) throw std::runtime_error(fmt::format("{}: write failed", marker_));
    loaded_ = true;
  }

  asio::awaitable<std::vector<Unfinished>> unfinished() override {
    std::vector<Unfinished> left;
    auto taken = co_await broker_->unfinished();
    for (auto& u : taken) {
      SqliteBroker::strip_id(tracking_of(u.message));
      left.push_back({u.id, std::move(u.message)});
    }
    co_return left;
  }

  asio::awaitable<void> resend(std::vector<std::int64_t> ids) override {
    co_await broker_->requeue(ids);
  }

  asio::awaitable<void> forget(std::vector<std::int64_t> ids) override {
    co_await broker_->forget(ids);
  }

  asio::awaitable<std::uint64_t> ready() override {
    const auto c = co_await broker_->counts();
    co_return c.ready;
  }

  asio::awaitable<void> requeue(Pdu message) override {
    co_await broker_->enqueue(std::move(message));
  }

  asio::awaitable<void> flush() override { co_await db_->flush(); }

 private:
  std::string marker_;
  std::shared_ptr<SqliteDatabase> db_;
  std::shared_ptr<SqliteBroker> broker_;
  bool loaded_ = false;
};

}  // namespace

std::unique_ptr<StateStore> open_state(asio::any_io_executor executor, const std::string& path) {
  return std::make_unique<SqliteState>(std::move(executor), path);
}

}  // namespace aiosmpp::send

#else

namespace aiosmpp::send {

std::unique_ptr<StateStore> open_state(asio::any_io_executor, const std::string& path) {
  throw std::runtime_error(
      fmt::format("--state {}: this build has no SQLite component (docs/durable.md)", path));
}

}  // namespace aiosmpp::send

#endif
