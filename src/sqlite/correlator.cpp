#include "aiosmpp/sqlite/correlator.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "aiosmpp/sqlite/broker.hpp"
#include "sqlite/database_impl.hpp"

namespace aiosmpp {

namespace {

// Expired rows are deleted in the background once per this many puts (and at construction), with
// the expiry index, so the table stays near its live size without a scan per operation.
constexpr std::uint64_t sweep_every = 1024;

}  // namespace

SqliteCorrelator::SqliteCorrelator(std::shared_ptr<SqliteDatabase> database,
                                   SqliteCorrelatorOptions options)
    : db_(std::move(database)), options_(std::move(options)) {
  if (!db_) throw std::invalid_argument("SqliteCorrelator: database is null");
  if (options_.delivery_ttl <= Clock::duration::zero()) {
    throw std::invalid_argument("SqliteCorrelatorOptions.delivery_ttl: must be > 0");
  }
  sweep(now_ms());
}

SqliteCorrelator::~SqliteCorrelator() = default;

std::int64_t SqliteCorrelator::now_ms() const {
  return detail::unix_ms(options_.clock ? options_.clock() : Clock::now());
}

void SqliteCorrelator::sweep(std::int64_t now) {
  puts_since_sweep_ = 0;
  db_->impl().submit({[now](detail::Connection& c) {
                        detail::StatementUse use(
                            c.statement("DELETE FROM aiosmpp_delivery WHERE expires_at <= ?1"));
                        use->bind(1, now).run();
                      },
                      {}});
}

void SqliteCorrelator::cache_put(const std::string& key, const Tracking& tracking,
                                 std::int64_t expires_ms) {
  if (options_.cache_entries == 0) return;
  const std::uint64_t gen = next_generation_++;
  cache_[key] = Cached{tracking, expires_ms, gen};
  cache_order_.emplace_back(key, gen);
  // Oldest first out; records whose entry was replaced or taken are skipped.
  while (cache_.size() > options_.cache_entries && !cache_order_.empty()) {
    auto& [k, g] = cache_order_.front();
    auto it = cache_.find(k);
    if (it != cache_.end() && it->second.generation == g) cache_.erase(it);
    cache_order_.pop_front();
  }
  if (cache_order_.size() > 2 * options_.cache_entries + 1024) {
    std::erase_if(cache_order_, [&](const auto& r) {
      auto it = cache_.find(r.first);
      return it == cache_.end() || it->second.generation != r.second;
    });
  }
}

asio::awaitable<void> SqliteCorrelator::put_delivery(std::string smsc_message_id,
                                                     Tracking tracking) {
  const auto queue_id = SqliteBroker::id_of(tracking);
  SqliteBroker::strip_id(tracking);
  const std::int64_t now = now_ms();
  const std::int64_t expires =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.delivery_ttl).count();
  cache_put(smsc_message_id, tracking, expires);
  db_->impl().submit(
      {[key = std::move(smsc_message_id), t = std::move(tracking), queue_id,
        expires](detail::Connection& c) {
         detail::StatementUse use(c.statement(
             "INSERT OR REPLACE INTO aiosmpp_delivery (smsc_message_id, log_id, extra_data, "
             "queue_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
         use->bind(1, std::string_view(key))
             .bind(2, std::string_view(t.log_id))
             .bind(3, std::string_view(t.extra_data));
         if (queue_id) {
           use->bind(4, *queue_id);
         } else {
           use->bind_null(4);
         }
         use->bind(5, expires).run();
       },
       {}});
  if (++puts_since_sweep_ >= sweep_every) sweep(now);
  co_return;
}

void SqliteCorrelator::queue_delete(std::vector<std::string> keys) {
  if (keys.empty()) return;
  db_->impl().submit({[keys = std::move(keys)](detail::Connection& c) {
                        auto& del =
                            c.statement("DELETE FROM aiosmpp_delivery WHERE smsc_message_id = ?1");
                        for (const auto& k : keys) {
                          detail::StatementUse use(del);
                          use->bind(1, std::string_view(k)).run();
                        }
                      },
                      {}});
}

void SqliteCorrelator::release_final_receipts() {
  queue_delete(std::move(finals_pending_));
  finals_pending_.clear();
}

asio::awaitable<std::optional<Tracking>> SqliteCorrelator::get_delivery(
    std::string_view smsc_message_id, bool final_state) {
  const std::int64_t now = now_ms();
  std::optional<Tracking> found;
  if (auto it = cache_.find(smsc_message_id); it != cache_.end()) {
    if (it->second.expires_ms > now) {
      found = final_state ? std::move(it->second.tracking) : it->second.tracking;
    }
    if (final_state || !found) cache_.erase(it);
  } else {
    std::string key(smsc_message_id);
    auto lookup = [key, now](detail::Connection& c) -> std::optional<Tracking> {
      detail::StatementUse use(c.statement(
          "SELECT log_id, extra_data FROM aiosmpp_delivery WHERE smsc_message_id = ?1 AND "
          "expires_at > ?2"));
      use->bind(1, std::string_view(key)).bind(2, now);
      if (!use->step()) return std::nullopt;
      return Tracking{std::string(use->column_text(0)), std::string(use->column_text(1))};
    };
    found = co_await db_->impl().call(std::move(lookup));
  }
  if (found && final_state) {
    std::string key(smsc_message_id);
    if (defer_release_) {
      finals_pending_.push_back(std::move(key));
    } else {
      std::vector<std::string> one;
      one.push_back(std::move(key));
      queue_delete(std::move(one));
    }
  }
  co_return found;
}

asio::awaitable<std::uint64_t> SqliteCorrelator::size() {
  auto count = [](detail::Connection& c) {
    detail::StatementUse use(c.statement("SELECT count(*) FROM aiosmpp_delivery"));
    use->step();
    return static_cast<std::uint64_t>(use->column_int(0));
  };
  co_return co_await db_->impl().call(std::move(count));
}

}  // namespace aiosmpp
