// The Esme's in-flight table against a reference model under random operations, plus its
// ordering and capacity rules.

#include <map>
#include <random>

#include "esme/in_flight.hpp"
#include "support/catch.hpp"

using aiosmpp::Pdu;
using aiosmpp::SubmitSm;
using aiosmpp::detail::InFlightTable;
using Clock = InFlightTable::Clock;

namespace {
Pdu tagged(std::uint32_t seq) {
  SubmitSm m;
  m.tracking.log_id = std::to_string(seq);
  return m;
}
std::string log_id(const Pdu& p) {
  return std::get<SubmitSm>(p).tracking.log_id;
}
}  // namespace

TEST_CASE("InFlightTable agrees with a map under random insert/find/take", "[esme][in_flight]") {
  for (std::size_t capacity : {1U, 2U, 7U, 64U, 1000U}) {
    InFlightTable table(capacity);
    std::map<std::uint32_t, std::uint32_t> model;  // seq -> insertion order
    std::mt19937 rng(static_cast<unsigned>(capacity));
    std::uint32_t order = 0;
    const auto t0 = Clock::now();
    for (int step = 0; step < 20000; ++step) {
      // Small key space so collisions, re-use and probe-chain deletions all happen.
      const auto seq = static_cast<std::uint32_t>(1 + rng() % (capacity * 3 + 2));
      const bool present = model.count(seq) != 0;
      if (rng() % 2 == 0) {
        Pdu m = tagged(seq);
        const auto slot = table.insert(seq, t0 + std::chrono::milliseconds(order), 0, m);
        if (present || model.size() == capacity) {
          CHECK(slot == InFlightTable::npos);
          CHECK(log_id(m) == std::to_string(seq));  // untouched when refused
        } else {
          REQUIRE(slot != InFlightTable::npos);
          model[seq] = order++;
        }
      } else {
        const auto slot = table.find(seq);
        CHECK((slot != InFlightTable::npos) == present);
        if (slot != InFlightTable::npos) {
          CHECK(table.at(slot).sequence_number == seq);
          if (rng() % 2 == 0) {
            CHECK(log_id(table.take(slot)) == std::to_string(seq));
          } else {
            table.release(slot);
          }
          model.erase(seq);
        }
      }
      REQUIRE(table.size() == model.size());
      REQUIRE(table.full() == (model.size() == capacity));
    }
    // The list is in insertion (deadline) order.
    std::vector<std::uint32_t> by_order;
    std::map<std::uint32_t, std::uint32_t> inverse;
    for (auto [s, o] : model)
      inverse[o] = s;
    for (auto [o, s] : inverse)
      by_order.push_back(s);
    std::vector<std::uint32_t> listed;
    for (auto s = table.head(); s != InFlightTable::npos; s = table.next(s)) {
      listed.push_back(table.at(s).sequence_number);
    }
    CHECK(listed == by_order);
    for (auto s : by_order)
      CHECK(table.find(s) != InFlightTable::npos);
  }
}

TEST_CASE("InFlightTable head is the earliest registration, 0 is never a key",
          "[esme][in_flight]") {
  InFlightTable table(4);
  const auto t = Clock::now();
  Pdu a = tagged(10), b = tagged(11), c = tagged(12), z = tagged(0);
  CHECK(table.insert(0, t, 0, z) == InFlightTable::npos);
  CHECK(table.empty());
  const auto sa = table.insert(10, t, 5, a);
  const auto sb = table.insert(11, t + std::chrono::seconds(1), 6, b);
  table.insert(12, t + std::chrono::seconds(2), 7, c);
  CHECK(table.head() == sa);
  CHECK(table.at(sa).end_offset == 5);
  table.release(sa);
  CHECK(table.head() == sb);
  CHECK(table.find(10) == InFlightTable::npos);
  CHECK(table.size() == 2);
}
