// ReceiptMerger without sockets: a long message's final receipts merge into one outcome with the
// worst state; the bound gives up the oldest message with what it has; repeats and unknown ids
// pass through.

#include "esme/receipt_merger.hpp"
#include "support/catch.hpp"

using namespace aiosmpp;
using aiosmpp::detail::ReceiptMerger;

namespace {

ReceiptOutcome final_receipt(const std::string& log_id, MessageState state) {
  ReceiptOutcome r;
  DeliverSm d;
  d.tracking.log_id = log_id;
  r.receipt = d;
  r.state = state;
  r.final_state = true;
  r.matched = true;
  return r;
}

}  // namespace

TEST_CASE("ReceiptMerger: one outcome per message, the worst state, after the last segment",
          "[esme][merge]") {
  ReceiptMerger m(10);
  std::vector<ReceiptOutcome> out;
  m.expect("a1", 1, 2, out);
  m.expect("a2", 1, 2, out);
  m.expect("single", 0, 1, out);  // not a long message: never merged
  CHECK(out.empty());
  CHECK(m.waiting() == 1);
  auto r = final_receipt("a", MessageState::expired);
  CHECK(m.add("a1", r, out));
  CHECK(out.empty());
  r = final_receipt("a", MessageState::delivered);
  CHECK(!m.add("a1", r, out));  // the same segment again: a repeat, given as is
  CHECK(m.add("a2", r, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].state == MessageState::expired);
  CHECK(out[0].segments == 2);
  CHECK(out[0].segments_received == 2);
  CHECK(m.waiting() == 0);
  r = final_receipt("s", MessageState::delivered);
  CHECK(!m.add("single", r, out));
  CHECK(!m.add("a2", r, out));  // after the merge: passes through
}

TEST_CASE("ReceiptMerger: beyond its limit the oldest message is given up with what it has",
          "[esme][merge]") {
  ReceiptMerger m(2);
  std::vector<ReceiptOutcome> out;
  m.expect("a1", 1, 2, out);
  m.expect("a2", 1, 2, out);
  auto r = final_receipt("a", MessageState::delivered);
  CHECK(m.add("a1", r, out));
  m.expect("b1", 2, 3, out);  // no receipt yet: given up silently if evicted
  CHECK(out.empty());
  m.expect("c1", 3, 2, out);  // a third message: the oldest (a) goes, incomplete
  REQUIRE(out.size() == 1);
  CHECK(tracking_of(out[0].receipt).log_id == "a");
  CHECK(out[0].segments_received == 1);
  CHECK(!out[0].complete());
  CHECK(m.waiting() == 2);
  out.clear();
  m.expect("d1", 4, 2, out);  // b goes: it had no receipt, so nothing to report
  CHECK(out.empty());
  r = final_receipt("a", MessageState::delivered);
  CHECK(!m.add("a2", r, out));  // a's other segment: no longer merged, given as is
  r = final_receipt("c", MessageState::rejected);
  CHECK(m.add("c1", r, out));
  m.give_up_all(out);
  REQUIRE(out.size() == 1);
  CHECK(tracking_of(out[0].receipt).log_id == "c");
  CHECK(out[0].state == MessageState::rejected);
  CHECK(m.waiting() == 0);
}
