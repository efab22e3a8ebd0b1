#pragma once

// A scripted SMSC for loopback tests of the ESME: accepts on 127.0.0.1:0 in the test's own
// io_context, answers bind with a chosen status, answers (or holds, or ignores, or drops the
// connection on) each request as a Script says, answers enquire_link and unbind, can send
// deliver_sm / unbind / garbage, and counts everything a test asserts on, including the most
// requests it ever had outstanding at once (the ESME's window). Header-only: test-only code.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"

namespace aiosmpp::test {

class FakeSmsc {
 public:
  /** What to do with one request (submit_sm, data_sm, query_sm, ...). */
  struct Reply {
    enum class Action { respond, ignore, drop, hold } action = Action::respond;
    CommandStatus status = CommandStatus::ok;
  };
  struct Options {
    CommandStatus bind_status = CommandStatus::ok;
    bool answer_bind = true;
    bool answer_enquire_link = true;
    bool answer_unbind = true;
    /** n: 1-based count of requests over the server's life. Empty: respond ok. */
    std::function<Reply(std::uint64_t n, CommandId id)> script;
    /** Held requests are answered (ok) every this often. */
    std::chrono::milliseconds release_every{10};
  };

  FakeSmsc(asio::io_context& io, Options options)
      : io_(io),
        options_(std::move(options)),
        acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), [](std::exception_ptr) {});
  }
  ~FakeSmsc() { close(); }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void close() {
    std::error_code ignored;
    acceptor_.close(ignored);
    drop();
  }
  /** Closes the current connection without a word. */
  void drop() {
    if (conn_) conn_->close();
  }
  /** Sends a request to the ESME on the current connection (sequence number assigned here). */
  void send(Pdu pdu) {
    if (!conn_) return;
    header_of(pdu).sequence_number = next_seq_++;
    std::vector<std::uint8_t> bytes;
    encode(pdu, bytes).value();
    conn_->queue(bytes);
  }
  /** Sends raw bytes (for malformed PDUs). */
  void send_raw(const std::vector<std::uint8_t>& bytes) {
    if (conn_) conn_->queue(bytes);
  }

  // Counters.
  std::size_t connections = 0;
  std::size_t binds = 0;
  std::size_t requests = 0;        // submit_sm & co received
  std::size_t responses_sent = 0;  // answers to those
  std::size_t outstanding = 0;     // received, not yet answered or dropped, on this connection
  std::size_t max_outstanding = 0;
  std::size_t enquire_links = 0;
  std::size_t unbinds = 0;
  std::size_t deliver_sm_resps = 0;
  std::size_t generic_nacks = 0;
  std::vector<CommandStatus> deliver_resp_statuses;
  std::vector<CommandStatus> nack_statuses;
  std::vector<std::string> bound_system_ids;
  std::vector<std::string> bound_passwords;
  std::vector<std::chrono::steady_clock::time_point> connect_times;
  std::vector<std::uint32_t> request_sequence_numbers;
  std::vector<Pdu> received_requests;  // owning copies of submit_sm & co

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    explicit Conn(asio::ip::tcp::socket s) : socket(std::move(s)), cv(socket.get_executor()) {
      cv.expires_at(std::chrono::steady_clock::time_point::max());
    }
    void queue(const std::vector<std::uint8_t>& bytes) {
      if (closed) return;
      out.insert(out.end(), bytes.begin(), bytes.end());
      cv.cancel();
    }
    void close() {
      if (closed) return;
      closed = true;
      std::error_code ignored;
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      cv.cancel();
    }
    asio::awaitable<void> writer() {
      auto self = shared_from_this();
      std::vector<std::uint8_t> writing;
      while (!closed) {
        if (out.empty()) {
          cv.expires_at(std::chrono::steady_clock::time_point::max());
          co_await cv.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
          continue;
        }
        std::swap(out, writing);
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(writing),
                                                  ::aiosmpp::detail::use_nothrow_awaitable);
        (void)n;
        writing.clear();
        if (ec) {
          close();
          co_return;
        }
      }
    }
    asio::ip::tcp::socket socket;
    asio::steady_timer cv;
    std::vector<std::uint8_t> out;
    std::vector<std::pair<CommandId, std::uint32_t>> held;
    bool closed = false;
  };

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(::aiosmpp::detail::use_nothrow_awaitable);
      if (ec) co_return;
      if (conn_) conn_->close();
      ++connections;
      connect_times.push_back(std::chrono::steady_clock::now());
      outstanding = 0;
      conn_ = std::make_shared<Conn>(std::move(socket));
      asio::co_spawn(io_, conn_->writer(), [](std::exception_ptr) {});
      asio::co_spawn(io_, serve(conn_), [](std::exception_ptr) {});
      asio::co_spawn(io_, releaser(conn_), [](std::exception_ptr) {});
    }
  }

  static std::vector<std::uint8_t> response_bytes(CommandId id, CommandStatus status,
                                                  std::uint32_t seq, std::uint64_t n) {
    std::vector<std::uint8_t> out;
    const PduHeader h{status, seq};
    const std::string message_id = fmt::format("msg-{}", n);
    switch (id) {
      case CommandId::submit_sm: {
        SubmitSmResp r;
        r.header = h;
        r.message_id = message_id;
        encode(r, out).value();
        break;
      }
      case CommandId::data_sm: {
        DataSmResp r;
        r.header = h;
        r.message_id = message_id;
        encode(r, out).value();
        break;
      }
      case CommandId::submit_multi: {
        SubmitMultiResp r;
        r.header = h;
        r.message_id = message_id;
        encode(r, out).value();
        break;
      }
      case CommandId::query_sm: {
        QuerySmResp r;
        r.header = h;
        r.message_id = message_id;
        r.message_state = MessageState::delivered;
        encode(r, out).value();
        break;
      }
      case CommandId::cancel_sm: {
        CancelSmResp r;
        r.header = h;
        encode(r, out).value();
        break;
      }
      case CommandId::replace_sm: {
        ReplaceSmResp r;
        r.header = h;
        encode(r, out).value();
        break;
      }
      default: {
        GenericNack r;
        r.header = {CommandStatus::invalid_command_id, seq};
        encode(r, out).value();
        break;
      }
    }
    return out;
  }

  void answer(Conn& c, CommandId id, CommandStatus status, std::uint32_t seq, std::uint64_t n) {
    c.queue(response_bytes(id, status, seq, n));
    ++responses_sent;
    if (outstanding > 0) --outstanding;
  }

  asio::awaitable<void> releaser(std::shared_ptr<Conn> c) {
    asio::steady_timer t(io_);
    while (!c->closed) {
      t.expires_after(options_.release_every);
      co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
      for (auto [id, seq] : c->held)
        answer(*c, id, CommandStatus::ok, seq, seq);
      c->held.clear();
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<Conn> c) {
    Framer framer;
    for (;;) {
      auto buf = framer.prepare();
      auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                        ::aiosmpp::detail::use_nothrow_awaitable);
      if (ec || c->closed) {
        c->close();
        co_return;
      }
      framer.commit(n);
      for (;;) {
        auto pdu = framer.next();
        if (!pdu || pdu->empty()) break;
        auto decoded = decode(*pdu);
        if (!decoded) continue;
        Pdu& p = *decoded;
        const auto seq = header_of(p).sequence_number;
        const CommandId id = command_id_of(p);
        switch (id) {
          case CommandId::bind_transmitter:
          case CommandId::bind_receiver:
          case CommandId::bind_transceiver: {
            std::visit(
                [&](const auto& b) {
                  if constexpr (requires { b.password; }) {
                    bound_system_ids.push_back(b.system_id);
                    bound_passwords.push_back(b.password);
                  }
                },
                p);
            ++binds;
            if (!options_.answer_bind) break;
            std::vector<std::uint8_t> out;
            const PduHeader h{options_.bind_status, seq};
            if (id == CommandId::bind_transmitter) {
              BindTransmitterResp r;
              r.header = h;
              r.system_id = "fake";
              encode(r, out).value();
            } else if (id == CommandId::bind_receiver) {
              BindReceiverResp r;
              r.header = h;
              r.system_id = "fake";
              encode(r, out).value();
            } else {
              BindTransceiverResp r;
              r.header = h;
              r.system_id = "fake";
              encode(r, out).value();
            }
            c->queue(out);
            break;
          }
          case CommandId::enquire_link: {
            ++enquire_links;
            if (options_.answer_enquire_link) {
              std::vector<std::uint8_t> out;
              EnquireLinkResp r;
              r.header.sequence_number = seq;
              encode(r, out).value();
              c->queue(out);
            }
            break;
          }
          case CommandId::unbind: {
            ++unbinds;
            if (options_.answer_unbind) {
              std::vector<std::uint8_t> out;
              UnbindResp r;
              r.header.sequence_number = seq;
              encode(r, out).value();
              c->queue(out);
            }
            break;
          }
          case CommandId::deliver_sm_resp:
          case CommandId::data_sm_resp:
            ++deliver_sm_resps;
            deliver_resp_statuses.push_back(header_of(p).command_status);
            break;
          case CommandId::generic_nack:
            ++generic_nacks;
            nack_statuses.push_back(header_of(p).command_status);
            break;
          case CommandId::enquire_link_resp:
          case CommandId::unbind_resp:
            break;
          default: {
            const std::uint64_t count = ++requests;
            ++outstanding;
            max_outstanding = std::max(max_outstanding, outstanding);
            request_sequence_numbers.push_back(seq);
            received_requests.push_back(p);
            Reply reply = options_.script ? options_.script(count, id) : Reply{};
            switch (reply.action) {
              case Reply::Action::respond:
                answer(*c, id, reply.status, seq, count);
                break;
              case Reply::Action::ignore:
                break;
              case Reply::Action::hold:
                c->held.emplace_back(id, seq);
                break;
              case Reply::Action::drop:
                c->close();
                co_return;
            }
          }
        }
      }
    }
  }

  asio::io_context& io_;
  Options options_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<Conn> conn_;
  std::uint32_t next_seq_ = 1;
};

}  // namespace aiosmpp::test
