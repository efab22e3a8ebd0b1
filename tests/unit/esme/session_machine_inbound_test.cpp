// The Esme's protocol decisions on what the SMSC sends, proven without sockets: its own requests,
// deliver_sm and receipts, and what still arrives while the session stops or the SMSC unbinds.
// The SessionMachine fed bytes and a fake clock (session_machine_support.hpp); the send side is in
// session_machine_test.cpp.

#include "unit/esme/session_machine_support.hpp"

namespace aiosmpp::test {

TEST_CASE("machine: the SMSC's own PDUs get the answers SMPP demands", "[esme][machine]") {
  MachineHarness h;
  h.bind(HookInterest::none);
  SECTION("enquire_link") {
    EnquireLink e;
    e.header.sequence_number = 5;
    h.feed(e);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::enquire_link_resp);
  }
  SECTION("an unknown command_id: generic_nack ESME_RINVCMDID") {
    std::vector<std::uint8_t> bytes = {0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 9};
    h.feed_bytes(bytes);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::generic_nack);
    CHECK(header_of(out[0]).command_status == CommandStatus::invalid_command_id);
    CHECK(seq_of(out[0]) == 9);
    CHECK(h.machine->phase() == Phase::bound);  // the session survives
  }
  SECTION("a deliver_sm with a bad field: its own _resp with that field's status") {
    Pdu d = receipt(11, "hi", EsmClass::default_mode);
    std::get<DeliverSm>(d).service_type = "ABCDE";
    auto bytes = bytes_of(d);
    bytes[16 + 5] = 'F';  // service_type runs to 6 characters: over its limit (C 6)
    h.feed_bytes(bytes);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::deliver_sm_resp);
    CHECK(header_of(out[0]).command_status == CommandStatus::invalid_service_type);
    CHECK(seq_of(out[0]) == 11);
  }
  SECTION("a submit_sm from the SMSC: ESME_RINVBNDSTS") {
    Pdu s = submit("x");
    header_of(s).sequence_number = 3;
    h.feed(s);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::submit_sm_resp);
    CHECK(header_of(out[0]).command_status == CommandStatus::invalid_bind_status);
  }
  SECTION("a broken command_length: generic_nack, then the connection ends once it is out") {
    std::vector<std::uint8_t> bytes = {0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1};
    h.feed_bytes(bytes);
    CHECK(h.machine->phase() == Phase::closing);
    auto out = h.written();
    REQUIRE(out.size() == 1);
    CHECK(command_id_of(out[0]) == CommandId::generic_nack);
    CHECK(header_of(out[0]).command_status == CommandStatus::invalid_command_length);
    CHECK(h.machine->over());
  }
}

TEST_CASE("machine: a transmitter refuses deliver_sm", "[esme][machine]") {
  auto cfg = MachineHarness::default_config();
  cfg.bind_mode = BindType::transmitter;
  MachineHarness h(cfg);
  h.bind();
  h.feed(receipt(4, "id:1 stat:DELIVRD"));
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(header_of(out[0]).command_status == CommandStatus::invalid_bind_status);
  CHECK(h.events.empty());
}

TEST_CASE("machine: deliver_sm is answered only after the hook has it", "[esme][machine]") {
  MachineHarness h;
  h.bind();
  h.feed(receipt(21, "hello", EsmClass::default_mode));
  CHECK(h.written().empty());
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 1);
  REQUIRE(incoming[0].answer);
  CHECK(incoming[0].receipt_key.empty());
  h.machine->answer(*incoming[0].answer);
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(command_id_of(out[0]) == CommandId::deliver_sm_resp);
  CHECK(seq_of(out[0]) == 21);
  CHECK(header_of(out[0]).command_status == CommandStatus::ok);
}

TEST_CASE("machine: receipts carry the correlator key and whether they are final",
          "[esme][machine][receipt]") {
  MachineHarness h;
  h.bind(HookInterest::none);
  auto check = [&](std::string text, bool final_state, EsmClass esm = EsmClass::delivery_receipt) {
    h.feed(receipt(30, std::move(text), esm));
    auto incoming = h.take_events<IncomingEvent>();
    REQUIRE(incoming.size() == 1);
    CHECK(incoming[0].receipt_key == "abc1");
    CHECK(incoming[0].final_state == final_state);
  };
  SECTION("final states") {
    check("id:abc1 sub:001 dlvrd:001 stat:DELIVRD err:000", true);
    check("id:abc1 stat:UNDELIV", true);
    check("id:abc1 stat:EXPIRED", true);
    check("id:abc1 stat:REJECTD", true);
  }
  SECTION("states that are not final, in any letter case") {
    check("id:abc1 stat:ENROUTE", false);
    check("id:abc1 stat:Enroute", false);
    check("id:abc1 stat:BUFFRED", false);
    check("id:abc1 stat:BUFFERED", false);
    check("id:abc1 stat:SCHEDULED", false);
    check("id:abc1 stat:WHATEVER", false);  // an unknown spelling never takes the entry
  }
  SECTION("an intermediate notification is never final") {
    check("id:abc1 stat:DELIVRD", false, EsmClass::intermediate_notification);
  }
  SECTION("ids are compared as the normaliser does (case, leading zeros)") {
    check("id:000ABC1 stat:DELIVRD", true);
  }
}

TEST_CASE("machine: message ids written in hex in responses and decimal in receipts",
          "[esme][machine][receipt]") {
  auto cfg = MachineHarness::default_config();
  cfg.message_ids = MessageIdForms::hex_response_decimal_receipt;
  MachineHarness h(cfg);
  h.bind(HookInterest::none);
  const auto sent = h.send(pdus({submit("a", "x", RegisteredDelivery::receipt_always)}));
  h.feed(submit_resp(seq_of(sent[0]), "38601fa"));
  auto registered = h.take_events<RegisterEvent>();
  REQUIRE(registered.size() == 1);
  CHECK(registered[0].tracking.log_id == "a");
  h.feed(receipt(40, "id:0059113978 stat:DELIVRD"));
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 1);
  CHECK(incoming[0].receipt_key == registered[0].key);
}

TEST_CASE("machine: stop drains, unbinds, and answers what still arrives",
          "[esme][machine][stop]") {
  MachineHarness h;
  h.bind();
  const auto sent = h.send(pdus({submit("a")}));
  h.machine->stop(h.now);
  CHECK(h.machine->phase() == Phase::draining);
  CHECK(h.machine->window_free() == 0);
  CHECK(h.written().empty());  // no unbind while a response is owed
  h.feed(submit_resp(seq_of(sent[0]), "m"));
  CHECK(h.machine->phase() == Phase::unbinding);
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(command_id_of(out[0]) == CommandId::unbind);
  // A receipt arrives before unbind_resp: it is still answered.
  h.feed(receipt(50, "hi", EsmClass::default_mode));
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 1);
  h.machine->answer(*incoming[0].answer);
  UnbindResp ur;
  ur.header.sequence_number = seq_of(out[0]);
  h.feed(ur);
  CHECK(h.machine->phase() == Phase::closing);
  auto last = h.written();
  REQUIRE(last.size() == 1);
  CHECK(command_id_of(last[0]) == CommandId::deliver_sm_resp);
  CHECK(h.machine->over());
  CHECK(h.machine->error() == errc::stopped);
}

TEST_CASE("machine: stop answers the deliver_sm already read before its unbind",
          "[esme][machine][stop]") {
  MachineHarness h;
  h.bind();
  // Two receipts read; the hook has them when stop() comes.
  auto both = bytes_of(receipt(60, "id:1 stat:DELIVRD"));
  const auto second = bytes_of(receipt(61, "id:2 stat:DELIVRD"));
  both.insert(both.end(), second.begin(), second.end());
  h.feed_bytes(both);
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 2);
  h.machine->stop(h.now);
  CHECK(h.machine->phase() == Phase::draining);
  CHECK(h.written().empty());  // no unbind while answers are owed
  h.machine->answer(*incoming[0].answer, h.now);
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(command_id_of(out[0]) == CommandId::deliver_sm_resp);
  CHECK(h.machine->phase() == Phase::draining);
  h.machine->answer(*incoming[1].answer, h.now);
  out = h.written();
  REQUIRE(out.size() == 2);
  CHECK(command_id_of(out[0]) == CommandId::deliver_sm_resp);
  CHECK(seq_of(out[0]) == 61);
  CHECK(command_id_of(out[1]) == CommandId::unbind);  // after the last answer
  CHECK(h.machine->phase() == Phase::unbinding);
}

TEST_CASE("machine: stop answers a deliver_sm read in the same buffer as unbind_resp",
          "[esme][machine][stop]") {
  MachineHarness h;
  h.bind();
  h.machine->stop(h.now);  // nothing in flight: the unbind goes out at once
  const auto out = h.written();
  REQUIRE(out.size() == 1);
  REQUIRE(command_id_of(out[0]) == CommandId::unbind);
  // The SMSC wrote a receipt just before its unbind_resp; both arrive in one read.
  UnbindResp ur;
  ur.header.sequence_number = seq_of(out[0]);
  auto both = bytes_of(receipt(51, "id:1 stat:DELIVRD"));
  const auto tail = bytes_of(ur);
  both.insert(both.end(), tail.begin(), tail.end());
  h.feed_bytes(both);
  auto incoming = h.take_events<IncomingEvent>();
  REQUIRE(incoming.size() == 1);
  CHECK_FALSE(h.machine->over());  // an answer is still owed
  h.machine->answer(*incoming[0].answer);
  const auto last = h.written();
  REQUIRE(last.size() == 1);
  CHECK(command_id_of(last[0]) == CommandId::deliver_sm_resp);
  CHECK(seq_of(last[0]) == 51);
  CHECK(h.machine->over());
  CHECK(h.machine->error() == errc::stopped);
}

TEST_CASE("machine: stop with a response never coming unbinds at stop_timeout",
          "[esme][machine][stop]") {
  MachineHarness h;
  h.bind();
  h.send(pdus({submit("a")}));
  h.machine->stop(h.now);
  h.advance(2s);
  CHECK(h.machine->phase() == Phase::unbinding);
  CHECK(command_id_of(h.written().at(0)) == CommandId::unbind);
  h.advance(2s);  // min(stop_timeout, socket_timeout) for unbind_resp
  CHECK(h.machine->over());
  h.machine->end({}, h.events);
  auto outcomes = h.take_events<OutcomeEvent>();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
}

TEST_CASE("machine: after the SMSC's unbind, responses still match until none is owed",
          "[esme][machine][unbind]") {
  MachineHarness h;
  h.bind();
  const auto sent = h.send(pdus({submit("a"), submit("b")}));
  Unbind u;
  u.header.sequence_number = 60;
  h.feed(u);
  CHECK(h.machine->phase() == Phase::peer_unbound);
  CHECK(h.machine->window_free() == 0);
  auto out = h.written();
  REQUIRE(out.size() == 1);
  CHECK(command_id_of(out[0]) == CommandId::unbind_resp);
  h.feed(submit_resp(seq_of(sent[0]), "m1"));
  CHECK(h.take_events<OutcomeEvent>().size() == 1);
  SECTION("the last response ends the connection") {
    h.feed(submit_resp(seq_of(sent[1]), "m2"));
    CHECK(h.take_events<OutcomeEvent>().size() == 1);
    CHECK(h.machine->over());
    CHECK(h.machine->error() == errc::connection_closed);
  }
  SECTION("the drain deadline reports the rest") {
    h.advance(3s);
    CHECK(h.machine->over());
    h.machine->end({}, h.events);
    auto outcomes = h.take_events<OutcomeEvent>();
    REQUIRE(outcomes.size() == 1);
    CHECK(tracking_of(outcomes[0].message).log_id == "b");
    CHECK(outcomes[0].error.kind == SendError::Kind::outcome_unknown);
  }
}

}  // namespace aiosmpp::test
