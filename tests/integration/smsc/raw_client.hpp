#pragma once

// A raw-socket SMPP peer for the server tests: writes any bytes, reads whole PDUs, reports EOF.
// Every read is bounded by a timer so that a missing PDU fails the test instead of hanging it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"

namespace aiosmpp::test {

using detail::use_nothrow_awaitable;

inline void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

/** A header with any values (to build malformed PDUs). */
inline std::vector<std::uint8_t> raw_header(std::uint32_t length, std::uint32_t id,
                                            std::uint32_t status, std::uint32_t seq) {
  std::vector<std::uint8_t> out;
  put_be32(out, length);
  put_be32(out, id);
  put_be32(out, status);
  put_be32(out, seq);
  return out;
}

/** What a read produced. */
struct Received {
  std::optional<Pdu> pdu;  ///< empty on EOF or timeout
  bool eof = false;
  bool timeout = false;
};

class RawClient {
 public:
  explicit RawClient(asio::any_io_executor ex) : socket_(ex), timer_(ex) {}

  asio::awaitable<void> connect(const asio::ip::tcp::endpoint& at) {
    co_await socket_.async_connect(at, asio::use_awaitable);
    // Small PDUs one after another must not wait for Nagle and delayed ACKs (~40 ms each).
    socket_.set_option(asio::ip::tcp::no_delay(true));
  }

  asio::awaitable<void> send_bytes(std::vector<std::uint8_t> bytes) {
    co_await asio::async_write(socket_, asio::buffer(bytes), asio::use_awaitable);
  }

  /** Encodes `pdu` with sequence number `seq` (the next own one when 0). */
  //  Takes a reference and copies: g++ 12 destroys a prvalue argument moved into a coroutine
  //  parameter twice (seen as a double free), so callers may pass temporaries only this way.
  template <class P>
  asio::awaitable<std::uint32_t> send(const P& request, std::uint32_t seq = 0) {
    P pdu = request;
    pdu.header.sequence_number = seq != 0 ? seq : ++last_seq_;
    std::vector<std::uint8_t> out;
    encode(pdu, out).value();
    co_await send_bytes(std::move(out));
    co_return pdu.header.sequence_number;
  }

  /** The next PDU, or EOF, or a timeout. */
  asio::awaitable<Received> read(std::chrono::milliseconds within = std::chrono::seconds(3)) {
    Received r;
    std::vector<std::uint8_t> buf(16);
    timer_.expires_after(within);
    bool fired = false;
    timer_.async_wait([this, &fired](std::error_code ec) {
      if (!ec) {
        fired = true;
        socket_.cancel();
      }
    });
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(buf), use_nothrow_awaitable);
    if (!ec) {
      const std::uint32_t len = (std::uint32_t{buf[0]} << 24) | (std::uint32_t{buf[1]} << 16) |
                                (std::uint32_t{buf[2]} << 8) | buf[3];
      if (len < 16 || len > 1'000'000) throw std::runtime_error("bad length from server");
      buf.resize(len);
      auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(buf.data() + 16, len - 16),
                                                 use_nothrow_awaitable);
      ec = ec2;
      (void)n2;
    }
    (void)n;
    timer_.cancel();
    // Let the cancelled timer's handler run before `fired` goes out of scope.
    asio::steady_timer settle(socket_.get_executor(), std::chrono::milliseconds(0));
    co_await settle.async_wait(use_nothrow_awaitable);
    if (fired) {
      r.timeout = true;
      co_return r;
    }
    if (ec) {
      r.eof = true;
      co_return r;
    }
    r.pdu = decode(buf).value();
    co_return r;
  }

  /** The next PDU, which must be a `P`. */
  template <class P>
  asio::awaitable<P> expect(std::chrono::milliseconds within = std::chrono::seconds(3)) {
    auto r = co_await read(within);
    if (!r.pdu) {
      throw std::runtime_error(std::string("expected ") + std::string(command_name(P::command_id)) +
                               (r.eof ? ", got EOF" : ", got a timeout"));
    }
    if (!std::holds_alternative<P>(*r.pdu)) {
      throw std::runtime_error(std::string("expected ") + std::string(command_name(P::command_id)) +
                               ", got " + std::string(command_name(command_id_of(*r.pdu))));
    }
    co_return std::get<P>(std::move(*r.pdu));
  }

  /** Sends a default-constructed `P` (unbind, enquire_link, ...). */
  template <class P>
  asio::awaitable<std::uint32_t> send_new(std::uint32_t seq = 0) {
    const P pdu{};
    co_return co_await send(pdu, seq);
  }

  /** True when the server closes the connection within `within` (PDUs before it are skipped). */
  asio::awaitable<bool> closed(std::chrono::milliseconds within = std::chrono::seconds(3)) {
    for (;;) {
      auto r = co_await read(within);
      if (r.eof) co_return true;
      if (r.timeout) co_return false;
    }
  }

  /** Binds and checks success. */
  template <class Bind = BindTransceiver>
  asio::awaitable<void> bind(const char* system_id = "esme", const char* password = "pw") {
    // Plain pointers: g++ 12 mishandles class-type coroutine parameters with default arguments.
    Bind b;
    b.system_id = system_id;
    b.password = password;
    co_await send(b);
    auto r = co_await read();
    if (!r.pdu || header_of(*r.pdu).command_status != CommandStatus::ok) {
      throw std::runtime_error("bind failed");
    }
  }

  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::uint32_t last_seq_ = 0;
};

}  // namespace aiosmpp::test
