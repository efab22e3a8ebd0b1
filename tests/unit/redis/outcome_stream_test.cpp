// RedisOutcomeStream against a real redis-server, driven by a scripted hook sequence: every
// outcome and receipt appears exactly once in the account's stream and parses back (read with
// RedisOutcomeReader), in far fewer writes than records; Redis stopped: the hook never waits,
// the buffer holds max_buffered (the rest dropped, counted) and they reach Redis once it is back;
// MAXLEN ~ bounds the stream.
//
// Results are awaited before CHECK, never inside it (g++ 12 runs a co_await in CHECK twice).

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/io_context.hpp>

#include "redis_test_support.hpp"
#include "support/catch.hpp"
#include "support/run_coro.hpp"

using namespace aiosmpp;
using namespace aiosmpp::redis_test;
using aiosmpp::test::run_coro;
using namespace std::chrono_literals;

namespace {

// The inner hook: counts the outcome() calls passed on.
class OutcomeCounter final : public Hook {
 public:
  HookInterest interests() const noexcept override { return HookInterest::outcome; }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu*, std::span<const std::uint8_t>,
                                 std::string_view) override {
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu&, const SendError&, std::string_view) override {
    co_return;
  }
  asio::awaitable<void> outcome(const Outcome&, std::string_view) override {
    ++outcomes;
    co_return;
  }
  int outcomes = 0;
};

// Outcome i: accepted, rejected (throttled), generic_nack or a SendError, by i % 4.
Outcome outcome_of(int i) {
  Outcome o;
  o.message = submit(fmt::format("m{}", i), fmt::format("x{}", i));
  auto with_tracking = [&](auto resp) {
    resp.tracking = tracking_of(o.message);
    return Pdu{std::move(resp)};
  };
  switch (i % 4) {
    case 0: {
      SubmitSmResp r;
      r.message_id = fmt::format("id{}", i);
      o.response = with_tracking(r);
      break;
    }
    case 1: {
      SubmitSmResp r;
      r.header.command_status = CommandStatus::throttled;
      o.response = with_tracking(r);
      break;
    }
    case 2:
      o.response = with_tracking(GenericNack{});
      break;
    default:
      o.error = SendError{SendError::Kind::outcome_unknown, make_error_code(std::errc::timed_out),
                          "no response"};
  }
  return o;
}

ReceiptOutcome receipt_of(int i) {
  DeliverSm d;
  d.source = PhoneNumber("254722999999");
  d.esm_class = EsmClass::delivery_receipt;
  d.short_message = fmt::format(
      "id:id{} sub:001 dlvrd:001 submit date:2401011200 done "
      "date:2401011201 stat:DELIVRD err:000 text:",
      i);
  d.tracking.log_id = fmt::format("m{}", i);
  ReceiptOutcome r;
  r.receipt = d;
  r.state = MessageState::delivered;
  r.final_state = true;
  r.matched = true;
  return r;
}

asio::awaitable<void> feed(RedisOutcomeStream& s, int outcomes, int receipts) {
  for (int i = 0; i < outcomes; ++i) {
    const Outcome o = outcome_of(i);
    co_await s.outcome(o, "acme#0");
  }
  for (int i = 0; i < receipts; i += 4) {
    const ReceiptOutcome r = receipt_of(i);
    co_await s.receipt(r, "acme#1");
  }
}

// Everything the group has not read yet.
std::vector<RedisOutcomeEntry> read_all(asio::io_context& io, RedisOutcomeReader& reader) {
  std::vector<RedisOutcomeEntry> all;
  for (;;) {
    auto got = run_coro(io, reader.read(1000, 100ms), 10s);
    if (got.empty()) return all;
    for (auto& e : got)
      all.push_back(std::move(e));
  }
}

RedisOutcomeStreamOptions stream_options() {
  RedisOutcomeStreamOptions o;
  o.account = "acme";
  o.retry_interval = 50ms;
  return o;
}

}  // namespace

TEST_CASE("RedisOutcomeStream: every outcome and receipt once in the stream, parsed back") {
  RedisServer server;
  asio::io_context io;
  auto inner = std::make_shared<OutcomeCounter>();
  RedisOutcomeStream stream(io.get_executor(), server.client(), inner, stream_options());
  REQUIRE(run_coro(io, stream.client().wait_connected(5s), 10s));
  CHECK(has_interest(stream.interests(), HookInterest::outcome));
  CHECK(has_interest(stream.interests(), HookInterest::receipt));

  run_coro(io, feed(stream, 1000, 1000), 10s);
  CHECK(inner->outcomes == 1000);
  REQUIRE(run_coro(io, stream.flush(10s), 15s));
  const auto st = stream.stats();
  CHECK(st.records == 1250);
  CHECK(st.appended == 1250);
  CHECK(st.dropped == 0);
  CHECK(st.buffered == 0);
  CHECK(st.writes <= 1250 / 256 + 2);  // batched: records of one turn leave together

  RedisOutcomeReader reader(io.get_executor(), server.client(), "acme", "app", "reader-1");
  const auto all = read_all(io, reader);
  REQUIRE(all.size() == 1250);
  std::map<std::string, int> outcomes;
  std::map<std::string, int> receipts;
  for (const auto& e : all) {
    INFO(e.id << " " << e.error);
    REQUIRE(e.error.empty());
    const OutcomeRecord& r = e.record;
    if (r.event == OutcomeRecord::Event::receipt) {
      ++receipts[r.id];
      CHECK(r.client_id == "acme#1");
      CHECK(r.receipt_state == std::optional<std::string>("delivered"));
      CHECK(r.message_id == "id" + r.id.substr(1));
      CHECK(r.destination == "254722999999");
      CHECK(r.final_state);
      continue;
    }
    REQUIRE(r.event == OutcomeRecord::Event::outcome);
    ++outcomes[r.id];
    const int i = std::stoi(r.id.substr(1));
    CHECK(r.extra_data == fmt::format("x{}", i));
    CHECK(r.client_id == "acme#0");
    CHECK(r.destination == "254722999999");
    switch (i % 4) {
      case 0:
        CHECK(r.kind == OutcomeKind::ok);
        CHECK(r.message_id == fmt::format("id{}", i));
        break;
      case 1:
        CHECK(r.kind == OutcomeKind::rejected);
        CHECK(r.status == CommandStatus::throttled);
        break;
      case 2:
        CHECK(r.kind == OutcomeKind::rejected);
        break;
      default:
        CHECK(r.kind == OutcomeKind::unknown);
        CHECK(r.error.find("no response") != std::string::npos);
    }
  }
  CHECK(outcomes.size() == 1000);
  CHECK(receipts.size() == 250);
  for (const auto& [id, n] : outcomes)
    CHECK(n == 1);
  for (const auto& [id, n] : receipts)
    CHECK(n == 1);
  // Acknowledged entries leave the group's pending list.
  std::vector<std::string> ids;
  for (const auto& e : all)
    ids.push_back(e.id);
  run_coro(io, reader.ack(std::move(ids)), 10s);
  const auto pending =
      run_coro(io, reader.client().command({"XPENDING", stream.stream_key(), "app"}), 5s);
  CHECK(pending.elements.at(0).integer == 0);
}

TEST_CASE("RedisOutcomeStream: Redis down, never waits, bounded buffer, written once back") {
  RedisServer server;
  asio::io_context io;
  auto o = stream_options();
  o.max_buffered = 60;
  RedisOutcomeStream stream(io.get_executor(), server.client(), nullptr, o);
  REQUIRE(run_coro(io, stream.client().wait_connected(5s), 10s));
  server.stop();
  // outcome() does not suspend on Redis: 100 calls finish while Redis is gone.
  run_coro(io, feed(stream, 100, 0), 5s);
  CHECK(run_coro(io, stream.flush(300ms), 5s) == false);
  auto st = stream.stats();
  CHECK(st.records == 100);
  CHECK(st.dropped == 40);
  CHECK(st.buffered == 60);
  CHECK(st.appended == 0);

  server.start();
  REQUIRE(run_coro(io, stream.flush(10s), 15s));
  st = stream.stats();
  CHECK(st.appended == 60);
  CHECK(st.failed >= 1);
  RedisOutcomeReader reader(io.get_executor(), server.client(), "acme", "app", "reader-1");
  const auto all = read_all(io, reader);
  std::map<std::string, int> seen;
  for (const auto& e : all)
    ++seen[e.record.id];
  CHECK(all.size() == 60);
  CHECK(seen.size() == 60);
  CHECK(seen.count("m0") == 1);   // the first ones were kept
  CHECK(seen.count("m99") == 0);  // the newest were dropped
}

TEST_CASE("RedisOutcomeStream: MAXLEN ~ keeps the stream near max_len") {
  RedisServer server;
  asio::io_context io;
  auto o = stream_options();
  o.max_len = 100;
  RedisOutcomeStream stream(io.get_executor(), server.client(), nullptr, o);
  REQUIRE(run_coro(io, stream.client().wait_connected(5s), 10s));
  run_coro(io, feed(stream, 3000, 0), 10s);
  REQUIRE(run_coro(io, stream.flush(10s), 15s));
  const auto len = run_coro(io, stream.client().command({"XLEN", stream.stream_key()}), 5s);
  // Approximate trimming removes whole nodes (100 entries by default): about max_len remain.
  CHECK(len.integer >= 100);
  CHECK(len.integer < 400);
}

TEST_CASE("RedisOutcomeStream: refuses bad options, naming the field") {
  asio::io_context io;
  auto o = stream_options();
  o.batch = 0;
  CHECK_THROWS_WITH(RedisOutcomeStream(io.get_executor(), {}, nullptr, o),
                    Catch::Contains("batch"));
  o = stream_options();
  o.account = "";
  CHECK_THROWS_WITH(RedisOutcomeStream(io.get_executor(), {}, nullptr, o),
                    Catch::Contains("account"));
}
