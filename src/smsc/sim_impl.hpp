#pragma once

// Simulator::Impl: the simulator's state. simulator.cpp holds construction, the handlers, binds
// and stats; sim_submit.cpp the submit path; sim_delivery.cpp the receipts (scheduled, routed,
// queued behind a window, retried with back-off), the MO injector and the scheduler;
// sim_receipt.cpp how a receipt is written.
//
// Bounds (issue 15): receipts owed per origin session and in total (submit_sm asking for one
// beyond them gets ESME_RMSGQFUL, so nothing owed is ever dropped for room); MO outstanding per
// session and in total (the injector skips a full receiver and waits); receipts waiting for a
// window slot sit in the target session's queue, compact, and are sent when a response frees a
// slot (no polling); a receipt the ESME did not take is offered again with a doubling delay.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/smsc/simulator.hpp"
#include "core/log_budget.hpp"
#include "smsc/sim_receipt.hpp"

namespace aiosmpp::smsc {

namespace sim_detail {

using SteadyClock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

// query_sm, cancel_sm and replace_sm know the last ring_size messages.
inline constexpr std::size_t ring_size = 1 << 16;

// A FIFO in fixed blocks of block_size items: no allocation once it has grown to its working
// size, and growing never moves what it holds. Emptied blocks are kept for reuse, so it keeps its
// peak size: giving memory back when it empties made a flow that empties it now and then regrow it
// each time. (It was a power-of-two ring that doubled: with receipts on and a backlog growing, the
// copies into freshly mapped memory at each doubling were a tenth of the simulator's time, in
// page faults and memmove.)
template <class T>
class Ring {
 public:
  static constexpr std::size_t block_size = 256;

  Ring() = default;
  Ring(Ring&& o) noexcept
      : blocks_(std::move(o.blocks_)),
        spare_(std::move(o.spare_)),
        head_(std::exchange(o.head_, 0)),
        tail_(std::exchange(o.tail_, 0)),
        size_(std::exchange(o.size_, 0)) {
    o.blocks_.clear();
    o.spare_.clear();
  }
  Ring& operator=(Ring&& o) noexcept {
    blocks_ = std::move(o.blocks_);
    spare_ = std::move(o.spare_);
    head_ = std::exchange(o.head_, 0);
    tail_ = std::exchange(o.tail_, 0);
    size_ = std::exchange(o.size_, 0);
    o.blocks_.clear();
    o.spare_.clear();
    return *this;
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  T& front() { return blocks_.front()[head_]; }
  const T& front() const { return blocks_.front()[head_]; }
  // By reference, not by value: a receipt is 128 octets, and each extra move of it showed in
  // the profile with receipts on.
  void push_back(T&& v) {
    slot() = std::move(v);
    ++size_;
  }
  void push_back(const T& v) {
    slot() = v;
    ++size_;
  }
  T pop_front() {
    T v = std::move(blocks_.front()[head_]);
    drop_front();
    return v;
  }
  // Hands the first item to `serve` where it lies, then forgets it, whatever serve does: a
  // receipt is 128 octets, and taking it out by value was one more copy of it. `serve` must not
  // push to or pop from this ring.
  template <class F>
  void serve_front(F&& serve) {
    struct Forget {
      Ring& r;
      ~Forget() { r.drop_front(); }
    } forget{*this};
    serve(front());
  }
  // Forgets the first item, which the caller has moved from (front()): what the slot held (an
  // OwnerRef, a weak_ptr) is empty already, so it is not reset.
  void drop_front() noexcept {
    ++head_;
    --size_;
    if (size_ == 0) {
      head_ = tail_ = 0;  // one block left: reused from its start
    } else if (head_ == block_size) {
      spare_.push_back(std::move(blocks_.front()));
      blocks_.pop_front();
      head_ = 0;
    }
  }
  void clear() {
    while (!empty())
      (void)pop_front();
  }

 private:
  T& slot() {
    if (blocks_.empty() || tail_ == block_size) {
      blocks_.push_back(take_block());
      tail_ = 0;
    }
    return blocks_.back()[tail_++];
  }
  std::unique_ptr<T[]> take_block() {
    if (spare_.empty()) return std::make_unique<T[]>(block_size);
    auto b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  std::deque<std::unique_ptr<T[]>> blocks_;  // in order; head_ in the first, tail_ in the last
  std::vector<std::unique_ptr<T[]>> spare_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t size_ = 0;
};

// Items ordered by due time: a FIFO when every delay is the same (pushes are then already in
// order, and a ring is far cheaper than a heap at hundreds of thousands per second), a min-heap
// otherwise.
template <class T>
class DueQueue {
 public:
  explicit DueQueue(bool fifo) : fifo_(fifo) {}
  // A delay changed at run time (the console): pushes may no longer come in due order.
  void make_heap() {
    if (!fifo_) return;
    while (!q_.empty())
      heap_.push_back(q_.pop_front());
    std::make_heap(heap_.begin(), heap_.end(), later);
    fifo_ = false;
  }
  bool empty() const noexcept { return fifo_ ? q_.empty() : heap_.empty(); }
  std::size_t size() const noexcept { return fifo_ ? q_.size() : heap_.size(); }
  const T& top() const { return fifo_ ? q_.front() : heap_.front(); }
  void push(T&& v) {
    if (fifo_) {
      q_.push_back(std::move(v));
    } else {
      heap_.push_back(std::move(v));
      std::push_heap(heap_.begin(), heap_.end(), later);
    }
  }
  T pop() {
    if (fifo_) return q_.pop_front();
    std::pop_heap(heap_.begin(), heap_.end(), later);
    T v = std::move(heap_.back());
    heap_.pop_back();
    return v;
  }
  // Hands the first item to `serve` where it lies, then forgets it (whatever serve does): a
  // receipt is 128 octets, and taking it out by value was one more copy per receipt. `serve`
  // must not push to or pop from this queue.
  template <class F>
  void serve_top(F&& serve) {
    if (fifo_) {
      q_.serve_front(std::forward<F>(serve));
      return;
    }
    std::pop_heap(heap_.begin(), heap_.end(), later);
    struct Forget {
      std::vector<T>& heap;
      ~Forget() { heap.pop_back(); }
    } forget{heap_};
    serve(heap_.back());
  }

 private:
  static bool later(const T& a, const T& b) { return a.due > b.due; }
  bool fifo_;
  Ring<T> q_;
  std::vector<T> heap_;
};

struct SimSession;

// A counted reference to a SimSession that is not atomic: the simulator's state lives on one
// executor, and the shared_ptr it replaces cost a compare-and-swap when a receipt was accepted
// and an atomic decrement when it was settled (both in the receipts-on profile). The session's
// own reference is a shared_ptr<void> whose deleter drops one count (Impl::context()).
class OwnerRef {
 public:
  OwnerRef() = default;
  explicit OwnerRef(SimSession& s) noexcept;  // adds a reference
  OwnerRef(const OwnerRef& o) noexcept;
  OwnerRef(OwnerRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  OwnerRef& operator=(const OwnerRef& o) noexcept {
    OwnerRef(o).swap(*this);
    return *this;
  }
  OwnerRef& operator=(OwnerRef&& o) noexcept {
    OwnerRef(std::move(o)).swap(*this);
    return *this;
  }
  ~OwnerRef() { reset(); }
  void reset() noexcept;
  void swap(OwnerRef& o) noexcept { std::swap(p_, o.p_); }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  SimSession* operator->() const noexcept { return p_; }
  SimSession& operator*() const noexcept { return *p_; }
  // Drops one reference to `s`, deleting it with the last.
  static void release(SimSession* s) noexcept;

 private:
  SimSession* p_ = nullptr;
};

// One receipt from acceptance to its settlement (acknowledged, given up, dropped, cancelled);
// kept compact (no heap) since hundreds of thousands may wait at once.
struct PendingReceipt {
  SteadyClock::time_point due{};
  SysClock::time_point submitted{};
  std::uint64_t id = 0;
  ReceiptAddress source;       // of the submit_sm
  ReceiptAddress destination;  // of the submit_sm
  text::DeliveryState state = text::DeliveryState::delivered;
  bool intermediate = false;
  bool holds_response = false;  // receipt first: its submit_sm_resp is written after it
  std::uint8_t text_size = 0;
  std::uint32_t attempts = 0;
  std::uint32_t held_sequence = 0;
  std::array<char, 20> text{};
  OwnerRef owner;  // the submitting session: bound accounting and routing
};

// One account (system_id): its binds and the rate summed over them.
struct Account {
  explicit Account(double rate) : limiter(rate) {}
  SlidingWindowLimiter limiter;
  std::size_t bound = 0;
};

// Per-session state, in Session::context(). Outlives its Session while receipts it owes are
// pending (they hold an OwnerRef to it for their accounting and routing).
struct SimSession {
  SimSession(double rate, double queue_rate) : limiter(rate), queue_limiter(queue_rate) {}
  std::size_t refs = 1;  // OwnerRefs plus the Session's own (see OwnerRef)
  SubmitRateLimiter limiter;
  SubmitRateLimiter queue_limiter;  // queue_full_above
  LoadMeter load;                   // congestion_capacity
  std::uint64_t pdus = 0;
  std::uint64_t submits = 0;  // submit_sm received (the every-Nth rules)
  std::weak_ptr<Session> session;
  // The same session while it runs (until on_closed()): routing a receipt to its own session,
  // the common case, needs no weak_ptr lock (two atomic operations per receipt).
  Session* live = nullptr;
  std::string system_id;
  Account* account = nullptr;  // once bound
  std::size_t receipts_owed = 0;  // for this session's submit_sm, not yet settled
  std::size_t mo_outstanding = 0;
  Ring<PendingReceipt> queued;            // due and routed here, waiting for a window slot
  std::vector<SubmitSmResp> unbind_held;  // responses to write after our unbind (unbind_after)
  // The last SimConfig::recent_pdus PDUs, a ring overwritten from recent_next once full.
  std::vector<RecentPdu> recent;
  std::size_t recent_next = 0;
};

inline OwnerRef::OwnerRef(SimSession& s) noexcept : p_(&s) {
  ++s.refs;
}
inline OwnerRef::OwnerRef(const OwnerRef& o) noexcept : p_(o.p_) {
  if (p_ != nullptr) ++p_->refs;
}
inline void OwnerRef::reset() noexcept {
  if (p_ != nullptr) release(std::exchange(p_, nullptr));
}
inline void OwnerRef::release(SimSession* s) noexcept {
  if (--s->refs == 0) delete s;
}

}  // namespace sim_detail

struct Simulator::Impl {
  using SteadyClock = sim_detail::SteadyClock;
  using SysClock = sim_detail::SysClock;
  using SimSession = sim_detail::SimSession;
  using PendingReceipt = sim_detail::PendingReceipt;

  struct Record {
    std::uint64_t id = 0;
    text::DeliveryState state = text::DeliveryState::enroute;
    bool final = false;
    bool cancelled = false;
    SysClock::time_point final_time{};
  };
  // A broadcast_sm accepted on a 5.0 session, kept for query_broadcast_sm and
  // cancel_broadcast_sm (sim_broadcast.cpp); at most config.max_broadcasts, oldest forgotten.
  struct Broadcast {
    SteadyClock::time_point done{};  // complete (delivered, 100 %) from then on
    std::vector<std::string> areas;  // its broadcast_area_identifier values, in order
    bool cancelled = false;
  };
  struct PendingResponse {
    SteadyClock::time_point due;
    std::weak_ptr<Session> session;
    SubmitSmResp response;
  };
  // A receipt sent and awaiting its deliver_sm_resp; the response handler captures only the
  // slot's index, so std::function stores it without allocating. The target is a plain pointer:
  // a used slot's handler waits in that session, which calls it exactly once (with the answer,
  // or connection_closed from the end of its run()) while it is alive, so the slot never
  // outlives its session in use (a weak_ptr cost six atomic operations per receipt).
  struct FlightSlot {
    PendingReceipt receipt;
    Session* target = nullptr;
    bool used = false;
  };

  Impl(asio::any_io_executor ex, SimConfig cfg, Logger log, UniformSource source);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // simulator.cpp (the submit path from receipt_room() on: sim_submit.cpp)
  ServerConfig server_config() const;
  Handlers make_handlers();
  SimSession& context(Session& s);
  Record* find(std::string_view message_id);
  CommandStatus on_bind(const BindRequest& b);
  bool receipt_room(const SimSession& owner) const noexcept;
  bool receipts_full(Session& s, RegisteredDelivery registered_delivery);
  SubmitContext submit_context(Session& s, SimSession& ctx);
  void count(const SubmitDecision& d);
  std::uint64_t accept(Session& s, const PhoneNumberView& source,
                       const PhoneNumberView& destination, RegisteredDelivery rd,
                       std::string_view text, std::uint32_t sequence, bool& response_held);
  void write_message_id(std::string& out, std::uint64_t id) const;
  Reply on_submit(Session& s, const SubmitSmView& r, SubmitSmResp& resp);
  Reply hold_for_unbind(Session& s, SimSession& ctx, const SubmitSmResp& resp);
  Reply on_submit_multi(Session& s, const SubmitMultiView& r, SubmitMultiResp& resp);
  Reply on_data_sm(Session& s, const DataSmView& r, DataSmResp& resp);
  SimStats snapshot() const;
  void record(Session& s, bool received, const PduHeader& header, CommandId id);
  std::shared_ptr<Session> find_session(std::uint64_t id) const;
  std::shared_ptr<Session> receiver_by_id(std::uint64_t id);
  SimConfig checked_runtime_options(std::span<const RuntimeOption> options) const;
  void apply_runtime_options(std::span<const RuntimeOption> options);
  void note_load(Session& s, SimSession& ctx);

  // sim_broadcast.cpp
  Reply on_broadcast(Session& s, const BroadcastSmView& r, BroadcastSmResp& resp);
  Reply on_query_broadcast(Session& s, const QueryBroadcastSmView& r, QueryBroadcastSmResp& resp);
  Reply on_cancel_broadcast(Session& s, const CancelBroadcastSmView& r,
                            CancelBroadcastSmResp& resp);
  Broadcast* find_broadcast(std::string_view message_id);

  // sim_delivery.cpp
  void on_bound(Session& s);
  void on_closed(Session& s);
  void wake_at(SteadyClock::time_point due);
  std::shared_ptr<Session> receiver_for(const std::string& system_id);
  void deliver(PendingReceipt&& p);
  void route(PendingReceipt&& p);
  void pump(Session& target);
  bool window_free(const Session& s) const;
  void send_receipt(Session& target, PendingReceipt&& p);
  void release_response(PendingReceipt& p, bool after_receipt);
  void on_receipt_response(std::size_t slot, std::error_code ec);
  void retry_later(PendingReceipt&& p);
  void settle(PendingReceipt& p);
  void drop(PendingReceipt& p, std::string_view why);
  void warn_dropped(std::string_view event, std::uint64_t message_id, std::string_view why);
  void requeue_from(SimSession& ctx);
  void prune_accounts();
  std::size_t take_slot(PendingReceipt&& p, Session& target);
  PendingReceipt release_slot(std::size_t slot);
  void free_slot(std::size_t slot);  // its receipt settled or moved out
  SteadyClock::time_point earliest() const;
  void run_due(SteadyClock::time_point now);
  asio::awaitable<void> scheduler();
  bool mo_exhausted() const;
  std::shared_ptr<Session> mo_target();
  std::size_t send_mo(Session& target, const MoMessage& m);
  asio::awaitable<void> mo_loop();
  asio::awaitable<void> stats_loop();

  // The simulator's clock, read once per batch or scheduler wake-up (hint()); system time for
  // receipt dates (minute resolution) is derived from it, its base refreshed every second.
  void hint(SteadyClock::time_point t) noexcept {
    if (t > now_hint) now_hint = t;
  }
  SysClock::time_point sys_now() {
    if (now_hint - steady_base > std::chrono::seconds(1) ||
        steady_base == SteadyClock::time_point{}) {
      // Both clocks read together, so that the mapping holds whatever the hint's age.
      steady_base = SteadyClock::now();
      sys_base = SysClock::now();
      hint(steady_base);
    }
    return sys_base + std::chrono::duration_cast<SysClock::duration>(now_hint - steady_base);
  }
  SteadyClock::time_point now_hint = SteadyClock::now();
  SteadyClock::time_point steady_base{};
  SysClock::time_point sys_base{};

  asio::any_io_executor executor;
  SimConfig config;
  Logger logger;
  UniformSource rng;
  std::vector<double> state_weights;
  std::vector<Record> ring;
  sim_detail::DueQueue<PendingReceipt> receipts;       // scheduled at their receipt delay
  sim_detail::DueQueue<PendingReceipt> intermediates;  // at half the receipt delay
  sim_detail::DueQueue<PendingReceipt> retries;        // offered again after back-off
  sim_detail::DueQueue<PendingResponse> responses;     // delayed submit_sm_resp
  // Due, but no receiver bound for their system_id.
  std::unordered_map<std::string, sim_detail::Ring<PendingReceipt>> waiting;
  std::size_t waiting_count = 0;
  std::size_t receipts_outstanding = 0;  // accepted, not settled (every place above)
  // By system_id: bound ones, and unbound ones whose account_rate window is not over yet (at most
  // twice prune_accounts_at; prune_accounts()).
  std::unordered_map<std::string, sim_detail::Account> accounts;
  std::size_t prune_accounts_at = 64;
  std::unordered_map<std::uint64_t, Broadcast> broadcasts;  // by message id
  sim_detail::Ring<std::uint64_t> broadcast_order;          // their ids, oldest first
  sim_detail::ReceiptBuilder builder;
  aiosmpp::detail::LogBudget log_budget;  // receipt_dropped and mo_dropped warnings
  std::vector<FlightSlot> flights;
  std::vector<std::size_t> free_flights;
  std::size_t in_flight_receipts = 0;
  std::size_t queued_receipts = 0;  // in SimSession::queued over all sessions
  std::size_t mo_outstanding = 0;
  std::vector<std::weak_ptr<Session>> receivers;
  std::size_t rr = 0;
  std::vector<MoMessage> mo_messages;
  std::size_t mo_next = 0;
  std::uint64_t mo_done = 0;
  std::uint64_t next_message_id = 1;
  std::uint64_t receipts_total = 0;  // receipts scheduled, for receipt_first_every
  asio::steady_timer sched;
  SteadyClock::time_point sched_at = SteadyClock::time_point::max();
  asio::steady_timer mo_timer;
  asio::steady_timer stats_timer;
  bool stopping = false;
  bool pdu_hook = false;  // Handlers::on_pdu installed (drop_every or recent_pdus at start)
  SimStats stats;
  std::function<void(const std::string&)> on_stats;
  std::unique_ptr<Server> server;
  std::optional<asio::ip::tcp::endpoint> tls_at;  // where TLS is served, after listen()
};

}  // namespace aiosmpp::smsc
