#include <algorithm>
#include <charconv>
#include <random>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <asio/ip/address.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/smpp_time.hpp"

namespace aiosmpp::smsc {

namespace {

using aiosmpp::detail::use_nothrow_awaitable;
using SteadyClock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

// Items ordered by due time: a FIFO when every delay is the same (pushes are then already in
// order, and a deque is far cheaper than a heap at hundreds of thousands per second), a min-heap
// otherwise.
template <class T>
class DueQueue {
 public:
  explicit DueQueue(bool fifo) : fifo_(fifo) {}
  bool empty() const noexcept { return fifo_ ? q_.empty() : heap_.empty(); }
  std::size_t size() const noexcept { return fifo_ ? q_.size() : heap_.size(); }
  const T& top() const { return fifo_ ? q_.front() : heap_.front(); }
  void push(T v) {
    if (fifo_) {
      q_.push_back(std::move(v));
    } else {
      heap_.push_back(std::move(v));
      std::push_heap(heap_.begin(), heap_.end(), later);
    }
  }
  T pop() {
    if (fifo_) {
      T v = std::move(q_.front());
      q_.pop_front();
      return v;
    }
    std::pop_heap(heap_.begin(), heap_.end(), later);
    T v = std::move(heap_.back());
    heap_.pop_back();
    return v;
  }

 private:
  static bool later(const T& a, const T& b) { return a.due > b.due; }
  bool fifo_;
  std::deque<T> q_;
  std::vector<T> heap_;
};

struct SimSession {
  explicit SimSession(double rate) : limiter(rate) {}
  SubmitRateLimiter limiter;
  std::uint64_t pdus = 0;
};

// Receipt text keeps the start of the original only when it is readable as is.
std::string receipt_text(DataCoding dc, EsmClass esm, std::string_view sm) {
  std::string out;
  const auto c = static_cast<std::uint8_t>(dc);
  if (has_udhi(esm) || (c != 0 && c != 1 && c != 3)) return out;
  for (char ch : sm) {
    if (out.size() == 20) break;
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7F) out.push_back(ch);
  }
  return out;
}

constexpr std::size_t ring_size = 1 << 16;
constexpr std::size_t max_waiting_receipts = 1'000'000;

}  // namespace

struct Simulator::Impl {
  struct Record {
    std::uint64_t id = 0;
    text::DeliveryState state = text::DeliveryState::enroute;
    bool final = false;
    bool cancelled = false;
    SysClock::time_point final_time{};
  };
  struct PendingReceipt {
    SteadyClock::time_point due;
    ReceiptInfo info;
    std::uint64_t record = 0;
    std::string system_id;
    std::weak_ptr<Session> origin;
  };
  struct PendingResponse {
    SteadyClock::time_point due;
    std::weak_ptr<Session> session;
    SubmitSmResp response;
  };

  Impl(asio::any_io_executor ex, SimConfig cfg, Logger log, UniformSource source)
      : executor(ex),
        config(std::move(cfg)),
        logger(std::move(log)),
        rng(std::move(source)),
        ring(ring_size),
        receipts(config.receipt_delay.fixed()),
        responses(config.response_delay.fixed()),
        sched(ex),
        mo_timer(ex),
        stats_timer(ex) {
    if (!rng) {
      std::uint64_t seed = config.seed;
      if (seed == 0) seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
      auto engine = std::make_shared<std::mt19937_64>(seed);
      rng = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
    for (auto& [s, w] : config.receipt_states)
      state_weights.push_back(w);
    if (state_weights.empty()) throw std::invalid_argument("receipt-states: empty");
    (void)pick_weighted(state_weights, 0);
    if (!config.mo_file.empty()) {
      mo_messages = load_mo_file(config.mo_file, config.mo);
    } else {
      mo_messages.push_back(config.mo);
    }
    // Fail at start, not on the first injection, when the MO text cannot be encoded.
    for (const auto& m : mo_messages)
      (void)make_mo(m);
    ServerConfig sc;
    sc.system_id = config.system_id;
    sc.max_sessions = config.max_sessions;
    sc.window = config.window;
    sc.enquire_link_interval = config.enquire_link_interval;
    sc.response_timeout = config.response_timeout;
    sc.logger = logger;
    server = std::make_unique<Server>(ex, std::move(sc), make_handlers());
  }

  SimSession& context(Session& s) {
    if (s.context() == nullptr) s.set_context(std::make_shared<SimSession>(config.max_submit_rate));
    return *static_cast<SimSession*>(s.context());
  }

  Handlers make_handlers() {
    Handlers h;
    h.bind = [this](Session&, const BindRequest& b) { return on_bind(b); };
    h.on_bound = [this](Session& s) { on_bound(s); };
    h.on_closed = [this](Session& s, std::error_code) { on_closed(s); };
    if (config.drop_every > 0) {
      h.on_pdu = [this](Session& s, const PduView&) {
        auto& ctx = context(s);
        if (++ctx.pdus % config.drop_every == 0) {
          ++stats.drops;
          return false;
        }
        return true;
      };
    }
    h.submit_sm = [this](Session& s, const SubmitSmView& r, SubmitSmResp& resp) {
      return on_submit(s, r, resp);
    };
    h.submit_multi = [this](Session& s, const SubmitMultiView& r, SubmitMultiResp& resp) {
      return on_submit_multi(s, r, resp);
    };
    h.data_sm = [this](Session& s, const DataSmView& r, DataSmResp& resp) {
      ++stats.submits;
      const auto id = accept(s, r.source, r.destination, r.registered_delivery, "");
      fmt::format_to(std::back_inserter(resp.message_id), "{}", id);
      return Reply::now;
    };
    h.query_sm = [this](Session&, const QuerySmView& r, QuerySmResp& resp) {
      const Record* rec = find(r.message_id);
      if (rec == nullptr) {
        resp.header.command_status = CommandStatus::query_failed;
        return Reply::now;
      }
      resp.message_id = std::string(r.message_id);
      if (rec->cancelled) {
        resp.message_state = MessageState::deleted;
      } else if (rec->final) {
        resp.message_state = static_cast<MessageState>(rec->state);
        auto t = text::SmppTime::absolute(
            std::chrono::floor<std::chrono::milliseconds>(rec->final_time));
        if (t) resp.final_date = t->to_string();
      } else {
        resp.message_state = MessageState::enroute;
      }
      return Reply::now;
    };
    h.cancel_sm = [this](Session&, const CancelSmView& r, CancelSmResp& resp) {
      Record* rec = find(r.message_id);
      if (rec == nullptr || rec->final || rec->cancelled) {
        resp.header.command_status = CommandStatus::cancel_failed;
      } else {
        rec->cancelled = true;
      }
      return Reply::now;
    };
    h.replace_sm = [this](Session&, const ReplaceSmView& r, ReplaceSmResp& resp) {
      Record* rec = find(r.message_id);
      if (rec == nullptr || rec->final || rec->cancelled) {
        resp.header.command_status = CommandStatus::replace_failed;
      }
      return Reply::now;
    };
    return h;
  }

  Record* find(std::string_view message_id) {
    std::uint64_t id = 0;
    auto [p, ec] = std::from_chars(message_id.data(), message_id.data() + message_id.size(), id);
    if (ec != std::errc{} || p != message_id.data() + message_id.size() || id == 0) {
      return nullptr;
    }
    Record& r = ring[id % ring_size];
    return r.id == id ? &r : nullptr;
  }

  CommandStatus on_bind(const BindRequest& b) {
    if (config.refuse_binds) return *config.refuse_binds;
    if (config.credentials.empty()) return CommandStatus::ok;
    for (const auto& c : config.credentials) {
      if (c.system_id == b.system_id) {
        return c.password == b.password ? CommandStatus::ok : CommandStatus::invalid_password;
      }
    }
    return CommandStatus::invalid_system_id;
  }

  void on_bound(Session& s) {
    if (s.can_receive()) receivers.push_back(s.weak_from_this());
    // Receipts that found no receiver go out now.
    if (!s.can_receive() || waiting.empty()) return;
    const auto now = SteadyClock::now();
    std::deque<PendingReceipt> keep;
    while (!waiting.empty()) {
      auto p = std::move(waiting.front());
      waiting.pop_front();
      if (p.system_id == s.system_id()) {
        p.due = now;
        deliver(std::move(p));
      } else {
        keep.push_back(std::move(p));
      }
    }
    waiting = std::move(keep);
  }

  void on_closed(Session& s) {
    std::erase_if(receivers, [&](const std::weak_ptr<Session>& w) {
      auto l = w.lock();
      return !l || l.get() == &s;
    });
  }

  std::uint64_t accept(Session& s, const PhoneNumberView& source,
                       const PhoneNumberView& destination, RegisteredDelivery rd,
                       std::string_view text) {
    const std::uint64_t id = next_message_id++;
    Record& rec = ring[id % ring_size];
    rec = Record{id};
    if (!config.receipts || receipt_request(rd) == RegisteredDelivery::none) return id;
    const auto state = config.receipt_states.size() == 1
                           ? config.receipt_states.front().first
                           : config.receipt_states[pick_weighted(state_weights, rng())].first;
    if (!receipt_wanted(rd, state)) {
      rec.final = true;
      rec.state = state;
      rec.final_time = SysClock::now();
      return id;
    }
    const auto delay = config.receipt_delay.fixed() ? config.receipt_delay.min
                                                    : pick_delay(config.receipt_delay, rng());
    PendingReceipt p;
    p.due = s.last_read_time() + delay;
    p.info.message_id = fmt::format("{}", id);
    p.info.source = PhoneNumber(std::string(source.number), source.ton, source.npi);
    p.info.destination =
        PhoneNumber(std::string(destination.number), destination.ton, destination.npi);
    p.info.submitted = SysClock::now();
    p.info.state = state;
    p.info.text = std::string(text);
    p.record = id;
    p.system_id = s.system_id();
    p.origin = s.weak_from_this();
    const auto due = p.due;
    receipts.push(std::move(p));
    wake_at(due);
    return id;
  }

  Reply on_submit(Session& s, const SubmitSmView& r, SubmitSmResp& resp) {
    ++stats.submits;
    bool within = true;
    if (config.max_submit_rate > 0) within = context(s).limiter.try_acquire(s.last_read_time());
    const auto d = decide_submit(config, within, rng);
    if (!within) ++stats.throttled;
    if (d.action == SubmitDecision::Action::withhold) {
      ++stats.withheld;
      return Reply::later;
    }
    if (d.status == CommandStatus::ok) {
      const auto id = accept(s, r.source, r.destination, r.registered_delivery,
                             receipt_text(r.data_coding, r.esm_class, r.short_message));
      fmt::format_to(std::back_inserter(resp.message_id), "{}", id);
    } else {
      ++stats.submit_errors;
      resp.header.command_status = d.status;
    }
    if (d.delay.count() > 0) {
      const auto due = s.last_read_time() + d.delay;
      responses.push(PendingResponse{due, s.weak_from_this(), resp});
      wake_at(due);
      return Reply::later;
    }
    return Reply::now;
  }

  Reply on_submit_multi(Session& s, const SubmitMultiView& r, SubmitMultiResp& resp) {
    ++stats.submits;
    const std::uint64_t id = next_message_id;
    bool first = true;
    for (const auto& dest : r.dest_addresses) {
      if (dest.dest_flag == DestFlag::distribution_list) {
        // The simulator knows no distribution lists.
        resp.unsuccess_smes.push_back(
            UnsuccessSme{PhoneNumber(std::string(dest.dl_name)), CommandStatus::invalid_dl_name});
        continue;
      }
      if (first) {
        accept(s, r.source, dest.address, r.registered_delivery,
               receipt_text(r.data_coding, r.esm_class, r.short_message));
        first = false;
      } else {
        // One message id per submit_multi; each further destination still gets its receipt.
        const auto extra = accept(s, r.source, dest.address, r.registered_delivery,
                                  receipt_text(r.data_coding, r.esm_class, r.short_message));
        (void)extra;
      }
    }
    if (first) {
      resp.header.command_status = CommandStatus::invalid_dest_address;
      ++stats.submit_errors;
      return Reply::now;
    }
    resp.message_id = fmt::format("{}", id);
    return Reply::now;
  }

  void wake_at(SteadyClock::time_point due) {
    if (due < sched_at) {
      sched_at = due;
      sched.cancel();
    }
  }

  std::shared_ptr<Session> receiver_for(const std::string& system_id) {
    const std::size_t n = receivers.size();
    for (std::size_t i = 0; i < n; ++i) {
      auto s = receivers[(rr + i) % n].lock();
      if (s && s->can_receive() && s->system_id() == system_id) {
        rr = (rr + i + 1) % n;
        return s;
      }
    }
    return nullptr;
  }

  std::shared_ptr<Session> any_receiver() {
    const std::size_t n = receivers.size();
    for (std::size_t i = 0; i < n; ++i) {
      auto s = receivers[(rr + i) % n].lock();
      if (s && s->can_receive()) {
        rr = (rr + i + 1) % n;
        return s;
      }
    }
    return nullptr;
  }

  static bool retryable(std::error_code ec) {
    return ec == errc::connection_closed || ec == errc::response_timeout ||
           ec == CommandStatus::throttled || ec == CommandStatus::message_queue_full ||
           ec == CommandStatus::receiver_temporary_error || ec == errc::stopped;
  }

  void keep_waiting(PendingReceipt p) {
    if (waiting.size() >= max_waiting_receipts) {
      ++stats.receipts_failed;
      waiting.pop_front();
    }
    waiting.push_back(std::move(p));
  }

  void deliver(PendingReceipt p) {
    Record& rec = ring[p.record % ring_size];
    if (rec.id == p.record) {
      if (rec.cancelled) return;  // cancel_sm took it back before the receipt
      if (!rec.final) {
        rec.final = true;
        rec.state = p.info.state;
        rec.final_time = SysClock::now();
      }
    }
    auto target = p.origin.lock();
    if (!target || !target->can_receive()) target = receiver_for(p.system_id);
    if (!target) {
      keep_waiting(std::move(p));
      return;
    }
    if (target->backlog() >= 10 * config.window) {
      // The ESME is not keeping up: keep the receipt here, compact, rather than encoded in the
      // session's backlog, and offer it again a little later.
      p.due = SteadyClock::now() + std::chrono::milliseconds(10);
      receipts.push(std::move(p));
      return;
    }
    auto pdu = make_receipt(p.info, config.receipt_style, SysClock::now());
    // The receipt waits in a table while in flight, so that the callback captures only a key:
    // small enough for std::function to store without allocating, and no string copies.
    const std::uint64_t key = next_flight++;
    auto& slot = in_flight.emplace(key, std::move(p)).first->second;
    auto ec = target->send(pdu, [this, key](std::error_code e, const PduView*) {
      auto it = in_flight.find(key);
      if (it == in_flight.end()) return;
      PendingReceipt back = std::move(it->second);
      in_flight.erase(it);
      if (!e) {
        ++stats.receipts_acked;
        return;
      }
      if (!stopping && retryable(e)) {
        // The SMSC keeps a receipt until an ESME takes it: try again shortly.
        back.due = SteadyClock::now() + std::chrono::seconds(1);
        back.origin.reset();
        const auto due = back.due;
        receipts.push(std::move(back));
        wake_at(due);
        return;
      }
      ++stats.receipts_failed;
    });
    if (ec) {
      PendingReceipt back = std::move(slot);
      in_flight.erase(key);
      keep_waiting(std::move(back));
      return;
    }
    ++stats.receipts_sent;
  }

  SteadyClock::time_point earliest() const {
    auto t = SteadyClock::time_point::max();
    if (!receipts.empty()) t = std::min(t, receipts.top().due);
    if (!responses.empty()) t = std::min(t, responses.top().due);
    return t;
  }

  asio::awaitable<void> scheduler() {
    // Due times are served in 1 ms slices: one wake-up delivers everything due within the slice,
    // instead of one timer round per receipt at hundreds of thousands per second.
    constexpr auto slice = std::chrono::milliseconds(1);
    auto last_wake = SteadyClock::now();
    while (!stopping) {
      const auto next = earliest();
      sched_at = next == SteadyClock::time_point::max() ? next : std::max(next, last_wake + slice);
      sched.expires_at(sched_at);
      co_await sched.async_wait(use_nothrow_awaitable);
      if (stopping) break;
      const auto now = SteadyClock::now();
      last_wake = now;
      const auto horizon = now + slice / 2;
      while (!responses.empty() && responses.top().due <= horizon) {
        auto r = responses.pop();
        if (auto s = r.session.lock()) (void)s->respond(Pdu{std::move(r.response)});
      }
      while (!receipts.empty() && receipts.top().due <= horizon) {
        deliver(receipts.pop());
      }
    }
  }

  bool mo_exhausted() const {
    if (config.mo_count > 0 && mo_done >= config.mo_count) return true;
    return !config.mo_file.empty() && mo_next >= mo_messages.size();
  }

  void send_mo(Session& target) {
    const MoMessage& m = mo_messages[mo_next % mo_messages.size()];
    ++mo_next;
    ++mo_done;
    for (const auto& pdu : make_mo(m)) {
      auto ec = target.send(pdu, [this](std::error_code e, const PduView*) {
        if (e) {
          ++stats.mo_failed;
        } else {
          ++stats.mo_acked;
        }
      });
      if (ec) {
        ++stats.mo_failed;
      } else {
        ++stats.mo_sent;
      }
    }
  }

  asio::awaitable<void> mo_loop() {
    if (!(config.mo_rate > 0)) co_return;
    using std::chrono::milliseconds;
    const auto tick = std::clamp(std::chrono::duration_cast<milliseconds>(
                                     std::chrono::duration<double>(1.0 / config.mo_rate)),
                                 milliseconds(1), milliseconds(100));
    double credit = 1;  // the first message goes as soon as a receiver is bound
    auto last = SteadyClock::now();
    while (!stopping && !mo_exhausted()) {
      while (credit >= 1 && !mo_exhausted()) {
        auto target = any_receiver();
        if (!target) break;
        send_mo(*target);
        credit -= 1;
      }
      mo_timer.expires_after(tick);
      co_await mo_timer.async_wait(use_nothrow_awaitable);
      const auto now = SteadyClock::now();
      credit = std::min(credit + config.mo_rate * std::chrono::duration<double>(now - last).count(),
                        std::max(1.0, config.mo_rate));
      last = now;
    }
  }

  asio::awaitable<void> stats_loop() {
    if (config.stats_interval.count() <= 0) co_return;
    while (!stopping) {
      stats_timer.expires_after(config.stats_interval);
      auto [ec] = co_await stats_timer.async_wait(use_nothrow_awaitable);
      if (ec || stopping) break;
      if (on_stats) on_stats(format_stats(snapshot()));
    }
  }

  SimStats snapshot() const {
    SimStats s = stats;
    const auto& ss = server->stats();
    s.binds = ss.binds_accepted;
    s.bind_failures = ss.binds_rejected;
    s.generic_nacks = ss.generic_nacks_sent;
    s.sessions = server->session_count();
    for (const auto& session : server->sessions()) {
      s.window += session->in_flight();
      s.backlog += session->backlog();
    }
    s.receipts_waiting = receipts.size() + waiting.size();
    return s;
  }

  asio::any_io_executor executor;
  SimConfig config;
  Logger logger;
  UniformSource rng;
  std::vector<double> state_weights;
  std::vector<Record> ring;
  DueQueue<PendingReceipt> receipts;
  DueQueue<PendingResponse> responses;
  std::deque<PendingReceipt> waiting;  // due, but no receiver bound for their system_id
  std::unordered_map<std::uint64_t, PendingReceipt> in_flight;  // sent, awaiting deliver_sm_resp
  std::uint64_t next_flight = 1;
  std::vector<std::weak_ptr<Session>> receivers;
  std::size_t rr = 0;
  std::vector<MoMessage> mo_messages;
  std::size_t mo_next = 0;
  std::uint64_t mo_done = 0;
  std::uint64_t next_message_id = 1;
  asio::steady_timer sched;
  SteadyClock::time_point sched_at = SteadyClock::time_point::max();
  asio::steady_timer mo_timer;
  asio::steady_timer stats_timer;
  bool stopping = false;
  SimStats stats;
  std::function<void(const std::string&)> on_stats;
  std::unique_ptr<Server> server;
};

Simulator::Simulator(asio::any_io_executor executor, SimConfig config, Logger logger,
                     UniformSource rng)
    : impl_(
          std::make_shared<Impl>(executor, std::move(config), std::move(logger), std::move(rng))) {}

Simulator::~Simulator() = default;

asio::ip::tcp::endpoint Simulator::listen() {
  std::error_code ec;
  auto address = asio::ip::make_address(impl_->config.host, ec);
  if (ec) {
    throw std::invalid_argument(
        fmt::format("--host: \"{}\" is not an IP address", impl_->config.host));
  }
  return impl_->server->listen({address, impl_->config.port});
}

asio::awaitable<void> Simulator::run() {
  auto impl = impl_;
  using namespace aiosmpp::detail::awaitable_operators;
  co_await (impl->server->run() && impl->scheduler() && impl->mo_loop() && impl->stats_loop());
}

void Simulator::stop() {
  auto& i = *impl_;
  if (i.stopping) return;
  i.stopping = true;
  i.sched.cancel();
  i.mo_timer.cancel();
  i.stats_timer.cancel();
  i.server->stop();
}

void Simulator::on_stats(std::function<void(const std::string&)> callback) {
  impl_->on_stats = std::move(callback);
}

SimStats Simulator::stats() const {
  return impl_->snapshot();
}
const SimConfig& Simulator::config() const noexcept {
  return impl_->config;
}
Server& Simulator::server() noexcept {
  return *impl_->server;
}

}  // namespace aiosmpp::smsc
