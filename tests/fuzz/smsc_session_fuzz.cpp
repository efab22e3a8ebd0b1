// Fuzz target: arbitrary bytes from an ESME to a server session.
//
// One Server runs for the whole run, without a listening socket. Each input is one connection
// over the in-memory transport (tests/support/memory_transport.hpp, a bounded pipe each way): the
// client writes the input, shuts down its sending side and reads until the server closes, while
// the io_context runs on this thread until the session has ended. Handlers accept binds, answer
// submit_sm now or later (an odd sequence_number is answered from a posted handler, which may
// find the session gone), and a bound receiver is sent a deliver_sm and a data_sm, so that
// responses in the input can meet requests in flight.
//
// Properties:
// - No crash, leak or sanitizer report (libFuzzer and ASan check those).
// - The session never hangs: the connection and the session end within a deadline after the
//   client's end of stream (it aborts otherwise, which libFuzzer reports as a crash).
// - Every whole PDU the server writes is a valid PDU (frames and decodes); the server never
//   answers garbage with garbage.

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
#include <asio/post.hpp>

#include "../support/memory_transport.hpp"
#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using aiosmpp::test::memory_transport_pair;
using aiosmpp::test::MemoryTransport;

constexpr auto deadline = 5s;

Handlers make_handlers(asio::any_io_executor executor) {
  Handlers h;
  h.bind = [](Session&, const BindRequest& bind) {
    return bind.system_id == "reject" ? CommandStatus::invalid_password : CommandStatus::ok;
  };
  h.submit_sm = [executor](Session& session, const SubmitSmView&, SubmitSmResp& resp) {
    resp.message_id = "m" + std::to_string(resp.header.sequence_number);
    if ((resp.header.sequence_number & 1u) == 0) return Reply::now;
    // Answered later; by then the session may be closing, which respond() must tolerate.
    asio::post(executor,
               [self = session.shared_from_this(), later = resp] { (void)self->respond(later); });
    return Reply::later;
  };
  h.data_sm = [](Session&, const DataSmView&, DataSmResp& resp) {
    resp.message_id = "d" + std::to_string(resp.header.sequence_number);
    return Reply::now;
  };
  h.query_sm = [](Session&, const QuerySmView& query, QuerySmResp& resp) {
    resp.message_id = std::string(query.message_id);
    resp.message_state = MessageState::delivered;
    return Reply::now;
  };
  h.on_bound = [](Session& session) {
    if (!session.can_receive()) return;
    DeliverSm deliver;
    deliver.source = PhoneNumber("447700900123");
    deliver.destination = PhoneNumber("12345");
    deliver.short_message = "hello";
    (void)session.send(deliver, [](std::error_code, const PduView*) {});
    DataSm data;
    data.source = PhoneNumber("447700900124");
    data.destination = PhoneNumber("12345");
    (void)session.send(data, [](std::error_code, const PduView*) {});
    (void)session.enquire_link();
  };
  return h;
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

struct Environment {
  Environment() : server(io.get_executor(), config(), make_handlers(io.get_executor())) {
    asio::co_spawn(io, server.run(), rethrow);
  }

  static ServerConfig config() {
    ServerConfig c;
    c.max_pdu_size = 4096;      // reached by fuzzed lengths without big inputs
    c.write_high_water = 1024;  // the reader's wait for the writer is exercised
    c.window = 2;               // and the backlog of server requests
    return c;
  }

  asio::io_context io;
  Server server;
};

Environment& environment() {
  // Never destroyed: the Server's run() must outlive every input, and a static destructor
  // racing libFuzzer's exit would only add noise. It stays reachable, so LeakSanitizer is quiet.
  static Environment* env = new Environment();
  return *env;
}

struct Client {
  std::unique_ptr<MemoryTransport> transport;
  std::vector<std::uint8_t> received;
  bool connected = false;
  bool write_done = false;
  bool read_done = false;
};

asio::awaitable<void> client_write(std::shared_ptr<Client> c, std::span<const std::uint8_t> in) {
  // Errors (the server closed after a framing error) end the write; they are not failures.
  auto [ec, n] = co_await c->transport->write(in);
  (void)n;
  if (!ec) co_await c->transport->shutdown();
  c->write_done = true;
}

asio::awaitable<void> client_read(std::shared_ptr<Client> c) {
  std::uint8_t buf[4096];
  for (;;) {
    auto [ec, n] = co_await c->transport->read_some(buf);
    c->received.insert(c->received.end(), buf, buf + n);
    if (ec) break;
  }
  c->read_done = true;
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
  // 16 KiB pipes: an input that makes the server write more than that before it is read exercises
  // the server's blocked writer.
  auto [ours, theirs] = memory_transport_pair(env.io.get_executor(), 16 * 1024);
  auto client = std::make_shared<Client>(Client{std::move(ours), {}, false, false, false});
  AIOSMPP_FUZZ_CHECK(env.server.serve(std::move(theirs)) != nullptr, "the server takes the pipe");
  const std::vector<std::uint8_t> input(data, data + size);

  asio::co_spawn(env.io, client_write(client, input), rethrow);
  asio::co_spawn(env.io, client_read(client), rethrow);

  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!(client->write_done && client->read_done && env.server.session_count() == 0)) {
    if (std::chrono::steady_clock::now() > until) {
      std::fprintf(stderr, "session did not end within 5 s (write %d, read %d, sessions %zu)\n",
                   client->write_done, client->read_done, env.server.session_count());
      std::abort();
    }
    env.io.run_one_for(100ms);
  }
  client->transport->close();
  check_output(client->received);
  return 0;
}
