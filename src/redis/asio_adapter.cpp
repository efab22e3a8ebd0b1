#include "redis/asio_adapter.hpp"

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <asio/posix/stream_descriptor.hpp>

namespace aiosmpp::detail {

namespace {

// One watcher per context. Handlers hold it by shared_ptr because a wait can complete after
// hiredis freed the context; `ac` is cleared by the cleanup hook so such a late handler does
// nothing. hiredis may free the context inside redisAsyncHandleRead/Write (an error, a
// disconnect), so `ac` is read again after each of those calls.
struct Watcher {
  Watcher(const asio::any_io_executor& ex, redisAsyncContext* c) : fd(ex), ac(c) {}
  asio::posix::stream_descriptor fd;
  redisAsyncContext* ac;
  bool want_read = false;
  bool want_write = false;
  bool read_pending = false;
  bool write_pending = false;
  std::shared_ptr<Watcher> self;  // the context's reference, dropped by cleanup
};

void arm_read(const std::shared_ptr<Watcher>& w) {
  if (w->read_pending || !w->want_read || w->ac == nullptr) return;
  w->read_pending = true;
  w->fd.async_wait(asio::posix::stream_descriptor::wait_read, [w](const std::error_code& ec) {
    w->read_pending = false;
    if (ec || w->ac == nullptr || !w->want_read) return;
    redisAsyncHandleRead(w->ac);
    arm_read(w);  // hiredis asks for reads once; readiness is re-armed for as long as it wants
  });
}

void arm_write(const std::shared_ptr<Watcher>& w) {
  if (w->write_pending || !w->want_write || w->ac == nullptr) return;
  w->write_pending = true;
  w->fd.async_wait(asio::posix::stream_descriptor::wait_write, [w](const std::error_code& ec) {
    w->write_pending = false;
    if (ec || w->ac == nullptr || !w->want_write) return;
    redisAsyncHandleWrite(w->ac);  // calls delWrite once its buffer is empty
    arm_write(w);
  });
}

Watcher* of(void* privdata) {
  return static_cast<Watcher*>(privdata);
}

void add_read(void* p) {
  auto* w = of(p);
  w->want_read = true;
  arm_read(w->self);
}

void del_read(void* p) {
  of(p)->want_read = false;  // a wait already pending completes and does nothing
}

void add_write(void* p) {
  auto* w = of(p);
  w->want_write = true;
  arm_write(w->self);
}

void del_write(void* p) {
  of(p)->want_write = false;
}

void cleanup(void* p) {
  auto* w = of(p);
  auto keep = std::move(w->self);  // the pending handlers may hold more references
  w->ac->ev.data = nullptr;
  w->ac = nullptr;
  w->want_read = w->want_write = false;
  std::error_code ignored;
  w->fd.cancel(ignored);
  // hiredis closes the socket itself (redisFree): release, never close, so the fd is not closed
  // twice (another connection may already reuse its number).
  w->fd.release();
}

}  // namespace

bool attach_to_asio(redisAsyncContext* ac, const asio::any_io_executor& executor) {
  if (ac->ev.data != nullptr) return false;  // attached to another event library already
  auto w = std::make_shared<Watcher>(executor, ac);
  std::error_code ec;
  w->fd.assign(ac->c.fd, ec);
  if (ec) return false;
  w->self = w;
  ac->ev.data = w.get();
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  return true;
}

redisAsyncContext* open_async(const std::string& ip, std::uint16_t port,
                              const asio::any_io_executor& executor, std::string& why) {
  redisAsyncContext* c = redisAsyncConnect(ip.c_str(), port);
  if (c == nullptr) {
    why = "redisAsyncConnect: out of memory";
    return nullptr;
  }
  if (c->err != 0) {
    why = c->errstr;
    redisAsyncFree(c);
    return nullptr;
  }
  if (!attach_to_asio(c, executor)) {
    redisAsyncFree(c);
    why = "cannot watch hiredis's socket";
    return nullptr;
  }
  return c;
}

int async_command(redisAsyncContext* ac, redisCallbackFn* fn, void* privdata,
                  const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac, fn, privdata, static_cast<int>(argv.size()), argv.data(),
                               lens.data());
}

}  // namespace aiosmpp::detail
