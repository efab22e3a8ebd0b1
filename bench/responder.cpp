// aiosmpp_responder: a minimal single-threaded SMPP responder for measuring a client in
// isolation. Binds anyone, answers submit_sm (and data_sm) with a message_id, enquire_link, unbind
// (then closes); ignores responses. Reads through the Framer, looks only at headers, and writes
// all answers to one read's worth of PDUs in one contiguous write.
//
// With --receipts on it also answers each submit_sm asking for a receipt (registered_delivery 1
// or 3) with a delivery receipt right after its submit_sm_resp: a deliver_sm with the addresses
// swapped, esm_class 0x04, the Appendix B text (stat:DELIVRD) and the receipted_message_id and
// message_state TLVs, as aiosmpp-smsc-sim writes it by default (ReceiptStyle::both), but at once
// (no delay, no window) and without keeping anything; the deliver_sm_resp are ignored. That is
// the least work a server can do for a receipt, for comparing the simulator like for like
// (bench/sim_bench.sh). One clock read per read batch, for the receipt dates.
//
//   aiosmpp_responder [--host 127.0.0.1] [--port 2775] [--receipts on|off]
//   (--port 0: any free port)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <span>
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

bool receipts_on = false;

// A C-octet string at `at` of at most `max` octets with its NUL; advances `at`. False when none.
bool c_string(const std::uint8_t*& at, const std::uint8_t* end, std::size_t max,
              std::string_view& out) {
  const auto* limit = at + std::min<std::size_t>(max, static_cast<std::size_t>(end - at));
  const auto* nul =
      static_cast<const std::uint8_t*>(std::memchr(at, 0, static_cast<std::size_t>(limit - at)));
  if (nul == nullptr) return false;
  out = std::string_view(reinterpret_cast<const char*>(at), static_cast<std::size_t>(nul - at));
  at = nul + 1;
  return true;
}

// What a receipt needs from a submit_sm (§4.4.1), read in place.
struct SubmitFields {
  std::uint8_t source_ton = 0, source_npi = 0, dest_ton = 0, dest_npi = 0;
  std::string_view source, dest, text;
  std::uint8_t registered_delivery = 0;
};

bool parse_submit(std::span<const std::uint8_t> pdu, SubmitFields& f) {
  const auto* at = pdu.data() + 16;
  const auto* end = pdu.data() + pdu.size();
  std::string_view skip;
  if (!c_string(at, end, 6, skip) || end - at < 2) return false;
  f.source_ton = at[0];
  f.source_npi = at[1];
  at += 2;
  if (!c_string(at, end, 21, f.source) || end - at < 2) return false;
  f.dest_ton = at[0];
  f.dest_npi = at[1];
  at += 2;
  if (!c_string(at, end, 21, f.dest) || end - at < 3) return false;
  at += 3;  // esm_class, protocol_id, priority_flag
  if (!c_string(at, end, 17, skip) || !c_string(at, end, 17, skip) || end - at < 5) return false;
  f.registered_delivery = at[0];
  const std::size_t sm_length = at[4];
  at += 5;  // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
  if (static_cast<std::size_t>(end - at) < sm_length) return false;
  f.text =
      std::string_view(reinterpret_cast<const char*>(at), std::min<std::size_t>(sm_length, 20));
  return true;
}

// "YYMMDDhhmm" (UTC) for the receipt dates, formatted again only when the minute changes.
struct ReceiptDate {
  char text[11] = {};
  std::int64_t minute = -1;
  std::string_view at(std::chrono::system_clock::time_point now) {
    const auto m = std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count();
    if (m != minute) {
      minute = m;
      const std::time_t t = static_cast<std::time_t>(m * 60);
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::strftime(text, sizeof text, "%y%m%d%H%M", &tm);
    }
    return {text, 10};
  }
};

std::uint8_t* put(std::uint8_t* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
std::uint8_t* put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
  return p + 4;
}
std::uint8_t* put_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
  return p + 2;
}

// Appends the deliver_sm receipt for `f`, whose message_id is `id`: sized first, then written
// through a pointer.
void append_receipt(std::vector<std::uint8_t>& out, const SubmitFields& f, std::string_view id,
                    std::string_view date, std::uint32_t seq) {
  constexpr std::string_view a = " sub:001 dlvrd:001 submit date:";
  constexpr std::string_view b = " done date:";
  constexpr std::string_view c = " stat:DELIVRD err:000 text:";
  const std::size_t sm =
      3 + id.size() + a.size() + date.size() + b.size() + date.size() + c.size() + f.text.size();
  const std::size_t length = 16 + 1 + 2 + f.dest.size() + 1 + 2 + f.source.size() + 1 + 3 + 2 + 4 +
                             1 + sm + 4 + id.size() + 1 + 4 + 1;
  const auto at = out.size();
  out.resize(at + length);
  auto* p = out.data() + at;
  p = put_u32(p, static_cast<std::uint32_t>(length));
  p = put_u32(p, 0x00000005);  // deliver_sm
  p = put_u32(p, 0);
  p = put_u32(p, seq);
  *p++ = 0;  // service_type ""
  *p++ = f.dest_ton;
  *p++ = f.dest_npi;
  p = put(p, f.dest);
  *p++ = 0;
  *p++ = f.source_ton;
  *p++ = f.source_npi;
  p = put(p, f.source);
  *p++ = 0;
  *p++ = 0x04;  // esm_class: SMSC delivery receipt
  *p++ = 0;     // protocol_id
  *p++ = 0;     // priority_flag
  *p++ = 0;     // schedule_delivery_time ""
  *p++ = 0;     // validity_period ""
  *p++ = 0;     // registered_delivery
  *p++ = 0;     // replace_if_present_flag
  *p++ = 0;     // data_coding
  *p++ = 0;     // sm_default_msg_id
  *p++ = static_cast<std::uint8_t>(sm);
  p = put(p, "id:");
  p = put(p, id);
  p = put(p, a);
  p = put(p, date);
  p = put(p, b);
  p = put(p, date);
  p = put(p, c);
  p = put(p, f.text);
  p = put_u16(p, 0x001E);  // receipted_message_id
  p = put_u16(p, static_cast<std::uint16_t>(id.size() + 1));
  p = put(p, id);
  *p++ = 0;
  p = put_u16(p, 0x0427);  // message_state
  p = put_u16(p, 1);
  *p = 2;  // DELIVERED
}

asio::awaitable<void> serve(tcp::socket socket) {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  aiosmpp::Framer framer(aiosmpp::default_max_pdu_size, 32 * 1024);
  std::vector<std::uint8_t> out;
  std::uint64_t next_id = 1;
  char id_text[24];
  std::uint32_t next_seq = 1;
  ReceiptDate dates;
  bool closing = false;
  while (!closing) {
    auto buf = framer.prepare();
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                   use_nothrow_awaitable);
    if (ec) break;
    framer.commit(n);
    out.clear();
    std::string_view date;  // read once per batch, when a receipt needs it
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
          const std::string_view message_id(id_text, static_cast<std::size_t>(len));
          respond(out, id, h->sequence_number, message_id, true);
          SubmitFields f;
          if (receipts_on && h->command_id == aiosmpp::CommandId::submit_sm &&
              parse_submit(*pdu, f) &&
              ((f.registered_delivery & 0x03) == 1 || (f.registered_delivery & 0x03) == 3)) {
            if (date.empty()) date = dates.at(std::chrono::system_clock::now());
            append_receipt(out, f, message_id, date, next_seq++);
          }
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
    } else if (arg == "--receipts") {
      receipts_on = std::string_view(argv[i + 1]) == "on";
    } else {
      std::fprintf(stderr, "usage: %s [--host H] [--port P] [--receipts on|off]\n", argv[0]);
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
