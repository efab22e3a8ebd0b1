// The simulator's own bounds (issue 15) over loopback: a receipt that cannot be built for the
// ESME is dropped, never thrown; receipts to an ESME that never answers them are offered again
// with back-off, never lost; receipts and MO owed per session are bounded; withheld responses
// are not pending; every submit_sm is counted once.

#include <chrono>
#include <string>
#include <vector>

#include "aiosmpp/smsc/simulator.hpp"
#include "smsc/raw_client.hpp"
#include "smsc/sim_harness.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using namespace aiosmpp::test;

namespace {

DataSm long_source_data_sm() {
  DataSm d;
  d.source = PhoneNumber(std::string(30, '7'));  // data_sm allows 64; a deliver_sm only 20
  d.destination = PhoneNumber("447700900123");
  d.registered_delivery = RegisteredDelivery::receipt_always;
  return d;
}

void check_conservation(const SimStats& s) {
  CHECK(s.submits == s.accepted + s.submit_errors + s.withheld);
}

}  // namespace

TEST_CASE("sim: a receipt that cannot be a deliver_sm is dropped and counted, nothing ends") {
  auto cfg = base_config();
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient trx(t.io.get_executor());
    co_await trx.connect(t.at);
    co_await trx.bind("long");
    const auto d = long_source_data_sm();
    co_await trx.send(d);
    auto resp = co_await trx.expect<DataSmResp>();
    CHECK(resp.header.command_status == CommandStatus::ok);
    co_await pause(100ms);
    CHECK(t.sim.stats().receipts_dropped == 1);
    // The session and the simulator go on.
    co_await trx.send(submit());
    {
      auto awaited = co_await trx.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::ok);
    }

    // The same for a receipt that waits for a receiver binding later: the bind still succeeds.
    RawClient tx(t.io.get_executor());
    co_await tx.connect(t.at);
    co_await tx.bind<BindTransmitter>("later");
    co_await tx.send(d);
    co_await tx.expect<DataSmResp>();
    co_await pause(100ms);
    RawClient rx(t.io.get_executor());
    co_await rx.connect(t.at);
    co_await rx.bind<BindReceiver>("later");
    co_await pause(50ms);
    CHECK(t.sim.stats().receipts_dropped == 2);
    CHECK(t.sim.stats().receipts_waiting == 0);
    co_await rx.send_new<EnquireLink>();
    co_await rx.expect<EnquireLinkResp>();
  });
}

TEST_CASE("sim: receipts to an ESME that never answers them back off, and none is lost") {
  auto cfg = base_config();
  cfg.window = 5;
  cfg.response_timeout = 100ms;
  cfg.receipt_retry = {100ms, 400ms};
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("mute");
    for (int i = 0; i < 5; ++i)
      co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    // Read everything for 1.5 s, answer no deliver_sm.
    int deliveries = 0;
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < start + 1500ms) {
      auto r = co_await c.read(100ms);
      if (r.pdu && std::holds_alternative<DeliverSm>(*r.pdu)) ++deliveries;
    }
    const auto s = t.sim.stats();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(s.accepted == 5);
    CHECK(s.receipts_sent >= static_cast<std::uint64_t>(deliveries));
    // Every receipt counted as sent arrives: the ones still in the simulator's write queue, the
    // socket or the client's buffer when the reading stopped are read now. How many those are
    // depends on the machine's load, so the drain counts them instead of bounding them.
    int arrived = deliveries;
    const auto drain_until = std::chrono::steady_clock::now() + 3s;
    while (static_cast<std::uint64_t>(arrived) < s.receipts_sent &&
           std::chrono::steady_clock::now() < drain_until) {
      auto r = co_await c.read(100ms);
      if (r.pdu && std::holds_alternative<DeliverSm>(*r.pdu)) ++arrived;
    }
    CHECK(static_cast<std::uint64_t>(arrived) >= s.receipts_sent);
    CHECK(s.receipts_retried > 0);
    // Round k+1 starts at the earliest 100 ms (response timeout) + min(100 * 2^(k-1), 400) ms
    // after round k: rounds at 0, 200, 500, 900, 1300, 1700 ms... A fixed 100 ms retry would
    // allow one every 200 ms. A slower machine makes fewer; none makes more.
    std::uint64_t rounds = 0;
    auto at = std::chrono::milliseconds(0);
    for (auto retry = 100ms; at <= elapsed; retry = std::min(retry * 2, 400ms)) {
      ++rounds;
      at += 100ms + retry;
    }
    CHECK(s.receipts_sent <= 5 * rounds);
    CHECK(s.receipts_acked == 0);
    CHECK(s.receipts_failed == 0);
    CHECK(s.receipts_dropped == 0);
    CHECK(s.receipts_waiting + s.window == 5);  // every receipt still owed, in one place
  });
}

TEST_CASE("sim: receipts owed per session are bounded - beyond it ESME_RMSGQFUL, then room again") {
  auto cfg = base_config();
  cfg.max_receipts_per_session = 3;
  cfg.receipt_delay = {200ms, 200ms};
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("bounded");
    for (int i = 0; i < 4; ++i)
      co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    std::vector<CommandStatus> statuses;
    for (int i = 0; i < 4; ++i) {
      auto awaited = co_await c.expect<SubmitSmResp>();
      statuses.push_back(awaited.header.command_status);
    }
    CHECK(statuses == std::vector<CommandStatus>{CommandStatus::ok, CommandStatus::ok,
                                                 CommandStatus::ok,
                                                 CommandStatus::message_queue_full});
    // Without a receipt the bound does not apply.
    co_await c.send(submit("x"));
    {
      auto awaited = co_await c.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::ok);
    }
    // Take the three receipts; then there is room again.
    for (int i = 0; i < 3; ++i) {
      auto d = co_await c.expect<DeliverSm>();
      DeliverSmResp ok;
      co_await c.send(ok, d.header.sequence_number);
    }
    co_await pause(20ms);
    co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    {
      auto awaited = co_await c.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::ok);
    }
    const auto s = t.sim.stats();
    CHECK(s.queue_full == 1);
    CHECK(s.submit_errors == 1);
    check_conservation(s);
  });
}

TEST_CASE("sim: MO to a receiver that never answers stops at the per-session bound") {
  auto cfg = base_config();
  cfg.mo_rate = 1000;
  cfg.max_mo_per_session = 5;
  cfg.mo.text = "hi";
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind<BindReceiver>("mo");
    int seen = 0;
    const auto until = std::chrono::steady_clock::now() + 400ms;
    while (std::chrono::steady_clock::now() < until) {
      auto r = co_await c.read(50ms);
      if (r.pdu && std::holds_alternative<DeliverSm>(*r.pdu)) ++seen;
    }
    CHECK(seen == 5);
    CHECK(t.sim.stats().mo_sent == 5);
    CHECK(t.sim.stats().backlog == 0);
  });
}

TEST_CASE("sim: withheld responses never count as pending, and every submit_sm is counted once") {
  auto cfg = base_config();
  cfg.withhold_rate = 0.5;
  cfg.max_pending_requests = 5;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("withhold");
    for (int i = 0; i < 200; ++i)
      co_await c.send(submit());
    co_await c.send_new<EnquireLink>();
    int ok = 0;
    for (;;) {
      auto r = co_await c.read();
      REQUIRE(r.pdu);
      if (std::holds_alternative<EnquireLinkResp>(*r.pdu)) break;
      REQUIRE(std::holds_alternative<SubmitSmResp>(*r.pdu));
      CHECK(std::get<SubmitSmResp>(*r.pdu).header.command_status == CommandStatus::ok);
      ++ok;
    }
    const auto s = t.sim.stats();
    CHECK(s.withheld > 5);  // more than max_pending_requests, and still no ESME_RTHROTTLED
    CHECK(s.pending_throttled == 0);
    CHECK(static_cast<std::uint64_t>(ok) == s.accepted);
    CHECK(s.submits == 200);
    check_conservation(s);
  });
}

TEST_CASE(
    "sim: the total receipt bound counts every session, and receipts waiting for a receiver") {
  auto cfg = base_config();
  cfg.max_receipts = 3;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    // Two receipts owed to "later", which has no receiver bound: they wait, and count.
    RawClient tx(t.io.get_executor());
    co_await tx.connect(t.at);
    co_await tx.bind<BindTransmitter>("later");
    for (int i = 0; i < 2; ++i) {
      co_await tx.send(submit("x", RegisteredDelivery::receipt_always));
      auto awaited = co_await tx.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::ok);
    }
    co_await pause(50ms);
    CHECK(t.sim.stats().receipts_waiting == 2);
    // Another session: one more receipt fits the total, the next does not.
    RawClient trx(t.io.get_executor());
    co_await trx.connect(t.at);
    co_await trx.bind("other");
    std::vector<CommandStatus> statuses;
    for (int i = 0; i < 2; ++i) {
      co_await trx.send(submit("x", RegisteredDelivery::receipt_always));
      auto awaited = co_await trx.expect<SubmitSmResp>();
      statuses.push_back(awaited.header.command_status);
    }
    CHECK(statuses ==
          std::vector<CommandStatus>{CommandStatus::ok, CommandStatus::message_queue_full});
    // "later"'s session is refused as well, and a submit_sm without a receipt is not.
    co_await tx.send(submit("x", RegisteredDelivery::receipt_always));
    {
      auto awaited = co_await tx.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::message_queue_full);
    }
    co_await tx.send(submit("x"));
    {
      auto awaited = co_await tx.expect<SubmitSmResp>();
      CHECK(awaited.header.command_status == CommandStatus::ok);
    }
    // A receiver for "later" takes its two receipts: room for two more, on any session.
    RawClient rx(t.io.get_executor());
    co_await rx.connect(t.at);
    co_await rx.bind<BindReceiver>("later");
    for (int i = 0; i < 2; ++i) {
      auto d = co_await rx.expect<DeliverSm>();
      DeliverSmResp ok;
      co_await rx.send(ok, d.header.sequence_number);
    }
    co_await pause(50ms);
    CHECK(t.sim.stats().receipts_waiting == 0);
    co_await trx.send(submit("x", RegisteredDelivery::receipt_always));
    {
      // Its first receipt (never answered) may arrive before this response.
      auto r = co_await trx.read();
      while (r.pdu && std::holds_alternative<DeliverSm>(*r.pdu))
        r = co_await trx.read();
      REQUIRE(r.pdu);
      REQUIRE(std::holds_alternative<SubmitSmResp>(*r.pdu));
      CHECK(std::get<SubmitSmResp>(*r.pdu).header.command_status == CommandStatus::ok);
    }
    const auto s = t.sim.stats();
    CHECK(s.queue_full == 2);
    CHECK(s.receipts_acked == 2);
    check_conservation(s);
  });
}

TEST_CASE("sim: an MO the session cannot carry is dropped, logged and counted, nothing ends") {
  auto cfg = base_config();
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient rx(t.io.get_executor());
    co_await rx.connect(t.at);
    co_await rx.bind<BindReceiver>("mo");
    co_await pause(20ms);
    REQUIRE(t.sim.sessions().size() == 1);
    const auto id = t.sim.sessions().front().id;
    MoMessage m;
    m.text = "hi";
    m.from = std::string(25, '4');  // a deliver_sm source_addr holds 20 characters
    CHECK(t.sim.inject_mo(id, m) == 0);
    auto s = t.sim.stats();
    CHECK(s.mo_dropped == 1);
    CHECK(s.mo_sent == 0);
    CHECK(s.mo_failed == 0);
    CHECK(s.sessions_failed == 0);
    // The session goes on: a well-formed MO reaches it.
    m.from = "447700900123";
    CHECK(t.sim.inject_mo(id, m) == 1);
    auto d = co_await rx.expect<DeliverSm>();
    DeliverSmResp ok;
    co_await rx.send(ok, d.header.sequence_number);
    co_await pause(20ms);
    s = t.sim.stats();
    CHECK(s.mo_acked == 1);
    CHECK(s.mo_dropped == 1);
  });
}

TEST_CASE("sim: accounts of fresh system_ids are not kept once their sessions end") {
  auto cfg = base_config();
  SimHarness t(cfg);
  auto bind_and_leave = [&](int first, int n, bool submit_one) -> asio::awaitable<void> {
    for (int i = first; i < first + n; ++i) {
      RawClient c(t.io.get_executor());
      co_await c.connect(t.at);
      co_await c.bind(("id" + std::to_string(i)).c_str());
      if (submit_one) {
        co_await c.send(submit());
        co_await c.expect<SubmitSmResp>();
      }
      co_await c.send_new<Unbind>();
      co_await c.expect<UnbindResp>();
    }
  };
  t.run(
      [&]() -> asio::awaitable<void> {
        // Without account_rate nothing is remembered of an account nobody is bound to.
        co_await bind_and_leave(0, 100, false);
        co_await pause(100ms);
        CHECK(t.sim.stats().accounts == 0);
        // With it, an account that submitted is kept while its one-second window counts, then swept
        // once the map has grown: 200 fresh ids, a pause, 200 more, never 400 kept.
        t.sim.set_option("account-rate", "100");
        co_await bind_and_leave(1000, 200, true);
        co_await pause(1100ms);
        co_await bind_and_leave(2000, 200, true);
        co_await pause(100ms);
        const auto kept = t.sim.stats().accounts;
        INFO("accounts kept " << kept);
        CHECK(kept <= 200);
        CHECK(t.sim.stats().sessions == 0);
      },
      60s);
}
