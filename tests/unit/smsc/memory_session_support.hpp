#pragma once

// What the server-session tests over the in-memory transport share: the ESME's script (bind,
// one submit_sm, unbind), reading every PDU until the server closes, and stopping the server.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/pdu/framer.hpp"
#include "aiosmpp/smsc/server.hpp"
#include "support/catch.hpp"

namespace aiosmpp::test {

/** bind_transceiver (with `version` when given), one submit_sm, unbind: sequence numbers 1-3. */
inline std::vector<std::uint8_t> bind_submit_unbind(std::optional<InterfaceVersion> version = {}) {
  std::vector<std::uint8_t> out;
  BindTransceiver bind;
  bind.system_id = "esme";
  if (version) bind.interface_version = *version;
  bind.header.sequence_number = 1;
  encode(bind, out).value();
  SubmitSm submit;
  submit.source = PhoneNumber("1");
  submit.destination = PhoneNumber("2");
  submit.header.sequence_number = 2;
  encode(submit, out).value();
  Unbind unbind;
  unbind.header.sequence_number = 3;
  encode(unbind, out).value();
  return out;
}

/** Every PDU the server writes until it closes the connection (after unbind_resp). */
template <class Transport>
asio::awaitable<std::vector<Pdu>> read_until_closed(Transport& client) {
  std::vector<Pdu> got;
  Framer framer;
  for (;;) {
    auto buf = framer.prepare();
    auto [ec, n] = co_await client.read_some(buf);
    if (ec) break;
    framer.commit(n);
    while (true) {
      auto next = framer.next();
      REQUIRE(next);
      if (next->empty()) break;
      got.push_back(decode(*next).value());
    }
  }
  co_return got;
}

/** Stops `server` and runs `io` until its run() has completed (`done`), for at most 5 s. */
inline void stop_server(asio::io_context& io, smsc::Server& server, const bool& done) {
  using namespace std::chrono_literals;
  server.stop();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < until)
    io.run_one_for(50ms);
}

}  // namespace aiosmpp::test
