#pragma once
// Esme::Impl: the thin coroutines around the SessionMachine. Connecting and binding
// (esme.cpp), then one session as four coroutines joined so that the first to end ends it
// (esme_session.cpp): the reader feeds octets to the machine, the writer writes what it queues,
// the pump takes messages from the broker into it, the ticker drives its deadlines. Each one
// delivers the events its own calls produced (hooks, correlator), in order. None of them decides
// anything about the protocol.

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/net/transport.hpp"
#include "aiosmpp/tls/transport.hpp"
#include "esme/receipt_merger.hpp"
#include "esme/session_machine.hpp"

namespace aiosmpp {

struct Esme::Impl {
  using Clock = std::chrono::steady_clock;

  Impl(asio::any_io_executor executor, EsmeConfig config, Components components);

  // esme.cpp: API and the run loop.
  asio::awaitable<std::error_code> connect_and_bind();
  asio::awaitable<std::error_code> open_transport(asio::steady_timer& timer);
  asio::awaitable<std::error_code> accept_outbind();
  asio::awaitable<std::error_code> bind_exchange();
  asio::awaitable<void> start();
  asio::awaitable<void> stop();
  asio::awaitable<void> end_connection(std::error_code ec);
  void close_transport() noexcept;
  SessionState session_state() const noexcept;

  // esme_session.cpp: one bound session.
  asio::awaitable<std::error_code> run_session();
  asio::awaitable<void> branch(asio::awaitable<void> (Impl::*body)());
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> pump();
  asio::awaitable<void> ticker();
  asio::awaitable<bool> take_batch(std::size_t want);
  asio::awaitable<std::size_t> send_pending(bool stage);
  asio::awaitable<void> limit_pending();
  asio::awaitable<std::optional<SendError>> acquire_rate(std::size_t n);
  bool try_rate(std::size_t n) noexcept;
  Clock::time_point correlator_expiry(Clock::time_point now);
  asio::awaitable<void> deliver(detail::Events& events);
  asio::awaitable<void> deliver_one(detail::Event& event);
  asio::awaitable<void> call_received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                      bool session = false);
  asio::awaitable<void> call_send_error(const Pdu& message, const SendError& error);
  asio::awaitable<void> deliver_outcome(detail::OutcomeEvent& event);

  // esme_receipts.cpp: correlation of receipts (held, repeated, merged) and their hooks.
  asio::awaitable<void> register_delivery(detail::RegisterEvent& event);
  asio::awaitable<void> deliver_receipt(detail::IncomingEvent& event);
  asio::awaitable<void> deliver_released(ReleasedReceipt& released, const std::string* key);
  asio::awaitable<void> release_expired_holds();
  asio::awaitable<void> call_receipt(const Pdu& receipt, ReceiptOutcome meta,
                                     const std::string* key);
  asio::awaitable<void> call_receipt_hook(const ReceiptOutcome& receipt);
  asio::awaitable<void> give_up_receipts();
  void note_correlator_due();
  asio::awaitable<void> lock_correlator();
  void unlock_correlator() noexcept;

  // esme_requests.cpp: direct requests (submit() and the others).
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : cv(ex) {}
    asio::steady_timer cv;
    std::optional<Outcome> outcome;
  };
  asio::awaitable<Outcome> request(Pdu message);
  void take_direct();
  void complete(std::uint64_t origin, Outcome&& outcome);
  void fail_direct(std::error_code ec);
  asio::awaitable<void> wait(asio::steady_timer& timer, Clock::time_point until);
  void kick();

  asio::any_io_executor ex_;
  EsmeConfig cfg_;
  std::string client_id_;
  Logger log_;
  std::shared_ptr<Broker> broker_;
  std::shared_ptr<Correlator> correlator_;
  std::shared_ptr<Hook> hook_;
  std::shared_ptr<RateLimiter> rate_limiter_;
  std::shared_ptr<ThrottleHandler> throttle_;
  std::shared_ptr<FlowControl> flow_;
  std::shared_ptr<RequeuePolicy> requeue_;
  std::shared_ptr<RetryTimer> retry_;
  std::shared_ptr<SequenceGenerator> sequence_;
  std::shared_ptr<const text::CodecRegistry> codecs_;
  HookInterest interests_ = HookInterest::all;

  detail::SessionMachine machine_;
  std::unique_ptr<Transport> transport_;
  std::optional<asio::ip::tcp::acceptor> acceptor_;  // EsmeConfig::outbind: where the SMSC connects
  bool connecting_ = false;
  std::shared_ptr<const TlsContext> tls_;  // when cfg_.tls.enabled: loaded once, used per connect
  std::string connect_detail_;             // why the last connect failed, beyond its error code

  // Each coroutine's events, reused so the hot path does not allocate.
  detail::Events reader_events_;
  detail::Events pump_events_;
  detail::Events ticker_events_;
  detail::Events end_events_;
  std::vector<Pdu> batch_;  // taken from the broker, handed to the machine at once

  // Direct requests: queued until the pump hands them to the machine, each with its waiter.
  std::deque<std::pair<std::uint64_t, Pdu>> direct_;
  std::unordered_map<std::uint64_t, Waiter*> waiters_;
  std::uint64_t next_origin_ = 0;

  // Waits. A timer used as a condition variable never expires by itself; kick() cancels it when
  // the machine reports something the waiter cares about.
  enum class PumpWait : std::uint8_t { none, window, other };
  asio::steady_timer writer_cv_;
  asio::steady_timer pump_cv_;
  asio::steady_timer ticker_;
  asio::steady_timer stop_cv_;  // cancelled by stop(): ends connect and back-off waits
  asio::steady_timer done_cv_;  // cancelled when start() returns: wakes stop()
  bool writer_waiting_ = false;
  PumpWait pump_wait_ = PumpWait::none;
  bool ticker_waiting_ = false;
  Clock::time_point ticker_at_ = Clock::time_point::max();
  bool correlator_idle_ = true;  // the correlator had nothing due when last asked
  bool holds_due_ = false;       // the correlator's expiry passed: take its released holds
  // The reader and the ticker both call the correlator's awaitable methods; its contract is one
  // call at a time per Esme, so they take turns (at most one waits: there are two callers).
  bool correlator_busy_ = false;
  // Outcomes the reader is giving to the hook now; their slots are not taken meanwhile.
  std::size_t outcomes_in_delivery_ = 0;
  bool outcome_before_reuse_ = false;  // Broker::outcome_before_reuse(), read once
  std::size_t takeable() const noexcept {
    const std::size_t free = machine_.window_free();
    return free > outcomes_in_delivery_ ? free - outcomes_in_delivery_ : 0;
  }
  asio::steady_timer correlator_cv_;

  detail::ReceiptMerger merger_;  // EsmeConfig::merge_receipts

  bool running_ = false;
  bool stopping_ = false;

  // Submit-to-receipt latency: when each message awaiting its final receipt was first sent, for
  // at most receipt_clock_capacity of them (the oldest forgotten first).
  static constexpr std::size_t receipt_clock_capacity = 100'000;
  static constexpr std::size_t receipt_clock_compact_floor = 1'024;
  std::unordered_map<std::string, Clock::time_point> receipt_clock_;
  std::deque<std::string> receipt_clock_order_;
  void start_receipt_clock(const std::string& key, Clock::time_point sent_at);
  void stop_receipt_clock(const std::string& key);
};

}  // namespace aiosmpp
