#include "aiosmpp/redis/client.hpp"

#include <hiredis/async.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
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
  if (o.host.empty()) throw std::invalid_argument("RedisClientOptions.host: empty");
  if (o.port == 0) bad("port", 0, "1..65535");
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
        backoff(options.reconnect_min) {}

  // One command's callback data, owned by hiredis until its reply (or the context's end).
  struct Pending {
    Impl* impl;
    Done done;
  };

  void start_connect();
  void connect_to(const std::string& ip);
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
};

void RedisClient::Impl::start_connect() {
  if (stopping) return;
  std::weak_ptr<Impl> weak = shared_from_this();
  resolver.async_resolve(
      options.host, std::to_string(options.port),
      [weak](const std::error_code& ec, const asio::ip::tcp::resolver::results_type& results) {
        auto self = weak.lock();
        if (!self || self->stopping || ec == asio::error::operation_aborted) return;
        if (ec || results.empty()) {
          self->connect_failed(fmt::format("resolve {}: {}", self->options.host, ec.message()));
          return;
        }
        self->connect_to(results.begin()->endpoint().address().to_string());
      });
}

void RedisClient::Impl::connect_to(const std::string& ip) {
  redisAsyncContext* c = redisAsyncConnect(ip.c_str(), options.port);
  if (c == nullptr) return connect_failed("redisAsyncConnect: out of memory");
  if (c->err != 0) {
    std::string why = c->errstr;
    redisAsyncFree(c);
    return connect_failed(why);
  }
  if (!detail::attach_to_asio(c, executor)) {
    redisAsyncFree(c);
    return connect_failed("cannot watch hiredis's socket");
  }
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
  AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_connect_failed", {"host", options.host},
              {"port", options.port}, {"error", why},
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
  connect_timer.cancel();
  backoff = options.reconnect_min;
  ++stats.connects;
  AIOSMPP_LOG(options.logger, LogLevel::info, "redis_connected", {"host", options.host},
              {"port", options.port});
  wake_waiters();
  arm_watchdog();
}

void RedisClient::Impl::on_dropped(const redisAsyncContext* c) {
  if (ac != c) return;
  const bool was_connected = connected;
  ac = nullptr;
  connected = false;
  sent_at.clear();
  if (was_connected) {
    ++stats.disconnects;
    AIOSMPP_LOG(options.logger, LogLevel::warning, "redis_disconnected", {"host", options.host},
                {"port", options.port}, {"error", c->errstr != nullptr ? c->errstr : ""});
  }
  schedule_reconnect();
}

void RedisClient::Impl::on_connect_cb(const redisAsyncContext* c, int status) {
  auto* self = static_cast<Impl*>(c->data);
  if (self == nullptr) return;
  if (status == REDIS_OK) return self->on_connected();
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
  (void)c;
  self->complete(p->done, {}, copy_reply(static_cast<const redisReply*>(reply)));
}

void RedisClient::Impl::send(std::vector<std::string>& args, Done done) {
  if (ac == nullptr || !connected) {
    ++stats.failed_commands;
    return complete(done, make_error_code(RedisErrc::not_connected), {});
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* p = new Pending{this, std::move(done)};
  if (redisAsyncCommandArgv(ac, on_reply_cb, p, static_cast<int>(argv.size()), argv.data(),
                            lens.data()) != REDIS_OK) {
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
  AIOSMPP_LOG(options.logger, LogLevel::error, "redis_command_timeout", {"host", options.host},
              {"port", options.port}, {"pending", sent_at.size()});
  // Dropping the connection fails every pending command (command_timeout) and reconnects.
  timed_out = true;
  redisAsyncFree(ac);
  timed_out = false;
}

void RedisClient::Impl::shutdown() {
  stopping = true;
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
                     fmt::format("redis {}:{}", impl->options.host, impl->options.port));
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
