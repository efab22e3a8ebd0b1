// aiosmpp's Esme against a node-smpp server (npm `smpp`) over loopback.
//
// Each test case starts tests/interop/node/esme_server_peer.js on a free port (it prints the
// port), runs an Esme against it, drives it through JSON commands on its stdin, and asserts field
// by field what node-smpp read off the wire, as the peer reports it on its stdout: octet strings as
// hex, text decoded by node-smpp's own encodings, segments reassembled by the peer from their UDH
// or SAR TLVs. The peer is stopped by its process id when the test case ends, passed or failed.

#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "esme_run.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

namespace {

NodePeer start_peer() {
  return NodePeer(AIOSMPP_NODE_EXECUTABLE, AIOSMPP_ESME_PEER_SCRIPT);
}

// Every hook call, with the message as given.
struct RecordingHook final : Hook {
  std::vector<Pdu> responses;  // with the request's tracking
  std::vector<Pdu> requests;   // deliver_sm and friends from the SMSC, receipts with tracking
  struct Failure {
    Pdu message;
    SendError error;
  };
  std::vector<Failure> errors;
  std::size_t undecodable = 0;

  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) {
      ++undecodable;
    } else if (is_response(command_id_of(*m))) {
      responses.push_back(*m);
    } else {
      requests.push_back(*m);
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view) override {
    errors.push_back({m, e});
    co_return;
  }

  std::size_t outcomes() const { return responses.size() + errors.size(); }
};

EsmeConfig config_for(std::uint16_t port) {
  EsmeConfig c;
  c.smsc_port = port;
  c.system_id = "aiosmpp";
  c.password = "pw";
  c.client_id = "interop";
  c.enquire_link_interval = 5s;
  c.socket_timeout = 2s;
  c.response_timeout = 5s;
  c.stop_timeout = 1s;
  c.window = 8;
  c.log_level = LogLevel::off;
  return c;
}

std::shared_ptr<RetryTimer> fast_retry() {
  ExponentialBackoff::Options o;
  o.min_delay = 20ms;
  o.max_increases = 2;
  o.jitter = 0.2;
  return std::make_shared<ExponentialBackoff>(o);
}

asio::awaitable<bool> bound(NodePeer& peer, Esme& esme) {
  co_return co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
}

std::string hex(std::string_view s) {
  return to_hex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

SubmitSm text_submit(std::string log_id, std::string text, TextEncoding encoding,
                     LongMessageMode mode = LongMessageMode::message_payload) {
  SubmitSm m;
  m.source = PhoneNumber("254722000001", Ton::international, Npi::isdn);
  m.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
  m.registered_delivery = RegisteredDelivery::none;
  m.tracking.extra_data = "extra-" + log_id;
  m.tracking.log_id = std::move(log_id);
  m.text = MessageText{std::move(text), encoding, 0, mode, ErrorMode::strict};
  return m;
}

// Octets in a hex string as the peer writes octet strings (node-smpp reads sm_length into the
// short_message it frames, so the length shows as the octets it read).
std::size_t octets(const json& hex_string) {
  return hex_string.get<std::string>().size() / 2;
}

// The "message" events (whole messages, reassembled by the peer), in order.
std::vector<json> messages(NodePeer& peer) {
  return peer.select([](const json& e) { return e.value("event", "") == "message"; });
}

// The submit_sm_resp the hook got for `log_id` (nullptr when none).
const SubmitSmResp* response_for(const RecordingHook& hook, const std::string& log_id) {
  for (const auto& r : hook.responses) {
    if (tracking_of(r).log_id == log_id) return std::get_if<SubmitSmResp>(&r);
  }
  return nullptr;
}

}  // namespace

TEST_CASE(
    "bind as transmitter, receiver and transceiver: node-smpp sees every bind field, then "
    "the Esme's unbind",
    "[interop][esme]") {
  struct Mode {
    BindMode mode;
    std::string command;
    std::string system_id;
  };
  for (const auto& m : {Mode{BindMode::transmitter, "bind_transmitter", "esme-tx"},
                        Mode{BindMode::receiver, "bind_receiver", "esme-rx"},
                        Mode{BindMode::transceiver, "bind_transceiver", "esme-trx"}}) {
    INFO(m.command);
    NodePeer peer = start_peer();
    asio::io_context io;
    auto cfg = config_for(peer.port());
    cfg.bind_mode = m.mode;
    cfg.system_id = m.system_id;
    cfg.password = "s3cr3t!";
    cfg.system_type = "VMA";
    cfg.addr_ton = Ton::international;
    cfg.addr_npi = Npi::isdn;
    cfg.address_range = "^2547[0-9]+$";
    auto hook = std::make_shared<RecordingHook>();
    Esme esme(io.get_executor(), cfg, {.hook = hook});
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      const bool ok = co_await bound(peer, esme);
      REQUIRE(ok);
      if (m.mode == BindMode::receiver) {
        // A receiver never sends: the message stays in the broker.
        Pdu p = text_submit("rx-1", "not for a receiver", TextEncoding::gsm7);
        co_await esme.broker().enqueue(std::move(p));
        co_await peer.wait([] { return false; }, 100ms);
      }
      if (m.mode == BindMode::transmitter) {
        // §2.3: a transmitter cannot be delivered to; the Esme says so instead of dropping it.
        peer.command({{"op", "deliver"},
                      {"params",
                       {{"source_addr", "254700000001"},
                        {"destination_addr", "4040"},
                        {"short_message", {{"hex", hex("to a transmitter")}}}}}});
        const bool answered = co_await peer.wait_received("deliver_sm_resp", 1);
        CHECK(answered);
      }
    });

    const auto binds = peer.received(m.command);
    REQUIRE(binds.size() == 1);
    const auto& b = binds[0].at("pdu");
    CHECK(b.at("command_status") == 0);
    CHECK(b.at("sequence_number").get<std::uint32_t>() >= 1);
    CHECK(b.at("system_id") == m.system_id);
    CHECK(b.at("password") == "s3cr3t!");
    CHECK(b.at("system_type") == "VMA");
    CHECK(b.at("interface_version") == 0x34);
    CHECK(b.at("addr_ton") == 1);
    CHECK(b.at("addr_npi") == 1);
    CHECK(b.at("address_range") == "^2547[0-9]+$");
    CHECK(b.at("command_length") == 16 + m.system_id.size() + 1 + 8 + 4 + 1 + 2 + 13);
    CHECK(esme.stats().connects == 1);
    CHECK(peer.received("submit_sm").empty());
    if (m.mode == BindMode::transmitter) {
      const auto resps = peer.received("deliver_sm_resp");
      REQUIRE(resps.size() == 1);
      CHECK(resps[0].at("pdu").at("command_status") == 0x04);  // ESME_RINVBNDSTS
      CHECK(hook->requests.empty());
    }
    if (m.mode == BindMode::receiver) {
      CHECK(esme.stats().taken == 0);
      std::vector<Pdu> left;
      CHECK(esme.broker().try_dequeue_batch(left, 4) == 1);
    }
    // stop(): the Esme unbinds, node-smpp answers, the connection closes.
    const auto unbinds = peer.received("unbind");
    REQUIRE(unbinds.size() == 1);
    CHECK(unbinds[0].at("pdu").at("command_length") == 16);
    CHECK(unbinds[0].at("pdu").at("sequence_number").get<std::uint32_t>() >
          b.at("sequence_number").get<std::uint32_t>());
    run_coro(io, peer.wait([&] {
      return !peer.select([](const json& e) { return e.value("event", "") == "close"; }).empty();
    }));
  }
}

TEST_CASE("submit_sm with GSM 03.38 text: node-smpp reads every field and the same text",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()), {.hook = hook});
  // Basic set and the escape table (€ [ ] { } ^ ~ | \ take two septets each).
  const std::string text = "Hello @£$¥ ÄÖÑÜ§¿ äöñüà Δ_ΦΓΛΩ €[]{}^~|\\";
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    SubmitSm m = text_submit("gsm-1", text, TextEncoding::gsm7);
    m.service_type = "CMT";
    m.source = PhoneNumber("aiosmpp", Ton::alphanumeric, Npi::unknown);
    m.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
    m.protocol_id = 0x00;
    m.priority_flag = 1;
    m.validity_period = "000001000000000R";
    m.registered_delivery = RegisteredDelivery::receipt_always;
    Pdu p = std::move(m);
    co_await esme.broker().enqueue(std::move(p));
    const bool ok = co_await peer.wait([&] { return hook->outcomes() == 1; });
    CHECK(ok);
  });

  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 1);
  const auto& s = submits[0].at("pdu");
  CHECK(s.at("command_status") == 0);
  CHECK(s.at("service_type") == "CMT");
  CHECK(s.at("source_addr_ton") == 5);
  CHECK(s.at("source_addr_npi") == 0);
  CHECK(s.at("source_addr") == "aiosmpp");
  CHECK(s.at("dest_addr_ton") == 1);
  CHECK(s.at("dest_addr_npi") == 1);
  CHECK(s.at("destination_addr") == "254733000002");
  CHECK(s.at("esm_class") == 0);
  CHECK(s.at("protocol_id") == 0);
  CHECK(s.at("priority_flag") == 1);
  CHECK(s.at("schedule_delivery_time") == "");
  CHECK(s.at("validity_period") == "000001000000000R");
  CHECK(s.at("registered_delivery") == 1);
  CHECK(s.at("replace_if_present_flag") == 0);
  CHECK(s.at("data_coding") == 0);
  CHECK(s.at("sm_default_msg_id") == 0);
  // 40 characters, 9 of them from the escape table: 49 septets, unpacked one per octet.
  CHECK(octets(s.at("short_message")) == 49);
  CHECK(s.at("short_message").get<std::string>().size() == 2 * 49);
  CHECK(s.at("short_message").get<std::string>().substr(0, 10) == hex("Hello"));
  CHECK(submits[0].at("text") == text);  // node-smpp's GSM 03.38 decoder
  CHECK(!s.contains("message_payload"));
  CHECK(!s.contains("sar_msg_ref_num"));

  REQUIRE(hook->responses.size() == 1);
  const auto* resp = std::get_if<SubmitSmResp>(&hook->responses[0]);
  REQUIRE(resp != nullptr);
  CHECK(resp->header.command_status == CommandStatus::ok);
  CHECK(resp->header.sequence_number == s.at("sequence_number").get<std::uint32_t>());
  CHECK(resp->message_id == submits[0].at("message_id").get<std::string>());
  CHECK(resp->tracking.log_id == "gsm-1");
  CHECK(resp->tracking.extra_data == "extra-gsm-1");
  CHECK(hook->errors.empty());
}

TEST_CASE("submit_sm with UCS2 text, emoji and optional TLVs: node-smpp reads them all",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()), {.hook = hook});
  const std::string emoji = "Habari 👋🏽 — 你好 😀!";
  const std::string cyrillic = "Привет";
  const std::vector<std::uint8_t> callback{0x01, 0x01, '2', '5', '4', '7'};
  const std::vector<std::uint8_t> vendor{0xde, 0xad, 0xbe, 0xef};
  const std::vector<std::uint8_t> session_info{0x12, 0x01};
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    SubmitSm m = text_submit("ucs2-1", emoji, TextEncoding::automatic);
    m.tlvs.set<tlv::UserMessageReference>(4242);
    m.tlvs.set<tlv::SourcePort>(5000);
    m.tlvs.set<tlv::DestinationPort>(0xfffe);
    m.tlvs.set<tlv::PrivacyIndicator>(2);
    m.tlvs.set<tlv::LanguageIndicator>(1);
    m.tlvs.set<tlv::MoreMessagesToSend>(1);
    REQUIRE(m.tlvs.set<tlv::CallbackNum>(callback).has_value());
    REQUIRE(m.tlvs.set<tlv::ItsSessionInfo>(session_info).has_value());
    m.tlvs.add(0x1400, vendor);  // vendor-specific tag, unknown to both codecs
    Pdu p = std::move(m);
    co_await esme.broker().enqueue(std::move(p));
    // Explicit UCS2 for text that has no emoji.
    Pdu q = text_submit("ucs2-2", cyrillic, TextEncoding::ucs2);
    co_await esme.broker().enqueue(std::move(q));
    const bool ok = co_await peer.wait([&] { return hook->outcomes() == 2; });
    CHECK(ok);
  });

  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 2);
  const auto& s = submits[0].at("pdu");
  CHECK(s.at("data_coding") == 8);
  CHECK(s.at("esm_class") == 0);
  // UTF-16BE with surrogate pairs: 👋🏽 and 😀 are two code units each, 🏽 too.
  CHECK(octets(s.at("short_message")) == 2 * 20);
  CHECK(s.at("short_message").get<std::string>().substr(0, 8) == "00480061");
  CHECK(s.at("short_message").get<std::string>().find("d83dde00") != std::string::npos);
  CHECK(submits[0].at("text") == emoji);  // node-smpp's UCS2 decoder (iconv-lite)
  CHECK(s.at("user_message_reference") == 4242);
  CHECK(s.at("source_port") == 5000);
  CHECK(s.at("dest_port") == 0xfffe);  // node-smpp's name for destination_port
  CHECK(s.at("privacy_indicator") == 2);
  CHECK(s.at("language_indicator") == 1);
  CHECK(s.at("more_messages_to_send") == 1);
  CHECK(s.at("callback_num") == json::array({"010132353437"}));
  CHECK(s.at("its_session_info") == "1201");
  CHECK(s.at("5120") == "deadbeef");  // node-smpp keys an unknown tag by its number
  // Header + mandatory body + 9 TLVs, by node-smpp's count of the bytes it read.
  // service_type, source and destination triples, esm_class..priority_flag, the two times,
  // registered_delivery..sm_length, 40 octets of UCS2.
  const std::size_t body = 1 + (2 + 13) + (2 + 13) + 3 + 2 + 5 + 40;
  const std::size_t tlvs =
      (4 + 2) + (4 + 2) + (4 + 2) + (4 + 1) + (4 + 1) + (4 + 1) + (4 + 6) + (4 + 2) + (4 + 4);
  CHECK(s.at("command_length") == 16 + body + tlvs);

  const auto& c = submits[1].at("pdu");
  CHECK(c.at("data_coding") == 8);
  CHECK(c.at("short_message") == "041f04400438043204350442");
  CHECK(submits[1].at("text") == cyrillic);

  REQUIRE(hook->responses.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto* r = response_for(*hook, i == 0 ? "ucs2-1" : "ucs2-2");
    REQUIRE(r != nullptr);
    CHECK(r->message_id == submits[i].at("message_id").get<std::string>());
  }
}

TEST_CASE(
    "long messages as UDH (8 and 16-bit references), SAR and message_payload: the server "
    "reassembles each one",
    "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()), {.hook = hook});

  std::string gsm;  // 384 GSM characters, 448 septets with the escapes: 3 segments of 153
  for (int i = 0; gsm.size() < 380; ++i)
    gsm += fmt::format("Seg{:03} [ok] ", i);
  std::string ucs2;  // 160 UTF-16 units with emoji: 3 segments of 67
  for (int i = 0; i < 20; ++i)
    ucs2 += fmt::format("Жук{} 😀 ", i % 10);

  struct Case {
    std::string log_id;
    const std::string* text;
    TextEncoding encoding;
    LongMessageMode mode;
    std::string kind;
    int data_coding;
  };
  const std::vector<Case> cases{
      {"udh8-gsm", &gsm, TextEncoding::gsm7, LongMessageMode::udh8, "udh8", 0},
      {"udh16-ucs2", &ucs2, TextEncoding::ucs2, LongMessageMode::udh16, "udh16", 8},
      {"sar-gsm", &gsm, TextEncoding::gsm7, LongMessageMode::sar, "sar", 0},
      {"sar-ucs2", &ucs2, TextEncoding::automatic, LongMessageMode::sar, "sar", 8},
      {"payload-gsm", &gsm, TextEncoding::gsm7, LongMessageMode::message_payload, "payload", 0},
      {"payload-ucs2", &ucs2, TextEncoding::ucs2, LongMessageMode::message_payload, "payload", 8},
  };
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (const auto& c : cases) {
      Pdu p = text_submit(c.log_id, *c.text, c.encoding, c.mode);
      co_await esme.broker().enqueue(std::move(p));
      // One at a time, so the peer's message events follow the cases' order.
      const auto want = hook->outcomes() + 1;
      const bool ok = co_await peer.wait([&] { return hook->outcomes() == want; });
      REQUIRE(ok);
    }
  });

  const auto whole = messages(peer);
  REQUIRE(whole.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto& w = whole[i];
    INFO(c.log_id);
    CHECK(w.at("kind") == c.kind);
    CHECK(w.at("data_coding") == c.data_coding);
    CHECK(w.at("text") == *c.text);
    const auto total = w.at("total").get<std::size_t>();
    if (c.kind == "payload") {
      CHECK(total == 1);
    } else {
      CHECK(total == 3);
      CHECK(w.at("seqnums") == json::array({1, 2, 3}));  // sent in order
      CHECK(w.at("ref").get<std::uint32_t>() <= (c.kind == "udh8" ? 0xffU : 0xffffU));
    }
    // One outcome for the whole message: the last segment's response.
    const auto* r = response_for(*hook, c.log_id);
    REQUIRE(r != nullptr);
    CHECK(r->header.command_status == CommandStatus::ok);
    CHECK(r->message_id == w.at("message_ids").back().get<std::string>());
    CHECK(tracking_of(hook->responses[i]).extra_data == "extra-" + c.log_id);
  }
  CHECK(hook->responses.size() == cases.size());
  CHECK(hook->errors.empty());
  // Two long messages in a row to the same handset need different references, or it would join
  // them into one.
  CHECK(whole[2].at("ref") != whole[3].at("ref"));

  // Segment by segment, what each mode puts on the wire.
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 3 * 4 + 2);
  for (std::size_t k = 0; k < submits.size(); ++k) {
    const auto& s = submits[k].at("pdu");
    const std::size_t group = k < 12 ? k / 3 : 4 + (k - 12);
    const auto& c = cases[group];
    INFO(c.log_id << " segment PDU " << k);
    CHECK(s.at("data_coding") == c.data_coding);
    // A segment holds 160 unpacked septets (header included) or 140 octets of UCS2.
    const std::size_t max_octets = c.data_coding == 0 ? 160U : 140U;
    const auto sm = s.at("short_message").get<std::string>();
    if (c.kind == "udh8" || c.kind == "udh16") {
      CHECK(s.at("esm_class") == 0x40);
      CHECK(octets(s.at("short_message")) <= max_octets);
      // UDHL, then the concatenation IE with this segment's place.
      const std::string ie = c.kind == "udh8" ? "050003" : "060804";
      CHECK(sm.substr(0, 6) == ie);
      const std::size_t at = c.kind == "udh8" ? 8 : 10;
      CHECK(sm.substr(at, 4) == fmt::format("03{:02x}", k % 3 + 1));
      CHECK(!s.contains("sar_msg_ref_num"));
    } else if (c.kind == "sar") {
      CHECK(s.at("esm_class") == 0);
      CHECK(octets(s.at("short_message")) <= max_octets);
      CHECK(s.at("sar_total_segments") == 3);
      CHECK(s.at("sar_segment_seqnum") == k % 3 + 1);
      CHECK(s.at("sar_msg_ref_num") == whole[group].at("ref"));
    } else {
      CHECK(s.at("esm_class") == 0);
      CHECK(octets(s.at("short_message")) == 0);
      CHECK(sm.empty());
      CHECK(s.at("message_payload") == whole[group].at("hex"));
    }
  }
}

TEST_CASE("node-smpp error responses, header only, reach the hook with their command_status",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  // In order: a single message, the three segments of a long one (the second refused), a
  // throttled one, then one accepted.
  peer.command({{"op", "set"}, {"submit_statuses", {0x0B, 0, 0x45, 0, 0x58}}});
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  // This test is about error responses reaching the hook, so the throttled one is not sent
  // again here; the next test covers the default, which requeues it.
  auto cfg = config_for(peer.port());
  cfg.requeue.statuses.clear();
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  std::string long_text;
  for (int i = 0; i < 60; ++i)
    long_text += fmt::format("part{} ", i);
  const std::vector<SubmitSm> sends{
      text_submit("bad-dest", "to nowhere", TextEncoding::gsm7),
      text_submit("long", long_text, TextEncoding::gsm7, LongMessageMode::udh8),
      text_submit("throttled", "too fast", TextEncoding::gsm7),
      text_submit("accepted", "at last", TextEncoding::gsm7),
  };
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    for (const auto& m : sends) {
      const auto want = hook->outcomes() + 1;
      Pdu p = m;
      co_await esme.broker().enqueue(std::move(p));
      ok = co_await peer.wait([&] { return hook->outcomes() == want; });
      REQUIRE(ok);
    }
  });

  CHECK(hook->errors.empty());
  REQUIRE(hook->responses.size() == 4);
  const std::vector<std::pair<std::string, CommandStatus>> expected{
      {"bad-dest", CommandStatus::invalid_dest_address},
      {"long", CommandStatus::submit_failed},
      {"throttled", CommandStatus::throttled},
      {"accepted", CommandStatus::ok}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(expected[i].first);
    const auto* r = std::get_if<SubmitSmResp>(&hook->responses[i]);
    REQUIRE(r != nullptr);
    CHECK(r->tracking.log_id == expected[i].first);
    CHECK(r->header.command_status == expected[i].second);
    if (expected[i].second != CommandStatus::ok) {
      CHECK(!r->has_body);  // node-smpp writes no body on an error response
      CHECK(r->message_id.empty());
    } else {
      CHECK(r->has_body);
      CHECK(r->message_id == peer.received("submit_sm").back().at("message_id"));
    }
  }
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 6);
  const std::vector<std::string> actions{"rejected", "answered", "rejected",
                                         "answered", "rejected", "answered"};
  for (std::size_t i = 0; i < submits.size(); ++i)
    CHECK(submits[i].at("action") == actions[i]);
  CHECK(submits[4].at("command_status") == 0x58);
}

TEST_CASE(
    "node-smpp throttling: by default the Esme sends the message again and reports one outcome",
    "[interop][esme]") {
  NodePeer peer = start_peer();
  peer.command({{"op", "set"}, {"submit_statuses", {0x58, 0x14}}});  // ESME_RTHROTTLED, RMSGQFUL
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = config_for(peer.port());
  cfg.requeue.first_delay = std::chrono::milliseconds(5);
  cfg.requeue.max_delay = std::chrono::milliseconds(20);
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    Pdu p = text_submit("requeued", "once more", TextEncoding::gsm7);
    co_await esme.broker().enqueue(std::move(p));
    ok = co_await peer.wait([&] { return hook->outcomes() == 1; });
    REQUIRE(ok);
  });
  CHECK(hook->errors.empty());
  REQUIRE(hook->responses.size() == 1);
  const auto* r = std::get_if<SubmitSmResp>(&hook->responses[0]);
  REQUIRE(r != nullptr);
  CHECK(r->tracking.log_id == "requeued");
  CHECK(r->header.command_status == CommandStatus::ok);
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 3);
  CHECK(submits[0].at("command_status") == 0x58);
  CHECK(submits[1].at("command_status") == 0x14);
  CHECK(submits[2].at("action") == "answered");
  CHECK(esme.stats().requeued == 2);
  CHECK(esme.stats().throttled == 2);
}

TEST_CASE(
    "delivery receipts from node-smpp reach the hook with the submit's log_id and "
    "extra_data",
    "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()), {.hook = hook});
  std::string long_text;  // 450 characters: 3 UDH segments, each with its own receipt
  for (int i = 0; i < 60; ++i)
    long_text += fmt::format("part{} ", i);
  struct Expected {
    std::string log_id;
    std::string stat;
    std::string message_id;
  };
  std::vector<Expected> expected;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    for (int i = 1; i <= 4; ++i) {
      SubmitSm m = text_submit(fmt::format("dlr-{}", i), fmt::format("Receipt me {}", i),
                               TextEncoding::gsm7);
      m.registered_delivery = RegisteredDelivery::receipt_always;
      Pdu p = std::move(m);
      co_await esme.broker().enqueue(std::move(p));
    }
    SubmitSm m = text_submit("dlr-long", long_text, TextEncoding::gsm7, LongMessageMode::udh8);
    m.registered_delivery = RegisteredDelivery::receipt_always;
    Pdu p = std::move(m);
    co_await esme.broker().enqueue(std::move(p));
    bool ok = co_await peer.wait([&] { return hook->responses.size() == 5; });
    REQUIRE(ok);
    auto id_of = [&](const char* log_id) { return response_for(*hook, log_id)->message_id; };
    // Text only (the id comes from "id:"); with receipted_message_id and message_state; an
    // intermediate ENROUTE then the final state; the text in message_payload; one receipt per
    // segment of the long message.
    expected = {{"dlr-1", "DELIVRD", id_of("dlr-1")},
                {"dlr-2", "UNDELIV", id_of("dlr-2")},
                {"dlr-3", "ENROUTE", id_of("dlr-3")},
                {"dlr-3", "DELIVRD", id_of("dlr-3")},
                {"dlr-4", "EXPIRED", id_of("dlr-4")}};
    const auto whole = messages(peer);
    REQUIRE(whole.size() == 5);
    REQUIRE(whole.back().at("total") == 3);
    for (const auto& id : whole.back().at("message_ids"))
      expected.push_back({"dlr-long", "DELIVRD", id.get<std::string>()});
    for (const auto& e : expected) {
      json c{{"op", "receipt"}, {"message_id", e.message_id}, {"stat", e.stat}};
      if (e.log_id == "dlr-2") c["tlvs"] = true;
      if (e.log_id == "dlr-4") c["payload"] = true;
      peer.command(c);
    }
    ok = co_await peer.settle();
    CHECK(ok);
    ok = co_await peer.wait_received("deliver_sm_resp", expected.size());
    CHECK(ok);
  });

  REQUIRE(hook->requests.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("receipt " << i << " for " << expected[i].log_id);
    const auto* d = std::get_if<DeliverSm>(&hook->requests[i]);
    REQUIRE(d != nullptr);
    CHECK(text::is_receipt(*d));
    CHECK(d->tracking.log_id == expected[i].log_id);
    CHECK(d->tracking.extra_data == "extra-" + expected[i].log_id);
    // Addresses swapped from the submit, as the SMSC writes them.
    CHECK(d->source == PhoneNumber("254733000002", Ton::international, Npi::isdn));
    CHECK(d->destination == PhoneNumber("254722000001", Ton::international, Npi::isdn));
    auto receipt = text::parse_receipt(*d);
    REQUIRE(receipt.has_value());
    CHECK(receipt->stat == expected[i].stat);
    CHECK(receipt->id == expected[i].message_id);
    if (expected[i].log_id != "dlr-long") {
      CHECK(receipt->text == fmt::format("Receipt me {}", expected[i].log_id.back()));
    }
  }
  CHECK(std::get<DeliverSm>(hook->requests[1]).tlvs.get<tlv::MessageState>() == 5);
  CHECK(std::get<DeliverSm>(hook->requests[4]).short_message.empty());
  CHECK(std::get<DeliverSm>(hook->requests[4]).tlvs.contains<tlv::MessagePayload>());
  // node-smpp got a deliver_sm_resp for each, matching its sequence numbers, with status 0.
  const auto sent = peer.select([](const json& e) { return e.value("event", "") == "sent"; });
  const auto resps = peer.received("deliver_sm_resp");
  REQUIRE(resps.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(resps[i].at("pdu").at("command_status") == 0);
    CHECK(resps[i].at("pdu").at("sequence_number") == sent[i].at("sequence_number"));
    CHECK(resps[i].at("pdu").at("command_length") == 17);
  }
}

TEST_CASE(
    "MO deliver_sm from node-smpp in GSM, UCS2, UDH and SAR segments reach the hook "
    "reassembled",
    "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = config_for(peer.port());
  cfg.bind_mode = BindMode::receiver;
  Esme esme(io.get_executor(), cfg, {.hook = hook});

  const std::string gsm_long =
      "Mambo vipi? Hii ni ujumbe mrefu kutoka node-smpp, €5 kwa {kila} "
      "sehemu; ÄÖÑÜ§ na Δ mwisho.";
  const std::string ucs2_long =
      "Привет 👋🏽 из node-smpp, 你好 😀, до свидания!";
  struct Mo {
    std::string text;
    std::string coding;
    std::string split;
    int chunk;
    int ref;
    bool reverse;
    std::size_t pdus;
    bool utf16_units = false;  // split by UTF-16 code unit: 👋 spans parts 1 and 2
  };
  const std::vector<Mo> mos{
      {"Hello from node £1 @home", "gsm", "none", 0, 0, false, 1},
      {"Jambo 😀 ñ 你好", "ucs2", "none", 0, 0, false, 1},
      {gsm_long, "gsm", "udh8", 25, 0xa7, true, 4},
      {ucs2_long, "ucs2", "udh16", 12, 0x1234, false, 4},
      {gsm_long, "gsm", "sar", 40, 0x0bad, true, 3},
      {ucs2_long, "ucs2", "payload", 0, 0, false, 1},
      {ucs2_long, "ucs2", "udh8", 8, 0x42, false, 6, true},
  };
  std::size_t total_pdus = 0;
  for (const auto& m : mos)
    total_pdus += m.pdus;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await bound(peer, esme);
    REQUIRE(ok);
    for (std::size_t i = 0; i < mos.size(); ++i) {
      const auto& m = mos[i];
      peer.command({{"op", "mo"},
                    {"text", m.text},
                    {"coding", m.coding},
                    {"split", m.split},
                    {"chunk", m.chunk},
                    {"ref", m.ref},
                    {"reverse", m.reverse},
                    {"units", m.utf16_units ? "utf16" : "codepoint"},
                    {"source", fmt::format("25470000000{}", i)},
                    {"destination", "4040"}});
      // One message at a time, so the hook sees them in this order.
      ok = co_await peer.wait([&] { return hook->requests.size() == i + 1; });
      REQUIRE(ok);
    }
    ok = co_await peer.wait_received("deliver_sm_resp", total_pdus);
    CHECK(ok);
  });

  CHECK(hook->undecodable == 0);
  REQUIRE(hook->requests.size() == mos.size());
  for (std::size_t i = 0; i < mos.size(); ++i) {
    const auto& m = mos[i];
    INFO(m.split << " " << m.coding);
    const auto* d = std::get_if<DeliverSm>(&hook->requests[i]);
    REQUIRE(d != nullptr);
    CHECK(!text::is_receipt(*d));
    CHECK(d->source == PhoneNumber(fmt::format("25470000000{}", i), Ton::international, Npi::isdn));
    CHECK(d->destination == PhoneNumber("4040", Ton::unknown, Npi::isdn));
    CHECK(d->data_coding == (m.coding == "gsm" ? DataCoding::smsc_default : DataCoding::ucs2));
    auto decoded = text::decode_text(*d);
    REQUIRE(decoded.has_value());
    CHECK(decoded->text == m.text);
    // Reassembled: no concatenation left on the joined message.
    CHECK(!d->tlvs.contains<tlv::SarMsgRefNum>());
  }
  const auto sent = peer.select([](const json& e) { return e.value("event", "") == "sent"; });
  const auto resps = peer.received("deliver_sm_resp");
  REQUIRE(sent.size() == total_pdus);
  REQUIRE(resps.size() == total_pdus);
  std::set<std::uint32_t> sent_seqs;
  std::set<std::uint32_t> resp_seqs;
  for (std::size_t i = 0; i < total_pdus; ++i) {
    sent_seqs.insert(sent[i].at("sequence_number").get<std::uint32_t>());
    resp_seqs.insert(resps[i].at("pdu").at("sequence_number").get<std::uint32_t>());
    CHECK(resps[i].at("pdu").at("command_status") == 0);
  }
  CHECK(sent_seqs == resp_seqs);
  CHECK(esme.stats().received == total_pdus);
}

TEST_CASE("data_sm and alert_notification from node-smpp reach the hook, and data_sm is answered",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()), {.hook = hook});
  const std::string text = "data sm from node-smpp";  // ASCII letters: the same octets in GSM 03.38
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await bound(peer, esme);
    REQUIRE(ok);
    peer.command({{"op", "deliver"},
                  {"command", "data_sm"},
                  {"params",
                   {{"service_type", "WAP"},
                    {"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254711000001"},
                    {"dest_addr_npi", 1},
                    {"destination_addr", "4040"},
                    {"registered_delivery", 0},
                    {"data_coding", 0},
                    {"message_payload", {{"hex", hex(text)}}},
                    {"source_port", 9200}}}});
    // No response exists for alert_notification: the data_sm_resp and the hook tell it arrived.
    peer.command({{"op", "deliver"},
                  {"command", "alert_notification"},
                  {"params",
                   {{"source_addr_ton", 1},
                    {"source_addr_npi", 1},
                    {"source_addr", "254711000002"},
                    {"esme_addr_npi", 1},
                    {"esme_addr", "4040"},
                    {"ms_availability_status", 0}}}});
    ok = co_await peer.settle();
    CHECK(ok);
    ok = co_await peer.wait([&] { return hook->requests.size() == 2; });
    CHECK(ok);
    ok = co_await peer.wait_received("data_sm_resp", 1);
    CHECK(ok);
  });

  REQUIRE(hook->requests.size() == 2);
  const auto* d = std::get_if<DataSm>(&hook->requests[0]);
  REQUIRE(d != nullptr);
  CHECK(d->service_type == "WAP");
  CHECK(d->source == PhoneNumber("254711000001", Ton::international, Npi::isdn));
  CHECK(d->destination == PhoneNumber("4040", Ton::unknown, Npi::isdn));
  CHECK(d->tlvs.get<tlv::SourcePort>() == 9200);
  auto decoded = text::decode_text(*d);
  REQUIRE(decoded.has_value());
  CHECK(decoded->text == text);
  const auto* a = std::get_if<AlertNotification>(&hook->requests[1]);
  REQUIRE(a != nullptr);
  CHECK(a->source == PhoneNumber("254711000002", Ton::international, Npi::isdn));
  CHECK(a->esme_addr == PhoneNumber("4040", Ton::unknown, Npi::isdn));
  CHECK(a->tlvs.get<tlv::MsAvailabilityStatus>() == 0);

  const auto sent = peer.select([](const json& e) { return e.value("event", "") == "sent"; });
  const auto resps = peer.received("data_sm_resp");
  REQUIRE(sent.size() == 2);
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("pdu").at("sequence_number") == sent[0].at("sequence_number"));
  CHECK(resps[0].at("pdu").at("command_status") == 0);
  CHECK(resps[0].at("pdu").at("message_id") == "");
  CHECK(esme.stats().received == 2);
}

TEST_CASE("enquire_link both ways between the Esme and node-smpp", "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  auto cfg = config_for(peer.port());
  cfg.enquire_link_interval = 150ms;
  // The Esme waits socket_timeout after each enquire_link before it may send the next one.
  cfg.socket_timeout = 300ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await bound(peer, esme);
    REQUIRE(ok);
    // Esme -> node-smpp: sent after a silent interval, answered by node-smpp.
    ok = co_await peer.wait_received("enquire_link", 2, 3s);
    CHECK(ok);
    // node-smpp -> Esme.
    peer.command({{"op", "enquire_link"}});
    peer.command({{"op", "enquire_link"}});
    ok = co_await peer.settle();
    CHECK(ok);
    ok = co_await peer.wait_received("enquire_link_resp", 2);
    CHECK(ok);
  });
  for (const auto& e : peer.received("enquire_link")) {
    CHECK(e.at("pdu").at("command_length") == 16);
    CHECK(e.at("pdu").at("command_status") == 0);
    CHECK(e.at("action") == "answered");
  }
  const auto sent = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "enquire_link";
  });
  const auto resps = peer.received("enquire_link_resp");
  REQUIRE(sent.size() == 2);
  REQUIRE(resps.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(resps[i].at("pdu").at("sequence_number") == sent[i].at("sequence_number"));
    CHECK(resps[i].at("pdu").at("command_status") == 0);
    CHECK(resps[i].at("pdu").at("command_length") == 16);
  }
  // The link stayed up the whole time: one bind, no reconnect.
  CHECK(esme.stats().connects == 1);
  CHECK(peer.received("bind_transceiver").size() == 1);
}

TEST_CASE("unbind from node-smpp: the Esme answers unbind_resp, then binds again",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  asio::io_context io;
  auto hook = std::make_shared<RecordingHook>();
  Esme esme(io.get_executor(), config_for(peer.port()),
            {.hook = hook, .retry_timer = fast_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await bound(peer, esme);
    REQUIRE(ok);
    peer.command({{"op", "unbind"}});
    ok = co_await peer.wait_received("unbind_resp", 1);
    CHECK(ok);
    ok = co_await peer.wait_received("bind_transceiver", 2);
    CHECK(ok);
    ok = co_await bound(peer, esme);
    CHECK(ok);
    // The new session works.
    Pdu p = text_submit("after-unbind", "still here", TextEncoding::gsm7);
    co_await esme.broker().enqueue(std::move(p));
    ok = co_await peer.wait([&] { return hook->outcomes() == 1; });
    CHECK(ok);
  });
  const auto sent = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "unbind";
  });
  const auto resps = peer.received("unbind_resp");
  REQUIRE(sent.size() == 1);
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("session") == 1);
  CHECK(resps[0].at("pdu").at("sequence_number") == sent[0].at("sequence_number"));
  CHECK(resps[0].at("pdu").at("command_status") == 0);
  CHECK(resps[0].at("pdu").at("command_length") == 16);
  const auto binds = peer.received("bind_transceiver");
  REQUIRE(binds.size() == 2);
  CHECK(binds[1].at("session") == 2);
  CHECK(esme.stats().connects == 2);
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 1);
  CHECK(submits[0].at("session") == 2);
  REQUIRE(hook->responses.size() == 1);
  CHECK(tracking_of(hook->responses[0]).log_id == "after-unbind");
}

TEST_CASE(
    "node-smpp drops the connection: every message gets exactly one outcome and the Esme "
    "reconnects",
    "[interop][esme]") {
  // drop: the first session answers 3 submit_sm, holds the rest, and the test drops it with the
  // window full. unbind: the same, but node-smpp unbinds instead. drop_after: the first session
  // drops the connection itself when the 4th submit_sm arrives, answering none.
  for (const std::string scenario : {"drop", "unbind", "drop_after"}) {
    INFO(scenario);
    NodePeer peer = start_peer();
    asio::io_context io;
    auto hook = std::make_shared<RecordingHook>();
    auto cfg = config_for(peer.port());
    cfg.window = 8;
    Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = fast_retry()});
    constexpr int count = 20;
    if (scenario != "drop_after") {
      peer.command({{"op", "set"}, {"withhold_after", 3}});
    } else {
      peer.command({{"op", "set"}, {"withhold_after", 0}, {"drop_after", 4}});
    }
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      bool ok = co_await peer.settle();
      REQUIRE(ok);
      for (int i = 0; i < count; ++i) {
        Pdu p = text_submit(fmt::format("m{:02}", i), fmt::format("message {:02}", i),
                            TextEncoding::gsm7);
        co_await esme.broker().enqueue(std::move(p));
      }
      if (scenario != "drop_after") {
        // 3 answered, then the window (8) fills with unanswered requests.
        ok = co_await peer.wait(
            [&] { return hook->responses.size() == 3 && peer.received("submit_sm").size() == 11; });
        REQUIRE(ok);
        // Later sessions answer everything.
        peer.command({{"op", "set"}, {"withhold_after", -1}});
        peer.command({{"op", scenario}});
      } else {
        ok = co_await peer.wait_received("submit_sm", 4);
        REQUIRE(ok);
        peer.command({{"op", "set"}, {"withhold_after", -1}, {"drop_after", -1}});
      }
      ok = co_await peer.settle();
      CHECK(ok);
      ok = co_await peer.wait([&] { return hook->outcomes() == count; }, 8s);
      CHECK(ok);
      co_await peer.wait([] { return false; }, 50ms);  // no late extra outcome
    });

    // Exactly one outcome per message.
    CHECK(hook->outcomes() == count);
    std::map<std::string, int> seen;
    for (const auto& r : hook->responses)
      ++seen[tracking_of(r).log_id];
    for (const auto& e : hook->errors)
      ++seen[tracking_of(e.message).log_id];
    CHECK(seen.size() == count);
    for (const auto& [id, n] : seen) {
      INFO(id);
      CHECK(n == 1);
    }
    CHECK(esme.stats().taken == count);
    CHECK(esme.stats().responses + esme.stats().send_errors == count);
    CHECK(esme.stats().connects == 2);
    CHECK(peer.received("bind_transceiver").size() == 2);

    // Each response carries the message_id node-smpp answered that very message with.
    std::map<std::string, std::string> answered;  // short_message hex -> message_id
    std::set<std::string> unanswered;             // what session 1 read and never answered
    std::size_t session1 = 0;
    for (const auto& e : peer.received("submit_sm")) {
      if (e.at("session") == 1) ++session1;
      if (e.at("session") == 1 && e.value("action", "") != "answered") {
        unanswered.insert(e.at("pdu").at("short_message").get<std::string>());
      }
      if (e.value("action", "") == "answered") {
        answered[e.at("pdu").at("short_message").get<std::string>()] =
            e.at("message_id").get<std::string>();
      }
    }
    for (const auto& r : hook->responses) {
      const auto& t = tracking_of(r);
      const auto* s = std::get_if<SubmitSmResp>(&r);
      REQUIRE(s != nullptr);
      const auto it = answered.find(hex(fmt::format("message {}", t.log_id.substr(1))));
      REQUIRE(it != answered.end());
      CHECK(s->message_id == it->second);
    }
    CHECK(hook->responses.size() == answered.size());
    // What node-smpp read and never answered ended as outcome_unknown; what ended as not_sent
    // never reached it.
    std::set<std::string> unknown_messages;
    for (const auto& e : hook->errors) {
      const auto& log_id = tracking_of(e.message).log_id;
      INFO(log_id << ": " << fmt::format("{}", e.error));
      const auto text = hex(fmt::format("message {}", log_id.substr(1)));
      CHECK(e.error.kind != SendError::Kind::invalid_message);
      if (e.error.kind == SendError::Kind::outcome_unknown) unknown_messages.insert(text);
      if (e.error.kind == SendError::Kind::not_sent) {
        CHECK(unanswered.count(text) == 0);
        CHECK(answered.count(text) == 0);
      }
    }
    for (const auto& text : unanswered) {
      INFO(text);
      CHECK(unknown_messages.count(text) == 1);
    }
    std::size_t unknown = 0;
    for (const auto& e : hook->errors)
      unknown += e.error.kind == SendError::Kind::outcome_unknown ? 1U : 0U;
    if (scenario != "drop_after") {
      CHECK(session1 == 11);
      CHECK(unknown == 8);
      CHECK(hook->errors.size() == 8);
      CHECK(hook->responses.size() == count - 8);
      if (scenario == "unbind") {
        const auto resps = peer.received("unbind_resp");
        REQUIRE(resps.size() == 1);
        CHECK(resps[0].at("session") == 1);
        CHECK(resps[0].at("pdu").at("command_status") == 0);
      }
    } else {
      // Everything the first session received went unanswered; at least those 4 are unknown.
      CHECK(session1 >= 4);
      CHECK(unknown >= 4);
      CHECK(hook->responses.size() == count - hook->errors.size());
    }
  }
}

TEST_CASE("node-smpp rejects the bind: connect() throws with its command_status",
          "[interop][esme]") {
  NodePeer peer = start_peer();
  peer.command({{"op", "set"}, {"bind_status", 0x0E}});
  asio::io_context io;
  run_coro(io, peer.settle());
  Esme esme(io.get_executor(), config_for(peer.port()));
  bool threw = false;
  try {
    run_coro(io, esme.connect());
  } catch (const SmppError& e) {
    threw = true;
    CHECK(e.command_status() == CommandStatus::invalid_password);
    CHECK(e.command_id() == CommandId::bind_transceiver);
  }
  CHECK(threw);
  const auto binds = peer.received("bind_transceiver");
  REQUIRE(binds.size() == 1);
  CHECK(binds[0].at("action") == "rejected");
  CHECK(esme.session_state() != SessionState::bound);
}
