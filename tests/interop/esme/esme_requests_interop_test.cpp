// The Esme's direct request API and outbind against node-smpp (npm `smpp`) over loopback
// (issue 16): submit() and data_sm() returning node-smpp's response with its message_id, submit()
// through a throttle, a generic_nack and each SendError kind, and node-smpp's client outbinding
// to an Esme that listens for it.
//
// The peer is tests/interop/node/esme_server_peer.js, started on a free port for each test case
// and stopped by its process id when the case ends.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "delivery_support.hpp"
#include "esme_run.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"
#include "support/test_support.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

TEST_CASE(
    "submit() and data_sm() against node-smpp return the response with node-smpp's "
    "message_id",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), delivery_config(peer.port()), {.hook = hook});
  std::vector<Outcome> got;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(1, false)));
    // A refusal is a response too: the outcome carries node-smpp's status.
    peer.command({{"op", "set"}, {"submit_statuses", {0x0B}}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(2, false)));
    DataSm d;
    d.source = PhoneNumber("254722000001", Ton::international, Npi::isdn);
    d.destination = PhoneNumber("254733000002", Ton::international, Npi::isdn);
    d.tracking.log_id = "data-1";
    const std::string payload = "direct data sm";
    REQUIRE(
        d.tlvs.set<tlv::MessagePayload>(std::vector<std::uint8_t>(payload.begin(), payload.end()))
            .has_value());
    got.push_back(co_await esme.data_sm(std::move(d)));
  });

  REQUIRE(got.size() == 3);
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 2);
  const auto* r1 = got[0].response ? std::get_if<SubmitSmResp>(&*got[0].response) : nullptr;
  REQUIRE(r1 != nullptr);
  CHECK(got[0].accepted());
  CHECK(!got[0].error.has_value());
  CHECK(got[0].tracking().log_id == "m01");
  CHECK(r1->tracking.log_id == "m01");
  CHECK(got[0].message_id() == submits[0].at("message_id").get<std::string>());
  CHECK(r1->header.sequence_number == submits[0].at("pdu").at("sequence_number"));

  CHECK(!got[1].accepted());
  CHECK(got[1].status() == CommandStatus::invalid_dest_address);
  CHECK(got[1].message_id().empty());
  CHECK(got[1].tracking().log_id == "m02");
  CHECK(submits[1].at("action") == "rejected");

  const auto datas = peer.received("data_sm");
  REQUIRE(datas.size() == 1);
  CHECK(datas[0].at("text") == "direct data sm");
  const auto* r3 = got[2].response ? std::get_if<DataSmResp>(&*got[2].response) : nullptr;
  REQUIRE(r3 != nullptr);
  CHECK(got[2].accepted());
  CHECK(got[2].tracking().log_id == "data-1");
  CHECK(got[2].message_id() == datas[0].at("message_id").get<std::string>());
  CHECK(!got[2].message_id().empty());

  // The hook saw the same three outcomes.
  REQUIRE(hook->outcomes.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(hook->outcomes[i].tracking().log_id == got[i].tracking().log_id);
    CHECK(hook->outcomes[i].message_id() == got[i].message_id());
  }
}

TEST_CASE(
    "submit() against node-smpp: sent again after a throttle, a generic_nack as the answer, "
    "and each SendError kind",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  auto cfg = delivery_config(peer.port());
  cfg.requeue.first_delay = 2ms;
  cfg.requeue.max_delay = 10ms;
  Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = quick_retry()});
  // Before start(): not_sent at once.
  const Outcome idle = run_coro(io, esme.submit(numbered(0, false)));
  std::vector<Outcome> got;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(ok);
    // ESME_RTHROTTLED for the first submit_sm (its second send is answered).
    peer.command({{"op", "set"}, {"submit_statuses", {0x58}}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(1, false)));
    // A generic_nack (ESME_RINVCMDID) for the next.
    peer.command({{"op", "set"}, {"submit_statuses", json::array({json{{"generic_nack", 0x03}}})}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(2, false)));
    SubmitSm bad = numbered(3, false);
    bad.destination = PhoneNumber(std::string(30, '9'));  // destination_addr: 20 octets at most
    got.push_back(co_await esme.submit(bad));
    // node-smpp destroys the connection when the next submit_sm arrives, answering nothing.
    peer.command({{"op", "set"}, {"drop_after", peer.received("submit_sm").size() + 1}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    got.push_back(co_await esme.submit(numbered(4, false)));
    peer.command({{"op", "set"}, {"drop_after", -1}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    // submit() waits for the Esme to bind again.
    got.push_back(co_await esme.submit(numbered(5, false)));
  });

  REQUIRE(idle.error.has_value());
  CHECK(idle.error->kind == SendError::Kind::not_sent);
  CHECK(idle.error->code == errc::not_bound);
  REQUIRE(got.size() == 5);
  const auto submits = peer.received("submit_sm");
  REQUIRE(submits.size() == 5);
  // Throttled, then sent again by the Esme and accepted: one outcome, the acceptance.
  CHECK(submits[0].at("action") == "rejected");
  CHECK(submits[0].at("command_status") == 0x58);
  CHECK(submits[1].at("action") == "answered");
  CHECK(submits[1].at("text") == "message 01");
  CHECK(got[0].accepted());
  CHECK(got[0].tracking().log_id == "m01");
  CHECK(got[0].message_id() == submits[1].at("message_id").get<std::string>());
  CHECK(esme.stats().requeued == 1);
  // A generic_nack is the response: no error, no message_id, node-smpp's status.
  CHECK(submits[2].at("action") == "nacked");
  REQUIRE(got[1].response.has_value());
  CHECK(std::holds_alternative<GenericNack>(*got[1].response));
  CHECK(!got[1].error.has_value());
  CHECK(!got[1].accepted());
  CHECK(got[1].status() == static_cast<CommandStatus>(0x03));
  CHECK(got[1].message_id().empty());
  CHECK(tracking_of(*got[1].response).log_id == "m02");
  // Too long a destination: invalid_message, nothing sent.
  REQUIRE(got[2].error.has_value());
  CHECK(got[2].error->kind == SendError::Kind::invalid_message);
  CHECK(!got[2].response.has_value());
  for (const auto& e : submits)
    CHECK(e.at("text") != "message 03");
  // Read by node-smpp, then the connection dropped: outcome_unknown.
  CHECK(submits[3].at("text") == "message 04");
  CHECK(submits[3].at("action") == "dropped");
  REQUIRE(got[3].error.has_value());
  CHECK(got[3].error->kind == SendError::Kind::outcome_unknown);
  // After the reconnect, on the second session.
  CHECK(submits[4].at("session") == 2);
  CHECK(got[4].accepted());
  CHECK(got[4].message_id() == submits[4].at("message_id").get<std::string>());
  CHECK(esme.stats().connects == 2);
  // The hook saw each of the five outcomes once.
  const auto seen = hook->outcomes_by_log_id();
  for (const char* id : {"m01", "m02", "m03", "m04", "m05"}) {
    INFO(id);
    CHECK(seen.count(id) == 1);
    if (seen.count(id) == 1) CHECK(seen.at(id) == 1);
  }
}

TEST_CASE(
    "outbind from node-smpp's client: the Esme refuses a wrong password, then binds as "
    "receiver on the next outbind and takes a deliver_sm",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  asio::io_context io;
  std::uint16_t port = 0;
  {
    // A port nobody listens on now: the Esme's outbind port must be given before it starts.
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto cfg = delivery_config(port);
  cfg.bind_mode = BindMode::receiver;
  cfg.system_id = "esme-rx";
  cfg.outbind.enabled = true;
  cfg.outbind.listen_port = port;
  cfg.outbind.system_id = "node-smsc";
  cfg.outbind.password = "opw";
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), cfg, {.hook = hook, .retry_timer = quick_retry()});
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    // node-smpp connects (trying again while the Esme's acceptor is not open yet) and sends
    // outbind.
    peer.command(
        {{"op", "outbind"}, {"port", port}, {"system_id", "node-smsc"}, {"password", "wrong"}});
    bool ok = co_await peer.wait([&] { return peer_closed(peer, 1); });
    REQUIRE(ok);
    peer.command(
        {{"op", "outbind"}, {"port", port}, {"system_id", "node-smsc"}, {"password", "opw"}});
    ok = co_await peer.wait([&] { return esme.session_state() == SessionState::bound; });
    REQUIRE(ok);
    peer.command({{"op", "deliver"},
                  {"params",
                   {{"source_addr", "254700000001"},
                    {"destination_addr", "4040"},
                    {"short_message", {{"hex", to_hex(as_octets("mo over outbind"))}}}}}});
    ok = co_await peer.settle();
    CHECK(ok);
    ok = co_await peer.wait_received("deliver_sm_resp", 1);
    CHECK(ok);
  });

  const auto outbinds = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "outbind";
  });
  REQUIRE(outbinds.size() == 2);
  CHECK(outbinds[0].at("session") == 1);
  CHECK(outbinds[1].at("session") == 2);
  // Refused: no bind on the first connection. Accepted: bind_receiver on the outbind's own
  // connection, with the Esme's credentials.
  const auto binds = peer.received("bind_receiver");
  REQUIRE(binds.size() == 1);
  CHECK(binds[0].at("session") == 2);
  CHECK(binds[0].at("pdu").at("system_id") == "esme-rx");
  CHECK(binds[0].at("pdu").at("password") == "pw");
  CHECK(peer.received("bind_transceiver").empty());
  CHECK(peer.received("bind_transmitter").empty());
  CHECK(esme.stats().connects == 1);
  REQUIRE(hook->requests.size() == 1);
  const auto* d = std::get_if<DeliverSm>(&hook->requests[0]);
  REQUIRE(d != nullptr);
  CHECK(d->short_message == "mo over outbind");
  const auto resps = peer.received("deliver_sm_resp");
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("session") == 2);
  CHECK(resps[0].at("pdu").at("command_status") == 0);
  // stop(): the Esme unbinds the receiver session; node-smpp answers.
  const auto unbinds = peer.received("unbind");
  REQUIRE(unbinds.size() == 1);
  CHECK(unbinds[0].at("session") == 2);
}
