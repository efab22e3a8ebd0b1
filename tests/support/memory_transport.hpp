#pragma once

// An in-memory pair of connected Transports on one executor, for tests and fuzz targets that
// drive a session (server or ESME) without sockets. Each direction is a pipe with a bounded
// buffer, so a side that never reads blocks the other side's writes once the buffer is full, as a
// TCP socket does when the peer's receive window closes. Everything runs on the executor given
// (timers are the condition variables), so a test controls the interleaving by what it awaits.
//
//   auto [a, b] = aiosmpp::test::memory_transport_pair(io.get_executor(), 64 * 1024);
//   server.serve(std::move(b));          // the session reads what `a` writes, and back
//
// Semantics follow the Transport contract (include/aiosmpp/net/transport.hpp):
// - read_some() waits for at least one octet; after the peer's shutdown() or close() it drains
//   what is buffered, then returns errc::connection_closed.
// - write() completes when every octet is in the pipe; when the peer has closed it returns
//   errc::connection_closed with the count written so far.
// - close() ends both directions at once; this side's pending operations complete with
//   asio::error::operation_aborted. Terminal cancellation of the awaiting coroutine does too.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/error.hpp"
#include "aiosmpp/net/transport.hpp"

namespace aiosmpp::test {

namespace memory_detail {

// One direction: a ring of at most `capacity` octets between one writer and one reader.
struct Pipe {
  Pipe(asio::any_io_executor ex, std::size_t cap)
      : capacity(std::max<std::size_t>(cap, 1)),
        readable(ex, asio::steady_timer::time_point::max()),
        writable(ex, asio::steady_timer::time_point::max()) {}

  std::size_t size() const noexcept { return data.size() - head; }
  void compact() {
    if (head > 0 && head * 2 >= data.size()) {
      data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
  }

  std::size_t capacity;
  std::vector<std::uint8_t> data;
  std::size_t head = 0;           // octets before it have been read
  bool write_end_closed = false;  // the writer shut down or closed: EOF after the data
  bool read_end_closed = false;   // the reader closed: writes fail
  asio::steady_timer readable;    // cancelled when data arrives or the write end closes
  asio::steady_timer writable;    // cancelled when room appears or the read end closes
};

// Waits on `timer` until it is cancelled (a notification) or the awaiting coroutine is
// cancelled; true for the latter.
inline asio::awaitable<bool> wait_on(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  co_await timer.async_wait(aiosmpp::detail::use_nothrow_awaitable);
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != asio::cancellation_type::none;
}

}  // namespace memory_detail

/** One end of an in-memory connection (see the file comment). */
class MemoryTransport final : public Transport {
 public:
  MemoryTransport(asio::any_io_executor ex, std::shared_ptr<memory_detail::Pipe> in,
                  std::shared_ptr<memory_detail::Pipe> out, std::string name)
      : executor_(std::move(ex)),
        in_(std::move(in)),
        out_(std::move(out)),
        name_(std::move(name)) {}
  ~MemoryTransport() override { close(); }

  asio::any_io_executor get_executor() override { return executor_; }

  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buffer) override {
    memory_detail::Pipe& p = *in_;
    for (;;) {
      if (closed_) co_return IoResult{asio::error::operation_aborted, 0};
      if (p.size() > 0) {
        const std::size_t n = std::min(buffer.size(), p.size());
        std::copy_n(p.data.begin() + static_cast<std::ptrdiff_t>(p.head), n, buffer.begin());
        p.head += n;
        p.compact();
        p.writable.cancel();
        co_return IoResult{{}, n};
      }
      if (p.write_end_closed) co_return IoResult{errc::connection_closed, 0};
      if (co_await memory_detail::wait_on(p.readable)) {
        co_return IoResult{asio::error::operation_aborted, 0};
      }
    }
  }

  asio::awaitable<IoResult> write(std::span<const std::uint8_t> bytes) override {
    memory_detail::Pipe& p = *out_;
    std::size_t done = 0;
    for (;;) {
      if (closed_ || p.write_end_closed) co_return IoResult{asio::error::operation_aborted, done};
      if (p.read_end_closed) co_return IoResult{errc::connection_closed, done};
      if (done == bytes.size()) co_return IoResult{{}, done};
      const std::size_t room = p.capacity - std::min(p.capacity, p.size());
      if (room > 0) {
        const std::size_t n = std::min(room, bytes.size() - done);
        p.data.insert(p.data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(done),
                      bytes.begin() + static_cast<std::ptrdiff_t>(done + n));
        done += n;
        p.readable.cancel();
        continue;
      }
      if (co_await memory_detail::wait_on(p.writable)) {
        co_return IoResult{asio::error::operation_aborted, done};
      }
    }
  }

  asio::awaitable<void> shutdown() override {
    out_->write_end_closed = true;
    out_->readable.cancel();
    co_return;
  }

  void close() noexcept override {
    if (closed_) return;
    closed_ = true;
    out_->write_end_closed = true;
    in_->read_end_closed = true;
    // Wake the peer (EOF, broken pipe) and our own pending operations (aborted).
    out_->readable.cancel();
    out_->writable.cancel();
    in_->readable.cancel();
    in_->writable.cancel();
  }

  bool is_open() const noexcept override { return !closed_; }
  std::string remote_address() const override { return name_; }

  /** Octets written to this end and not yet read by the peer. */
  std::size_t unread_by_peer() const noexcept { return out_->size(); }

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<memory_detail::Pipe> in_;
  std::shared_ptr<memory_detail::Pipe> out_;
  std::string name_;
  bool closed_ = false;
};

/** Two connected ends; `a` to `b` buffers at most `a_to_b` octets, `b` to `a` at most `b_to_a`
 *  (so a test can let one side write freely while the other side's writes block). */
inline std::pair<std::unique_ptr<MemoryTransport>, std::unique_ptr<MemoryTransport>>
memory_transport_pair(asio::any_io_executor ex, std::size_t a_to_b, std::size_t b_to_a) {
  auto ab = std::make_shared<memory_detail::Pipe>(ex, a_to_b);
  auto ba = std::make_shared<memory_detail::Pipe>(ex, b_to_a);
  return {std::make_unique<MemoryTransport>(ex, ba, ab, "memory:a"),
          std::make_unique<MemoryTransport>(ex, ab, ba, "memory:b")};
}

/** Two connected ends; each direction buffers at most `capacity` octets. */
inline std::pair<std::unique_ptr<MemoryTransport>, std::unique_ptr<MemoryTransport>>
memory_transport_pair(asio::any_io_executor ex, std::size_t capacity = 64 * 1024) {
  return memory_transport_pair(ex, capacity, capacity);
}

}  // namespace aiosmpp::test
