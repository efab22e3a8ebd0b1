#include "aiosmpp/redis/correlator.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "aiosmpp/redis/broker.hpp"

namespace aiosmpp {

namespace {

using Clock = std::chrono::steady_clock;

// Atomically: the value, and for a final receipt the entry turned into its repeat marker (or
// deleted when no markers are kept). A marker ('M') stays as it is.
constexpr const char* lookup_script = R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return false end
if ARGV[1] == '1' and string.sub(v, 1, 1) == 'E' then
  local grace = tonumber(ARGV[2])
  if grace > 0 then
    redis.call('SET', KEYS[1], 'M' .. string.sub(v, 2), 'PX', grace)
  else
    redis.call('DEL', KEYS[1])
  end
end
return v
)lua";

// 'E' (entry) or 'M' (marker), the log_id's length, ':', the log_id, the extra_data: binary-safe
// (a log_id may hold any byte) and cheap to parse.
std::string encode(char kind, const Tracking& t) {
  return fmt::format("{}{}:{}{}", kind, t.log_id.size(), t.log_id, t.extra_data);
}

void validate(const RedisCorrelatorOptions& o) {
  auto bad = [](const char* field, long long v, const char* limit) {
    throw std::invalid_argument(
        fmt::format("RedisCorrelatorOptions.{}: {}, must be {}", field, v, limit));
  };
  if (o.key_prefix.empty()) throw std::invalid_argument("RedisCorrelatorOptions.key_prefix: empty");
  if (o.delivery_ttl.count() <= 0) bad("delivery_ttl", o.delivery_ttl.count(), "> 0 ms");
  if (o.receipt_grace.count() < 0) bad("receipt_grace", o.receipt_grace.count(), ">= 0 ms");
  if (o.hold_time.count() < 0) bad("hold_time", o.hold_time.count(), ">= 0 ms");
  if (o.hold_poll.count() <= 0) bad("hold_poll", o.hold_poll.count(), "> 0 ms");
  if (o.max_retry == 0) bad("max_retry", 0, ">= 1");
}

ReceiptHold::Time since_epoch(Clock::time_point t) {
  return t.time_since_epoch();
}

}  // namespace

RedisCorrelator::RedisCorrelator(asio::any_io_executor executor, RedisClientOptions client,
                                 RedisCorrelatorOptions options)
    : options_((validate(options), std::move(options))),
      client_(std::move(executor), std::move(client)),
      hold_(options_.hold_time, options_.max_held) {}

RedisCorrelator::~RedisCorrelator() = default;

std::string RedisCorrelator::key_of(std::string_view smsc_message_id) const {
  return fmt::format("{}:dlr:{}", options_.key_prefix, smsc_message_id);
}

void RedisCorrelator::error(std::string_view event, std::string_view what) {
  ++stats_.errors;
  AIOSMPP_LOG(options_.logger, LogLevel::error, event, {"error", what});
}

RedisCorrelator::Lookup RedisCorrelator::parse(const RedisReply& reply) {
  Lookup out;
  if (reply.type != RedisReply::Type::string) return out;  // nil: unknown id
  const std::string& v = reply.str;
  const auto colon = v.find(':');
  std::size_t len = 0;
  if (v.size() < 3 || colon == std::string::npos ||
      std::from_chars(v.data() + 1, v.data() + colon, len).ec != std::errc{} ||
      colon + 1 + len > v.size()) {
    throw RedisError(RedisErrc::protocol_error, "correlation value: not one aiosmpp wrote");
  }
  Tracking t;
  t.log_id = v.substr(colon + 1, len);
  t.extra_data = v.substr(colon + 1 + len);
  out.tracking = std::move(t);
  out.marker = v[0] == 'M';
  return out;
}

std::vector<std::string> RedisCorrelator::lookup_command(std::string_view id,
                                                         bool final_state) const {
  return {"EVAL",     lookup_script,           "1",
          key_of(id), final_state ? "1" : "0", std::to_string(options_.receipt_grace.count())};
}

void RedisCorrelator::store(std::string_view id, const Tracking& tracking, bool as_marker) {
  ++stats_.registered;
  std::vector<std::string> cmd;
  if (as_marker && options_.receipt_grace.count() == 0) {
    cmd = {"DEL", key_of(id)};  // finalised at once, and no markers kept
  } else if (as_marker) {
    cmd = {"SET", key_of(id), encode('M', tracking), "PX",
           std::to_string(options_.receipt_grace.count())};
  } else {
    cmd = {"SET", key_of(id), encode('E', tracking), "PX",
           std::to_string(options_.delivery_ttl.count())};
  }
  send_store(std::move(cmd));
}

void RedisCorrelator::send_store(std::vector<std::string> cmd) {
  // Not awaited: the registrations of one turn go out in one write. One that fails (Redis down
  // or restarting) is kept and sent again before the next lookup, so its receipt still matches.
  auto copy = cmd;
  // The client fails pending commands after this correlator is gone: `life` tells.
  std::weak_ptr<int> life = life_;
  client_.send(std::move(cmd),
               [this, life, copy = std::move(copy)](std::error_code ec, RedisReply r) {
                 if ((!ec && !r.is_error()) || life.expired()) return;
                 error("redis_correlator_register_failed", ec ? ec.message() : r.str);
                 if (retry_.size() < options_.max_retry) {
                   retry_.push_back(copy);
                 } else {
                   ++stats_.lost;  // its receipt will come untracked
                 }
               });
}

void RedisCorrelator::flush_retries() {
  if (retry_.empty() || !client_.connected()) return;
  for (auto& cmd : std::exchange(retry_, {}))
    send_store(std::move(cmd));
}

asio::awaitable<void> RedisCorrelator::put_delivery(std::string smsc_message_id,
                                                    Tracking tracking) {
  RedisBroker::strip_entry(tracking);
  store(smsc_message_id, tracking, false);
  co_return;
}

asio::awaitable<std::optional<Tracking>> RedisCorrelator::get_delivery(
    std::string_view smsc_message_id, bool final_state) {
  flush_retries();
  ++stats_.lookups;
  // Named: g++ 12 may destroy a prvalue argument of a co_await expression twice.
  auto cmd = lookup_command(smsc_message_id, final_state);
  auto reply = co_await client_.command(std::move(cmd));
  co_return parse(reply).tracking;
}

asio::awaitable<std::vector<ReleasedReceipt>> RedisCorrelator::register_delivery(
    std::string smsc_message_id, Tracking tracking) {
  RedisBroker::strip_entry(tracking);
  flush_retries();
  std::vector<ReleasedReceipt> released;
  if (hold_.size() == 0 || !hold_.holds(smsc_message_id)) {
    store(smsc_message_id, tracking, false);
    co_return released;
  }
  auto held = hold_.take(smsc_message_id);
  held_ids_.erase(smsc_message_id);
  bool final_seen = false;
  for (auto& h : held) {
    released.push_back({std::move(h.receipt), tracking, final_seen});
    final_seen = final_seen || h.final_state;
  }
  // A final receipt came first: the id is done, kept only as a marker.
  store(smsc_message_id, tracking, final_seen);
  co_return released;
}

ReceiptMatch RedisCorrelator::hold(std::string_view id, bool final_state, const Pdu& receipt) {
  ReceiptMatch m;
  std::vector<ReceiptHold::Held> evicted;
  hold_.add(
      {std::string(id), receipt, final_state, since_epoch(Clock::now()) + hold_.hold_time(), 0},
      evicted);
  held_ids_[std::string(id)] |= final_state;
  ++stats_.held;
  forget_ids(evicted);
  for (auto& h : evicted)
    m.released.push_back({std::move(h.receipt), std::nullopt, false});
  m.held = true;
  if (next_poll_ == Clock::time_point{}) next_poll_ = Clock::now() + options_.hold_poll;
  return m;
}

void RedisCorrelator::forget_ids(const std::vector<ReceiptHold::Held>& gone) {
  for (const auto& h : gone) {
    if (!hold_.holds(h.id)) held_ids_.erase(h.id);
  }
}

asio::awaitable<ReceiptMatch> RedisCorrelator::correlate_receipt(std::string_view smsc_message_id,
                                                                 bool final_state,
                                                                 const Pdu& receipt) {
  flush_retries();
  ++stats_.lookups;
  std::string id(smsc_message_id);  // the view may not outlive the suspension
  RedisReply reply;
  try {
    auto cmd = lookup_command(id, final_state);
    reply = co_await client_.command(std::move(cmd));
  } catch (const RedisError& e) {
    // Redis down or slow: a held receipt is looked up again later instead of going untracked.
    error("redis_correlator_lookup_failed", e.what());
    if (!hold_.enabled()) throw;
    co_return hold(id, final_state, receipt);
  }
  Lookup found = parse(reply);
  ReceiptMatch m;
  if (found.tracking) {
    m.tracking = std::move(found.tracking);
    m.repeat = found.marker;
    co_return m;
  }
  if (!hold_.enabled()) co_return m;
  co_return hold(id, final_state, receipt);
}

asio::awaitable<std::vector<ReleasedReceipt>> RedisCorrelator::take_released_holds() {
  std::vector<ReleasedReceipt> released;
  flush_retries();
  if (hold_.size() == 0) co_return released;
  const auto now = Clock::now();
  if (now >= next_poll_ && client_.connected()) {
    next_poll_ = now + options_.hold_poll;
    std::vector<std::string> ids;
    std::vector<std::vector<std::string>> cmds;
    for (const auto& [id, final_state] : held_ids_) {
      ids.push_back(id);
      cmds.push_back(lookup_command(id, final_state));
    }
    std::vector<RedisReply> replies;
    try {
      replies = co_await client_.pipeline(std::move(cmds));
    } catch (const RedisError& e) {
      error("redis_correlator_lookup_failed", e.what());
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].is_error()) {
        error("redis_correlator_lookup_failed", replies[i].str);
        continue;
      }
      Lookup found = parse(replies[i]);
      // The hold may have changed while the pipeline ran (another receipt, a registration).
      if (!found.tracking || !hold_.holds(ids[i])) continue;
      bool repeat = found.marker;
      for (auto& h : hold_.take(ids[i])) {
        released.push_back({std::move(h.receipt), found.tracking, repeat});
        repeat = repeat || h.final_state;
      }
      held_ids_.erase(ids[i]);
    }
  }
  std::vector<ReceiptHold::Held> due;
  hold_.take_due(since_epoch(Clock::now()), due);
  forget_ids(due);
  for (auto& h : due)
    released.push_back({std::move(h.receipt), std::nullopt, false});
  if (hold_.size() == 0) next_poll_ = {};
  co_return released;
}

asio::awaitable<std::vector<ReleasedReceipt>> RedisCorrelator::release_holds_at_stop() {
  std::vector<ReceiptHold::Held> all;
  hold_.take_due(ReceiptHold::Time::max(), all);
  held_ids_.clear();
  next_poll_ = {};
  std::vector<ReleasedReceipt> released;
  released.reserve(all.size());
  for (auto& h : all)
    released.push_back({std::move(h.receipt), std::nullopt, false});
  co_return released;
}

std::optional<std::chrono::steady_clock::time_point> RedisCorrelator::next_expiry() const {
  const auto due = hold_.next_due();
  if (!due) return std::nullopt;
  const Clock::time_point expiry{std::chrono::duration_cast<Clock::duration>(*due)};
  return std::min(expiry, next_poll_);
}

}  // namespace aiosmpp
