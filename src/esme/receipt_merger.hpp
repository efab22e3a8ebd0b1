#pragma once
// Merged receipts for long messages (EsmeConfig::merge_receipts): each segment of a message has
// its own SMSC message_id and its own receipt; the merger collects the final receipts of one
// message's segments and gives one ReceiptOutcome with the worst state once all are in. Sans-io
// and bounded: at most `limit` messages wait; beyond that the oldest is given up (its receipts so
// far come out as one incomplete outcome), and so is everything when the Esme stops, so no
// receipt the merger took is ever swallowed.

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "aiosmpp/esme/outcome.hpp"

namespace aiosmpp::detail {

class ReceiptMerger {
 public:
  explicit ReceiptMerger(std::size_t limit) : limit_(limit) {}

  /** Segment `key` (the correlator's key of its message id) belongs to message `group` of
   *  `segments` segments. Evicted messages' outcomes go to the end of `out`. */
  void expect(const std::string& key, std::uint64_t group, std::size_t segments,
              std::vector<ReceiptOutcome>& out);

  /** A final receipt for `key`: false when it is not a segment the merger waits for (give it as
   *  is); true when merged, and then the message's outcome, once complete, is at the end of
   *  `out`. */
  bool add(const std::string& key, ReceiptOutcome& receipt, std::vector<ReceiptOutcome>& out);

  /** Every waiting message that has at least one receipt, as incomplete outcomes (at stop). */
  void give_up_all(std::vector<ReceiptOutcome>& out);

  std::size_t waiting() const noexcept { return groups_.size(); }

 private:
  struct Group {
    std::size_t segments = 0;
    std::size_t received = 0;
    std::vector<std::string> keys;
    std::optional<ReceiptOutcome> merged;  // the receipts so far, merged
    std::list<std::uint64_t>::iterator order;
  };
  struct Segment {
    std::uint64_t group = 0;
    bool received = false;
  };
  void finish(std::unordered_map<std::uint64_t, Group>::iterator it,
              std::vector<ReceiptOutcome>& out);

  std::size_t limit_;
  std::unordered_map<std::string, Segment> segments_;
  std::unordered_map<std::uint64_t, Group> groups_;
  std::list<std::uint64_t> order_;  // oldest first
};

}  // namespace aiosmpp::detail
