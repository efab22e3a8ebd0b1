// Sans-io parts of the SMSC side: the session state table, the simulator's policies (with
// injected randomness and times), receipts, MO segments and configuration parsing.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "aiosmpp/pdu/codec.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/smsc/state.hpp"
#include "aiosmpp/text/receipt.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace aiosmpp::smsc;
using namespace std::chrono_literals;

namespace {

// Returns the given numbers in turn (and fails the test if asked for more).
UniformSource sequence(std::vector<double> values) {
  auto state = std::make_shared<std::pair<std::vector<double>, std::size_t>>(std::move(values), 0);
  return [state] {
    REQUIRE(state->second < state->first.size());
    return state->first[state->second++];
  };
}

std::string message_of(const std::invalid_argument& e) {
  return e.what();
}

}  // namespace

TEST_CASE("check_request follows the 3.4 state table") {
  using S = SessionState;
  using C = CommandId;
  const auto ok = CommandStatus::ok;
  const auto wrong = CommandStatus::invalid_bind_status;

  CHECK(check_request(S::open, C::bind_transmitter) == ok);
  CHECK(check_request(S::open, C::bind_receiver) == ok);
  CHECK(check_request(S::open, C::bind_transceiver) == ok);
  CHECK(check_request(S::open, C::submit_sm) == wrong);
  CHECK(check_request(S::open, C::unbind) == wrong);
  CHECK(check_request(S::open, C::enquire_link) == ok);

  for (auto bound : {S::bound_tx, S::bound_rx, S::bound_trx}) {
    CHECK(check_request(bound, C::bind_transmitter) == CommandStatus::already_bound);
    CHECK(check_request(bound, C::bind_transceiver) == CommandStatus::already_bound);
    CHECK(check_request(bound, C::enquire_link) == ok);
    CHECK(check_request(bound, C::unbind) == ok);
    CHECK(check_request(bound, C::deliver_sm) == wrong);  // SMSC -> ESME only
  }
  for (auto id :
       {C::submit_sm, C::submit_multi, C::query_sm, C::cancel_sm, C::replace_sm, C::data_sm}) {
    CHECK(check_request(S::bound_tx, id) == ok);
    CHECK(check_request(S::bound_trx, id) == ok);
    CHECK(check_request(S::bound_rx, id) == wrong);
  }
  // After outbind the ESME answers with bind_receiver (3.4) or bind_transceiver (5.0).
  CHECK(check_request(S::outbound, C::bind_receiver) == ok);
  CHECK(check_request(S::outbound, C::bind_transceiver) == ok);
  CHECK(check_request(S::outbound, C::bind_transmitter) == wrong);
  CHECK(check_request(S::closed, C::enquire_link) == wrong);
}

TEST_CASE("may_send: what the server may send in each state") {
  using S = SessionState;
  using C = CommandId;
  CHECK(may_send(S::bound_rx, C::deliver_sm));
  CHECK(may_send(S::bound_trx, C::deliver_sm));
  CHECK_FALSE(may_send(S::bound_tx, C::deliver_sm));
  CHECK_FALSE(may_send(S::open, C::deliver_sm));
  CHECK(may_send(S::bound_tx, C::data_sm));
  CHECK_FALSE(may_send(S::bound_tx, C::alert_notification));
  CHECK(may_send(S::bound_rx, C::alert_notification));
  CHECK(may_send(S::outbound, C::outbind));
  CHECK_FALSE(may_send(S::open, C::outbind));
  CHECK_FALSE(may_send(S::open, C::unbind));
  CHECK(may_send(S::bound_tx, C::unbind));
  CHECK(bound_state(BindType::receiver) == S::bound_rx);
  CHECK(to_string(S::bound_trx) == "bound_trx");
}

TEST_CASE("pick_weighted and pick_delay map a uniform number onto the configuration") {
  const std::vector<double> w{90, 0, 10};
  CHECK(pick_weighted(w, 0.0) == 0);
  CHECK(pick_weighted(w, 0.899) == 0);
  CHECK(pick_weighted(w, 0.9) == 2);
  CHECK(pick_weighted(w, 0.999) == 2);
  CHECK(pick_weighted(w, 1.0) == 2);  // the last positive entry, never the zero-weight one
  const std::vector<double> none{0, 0};
  CHECK_THROWS_AS(pick_weighted(none, 0.5), std::invalid_argument);

  CHECK(pick_delay({100ms, 100ms}, 0.7) == 100ms);
  CHECK(pick_delay({100ms, 300ms}, 0.0) == 100ms);
  CHECK(pick_delay({100ms, 300ms}, 0.5) == 200ms);
  CHECK(pick_delay({100ms, 300ms}, 1.0) == 300ms);
}

TEST_CASE("decide_submit: rate limit, withholding, error mix and delay in that order") {
  SimConfig c;
  const SubmitContext within;
  using Reason = SubmitDecision::Reason;
  SECTION("no trouble draws nothing") {
    auto d = decide_submit(c, within, sequence({}));
    CHECK(d == SubmitDecision{});
  }
  SECTION("over the rate is ESME_RTHROTTLED without drawing") {
    c.error_rate = 1;
    SubmitContext over;
    over.within_rate = false;
    auto d = decide_submit(c, over, sequence({}));
    CHECK(d.status == CommandStatus::throttled);
    CHECK(d.reason == Reason::throttled);
    CHECK(d.action == SubmitDecision::Action::respond);
  }
  SECTION("withheld") {
    c.withhold_rate = 0.25;
    auto held = decide_submit(c, within, sequence({0.2}));
    CHECK(held.action == SubmitDecision::Action::withhold);
    CHECK(held.reason == Reason::withheld);
    CHECK(decide_submit(c, within, sequence({0.3})).action == SubmitDecision::Action::respond);
  }
  SECTION("an error chosen by weight") {
    c.error_rate = 0.5;
    c.error_statuses = {{CommandStatus::throttled, 1}, {CommandStatus::message_queue_full, 3}};
    CHECK(decide_submit(c, within, sequence({0.4, 0.2})).status == CommandStatus::throttled);
    CHECK(decide_submit(c, within, sequence({0.4, 0.3})).status ==
          CommandStatus::message_queue_full);
    CHECK(decide_submit(c, within, sequence({0.4, 0.3})).reason == Reason::error);
    CHECK(decide_submit(c, within, sequence({0.6})).status == CommandStatus::ok);
  }
  SECTION("response delay, fixed or drawn, for a share") {
    c.response_delay = {50ms, 50ms};
    CHECK(decide_submit(c, within, sequence({})).delay == 50ms);
    c.response_delay = {0ms, 1000ms};
    CHECK(decide_submit(c, within, sequence({0.25})).delay == 250ms);
    c.response_delay = {50ms, 300ms};
    c.response_delay_rate = 0.5;
    CHECK(decide_submit(c, within, sequence({0.7})).delay == 0ms);
    CHECK(decide_submit(c, within, sequence({0.3, 0.2})).delay == 100ms);
  }
}

TEST_CASE("decide_submit: throttling and queue-full patterns, the account rate first") {
  SimConfig c;
  using Reason = SubmitDecision::Reason;
  SECTION("every Nth submit_sm of a session") {
    c.throttle_every = 4;
    c.queue_full_every = 3;
    std::vector<CommandStatus> got;
    for (std::uint64_t i = 1; i <= 12; ++i) {
      SubmitContext ctx;
      ctx.index = i;
      got.push_back(decide_submit(c, ctx, sequence({})).status);
    }
    const auto ok = CommandStatus::ok;
    const auto thr = CommandStatus::throttled;
    const auto qf = CommandStatus::message_queue_full;
    CHECK(got == std::vector<CommandStatus>{ok, ok, qf, thr, ok, qf, ok, thr, qf, ok, ok, thr});
  }
  SECTION("a share") {
    c.throttle_rate = 0.25;
    c.queue_full_rate = 0.5;
    CHECK(decide_submit(c, {}, sequence({0.1})).status == CommandStatus::throttled);
    CHECK(decide_submit(c, {}, sequence({0.3, 0.4})).status == CommandStatus::message_queue_full);
    CHECK(decide_submit(c, {}, sequence({0.3, 0.6})).status == CommandStatus::ok);
  }
  SECTION("above a per-session rate, and the account rate before everything") {
    SubmitContext queue;
    queue.within_queue_rate = false;
    CHECK(decide_submit(c, queue, sequence({})).status == CommandStatus::message_queue_full);
    SubmitContext account;
    account.within_account_rate = false;
    account.within_rate = false;
    auto d = decide_submit(c, account, sequence({}));
    CHECK(d.status == CommandStatus::throttled);
    CHECK(d.reason == Reason::account);
  }
}

TEST_CASE("SlidingWindowLimiter: at most N in any one second, exactly") {
  using Clock = SlidingWindowLimiter::Clock;
  SlidingWindowLimiter l(3);
  const Clock::time_point t0{};
  CHECK(l.try_acquire(t0));
  CHECK(l.try_acquire(t0 + 100ms));
  CHECK(l.try_acquire(t0 + 900ms));
  CHECK_FALSE(l.try_acquire(t0 + 999ms));  // three within the last second
  CHECK(l.try_acquire(t0 + 1000ms));       // the first has left the window
  CHECK_FALSE(l.try_acquire(t0 + 1050ms));
  CHECK(l.try_acquire(t0 + 1100ms));
  SlidingWindowLimiter none(0);
  for (int i = 0; i < 100; ++i)
    CHECK(none.try_acquire(t0));
}

TEST_CASE("SlidingWindowLimiter: idle once nothing was taken within the last second") {
  using Clock = SlidingWindowLimiter::Clock;
  const Clock::time_point t0{};
  SlidingWindowLimiter l(3);
  CHECK(l.idle(t0));  // nothing taken yet
  CHECK(l.try_acquire(t0 + 10ms));
  CHECK(l.try_acquire(t0 + 500ms));
  CHECK_FALSE(l.idle(t0 + 1000ms));  // the second one is still in the window
  CHECK_FALSE(l.idle(t0 + 1499ms));
  CHECK(l.idle(t0 + 1500ms));
  SlidingWindowLimiter none(0);
  CHECK(none.try_acquire(t0));
  CHECK(none.idle(t0));  // no limit: nothing to remember
}

TEST_CASE("receipt_wanted honours registered_delivery bits 1-0") {
  using D = text::DeliveryState;
  const auto always = RegisteredDelivery::receipt_always;
  const auto failure = RegisteredDelivery::receipt_on_failure;
  const auto success = RegisteredDelivery::receipt_on_success;
  CHECK(receipt_wanted(always, D::delivered));
  CHECK(receipt_wanted(always, D::undeliverable));
  CHECK_FALSE(receipt_wanted(failure, D::delivered));
  CHECK(receipt_wanted(failure, D::expired));
  CHECK(receipt_wanted(success, D::delivered));
  CHECK_FALSE(receipt_wanted(success, D::rejected));
  CHECK_FALSE(receipt_wanted(RegisteredDelivery::none, D::delivered));
  CHECK_FALSE(receipt_wanted(RegisteredDelivery::sme_delivery_ack, D::delivered));
}

TEST_CASE("SubmitRateLimiter refills from the times it is given") {
  using Clock = SubmitRateLimiter::Clock;
  const Clock::time_point t0{std::chrono::seconds(1000)};
  SubmitRateLimiter unlimited(0);
  for (int i = 0; i < 1000; ++i)
    CHECK(unlimited.try_acquire(t0));

  SubmitRateLimiter limiter(100);  // burst 10
  int granted = 0;
  for (int i = 0; i < 50; ++i)
    granted += limiter.try_acquire(t0) ? 1 : 0;
  CHECK(granted == 10);
  CHECK_FALSE(limiter.try_acquire(t0 + 5ms));  // 0.5 token
  CHECK(limiter.try_acquire(t0 + 10ms));       // 1 token
  granted = 0;
  for (int i = 0; i < 50; ++i)
    granted += limiter.try_acquire(t0 + 10s) ? 1 : 0;
  CHECK(granted == 10);  // never more than the burst
}

TEST_CASE("make_receipt writes Appendix B text and the TLVs, and the text layer reads it back") {
  ReceiptInfo info;
  info.message_id = "4711";
  info.source = PhoneNumber("12345", Ton::international, Npi::isdn);
  info.destination = PhoneNumber("447700900123", Ton::international, Npi::isdn);
  info.submitted = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 3h + 4min;
  info.state = text::DeliveryState::undeliverable;
  info.text = "Hello world";
  const auto done = info.submitted + 5min;

  auto both = make_receipt(info, ReceiptStyle::both, done);
  CHECK(both.esm_class == EsmClass::delivery_receipt);
  CHECK(both.source == info.destination);
  CHECK(both.destination == info.source);
  CHECK(both.short_message ==
        "id:4711 sub:001 dlvrd:000 submit date:2601020304 done date:2601020309 stat:UNDELIV "
        "err:001 text:Hello world");
  CHECK(both.tlvs.get<tlv::ReceiptedMessageId>() == std::optional<std::string_view>("4711"));
  CHECK(both.tlvs.get<tlv::MessageState>() == std::optional<std::uint8_t>(5));
  auto parsed = text::parse_receipt(both.short_message);
  REQUIRE(parsed);
  CHECK(parsed->id == "4711");
  CHECK(parsed->state == text::DeliveryState::undeliverable);
  std::vector<std::uint8_t> wire;
  REQUIRE(encode(both, wire));

  auto text_only = make_receipt(info, ReceiptStyle::text, done);
  CHECK(text_only.tlvs.empty());
  CHECK_FALSE(text_only.short_message.empty());
  auto tlv_only = make_receipt(info, ReceiptStyle::tlv, done);
  CHECK(tlv_only.short_message.empty());
  CHECK(tlv_only.tlvs.size() == 2);
}

TEST_CASE("make_mo: one PDU when it fits, UDH or SAR segments when long, UCS2 when needed") {
  MoMessage m;
  m.text = "Short";
  auto one = make_mo(m);
  REQUIRE(one.size() == 1);
  CHECK(one[0].short_message == "Short");
  CHECK(one[0].data_coding == DataCoding::smsc_default);
  CHECK(one[0].source.number == m.from);
  CHECK(one[0].destination.number == m.to);

  m.text = std::string(200, 'a');
  m.long_message = text::LongMessage::udh8;
  auto udh = make_mo(m);
  REQUIRE(udh.size() == 2);
  for (std::size_t i = 0; i < udh.size(); ++i) {
    CHECK(has_udhi(udh[i].esm_class));
    REQUIRE(udh[i].short_message.size() > 6);
    CHECK(static_cast<std::uint8_t>(udh[i].short_message[0]) == 5);
    CHECK(static_cast<std::uint8_t>(udh[i].short_message[4]) == 2);      // total
    CHECK(static_cast<std::uint8_t>(udh[i].short_message[5]) == i + 1);  // seqnum
  }

  // 80 UTF-16 units: over the 70 of one UCS2 message, within two SAR segments of 67.
  m.text = "Привет мир, это длинное сообщение для проверки SAR сегментов \U0001F600!! ещё немного";
  m.long_message = text::LongMessage::sar;
  auto sar = make_mo(m);
  REQUIRE(sar.size() == 2);
  for (std::size_t i = 0; i < sar.size(); ++i) {
    CHECK(sar[i].data_coding == DataCoding::ucs2);
    CHECK_FALSE(has_udhi(sar[i].esm_class));
    CHECK(sar[i].tlvs.get<tlv::SarTotalSegments>() == std::optional<std::uint8_t>(2));
    CHECK(sar[i].tlvs.get<tlv::SarSegmentSeqnum>() ==
          std::optional<std::uint8_t>(static_cast<std::uint8_t>(i + 1)));
    CHECK(sar[i].tlvs.get<tlv::SarMsgRefNum>() == sar[0].tlvs.get<tlv::SarMsgRefNum>());
    std::vector<std::uint8_t> wire;
    CHECK(encode(sar[i], wire));
  }

  m.long_message = text::LongMessage::message_payload;
  m.text = std::string(300, 'b');
  auto payload = make_mo(m);
  REQUIRE(payload.size() == 1);
  CHECK(payload[0].short_message.empty());
  REQUIRE(payload[0].tlvs.get<tlv::MessagePayload>());
  CHECK(payload[0].tlvs.get<tlv::MessagePayload>()->size() == 300);

  m.encoding = text::Encoding::gsm7;
  m.text = "emoji \U0001F600 is not GSM";
  CHECK_THROWS_AS(make_mo(m), text::TextException);
}

TEST_CASE("options: flags, values and errors that name the option") {
  SimConfig c;
  apply_sim_option(c, "port", "0");
  CHECK(c.port == 0);
  apply_sim_option(c, "receipt-delay", "50-250ms");
  CHECK(c.receipt_delay == DelayRange{50ms, 250ms});
  apply_sim_option(c, "receipt_delay", "2s");
  CHECK(c.receipt_delay == DelayRange{2000ms, 2000ms});
  apply_sim_option(c, "receipt-states", "DELIVRD:90,UNDELIV:5,EXPIRED:5");
  REQUIRE(c.receipt_states.size() == 3);
  CHECK(c.receipt_states[1].first == text::DeliveryState::undeliverable);
  CHECK(c.receipt_states[2].second == 5);
  apply_sim_option(c, "error-status", "ESME_RTHROTTLED:3,ESME_RMSGQFUL:1,0x45");
  REQUIRE(c.error_statuses.size() == 3);
  CHECK(c.error_statuses[1].first == CommandStatus::message_queue_full);
  CHECK(c.error_statuses[2].first == CommandStatus::submit_failed);
  apply_sim_option(c, "credentials", "alice:secret,bob:pw");
  CHECK(c.credentials == std::vector<Credential>{{"alice", "secret"}, {"bob", "pw"}});
  apply_sim_option(c, "refuse-binds", "ESME_RINVSYSID");
  CHECK(c.refuse_binds == CommandStatus::invalid_system_id);
  apply_sim_option(c, "refuse-binds", "off");
  CHECK_FALSE(c.refuse_binds);
  apply_sim_option(c, "mo-long", "sar");
  CHECK(c.mo.long_message == text::LongMessage::sar);
  apply_sim_option(c, "log-level", "trace");
  CHECK(c.log_level == LogLevel::trace);
  apply_sim_option(c, "message-ids", "hex-response");
  CHECK(c.message_ids == MessageIdFormat::hex_in_response);
  apply_sim_option(c, "intermediate-receipts", "BUFFRED");
  CHECK(c.intermediate_receipt == IntermediateReceipt::buffered);
  apply_sim_option(c, "throttle-every", "4");
  apply_sim_option(c, "queue-full-rate", "0.25");
  apply_sim_option(c, "account-rate", "200");
  apply_sim_option(c, "unbind-after", "10");
  apply_sim_option(c, "receipt-retry", "500ms-30s");
  apply_sim_option(c, "max-connections-per-address", "8");
  apply_sim_option(c, "inactivity-timeout", "0");
  apply_sim_option(c, "bind-failure-delay", "250ms");
  CHECK(c.bind_failure_delay == std::optional<std::chrono::milliseconds>(250ms));
  CHECK(c.throttle_every == 4);
  CHECK(c.queue_full_rate == 0.25);
  CHECK(c.account_rate == 200);
  CHECK(c.unbind_after == 10);
  CHECK(c.receipt_retry == DelayRange{500ms, 30000ms});
  CHECK(c.max_connections_per_address == 8);
  CHECK(c.inactivity_timeout == 0ms);
  CHECK_THROWS_AS(apply_sim_option(c, "receipt-retry", "0-1s"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "unbind-owed", "0"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "message-ids", "octal"), std::invalid_argument);

  try {
    apply_sim_option(c, "error-rate", "1.5");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(message_of(e).find("--error-rate") != std::string::npos);
    CHECK(message_of(e).find("0 to 1") != std::string::npos);
  }
  try {
    apply_sim_option(c, "port", "70000");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(message_of(e).find("--port") != std::string::npos);
    CHECK(message_of(e).find("65535") != std::string::npos);
  }
  CHECK_THROWS_AS(apply_sim_option(c, "receipt-states", "DELIVRD:0"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "receipt-delay", "300-100"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "error-status", "ESME_ROK"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "no-such-option", "1"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_option(c, "system-id", "sixteen-chars-xx"), std::invalid_argument);
}

TEST_CASE("parse_command_status takes names, short names and numbers") {
  CHECK(parse_command_status("ESME_RTHROTTLED") == CommandStatus::throttled);
  CHECK(parse_command_status("rthrottled") == CommandStatus::throttled);
  CHECK(parse_command_status("0x14") == CommandStatus::message_queue_full);
  CHECK(parse_command_status("88") == CommandStatus::throttled);
  CHECK_THROWS_AS(parse_command_status("ESME_RNOSUCH"), std::invalid_argument);
}

TEST_CASE("JSON config: keys as the flags, list and object forms, errors naming the key") {
  SimConfig c;
  apply_sim_json(c, R"({"port": 2800, "receipts": false, "error_rate": 0.25,
                    "error_status": {"ESME_RMSGQFUL": 2},
                    "credentials": [{"system_id": "a", "password": "b"}],
                    "receipt_states": {"DELIVRD": 1, "EXPIRED": 1},
                    "mo": {"rate": 5, "text": "hi"}})");
  CHECK(c.port == 2800);
  CHECK_FALSE(c.receipts);
  CHECK(c.error_rate == 0.25);
  CHECK(c.error_statuses.front().first == CommandStatus::message_queue_full);
  CHECK(c.credentials.size() == 1);
  CHECK(c.receipt_states.size() == 2);
  CHECK(c.mo_rate == 5);
  CHECK(c.mo.text == "hi");
  CHECK_THROWS_AS(apply_sim_json(c, "[1]"), std::invalid_argument);
  CHECK_THROWS_AS(apply_sim_json(c, "{not json"), std::invalid_argument);
  try {
    apply_sim_json(c, R"({"withhold_rate": "lots"})");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(message_of(e).find("withhold_rate") != std::string::npos);
  }

  CHECK_THROWS_AS(apply_sim_json(c, R"({"config": "other.json"})"), std::invalid_argument);

  const std::string path = std::string(AIOSMPP_TEST_BINARY_DIR) + "/smsc_unit_config.json";
  {
    std::ofstream out(path);
    out << R"({"port": 3000, "stats_interval": "1s"})";
  }
  SimConfig from_file;
  apply_sim_option(from_file, "config", path);
  std::remove(path.c_str());
  CHECK(from_file.port == 3000);
  CHECK(from_file.stats_interval == 1000ms);
  CHECK_THROWS_AS(apply_sim_config_file(from_file, path), std::invalid_argument);
}

TEST_CASE("load_mo_file reads text lines and JSON lines") {
  const std::string path = std::string(AIOSMPP_TEST_BINARY_DIR) + "/smsc_unit_mo.txt";
  {
    std::ofstream out(path);
    out << "plain text\n\n{\"from\":\"111\",\"text\":\"json\",\"encoding\":\"ucs2\","
           "\"long\":\"sar\"}\r\n";
  }
  MoMessage defaults;
  auto msgs = load_mo_file(path, defaults);
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].text == "plain text");
  CHECK(msgs[0].from == defaults.from);
  CHECK(msgs[1].from == "111");
  CHECK(msgs[1].to == defaults.to);
  CHECK(msgs[1].encoding == text::Encoding::ucs2);
  CHECK(msgs[1].long_message == text::LongMessage::sar);
  {
    std::ofstream out(path);
    out << "ok\n{\"encoding\":\"klingon\"}\n";
  }
  try {
    (void)load_mo_file(path, defaults);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(message_of(e).find("line 2") != std::string::npos);
  }
  std::remove(path.c_str());
  CHECK_THROWS_AS(load_mo_file(path, defaults), std::invalid_argument);
}

TEST_CASE("format_stats is one parseable line") {
  SimStats s;
  s.binds = 2;
  s.submits = 10;
  s.window = 3;
  const auto line = format_stats(s);
  CHECK(line.rfind("stats sessions=0 binds=2 ", 0) == 0);
  CHECK(line.find(" submits=10 ") != std::string::npos);
  CHECK(line.find(" window=3 ") != std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
  // The server's counters a limit moves are on the line too (docs/simulator.md, Limits).
  s.bind_failure_closes = 4;
  s.shutdown_closes = 1;
  s.log_suppressed = 7;
  const auto more = format_stats(s);
  for (const char* field : {" bind_failure_closes=4 ", " write_overflows=0 ", " sessions_failed=0 ",
                            " shutdown_closes=1 ", " backlog_full=0 ", " log_suppressed=7 ",
                            " mo_dropped=0 ", " accounts=0 "})
    CHECK(more.find(field) != std::string::npos);
}
