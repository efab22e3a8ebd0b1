// Issue 16's delivery semantics, tested with aiosmpp's Esme against node-smpp (npm `smpp`) over
// loopback: throttling one submit_sm in four, receipts written before their response, the
// SMSC's unbind with responses still owed, and stop() with receipts in flight (the direct
// request API and outbind: esme_requests_interop_test.cpp).
//
// The peer is tests/interop/node/esme_server_peer.js, started on a free port for each test case
// and stopped by its process id when the case ends. Besides what the Esme's hook saw, each case
// asserts the peer's own tally ({"op":"stats"}): how many submit_sm it received and throttled, how
// often it accepted each text, and whether every request it sent got its response.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "delivery_support.hpp"
#include "esme_run.hpp"
#include "node_peer.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::test;
using namespace std::chrono_literals;

TEST_CASE(
    "node-smpp throttles one submit_sm in four: every message ends once, accepted, and the "
    "throttled ones are sent again",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  peer.command({{"op", "set"}, {"throttle_every", 4}});
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  auto cfg = delivery_config(peer.port());
  cfg.requeue.first_delay = 2ms;
  cfg.requeue.max_delay = 10ms;
  cfg.requeue.max_attempts = 20;  // a message throttled 20 times in a row: never, in practice
  Esme esme(io.get_executor(), cfg, {.hook = hook});
  constexpr int count = 40;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, false);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    CHECK(ok);
    co_await peer.wait([] { return false; }, 50ms);  // no late extra outcome
  });

  // Exactly one outcome per message, each the response that accepted it.
  REQUIRE(hook->outcomes.size() == count);
  const auto seen = hook->outcomes_by_log_id();
  CHECK(seen.size() == count);
  for (const auto& [id, n] : seen) {
    INFO(id);
    CHECK(n == 1);
  }
  const auto ids = answered_ids(peer);
  for (const auto& o : hook->outcomes) {
    INFO(o.tracking().log_id);
    REQUIRE(o.response.has_value());
    CHECK(o.accepted());
    CHECK(std::get_if<SubmitSmResp>(&*o.response) != nullptr);
    const auto& text = std::get<SubmitSm>(o.message).short_message;
    REQUIRE(ids.count(text) == 1);
    CHECK(o.message_id() == ids.at(text));
  }

  // Every 4th submit_sm the peer received was throttled: with T throttled, the peer received
  // count + T submit_sm and T == (count + T) / 4. Each throttled one was sent again, once.
  const json stats = peer_stats(io, peer);
  const auto throttled = stats.at("statuses").value("88", 0);  // ESME_RTHROTTLED, 0x58
  CHECK(stats.at("submits") == count + throttled);
  CHECK(throttled == (count + throttled) / 4);
  CHECK(stats.at("statuses").value("0", 0) == count);
  CHECK(esme.stats().throttled == static_cast<std::uint64_t>(throttled));
  CHECK(esme.stats().requeued == static_cast<std::uint64_t>(throttled));
  // The peer accepted each text exactly once: nothing was sent again after it was accepted.
  CHECK(stats.at("accepted").size() == count);
  for (const auto& [text, n] : stats.at("accepted").items()) {
    INFO(text);
    CHECK(n == 1);
  }
  CHECK(esme.stats().taken == count);
  CHECK(esme.stats().responses + esme.stats().send_errors == count);
}

TEST_CASE("node-smpp writes receipts before their submit_sm_resp: every receipt reaches its log_id",
          "[interop][esme][issue16]") {
  // 1: every receipt comes before its response; 2: every other one.
  for (const int every : {1, 2}) {
    INFO("receipt_first_every " << every);
    NodePeer peer = delivery_peer();
    peer.command({{"op", "set"}, {"auto_receipt", true}, {"receipt_first_every", every}});
    asio::io_context io;
    auto hook = std::make_shared<DeliveryHook>();
    auto correlator = std::make_shared<SimpleCorrelator>();
    Esme esme(io.get_executor(), delivery_config(peer.port()),
              {.correlator = correlator, .hook = hook});
    constexpr int count = 20;
    run_esme(io, esme, [&]() -> asio::awaitable<void> {
      bool ok = co_await peer.settle();
      REQUIRE(ok);
      co_await enqueue_numbered(esme, count, true);
      ok = co_await peer.wait(
          [&] { return hook->outcomes.size() == count && hook->receipts.size() == count; });
      CHECK(ok);
      ok = co_await peer.wait_received("deliver_sm_resp", count);
      CHECK(ok);
    });

    const auto early = peer.select([](const json& e) {
      return e.value("event", "") == "pdu" && e.value("receipt", "") == "before_response";
    });
    CHECK(early.size() == static_cast<std::size_t>(count / every));
    std::set<std::string> early_ids;
    for (const auto& e : early)
      early_ids.insert(e.at("message_id").get<std::string>());

    // Each receipt carries its submit's tracking; those that came first were held for it.
    REQUIRE(hook->receipts.size() == count);
    std::map<std::string, int> receipts_by_log_id;
    std::size_t held = 0;
    for (const auto& r : hook->receipts) {
      const auto* d = std::get_if<DeliverSm>(&r.receipt);
      REQUIRE(d != nullptr);
      auto parsed = text::parse_receipt(*d);
      REQUIRE(parsed.has_value());
      INFO(parsed->id);
      CHECK(r.matched);
      CHECK(r.final_state);
      CHECK(!r.repeat);
      CHECK(r.held == (early_ids.count(parsed->id) == 1));
      held += r.held ? 1U : 0U;
      const auto& t = d->tracking;
      ++receipts_by_log_id[t.log_id];
      CHECK(t.extra_data == "extra-" + t.log_id);
    }
    CHECK(held == early.size());
    CHECK(esme.stats().held_receipts == early.size());
    CHECK(receipts_by_log_id.size() == count);
    for (const auto& [id, n] : receipts_by_log_id) {
      INFO(id);
      CHECK(n == 1);
    }
    // Each receipt's log_id is the one of the submit the peer answered with its id.
    const auto ids = answered_ids(peer);
    for (const auto& o : hook->outcomes) {
      REQUIRE(o.accepted());
      CHECK(o.message_id() == ids.at(std::get<SubmitSm>(o.message).short_message));
    }
    // Nothing left in the correlator: every entry was finalised by its receipt, held or not.
    CHECK(correlator->size() == 0);
    CHECK(correlator->held() == 0);
    // Every deliver_sm the peer wrote was answered.
    const json stats = peer_stats(io, peer);
    CHECK(stats.at("requests").at("deliver_sm").at("sent") == count);
    CHECK(stats.at("requests").at("deliver_sm").at("answered") == count);
  }
}

TEST_CASE(
    "node-smpp unbinds while it owes responses and writes them after its unbind: each is "
    "matched, none is outcome_unknown",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  peer.command({{"op", "set"}, {"withhold_after", 3}});  // the first session holds all but 3
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  Esme esme(io.get_executor(), delivery_config(peer.port()),
            {.hook = hook, .retry_timer = quick_retry()});
  constexpr int count = 12;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, false);
    // 3 answered, then the window (8) fills with requests whose responses the peer holds.
    ok = co_await peer.wait(
        [&] { return hook->outcomes.size() == 3 && peer.received("submit_sm").size() == 11; });
    REQUIRE(ok);
    peer.command({{"op", "set"}, {"withhold_after", -1}});  // for the next session
    // unbind, then the 8 held responses, then (on the Esme's unbind_resp) the close.
    peer.command({{"op", "unbind"}, {"release", true}});
    ok = co_await peer.settle();
    REQUIRE(ok);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    CHECK(ok);
    co_await peer.wait([] { return false; }, 50ms);  // no late extra outcome
  });

  const auto released =
      peer.select([](const json& e) { return e.value("event", "") == "released"; });
  CHECK(released.size() == 8);
  // Written after the unbind: the peer reports the unbind as sent before the first of them.
  const auto& events = peer.events();
  std::size_t unbind_at = events.size();
  std::size_t first_release_at = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (unbind_at == events.size() && e.value("event", "") == "sent" &&
        e.value("command", "") == "unbind")
      unbind_at = i;
    if (first_release_at == events.size() && e.value("event", "") == "released")
      first_release_at = i;
  }
  CHECK(unbind_at < first_release_at);

  REQUIRE(hook->outcomes.size() == count);
  const auto seen = hook->outcomes_by_log_id();
  CHECK(seen.size() == count);
  for (const auto& [id, n] : seen) {
    INFO(id);
    CHECK(n == 1);
  }
  // Every message ended with its response, with the message_id the peer gave it; the 8 held
  // ones on session 1, after the unbind.
  const auto ids = answered_ids(peer);
  std::set<std::string> released_texts;
  for (const auto& e : released)
    released_texts.insert(e.at("text").get<std::string>());
  std::size_t matched_after_unbind = 0;
  for (const auto& o : hook->outcomes) {
    INFO(o.tracking().log_id);
    CHECK(!o.error.has_value());
    REQUIRE(o.response.has_value());
    CHECK(o.accepted());
    const auto& text = std::get<SubmitSm>(o.message).short_message;
    REQUIRE(ids.count(text) == 1);
    CHECK(o.message_id() == ids.at(text));
    matched_after_unbind += released_texts.count(text);
  }
  CHECK(matched_after_unbind == 8);
  CHECK(esme.stats().send_errors == 0);
  CHECK(esme.stats().late_responses == 0);
  CHECK(esme.stats().connects == 2);
  const auto resps = peer.received("unbind_resp");
  REQUIRE(resps.size() == 1);
  CHECK(resps[0].at("session") == 1);
  // The peer accepted each text once: nothing held was sent again on the second session.
  const json stats = peer_stats(io, peer);
  CHECK(stats.at("accepted").size() == count);
  for (const auto& [text, n] : stats.at("accepted").items()) {
    INFO(text);
    CHECK(n == 1);
  }
}

TEST_CASE(
    "stop() while node-smpp writes receipts, before and after the Esme's unbind: every "
    "deliver_sm is answered",
    "[interop][esme][issue16]") {
  NodePeer peer = delivery_peer();
  // On the Esme's unbind the peer writes the receipts not written yet, then unbind_resp.
  peer.command({{"op", "set"}, {"receipts_on_unbind", true}});
  asio::io_context io;
  auto hook = std::make_shared<DeliveryHook>();
  hook->gate = true;  // the first receipt holds the Esme's reading until stop() is called
  Esme esme(io.get_executor(), delivery_config(peer.port()), {.hook = hook});
  constexpr int count = 8;
  constexpr int before_stop = 4;
  std::size_t answered_at_stop = 0;
  run_esme(io, esme, [&]() -> asio::awaitable<void> {
    bool ok = co_await peer.settle();
    REQUIRE(ok);
    co_await enqueue_numbered(esme, count, true);
    ok = co_await peer.wait([&] { return hook->outcomes.size() == count; });
    REQUIRE(ok);
    // Receipts for the first messages, written before stop(): the first is in the hook, the
    // others in the Esme's read buffer (or on their way) when it stops, none answered yet.
    for (int i = 0; i < before_stop; ++i) {
      const auto& o = hook->outcomes[static_cast<std::size_t>(i)];
      peer.command({{"op", "receipt"}, {"message_id", std::string(o.message_id())}});
    }
    ok = co_await peer.wait([&] {
      return hook->gate_entered && peer.select([](const json& e) {
                                         return e.value("event", "") == "sent";
                                       }).size() == before_stop;
    });
    REQUIRE(ok);
    answered_at_stop = peer.received("deliver_sm_resp").size();
    hook->gate_open = true;
    co_await esme.stop();
  });
  REQUIRE(run_coro(io, peer.wait([&] { return peer_closed(peer, 1); })));

  const auto sent = peer.select([](const json& e) {
    return e.value("event", "") == "sent" && e.value("command", "") == "deliver_sm";
  });
  REQUIRE(sent.size() == count);
  CHECK(answered_at_stop == 0);
  // The last ones were written after the Esme's unbind reached the peer, before its
  // unbind_resp.
  const auto& events = peer.events();
  std::size_t unbind_at = events.size();
  std::size_t after_unbind = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e.value("event", "") == "pdu" && e.at("pdu").value("command", "") == "unbind")
      unbind_at = i;
    if (i > unbind_at && e.value("event", "") == "sent" && e.value("command", "") == "deliver_sm")
      ++after_unbind;
  }
  REQUIRE(unbind_at < events.size());
  CHECK(after_unbind == count - before_stop);
  // node-smpp got a deliver_sm_resp for each, by its own count and by sequence number.
  const json stats = peer_stats(io, peer);
  CHECK(stats.at("requests").at("deliver_sm").at("sent") == count);
  CHECK(stats.at("requests").at("deliver_sm").at("answered") == count);
  CHECK(stats.at("unanswered").empty());
  std::set<std::uint32_t> sent_seqs;
  std::set<std::uint32_t> resp_seqs;
  for (const auto& e : sent)
    sent_seqs.insert(e.at("sequence_number").get<std::uint32_t>());
  for (const auto& e : peer.received("deliver_sm_resp")) {
    CHECK(e.at("pdu").at("command_status") == 0);
    resp_seqs.insert(e.at("pdu").at("sequence_number").get<std::uint32_t>());
  }
  CHECK(sent_seqs == resp_seqs);
  // And each reached the hook with its submit's log_id.
  REQUIRE(hook->receipts.size() == count);
  std::set<std::string> log_ids;
  for (const auto& r : hook->receipts) {
    CHECK(r.matched);
    log_ids.insert(tracking_of(r.receipt).log_id);
  }
  CHECK(log_ids.size() == count);
  CHECK(esme.stats().received == count);
}
