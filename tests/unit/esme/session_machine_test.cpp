// The Esme's protocol decisions on what it sends, proven without sockets: the bind, requests,
// their responses and timeouts, the window, keep-alive, requeue and flow control. The
// SessionMachine fed bytes and a fake clock (session_machine_support.hpp); what the SMSC sends is
// in session_machine_inbound_test.cpp.

#include "unit/esme/session_machine_support.hpp"

namespace aiosmpp::test {

TEST_CASE("machine: the bind is the first PDU and its response decides", "[esme][machine]") {
  MachineHarness h;
  SECTION("accepted") {
    h.bind();
    CHECK(h.machine->phase() == Phase::bound);
    CHECK(h.machine->stats().connects == 1);
    CHECK(h.machine->window_free() == 8);
  }
  SECTION("rejected: errc::bind_failed with the status kept") {
    h.bind(HookInterest::all, CommandStatus::invalid_password);
    CHECK(h.machine->over());
    CHECK(h.machine->error() == errc::bind_failed);
    CHECK(h.machine->bind_status() == CommandStatus::invalid_password);
  }
  SECTION("an enquire_link before the bind response is answered") {
    h.machine->begin(h.now, HookInterest::all);
    const auto bind = h.written();
    EnquireLink probe;
    probe.header.sequence_number = 77;
    h.feed(probe);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::enquire_link_resp);
    CHECK(seq_of(out[0]) == 77);
    CHECK(h.machine->phase() == Phase::binding);
  }
  SECTION("no answer within socket_timeout") {
    h.machine->begin(h.now, HookInterest::all);
    h.written();
    h.advance(4s);
    CHECK(h.machine->phase() == Phase::binding);
    CHECK(h.machine->next_deadline() == h.now + 1s);
    h.advance(1s);
    CHECK(h.machine->over());
    CHECK(h.machine->error() == errc::response_timeout);
  }
}

TEST_CASE("machine: responses end their messages with the tracking attached", "[esme][machine]") {
  MachineHarness h;
  SECTION("hook wants received: one outcome per response, in order") {
    h.bind();
    const auto sent = h.send(pdus({submit("a"), submit("b"), submit("c")}));
    REQUIRE(sent.size() == 3);
    h.feed(submit_resp(seq_of(sent[1]), "m-b"));
    h.feed(submit_resp(seq_of(sent[0]), "", CommandStatus::invalid_dest_address));
    h.feed(submit_resp(seq_of(sent[2]), "m-c"));
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 3);
    CHECK(tracking_of(*outcomes[0].response).log_id == "b");
    CHECK(tracking_of(*outcomes[1].response).log_id == "a");
    CHECK(header_of(*outcomes[1].response).command_status == CommandStatus::invalid_dest_address);
    CHECK(std::get<SubmitSmResp>(*outcomes[2].response).message_id == "m-c");
    CHECK(h.machine->stats().responses == 3);
    CHECK(h.machine->in_flight() == 0);
    CHECK(h.throttle.not_throttled == 3);
  }
  SECTION("hook wants outcome() only: still one outcome per response, none taken fast") {
    // No receipt asked and no received(): only Hook::outcome needs these events.
    h.bind(HookInterest::outcome);
    const auto sent = h.send(pdus({submit("a"), submit("b")}));
    h.feed(submit_resp(seq_of(sent[0]), "m-a"));
    h.feed(submit_resp(seq_of(sent[1]), "", CommandStatus::invalid_dest_address));
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 2);
    CHECK(tracking_of(*outcomes[0].response).log_id == "a");
    CHECK(tracking_of(*outcomes[1].response).log_id == "b");
    CHECK(h.machine->stats().responses == 2);
  }
  SECTION("nobody wants them: no event at all (the fast path)") {
    h.bind(HookInterest::send_error);
    const auto sent = h.send(pdus({submit("a"), submit("b")}));
    for (const auto& p : sent)
      h.feed(submit_resp(seq_of(p), "id"));
    CHECK(h.events.empty());
    CHECK(h.machine->stats().responses == 2);
  }
  SECTION("a generic_nack answers its request like a response") {
    h.bind();
    const auto sent = h.send(pdus({submit("a")}));
    GenericNack nack;
    nack.header = {CommandStatus::invalid_command_id, seq_of(sent[0])};
    h.feed(nack);
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(command_id_of(*outcomes[0].response) == CommandId::generic_nack);
    CHECK(tracking_of(*outcomes[0].response).log_id == "a");
  }
  SECTION("throttled responses are counted for the throttle handler") {
    h.bind(HookInterest::none);
    const auto sent = h.send(pdus({submit("a"), submit("b")}));
    h.feed(submit_resp(seq_of(sent[0]), "", CommandStatus::throttled));
    h.feed(submit_resp(seq_of(sent[1]), "x"));
    CHECK(h.throttle.throttled == 1);
    CHECK(h.throttle.not_throttled == 1);
  }
}

TEST_CASE("machine: the window bounds requests in flight", "[esme][machine][window]") {
  auto cfg = MachineHarness::default_config();
  cfg.window = 2;
  MachineHarness h(cfg);
  h.bind(HookInterest::none);
  std::vector<Pdu> five;
  for (int i = 0; i < 5; ++i)
    five.emplace_back(submit(std::to_string(i)));
  h.machine->take(five, h.events);
  CHECK(h.machine->pending() == 5);
  h.machine->send_pending(h.now, false, h.events);
  auto sent = h.written();
  CHECK(sent.size() == 2);
  CHECK(h.machine->window_free() == 0);
  CHECK(h.machine->pending() == 3);
  h.machine->send_pending(h.now, false, h.events);
  CHECK(h.written().empty());
  h.feed(submit_resp(seq_of(sent[0]), "x"));
  CHECK(h.machine->window_free() == 1);
  CHECK((h.machine->take_wakeups() & detail::wake_pump) != 0);
  h.machine->send_pending(h.now, false, h.events);
  CHECK(h.written().size() == 1);
  CHECK(h.machine->stats().max_in_flight == 2);
}

TEST_CASE("machine: a dropped connection reports not_sent or outcome_unknown by octets written",
          "[esme][machine]") {
  MachineHarness h;
  h.bind();
  std::vector<Pdu> three = pdus({submit("a"), submit("b"), submit("c")});
  h.machine->take(three, h.events);
  h.machine->send_pending(h.now, false, h.events);
  // The first PDU and half of the second leave; the connection breaks.
  const auto first = bytes_of(submit("a"));  // same length as what was encoded, sequence aside
  const auto out = h.write(first.size() + 5);
  CHECK(out.size() == 1);
  h.machine->on_transport_error(errc::connection_closed);
  CHECK(h.machine->over());
  h.machine->end({}, h.events);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 3);
  CHECK(tracking_of(outcomes[0].message).log_id == "a");
  CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(outcomes[1].error.kind == SendError::Kind::not_sent);  // partly written: never complete
  CHECK(outcomes[2].error.kind == SendError::Kind::not_sent);
  CHECK(outcomes[0].error.code == errc::connection_closed);
  CHECK(h.machine->stats().send_errors == 3);
  CHECK(h.machine->phase() == Phase::idle);
}

TEST_CASE("machine: taken but not registered ends not_sent", "[esme][machine]") {
  auto cfg = MachineHarness::default_config();
  cfg.window = 1;
  MachineHarness h(cfg);
  h.bind();
  auto sent = h.send(pdus({submit("a"), submit("b")}));
  REQUIRE(sent.size() == 1);
  h.machine->on_transport_error(errc::connection_closed);
  h.machine->end({}, h.events);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(tracking_of(outcomes[1].message).log_id == "b");
  CHECK(outcomes[1].error.kind == SendError::Kind::not_sent);
}

TEST_CASE("machine: response timeout, then a late response is dropped", "[esme][machine]") {
  MachineHarness h;
  h.bind();
  const auto sent = h.send(pdus({submit("a")}));
  CHECK(h.machine->next_deadline() == h.now + 10s);
  h.advance(9s);
  CHECK(h.take_events<OutcomeEvent>().empty());
  h.advance(1s);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(outcomes[0].error.code == errc::response_timeout);
  h.feed(submit_resp(seq_of(sent[0]), "late"));
  CHECK(h.take_events<OutcomeEvent>().empty());
  CHECK(h.machine->stats().late_responses == 1);
}

TEST_CASE("machine: a request not yet written does not time out until it is", "[esme][machine]") {
  MachineHarness h;
  h.bind();
  std::vector<Pdu> one = pdus({submit("a")});
  h.machine->take(one, h.events);
  h.machine->send_pending(h.now, false, h.events);
  const auto bytes = h.machine->take_output();  // the peer does not read: nothing is written
  h.advance(11s);
  CHECK(h.take_events<OutcomeEvent>().empty());
  h.machine->on_written(bytes.size());
  h.machine->write_done();
  CHECK((h.machine->take_wakeups() & detail::wake_timer) != 0);
  CHECK(h.machine->next_deadline() <= h.now);
  h.advance(0s);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].error.code == errc::response_timeout);
}

TEST_CASE("machine: enquire_link after silence, no answer is a dead link", "[esme][machine]") {
  MachineHarness h;
  h.bind(HookInterest::none);
  CHECK(h.machine->next_deadline() == h.now + 30s);
  h.advance(30s);
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(command_id_of(out[0]) == CommandId::enquire_link);
  SECTION("answered: the next one is an interval after the answer") {
    h.now += 1s;
    EnquireLinkResp r;
    r.header.sequence_number = seq_of(out[0]);
    h.feed(r);
    CHECK(h.machine->next_deadline() == h.now + 30s);
    CHECK(h.machine->phase() == Phase::bound);
  }
  SECTION("not answered within socket_timeout") {
    h.advance(4s);
    CHECK(h.machine->phase() == Phase::bound);
    h.advance(1s);
    CHECK(h.machine->over());
    CHECK(h.machine->error() == errc::enquire_link_timeout);
  }
}

TEST_CASE("machine: an undecodable response still ends its request, outcome unknown",
          "[esme][machine]") {
  MachineHarness h;
  h.bind();
  const auto sent = h.send(pdus({submit("a")}));
  auto bytes = bytes_of(submit_resp(seq_of(sent[0]), "abc"));
  bytes.back() = 'z';  // message_id loses its NUL
  h.feed_bytes(bytes);
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 1);
  CHECK_FALSE(incoming[0].message);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
  CHECK(h.machine->phase() == Phase::bound);
}

TEST_CASE("machine: a long message's segments end in one outcome", "[esme][machine][segments]") {
  MachineHarness h;
  h.bind();
  SubmitSm long_message = submit("long", "");
  long_message.text = MessageText{std::string(400, 'a')};
  long_message.text->long_message = LongMessageMode::udh8;
  std::vector<Pdu> one{Pdu(long_message)};
  const auto sent = h.send(std::move(one));
  REQUIRE(sent.size() == 3);
  SECTION("all accepted: the last response, with the message's tracking") {
    h.feed(submit_resp(seq_of(sent[0]), "m1"));
    h.feed(submit_resp(seq_of(sent[2]), "m3"));
    CHECK(h.take_events<OutcomeEvent>().empty());
    h.feed(submit_resp(seq_of(sent[1]), "m2"));
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(tracking_of(*outcomes[0].response).log_id == "long");
    CHECK(std::get<SubmitSmResp>(*outcomes[0].response).message_id == "m2");
    CHECK(h.machine->stats().responses == 1);
  }
  SECTION("one rejected: the first error response") {
    h.feed(submit_resp(seq_of(sent[0]), "m1"));
    h.feed(submit_resp(seq_of(sent[1]), "", CommandStatus::invalid_dest_address));
    h.feed(submit_resp(seq_of(sent[2]), "", CommandStatus::system_error));
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(header_of(*outcomes[0].response).command_status == CommandStatus::invalid_dest_address);
  }
  SECTION("one without a response: send_error saying how many were accepted") {
    h.feed(submit_resp(seq_of(sent[0]), "m1"));
    h.feed(submit_resp(seq_of(sent[1]), "m2"));
    h.advance(10s);
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK_FALSE(outcomes[0].response);
    CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
    CHECK(outcomes[0].error.detail.find("2 of 3 segments accepted") != std::string::npos);
    CHECK(tracking_of(outcomes[0].message).log_id == "long");
    CHECK(h.machine->stats().send_errors == 1);
  }
}

TEST_CASE("machine: invalid messages end at once, nothing written", "[esme][machine]") {
  MachineHarness h;
  h.bind();
  SubmitSm bad = submit("bad");
  bad.destination = PhoneNumber(std::string(30, '1'));
  std::vector<Pdu> messages{Pdu(bad), Pdu(EnquireLink{})};
  h.machine->take(messages, h.events);
  h.machine->send_pending(h.now, false, h.events);
  CHECK(h.written().empty());
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 2);
  for (const auto& o : outcomes)
    CHECK(o.error.kind == SendError::Kind::invalid_message);
  CHECK(h.machine->in_flight() == 0);
}

TEST_CASE("machine: staged requests are registered before the hook sees them", "[esme][machine]") {
  MachineHarness h;
  h.bind();
  std::vector<Pdu> two = pdus({submit("a"), submit("b")});
  h.machine->take(two, h.events);
  h.machine->send_pending(h.now, true, h.events);
  REQUIRE(h.machine->staged().size() == 2);
  CHECK(h.machine->in_flight() == 2);
  CHECK_FALSE(h.machine->has_output());
  CHECK(tracking_of(h.machine->staged_message(h.machine->staged()[1])).log_id == "b");
  SECTION("committed: written as one batch") {
    h.machine->commit_staged();
    CHECK(h.written().size() == 2);
  }
  SECTION("the connection ends during the hooks: not_sent") {
    h.machine->on_transport_error(errc::connection_closed);
    h.machine->commit_staged();
    h.machine->end({}, h.events);
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 2);
    CHECK(outcomes[0].error.kind == SendError::Kind::not_sent);
    CHECK(outcomes[1].error.kind == SendError::Kind::not_sent);
  }
}

TEST_CASE("machine: a receiver never asks for messages", "[esme][machine]") {
  auto cfg = MachineHarness::default_config();
  cfg.bind_mode = BindType::receiver;
  MachineHarness h(cfg);
  h.bind();
  CHECK(h.machine->phase() == Phase::bound);
  CHECK_FALSE(h.machine->may_take());
  CHECK(h.machine->window_free() == 0);
}

}  // namespace aiosmpp::test

namespace aiosmpp::test {

TEST_CASE("machine: a throttled message is sent again, and ends once", "[esme][machine][requeue]") {
  SimpleRequeuePolicy policy(
      RequeueOptions{.max_attempts = 3, .first_delay = 100ms, .max_delay = 100ms, .jitter = 0});
  auto cfg = MachineHarness::default_config();
  cfg.window = 2;
  MachineHarness h(cfg, &policy);
  h.bind();
  auto sent = h.send(pdus({submit("a"), submit("b")}));
  REQUIRE(sent.size() == 2);
  h.feed(submit_resp(seq_of(sent[0]), "", CommandStatus::throttled));
  h.feed(submit_resp(seq_of(sent[1]), "m-b"));
  // "a" waits inside the machine, outside the window: no outcome, both slots free again.
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  CHECK(tracking_of(*outcomes[0].response).log_id == "b");
  CHECK(h.machine->requeued() == 1);
  CHECK(h.machine->window_free() == 2);
  CHECK(h.machine->stats().requeued == 1);
  CHECK(h.machine->next_deadline() == h.now + 100ms);
  h.advance(100ms);
  CHECK(h.machine->sendable() == 1);
  CHECK((h.machine->take_wakeups() & detail::wake_ready) != 0);
  h.machine->send_pending(h.now, false, h.events);
  auto again = h.written();
  REQUIRE(again.size() == 1);
  CHECK(tracking_of(again[0]).log_id.empty());  // tracking never goes on the wire
  SECTION("accepted the second time: its response is the one outcome") {
    h.feed(submit_resp(seq_of(again[0]), "m-a"));
    outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(tracking_of(*outcomes[0].response).log_id == "a");
    CHECK(std::get<SubmitSmResp>(*outcomes[0].response).message_id == "m-a");
    CHECK(h.machine->stats().responses == 2);
  }
  SECTION("throttled until max_attempts: the last throttled response is final") {
    h.feed(submit_resp(seq_of(again[0]), "", CommandStatus::throttled));
    h.advance(100ms);
    h.machine->send_pending(h.now, false, h.events);
    auto third = h.written();
    REQUIRE(third.size() == 1);
    h.feed(submit_resp(seq_of(third[0]), "", CommandStatus::throttled));
    outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(header_of(*outcomes[0].response).command_status == CommandStatus::throttled);
    CHECK(tracking_of(*outcomes[0].response).log_id == "a");
    CHECK(h.machine->requeued() == 0);
  }
  SECTION("the Esme stops while it waits: the last answer is its outcome") {
    h.feed(submit_resp(seq_of(again[0]), "", CommandStatus::message_queue_full));
    h.machine->stop(h.now);
    h.machine->give_up_requeued(h.events);
    outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(header_of(*outcomes[0].response).command_status == CommandStatus::message_queue_full);
  }
  SECTION("a dropped connection keeps it for the next one") {
    h.feed(submit_resp(seq_of(again[0]), "", CommandStatus::throttled));
    h.machine->on_transport_error(errc::connection_closed);
    h.machine->end({}, h.events);
    CHECK(h.take_events<OutcomeEvent>().empty());
    CHECK(h.machine->requeued() == 1);
    h.bind();
    h.advance(100ms);
    h.machine->send_pending(h.now, false, h.events);
    CHECK(h.written().size() == 1);
  }
}

TEST_CASE("machine: flow control holds sends back and says until when", "[esme][machine][flow]") {
  FlowControl flow(FlowControlOptions{.period = 100ms, .min_samples = 2});
  MachineHarness h(MachineHarness::default_config(), nullptr, &flow);
  h.bind(HookInterest::none);
  // The SMSC throttles half of a period's responses: the rate drops to what it accepted.
  auto sent = h.send(pdus({submit("1"), submit("2"), submit("3"), submit("4")}));
  REQUIRE(sent.size() == 4);
  h.now += 100ms;
  h.feed(submit_resp(seq_of(sent[0]), "", CommandStatus::throttled));
  h.feed(submit_resp(seq_of(sent[1]), "", CommandStatus::throttled));
  h.feed(submit_resp(seq_of(sent[2]), "x"));
  h.feed(submit_resp(seq_of(sent[3]), "y"));
  REQUIRE(flow.rate());
  std::vector<Pdu> many;
  for (int i = 0; i < 8; ++i)
    many.emplace_back(submit(std::to_string(i)));
  h.machine->take(many, h.events);
  std::size_t total = 0;
  for (int i = 0; i < 8 && total < 8; ++i)
    total += h.machine->send_pending(h.now, false, h.events);
  CHECK(total < 8);  // the burst is bounded
  CHECK(h.machine->send_at() > h.now);
}

}  // namespace aiosmpp::test
