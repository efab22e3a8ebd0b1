// The simulator over loopback with raw-socket clients: every trouble mode produces what it
// promises, receipts (styles, routing, waiting for a receiver, state mix), MO injection, and
// query/cancel/replace.

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "smsc/raw_client.hpp"
#include "smsc/sim_harness.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;
using namespace aiosmpp::test;

TEST_CASE("sim: default mode answers every submit_sm with a unique message_id") {
  SimHarness t(base_config());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i)
      co_await c.send(submit());
    for (int i = 0; i < 50; ++i) {
      auto r = co_await c.expect<SubmitSmResp>();
      CHECK(r.header.command_status == CommandStatus::ok);
      ids.insert(r.message_id);
    }
    CHECK(ids.size() == 50);
    // No receipt was asked for: none comes.
    {
      auto awaited_1 = co_await c.read(100ms);
      CHECK((awaited_1).timeout);
    }
    CHECK(t.sim.stats().submits == 50);
    CHECK(t.sim.stats().receipts_sent == 0);
  });
}

TEST_CASE("sim trouble: an error share with weighted statuses, exactly as drawn") {
  auto cfg = base_config();
  cfg.error_rate = 0.5;
  cfg.error_statuses = {{CommandStatus::throttled, 1}, {CommandStatus::message_queue_full, 1}};
  // Draws per submit_sm: error? (then which). 0.1 -> error, 0.2 -> throttled; 0.1, 0.7 -> queue
  // full; 0.9 -> ok. Pattern of 5 draws = 3 submits.
  SimHarness t(cfg, cycle({0.1, 0.2, 0.1, 0.7, 0.9}));
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    auto statuses = co_await submit_many(c, 30);
    int throttled = 0, full = 0, ok = 0;
    for (auto& [seq, s] : statuses) {
      throttled += s == CommandStatus::throttled;
      full += s == CommandStatus::message_queue_full;
      ok += s == CommandStatus::ok;
    }
    CHECK(throttled == 10);
    CHECK(full == 10);
    CHECK(ok == 10);
    CHECK(t.sim.stats().submit_errors == 20);
    CHECK(t.sim.stats().submits == 30);
  });
}

TEST_CASE("sim trouble: withheld responses never come, the session stays alive") {
  auto cfg = base_config();
  cfg.withhold_rate = 0.5;
  SimHarness t(cfg, cycle({0.1, 0.9}));  // withhold, answer, withhold, ...
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    std::vector<std::uint32_t> sent;
    for (int i = 0; i < 6; ++i)
      sent.push_back(co_await c.send(submit()));
    std::vector<std::uint32_t> answered;
    for (int i = 0; i < 3; ++i)
      answered.push_back((co_await c.expect<SubmitSmResp>()).header.sequence_number);
    CHECK(answered == std::vector<std::uint32_t>{sent[1], sent[3], sent[5]});
    {
      auto awaited_2 = co_await c.read(200ms);
      CHECK((awaited_2).timeout);
    }
    co_await c.send_new<EnquireLink>();
    co_await c.expect<EnquireLinkResp>();
    CHECK(t.sim.stats().withheld == 3);
  });
}

TEST_CASE("sim trouble: response delay, fixed") {
  auto cfg = base_config();
  cfg.response_delay = {150ms, 150ms};
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    const auto start = std::chrono::steady_clock::now();
    auto seq = co_await c.send(submit());
    auto r = co_await c.expect<SubmitSmResp>();
    CHECK(r.header.sequence_number == seq);
    CHECK(r.header.command_status == CommandStatus::ok);
    CHECK_FALSE(r.message_id.empty());
    CHECK(std::chrono::steady_clock::now() - start >= 145ms);
  });
}

TEST_CASE("sim trouble: drop the connection every N PDUs") {
  auto cfg = base_config();
  cfg.drop_every = 4;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    for (int round = 0; round < 2; ++round) {
      RawClient c(t.io.get_executor());
      co_await c.connect(t.at);
      co_await c.bind();  // PDU 1
      // PDUs 2-6 in one write (the connection closes on the 4th, so later writes would fail).
      std::vector<std::uint8_t> batch;
      for (std::uint32_t i = 0; i < 5; ++i) {
        auto s = submit();
        s.header.sequence_number = 10 + i;
        encode(s, batch).value();
      }
      co_await c.send_bytes(batch);
      int answered = 0;
      for (;;) {
        auto r = co_await c.read();
        if (!r.pdu) {
          CHECK(r.eof);
          break;
        }
        ++answered;
      }
      CHECK(answered == 2);
    }
    co_await pause(20ms);
    CHECK(t.sim.stats().drops == 2);
    CHECK(t.sim.stats().sessions == 0);
  });
}

TEST_CASE("sim trouble: max submit rate per session is enforced with ESME_RTHROTTLED") {
  auto cfg = base_config();
  cfg.max_submit_rate = 50;  // burst 5
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    // Twenty at once (one read batch): the burst passes, the rest is throttled.
    std::vector<std::uint8_t> batch;
    for (std::uint32_t i = 1; i <= 20; ++i) {
      auto s = submit();
      s.header.sequence_number = 100 + i;
      encode(s, batch).value();
    }
    co_await c.send_bytes(batch);
    int ok = 0, throttled = 0;
    for (int i = 0; i < 20; ++i) {
      auto r = co_await c.expect<SubmitSmResp>();
      ok += r.header.command_status == CommandStatus::ok;
      throttled += r.header.command_status == CommandStatus::throttled;
    }
    CHECK(ok >= 5);
    CHECK(ok <= 6);
    CHECK(ok + throttled == 20);
    CHECK(t.sim.stats().throttled == static_cast<std::uint64_t>(throttled));
    // After a pause the bucket has refilled.
    co_await pause(150ms);
    auto again = co_await submit_many(c, 3);
    for (auto& [seq, s] : again)
      CHECK(s == CommandStatus::ok);
    // Another session has its own bucket.
    RawClient d(t.io.get_executor());
    co_await d.connect(t.at);
    co_await d.bind("other");
    for (auto& [seq, s] : co_await submit_many(d, 3))
      CHECK(s == CommandStatus::ok);
  });
}

TEST_CASE("sim: refused binds and configured credentials") {
  auto cfg = base_config();
  cfg.refuse_binds = CommandStatus::bind_failed;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    BindTransceiver b;
    b.system_id = "x";
    co_await c.send(b);
    {
      auto awaited_3 = co_await c.expect<BindTransceiverResp>();
      CHECK((awaited_3).header.command_status == CommandStatus::bind_failed);
    }
    CHECK(t.sim.stats().bind_failures == 1);
  });
}

TEST_CASE("sim receipts: text and TLVs on a transceiver, with the submit's addresses swapped") {
  auto cfg = base_config();
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    co_await c.send(submit("Receipt text here", RegisteredDelivery::receipt_always));
    auto resp = co_await c.expect<SubmitSmResp>();
    auto d = co_await c.expect<DeliverSm>();
    CHECK(d.esm_class == EsmClass::delivery_receipt);
    CHECK(d.source.number == "447700900123");
    CHECK(d.destination.number == "12345");
    CHECK(d.tlvs.get<tlv::ReceiptedMessageId>() ==
          std::optional<std::string_view>(resp.message_id));
    CHECK(d.tlvs.get<tlv::MessageState>() == std::optional<std::uint8_t>(2));
    auto parsed = text::parse_receipt(d.short_message);
    REQUIRE(parsed);
    CHECK(parsed->id == resp.message_id);
    CHECK(parsed->stat == "DELIVRD");
    CHECK(parsed->text == std::optional<std::string>("Receipt text here"));
    DeliverSmResp ack;
    co_await c.send(ack, d.header.sequence_number);
    co_await pause(20ms);
    CHECK(t.sim.stats().receipts_acked == 1);

    // registered_delivery 2: only failures are reported, and DELIVRD is not one.
    co_await c.send(submit("x", RegisteredDelivery::receipt_on_failure));
    co_await c.expect<SubmitSmResp>();
    {
      auto awaited_4 = co_await c.read(100ms);
      CHECK((awaited_4).timeout);
    }
  });
}

TEST_CASE("sim receipts: TLV style, a state mix, and routing to a receiver bound later") {
  auto cfg = base_config();
  cfg.receipt_style = ReceiptStyle::tlv;
  cfg.receipt_states = {{text::DeliveryState::delivered, 1},
                        {text::DeliveryState::undeliverable, 1}};
  SimHarness t(cfg, cycle({0.2, 0.7}));  // DELIVRD, UNDELIV, DELIVRD, ...
  t.run([&]() -> asio::awaitable<void> {
    RawClient tx(t.io.get_executor());
    co_await tx.connect(t.at);
    co_await tx.bind<BindTransmitter>("shop");
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
      co_await tx.send(submit("m", RegisteredDelivery::receipt_always));
      ids.push_back((co_await tx.expect<SubmitSmResp>()).message_id);
    }
    // No receiver yet: the receipts wait.
    co_await pause(100ms);
    CHECK(t.sim.stats().receipts_waiting == 4);
    // A receiver of another system_id does not get them.
    RawClient other(t.io.get_executor());
    co_await other.connect(t.at);
    co_await other.bind<BindReceiver>("someone-else");
    {
      auto awaited_5 = co_await other.read(100ms);
      CHECK((awaited_5).timeout);
    }

    RawClient rx(t.io.get_executor());
    co_await rx.connect(t.at);
    co_await rx.bind<BindReceiver>("shop");
    std::map<std::string, std::uint8_t> states;
    for (int i = 0; i < 4; ++i) {
      auto d = co_await rx.expect<DeliverSm>();
      CHECK(d.short_message.empty());  // TLV style
      auto id = d.tlvs.get<tlv::ReceiptedMessageId>();
      REQUIRE(id);
      states[std::string(*id)] = d.tlvs.get<tlv::MessageState>().value_or(0);
      DeliverSmResp ack;
      co_await rx.send(ack, d.header.sequence_number);
    }
    REQUIRE(states.size() == 4);
    CHECK(states[ids[0]] == 2);
    CHECK(states[ids[1]] == 5);
    CHECK(states[ids[2]] == 2);
    CHECK(states[ids[3]] == 5);
    co_await pause(20ms);
    CHECK(t.sim.stats().receipts_acked == 4);
    CHECK(t.sim.stats().receipts_waiting == 0);
  });
}

TEST_CASE("sim receipts: a receipt the ESME does not take is offered again, none lost") {
  auto cfg = base_config();
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind("retry");
    co_await c.send(submit("x", RegisteredDelivery::receipt_always));
    auto resp = co_await c.expect<SubmitSmResp>();
    auto first = co_await c.expect<DeliverSm>();
    DeliverSmResp busy;
    busy.header.command_status = CommandStatus::receiver_temporary_error;
    co_await c.send(busy, first.header.sequence_number);
    auto second = co_await c.expect<DeliverSm>(3s);
    CHECK(second.tlvs.get<tlv::ReceiptedMessageId>() ==
          std::optional<std::string_view>(resp.message_id));
    DeliverSmResp ok;
    co_await c.send(ok, second.header.sequence_number);
    co_await pause(20ms);
    CHECK(t.sim.stats().receipts_acked == 1);
    CHECK(t.sim.stats().receipts_sent == 2);
  });
}

TEST_CASE("sim MO: injected at a rate to receivers, long UCS2 text in SAR segments") {
  auto cfg = base_config();
  cfg.mo_rate = 100;
  cfg.mo_count = 2;
  cfg.mo.text =
      std::string(50, 'x') + " \u00e9\u4e16\u754c " + std::string(40, 'y');  // UCS2, 2 parts
  cfg.mo.long_message = text::LongMessage::sar;
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient tx(t.io.get_executor());
    co_await tx.connect(t.at);
    co_await tx.bind<BindTransmitter>();
    {
      auto awaited_6 = co_await tx.read(100ms);
      CHECK((awaited_6).timeout);
    }  // a transmitter gets no MO
    RawClient rx(t.io.get_executor());
    co_await rx.connect(t.at);
    co_await rx.bind<BindReceiver>();
    std::vector<DeliverSm> parts;
    for (int i = 0; i < 4; ++i) {
      auto d = co_await rx.expect<DeliverSm>();
      DeliverSmResp ack;
      co_await rx.send(ack, d.header.sequence_number);
      parts.push_back(std::move(d));
    }
    for (const auto& p : parts) {
      CHECK(p.data_coding == DataCoding::ucs2);
      CHECK(p.tlvs.get<tlv::SarTotalSegments>() == std::optional<std::uint8_t>(2));
      CHECK(p.source.number == cfg.mo.from);
    }
    {
      auto awaited_7 = co_await rx.read(150ms);
      CHECK((awaited_7).timeout);
    }  // mo_count reached
    CHECK(t.sim.stats().mo_sent == 4);
    CHECK(t.sim.stats().mo_acked == 4);
  });
}

TEST_CASE("sim: query_sm, cancel_sm and replace_sm follow the message's life") {
  auto cfg = base_config();
  cfg.receipt_delay = {300ms, 300ms};
  SimHarness t(cfg);
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    co_await c.send(submit("a", RegisteredDelivery::receipt_always));
    const auto id1 = (co_await c.expect<SubmitSmResp>()).message_id;
    co_await c.send(submit("b", RegisteredDelivery::receipt_always));
    const auto id2 = (co_await c.expect<SubmitSmResp>()).message_id;

    QuerySm q;
    q.message_id = id1;
    co_await c.send(q);
    auto qr = co_await c.expect<QuerySmResp>();
    CHECK(qr.message_id == id1);
    CHECK(qr.message_state == MessageState::enroute);
    CHECK(qr.final_date.empty());

    ReplaceSm rep;
    rep.message_id = id1;
    rep.short_message = "a2";
    co_await c.send(rep);
    {
      auto awaited_8 = co_await c.expect<ReplaceSmResp>();
      CHECK((awaited_8).header.command_status == CommandStatus::ok);
    }

    CancelSm cancel;
    cancel.message_id = id2;
    co_await c.send(cancel);
    {
      auto awaited_9 = co_await c.expect<CancelSmResp>();
      CHECK((awaited_9).header.command_status == CommandStatus::ok);
    }
    co_await c.send(cancel);
    {
      auto awaited_10 = co_await c.expect<CancelSmResp>();
      CHECK((awaited_10).header.command_status == CommandStatus::cancel_failed);
    }

    // Only the first message's receipt comes; the cancelled one is gone.
    auto d = co_await c.expect<DeliverSm>(2s);
    CHECK(d.tlvs.get<tlv::ReceiptedMessageId>() == std::optional<std::string_view>(id1));
    DeliverSmResp ack;
    co_await c.send(ack, d.header.sequence_number);
    {
      auto awaited_11 = co_await c.read(500ms);
      CHECK((awaited_11).timeout);
    }

    co_await c.send(q);
    auto final = co_await c.expect<QuerySmResp>();
    CHECK(final.message_state == MessageState::delivered);
    CHECK(final.final_date.size() == 16);
    q.message_id = id2;
    co_await c.send(q);
    {
      auto awaited_12 = co_await c.expect<QuerySmResp>();
      CHECK((awaited_12).message_state == MessageState::deleted);
    }
    q.message_id = "999999";
    co_await c.send(q);
    {
      auto awaited_13 = co_await c.expect<QuerySmResp>();
      CHECK((awaited_13).header.command_status == CommandStatus::query_failed);
    }
    co_await c.send(rep);
    {
      auto awaited_14 = co_await c.expect<ReplaceSmResp>();
      CHECK((awaited_14).header.command_status == CommandStatus::replace_failed);
    }
  });
}

TEST_CASE("sim: submit_multi gets one message_id and reports distribution lists as failed") {
  SimHarness t(base_config());
  t.run([&]() -> asio::awaitable<void> {
    RawClient c(t.io.get_executor());
    co_await c.connect(t.at);
    co_await c.bind();
    SubmitMulti m;
    m.source = PhoneNumber("1");
    m.registered_delivery = RegisteredDelivery::none;
    m.dest_addresses.push_back(SubmitMultiDest{DestFlag::sme_address, PhoneNumber("111"), {}});
    m.dest_addresses.push_back(SubmitMultiDest{DestFlag::sme_address, PhoneNumber("222"), {}});
    m.dest_addresses.push_back(SubmitMultiDest{DestFlag::distribution_list, {}, "friends"});
    m.short_message = "hi all";
    co_await c.send(m);
    auto r = co_await c.expect<SubmitMultiResp>();
    CHECK(r.header.command_status == CommandStatus::ok);
    CHECK_FALSE(r.message_id.empty());
    REQUIRE(r.unsuccess_smes.size() == 1);
    CHECK(r.unsuccess_smes[0].address.number == "friends");
    CHECK(r.unsuccess_smes[0].error_status_code == CommandStatus::invalid_dl_name);
  });
}
