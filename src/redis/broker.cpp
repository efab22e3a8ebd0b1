#include "aiosmpp/redis/broker.hpp"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/json.hpp"
#include "redis/keys.hpp"

namespace aiosmpp {

namespace {

constexpr char entry_tag = 'r';
using Clock = std::chrono::steady_clock;

void validate(const RedisBrokerOptions& o) {
  auto bad = [](const char* field, const std::string& value, const char* limit) {
    throw std::invalid_argument(
        fmt::format("RedisBrokerOptions.{}: {}, must be {}", field, value, limit));
  };
  if (o.account.empty() || o.account.find(':') != std::string::npos) {
    bad("account", "'" + o.account + "'", "not empty and without ':'");
  }
  if (o.key_prefix.empty()) bad("key_prefix", "''", "not empty");
  if (o.group.empty()) bad("group", "''", "not empty");
  if (o.block.count() <= 0) bad("block", std::to_string(o.block.count()) + " ms", "> 0");
  if (o.read_count == 0) bad("read_count", "0", ">= 1");
  if (o.claim_idle.count() <= 0) bad("claim_idle", std::to_string(o.claim_idle.count()), "> 0");
  if (o.claim_interval.count() <= 0) {
    bad("claim_interval", std::to_string(o.claim_interval.count()), "> 0");
  }
  if (o.claim_count == 0) bad("claim_count", "0", ">= 1");
}

std::string default_consumer() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] != '\0' ? host : "localhost", ::getpid());
}

// The `msg` field of an entry's field/value array, or nullptr.
const std::string* msg_field(const RedisReply& fields) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == "msg") return &fields.elements[i + 1].str;
  }
  return nullptr;
}

}  // namespace

struct RedisBroker::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, RedisClientOptions client, RedisBrokerOptions o)
      : executor(ex),
        options(std::move(o)),
        stream(fmt::format("{}:{}:queue", options.key_prefix, options.account)),
        written(fmt::format("{}:{}:written", options.key_prefix, options.account)),
        dead(fmt::format("{}:{}:dead", options.key_prefix, options.account)),
        name(options.consumer.empty() ? default_consumer() : options.consumer),
        cmd(ex, client),
        reader(ex, reader_options(client, options)),
        next_claim(Clock::now()) {}

  static RedisClientOptions reader_options(RedisClientOptions c, const RedisBrokerOptions& o) {
    // The reader's XREADGROUP legitimately waits `block`: its watchdog must allow for that.
    if (c.command_timeout.count() != 0)
      c.command_timeout = std::max(c.command_timeout, o.block * 2);
    return c;
  }

  void error(std::string_view event, std::string_view what) {
    ++stats.errors;
    AIOSMPP_LOG(options.logger, LogLevel::error, event, {"stream", stream}, {"error", what});
  }
  std::size_t take(std::vector<Pdu>& out, std::size_t max) {
    std::size_t n = 0;
    while (n < max && !buffer.empty()) {
      out.push_back(std::move(buffer.front()));
      buffer.pop_front();
      ++n;
    }
    stats.taken += n;
    read_ahead();
    return n;
  }
  // The next read starts while the Esme still has messages to send, rather than when it finds
  // none: the round trip to Redis then overlaps the SMSC's.
  void read_ahead() {
    if (buffer.size() >= options.prefetch || read_outstanding || !group_ready || !recovered ||
        !reader.connected() || Clock::now() < retry_after) {
      return;
    }
    ++stats.read_ahead;
    start_read(options.read_count);
  }
  // A claim round is due: the Esme must come through dequeue_batch(), which runs it, even while
  // read-ahead keeps messages in the buffer.
  bool claim_due() const { return Clock::now() >= next_claim && cmd.connected(); }
  void wake() {
    for (auto* t : waiters)
      t->cancel();
  }
  bool accept(const RedisReply& entry, std::vector<std::pair<std::string, Pdu>>& into);
  void start_read(std::size_t max);
  void on_read(std::error_code ec, const RedisReply& reply);
  asio::awaitable<void> claim();
  asio::awaitable<void> recover_own();
  asio::awaitable<void> take_over(std::vector<std::pair<std::string, Pdu>> got, bool own);
  void report_unknown(std::string id, Pdu message);
  void send_ack(const std::string& id);
  asio::awaitable<void> ensure_group();
  asio::awaitable<void> wait_signal(Clock::time_point until);

  asio::any_io_executor executor;
  RedisBrokerOptions options;
  std::string stream;
  std::string written;
  std::string dead;
  std::string name;
  RedisClient cmd;     // XADD, XACK, HSET, XAUTOCLAIM: never blocked
  RedisClient reader;  // only XREADGROUP ... BLOCK, which holds its connection while it waits
  // One timer per waiting dequeue (several Esmes or a pool's binds may share this broker): a
  // shared timer would let each waiter's expires_at() cancel the other's wait, in a loop.
  std::vector<asio::steady_timer*> waiters;
  std::deque<Pdu> buffer;                // read or claimed, not yet handed to the Esme
  std::unordered_set<std::string> held;  // entry ids taken by this broker and not settled
  std::vector<std::string> noted;        // HSET arguments: ids about to be written, unrecorded
  std::vector<std::string> unacked;      // settles that failed, sent again once connected
  bool read_outstanding = false;
  bool group_ready = false;
  bool recovered = false;  // this consumer's own entries from an earlier run were looked at
  Clock::time_point next_claim;
  Clock::time_point retry_after{};
  std::string claim_cursor = "0-0";
  UnknownHandler unknown;
  bool delegated = false;  // settlement handed to another component (delegate_settlement)
  RedisBrokerStats stats;
};

// Turns one [id, [field, value, ...]] into a message tagged with its id; an entry that is not a
// message moves to the dead stream (acknowledged, so it is not read again).
bool RedisBroker::State::accept(const RedisReply& entry,
                                std::vector<std::pair<std::string, Pdu>>& into) {
  if (entry.elements.size() < 2) return false;  // claimed, but deleted meanwhile
  const std::string& id = entry.elements[0].str;
  const std::string* json = msg_field(entry.elements[1]);
  try {
    if (json == nullptr) throw std::invalid_argument("no field 'msg'");
    Pdu message = json_decode(*json);
    Tracking& t = tracking_of(message);
    t.log_id = detail::tag_entry(entry_tag, id, t.log_id);
    into.emplace_back(id, std::move(message));
    return true;
  } catch (const std::exception& e) {
    ++stats.dead;
    AIOSMPP_LOG(options.logger, LogLevel::error, "redis_broker_bad_entry", {"stream", stream},
                {"entry", id}, {"error", e.what()});
    cmd.send(
        {"XADD", dead, "*", "entry", id, "msg", json != nullptr ? *json : "", "error", e.what()});
    send_ack(id);
    return false;
  }
}

void RedisBroker::State::start_read(std::size_t max) {
  read_outstanding = true;
  ++stats.reads;
  std::weak_ptr<State> weak = shared_from_this();
  reader.send({"XREADGROUP", "GROUP", options.group, name, "COUNT",
               std::to_string(std::min(max, options.read_count)), "BLOCK",
               std::to_string(options.block.count()), "STREAMS", stream, ">"},
              [weak](std::error_code ec, RedisReply reply) {
                if (auto self = weak.lock()) self->on_read(ec, reply);
              });
}

void RedisBroker::State::on_read(std::error_code ec, const RedisReply& reply) {
  read_outstanding = false;
  wake();
  if (ec) return error("redis_broker_read_failed", ec.message());
  if (reply.is_error()) {
    // The group is gone when Redis restarted without its data: create it again.
    if (reply.str.rfind("NOGROUP", 0) == 0) group_ready = false;
    retry_after = Clock::now() + options.block / 4;
    return error("redis_broker_read_failed", reply.str);
  }
  if (reply.is_nil() || reply.elements.empty()) return;  // BLOCK timed out: nothing new
  std::vector<std::pair<std::string, Pdu>> got;
  for (const auto& s : reply.elements) {
    if (s.elements.size() < 2) continue;
    for (const auto& entry : s.elements[1].elements)
      accept(entry, got);
  }
  for (auto& [id, message] : got) {
    held.insert(id);
    buffer.push_back(std::move(message));
  }
}

asio::awaitable<void> RedisBroker::State::ensure_group() {
  try {
    // Named: g++ 12 mishandles a braced temporary inside a co_await expression.
    std::vector<std::string> create{"XGROUP", "CREATE", stream, options.group, "0", "MKSTREAM"};
    co_await cmd.command(std::move(create));
  } catch (const RedisError& e) {
    // BUSYGROUP: it exists, which is what we want.
    if (std::string_view(e.what()).find("BUSYGROUP") == std::string_view::npos) throw;
  }
  group_ready = true;
}

void RedisBroker::State::send_ack(const std::string& id) {
  std::weak_ptr<State> weak = shared_from_this();
  auto failed = [weak, id](std::error_code ec, const RedisReply& r) {
    auto self = weak.lock();
    if (!self || (!ec && !r.is_error())) return;
    // Kept and sent again once Redis is back; meanwhile the entry stays pending (claimable
    // after claim_idle), which is the documented duplicate-outcome window.
    if (std::find(self->unacked.begin(), self->unacked.end(), id) == self->unacked.end()) {
      self->unacked.push_back(id);
    }
    self->error("redis_broker_ack_failed", ec ? ec.message() : r.str);
  };
  cmd.send({"XACK", stream, options.group, id}, failed);
  cmd.send({"HDEL", written, id});
  ++stats.settled;
}

asio::awaitable<void> RedisBroker::State::wait_signal(Clock::time_point until) {
  asio::steady_timer timer(executor, until);
  waiters.push_back(&timer);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::erase(waiters, &timer);
  auto cs = co_await asio::this_coro::cancellation_state;
  if (cs.cancelled() != asio::cancellation_type::none) {
    throw std::system_error(asio::error::operation_aborted);
  }
}

RedisBroker::RedisBroker(asio::any_io_executor executor, RedisClientOptions client,
                         RedisBrokerOptions options) {
  validate(options);
  if (client.command_timeout.count() != 0 && client.command_timeout <= options.block) {
    throw std::invalid_argument(fmt::format(
        "RedisBrokerOptions.block: {} ms, must be below RedisClientOptions.command_timeout ({} ms)",
        options.block.count(), client.command_timeout.count()));
  }
  state_ = std::make_shared<State>(std::move(executor), std::move(client), std::move(options));
}

RedisBroker::~RedisBroker() = default;

std::string_view RedisBroker::entry_of(const Tracking& tracking) noexcept {
  auto t = detail::parse_entry_tag(entry_tag, tracking.log_id);
  return t ? t->first : std::string_view();
}

void RedisBroker::strip_entry(Tracking& tracking) {
  if (auto t = detail::parse_entry_tag(entry_tag, tracking.log_id))
    tracking.log_id.erase(0, t->second);
}

const std::string& RedisBroker::stream_key() const noexcept {
  return state_->stream;
}

const std::string& RedisBroker::consumer() const noexcept {
  return state_->name;
}

RedisBrokerStats RedisBroker::stats() const noexcept {
  return state_->stats;
}

std::optional<std::size_t> RedisBroker::depth() const {
  return state_->buffer.size();
}

void RedisBroker::set_unknown_handler(UnknownHandler handler) {
  state_->unknown = std::move(handler);
}

asio::awaitable<void> RedisBroker::enqueue(Pdu message) {
  std::vector<Pdu> one;
  one.push_back(std::move(message));
  co_await enqueue_batch(std::move(one));
}

asio::awaitable<void> RedisBroker::enqueue_batch(std::vector<Pdu> messages) {
  auto s = state_;
  // A producer that starts with its broker (or enqueues during a reconnect) waits for the
  // connection, up to the connect timeout, rather than failing at once.
  if (!s->cmd.connected()) co_await s->cmd.wait_connected(s->cmd.options().connect_timeout);
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(messages.size());
  for (auto& m : messages) {
    strip_entry(tracking_of(m));  // a message re-enqueued from a hook gets a new entry
    cmds.push_back({"XADD", s->stream, "*", "msg", json_encode_compact(m)});
  }
  auto replies = co_await s->cmd.pipeline(std::move(cmds));
  for (const auto& r : replies) {
    if (r.is_error()) {
      s->error("redis_broker_enqueue_failed", r.str);
      throw RedisError(RedisErrc::server_error, fmt::format("XADD {}: {}", s->stream, r.str));
    }
    ++s->stats.enqueued;
  }
}

asio::awaitable<Pdu> RedisBroker::dequeue() {
  std::vector<Pdu> one;
  co_await dequeue_batch(one, 1);
  co_return std::move(one.front());
}

std::size_t RedisBroker::try_dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  if (state_->claim_due()) return 0;
  return state_->take(out, max);
}

asio::awaitable<std::size_t> RedisBroker::dequeue_batch(std::vector<Pdu>& out, std::size_t max) {
  auto s = state_;
  for (;;) {
    if (!s->buffer.empty() && !s->claim_due()) co_return s->take(out, max);
    if (!s->cmd.connected()) {
      co_await s->cmd.wait_connected(s->options.block);
      continue;
    }
    if (!s->reader.connected()) {
      co_await s->reader.wait_connected(s->options.block);
      continue;
    }
    for (auto ids = std::exchange(s->unacked, {}); const auto& id : ids)
      s->send_ack(id);
    const auto now = Clock::now();
    if (now < s->retry_after) {
      co_await s->wait_signal(s->retry_after);
      continue;
    }
    try {
      if (!s->group_ready) co_await s->ensure_group();
      if (!s->recovered) {
        co_await s->recover_own();
        s->recovered = true;
        continue;
      }
      if (now >= s->next_claim) {
        s->next_claim = now + s->options.claim_interval;
        co_await s->claim();
        continue;
      }
    } catch (const RedisError& e) {
      s->error("redis_broker_failed", e.what());
      s->retry_after = Clock::now() + s->options.block / 4;
      continue;
    }
    if (!s->read_outstanding) s->start_read(max);
    co_await s->wait_signal(s->next_claim);
  }
}

}  // namespace aiosmpp

namespace aiosmpp {

// One XAUTOCLAIM round: the entries idle longer than claim_idle move to this consumer. Those
// this broker already holds are its own messages in flight; of the others, the ones recorded as
// written get outcome_unknown (the SMSC may have them), the rest are sent as usual.
asio::awaitable<void> RedisBroker::State::claim() {
  auto self = shared_from_this();
  std::vector<std::string> autoclaim{"XAUTOCLAIM",
                                     stream,
                                     options.group,
                                     name,
                                     std::to_string(options.claim_idle.count()),
                                     claim_cursor,
                                     "COUNT",
                                     std::to_string(options.claim_count)};
  auto reply = co_await cmd.command(std::move(autoclaim));
  if (reply.elements.size() < 2) throw RedisError(RedisErrc::protocol_error, "XAUTOCLAIM reply");
  claim_cursor = reply.elements[0].str;
  std::vector<std::pair<std::string, Pdu>> got;
  for (const auto& entry : reply.elements[1].elements) {
    if (entry.elements.empty() || held.count(entry.elements[0].str) != 0) continue;
    accept(entry, got);
  }
  co_await take_over(std::move(got), false);
}

// The entries still pending under this consumer's own name were taken by an earlier run of this
// process (a name is unique among live processes): they are taken over at once by the claim
// rule, without waiting for claim_idle. Read with XREADGROUP from id 0 (this consumer's pending
// history), page by page.
asio::awaitable<void> RedisBroker::State::recover_own() {
  std::string cursor = "0";
  for (;;) {
    std::vector<std::string> read{"XREADGROUP", "GROUP", options.group,
                                  name,         "COUNT", std::to_string(options.claim_count),
                                  "STREAMS",    stream,  cursor};
    auto reply = co_await cmd.command(std::move(read));
    if (reply.elements.empty() || reply.elements[0].elements.size() < 2) co_return;
    const auto& entries = reply.elements[0].elements[1].elements;
    if (entries.empty()) co_return;
    std::vector<std::pair<std::string, Pdu>> got;
    for (const auto& entry : entries) {
      if (entry.elements.empty()) continue;
      cursor = entry.elements[0].str;
      if (held.count(cursor) != 0) continue;
      if (entry.elements.size() < 2 || entry.elements[1].is_nil()) {
        send_ack(cursor);  // deleted from the stream meanwhile: nothing to send or report
        continue;
      }
      accept(entry, got);
    }
    co_await take_over(std::move(got), true);
  }
}

// Entries taken from a consumer that stopped (another one, or an earlier run of this one): those
// recorded as written get outcome_unknown (the SMSC may have them), the rest are sent as usual.
asio::awaitable<void> RedisBroker::State::take_over(std::vector<std::pair<std::string, Pdu>> got,
                                                    bool own) {
  if (got.empty()) co_return;
  std::vector<std::string> hmget{"HMGET", written};
  for (const auto& g : got)
    hmget.push_back(g.first);
  auto marks = co_await cmd.command(std::move(hmget));
  for (std::size_t i = 0; i < got.size(); ++i) {
    auto& [id, message] = got[i];
    ++stats.claimed;
    if (own) ++stats.recovered;
    const bool was_written = i < marks.elements.size() && !marks.elements[i].is_nil();
    AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_broker_claimed", {"stream", stream},
                {"entry", id}, {"written", was_written},
                {"from", was_written ? marks.elements[i].str : std::string()}, {"own", own});
    held.insert(id);
    if (was_written) {
      report_unknown(id, std::move(message));
    } else {
      buffer.push_back(std::move(message));
    }
  }
}

void RedisBroker::State::report_unknown(std::string id, Pdu message) {
  ++stats.claimed_unknown;
  if (!unknown) {
    held.erase(id);  // left pending: claimed again later, by a broker that can report it
    AIOSMPP_LOG(options.logger, LogLevel::error, "redis_broker_unknown_unreported",
                {"stream", stream}, {"entry", id});
    return;
  }
  if (!delegated) RedisBroker::strip_entry(tracking_of(message));
  SendError err{SendError::Kind::outcome_unknown, make_error_code(RedisErrc::connection_lost),
                "claimed from a consumer that stopped after writing it, before its response"};
  std::weak_ptr<State> weak = shared_from_this();
  // Spawned, not awaited: the application's hook must not run inside a cancellable dequeue.
  auto report = [](std::weak_ptr<State> w, UnknownHandler h, std::string entry, Pdu m,
                   SendError e) -> asio::awaitable<void> {
    try {
      co_await h(std::move(m), std::move(e));
    } catch (const std::exception& ex) {
      if (auto s = w.lock()) s->error("redis_broker_unknown_handler_failed", ex.what());
    }
    // Reported, even when the handler threw (as the Esme counts a hook that threw). With
    // settlement delegated, the component that recorded the outcome acknowledged it.
    if (auto s = w.lock(); s && !s->delegated) {
      s->held.erase(entry);
      s->send_ack(entry);
    }
  };
  asio::co_spawn(executor, report(weak, unknown, std::move(id), std::move(message), std::move(err)),
                 asio::detached);
}

asio::awaitable<bool> RedisBroker::record_written(const Pdu& message) {
  note_written(message);
  co_return co_await record_noted();
}

void RedisBroker::note_written(const Pdu& message) {
  const std::string_view id = entry_of(tracking_of(message));
  if (id.empty()) return;
  auto& noted = state_->noted;
  if (noted.empty()) noted = {"HSET", state_->written};
  noted.emplace_back(id);
  noted.push_back(state_->name);
}

asio::awaitable<bool> RedisBroker::record_noted() {
  auto s = state_;
  if (s->noted.empty()) co_return true;
  // One HSET for the whole batch: one round trip however many requests go out together.
  std::vector<std::string> hset = std::move(s->noted);
  s->noted.clear();
  ++s->stats.records;
  s->stats.recorded += (hset.size() - 2) / 2;
  try {
    co_await s->cmd.command(std::move(hset));
    co_return true;
  } catch (const RedisError& e) {
    // The bytes are written anyway: after a crash these messages would count as never written
    // and be sent again (the duplicate bound in docs/redis.md counts them).
    s->error("redis_broker_record_failed", e.what());
    co_return false;
  }
}

asio::awaitable<void> RedisBroker::flush() {
  auto s = state_;
  // Replies on one connection come in order: once the PING is answered, so is every XACK
  // before it.
  std::vector<std::string> ping{"PING"};
  co_await s->cmd.command(std::move(ping));
}

void RedisBroker::delegate_settlement(bool on) noexcept {
  state_->delegated = on;
}

bool RedisBroker::settlement_delegated() const noexcept {
  return state_->delegated;
}

std::string RedisBroker::take_settlement(const Pdu& message) {
  std::string key(entry_of(tracking_of(message)));
  if (key.empty()) return key;
  state_->held.erase(key);
  ++state_->stats.settled;
  return key;
}

std::vector<std::vector<std::string>> RedisBroker::settle_commands(
    const std::vector<std::string>& entry_ids) const {
  std::vector<std::vector<std::string>> out{{"XACK", state_->stream, state_->options.group},
                                            {"HDEL", state_->written}};
  for (auto& c : out)
    c.insert(c.end(), entry_ids.begin(), entry_ids.end());
  return out;
}

void RedisBroker::settle(const Pdu& message) {
  const std::string_view id = entry_of(tracking_of(message));
  if (id.empty()) return;
  std::string key(id);
  state_->held.erase(key);
  state_->send_ack(key);
}

}  // namespace aiosmpp
