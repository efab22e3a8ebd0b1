// Fuzz target: what an ESME can do to a server session, with the simulator behind it (receipts
// and MO on).
//
// One Simulator runs for the whole run, without a listening socket: each input is one connection
// over the in-memory transport (tests/support/memory_transport.hpp, a bounded pipe each way)
// handed to its Server with serve(). The simulator sends receipts after 0-2 ms and MO at 2,000/s
// to receivers; its window is 2 and its write high-water 1 KiB, so the backlog, the receipt
// queues and the reader's wait for the writer are all exercised; its receipt bounds are small, so
// ESME_RMSGQFUL is too. It speaks SMPP 5.0 to an ESME that binds with 0x50 (broadcast_sm,
// query_broadcast_sm, cancel_broadcast_sm, congestion_state), 3.4 to the others.
//
// Two input forms:
// - Raw (any input not starting with 0xA5): the bytes are written as they are, then the client
//   shuts down its sending side and reads until the server closes.
// - Program (0xA5 first): the rest is a sequence of operations, one octet each plus arguments,
//   interleaving valid PDUs (binds of each kind, submit_sm and data_sm asking for receipts, some
//   with addresses a receipt cannot carry, answers to the deliver_sm read so far with chosen
//   statuses, enquire_link, query_sm, unbind), raw garbage, PDUs split into pieces, pauses that
//   let receipts and MO arrive, and stretches where the client stops reading.
//
// Properties:
// - No crash, leak or sanitizer report (libFuzzer and ASan check those); nothing escapes into the
//   simulator (its run() would end: checked after every input).
// - The session never hangs: it ends within a deadline after the client's end of stream.
// - Every whole PDU the server writes is a valid PDU (frames and decodes).
// - The simulator's counters stay consistent: every submit_sm counted once
//   (submits = accepted + submit_errors + withheld).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "../support/memory_transport.hpp"
#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using aiosmpp::test::memory_transport_pair;
using aiosmpp::test::MemoryTransport;

constexpr auto deadline = 5s;
// Waiting a program may do in all (pauses and stretches without reading): libFuzzer's -timeout
// is 10 s, and an input of a few thousand pauses must not reach it.
constexpr auto wait_budget = std::chrono::microseconds(1s);
constexpr std::uint8_t program_magic = 0xA5;

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

SimConfig sim_config() {
  SimConfig c;
  c.port = 0;
  c.stats_interval = 0ms;
  c.receipt_delay = {0ms, 2ms};
  c.receipt_states = {{text::DeliveryState::delivered, 3}, {text::DeliveryState::undeliverable, 1}};
  c.mo_rate = 2000;
  c.mo.text = std::string(200, 'm');  // two segments
  c.window = 2;
  c.write_high_water = 1024;
  c.max_pdu_size = 4096;  // reached by fuzzed lengths without big inputs
  c.max_receipts_per_session = 50;
  c.max_receipts = 500;
  c.max_mo_per_session = 8;
  c.max_mo = 64;
  c.response_timeout = 200ms;
  c.receipt_retry = {1ms, 4ms};
  c.bind_failure_delay = 1ms;
  c.credentials = {{"a", "pw"}, {"b", "pw"}};
  c.seed = 1;
  // SMPP 5.0 to a 0x50 bind (3.4 to the others): the broadcast handlers and congestion_state
  // too, with a store small enough that fuzzed broadcasts evict.
  c.interface_version = InterfaceVersion::smpp_5_0;
  c.congestion_capacity = 1000;
  c.max_broadcasts = 4;
  c.max_broadcast_areas = 2;
  return c;
}

struct Environment {
  Environment() : sim(io.get_executor(), sim_config()) {
    asio::co_spawn(io, sim.run(), [this](std::exception_ptr e) {
      ended = true;
      rethrow(e);
    });
  }
  asio::io_context io;
  Simulator sim;
  bool ended = false;
};

Environment& environment() {
  // Never destroyed: the simulator's run() must outlive every input, and a static destructor
  // racing libFuzzer's exit would only add noise. It stays reachable, so LeakSanitizer is quiet.
  static Environment* env = new Environment();
  return *env;
}

struct Client {
  std::unique_ptr<MemoryTransport> transport;
  std::vector<std::uint8_t> received;
  std::size_t parsed = 0;                // octets of `received` scanned for deliver_sm
  std::vector<std::uint32_t> to_answer;  // deliver_sm sequence numbers not answered yet
  std::vector<std::string> message_ids;  // from submit_sm_resp, for query_sm
  bool reading = true;                   // a program may stop reading for a while
  std::chrono::microseconds waited{0};   // of wait_budget
  bool write_done = false;
  bool read_done = false;
};

// Scans what arrived for deliver_sm to answer and message ids to query.
void scan(Client& c) {
  while (c.received.size() - c.parsed >= 16) {
    const std::uint8_t* p = c.received.data() + c.parsed;
    const std::uint32_t len = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                              (std::uint32_t{p[2]} << 8) | p[3];
    if (len < 16 || c.received.size() - c.parsed < len) return;
    auto pdu = decode_view(std::span(p, len));
    if (pdu) {
      if (auto* d = std::get_if<DeliverSmView>(&*pdu))
        c.to_answer.push_back(d->header.sequence_number);
      if (auto* r = std::get_if<SubmitSmRespView>(&*pdu); r && c.message_ids.size() < 16) {
        c.message_ids.emplace_back(r->message_id);
      }
    }
    c.parsed += len;
  }
}

asio::awaitable<void> pause(Client& c, std::chrono::microseconds d) {
  if (c.waited + d > wait_budget) co_return;
  c.waited += d;
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(aiosmpp::detail::use_nothrow_awaitable);
}

asio::awaitable<void> client_read(std::shared_ptr<Client> c) {
  std::uint8_t buf[4096];
  for (;;) {
    // A stretch without reading lasts at most 50 ms: long enough for the server's writes to
    // block and its reader to stop (write_high_water), short enough not to wait for its
    // inactivity deadline.
    for (int waited = 0;
         !c->reading && !c->write_done && waited < 250 && c->waited + 200us <= wait_budget;
         ++waited)
      co_await pause(*c, 200us);
    c->reading = true;
    auto [ec, n] = co_await c->transport->read_some(buf);
    c->received.insert(c->received.end(), buf, buf + n);
    scan(*c);
    if (ec) break;
  }
  c->read_done = true;
}

// Reads the program's operands; zero past the end.
struct Ops {
  std::span<const std::uint8_t> in;
  std::size_t at = 0;
  bool more() const { return at < in.size(); }
  std::uint8_t next() { return at < in.size() ? in[at++] : 0; }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, in.size() - at);
    auto s = in.subspan(at, n);
    at += n;
    return s;
  }
};

template <class P>
std::vector<std::uint8_t> encoded(P pdu, std::uint32_t seq) {
  pdu.header.sequence_number = seq;
  std::vector<std::uint8_t> out;
  (void)encode(pdu, out);
  return out;
}

std::vector<std::uint8_t> bind_op(Ops& ops, std::uint32_t seq) {
  const std::uint8_t a = ops.next();
  const char* ids[] = {"a", "b", "c"};
  const char* system_id = ids[a % 3];
  const char* password = (a & 0x10) != 0 ? "wrong" : "pw";
  switch ((a >> 2) % 3) {
    case 0: {
      BindTransmitter b;
      b.system_id = system_id;
      b.password = password;
      return encoded(b, seq);
    }
    case 1: {
      BindReceiver b;
      b.system_id = system_id;
      b.password = password;
      return encoded(b, seq);
    }
    default: {
      BindTransceiver b;
      b.system_id = system_id;
      b.password = password;
      return encoded(b, seq);
    }
  }
}

std::vector<std::uint8_t> message_op(Ops& ops, std::uint32_t seq, bool data_sm) {
  const std::uint8_t a = ops.next();
  const auto rd = static_cast<RegisteredDelivery>(a & 0x03);
  // Some sources are longer than a deliver_sm may carry (data_sm allows 64): their receipts
  // must be dropped, not thrown.
  const std::string source = (a & 0x04) != 0 ? std::string(30, '7') : "447700900123";
  if (data_sm) {
    DataSm d;
    d.source = PhoneNumber(source);
    d.destination = PhoneNumber("1234");
    d.registered_delivery = rd;
    return encoded(d, seq);
  }
  SubmitSm s;
  s.source = PhoneNumber(source.size() > 20 ? source.substr(0, 20) : source);
  s.destination = PhoneNumber("1234");
  s.registered_delivery = rd;
  s.short_message = std::string(a >> 3, 'x');
  return encoded(s, seq);
}

std::vector<std::uint8_t> answers_op(Client& c, Ops& ops) {
  const std::uint8_t a = ops.next();
  const CommandStatus statuses[] = {CommandStatus::ok, CommandStatus::ok,
                                    CommandStatus::receiver_temporary_error,
                                    CommandStatus::throttled, CommandStatus::system_error};
  std::vector<std::uint8_t> out;
  for (auto seq : c.to_answer) {
    DeliverSmResp r;
    r.header.command_status = statuses[(a + seq) % 5];
    auto b = encoded(r, seq);
    out.insert(out.end(), b.begin(), b.end());
  }
  c.to_answer.clear();
  return out;
}

asio::awaitable<bool> send(Client& c, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) co_return true;
  auto [ec, n] = co_await c.transport->write(bytes);
  (void)n;
  co_return !ec;
}

asio::awaitable<void> run_program(std::shared_ptr<Client> c, std::span<const std::uint8_t> in) {
  Ops ops{in};
  std::uint32_t seq = 1;
  bool ok = true;
  while (ok && ops.more()) {
    const std::uint8_t op = ops.next();
    std::vector<std::uint8_t> bytes;
    switch (op % 12) {
      case 0:
        bytes = bind_op(ops, seq++);
        break;
      case 1:
      case 2:
        bytes = message_op(ops, seq++, false);
        break;
      case 3:
        bytes = message_op(ops, seq++, true);
        break;
      case 4:
        bytes = answers_op(*c, ops);
        break;
      case 5:
        bytes = encoded(EnquireLink{}, seq++);
        break;
      case 6: {
        QuerySm q;
        q.message_id =
            c->message_ids.empty() ? "1" : c->message_ids[ops.next() % c->message_ids.size()];
        q.source = PhoneNumber("447700900123");
        bytes = encoded(q, seq++);
        break;
      }
      case 7:
        co_await pause(*c, std::chrono::microseconds(100 * (ops.next() % 32)));
        continue;
      case 8:
        c->reading = !c->reading;  // stop (or resume) reading: the server's writes block
        continue;
      case 9: {
        auto raw = ops.take(ops.next() % 64);
        bytes.assign(raw.begin(), raw.end());
        break;
      }
      case 10: {
        // A valid submit_sm written in two pieces with a pause between them.
        auto whole = message_op(ops, seq++, false);
        const std::size_t cut = ops.next() % whole.size();
        ok = co_await send(*c, std::span(whole).first(cut));
        co_await pause(*c, 200us);
        bytes.assign(whole.begin() + static_cast<std::ptrdiff_t>(cut), whole.end());
        break;
      }
      default:
        bytes = encoded(Unbind{}, seq++);
        break;
    }
    ok = ok && co_await send(*c, bytes);
  }
  c->reading = true;
  if (ok) co_await c->transport->shutdown();
  c->write_done = true;
}

asio::awaitable<void> run_raw(std::shared_ptr<Client> c, std::span<const std::uint8_t> in) {
  // Errors (the server closed after a framing error) end the write; they are not failures.
  if (co_await send(*c, in)) co_await c->transport->shutdown();
  c->write_done = true;
}

void check_output(std::span<const std::uint8_t> out) {
  Framer framer;
  framer.append(out);
  for (;;) {
    auto next = framer.next();
    AIOSMPP_FUZZ_CHECK(next.has_value(), "the server writes well-framed PDUs");
    if (next->empty()) break;
    const auto decoded = decode_view(*next);
    if (!decoded) std::fprintf(stderr, "server wrote: %s\n", decoded.error().message().c_str());
    AIOSMPP_FUZZ_CHECK(decoded.has_value(), "every PDU the server writes decodes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Environment& env = environment();
  // 16 KiB pipes: an input that makes the server write more than that before it is read
  // exercises the server's blocked writer.
  auto [ours, theirs] = memory_transport_pair(env.io.get_executor(), 16 * 1024);
  auto client = std::make_shared<Client>();
  client->transport = std::move(ours);
  AIOSMPP_FUZZ_CHECK(env.sim.server().serve(std::move(theirs)) != nullptr,
                     "the server takes the pipe");
  const std::vector<std::uint8_t> input(data, data + size);
  const bool program = !input.empty() && input.front() == program_magic;
  if (program) {
    asio::co_spawn(env.io, run_program(client, std::span(input).subspan(1)), rethrow);
  } else {
    asio::co_spawn(env.io, run_raw(client, input), rethrow);
  }
  asio::co_spawn(env.io, client_read(client), rethrow);

  // The deadline runs from the client's end of stream (a program's own waits are bounded by
  // wait_budget).
  auto until = std::chrono::steady_clock::time_point::max();
  while (!(client->write_done && client->read_done && env.sim.server().session_count() == 0)) {
    if (client->write_done && until == std::chrono::steady_clock::time_point::max())
      until = std::chrono::steady_clock::now() + deadline;
    if (std::chrono::steady_clock::now() > until) {
      std::fprintf(stderr, "session did not end within 5 s (write %d, read %d, sessions %zu)\n",
                   client->write_done, client->read_done, env.sim.server().session_count());
      std::abort();
    }
    env.io.run_one_for(100ms);
  }
  client->transport->close();
  AIOSMPP_FUZZ_CHECK(!env.ended, "nothing a session does ends the simulator");
  check_output(client->received);
  const auto s = env.sim.stats();
  AIOSMPP_FUZZ_CHECK(s.submits == s.accepted + s.submit_errors + s.withheld,
                     "every submit_sm is counted once");
  return 0;
}
