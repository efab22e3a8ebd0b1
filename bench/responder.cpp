// aiosmpp_responder: a minimal single-threaded SMPP responder for measuring a client in
// isolation. Binds anyone, answers submit_sm (and data_sm) with a message_id, enquire_link, unbind
// (then closes); ignores responses. Reads through the Framer, looks only at headers, and writes
// all answers to one read's worth of PDUs in one contiguous write.
//
//   aiosmpp_responder [--host 127.0.0.1] [--port 2775]   (--port 0: any free port)

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"

namespace {

using aiosmpp::detail::use_nothrow_awaitable;
using asio::ip::tcp;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// Appends a response: header plus an optional C-string body (message_id or system_id).
void respond(std::vector<std::uint8_t>& out, std::uint32_t id, std::uint32_t seq,
             std::string_view body, bool has_body) {
  const auto length = static_cast<std::uint32_t>(16 + (has_body ? body.size() + 1 : 0));
  out.reserve(out.size() + length);
  put_u32(out, length);
  put_u32(out, id | 0x80000000U);
  put_u32(out, 0);
  put_u32(out, seq);
  if (has_body) {
    out.insert(out.end(), body.begin(), body.end());
    out.push_back(0);
  }
}

asio::awaitable<void> serve(tcp::socket socket) {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  aiosmpp::Framer framer(aiosmpp::default_max_pdu_size, 32 * 1024);
  std::vector<std::uint8_t> out;
  std::uint64_t next_id = 1;
  char id_text[24];
  bool closing = false;
  while (!closing) {
    auto buf = framer.prepare();
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                   use_nothrow_awaitable);
    if (ec) break;
    framer.commit(n);
    out.clear();
    for (;;) {
      auto pdu = framer.next();
      if (!pdu) {
        closing = true;
        break;
      }
      if (pdu->empty()) break;
      auto h = aiosmpp::read_header(*pdu);
      if (!h) continue;
      const auto id = static_cast<std::uint32_t>(h->command_id);
      switch (h->command_id) {
        case aiosmpp::CommandId::submit_sm:
        case aiosmpp::CommandId::data_sm: {
          const int len = std::snprintf(id_text, sizeof id_text, "%llx",
                                        static_cast<unsigned long long>(next_id++));
          respond(out, id, h->sequence_number,
                  std::string_view(id_text, static_cast<std::size_t>(len)), true);
          break;
        }
        case aiosmpp::CommandId::bind_transmitter:
        case aiosmpp::CommandId::bind_receiver:
        case aiosmpp::CommandId::bind_transceiver:
          respond(out, id, h->sequence_number, "responder", true);
          break;
        case aiosmpp::CommandId::enquire_link:
          respond(out, id, h->sequence_number, {}, false);
          break;
        case aiosmpp::CommandId::unbind:
          respond(out, id, h->sequence_number, {}, false);
          closing = true;
          break;
        default:
          if (!aiosmpp::is_response(h->command_id)) {
            respond(out, id, h->sequence_number, {}, false);  // header-only _resp
          }
          break;
      }
    }
    if (!out.empty()) {
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(out), use_nothrow_awaitable);
      (void)wn;
      if (wec) break;
    }
  }
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow_awaitable);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          std::fprintf(stderr, "responder: session failed: %s\n", x.what());
        }
      }
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned long port = 2775;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--host") {
      host = argv[i + 1];
    } else if (arg == "--port") {
      port = std::strtoul(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--host H] [--port P]\n", argv[0]);
      return 2;
    }
  }
  if (port > 65535) {  // 0: a free port, printed in the listening line
    std::fprintf(stderr, "responder: --port must be 0..65535\n");
    return 2;
  }
  asio::io_context io(1);
  tcp::acceptor acceptor(io, {asio::ip::make_address(host), static_cast<std::uint16_t>(port)});
  std::printf("responder listening on %s:%u\n", host.c_str(),
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code, int) {
    std::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  });
  asio::co_spawn(io, accept_loop(acceptor), [](std::exception_ptr) {});
  io.run();
  return 0;
}
