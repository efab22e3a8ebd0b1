#include "aiosmpp/sqlite/broker.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/json.hpp"
#include "sqlite/database_impl.hpp"

namespace aiosmpp {

namespace {

constexpr char queue_tag = 'q';

std::string encode_for_queue(Pdu& message) {
  SqliteBroker::strip_id(tracking_of(message));
  return json_encode_compact(message);  // json_decode fills the defaults back in
}

}  // namespace

struct SqliteBroker::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool signalled = false;  // an enqueue happened since the waiter last looked (on the executor)
};

SqliteBroker::SqliteBroker(asio::any_io_executor executor, std::shared_ptr<SqliteDatabase> database,
                           SqliteBrokerOptions options)
    : executor_(std::move(executor)), db_(std::move(database)), options_(options) {
  if (!db_) throw std::invalid_argument("SqliteBroker: database is null");
  if (options_.poll_interval.count() <= 0) {
    throw std::invalid_argument(fmt::format("SqliteBrokerOptions.poll_interval: {} ms, must be > 0",
                                            options_.poll_interval.count()));
  }
  waiter_ = std::make_shared<Waiter>(executor_);
}

SqliteBroker::~SqliteBroker() = default;

std::optional<std::int64_t> SqliteBroker::id_of(const Tracking& tracking) noexcept {
  auto t = detail::parse_log_id_tag(queue_tag, tracking.log_id);
  if (!t) return std::nullopt;
  return t->first;
}

void SqliteBroker::strip_id(Tracking& tracking) {
  if (auto t = detail::parse_log_id_tag(queue_tag, tracking.log_id)) {
    tracking.log_id.erase(0, t->second);
  }
}

void SqliteBroker::wake() {
  asio::post(executor_, [w = waiter_] {
    w->signalled = true;
    w->timer.cancel();
  });
}

asio::awaitable<void> SqliteBroker::enqueue(Pdu message) {
  std::vector<Pdu> one;
  one.push_back(std::move(message));
  co_await enqueue_batch(std::move(one));
}

asio::awaitable<void> SqliteBroker::enqueue_batch(std::vector<Pdu> messages) {
  if (messages.empty()) co_return;
  // JSON is written here, on the producer's thread, to keep the database thread's work short.
  std::vector<std::string> rows;
  rows.reserve(messages.size());
  for (auto& m : messages)
    rows.push_back(encode_for_queue(m));
  const std::int64_t now = detail::unix_ms(std::chrono::system_clock::now());
  auto op = [rows = std::move(rows), now](detail::Connection& c) {
    auto& insert = c.statement("INSERT INTO aiosmpp_queue (message, enqueued_at) VALUES (?1, ?2)");
    for (const auto& r : rows) {
      detail::StatementUse use(insert);
      use->bind(1, std::string_view(r)).bind(2, now).run();
    }
  };
  co_await db_->impl().call(std::move(op));
  wake();
}

asio::awaitable<Pdu> SqliteBroker::dequeue() {
  std::vector<Pdu> one;
  co_await dequeue_batch(one, 1);
  co_return std::move(one.front());
}

asio::awaitable<std::size_t> SqliteBroker::dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  if (max == 0) throw std::invalid_argument("SqliteBroker::dequeue_batch: max is 0, must be >= 1");
  struct Taken {
    std::vector<Pdu> messages;
    std::vector<std::string> bad;  // rows whose JSON no longer decodes: left taken, logged
  };
  const std::int64_t run = db_->run();
  for (;;) {
    waiter_->signalled = false;
    const std::int64_t now = detail::unix_ms(std::chrono::system_clock::now());
    auto op = [max, run, now](detail::Connection& c) {
      Taken t;
      auto& select =
          c.statement("SELECT id, message FROM aiosmpp_queue WHERE run = 0 ORDER BY id LIMIT ?1");
      auto& mark = c.statement("UPDATE aiosmpp_queue SET run = ?1, taken_at = ?2 WHERE id = ?3");
      std::vector<std::int64_t> ids;
      {
        detail::StatementUse use(select);
        use->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(max, 1'000'000)));
        while (use->step()) {
          const std::int64_t id = use->column_int(0);
          ids.push_back(id);
          try {
            Pdu m = json_decode(use->column_text(1));
            auto& tr = tracking_of(m);
            tr.log_id = detail::tag_log_id(queue_tag, id, tr.log_id);
            t.messages.push_back(std::move(m));
          } catch (const std::exception& e) {
            t.bad.push_back(fmt::format("queue id {}: {}", id, e.what()));
          }
        }
      }
      for (const std::int64_t id : ids) {
        detail::StatementUse use(mark);
        use->bind(1, run).bind(2, now).bind(3, id).run();
      }
      return t;
    };
    Taken taken = co_await db_->impl().call(std::move(op));
    for (const auto& b : taken.bad) {
      db_->impl().log_failure("dequeue: stored message is not valid JSON", std::runtime_error(b));
    }
    if (!taken.messages.empty()) {
      // No suspension point from here to the return: a cancelled dequeue loses nothing.
      const std::size_t n = taken.messages.size();
      for (auto& m : taken.messages)
        out.push_back(std::move(m));
      co_return n;
    }
    if (waiter_->signalled) continue;
    waiter_->timer.expires_after(options_.poll_interval);
    co_await waiter_->timer.async_wait(detail::use_nothrow_awaitable);
    // A cancellation of this coroutine makes the next co_await throw operation_aborted.
  }
}

void SqliteBroker::finish(const Pdu& message) {
  if (auto id = id_of(tracking_of(message))) finish(*id);
}

void SqliteBroker::finish(std::int64_t id) {
  db_->impl().submit({[id](detail::Connection& c) {
                        detail::StatementUse use(
                            c.statement("DELETE FROM aiosmpp_queue WHERE id = ?1"));
                        use->bind(1, id).run();
                      },
                      {}});
}

asio::awaitable<std::vector<UnfinishedMessage>> SqliteBroker::unfinished() {
  const std::int64_t run = db_->run();
  auto* impl = &db_->impl();
  auto op = [run, impl](detail::Connection& c) {
    std::vector<UnfinishedMessage> result;
    detail::StatementUse use(c.statement(
        "SELECT id, message, run, taken_at FROM aiosmpp_queue WHERE run <> 0 AND run <> ?1 "
        "ORDER BY id"));
    use->bind(1, run);
    while (use->step()) {
      UnfinishedMessage u;
      u.id = use->column_int(0);
      try {
        u.message = json_decode(use->column_text(1));
      } catch (const std::exception& e) {
        impl->log_failure("unfinished: stored message is not valid JSON",
                          std::runtime_error(fmt::format("queue id {}: {}", u.id, e.what())));
        continue;
      }
      u.run = use->column_int(2);
      u.taken_at =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(use->column_int(3)));
      result.push_back(std::move(u));
    }
    return result;
  };
  co_return co_await db_->impl().call(std::move(op));
}

asio::awaitable<std::size_t> SqliteBroker::requeue(std::span<const std::int64_t> ids) {
  std::vector<std::int64_t> copy(ids.begin(), ids.end());
  const std::int64_t run = db_->run();
  auto op = [copy = std::move(copy), run](detail::Connection& c) {
    auto& update = c.statement(
        "UPDATE aiosmpp_queue SET run = 0, taken_at = NULL WHERE id = ?1 AND run <> 0 AND run "
        "<> ?2");
    std::size_t changed = 0;
    for (const std::int64_t id : copy) {
      detail::StatementUse use(update);
      changed += static_cast<std::size_t>(use->bind(1, id).bind(2, run).run());
    }
    return changed;
  };
  const std::size_t n = co_await db_->impl().call(std::move(op));
  if (n > 0) wake();
  co_return n;
}

asio::awaitable<std::size_t> SqliteBroker::forget(std::span<const std::int64_t> ids) {
  std::vector<std::int64_t> copy(ids.begin(), ids.end());
  const std::int64_t run = db_->run();
  auto op = [copy = std::move(copy), run](detail::Connection& c) {
    auto& del = c.statement("DELETE FROM aiosmpp_queue WHERE id = ?1 AND run <> 0 AND run <> ?2");
    std::size_t changed = 0;
    for (const std::int64_t id : copy) {
      detail::StatementUse use(del);
      changed += static_cast<std::size_t>(use->bind(1, id).bind(2, run).run());
    }
    return changed;
  };
  co_return co_await db_->impl().call(std::move(op));
}

asio::awaitable<SqliteQueueCounts> SqliteBroker::counts() {
  const std::int64_t run = db_->run();
  auto op = [run](detail::Connection& c) {
    SqliteQueueCounts q;
    detail::StatementUse use(c.statement(
        "SELECT run = 0, run = ?1, count(*) FROM aiosmpp_queue GROUP BY run = 0, run = ?1"));
    use->bind(1, run);
    while (use->step()) {
      const auto n = static_cast<std::uint64_t>(use->column_int(2));
      if (use->column_int(0) != 0) {
        q.ready += n;
      } else if (use->column_int(1) != 0) {
        q.in_progress += n;
      } else {
        q.unfinished += n;
      }
    }
    return q;
  };
  co_return co_await db_->impl().call(std::move(op));
}

}  // namespace aiosmpp
