#include "aiosmpp/sqlite/correlator.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "aiosmpp/json.hpp"
#include "aiosmpp/sqlite/broker.hpp"
#include "sqlite/database_impl.hpp"

namespace aiosmpp {

namespace {

// Expired rows are deleted in the background once per this many registrations and final receipts
// (and at construction), with the expiry indexes, so the table stays near its live size without a
// scan per operation; the marker bound is enforced at the same time.
constexpr std::uint64_t sweep_every = 1024;

constexpr char held_tag = 'h';

ReceiptHold::Time as_hold_time(std::int64_t ms) {
  return std::chrono::milliseconds(ms);
}

}  // namespace

// Markers in the file, kept by the database thread's own statements so that the bound costs no
// count(*) per sweep. -1 until the first sweep counts them. It can only overestimate (a put that
// replaces a marker is not subtracted), so the bound is never exceeded at a sweep.
struct SqliteCorrelator::FileCounts {
  std::int64_t markers = -1;
};

// Held receipts a previous run left in the file, read by the database thread at construction.
struct SqliteCorrelator::Loaded {
  struct Row {
    std::int64_t hold_id = 0;
    std::string id;
    bool final_state = false;
    std::string receipt;
    std::int64_t expires_ms = 0;
    std::optional<Tracking> tracking;  // the id was registered meanwhile
    bool marker = false;
  };
  std::vector<Row> rows;
};

SqliteCorrelator::SqliteCorrelator(std::shared_ptr<SqliteDatabase> database,
                                   SqliteCorrelatorOptions options)
    : db_(std::move(database)),
      options_(std::move(options)),
      file_counts_(std::make_shared<FileCounts>()),
      hold_(std::chrono::duration_cast<ReceiptHold::Time>(options_.hold_time), options_.max_held),
      loaded_(std::make_shared<Loaded>()) {
  if (!db_) throw std::invalid_argument("SqliteCorrelator: database is null");
  if (options_.delivery_ttl <= Clock::duration::zero()) {
    throw std::invalid_argument("SqliteCorrelatorOptions.delivery_ttl: must be > 0");
  }
  if (options_.receipt_grace < Clock::duration::zero()) {
    throw std::invalid_argument("SqliteCorrelatorOptions.receipt_grace: negative, must be >= 0");
  }
  if (options_.hold_time < Clock::duration::zero()) {
    throw std::invalid_argument("SqliteCorrelatorOptions.hold_time: negative, must be >= 0");
  }
  // Hold ids are unique across runs: the run number (one higher at every open) in the high bits.
  next_hold_ = db_->run() << 32;
  const std::int64_t now = now_ms();
  sweep(now);
  // Queued now, so that it has run (in FIFO order) by the time any later call awaits the thread.
  db_->impl().submit(
      {[loaded = loaded_, now](detail::Connection& c) {
         detail::StatementUse use(
             c.statement("SELECT h.hold_id, h.smsc_message_id, h.final, h.receipt, h.expires_at, "
                         "d.log_id, d.extra_data, d.marker FROM aiosmpp_held_receipt h LEFT JOIN "
                         "aiosmpp_delivery d ON d.smsc_message_id = h.smsc_message_id AND "
                         "d.expires_at > ?1 ORDER BY h.hold_id"));
         use->bind(1, now);
         while (use->step()) {
           Loaded::Row r;
           r.hold_id = use->column_int(0);
           r.id = use->column_text(1);
           r.final_state = use->column_int(2) != 0;
           r.receipt = use->column_text(3);
           r.expires_ms = use->column_int(4);
           if (!use->column_is_null(5)) {
             r.tracking =
                 Tracking{std::string(use->column_text(5)), std::string(use->column_text(6))};
             r.marker = use->column_int(7) != 0;
           }
           loaded->rows.push_back(std::move(r));
         }
       },
       {}});
}

SqliteCorrelator::~SqliteCorrelator() = default;

std::int64_t SqliteCorrelator::now_ms() const {
  return detail::unix_ms(options_.clock ? options_.clock() : Clock::now());
}

std::int64_t SqliteCorrelator::ms(Clock::duration d) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

bool SqliteCorrelator::keeps_markers() const noexcept {
  return options_.receipt_grace > Clock::duration::zero() && options_.max_markers > 0;
}

std::optional<std::int64_t> SqliteCorrelator::held_id_of(const Tracking& tracking) noexcept {
  auto t = detail::parse_log_id_tag(held_tag, tracking.log_id);
  if (!t) return std::nullopt;
  return t->first;
}

void SqliteCorrelator::strip_held_id(Tracking& tracking) {
  if (auto t = detail::parse_log_id_tag(held_tag, tracking.log_id)) {
    tracking.log_id.erase(0, t->second);
  }
}

void SqliteCorrelator::sweep(std::int64_t now) {
  ops_since_sweep_ = 0;
  const auto max_markers = static_cast<std::int64_t>(
      std::min<std::size_t>(options_.max_markers, std::numeric_limits<std::int64_t>::max()));
  db_->impl().submit(
      {[now, max_markers, counts = file_counts_](detail::Connection& c) {
         if (counts->markers < 0) {
           detail::StatementUse use(
               c.statement("SELECT count(*) FROM aiosmpp_delivery WHERE marker = 1"));
           use->step();
           counts->markers = use->column_int(0);
         }
         {
           detail::StatementUse use(
               c.statement("DELETE FROM aiosmpp_delivery WHERE marker = 1 AND expires_at <= ?1"));
           counts->markers -= use->bind(1, now).run();
         }
         {
           detail::StatementUse use(
               c.statement("DELETE FROM aiosmpp_delivery WHERE expires_at <= ?1"));
           use->bind(1, now).run();
         }
         if (counts->markers > max_markers) {
           // The oldest markers first (they expire first), through the partial index.
           detail::StatementUse use(c.statement(
               "DELETE FROM aiosmpp_delivery WHERE smsc_message_id IN (SELECT smsc_message_id "
               "FROM aiosmpp_delivery WHERE marker = 1 ORDER BY expires_at LIMIT ?1)"));
           counts->markers -= use->bind(1, counts->markers - max_markers).run();
           counts->markers = std::max<std::int64_t>(counts->markers, 0);
         }
       },
       {}});
}

void SqliteCorrelator::count_op(std::int64_t now) {
  if (++ops_since_sweep_ >= sweep_every) sweep(now);
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
  const std::int64_t expires = now + ms(options_.delivery_ttl);
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
  count_op(now);
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

void SqliteCorrelator::queue_finals(std::vector<std::pair<std::string, std::int64_t>> finals) {
  if (finals.empty()) return;
  if (!keeps_markers()) {
    std::vector<std::string> keys;
    keys.reserve(finals.size());
    for (auto& f : finals)
      keys.push_back(std::move(f.first));
    queue_delete(std::move(keys));
    return;
  }
  db_->impl().submit({[finals = std::move(finals), counts = file_counts_](detail::Connection& c) {
                        auto& mark = c.statement(
                            "UPDATE aiosmpp_delivery SET marker = 1, expires_at = ?2 WHERE "
                            "smsc_message_id = ?1 AND marker = 0");
                        for (const auto& [key, expires] : finals) {
                          detail::StatementUse use(mark);
                          counts->markers +=
                              use->bind(1, std::string_view(key)).bind(2, expires).run();
                        }
                      },
                      {}});
}

void SqliteCorrelator::queue_held_delete(std::vector<std::int64_t> ids) {
  if (ids.empty()) return;
  db_->impl().submit({[ids = std::move(ids)](detail::Connection& c) {
                        auto& del =
                            c.statement("DELETE FROM aiosmpp_held_receipt WHERE hold_id = ?1");
                        for (const std::int64_t id : ids) {
                          detail::StatementUse use(del);
                          use->bind(1, id).run();
                        }
                      },
                      {}});
}

void SqliteCorrelator::release_final_receipts() {
  queue_finals(std::move(finals_pending_));
  finals_pending_.clear();
}

void SqliteCorrelator::release_held(std::int64_t hold_id) {
  queue_held_delete({hold_id});
}

// A final receipt for a live entry: a marker from now on, in the file now or (with a SqliteHook)
// once the application's hook has seen the receipt. Markers are not cached: a repeat is rare and
// may read the file, and the cache keeps its room (and the process its memory) for live entries.
void SqliteCorrelator::finalise(std::string_view key, std::int64_t now) {
  if (auto it = cache_.find(key); it != cache_.end()) cache_.erase(it);
  std::pair<std::string, std::int64_t> f{std::string(key), now + ms(options_.receipt_grace)};
  if (defer_release_) {
    finals_pending_.push_back(std::move(f));
  } else {
    std::vector<std::pair<std::string, std::int64_t>> one;
    one.push_back(std::move(f));
    queue_finals(std::move(one));
  }
  count_op(now);
}

asio::awaitable<ReceiptMatch> SqliteCorrelator::lookup(std::string_view key, bool final_state,
                                                       std::int64_t now) {
  ReceiptMatch m;
  bool marker = false;
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (it->second.expires_ms > now) {
      m.tracking = it->second.tracking;
    } else {
      cache_.erase(it);
    }
  } else {
    std::string k(key);
    auto read = [k, now](detail::Connection& c) -> std::optional<std::pair<Tracking, bool>> {
      detail::StatementUse use(c.statement(
          "SELECT log_id, extra_data, marker FROM aiosmpp_delivery WHERE smsc_message_id = ?1 "
          "AND expires_at > ?2"));
      use->bind(1, std::string_view(k)).bind(2, now);
      if (!use->step()) return std::nullopt;
      return std::pair{Tracking{std::string(use->column_text(0)), std::string(use->column_text(1))},
                       use->column_int(2) != 0};
    };
    auto found = co_await db_->impl().call(std::move(read));
    if (found) {
      m.tracking = std::move(found->first);
      marker = found->second;
    }
  }
  if (!m.tracking) co_return m;
  if (marker) {
    m.repeat = true;
  } else if (final_state) {
    finalise(key, now);
  }
  co_return m;
}

asio::awaitable<std::optional<Tracking>> SqliteCorrelator::get_delivery(
    std::string_view smsc_message_id, bool final_state) {
  auto m = co_await lookup(smsc_message_id, final_state, now_ms());
  co_return std::move(m.tracking);
}

ReleasedReceipt SqliteCorrelator::release(ReceiptHold::Held held, std::optional<Tracking> tracking,
                                          bool repeat) {
  const auto hold_id = static_cast<std::int64_t>(held.key);
  ReleasedReceipt r{std::move(held.receipt), std::move(tracking), repeat};
  if (defer_release_) {
    // SqliteHook deletes the row after the application's hook saw the receipt: tell it which.
    Tracking& own = tracking_of(r.receipt);
    if (r.tracking) {
      r.tracking->log_id = detail::tag_log_id(held_tag, hold_id, r.tracking->log_id);
      own = *r.tracking;
    } else {
      own.log_id = detail::tag_log_id(held_tag, hold_id, own.log_id);
    }
  } else {
    queue_held_delete({hold_id});
  }
  return r;
}

std::vector<ReleasedReceipt> SqliteCorrelator::give_up(std::vector<ReceiptHold::Held> held) {
  std::vector<ReleasedReceipt> out;
  out.reserve(held.size());
  for (auto& h : held)
    out.push_back(release(std::move(h), std::nullopt, false));
  return out;
}

asio::awaitable<void> SqliteCorrelator::load_holds() {
  // The load was queued by the constructor: once anything queued after it has run, so has it.
  std::function<void(detail::Connection&)> nothing = [](detail::Connection&) {};
  co_await db_->impl().wait_for(std::move(nothing));
  if (holds_loaded_) co_return;  // another Esme sharing this correlator did it meanwhile
  holds_loaded_ = true;
  std::vector<ReceiptHold::Held> evicted;
  std::vector<std::pair<std::string, std::int64_t>> finals;
  const std::int64_t now = now_ms();
  for (auto& row : loaded_->rows) {
    ReceiptHold::Held h;
    try {
      h.receipt = json_decode(row.receipt);
    } catch (const std::exception& e) {
      db_->impl().log_failure(
          "held receipt: stored receipt is not valid JSON",
          std::runtime_error(fmt::format("hold id {}: {}", row.hold_id, e.what())));
      queue_held_delete({row.hold_id});
      continue;
    }
    h.id = std::move(row.id);
    h.final_state = row.final_state;
    h.due = as_hold_time(row.expires_ms);
    h.key = static_cast<std::uint64_t>(row.hold_id);
    if (row.tracking) {
      // Registered after the receipt was held, and the crash came before its hook saw it.
      if (row.final_state && !row.marker)
        finals.emplace_back(h.id, now + ms(options_.receipt_grace));
      ready_.push_back(release(std::move(h), std::move(row.tracking), row.marker));
    } else if (hold_.enabled()) {
      hold_.add(std::move(h), evicted);
    } else {
      evicted.push_back(std::move(h));
    }
  }
  loaded_.reset();
  queue_finals(std::move(finals));
  for (auto& r : give_up(std::move(evicted)))
    ready_.push_back(std::move(r));
}

asio::awaitable<std::vector<ReleasedReceipt>> SqliteCorrelator::register_delivery(
    std::string smsc_message_id, Tracking tracking) {
  if (!holds_loaded_) co_await load_holds();
  std::vector<ReleasedReceipt> released;
  if (hold_.size() == 0 || !hold_.holds(smsc_message_id)) {
    co_await put_delivery(std::move(smsc_message_id), std::move(tracking));
    co_return released;
  }
  Tracking clean = tracking;  // what the hook and the file see; put_delivery keeps the queue id
  SqliteBroker::strip_id(clean);
  auto held = hold_.take(smsc_message_id);
  released.reserve(held.size());
  bool final_seen = false;
  for (auto& h : held) {
    const bool final_state = h.final_state;
    released.push_back(release(std::move(h), clean, final_seen));
    final_seen = final_seen || final_state;
  }
  if (!final_seen) {
    co_await put_delivery(std::move(smsc_message_id), std::move(tracking));
    co_return released;
  }
  // A final receipt came first: the entry is done and is written as a marker at once (its held
  // rows outlive it until the hook saw them, so a crash finds them matched).
  const std::int64_t now = now_ms();
  if (!keeps_markers()) {
    cache_.erase(smsc_message_id);
    queue_delete({std::move(smsc_message_id)});
    co_return released;
  }
  const std::int64_t until = now + ms(options_.receipt_grace);
  cache_.erase(smsc_message_id);  // a re-used id's live entry, if any: markers are not cached
  db_->impl().submit({[key = std::move(smsc_message_id), t = std::move(clean), until,
                       counts = file_counts_](detail::Connection& c) {
                        detail::StatementUse use(c.statement(
                            "INSERT OR REPLACE INTO aiosmpp_delivery (smsc_message_id, log_id, "
                            "extra_data, queue_id, expires_at, marker) VALUES (?1, ?2, ?3, NULL, "
                            "?4, 1)"));
                        use->bind(1, std::string_view(key))
                            .bind(2, std::string_view(t.log_id))
                            .bind(3, std::string_view(t.extra_data))
                            .bind(4, until)
                            .run();
                        ++counts->markers;
                      },
                      {}});
  count_op(now);
  co_return released;
}

asio::awaitable<ReceiptMatch> SqliteCorrelator::correlate_receipt(std::string_view smsc_message_id,
                                                                  bool final_state,
                                                                  const Pdu& receipt) {
  if (!holds_loaded_) co_await load_holds();
  std::int64_t now = now_ms();
  // Receipts already held for this id: it is unknown (a registration would have taken them).
  if (!hold_.holds(smsc_message_id)) {
    ReceiptMatch m = co_await lookup(smsc_message_id, final_state, now);
    if (m.tracking || !hold_.enabled()) co_return m;
    // The file read suspended: another Esme sharing this correlator may have registered the id.
    if (cache_.find(smsc_message_id) != cache_.end()) {
      co_return co_await lookup(smsc_message_id, final_state, now_ms());
    }
    now = now_ms();
  }
  ReceiptMatch m;
  if (!hold_.enabled()) co_return m;
  const std::int64_t hold_id = ++next_hold_;
  const std::int64_t due = now + ms(options_.hold_time);
  std::string json = json_encode(receipt);
  std::vector<ReceiptHold::Held> evicted;
  // In memory before the write is awaited, so a registration meanwhile finds it; its delete is
  // queued after this insert.
  hold_.add({std::string(smsc_message_id), receipt, final_state, as_hold_time(due),
             static_cast<std::uint64_t>(hold_id)},
            evicted);
  m.held = true;
  m.released = give_up(std::move(evicted));
  auto insert = [hold_id, key = std::string(smsc_message_id), final_state, json = std::move(json),
                 due](detail::Connection& c) {
    detail::StatementUse use(
        c.statement("INSERT INTO aiosmpp_held_receipt (hold_id, smsc_message_id, final, receipt, "
                    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    use->bind(1, hold_id)
        .bind(2, std::string_view(key))
        .bind(3, std::int64_t{final_state ? 1 : 0})
        .bind(4, std::string_view(json))
        .bind(5, due)
        .run();
  };
  try {
    // The Esme acknowledges the receipt when this returns: it must be on disk by then.
    co_await db_->impl().call(std::move(insert));
  } catch (const std::exception& e) {
    db_->impl().log_failure("held receipt: insert (kept in memory only)", e);
  }
  co_return m;
}

asio::awaitable<std::vector<ReleasedReceipt>> SqliteCorrelator::take_released_holds() {
  if (!holds_loaded_) co_await load_holds();
  std::vector<ReleasedReceipt> out = std::move(ready_);
  ready_.clear();
  if (hold_.size() == 0) co_return out;
  std::vector<ReceiptHold::Held> due;
  hold_.take_due(as_hold_time(now_ms()), due);
  for (auto& r : give_up(std::move(due)))
    out.push_back(std::move(r));
  co_return out;
}

std::optional<std::chrono::steady_clock::time_point> SqliteCorrelator::next_expiry() const {
  const auto steady_now = std::chrono::steady_clock::now();
  if (!ready_.empty()) return steady_now;
  const auto due = hold_.next_due();
  if (!due) return std::nullopt;
  const auto left = std::max(*due - as_hold_time(now_ms()), ReceiptHold::Time::zero());
  return steady_now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
}

asio::awaitable<std::uint64_t> SqliteCorrelator::size() {
  auto count = [](detail::Connection& c) {
    detail::StatementUse use(c.statement("SELECT count(*) FROM aiosmpp_delivery WHERE marker = 0"));
    use->step();
    return static_cast<std::uint64_t>(use->column_int(0));
  };
  co_return co_await db_->impl().call(std::move(count));
}

asio::awaitable<std::uint64_t> SqliteCorrelator::markers() {
  auto count = [](detail::Connection& c) {
    detail::StatementUse use(c.statement("SELECT count(*) FROM aiosmpp_delivery WHERE marker = 1"));
    use->step();
    return static_cast<std::uint64_t>(use->column_int(0));
  };
  co_return co_await db_->impl().call(std::move(count));
}

}  // namespace aiosmpp
