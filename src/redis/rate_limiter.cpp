#include "aiosmpp/redis/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "redis/lease_stock.hpp"

namespace aiosmpp {

namespace {

using Clock = std::chrono::steady_clock;

// The shared bucket, refilled on Redis's clock (or ARGV[5], a test's fake clock, in
// microseconds) and taken from atomically. All or nothing: `min` tokens or none (a lease is
// worth a round trip only when it is whole); up to `max` when more are there. A request above
// the bucket's size is granted once the bucket is full and leaves it in debt. The key expires
// when the bucket would be full again anyway.
const std::string script_text = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local min = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local now
if ARGV[5] then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if not tokens or not ts then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local need = math.min(min, burst)
local granted = 0
local retry = 0
if tokens >= need then
  granted = math.max(min, math.min(max, math.floor(tokens)))
  tokens = tokens - granted
else
  retry = math.ceil((need - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.0f', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {granted, retry, math.floor(tokens * 1000)}
)lua";

RedisRateLimiterOptions validated(RedisRateLimiterOptions o) {
  auto bad = [](const char* field, const std::string& value, const std::string& limit) {
    throw std::invalid_argument(
        fmt::format("RedisRateLimiterOptions.{}: {}, must be {}", field, value, limit));
  };
  if (o.account.empty() || o.account.find(':') != std::string::npos) {
    bad("account", "'" + o.account + "'", "not empty and without ':'");
  }
  if (o.key_prefix.empty()) bad("key_prefix", "''", "not empty");
  if (!std::isfinite(o.rate) || o.rate <= 0) bad("rate", fmt::format("{}", o.rate), "> 0");
  if (!std::isfinite(o.burst) || (o.burst != 0 && o.burst < 1)) {
    bad("burst", fmt::format("{}", o.burst), "0 (one second's worth) or >= 1");
  }
  if (o.burst == 0) o.burst = std::max(o.rate, 1.0);
  if (o.lease_size == 0) bad("lease_size", "0", ">= 1");
  if (static_cast<double>(o.lease_size) > o.burst) {
    bad("lease_size", std::to_string(o.lease_size), fmt::format("<= burst ({})", o.burst));
  }
  if (o.lease_ttl.count() <= 0) bad("lease_ttl", std::to_string(o.lease_ttl.count()), "> 0 ms");
  if (o.max_wait.count() < 0) bad("max_wait", std::to_string(o.max_wait.count()), ">= 0 ms");
  if (!std::isfinite(o.fallback_rate) || o.fallback_rate < 0) {
    bad("fallback_rate", fmt::format("{}", o.fallback_rate), ">= 0");
  }
  return o;
}

std::optional<RedisBucketTake> parse_take(const RedisReply& r) {
  if (r.type != RedisReply::Type::array || r.elements.size() != 3) return std::nullopt;
  for (const auto& e : r.elements)
    if (e.type != RedisReply::Type::integer) return std::nullopt;
  RedisBucketTake t;
  t.granted = static_cast<std::uint64_t>(std::max(0LL, r.elements[0].integer));
  t.retry_after = std::chrono::microseconds(r.elements[1].integer);
  t.tokens = static_cast<double>(r.elements[2].integer) / 1000.0;
  return t;
}

constexpr auto retry_min = std::chrono::milliseconds(20);
constexpr auto retry_max = std::chrono::milliseconds(1000);

}  // namespace

struct RedisRateLimiter::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, RedisClientOptions c, RedisRateLimiterOptions o)
      : executor(ex),
        options(validated(std::move(o))),
        key(fmt::format("{}:{}:rate", options.key_prefix, options.account)),
        client(ex, std::move(c)),
        stock(options.lease_ttl) {
    if (options.fallback_rate > 0) {
      fallback.emplace(options.fallback_rate, std::max(1.0, options.fallback_rate / 10));
    }
  }

  void start_lease(std::uint64_t need, Clock::time_point now);
  void send_script(std::vector<std::string> args, bool by_sha);
  void on_reply(std::error_code ec, const RedisReply& r, std::vector<std::string> args, bool sha);
  void failed(const std::string& what);
  void wake() {
    for (auto* t : waiters)
      t->cancel();
  }
  bool failing() const noexcept { return failing_since.has_value(); }
  bool connection_failure() const noexcept {
    return failing() &&
           (last_error == RedisErrc::not_connected || last_error == RedisErrc::connection_lost ||
            last_error == RedisErrc::command_timeout);
  }
  bool may_lease(Clock::time_point now) const noexcept;
  // Tokens worth having in stock: the last batch's size, so that the next batch of that size
  // does not wait a round trip to Redis. At least a lease; at most the bucket, and half of
  // what the rate gives in lease_ttl, so that tokens leased ahead and not used (expired) stay a
  // small share of the budget when the rate is what limits.
  std::uint64_t ahead() const noexcept {
    const double by_rate =
        options.rate * std::chrono::duration<double>(options.lease_ttl).count() / 2;
    const auto cap = std::max<std::uint64_t>(
        options.lease_size, static_cast<std::uint64_t>(std::min(by_rate, options.burst)));
    return std::clamp<std::uint64_t>(demand, options.lease_size, cap);
  }

  asio::any_io_executor executor;
  RedisRateLimiterOptions options;
  std::string key;
  RedisClient client;
  detail::LeaseStock stock;
  std::optional<TokenBucketRateLimiter> fallback;
  std::string sha;  // the script's SHA1 once SCRIPT LOAD answered
  bool in_flight = false;
  std::uint64_t demand = 0;  // the last batch asked for
  Clock::time_point lease_sent_at{};
  Clock::time_point retry_at{};  // no lease before this (tokens not there yet, or a back-off)
  Clock::duration backoff = retry_min;
  std::optional<Clock::time_point> failing_since;
  std::error_code last_error;
  std::vector<asio::steady_timer*> waiters;
  RedisRateLimiterStats stats;
};

// A lease may be asked for once the back-off (or the bucket's retry_after) has passed, or at once
// when the last failure was the connection's and the client is connected again: the limiter
// resumes as soon as Redis is back, not a back-off later.
bool RedisRateLimiter::State::may_lease(Clock::time_point now) const noexcept {
  if (in_flight) return false;
  return now >= retry_at || (connection_failure() && client.connected());
}

void RedisRateLimiter::State::start_lease(std::uint64_t need, Clock::time_point now) {
  if (!may_lease(now)) return;
  in_flight = true;
  // Leased tokens expire lease_ttl after the request left, which is before Redis took them: a
  // token is then never used later than lease_ttl after the bucket gave it.
  lease_sent_at = Clock::now();
  // A whole lease at least, so that a round trip buys lease_size messages; more for a batch,
  // and up to the next batch's worth when the bucket has them.
  const auto min = std::max<std::uint64_t>(need, options.lease_size);
  std::vector<std::string> args{key, fmt::format("{}", options.rate),
                                fmt::format("{}", options.burst), std::to_string(min),
                                std::to_string(std::max(min, ahead()))};
  send_script(std::move(args), !sha.empty());
}

void RedisRateLimiter::State::send_script(std::vector<std::string> args, bool by_sha) {
  ++stats.script_calls;
  std::vector<std::string> cmd;
  cmd.reserve(args.size() + 2);
  if (by_sha) {
    cmd = {"EVALSHA", sha, "1"};
  } else {
    cmd = {"EVAL", script_text, "1"};
    if (sha.empty()) {
      // EVAL caches the script; SCRIPT LOAD (pipelined behind it) tells its SHA1 for EVALSHA.
      ++stats.script_loads;
      std::weak_ptr<State> weak = shared_from_this();
      client.send({"SCRIPT", "LOAD", script_text}, [weak](std::error_code ec, RedisReply r) {
        auto self = weak.lock();
        if (self && !ec && r.type == RedisReply::Type::string) self->sha = r.str;
      });
    }
  }
  cmd.insert(cmd.end(), args.begin(), args.end());
  std::weak_ptr<State> weak = shared_from_this();
  client.send(std::move(cmd),
              [weak, args = std::move(args), by_sha](std::error_code ec, RedisReply r) mutable {
                if (auto self = weak.lock()) self->on_reply(ec, r, std::move(args), by_sha);
              });
}

void RedisRateLimiter::State::on_reply(std::error_code ec, const RedisReply& r,
                                       std::vector<std::string> args, bool by_sha) {
  if (!ec && by_sha && r.is_error() && r.str.starts_with("NOSCRIPT")) {
    // Redis restarted (or SCRIPT FLUSH): its script cache is empty. EVAL caches it again under
    // the same SHA1.
    ++stats.script_loads;
    send_script(std::move(args), false);
    return;
  }
  in_flight = false;
  const auto now = Clock::now();
  std::optional<RedisBucketTake> take;
  if (!ec && !r.is_error()) take = parse_take(r);
  if (!take) {
    if (!ec)
      ec = make_error_code(r.is_error() ? RedisErrc::server_error : RedisErrc::protocol_error);
    last_error = ec;
    failed(r.is_error() ? r.str : ec.message());
    retry_at = now + backoff;
    backoff = std::min<Clock::duration>(backoff * 2, retry_max);
    wake();
    return;
  }
  if (failing_since) {
    AIOSMPP_LOG(options.logger, LogLevel::info, "redis_rate_limiter_recovered", {"key", key},
                {"errors", stats.redis_errors});
  }
  failing_since.reset();
  backoff = retry_min;
  stock.add(take->granted, lease_sent_at);
  stats.leased += take->granted;
  retry_at = take->granted == 0 ? now + take->retry_after : Clock::time_point{};
  wake();
}

void RedisRateLimiter::State::failed(const std::string& what) {
  if (!failing_since) failing_since = Clock::now();
  // Logged on the first failure and every 100th, so a long outage does not flood the log.
  if (stats.redis_errors++ % 100 == 0) {
    AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_rate_limiter_failed", {"key", key},
                {"error", what}, {"errors", stats.redis_errors},
                {"fallback_rate", options.fallback_rate});
  }
}

RedisRateLimiter::RedisRateLimiter(asio::any_io_executor executor, RedisClientOptions client,
                                   RedisRateLimiterOptions options)
    : state_(std::make_shared<State>(std::move(executor), std::move(client), std::move(options))) {}

RedisRateLimiter::~RedisRateLimiter() {
  state_->wake();
}

RateLimiter::Clock::duration RedisRateLimiter::try_acquire(std::size_t n, Clock::time_point now) {
  if (n == 0) return Clock::duration::zero();
  State& s = *state_;
  s.demand = n;
  std::uint64_t dropped = 0;
  const bool taken = s.stock.take(n, now, dropped);
  s.stats.expired += dropped;
  if (taken) {
    s.stats.granted += n;
    // Running low: the next lease is asked for now, so the next batch finds it here.
    if (s.stock.size() < std::max<std::uint64_t>(s.options.lease_size / 2 + 1, s.ahead())) {
      s.start_lease(0, now);
    }
    return Clock::duration::zero();
  }
  s.start_lease(n - s.stock.size(), now);
  if (s.failing() && s.fallback) {
    const auto wait = s.fallback->try_acquire(n, now);
    if (wait <= Clock::duration::zero()) s.stats.fallback_granted += n;
    return wait;
  }
  return defer;
}

asio::awaitable<std::error_code> RedisRateLimiter::limit(std::size_t n) {
  auto state = state_;  // the limiter may go while this waits
  State& s = *state;
  asio::steady_timer timer(s.executor);
  std::optional<Clock::time_point> give_up;
  for (;;) {
    const auto now = Clock::now();
    const auto wait = try_acquire(n, now);
    if (wait <= Clock::duration::zero()) co_return std::error_code{};
    Clock::time_point until = wait != defer      ? now + wait
                              : s.in_flight      ? Clock::time_point::max()
                              : s.retry_at > now ? s.retry_at
                                                 : now + retry_min;
    // A wait for Redis (a lease unanswered, or Redis failing) is bounded by max_wait, unless
    // the fallback grants meanwhile; a wait for tokens the bucket does not have yet is the rate.
    const bool on_redis = s.failing() || (wait == defer && s.in_flight);
    // Without a connection, look again soon: the client reconnects by itself (no event here).
    if (s.connection_failure() && !s.in_flight) until = std::min(until, now + retry_min);
    if (on_redis && !s.fallback && s.options.max_wait.count() > 0) {
      if (!give_up) give_up = now + s.options.max_wait;
      if (now >= *give_up) {
        ++s.stats.refused;
        AIOSMPP_LOG(s.options.logger, LogLevel::error, "redis_rate_limiter_refused", {"key", s.key},
                    {"requested", n}, {"failing", s.failing()});
        co_return s.failing() && s.last_error ? s.last_error
                                              : make_error_code(RedisErrc::command_timeout);
      }
      until = std::min(until, *give_up);
    } else if (!on_redis) {
      give_up.reset();
    }
    timer.expires_at(until);
    s.waiters.push_back(&timer);
    co_await timer.async_wait(detail::use_nothrow_awaitable);
    std::erase(s.waiters, &timer);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      co_return make_error_code(asio::error::operation_aborted);
    }
  }
}

RedisRateLimiterStats RedisRateLimiter::stats() const noexcept {
  return state_->stats;
}

std::size_t RedisRateLimiter::leased_tokens(Clock::time_point now) const {
  return state_->stock.usable_at(now);
}

const std::string& RedisRateLimiter::key() const noexcept {
  return state_->key;
}

const RedisRateLimiterOptions& RedisRateLimiter::options() const noexcept {
  return state_->options;
}

RedisClient& RedisRateLimiter::client() noexcept {
  return state_->client;
}

const std::string& RedisRateLimiter::bucket_script() {
  return script_text;
}

asio::awaitable<RedisBucketTake> RedisRateLimiter::take_script(RedisClient& client, std::string key,
                                                               double rate, double burst,
                                                               std::uint64_t min, std::uint64_t max,
                                                               std::uint64_t now_us) {
  std::vector<std::string> cmd{"EVAL",
                               script_text,
                               "1",
                               std::move(key),
                               fmt::format("{}", rate),
                               fmt::format("{}", burst),
                               std::to_string(min),
                               std::to_string(max),
                               std::to_string(now_us)};
  const RedisReply r = co_await client.command(std::move(cmd));
  auto take = parse_take(r);
  if (!take) throw RedisError(RedisErrc::protocol_error, "rate limiter script: unexpected reply");
  co_return *take;
}

}  // namespace aiosmpp
