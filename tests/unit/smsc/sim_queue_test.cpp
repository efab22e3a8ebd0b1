// The simulator's receipt queues and its session reference (src/smsc/sim_impl.hpp): items are
// served where they lie and then forgotten, in due order, across block boundaries and in both of
// DueQueue's modes; OwnerRef counts without atomics and deletes with the last reference.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

#include "smsc/sim_impl.hpp"
#include "support/catch.hpp"

using namespace aiosmpp::smsc::sim_detail;

namespace {

struct QueuedItem {
  SteadyClock::time_point due{};
  std::unique_ptr<int> value;  // moved from: empty, as a served receipt's OwnerRef is
};

QueuedItem queued_item(int ms, int v) {
  return QueuedItem{SteadyClock::time_point{} + std::chrono::milliseconds(ms),
                    std::make_unique<int>(v)};
}

std::vector<int> serve_all_queued(DueQueue<QueuedItem>& q) {
  std::vector<int> out;
  while (!q.empty()) {
    q.serve_top([&](QueuedItem& i) {
      QueuedItem taken = std::move(i);
      out.push_back(*taken.value);
    });
  }
  return out;
}

}  // namespace

TEST_CASE("Ring::serve_front serves in order across blocks and forgets even on a throw", "[smsc]") {
  Ring<QueuedItem> r;
  const int n = 3 * static_cast<int>(Ring<QueuedItem>::block_size) + 7;
  for (int i = 0; i < n; ++i)
    r.push_back(queued_item(i, i));
  for (int i = 0; i < 10; ++i) {
    r.serve_front([&](QueuedItem& it) { CHECK(*it.value == i); });
  }
  CHECK(r.size() == static_cast<std::size_t>(n - 10));
  CHECK_THROWS(r.serve_front([](QueuedItem&) { throw std::runtime_error("serve failed"); }));
  CHECK(r.size() == static_cast<std::size_t>(n - 11));  // forgotten all the same
  CHECK(*r.front().value == 11);
  for (int i = 11; i < n; ++i) {
    r.serve_front([&](QueuedItem& it) {
      QueuedItem taken = std::move(it);
      CHECK(*taken.value == i);
    });
  }
  CHECK(r.empty());
  r.push_back(queued_item(0, 42));  // reused from the start once empty
  CHECK(*r.front().value == 42);
}

TEST_CASE("DueQueue::serve_top gives due order as a FIFO and as a heap", "[smsc]") {
  DueQueue<QueuedItem> fifo(true);
  for (int i = 0; i < 600; ++i)
    fifo.push(queued_item(i, i));
  auto got = serve_all_queued(fifo);
  REQUIRE(got.size() == 600);
  for (int i = 0; i < 600; ++i)
    CHECK(got[static_cast<std::size_t>(i)] == i);

  DueQueue<QueuedItem> heap(false);
  const std::vector<int> dues{50, 10, 40, 30, 20, 60, 0};
  for (int d : dues)
    heap.push(queued_item(d, d));
  CHECK(serve_all_queued(heap) == std::vector<int>{0, 10, 20, 30, 40, 50, 60});

  // A FIFO turned into a heap at run time (a delay changed from the console) keeps every item.
  DueQueue<QueuedItem> changed(true);
  changed.push(queued_item(5, 5));
  changed.push(queued_item(7, 7));
  changed.make_heap();
  changed.push(queued_item(1, 1));
  CHECK(serve_all_queued(changed) == std::vector<int>{1, 5, 7});
}

TEST_CASE("OwnerRef counts references and deletes the session state with the last", "[smsc]") {
  auto* s = new SimSession(0, 0);  // refs 1: the Session's own
  {
    OwnerRef a(*s);
    CHECK(s->refs == 2);
    OwnerRef b = a;
    CHECK(s->refs == 3);
    OwnerRef c = std::move(b);
    CHECK(!b);
    CHECK(s->refs == 3);
    c.reset();
    CHECK(s->refs == 2);
  }
  CHECK(s->refs == 1);
  OwnerRef last(*s);
  OwnerRef::release(s);  // the Session lets go first: the receipt keeps it alive
  CHECK(last->refs == 1);
  last.reset();  // deleted here (ASan reports a leak or a double free otherwise)
}
