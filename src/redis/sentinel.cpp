#include "redis/sentinel.hpp"

#include <hiredis/async.h>

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/post.hpp>

#include "redis/asio_adapter.hpp"

namespace aiosmpp::detail {

namespace {

// Which command a reply answers (the privdata of redisAsyncCommandArgv).
char auth_tag;
char query_tag;

}  // namespace

std::optional<RedisEndpoint> parse_master_addr(const redisReply* r, std::string& why) {
  if (r->type == REDIS_REPLY_NIL) {
    why = "does not know this master";
    return std::nullopt;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    why = std::string(r->str, r->len);
    return std::nullopt;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
      r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
    why = "unexpected reply to SENTINEL get-master-addr-by-name";
    return std::nullopt;
  }
  RedisEndpoint out;
  out.host.assign(r->element[0]->str, r->element[0]->len);
  const char* p = r->element[1]->str;
  const char* end = p + r->element[1]->len;
  unsigned port = 0;
  const auto [last, ec] = std::from_chars(p, end, port);
  if (out.host.empty() || ec != std::errc{} || last != end || port == 0 || port > 65535) {
    why = "bad address in the reply to SENTINEL get-master-addr-by-name";
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

std::shared_ptr<SentinelQuery> SentinelQuery::start(asio::any_io_executor executor, Params params,
                                                    Done done) {
  auto q = std::make_shared<SentinelQuery>(std::move(executor), std::move(params), std::move(done));
  q->ask(0);
  return q;
}

SentinelQuery::SentinelQuery(asio::any_io_executor executor, Params params, Done done)
    : executor_(std::move(executor)),
      params_(std::move(params)),
      done_(std::move(done)),
      resolver_(executor_),
      timer_(executor_) {}

SentinelQuery::~SentinelQuery() {
  cancel();
}

void SentinelQuery::cancel() {
  cancelled_ = true;
  resolver_.cancel();
  timer_.cancel();
  close_context();
}

void SentinelQuery::close_context() {
  if (ac_ == nullptr) return;
  auto* c = ac_;
  ac_ = nullptr;  // the callbacks hiredis runs while freeing see a stale context and do nothing
  redisAsyncFree(c);
}

void SentinelQuery::ask(std::size_t i) {
  if (cancelled_) return;
  index_ = i;
  ++attempt_;
  settled_ = false;
  const auto attempt = attempt_;
  std::weak_ptr<SentinelQuery> weak = shared_from_this();
  timer_.expires_after(params_.timeout);
  timer_.async_wait([weak, attempt](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->attempt_ != attempt || self->settled_) return;
    self->settle("no answer within connect_timeout", std::nullopt);
  });
  const auto& s = params_.sentinels[i];
  resolver_.async_resolve(s.host, std::to_string(s.port),
                          [weak, attempt](const std::error_code& ec,
                                          const asio::ip::tcp::resolver::results_type& results) {
                            auto self = weak.lock();
                            if (!self || self->attempt_ != attempt || self->settled_) return;
                            if (ec || results.empty())
                              return self->settle("resolve: " + ec.message(), std::nullopt);
                            self->connect(results.begin()->endpoint().address().to_string());
                          });
}

void SentinelQuery::connect(const std::string& ip) {
  std::string why;
  redisAsyncContext* c = open_async(ip, params_.sentinels[index_].port, executor_, why);
  if (c == nullptr) return settle(why, std::nullopt);
  c->data = this;
  ac_ = c;
  redisAsyncSetDisconnectCallback(c, on_disconnect_cb);
  redisAsyncSetConnectCallback(c, on_connect_cb);
  // Queued now, written by hiredis once connected: AUTH first, then the question.
  if (!params_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!params_.username.empty()) auth.push_back(params_.username);
    auth.push_back(params_.password);
    async_command(c, on_reply_cb, &auth_tag, auth);
  }
  async_command(c, on_reply_cb, &query_tag,
                {"SENTINEL", "get-master-addr-by-name", params_.master_name});
}

void SentinelQuery::on_connect_cb(const redisAsyncContext* c, int status) {
  auto* self = static_cast<SentinelQuery*>(c->data);
  if (self == nullptr || self->ac_ != c || status == REDIS_OK) return;
  self->ac_ = nullptr;  // hiredis frees the context after this callback
  self->settle(c->errstr != nullptr ? c->errstr : "connect failed", std::nullopt);
}

void SentinelQuery::on_disconnect_cb(const redisAsyncContext* c, int /*status*/) {
  auto* self = static_cast<SentinelQuery*>(c->data);
  if (self == nullptr || self->ac_ != c) return;
  self->ac_ = nullptr;  // hiredis frees it
  if (!self->settled_) {
    self->settle(fmt::format("connection closed: {}", c->errstr != nullptr ? c->errstr : ""),
                 std::nullopt);
  }
}

void SentinelQuery::on_reply_cb(redisAsyncContext* c, void* reply, void* privdata) {
  auto* self = static_cast<SentinelQuery*>(c->data);
  if (reply == nullptr || self == nullptr || self->ac_ != c || self->settled_) return;
  const auto* r = static_cast<const redisReply*>(reply);
  if (privdata == &auth_tag) {
    if (r->type != REDIS_REPLY_ERROR) return;
    self->result_.auth_refused = true;
    return self->settle("AUTH refused: " + std::string(r->str, r->len), std::nullopt);
  }
  std::string why;
  auto master = parse_master_addr(r, why);
  self->settle(why, std::move(master));
}

// The current sentinel's exchange is over. The rest runs from the executor, never inside a
// hiredis callback (the context is freed there).
void SentinelQuery::settle(std::string why, std::optional<RedisEndpoint> master) {
  if (settled_) return;
  settled_ = true;
  std::weak_ptr<SentinelQuery> weak = shared_from_this();
  asio::post(executor_, [weak, why = std::move(why), master = std::move(master)]() mutable {
    auto self = weak.lock();
    if (!self || self->cancelled_) return;
    self->timer_.cancel();
    self->close_context();
    const auto& s = self->params_.sentinels[self->index_];
    if (master) {
      self->result_.ok = true;
      self->result_.index = self->index_;
      self->result_.master = std::move(*master);
      self->cancelled_ = true;  // done: nothing more runs
      return self->done_(self->result_);
    }
    self->result_.error +=
        fmt::format("{}{}:{}: {}", self->result_.error.empty() ? "" : "; ", s.host, s.port, why);
    if (self->index_ + 1 < self->params_.sentinels.size()) return self->ask(self->index_ + 1);
    self->cancelled_ = true;
    self->done_(self->result_);
  });
}

}  // namespace aiosmpp::detail
