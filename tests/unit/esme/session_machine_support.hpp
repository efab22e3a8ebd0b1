#pragma once

// Drives the Esme's SessionMachine with bytes and a fake clock: no socket, no timer, no
// coroutine. The SMSC side is written as PDUs and encoded here; what the machine writes is
// decoded back into PDUs.

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aiosmpp/esme/sequence_generator.hpp"
#include "aiosmpp/esme/throttle_handler.hpp"
#include "aiosmpp/pdu/codec.hpp"
#include "esme/session_machine.hpp"
#include "support/catch.hpp"

namespace aiosmpp::test {

using namespace std::chrono_literals;
using ::aiosmpp::detail::Events;
using ::aiosmpp::detail::IncomingEvent;
using ::aiosmpp::detail::OutcomeEvent;
using ::aiosmpp::detail::Phase;
using ::aiosmpp::detail::RegisterEvent;
using ::aiosmpp::detail::SessionMachine;

/** Counts what the machine reports to the throttle handler; never denies. */
class CountingThrottle final : public ThrottleHandler {
 public:
  void record_responses(std::size_t t, std::size_t n) override {
    throttled += t;
    not_throttled += n;
  }
  bool allow_request(Clock::time_point) override { return true; }
  Clock::duration throttle_delay() override { return 1s; }
  std::size_t throttled = 0;
  std::size_t not_throttled = 0;
};

inline std::uint32_t seq_of(const Pdu& pdu) {
  return header_of(pdu).sequence_number;
}

inline std::vector<Pdu> pdus(std::initializer_list<SubmitSm> list) {
  return {list.begin(), list.end()};
}

inline std::vector<std::uint8_t> bytes_of(const Pdu& pdu) {
  std::vector<std::uint8_t> out;
  auto r = encode(pdu, out);
  REQUIRE(r);
  return out;
}

inline SubmitSm submit(std::string log_id, std::string text = "hello",
                       RegisteredDelivery receipt = RegisteredDelivery::none) {
  SubmitSm s;
  s.source = PhoneNumber("1000");
  s.destination = PhoneNumber("254722000001");
  s.short_message = std::move(text);
  s.registered_delivery = receipt;
  s.tracking.log_id = std::move(log_id);
  return s;
}

inline Pdu submit_resp(std::uint32_t seq, std::string message_id,
                       CommandStatus status = CommandStatus::ok) {
  SubmitSmResp r;
  r.header = {status, seq};
  r.message_id = std::move(message_id);
  if (status != CommandStatus::ok) r.has_body = false;
  return r;
}

inline Pdu receipt(std::uint32_t seq, std::string text,
                   EsmClass esm_class = EsmClass::delivery_receipt) {
  DeliverSm d;
  d.header = {CommandStatus::ok, seq};
  d.source = PhoneNumber("254722000001");
  d.destination = PhoneNumber("1000");
  d.esm_class = esm_class;
  d.short_message = std::move(text);
  return d;
}

/** One SessionMachine and the SMSC's view of it. */
struct MachineHarness {
  using Clock = std::chrono::steady_clock;

  explicit MachineHarness(EsmeConfig config = default_config(), RequeuePolicy* requeue = nullptr,
                          FlowControl* flow = nullptr)
      : cfg(std::move(config)),
        machine(std::make_unique<SessionMachine>(
            cfg, SessionMachine::Parts{sequence, &throttle, flow, requeue, log, nullptr})) {}

  static EsmeConfig default_config() {
    EsmeConfig c;
    c.system_id = "test";
    c.password = "secret";
    c.window = 8;
    c.response_timeout = 10s;
    c.enquire_link_interval = 30s;
    c.socket_timeout = 5s;
    c.stop_timeout = 2s;
    c.unbind_drain_timeout = 3s;
    return c;
  }

  /** The bind response's sc_interface_version (none when empty). */
  std::optional<std::uint8_t> sc_interface_version;

  /** Begins a connection and answers the bind with `status`. */
  void bind(HookInterest interests = HookInterest::all, CommandStatus status = CommandStatus::ok) {
    machine->begin(now, interests);
    auto sent = written();
    REQUIRE(sent.size() == 1);
    REQUIRE(command_id_of(sent[0]) == bind_command(cfg.bind_mode));
    BindTransceiverResp resp;
    resp.header = {status, header_of(sent[0]).sequence_number};
    if (status == CommandStatus::ok) {
      resp.system_id = "smsc";
      if (sc_interface_version) resp.tlvs.set<tlv::ScInterfaceVersion>(*sc_interface_version);
    } else {
      resp.has_body = false;  // 3.4 answers a rejected bind with a header only
    }
    if (cfg.bind_mode == BindType::transmitter) {
      BindTransmitterResp t;
      t.header = resp.header;
      t.has_body = resp.has_body;
      t.tlvs = resp.tlvs;
      feed(t);
    } else if (cfg.bind_mode == BindType::receiver) {
      BindReceiverResp r;
      r.header = resp.header;
      r.has_body = resp.has_body;
      r.tlvs = resp.tlvs;
      feed(r);
    } else {
      feed(resp);
    }
  }

  /** What the machine queued, as written in full; decoded. */
  std::vector<Pdu> written() { return write(SIZE_MAX); }

  /** Writes at most `limit` octets of what is queued (the rest is lost with the connection). */
  std::vector<Pdu> write(std::size_t limit) {
    std::vector<Pdu> pdus;
    while (machine->has_output()) {
      const auto bytes = machine->take_output();
      const std::size_t n = std::min(limit, bytes.size());
      raw_written.insert(raw_written.end(), bytes.begin(), bytes.begin() + static_cast<long>(n));
      machine->on_written(n);
      limit -= n;
      std::size_t at = 0;
      while (at + 16 <= n) {
        const auto h = read_header(bytes.subspan(at));
        REQUIRE(h);
        if (at + h->command_length > n) break;
        auto pdu = decode(bytes.subspan(at, h->command_length));
        REQUIRE(pdu);
        pdus.push_back(std::move(*pdu));
        at += h->command_length;
      }
      if (n < bytes.size()) break;  // the writer is stuck: keep the buffer with the writer
      machine->write_done();
    }
    return pdus;
  }

  /** The SMSC sends `bytes` (in one read, or several if longer than the read buffer). */
  void feed_bytes(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      auto buf = machine->read_buffer();
      const std::size_t n = std::min(buf.size(), bytes.size());
      std::memcpy(buf.data(), bytes.data(), n);
      machine->on_read(n, now);
      machine->process(now, events);
      bytes = bytes.subspan(n);
    }
  }
  void feed(const Pdu& pdu) { feed_bytes(bytes_of(pdu)); }

  /** Time passes; the machine's deadlines run. */
  void advance(Clock::duration d) {
    now += d;
    machine->on_timer(now, events);
  }

  /** The application enqueued `messages`; the machine sends what the window allows. */
  std::vector<Pdu> send(std::vector<Pdu> messages, bool stage = false) {
    machine->take(messages, events);
    machine->send_pending(now, stage, events);
    return written();
  }

  template <class E>
  std::vector<E> take_events() {
    std::vector<E> out;
    Events rest;
    for (auto& e : events) {
      if (auto* x = std::get_if<E>(&e)) {
        out.push_back(std::move(*x));
      } else {
        rest.push_back(std::move(e));
      }
    }
    events = std::move(rest);
    return out;
  }

  EsmeConfig cfg;
  SimpleSequenceGenerator sequence;
  CountingThrottle throttle;
  Logger log;
  std::unique_ptr<SessionMachine> machine;
  Clock::time_point now = Clock::time_point{} + 1h;
  Events events;
  std::vector<std::uint8_t> raw_written;
};

}  // namespace aiosmpp::test
