// The simulator's behaviours for testing an ESME's delivery semantics (issue 16) and pools of
// binds (issue 17), over loopback: receipts before their response, responses after the
// simulator's own unbind, throttling and queue-full patterns, intermediate receipts, hex/decimal
// message id quirks, a share of delayed responses, and the account rate over several binds.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "smsc/raw_client.hpp"
#include "smsc/sim_harness.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using namespace aiosmpp::test;

namespace {

std::string receipt_id(const DeliverSm& d) {
  auto r = text::parse_receipt(d.short_message);
  REQUIRE(r);
  return r->id;
}

}  // namespace

TEST_CASE("sim: receipts before their submit_sm_resp, every Nth") {
  auto cfg = base_config();
  cfg.receipt_first_every = 2;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("first");
    std::vector<std::string> order;  // "resp:<seq>" and "receipt:<id>" as they arrive
    std::map<std::uint32_t, std::string> ids;
    for (int i = 0; i < 4; ++i)
      co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    while (order.size() < 8) {
      auto r = co_await c.read();
      REQUIRE(r.pdu);
      if (auto* resp = std::get_if<SubmitSmResp>(&*r.pdu)) {
        order.push_back("resp:" + resp->message_id);
      } else if (auto* d = std::get_if<DeliverSm>(&*r.pdu)) {
        order.push_back("receipt:" + receipt_id(*d));
        DeliverSmResp ok;
        co_await c.send(ok, d->header.sequence_number);
      }
    }
    // Receipts 2 and 4 (of message ids 2 and 4) overtake their responses; 1 and 3 follow theirs.
    auto pos = [&](const std::string& s) {
      return std::find(order.begin(), order.end(), s) - order.begin();
    };
    CHECK(pos("receipt:2") < pos("resp:2"));
    CHECK(pos("receipt:4") < pos("resp:4"));
    CHECK(pos("resp:1") < pos("receipt:1"));
    CHECK(pos("resp:3") < pos("receipt:3"));
    co_await pause(20ms);
    CHECK(t.sim.stats().receipts_first == 2);
    CHECK(t.sim.stats().receipts_acked == 4);
  });
}

TEST_CASE("sim: responses written after the simulator's own unbind") {
  auto cfg = base_config();
  cfg.receipts = false;
  cfg.unbind_after = 3;
  cfg.unbind_owed = 2;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("owed");
    std::vector<std::uint32_t> seqs;
    for (int i = 0; i < 3; ++i) {
      const auto s = submit();
      seqs.push_back(co_await c.send(s));
    }
    auto r1 = co_await c.expect<SubmitSmResp>();
    CHECK(r1.header.sequence_number == seqs[0]);
    auto u = co_await c.expect<Unbind>();
    auto r2 = co_await c.expect<SubmitSmResp>();
    auto r3 = co_await c.expect<SubmitSmResp>();
    CHECK(r2.header.sequence_number == seqs[1]);
    CHECK(r3.header.sequence_number == seqs[2]);
    CHECK(r3.header.command_status == CommandStatus::ok);
    UnbindResp ur;
    co_await c.send(ur, u.header.sequence_number);
    {
      auto closed = co_await c.closed();
      CHECK(closed);
    }
    CHECK(t.sim.stats().unbinds == 1);
  });
}

TEST_CASE("sim: throttling and queue-full patterns, every Nth and above a rate") {
  auto cfg = base_config();
  cfg.receipts = false;
  cfg.throttle_every = 4;
  cfg.queue_full_every = 5;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("pattern");
    auto got = co_await submit_many(c, 20);
    int throttled = 0;
    int full = 0;
    for (auto& [seq, status] : got) {
      // Sequence numbers start at 2 (the bind took 1): the Nth submit_sm is seq N + 1.
      const auto n = seq - 1;
      if (n % 4 == 0) {
        CHECK(status == CommandStatus::throttled);
        ++throttled;
      } else if (n % 5 == 0) {
        CHECK(status == CommandStatus::message_queue_full);
        ++full;
      } else {
        CHECK(status == CommandStatus::ok);
      }
    }
    CHECK(throttled == 5);
    CHECK(full == 3);  // 5, 10, 15 (20 is throttled first)
    CHECK(t.sim.stats().throttled == 5);
    CHECK(t.sim.stats().queue_full == 3);
  });
}

TEST_CASE("sim: ESME_RMSGQFUL above a per-session rate") {
  auto cfg = base_config();
  cfg.receipts = false;
  cfg.queue_full_above = 10;  // burst of 1
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("qrate");
    auto got = co_await submit_many(c, 30);
    int full = 0;
    for (auto& [seq, status] : got) {
      if (status == CommandStatus::message_queue_full) ++full;
    }
    CHECK(full > 0);
    CHECK(static_cast<std::uint64_t>(full) == t.sim.stats().queue_full);
  });
}

TEST_CASE("sim: an intermediate receipt (ENROUTE or BUFFRED, no message_state) before the final") {
  for (auto kind : {IntermediateReceipt::enroute, IntermediateReceipt::buffered}) {
    auto cfg = base_config();
    cfg.intermediate_receipt = kind;
    cfg.receipt_delay = {40ms, 40ms};
    SimHarness t(cfg);
    t.run([&]() -> asio::awaitable<void> {
      RawClient c(t.io.get_executor());
      co_await c.connect(t.at);
      co_await c.bind("interim");
      co_await c.send(submit("hello", RegisteredDelivery::receipt_always));
      auto resp = co_await c.expect<SubmitSmResp>();
      auto first = co_await c.expect<DeliverSm>();
      CHECK(message_type(first.esm_class) == EsmClass::delivery_receipt);
      auto r1 = text::parse_receipt(first.short_message);
      REQUIRE(r1);
      CHECK(r1->id == resp.message_id);
      CHECK(r1->stat == (kind == IntermediateReceipt::enroute ? "ENROUTE" : "BUFFRED"));
      CHECK(r1->delivered == 0U);
      CHECK_FALSE(first.tlvs.get<tlv::MessageState>());
      DeliverSmResp ok;
      co_await c.send(ok, first.header.sequence_number);
      auto final_receipt = co_await c.expect<DeliverSm>();
      auto r2 = text::parse_receipt(final_receipt.short_message);
      REQUIRE(r2);
      CHECK(r2->stat == "DELIVRD");
      CHECK(final_receipt.tlvs.get<tlv::MessageState>() ==
            std::optional<std::uint8_t>(static_cast<std::uint8_t>(MessageState::delivered)));
      co_await c.send(ok, final_receipt.header.sequence_number);
      co_await pause(20ms);
      CHECK(t.sim.stats().receipts_intermediate == 1);
      CHECK(t.sim.stats().receipts_acked == 1);
      CHECK(t.sim.stats().receipts_waiting == 0);
    });
  }
}

TEST_CASE("sim: message ids in hex in submit_sm_resp and decimal in the receipt text") {
  auto cfg = base_config();
  cfg.message_ids = MessageIdFormat::hex_in_response;
  cfg.receipt_style = ReceiptStyle::text;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("quirk");
    std::vector<std::string> hex_ids;
    for (int i = 0; i < 12; ++i)
      co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    std::set<std::string> receipt_ids;
    while (hex_ids.size() < 12 || receipt_ids.size() < 12) {
      auto r = co_await c.read();
      REQUIRE(r.pdu);
      if (auto* resp = std::get_if<SubmitSmResp>(&*r.pdu)) {
        hex_ids.push_back(resp->message_id);
      } else if (auto* d = std::get_if<DeliverSm>(&*r.pdu)) {
        receipt_ids.insert(receipt_id(*d));
        DeliverSmResp ok;
        co_await c.send(ok, d->header.sequence_number);
      }
    }
    CHECK(hex_ids.back() == "c");  // the 12th id
    for (const auto& h : hex_ids)
      CHECK(receipt_ids.count(std::to_string(std::stoull(h, nullptr, 16))) == 1);
    // query_sm takes the id as submit_sm_resp gave it.
    QuerySm q;
    q.message_id = hex_ids.back();
    co_await c.send(q);
    auto qr = co_await c.expect<QuerySmResp>();
    CHECK(qr.header.command_status == CommandStatus::ok);
    CHECK(qr.message_state == MessageState::delivered);
  });
}

TEST_CASE("sim: a share of responses delayed by 50-300 ms, all answered") {
  auto cfg = base_config();
  cfg.receipts = false;
  cfg.response_delay = {50ms, 300ms};
  cfg.response_delay_rate = 0.5;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("delay");
    auto got = co_await submit_many(c, 40);
    CHECK(got.size() == 40);
    const auto s = t.sim.stats();
    CHECK(s.delayed > 5);
    CHECK(s.delayed < 35);
    CHECK(s.accepted == 40);
  });
}

TEST_CASE("sim: an account rate over several binds of one system_id, and a bind limit") {
  auto cfg = base_config();
  cfg.receipts = false;
  cfg.account_rate = 50;
  cfg.max_binds_per_account = 2;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient a(t.io.get_executor());
    RawClient b(t.io.get_executor());
    RawClient third(t.io.get_executor());
    co_await a.connect(t.at);
    co_await a.bind("acct");
    co_await b.connect(t.at);
    co_await b.bind<BindTransmitter>("acct");
    co_await third.connect(t.at);
    BindTransceiver extra;
    extra.system_id = "acct";
    co_await third.send(extra);
    {
      auto refused = co_await third.expect<BindTransceiverResp>();
      CHECK(refused.header.command_status == CommandStatus::bind_failed);
    }
    // Another account is not limited by this one.
    RawClient other(t.io.get_executor());
    co_await other.connect(t.at);
    co_await other.bind("other");

    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 60; ++i) {
      co_await a.send(submit());
      co_await b.send(submit());
    }
    int ok = 0;
    int throttled = 0;
    for (auto* c : {&a, &b}) {
      for (int i = 0; i < 60; ++i) {
        auto r = co_await c->expect<SubmitSmResp>();
        (r.header.command_status == CommandStatus::ok ? ok : throttled) += 1;
      }
    }
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    // At most 50 in any one second over both binds; the burst takes well under one.
    CHECK(ok <= 50 * static_cast<int>(std::ceil(seconds.count())));
    CHECK(ok >= 50);
    CHECK(ok + throttled == 120);
    auto other_got = co_await submit_many(other, 10);
    for (auto& [seq, status] : other_got)
      CHECK(status == CommandStatus::ok);
    CHECK(t.sim.stats().account_throttled == static_cast<std::uint64_t>(throttled));
  });
}
