// The short reliability soak, and the audit's ability to catch each kind of violation (a checker
// that cannot fail proves nothing).

#include <cstdio>
#include <string>

#include "soak.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using namespace aiosmpp::soak;

TEST_CASE("soak: 20000 messages through every trouble mode, each accounted for once",
          "[soak][sim]") {
  Options o;
  o.count = 20'000;
  o.window = 50;
  o.drop_every = 2000;  // about ten reconnects
  o.seed = 11;
  o.send_timeout = std::chrono::seconds(90);
  o.receipt_timeout = std::chrono::seconds(15);
  const Report r = run_soak(o);
  const std::string summary = format_report(r);
  std::fputs(summary.c_str(), stdout);  // in ctest's log, pass or fail
  INFO(summary);
  CHECK(r.violations == 0);
  CHECK(r.duplicates == 0);
  CHECK(r.missing == 0);
  CHECK(r.missing_receipts == 0);
  CHECK(r.accepted + r.rejected + r.outcome_unknown + r.not_sent == o.count);
  CHECK(r.correlated == r.accepted);
  // The trouble happened: otherwise the run proves nothing about it.
  CHECK(r.sim.drops >= 5);
  CHECK(r.esme.connects >= 5);
  // Throttled answers are sent again (the requeue path), so they are rarely outcomes.
  CHECK(r.esme.requeued > 0);
  CHECK(r.esme.throttled >= r.esme.requeued);
  CHECK(r.rejected > r.throttled);
  CHECK(r.sim.withheld > 0);
  CHECK(r.outcome_unknown >= r.sim.withheld);
  CHECK(r.receipts >= r.correlated);
}

TEST_CASE("soak ledger: a second outcome for one message is a violation", "[soak]") {
  Ledger l(3);
  l.on_response("0", "x0", CommandStatus::ok, "17");
  l.on_send_error("1", SendError::Kind::outcome_unknown);
  l.on_response("2", "x2", CommandStatus::throttled, "");
  CHECK(l.violations() == 0);
  l.on_send_error("0", SendError::Kind::not_sent);
  CHECK(l.duplicates() == 1);
  CHECK(l.violations() == 1);
}

TEST_CASE("soak ledger: a message without an outcome is a violation at the audit", "[soak]") {
  Ledger l(2);
  l.on_response("1", "x1", CommandStatus::submit_failed, "");
  l.audit();
  CHECK(l.missing() == 1);
  CHECK(l.violations() == 1);
}

TEST_CASE("soak ledger: wrong tracking, unknown log_ids and bad message_ids are violations",
          "[soak]") {
  Ledger l(2);
  l.on_response("0", "x1", CommandStatus::ok, "5");  // extra_data of another message
  CHECK(l.violations() == 1);
  l.on_response("7", "x7", CommandStatus::ok, "6");  // not a log_id of the run
  CHECK(l.violations() == 2);
  l.on_response("1", "x1", CommandStatus::ok, "abc");  // not the simulator's decimal id
  CHECK(l.violations() == 3);
}

TEST_CASE("soak ledger: receipts must reach the log_id of their message, repeats are counted",
          "[soak]") {
  Ledger l(3);
  l.on_response("0", "x0", CommandStatus::ok, "100");
  l.on_response("1", "x1", CommandStatus::ok, "101");
  l.on_response("2", "x2", CommandStatus::ok, "102");
  l.on_receipt("0", "100", 0);
  CHECK(l.violations() == 0);
  CHECK(l.correlated() == 1);
  l.on_receipt("", "100", 0);  // offered again after a drop: fine, counted
  CHECK(l.violations() == 0);
  CHECK(l.redelivered() == 1);
  l.on_receipt("0", "100", 0);  // offered again and correlated by the repeat marker: counted
  CHECK(l.violations() == 0);
  CHECK(l.redelivered() == 2);
  CHECK(l.correlated() == 1);
  l.on_receipt("2", "101", 1);  // message 1's receipt given message 2's tracking
  CHECK(l.violations() == 1);
  l.on_receipt("", "102", 2);  // an accepted message's first receipt arrives uncorrelated
  CHECK(l.violations() == 2);
  l.audit();  // messages 1 and 2 never got a correlated receipt
  CHECK(l.missing_receipts() == 2);
  CHECK(l.violations() == 4);
  CHECK_FALSE(l.receipts_complete());
}

TEST_CASE("soak ledger: the SMSC accepting a message reported not_sent is a violation", "[soak]") {
  Ledger l(2);
  l.on_send_error("0", SendError::Kind::outcome_unknown);
  l.on_send_error("1", SendError::Kind::not_sent);
  l.on_receipt("", "200", 0);  // its response was lost in a drop: legitimate
  l.on_receipt("", "201", 1);  // "never left" yet the SMSC has it
  CHECK(l.orphans() == 2);
  l.audit();
  CHECK(l.violations() == 1);
  REQUIRE(l.first_violations().size() == 1);
  CHECK(l.first_violations()[0].find("log_id 1") != std::string::npos);
}

TEST_CASE("soak: a receipt's text gives the message index", "[soak]") {
  CHECK(index_from_receipt_text("soak 1234") == std::optional<std::uint64_t>(1234));
  CHECK(index_from_receipt_text("soak 0") == std::optional<std::uint64_t>(0));
  CHECK_FALSE(index_from_receipt_text("hello 12"));
  CHECK_FALSE(index_from_receipt_text("soak x"));
  CHECK_FALSE(index_from_receipt_text(""));
}
