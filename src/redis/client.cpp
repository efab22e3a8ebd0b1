#include "aiosmpp/redis/client.hpp"

#include <hiredis/async.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/async_result.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "redis/asio_adapter.hpp"
#include "redis/sentinel.hpp"

namespace aiosmpp {

namespace {

class RedisCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aiosmpp.redis"; }
  std::string message(int c) const override {
    switch (static_cast<RedisErrc>(c)) {
      case RedisErrc::not_connected:
        return "not connected to Redis";
      case RedisErrc::connection_lost:
        return "the connection to Redis was lost before the reply";
      case RedisErrc::server_error:
        return "Redis answered with an error";
      case RedisErrc::command_timeout:
        return "no reply from Redis within the command timeout";
      case RedisErrc::protocol_error:
        return "unexpected reply from Redis";
    }
    return "unknown Redis error";
  }
};

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      break;  // REDIS_REPLY_NIL
  }
  return out;
}

void validate(const RedisClientOptions& o) {
  auto bad = [](const char* field, long long v, const char* limit) {
    throw std::invalid_argument(
        fmt::format("RedisClientOptions.{}: {}, must be {}", field, v, limit));
  };
  auto missing = [](const char* field, const char* why) {
    throw std::invalid_argument(fmt::format("RedisClientOptions.{}: empty {}", field, why));
  };
  if (o.sentinels.empty()) {
    if (o.host.empty()) missing("host", "(and no sentinels)");
    if (o.port == 0) bad("port", 0, "1..65535");
    if (!o.master_name.empty()) missing("sentinels", "while master_name is set");
  } else if (o.master_name.empty()) {
    missing("master_name", "while sentinels are given");
  }
  for (std::size_t i = 0; i < o.sentinels.size(); ++i) {
    const auto& s = o.sentinels[i];
    if (s.host.empty()) missing(fmt::format("sentinels[{}].host", i).c_str(), "");
    if (s.port == 0) bad(fmt::format("sentinels[{}].port", i).c_str(), 0, "1..65535");
  }
  if (!o.username.empty() && o.password.empty()) missing("password", "while username is set");
  if (!o.sentinel_username.empty() && o.sentinel_password.empty()) {
    missing("sentinel_password", "while sentinel_username is set");
  }
  if (o.database < 0) bad("database", o.database, ">= 0");
  if (o.connect_timeout.count() <= 0) bad("connect_timeout", o.connect_timeout.count(), "> 0 ms");
  if (o.reconnect_min.count() <= 0) bad("reconnect_min", o.reconnect_min.count(), "> 0 ms");
  if (o.reconnect_max < o.reconnect_min) {
    bad("reconnect_max", o.reconnect_max.count(), ">= reconnect_min");
  }
  if (o.command_timeout.count() < 0) bad("command_timeout", o.command_timeout.count(), ">= 0 ms");
}

}  // namespace

const std::error_category& redis_category() noexcept {
  static const RedisCategory category;
  return category;
}

using Done = std::function<void(std::error_code, RedisReply)>;

struct RedisClient::Impl : std::enable_shared_from_this<Impl> {
  using Clock = std::chrono::steady_clock;

  Impl(asio::any_io_executor ex, RedisClientOptions o)
      : executor(std::move(ex)),
        options(std::move(o)),
        resolver(executor),
        reconnect_timer(executor),
        connect_timer(executor),
        watchdog(executor),
        backoff(options.reconnect_min),
        sentinels(options.sentinels),
        // With sentinels there is no server until one names it (host is not used then).
        target_host(sentinels.empty() ? options.host : std::string()),
        target_port(sentinels.empty() ? options.port : std::uint16_t{0}) {}

  // One command's callback data, owned by hiredis until its reply (or the context's end).
  struct Pending {
    Impl* impl;
    Done done;
  };

  // What a handshake reply answers (the commands sent before the connection counts as up).
  enum class Step : std::uint8_t { auth, select, role };
  struct HandshakeStep {
    Impl* impl;
    Step step;
  };

  void start_connect();
  void discover();
  void on_discovered(const detail::SentinelResult& r);
  void resolve_and_connect();
  void connect_to(const std::string& ip);
  void begin_handshake();
  void handshake_reply(Step step, const redisReply* r);
  void handshake_failed(const redisAsyncContext* c, std::string why);
  void on_readonly(const redisAsyncContext* c, const std::string& msg);
  void connect_failed(const std::string& why);
  void schedule_reconnect();
  void on_connected();
  void on_dropped(const redisAsyncContext* ac);
  void arm_watchdog();
  void check_watchdog();
  void send(std::vector<std::string>& args, Done done);
  void complete(Done& done, std::error_code ec, RedisReply reply) {
    if (!done) return;
    // Never resume a caller inside a hiredis callback: it could free the context under hiredis.
    asio::post(executor,
               [d = std::move(done), ec, r = std::move(reply)]() mutable { d(ec, std::move(r)); });
  }
  void wake_waiters() {
    for (auto* t : waiters)
      t->cancel();
  }
  void shutdown();

  static void on_connect_cb(const redisAsyncContext* ac, int status);
  static void on_disconnect_cb(const redisAsyncContext* ac, int status);
  static void on_reply_cb(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_handshake_cb(redisAsyncContext* ac, void* reply, void* privdata);

  asio::any_io_executor executor;
  RedisClientOptions options;
  asio::ip::tcp::resolver resolver;
  asio::steady_timer reconnect_timer;
  asio::steady_timer connect_timer;
  asio::steady_timer watchdog;
  std::chrono::milliseconds backoff;
  redisAsyncContext* ac = nullptr;
  bool connected = false;
  bool stopping = false;
  bool timed_out = false;
  std::deque<Clock::time_point> sent_at;  // unanswered commands, oldest first (replies are FIFO)
  std::vector<asio::steady_timer*> waiters;
  RedisClientStats stats;
  // Sentinel mode: the sentinels in the order to ask (the last to answer first), the discovery
  // under way, and the handshake's state.
  std::vector<RedisEndpoint> sentinels;
  std::shared_ptr<detail::SentinelQuery> query;
  std::string target_host;    // the server connected to (or tried last): options.host or the
  std::uint16_t target_port;  // primary a sentinel named
  std::size_t handshake_left = 0;
  bool handshake_aborted = false;
  bool readonly_seen = false;
};

void RedisClient::Impl::start_connect() {
  if (stopping) return;
  if (sentinels.empty()) return resolve_and_connect();
  discover();
}

// Every connect in sentinel mode asks the sentinels afresh: after a failover the old answer is
// wrong, and a stale one is caught by ROLE in the handshake.
void RedisClient::Impl::discover() {
  std::weak_ptr<Impl> weak = shared_from_this();
  detail::SentinelQuery::Params p{sentinels, options.master_name, options.sentinel_username,
                                  options.sentinel_password, options.connect_timeout};
  query =
      detail::SentinelQuery::start(executor, std::move(p), [weak](const detail::SentinelResult& r) {
        if (auto self = weak.lock()) self->on_discovered(r);
      });
}

void RedisClient::Impl::on_discovered(const detail::SentinelResult& r) {
  query.reset();  // the query's own handler holds it until this returns
  if (stopping) return;
  if (!r.ok) {
    if (r.auth_refused) ++stats.auth_failures;
    return connect_failed("no sentinel answered for master " + options.master_name + ": " +
                          r.error);
  }
  ++stats.discoveries;
  if (!r.error.empty()) {  // sentinels before the one that answered did not: worth knowing
    AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_sentinels_unanswered",
                {"master", options.master_name}, {"error", r.error});
  }
  const RedisEndpoint answered = sentinels[r.index];
  // The guideline: the sentinel that answered is asked first next time.
  std::rotate(sentinels.begin(), sentinels.begin() + static_cast<std::ptrdiff_t>(r.index),
              sentinels.begin() + static_cast<std::ptrdiff_t>(r.index) + 1);
  target_host = r.master.host;
  target_port = r.master.port;
  AIOSMPP_LOG(options.logger, LogLevel::info, "redis_discovered", {"master", options.master_name},
              {"sentinel", fmt::format("{}:{}", answered.host, answered.port)},
              {"host", target_host}, {"port", target_port});
  resolve_and_connect();
}

void RedisClient::Impl::resolve_and_connect() {
  std::weak_ptr<Impl> weak = shared_from_this();
  resolver.async_resolve(
      target_host, std::to_string(target_port),
      [weak](const std::error_code& ec, const asio::ip::tcp::resolver::results_type& results) {
        auto self = weak.lock();
        if (!self || self->stopping || ec == asio::error::operation_aborted) return;
        if (ec || results.empty()) {
          self->connect_failed(fmt::format("resolve {}: {}", self->target_host, ec.message()));
          return;
        }
        self->connect_to(results.begin()->endpoint().address().to_string());
      });
}

void RedisClient::Impl::connect_to(const std::string& ip) {
  std::string why;
  redisAsyncContext* c = detail::open_async(ip, target_port, executor, why);
  if (c == nullptr) return connect_failed(why);
  c->data = this;
  ac = c;
  redisAsyncSetDisconnectCallback(c, on_disconnect_cb);
  redisAsyncSetConnectCallback(c, on_connect_cb);  // arms the first write event: the connect
  connect_timer.expires_after(options.connect_timeout);
  std::weak_ptr<Impl> weak = shared_from_this();
  connect_timer.async_wait([weak, c](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->ac != c || self->connected) return;
    // Not connected in time: hiredis calls no callback for a context freed while connecting.
    self->ac = nullptr;
    redisAsyncFree(c);
    self->connect_failed("connect timeout");
  });
}

void RedisClient::Impl::connect_failed(const std::string& why) {
  ++stats.connect_failures;
  AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_connect_failed", {"host", target_host},
              {"port", target_port}, {"error", why},
              {"retry_ms", static_cast<std::int64_t>(backoff.count())});
  schedule_reconnect();
}

void RedisClient::Impl::schedule_reconnect() {
  if (stopping) return;
  reconnect_timer.expires_after(backoff);
  backoff = std::min(backoff * 2, options.reconnect_max);
  std::weak_ptr<Impl> weak = shared_from_this();
  reconnect_timer.async_wait([weak](const std::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self) self->start_connect();
  });
}

void RedisClient::Impl::on_connected() {
  connected = true;
  readonly_seen = false;
  connect_timer.cancel();
  backoff = options.reconnect_min;
  ++stats.connects;
  AIOSMPP_LOG(options.logger, LogLevel::info, "redis_connected", {"host", target_host},
              {"port", target_port});
  wake_waiters();
  arm_watchdog();
}

void RedisClient::Impl::on_dropped(const redisAsyncContext* c) {
  if (ac != c) return;
  const bool was_connected = connected;
  ac = nullptr;
  connected = false;
  sent_at.clear();
  if (!was_connected) {  // closed during the handshake
    return connect_failed(fmt::format("connection closed before the handshake's replies: {}",
                                      c->errstr != nullptr ? c->errstr : ""));
  }
  ++stats.disconnects;
  AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_disconnected", {"host", target_host},
              {"port", target_port}, {"error", c->errstr != nullptr ? c->errstr : ""});
  schedule_reconnect();
}

void RedisClient::Impl::on_connect_cb(const redisAsyncContext* c, int status) {
  auto* self = static_cast<Impl*>(c->data);
  if (self == nullptr) return;
  if (status == REDIS_OK) return self->begin_handshake();
  // hiredis frees the context right after this callback.
  self->ac = nullptr;
  self->connect_timer.cancel();
  self->connect_failed(c->errstr != nullptr ? c->errstr : "connect failed");
}

void RedisClient::Impl::on_disconnect_cb(const redisAsyncContext* c, int /*status*/) {
  if (auto* self = static_cast<Impl*>(c->data)) self->on_dropped(c);
}

void RedisClient::Impl::on_reply_cb(redisAsyncContext* c, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  Impl* self = p->impl;
  if (reply == nullptr) {
    ++self->stats.failed_commands;
    const auto code = self->timed_out ? RedisErrc::command_timeout : RedisErrc::connection_lost;
    self->complete(p->done, make_error_code(code), {});
    return;
  }
  if (!self->sent_at.empty()) self->sent_at.pop_front();
  const auto* r = static_cast<const redisReply*>(reply);
  if (r->type == REDIS_REPLY_ERROR && !self->sentinels.empty() &&
      std::string_view(r->str, r->len).starts_with("READONLY")) {
    self->on_readonly(c, std::string(r->str, r->len));
  }
  self->complete(p->done, {}, copy_reply(static_cast<const redisReply*>(reply)));
}

// AUTH, SELECT and (with sentinels) ROLE, pipelined before the connection counts as up; none of
// them: up at once, as without this feature.
void RedisClient::Impl::begin_handshake() {
  std::vector<std::pair<Step, std::vector<std::string>>> steps;
  if (!options.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!options.username.empty()) auth.push_back(options.username);
    auth.push_back(options.password);
    steps.emplace_back(Step::auth, std::move(auth));
  }
  if (options.database != 0) {
    steps.emplace_back(Step::select,
                       std::vector<std::string>{"SELECT", std::to_string(options.database)});
  }
  if (!sentinels.empty()) steps.emplace_back(Step::role, std::vector<std::string>{"ROLE"});
  if (steps.empty()) return on_connected();
  handshake_left = steps.size();
  handshake_aborted = false;
  for (auto& [step, args] : steps) {
    auto* p = new HandshakeStep{this, step};
    if (detail::async_command(ac, on_handshake_cb, p, args) != REDIS_OK) {
      delete p;
      return handshake_failed(ac, "cannot queue the handshake");
    }
  }
}

void RedisClient::Impl::on_handshake_cb(redisAsyncContext* c, void* reply, void* privdata) {
  std::unique_ptr<HandshakeStep> p(static_cast<HandshakeStep*>(privdata));
  Impl* self = p->impl;
  // No reply: the context is being freed (a drop is handled by on_dropped).
  if (reply == nullptr || self->ac != c || self->connected || self->handshake_aborted) return;
  self->handshake_reply(p->step, static_cast<const redisReply*>(reply));
}

void RedisClient::Impl::handshake_reply(Step step, const redisReply* r) {
  const std::string text = r->str != nullptr ? std::string(r->str, r->len) : std::string();
  if (step == Step::auth && r->type == REDIS_REPLY_ERROR) {
    ++stats.auth_failures;
    return handshake_failed(ac, "AUTH refused: " + text);
  }
  if (step == Step::select && r->type == REDIS_REPLY_ERROR) {
    return handshake_failed(ac, fmt::format("SELECT {} refused: {}", options.database, text));
  }
  if (step == Step::role && r->type == REDIS_REPLY_ERROR) {
    return handshake_failed(ac, "ROLE refused: " + text);
  }
  if (step == Step::role) {
    const bool named = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                       r->element[0]->type == REDIS_REPLY_STRING;
    const std::string role = named ? std::string(r->element[0]->str, r->element[0]->len) : "?";
    if (role != "master") {
      ++stats.role_mismatches;
      return handshake_failed(
          ac, fmt::format("the sentinels' primary for {} is not a master (ROLE: {})",
                          options.master_name, role));
    }
  }
  if (--handshake_left == 0) on_connected();
}

// Called inside a hiredis callback: the context is freed from the executor instead.
void RedisClient::Impl::handshake_failed(const redisAsyncContext* c, std::string why) {
  handshake_aborted = true;
  std::weak_ptr<Impl> weak = shared_from_this();
  asio::post(executor, [weak, c, why = std::move(why)] {
    auto self = weak.lock();
    if (!self || self->stopping || self->ac != c || self->connected) return;
    auto* ctx = self->ac;
    self->ac = nullptr;  // on_dropped ignores the context: this is a connect failure
    redisAsyncFree(ctx);
    self->connect_failed(why);
  });
}

// The primary was demoted under us (a failover while connected): drop, so that the reconnect
// asks the sentinels for the new one.
void RedisClient::Impl::on_readonly(const redisAsyncContext* c, const std::string& msg) {
  if (readonly_seen || ac != c || !connected) return;
  readonly_seen = true;
  ++stats.readonly_drops;
  AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_readonly", {"host", target_host},
              {"port", target_port}, {"error", msg});
  std::weak_ptr<Impl> weak = shared_from_this();
  asio::post(executor, [weak, c] {
    auto self = weak.lock();
    if (self && !self->stopping && self->ac == c) redisAsyncFree(self->ac);
  });
}

void RedisClient::Impl::send(std::vector<std::string>& args, Done done) {
  if (ac == nullptr || !connected) {
    ++stats.failed_commands;
    return complete(done, make_error_code(RedisErrc::not_connected), {});
  }
  auto* p = new Pending{this, std::move(done)};
  if (detail::async_command(ac, on_reply_cb, p, args) != REDIS_OK) {
    ++stats.failed_commands;
    Done d = std::move(p->done);
    delete p;
    return complete(d, make_error_code(RedisErrc::not_connected), {});
  }
  ++stats.commands;
  sent_at.push_back(Clock::now());
}

void RedisClient::Impl::arm_watchdog() {
  if (options.command_timeout.count() == 0 || stopping) return;
  watchdog.expires_after(std::max(options.command_timeout / 4, std::chrono::milliseconds(10)));
  std::weak_ptr<Impl> weak = shared_from_this();
  watchdog.async_wait([weak](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->connected) return;
    self->check_watchdog();
    self->arm_watchdog();
  });
}

void RedisClient::Impl::check_watchdog() {
  if (sent_at.empty() || Clock::now() - sent_at.front() < options.command_timeout) return;
  AIOSMPP_LOG(options.logger, LogLevel::error, "redis_command_timeout", {"host", target_host},
              {"port", target_port}, {"pending", sent_at.size()});
  // Dropping the connection fails every pending command (command_timeout) and reconnects.
  timed_out = true;
  redisAsyncFree(ac);
  timed_out = false;
}

void RedisClient::Impl::shutdown() {
  stopping = true;
  if (query) query->cancel();
  query.reset();
  resolver.cancel();
  reconnect_timer.cancel();
  connect_timer.cancel();
  watchdog.cancel();
  wake_waiters();
  if (ac != nullptr) {
    auto* c = ac;
    redisAsyncFree(c);  // pending commands fail with connection_lost; on_dropped clears `ac`
    ac = nullptr;
  }
}

RedisClient::RedisClient(asio::any_io_executor executor, RedisClientOptions options) {
  validate(options);
  impl_ = std::make_shared<Impl>(std::move(executor), std::move(options));
  impl_->start_connect();
}

RedisClient::~RedisClient() {
  impl_->shutdown();
}

void RedisClient::send(std::vector<std::string> args, Done done) {
  impl_->send(args, std::move(done));
}

asio::awaitable<std::vector<RedisReply>> RedisClient::pipeline(
    std::vector<std::vector<std::string>> commands) {
  if (commands.empty()) co_return std::vector<RedisReply>{};
  auto impl = impl_;
  auto init = [impl](auto handler, std::vector<std::vector<std::string>> cmds) {
    struct Collect {
      std::size_t remaining;
      std::error_code ec;
      std::vector<RedisReply> replies;
    };
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    auto state = std::make_shared<Collect>(Collect{cmds.size(), {}, {}});
    state->replies.resize(cmds.size());
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      impl->send(cmds[i], [state, h, i](std::error_code ec, RedisReply r) {
        if (ec && !state->ec) state->ec = ec;
        state->replies[i] = std::move(r);
        if (--state->remaining == 0) std::move (*h)(state->ec, std::move(state->replies));
      });
    }
  };
  std::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  auto replies = co_await asio::async_initiate<decltype(token),
                                               void(std::error_code, std::vector<RedisReply>)>(
      init, token, std::move(commands));
  if (ec) {
    throw RedisError(static_cast<RedisErrc>(ec.value()),
                     fmt::format("redis {}:{}", impl->target_host, impl->target_port));
  }
  co_return replies;
}

asio::awaitable<RedisReply> RedisClient::command(std::vector<std::string> args) {
  const std::string name = args.empty() ? std::string() : args.front();
  std::vector<std::vector<std::string>> one;
  one.push_back(std::move(args));
  auto replies = co_await pipeline(std::move(one));
  if (replies.front().is_error()) {
    throw RedisError(RedisErrc::server_error,
                     fmt::format("redis {}: {}", name, replies.front().str));
  }
  co_return std::move(replies.front());
}

bool RedisClient::connected() const noexcept {
  return impl_->connected;
}

asio::awaitable<bool> RedisClient::wait_connected(std::chrono::steady_clock::duration timeout) {
  auto impl = impl_;
  if (impl->connected) co_return true;
  asio::steady_timer timer(impl->executor);
  timer.expires_after(timeout);
  impl->waiters.push_back(&timer);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::erase(impl->waiters, &timer);
  auto cs = co_await asio::this_coro::cancellation_state;
  if (cs.cancelled() != asio::cancellation_type::none) {
    throw std::system_error(asio::error::operation_aborted);
  }
  co_return impl->connected;
}

RedisClientStats RedisClient::stats() const noexcept {
  return impl_->stats;
}

const RedisClientOptions& RedisClient::options() const noexcept {
  return impl_->options;
}

}  // namespace aiosmpp
