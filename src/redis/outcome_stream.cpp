#include "aiosmpp/redis/outcome_stream.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/redis/broker.hpp"
#include "aiosmpp/text/received.hpp"

namespace aiosmpp {

namespace {

using Clock = std::chrono::steady_clock;

void validate(const RedisOutcomeStreamOptions& o) {
  auto bad = [](const char* field, const std::string& value, const char* limit) {
    throw std::invalid_argument(
        fmt::format("RedisOutcomeStreamOptions.{}: {}, must be {}", field, value, limit));
  };
  if (o.account.empty() || o.account.find(':') != std::string::npos) {
    bad("account", "'" + o.account + "'", "not empty and without ':'");
  }
  if (o.key_prefix.empty()) bad("key_prefix", "''", "not empty");
  if (o.batch == 0) bad("batch", "0", ">= 1");
  if (o.max_buffered == 0) bad("max_buffered", "0", ">= 1");
  if (o.retry_interval.count() <= 0) {
    bad("retry_interval", std::to_string(o.retry_interval.count()) + " ms", "> 0");
  }
}

// The source or the destination number of a message that has both (submit_sm, deliver_sm,
// data_sm), else empty.
std::string number_of(const Pdu& m, bool source) {
  return std::visit(
      [source](const auto& p) -> std::string {
        if constexpr (requires {
                        p.source.number;
                        p.destination.number;
                      }) {
          return std::string(source ? p.source.number : p.destination.number);
        } else {
          return {};
        }
      },
      m);
}

void set_tracking(OutcomeRecord& r, const Tracking& t) {
  Tracking copy = t;
  RedisBroker::strip_entry(copy);
  r.id = std::move(copy.log_id);
  r.extra_data = std::move(copy.extra_data);
}

}  // namespace

struct RedisOutcomeStream::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, RedisClientOptions c, RedisOutcomeStreamOptions o)
      : executor(ex),
        // Weak: the broker holds RedisHook's unknown handler, which holds this stream.
        broker(o.broker),
        broker_id(o.broker.get()),
        options((validate(o), std::move(o))),
        key(fmt::format("{}:{}:outcomes", options.key_prefix, options.account)),
        client(ex, std::move(c)),
        retry_timer(ex) {
    options.broker.reset();
  }

  // A record's JSON and, with options.broker, the entry id of the message it settles.
  struct Pending {
    std::string json;
    std::string entry;
  };
  void push(const OutcomeRecord& r, std::string entry = {});
  void schedule();
  void write();
  void written(std::vector<bool> ok);
  void wake() {
    for (auto* t : waiters)
      t->cancel();
  }

  asio::any_io_executor executor;
  std::weak_ptr<RedisBroker> broker;
  const RedisBroker* broker_id;
  RedisOutcomeStreamOptions options;  // its broker is reset: see `broker`
  std::string key;
  RedisClient client;
  asio::steady_timer retry_timer;
  std::deque<Pending> buffer;  // oldest first; the first `in_flight` are sent
  std::size_t in_flight = 0;
  bool scheduled = false;  // a write() is posted or a retry is armed
  std::uint64_t failed_writes = 0;
  std::vector<asio::steady_timer*> waiters;
  RedisOutcomeStreamStats stats;
  // The broker's settling commands without ids (XACK stream group, HDEL written), taken while
  // the broker lives: the records already buffered still settle their messages after it is gone.
  std::vector<std::vector<std::string>> settle_prefix;
};

void RedisOutcomeStream::State::push(const OutcomeRecord& r, std::string entry) {
  ++stats.records;
  if (buffer.size() >= options.max_buffered) {
    // Logged on the first drop and every 1000th: Redis is down or far too slow.
    if (stats.dropped++ % 1000 == 0) {
      AIOSMPP_LOG(options.logger, LogLevel::error, "redis_outcome_stream_dropped", {"key", key},
                  {"dropped", stats.dropped}, {"max_buffered", options.max_buffered});
    }
    return;
  }
  // A dropped record's message stays pending (not settled): claimed again after claim_idle and
  // reported outcome_unknown then, so its outcome is late and vaguer, but not lost.
  buffer.push_back({outcome_json(r), std::move(entry)});
  schedule();
}

void RedisOutcomeStream::State::schedule() {
  if (scheduled || in_flight > 0 || buffer.empty()) return;
  scheduled = true;
  // Posted: every record of this turn joins the write.
  std::weak_ptr<State> weak = shared_from_this();
  asio::post(executor, [weak] {
    if (auto self = weak.lock()) {
      self->scheduled = false;
      self->write();
    }
  });
}

void RedisOutcomeStream::State::write() {
  if (in_flight > 0 || buffer.empty()) return;
  in_flight = std::min(buffer.size(), options.batch);
  ++stats.writes;
  // The batch's records and their messages' settlement in one transaction: sent back to back
  // on this connection (nothing else can come between), so all of them happen or none (Redis
  // discards a MULTI whose connection drops before EXEC). The settling commands of the batch are
  // merged (one XACK and one HDEL with every id) to keep Redis's work per message small.
  client.send({"MULTI"});
  const std::string max_len = std::to_string(options.max_len);
  for (std::size_t i = 0; i < in_flight; ++i) {
    std::vector<std::string> cmd{"XADD", key};
    if (options.max_len > 0) cmd.insert(cmd.end(), {"MAXLEN", "~", max_len});
    cmd.insert(cmd.end(), {"*", "outcome", buffer[i].json});
    client.send(std::move(cmd));
  }
  if (!settle_prefix.empty()) {
    std::vector<std::vector<std::string>> settle = settle_prefix;
    bool any = false;
    for (std::size_t i = 0; i < in_flight; ++i) {
      if (buffer[i].entry.empty()) continue;
      any = true;
      for (auto& c : settle)
        c.push_back(buffer[i].entry);
    }
    if (any) {
      for (auto& c : settle)
        client.send(std::move(c));
    }
  }
  std::weak_ptr<State> weak = shared_from_this();
  client.send({"EXEC"}, [weak, n = in_flight](std::error_code ec, RedisReply r) {
    auto self = weak.lock();
    if (!self) return;
    // EXEC's reply holds each XADD's id first; nil (or an error) when the transaction did not
    // run, and then none of it happened.
    std::vector<bool> ok(n, false);
    if (!ec && r.type == RedisReply::Type::array && r.elements.size() >= n) {
      for (std::size_t i = 0; i < n; ++i)
        ok[i] = r.elements[i].type == RedisReply::Type::string;
    }
    self->written(std::move(ok));
  });
}

void RedisOutcomeStream::State::written(std::vector<bool> ok) {
  // Keeps the failed ones, in order, at the front; they are sent again first.
  std::deque<Pending> kept;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < ok.size(); ++i) {
    if (ok[i]) continue;
    kept.push_back(std::move(buffer[i]));
    ++failed;
  }
  buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(ok.size()));
  buffer.insert(buffer.begin(), std::make_move_iterator(kept.begin()),
                std::make_move_iterator(kept.end()));
  stats.appended += ok.size() - failed;
  in_flight = 0;
  if (failed == 0) {
    wake();
    schedule();
    return;
  }
  stats.failed += failed;
  // Logged on the first failed write and every 25th (every 5 s at the default retry_interval).
  if (failed_writes++ % 25 == 0) {
    AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_outcome_stream_write_failed",
                {"key", key}, {"failed", stats.failed}, {"buffered", buffer.size()});
  }
  scheduled = true;
  retry_timer.expires_after(options.retry_interval);
  std::weak_ptr<State> weak = shared_from_this();
  retry_timer.async_wait([weak](std::error_code ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    self->scheduled = false;
    self->write();
  });
  wake();
}

RedisOutcomeStream::RedisOutcomeStream(asio::any_io_executor executor, RedisClientOptions client,
                                       std::shared_ptr<Hook> inner,
                                       RedisOutcomeStreamOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(client), std::move(options))),
      inner_(std::move(inner)),
      inner_interests_(inner_ ? inner_->interests() : HookInterest::none) {}

RedisOutcomeStream::~RedisOutcomeStream() {
  state_->retry_timer.cancel();
  state_->wake();
}

HookInterest RedisOutcomeStream::interests() const noexcept {
  auto mine = inner_interests_ | HookInterest::outcome;
  return state_->options.receipts ? mine | HookInterest::receipt : mine;
}

asio::awaitable<void> RedisOutcomeStream::sending(const Pdu& message,
                                                  std::span<const std::uint8_t> pdu,
                                                  std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::sending))
    co_await inner_->sending(message, pdu, client_id);
}

asio::awaitable<void> RedisOutcomeStream::before_write(std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::sending))
    co_await inner_->before_write(client_id);
}

asio::awaitable<void> RedisOutcomeStream::received(const Pdu* message,
                                                   std::span<const std::uint8_t> pdu,
                                                   std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::received))
    co_await inner_->received(message, pdu, client_id);
}

asio::awaitable<void> RedisOutcomeStream::send_error(const Pdu& message, const SendError& error,
                                                     std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::send_error))
    co_await inner_->send_error(message, error, client_id);
}

asio::awaitable<void> RedisOutcomeStream::outcome(const Outcome& outcome,
                                                  std::string_view client_id) {
  const auto broker = state_->broker.lock();
  std::string entry;
  if (broker) {
    entry = broker->take_settlement(outcome.message);
    if (state_->settle_prefix.empty()) state_->settle_prefix = broker->settle_commands({});
  }
  state_->push(record_of(outcome, client_id), std::move(entry));
  if (!has_interest(inner_interests_, HookInterest::outcome)) co_return;
  if (!broker || RedisBroker::entry_of(tracking_of(outcome.message)).empty()) {
    co_await inner_->outcome(outcome, client_id);
    co_return;
  }
  // RedisHook left the entry id in for the settlement; the application does not see it.
  Outcome copy = outcome;
  RedisBroker::strip_entry(tracking_of(copy.message));
  if (copy.response) RedisBroker::strip_entry(tracking_of(*copy.response));
  co_await inner_->outcome(copy, client_id);
}

bool RedisOutcomeStream::settles(const RedisBroker& broker) const noexcept {
  return state_->broker_id == &broker;
}

asio::awaitable<void> RedisOutcomeStream::receipt(const ReceiptOutcome& receipt,
                                                  std::string_view client_id) {
  if (state_->options.receipts) state_->push(record_of(receipt, client_id));
  if (has_interest(inner_interests_, HookInterest::receipt))
    co_await inner_->receipt(receipt, client_id);
}

OutcomeRecord RedisOutcomeStream::record_of(const Outcome& outcome, std::string_view client_id) {
  OutcomeRecord r;
  r.event = OutcomeRecord::Event::outcome;
  set_tracking(r, outcome.tracking());
  r.destination = number_of(outcome.message, false);
  if (outcome.response) {
    set_response(r, *outcome.response);
  } else if (outcome.error) {
    set_send_error(r, *outcome.error);
  }
  r.client_id = client_id;
  return r;
}

OutcomeRecord RedisOutcomeStream::record_of(const ReceiptOutcome& receipt,
                                            std::string_view client_id) {
  OutcomeRecord r;
  r.event = OutcomeRecord::Event::receipt;
  if (receipt.matched) set_tracking(r, tracking_of(receipt.receipt));
  // The receipt comes from the handset the message went to.
  r.destination = number_of(receipt.receipt, true);
  std::optional<text::ReceiptSummary> summary;
  if (const auto* d = std::get_if<DeliverSm>(&receipt.receipt))
    summary = text::summarize_receipt(*d);
  if (const auto* d = std::get_if<DataSm>(&receipt.receipt)) summary = text::summarize_receipt(*d);
  if (summary) r.message_id = std::string(summary->message_id);
  if (receipt.state) r.receipt_state = std::string(to_string(*receipt.state));
  r.final_state = receipt.final_state;
  r.matched = receipt.matched;
  r.repeat = receipt.repeat;
  r.held = receipt.held;
  r.client_id = client_id;
  return r;
}

asio::awaitable<bool> RedisOutcomeStream::flush(std::chrono::steady_clock::duration timeout) {
  auto state = state_;
  const auto deadline = Clock::now() + timeout;
  asio::steady_timer timer(state->executor);
  while (!state->buffer.empty() && Clock::now() < deadline) {
    state->schedule();
    timer.expires_at(deadline);
    state->waiters.push_back(&timer);
    co_await timer.async_wait(detail::use_nothrow_awaitable);
    std::erase(state->waiters, &timer);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) break;
  }
  co_return state->buffer.empty();
}

const std::string& RedisOutcomeStream::stream_key() const noexcept {
  return state_->key;
}

RedisOutcomeStreamStats RedisOutcomeStream::stats() const noexcept {
  auto s = state_->stats;
  s.buffered = state_->buffer.size();
  return s;
}

RedisClient& RedisOutcomeStream::client() noexcept {
  return state_->client;
}

// ---- the reading side ------------------------------------------------------------------------

RedisOutcomeReader::RedisOutcomeReader(asio::any_io_executor executor, RedisClientOptions client,
                                       std::string account, std::string group, std::string consumer,
                                       std::string key_prefix)
    : client_(std::move(executor), std::move(client)),
      key_(fmt::format("{}:{}:outcomes", key_prefix, account)),
      group_(std::move(group)),
      consumer_(std::move(consumer)) {
  if (account.empty() || account.find(':') != std::string::npos || key_prefix.empty() ||
      group_.empty() || consumer_.empty()) {
    throw std::invalid_argument(fmt::format(
        "RedisOutcomeReader: account '{}' (not empty, no ':'), key_prefix '{}', group '{}' and "
        "consumer '{}' (not empty)",
        account, key_prefix, group_, consumer_));
  }
}

RedisOutcomeReader::~RedisOutcomeReader() = default;

asio::awaitable<std::vector<RedisOutcomeEntry>> RedisOutcomeReader::read(
    std::size_t count, std::chrono::milliseconds block) {
  // Just made, or Redis restarting: a connection may be a moment away.
  if (!client_.connected()) co_await client_.wait_connected(client_.options().connect_timeout);
  if (!group_ready_) {
    std::vector<std::vector<std::string>> create{
        {"XGROUP", "CREATE", key_, group_, "0", "MKSTREAM"}};
    const auto replies = co_await client_.pipeline(std::move(create));
    if (replies.front().is_error() && !replies.front().str.starts_with("BUSYGROUP")) {
      throw RedisError(RedisErrc::server_error, "redis XGROUP CREATE: " + replies.front().str);
    }
    group_ready_ = true;
  }
  std::vector<std::string> cmd{"XREADGROUP", "GROUP",
                               group_,       consumer_,
                               "COUNT",      std::to_string(std::max<std::size_t>(count, 1)),
                               "BLOCK",      std::to_string(block.count()),
                               "STREAMS",    key_,
                               ">"};
  RedisReply reply;
  try {
    reply = co_await client_.command(std::move(cmd));
  } catch (const RedisError& e) {
    // The stream or group went away (Redis restarted without persistence): made again next time.
    if (std::string_view(e.what()).find("NOGROUP") != std::string_view::npos) group_ready_ = false;
    throw;
  }
  std::vector<RedisOutcomeEntry> out;
  if (reply.type != RedisReply::Type::array) co_return out;  // nil: none within `block`
  for (const auto& stream : reply.elements) {
    if (stream.elements.size() != 2) continue;
    for (const auto& entry : stream.elements[1].elements) {
      if (entry.elements.size() != 2) continue;
      RedisOutcomeEntry e;
      e.id = entry.elements[0].str;
      const auto& fields = entry.elements[1].elements;
      const std::string* json = nullptr;
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        if (fields[i].str == "outcome") json = &fields[i + 1].str;
      try {
        if (json == nullptr) throw std::invalid_argument("no field 'outcome'");
        e.record = outcome_from_json(*json);
      } catch (const std::exception& ex) {
        e.error = ex.what();
      }
      out.push_back(std::move(e));
    }
  }
  co_return out;
}

asio::awaitable<void> RedisOutcomeReader::ack(std::vector<std::string> ids) {
  if (ids.empty()) co_return;
  std::vector<std::string> cmd{"XACK", key_, group_};
  cmd.insert(cmd.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
  co_await client_.command(std::move(cmd));
}

}  // namespace aiosmpp
