// sim_load: a minimal, fast SMPP load client for measuring aiosmpp-smsc-sim (or any SMSC).
// It binds, keeps `--window` submit_sm in flight until `--count` have been answered, answers any
// deliver_sm (receipts) it gets, and prints one line: messages per second and the outcome counts.
//
//   aiosmpp-smsc-sim --port 2775 &
//   sim_load --port 2775 --count 1000000 --window 100
//
// It follows docs/performance.md: PDUs are encoded once and copied into one contiguous write
// buffer per batch (sequence number patched in place), the window is an integer, and the writer
// waits on a timer used as a condition variable.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"

namespace {

using aiosmpp::detail::use_nothrow_awaitable;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "2775";
  std::uint64_t count = 1'000'000;
  std::uint64_t window = 100;
  bool receipts = false;
  std::string bind = "trx";
};

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

struct Load {
  explicit Load(asio::io_context& io, Options o) : socket(io), wake(io), opts(std::move(o)) {
    aiosmpp::SubmitSm s;
    s.source = aiosmpp::PhoneNumber("12345");
    s.destination = aiosmpp::PhoneNumber("447700900123");
    s.short_message = "Hello from sim_load, a typical short message.";
    s.registered_delivery = opts.receipts ? aiosmpp::RegisteredDelivery::receipt_always
                                          : aiosmpp::RegisteredDelivery::none;
    aiosmpp::encode(s, submit).value();
    wake.expires_at(asio::steady_timer::time_point::max());
  }

  asio::awaitable<void> writer() {
    std::vector<std::uint8_t> buf;
    buf.reserve(64 * 1024);
    while (answered < opts.count) {
      buf.clear();
      buf.insert(buf.end(), acks.begin(), acks.end());
      acks.clear();
      while (sent < opts.count && in_flight < opts.window && buf.size() < 32 * 1024) {
        const auto at = buf.size();
        buf.insert(buf.end(), submit.begin(), submit.end());
        put_u32(buf.data() + at + 12, ++seq);
        ++sent;
        ++in_flight;
      }
      if (buf.empty()) {
        co_await wake.async_wait(use_nothrow_awaitable);
        continue;
      }
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(buf), use_nothrow_awaitable);
      (void)n;
      if (ec) {
        std::fprintf(stderr, "write: %s\n", ec.message().c_str());
        co_return;
      }
    }
  }

  asio::awaitable<void> reader() {
    std::vector<std::uint8_t> buf(64 * 1024);
    std::size_t have = 0;
    while (answered < opts.count) {
      auto [ec, n] = co_await socket.async_read_some(
          asio::buffer(buf.data() + have, buf.size() - have), use_nothrow_awaitable);
      if (ec) {
        std::fprintf(stderr, "read: %s\n", ec.message().c_str());
        failed = true;
        wake.cancel();
        co_return;
      }
      have += n;
      std::size_t at = 0;
      bool woke = false;
      while (have - at >= 16) {
        const std::uint32_t len = get_u32(buf.data() + at);
        if (len < 16 || len > buf.size()) {
          std::fprintf(stderr, "bad command_length %u\n", len);
          failed = true;
          co_return;
        }
        if (have - at < len) break;
        const std::uint32_t id = get_u32(buf.data() + at + 4);
        const std::uint32_t status = get_u32(buf.data() + at + 8);
        const std::uint32_t s = get_u32(buf.data() + at + 12);
        if (id == 0x80000004U) {
          ++answered;
          --in_flight;
          if (status != 0) ++errors;
          woke = true;
        } else if (id == 0x00000005U || id == 0x00000015U) {
          // deliver_sm (a receipt) or enquire_link: answer it.
          const std::uint8_t resp[17] = {0,    0, 0, static_cast<std::uint8_t>(id == 5 ? 17 : 16),
                                         0x80, 0, 0, static_cast<std::uint8_t>(id),
                                         0,    0, 0, 0,
                                         0,    0, 0, 0,
                                         0};
          const auto at_ack = acks.size();
          acks.insert(acks.end(), resp, resp + (id == 5 ? 17 : 16));
          put_u32(acks.data() + at_ack + 12, s);
          if (id == 5) ++receipts;
          woke = true;
        }
        at += len;
      }
      std::memmove(buf.data(), buf.data() + at, have - at);
      have -= at;
      if (woke) wake.cancel();
    }
    wake.cancel();
  }

  asio::ip::tcp::socket socket;
  asio::steady_timer wake;
  Options opts;
  std::vector<std::uint8_t> submit;
  std::vector<std::uint8_t> acks;
  std::uint64_t sent = 0, answered = 0, in_flight = 0, errors = 0, receipts = 0;
  std::uint32_t seq = 1;
  bool failed = false;
};

asio::awaitable<void> run(Load& load) {
  asio::ip::tcp::resolver resolver(load.socket.get_executor());
  auto endpoints =
      co_await resolver.async_resolve(load.opts.host, load.opts.port, asio::use_awaitable);
  co_await asio::async_connect(load.socket, endpoints, asio::use_awaitable);
  load.socket.set_option(asio::ip::tcp::no_delay(true));
  std::vector<std::uint8_t> out;
  if (load.opts.bind == "tx") {
    aiosmpp::BindTransmitter b;
    b.system_id = "sim_load";
    b.header.sequence_number = 1;
    aiosmpp::encode(b, out).value();
  } else {
    aiosmpp::BindTransceiver b;
    b.system_id = "sim_load";
    b.header.sequence_number = 1;
    aiosmpp::encode(b, out).value();
  }
  co_await asio::async_write(load.socket, asio::buffer(out), asio::use_awaitable);
  std::uint8_t header[16];
  co_await asio::async_read(load.socket, asio::buffer(header), asio::use_awaitable);
  std::vector<std::uint8_t> rest(get_u32(header) - 16);
  co_await asio::async_read(load.socket, asio::buffer(rest), asio::use_awaitable);
  if (get_u32(header + 8) != 0) throw std::runtime_error("bind rejected");

  const auto start = std::chrono::steady_clock::now();
  using namespace aiosmpp::detail::awaitable_operators;
  co_await (load.reader() && load.writer());
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "sim_load: %llu submit_sm in %.3f s = %.0f msg/s (window %llu, %llu error responses, %llu "
      "receipts answered)\n",
      static_cast<unsigned long long>(load.answered), secs,
      static_cast<double>(load.answered) / secs, static_cast<unsigned long long>(load.opts.window),
      static_cast<unsigned long long>(load.errors), static_cast<unsigned long long>(load.receipts));
  // Unbind politely so the simulator's statistics show a clean end.
  aiosmpp::Unbind u;
  u.header.sequence_number = ++load.seq;
  out.clear();
  aiosmpp::encode(u, out).value();
  auto [ec, n] = co_await asio::async_write(load.socket, asio::buffer(out), use_nothrow_awaitable);
  (void)ec;
  (void)n;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--host") {
      o.host = v;
    } else if (k == "--port") {
      o.port = v;
    } else if (k == "--count") {
      o.count = std::strtoull(v, nullptr, 10);
    } else if (k == "--window") {
      o.window = std::strtoull(v, nullptr, 10);
    } else if (k == "--receipts") {
      o.receipts = std::string_view(v) == "on";
    } else if (k == "--bind") {
      o.bind = v;
    } else {
      std::fprintf(stderr,
                   "usage: sim_load [--host H] [--port P] [--count N] [--window W] "
                   "[--receipts on|off] [--bind trx|tx]\n");
      return 2;
    }
  }
  if (o.window == 0 || o.count == 0) {
    std::fprintf(stderr, "sim_load: --window and --count must be at least 1\n");
    return 2;
  }
  asio::io_context io(1);
  Load load(io, o);
  int rc = 0;
  asio::co_spawn(io, run(load), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "sim_load: %s\n", ex.what());
      rc = 1;
    }
  });
  io.run();
  return rc != 0 || load.failed ? 1 : 0;
}
