#pragma once

// The reliability soak shared by bench/soak.cpp (1,000,000 messages by default) and the short
// ctest in tests/integration/soak: the Esme against the bundled simulator with every trouble mode
// on at once, then an audit that every message ended exactly once and every receipt for an
// accepted message reached its log_id.
//
// The simulator runs in process (aiosmpp::smsc::Simulator on its own io_context and thread), not
// as the aiosmpp-smsc-sim executable: the test then needs no process or port plumbing, both sides
// run under the sanitizers (LeakSanitizer checks the simulator too), the seed makes the trouble
// reproducible, and the simulator's counters (withheld, drops, receipts) are read directly to
// cross-check the ESME's. The two talk over a real loopback socket, so drops are real TCP closes.
// The cost: the RSS sampled from /proc/self/status is the process's, simulator included, so
// "memory not growing" holds both sides to it.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "aiosmpp/detail/asio_compat.hpp"
#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/smsc/simulator.hpp"
#include "aiosmpp/text/receipt.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AIOSMPP_SOAK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define AIOSMPP_SOAK_SANITIZED 1
#endif
#endif

namespace aiosmpp::soak {

/** @brief What one soak run does. The defaults are the 1,000,000-message run of BENCHMARKS.md. */
struct Options {
  std::uint64_t count = 1'000'000;  ///< messages submitted, log_id "0" .. "count-1"
  std::size_t window = 100;         ///< the Esme's window
  std::uint64_t seed = 7;           ///< the simulator's random choices

  // Trouble, all at once.
  double error_rate = 0.02;  ///< share answered with an error status; statuses below
  std::vector<std::pair<CommandStatus, double>> error_statuses{
      {CommandStatus::throttled, 2.0},
      {CommandStatus::message_queue_full, 1.0},
      {CommandStatus::submit_failed, 1.0},
      {CommandStatus::system_error, 1.0}};
  double withhold_rate = 0.001;     ///< share never answered (the response timeout must fire)
  std::uint64_t drop_every = 5000;  ///< the simulator closes the connection every N PDUs it reads
  smsc::DelayRange response_delay{std::chrono::milliseconds(0), std::chrono::milliseconds(3)};
  /** Later than any response, so the Esme has stored the message_id when the receipt comes. */
  smsc::DelayRange receipt_delay{std::chrono::milliseconds(20), std::chrono::milliseconds(60)};
  std::chrono::milliseconds response_timeout{1000};
  bool flow_control = true;  ///< the Esme's adaptive flow control (EsmeConfig::flow_control)
  bool requeue = true;       ///< throttled messages sent again (EsmeConfig::requeue)

  /** Limits: sending (all outcomes in) and then the receipts for accepted messages. */
  std::chrono::seconds send_timeout{600};
  std::chrono::seconds receipt_timeout{20};
  /** How long Esme::stop() may take before the soak reports it and hard-stops the Esme. */
  std::chrono::seconds stop_limit{10};

  /** SimpleCorrelator::Options::max_entries; 0 keeps the library's default (1,000,000). Its
   *  expiry queue keeps a record per stored message_id until the TTL (3 days) or until it holds
   *  max_entries, even after the receipt took the entry, so with the default the RSS climbs by
   *  about 48 bytes per accepted message for the first million. */
  std::size_t correlator_max_entries = 0;
  /** SimpleCorrelator::Options::max_markers and max_held; 0 scales them to the run (count / 20
   *  markers and count / 1,000 held receipts, at least 10,000 and 100, at most the library's
   *  defaults), so that these bounded stores are full within the first 10% of the outcomes and
   *  the RSS check below measures growth past them, not their filling: with the defaults
   *  (100,000 markers, about 17 MB, and 10,000 receipts held up to 30 s) a 1,000,000-message run
   *  keeps growing until about half of it while they fill, by design. */
  std::size_t correlator_max_markers = 0;
  std::size_t correlator_max_held = 0;

  std::chrono::milliseconds rss_interval{250};
  /** RSS may end at most this much above the sample taken once 10% of the outcomes were in
   *  (the simulator's and the Esme's tables, and the correlator's bounded stores as scaled
   *  above, have reached their working size by then). */
  std::uint64_t rss_growth_limit_kb = 8 * 1024;
  /** Not under a sanitizer: RSS then measures ASan's quarantine or TSan's shadow memory (which
   *  grows with every new heap address the process touches), not the library; LeakSanitizer
   *  reports leaks at exit, and the release soak (BENCHMARKS.md) checks the bound. */
#ifdef AIOSMPP_SOAK_SANITIZED
  bool check_rss = false;
#else
  bool check_rss = true;
#endif
  LogLevel esme_log_level = LogLevel::off;
  std::FILE* progress = nullptr;  ///< a line per 10% of outcomes when set
};

/** @brief How one message ended (outcomes are exclusive: a second one is a violation). */
enum class Outcome : std::uint8_t {
  none,
  accepted,         ///< submit_sm_resp ESME_ROK with a message_id
  rejected,         ///< submit_sm_resp with an error status
  outcome_unknown,  ///< send_error outcome_unknown
  not_sent,         ///< send_error not_sent
  invalid_message,  ///< send_error invalid_message (the soak sends only valid messages)
};

/** @brief The bookkeeping and the audit, without sockets, so tests can feed it wrong histories.
 *  Sized for `count` messages up front (its memory is touched at construction, so it does not
 *  show as growth in the RSS samples). */
class Ledger {
 public:
  explicit Ledger(std::uint64_t count)
      : outcome_(count, Outcome::none), receipt_(count, 0), message_id_(count, 0) {}

  std::uint64_t count() const noexcept { return outcome_.size(); }

  /** A response matched to a request: the tracking it carries, its status and message_id. */
  void on_response(std::string_view log_id, std::string_view extra_data, CommandStatus status,
                   std::string_view message_id) {
    const auto i = index_of(log_id, "response");
    if (!i) return;
    if (extra_data != extra_for(*i)) {
      violation(fmt::format("response for log_id {}: extra_data \"{}\", expected \"{}\"", *i,
                            extra_data, extra_for(*i)));
    }
    if (status == CommandStatus::ok) {
      std::uint64_t id = 0;
      if (!parse_decimal(message_id, id) || id == 0) {
        violation(
            fmt::format("response for log_id {}: message_id \"{}\" is not the simulator's "
                        "decimal id",
                        *i, message_id));
        return;
      }
      if (set_outcome(*i, Outcome::accepted, "a response")) message_id_[*i] = id;
      ++accepted_;
    } else {
      if (set_outcome(*i, Outcome::rejected, "a response")) ++statuses_[status];
    }
  }

  /** An outcome reported through Hook::send_error. */
  void on_send_error(std::string_view log_id, SendError::Kind kind) {
    const auto i = index_of(log_id, "send_error");
    if (!i) return;
    Outcome o = Outcome::not_sent;
    if (kind == SendError::Kind::outcome_unknown) o = Outcome::outcome_unknown;
    if (kind == SendError::Kind::invalid_message) {
      o = Outcome::invalid_message;
      violation(fmt::format("log_id {}: invalid_message for a valid submit_sm", *i));
    }
    if (set_outcome(*i, o, fmt::format("send_error {}", to_string(kind)))) ++errors_[o];
  }

  /** A delivery receipt: the log_id the correlator attached (empty: none), the message_id it
   *  reports on, and the index of the message it is about (from the receipt's text:, which the
   *  simulator copies from the original; nullopt when unreadable). */
  void on_receipt(std::string_view tracked_log_id, std::string_view message_id,
                  std::optional<std::uint64_t> text_index) {
    ++receipts_;
    std::uint64_t id = 0;
    if (!parse_decimal(message_id, id) || !text_index || *text_index >= count()) {
      violation(
          fmt::format("receipt for message_id \"{}\" names no message of this run", message_id));
      return;
    }
    const auto i = *text_index;
    const bool known = outcome_[i] == Outcome::accepted && message_id_[i] == id;
    if (!tracked_log_id.empty()) {
      const auto t = index_of(tracked_log_id, "receipt");
      if (!t) return;
      if (*t != i || !known) {
        violation(fmt::format("receipt for message_id {} (message {}) correlated to log_id {}", id,
                              i, *t));
        return;
      }
      if ((receipt_[i] & correlated_bit) != 0) {
        // Offered again after a drop, and still correlated: the correlator keeps a marker for
        // the receipt grace period so that a repeat reaches its log_id.
        ++redelivered_;
        return;
      }
      receipt_[i] |= correlated_bit;
      ++correlated_;
      return;
    }
    if (known) {
      // A receipt the simulator offers again (its deliver_sm_resp was lost in a drop) after the
      // correlator's repeat marker is gone comes without tracking. Before the first correlated
      // one, an uncorrelated receipt for a message the Esme knew was accepted is a lost
      // correlation.
      if ((receipt_[i] & correlated_bit) != 0) {
        ++redelivered_;
      } else {
        violation(
            fmt::format("receipt for accepted log_id {} (message_id {}) not correlated", i, id));
      }
      return;
    }
    // The SMSC accepted a message whose response the Esme never saw (dropped with the
    // connection): legitimate only if that message was reported outcome_unknown; checked in
    // audit(), because the report and the receipt may come in either order.
    receipt_[i] |= orphan_bit;
    ++orphans_;
  }

  /** Messages whose outcome is in. */
  std::uint64_t outcomes() const noexcept { return outcomes_; }
  std::uint64_t accepted() const noexcept { return accepted_; }
  std::uint64_t correlated() const noexcept { return correlated_; }
  /** Every accepted message has its correlated receipt. */
  bool receipts_complete() const noexcept { return correlated_ == accepted_; }

  /** The end-of-run checks: every message has an outcome, every accepted one its receipt,
   *  every receipt without a known response belongs to an outcome_unknown message. */
  void audit() {
    std::uint64_t missing = 0;
    std::uint64_t no_receipt = 0;
    for (std::uint64_t i = 0; i < count(); ++i) {
      if (outcome_[i] == Outcome::none) {
        if (++missing <= 5) violation(fmt::format("log_id {}: no outcome", i));
      } else if (outcome_[i] == Outcome::accepted && (receipt_[i] & correlated_bit) == 0) {
        if (++no_receipt <= 5) violation(fmt::format("log_id {}: accepted, no receipt", i));
      }
      if ((receipt_[i] & orphan_bit) != 0 && outcome_[i] != Outcome::outcome_unknown) {
        violation(
            fmt::format("log_id {}: the SMSC accepted it (a receipt came) but its outcome "
                        "was {} (or its response had another message_id)",
                        i, name(outcome_[i])));
      }
    }
    if (missing > 5) violation(fmt::format("... {} messages without an outcome in all", missing));
    if (no_receipt > 5) {
      violation(fmt::format("... {} accepted messages without a receipt in all", no_receipt));
    }
    missing_ = missing;
    missing_receipts_ = no_receipt;
  }

  void violation(std::string what) {
    ++violations_;
    if (first_violations_.size() < 20) first_violations_.push_back(std::move(what));
  }

  std::uint64_t violations() const noexcept { return violations_; }
  const std::vector<std::string>& first_violations() const noexcept { return first_violations_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  std::uint64_t missing() const noexcept { return missing_; }
  std::uint64_t missing_receipts() const noexcept { return missing_receipts_; }
  std::uint64_t receipts() const noexcept { return receipts_; }
  std::uint64_t redelivered() const noexcept { return redelivered_; }
  std::uint64_t orphans() const noexcept { return orphans_; }
  std::uint64_t errors(Outcome o) const {
    auto it = errors_.find(o);
    return it == errors_.end() ? 0 : it->second;
  }
  const std::map<CommandStatus, std::uint64_t>& statuses() const noexcept { return statuses_; }
  std::uint64_t rejected() const noexcept {
    std::uint64_t n = 0;
    for (const auto& [s, c] : statuses_)
      n += c;
    return n;
  }

  static std::string extra_for(std::uint64_t i) { return fmt::format("x{}", i); }

  static std::string_view name(Outcome o) noexcept {
    switch (o) {
      case Outcome::none:
        return "none";
      case Outcome::accepted:
        return "accepted";
      case Outcome::rejected:
        return "rejected";
      case Outcome::outcome_unknown:
        return "outcome_unknown";
      case Outcome::not_sent:
        return "not_sent";
      case Outcome::invalid_message:
        return "invalid_message";
    }
    return "?";
  }

 private:
  static constexpr std::uint8_t correlated_bit = 1;
  static constexpr std::uint8_t orphan_bit = 2;

  static bool parse_decimal(std::string_view s, std::uint64_t& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  }

  std::optional<std::uint64_t> index_of(std::string_view log_id, std::string_view what) {
    std::uint64_t i = 0;
    if (!parse_decimal(log_id, i) || i >= count()) {
      violation(fmt::format("{} with log_id \"{}\", not one of this run's 0..{}", what, log_id,
                            count() - 1));
      return std::nullopt;
    }
    return i;
  }

  bool set_outcome(std::uint64_t i, Outcome o, std::string_view how) {
    if (outcome_[i] != Outcome::none) {
      ++duplicates_;
      violation(fmt::format("log_id {}: second outcome ({}) after {}", i, how, name(outcome_[i])));
      return false;
    }
    outcome_[i] = o;
    ++outcomes_;
    return true;
  }

  std::vector<Outcome> outcome_;
  std::vector<std::uint8_t> receipt_;
  std::vector<std::uint64_t> message_id_;
  std::uint64_t outcomes_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t correlated_ = 0;
  std::uint64_t receipts_ = 0;
  std::uint64_t redelivered_ = 0;
  std::uint64_t orphans_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t missing_ = 0;
  std::uint64_t missing_receipts_ = 0;
  std::uint64_t violations_ = 0;
  std::vector<std::string> first_violations_;
  std::map<Outcome, std::uint64_t> errors_;
  std::map<CommandStatus, std::uint64_t> statuses_;
};

/** @brief The message index in a receipt's "text:" ("soak 123" → 123). */
inline std::optional<std::uint64_t> index_from_receipt_text(std::string_view text) {
  constexpr std::string_view prefix = "soak ";
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  text.remove_prefix(prefix.size());
  std::uint64_t i = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec != std::errc{} || p == text.data()) return std::nullopt;
  return i;
}

/** @brief Feeds the Ledger from the Esme's hook calls. */
class LedgerHook final : public Hook {
 public:
  explicit LedgerHook(Ledger& ledger) : ledger_(ledger) {}

  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::send_error;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* m, std::span<const std::uint8_t>,
                                 std::string_view) override {
    if (m == nullptr) {
      ledger_.violation("the Esme received a PDU it could not decode");
      co_return;
    }
    if (const auto* r = std::get_if<SubmitSmResp>(m)) {
      ledger_.on_response(r->tracking.log_id, r->tracking.extra_data, r->header.command_status,
                          r->message_id);
    } else if (const auto* d = std::get_if<DeliverSm>(m)) {
      text::ReceiptTlvs tlvs;
      if (auto rid = d->tlvs.get<tlv::ReceiptedMessageId>()) tlvs.receipted_message_id = *rid;
      const std::string_view body(reinterpret_cast<const char*>(d->short_message.data()),
                                  d->short_message.size());
      auto receipt = text::parse_receipt(body, tlvs);
      if (!receipt) {
        ledger_.violation(fmt::format("a deliver_sm that is no receipt: \"{}\"", body));
        co_return;
      }
      std::optional<std::uint64_t> index;
      if (receipt->text) index = index_from_receipt_text(*receipt->text);
      ledger_.on_receipt(d->tracking.log_id, receipt->id, index);
    } else {
      ledger_.violation(
          fmt::format("unexpected {} from the SMSC", command_name(command_id_of(*m))));
    }
    co_return;
  }
  asio::awaitable<void> send_error(const Pdu& m, const SendError& e, std::string_view) override {
    const auto& tracking = tracking_of(m);
    ledger_.on_send_error(tracking.log_id, e.kind);
    co_return;
  }

 private:
  Ledger& ledger_;
};

/** @brief Resident set size now, from /proc/self/status (kB); 0 when unreadable. */
inline std::uint64_t rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::uint64_t kb = 0;
      std::string_view v(line);
      v.remove_prefix(6);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
      std::from_chars(v.data(), v.data() + v.size(), kb);
      return kb;
    }
  }
  return 0;
}

/** @brief What a run found. ok() is the verdict. */
struct Report {
  std::uint64_t count = 0;
  double send_seconds = 0;   ///< first enqueue to the last outcome
  double total_seconds = 0;  ///< including the wait for the last receipts
  EsmeStats esme;
  smsc::SimStats sim;
  std::uint64_t accepted = 0, rejected = 0, throttled = 0, outcome_unknown = 0, not_sent = 0;
  std::uint64_t receipts = 0, correlated = 0, redelivered = 0, orphans = 0;
  std::uint64_t duplicates = 0, missing = 0, missing_receipts = 0;
  std::uint64_t rss_start_kb = 0, rss_warm_kb = 0, rss_last_kb = 0, rss_peak_kb = 0;
  std::size_t rss_samples = 0;
  bool rss_checked = false;
  std::uint64_t violations = 0;
  std::vector<std::string> first_violations;
  std::map<CommandStatus, std::uint64_t> statuses;

  bool ok() const noexcept { return violations == 0; }
};

namespace detail {

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(::aiosmpp::detail::use_nothrow_awaitable);
}

inline smsc::SimConfig sim_config(const Options& o) {
  smsc::SimConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  c.receipts = true;
  c.receipt_delay = o.receipt_delay;
  c.receipt_states = {{text::DeliveryState::delivered, 90},
                      {text::DeliveryState::undeliverable, 5},
                      {text::DeliveryState::expired, 3},
                      {text::DeliveryState::rejected, 2}};
  c.receipt_style = smsc::ReceiptStyle::both;
  c.error_rate = o.error_rate;
  c.error_statuses = o.error_statuses;
  c.withhold_rate = o.withhold_rate;
  c.drop_every = o.drop_every;
  c.response_delay = o.response_delay;
  c.enquire_link_interval = std::chrono::milliseconds(500);
  c.stats_interval = std::chrono::milliseconds(0);
  c.log_level = LogLevel::off;
  c.seed = o.seed;
  return c;
}

inline EsmeConfig esme_config(const Options& o, std::uint16_t port) {
  EsmeConfig c;
  c.smsc_host = "127.0.0.1";
  c.smsc_port = port;
  c.system_id = "soak";
  c.password = "soak";
  c.client_id = "soak";
  c.window = o.window;
  c.response_timeout = o.response_timeout;
  c.enquire_link_interval = std::chrono::milliseconds(500);
  c.socket_timeout = std::chrono::milliseconds(2000);
  c.stop_timeout = std::chrono::milliseconds(1000);
  c.log_level = o.esme_log_level;
  c.flow_control.enabled = o.flow_control;
  if (!o.requeue) c.requeue.statuses.clear();

  return c;
}

// See Options::correlator_max_markers.
inline SimpleCorrelator::Options correlator_options(const Options& o) {
  SimpleCorrelator::Options co;
  if (o.correlator_max_entries > 0) co.max_entries = o.correlator_max_entries;
  const auto scaled = [&](std::size_t chosen, std::uint64_t divisor, std::size_t floor,
                          std::size_t library_default) {
    if (chosen > 0) return chosen;
    return std::clamp<std::size_t>(static_cast<std::size_t>(o.count / divisor), floor,
                                   library_default);
  };
  co.max_markers = scaled(o.correlator_max_markers, 20, 10'000, co.max_markers);
  co.max_held = scaled(o.correlator_max_held, 1000, 100, co.max_held);
  return co;
}

}  // namespace detail

/** @brief Runs one soak: a simulator with every trouble mode on, the Esme sending
 *  `options.count` submit_sm asking for receipts, then the audit. Blocks; throws only when the
 *  setup fails (port, configuration). */
inline Report run_soak(const Options& o) {
  Ledger ledger(o.count);
  Report rep;
  rep.count = o.count;
  rep.rss_start_kb = rss_kb();

  // The simulator on its own thread and io_context (the other core), as a separate SMSC would be.
  asio::io_context sim_io(1);
  auto sim = std::make_unique<smsc::Simulator>(sim_io.get_executor(), detail::sim_config(o));
  const std::uint16_t port = sim->listen().port();
  std::exception_ptr sim_error;
  asio::co_spawn(sim_io, sim->run(), [&](std::exception_ptr e) { sim_error = e; });
  std::thread sim_thread([&] { sim_io.run(); });

  asio::io_context io(1);
  auto broker =
      std::make_shared<SimpleBroker>(io.get_executor(), std::max<std::size_t>(4 * o.window, 1024));
  SimpleThrottleHandler::Options th;
  // The throttling share (2/5 + 1/5 of error_rate, about 1.2%) sits just under the denial
  // threshold, so the handler denies on the bursts above it; short periods make each denial cost
  // milliseconds, not the 3 s default. 200 responses a sample, or a single throttled response
  // among the first 50 would deny, and a slow (Debug, sanitizer) run would crawl.
  th.sampling_period = std::chrono::milliseconds(100);
  th.sample_size = 200;
  th.deny_request_at = 1.5;
  th.throttle_wait = std::chrono::milliseconds(5);
  ExponentialBackoff::Options backoff;
  backoff.min_delay = std::chrono::milliseconds(5);
  backoff.max_increases = 3;
  auto hook = std::make_shared<LedgerHook>(ledger);
  Components parts;
  parts.broker = broker;
  parts.hook = hook;
  parts.correlator = std::make_shared<SimpleCorrelator>(detail::correlator_options(o));
  parts.throttle_handler = std::make_shared<SimpleThrottleHandler>(th);
  parts.retry_timer = std::make_shared<ExponentialBackoff>(backoff);
  Esme esme(io.get_executor(), detail::esme_config(o, port), parts);

  bool started_done = false;
  asio::cancellation_signal start_cancel;
  bool sampling = true;
  std::exception_ptr failure;
  std::uint64_t next_progress = o.count / 10;

  const auto sampler_start = std::chrono::steady_clock::now();
  auto sampler = [&]() -> asio::awaitable<void> {
    while (sampling) {
      const auto kb = rss_kb();
      ++rep.rss_samples;
      rep.rss_peak_kb = std::max(rep.rss_peak_kb, kb);
      rep.rss_last_kb = kb;
      if (rep.rss_warm_kb == 0 && ledger.outcomes() * 10 >= o.count) rep.rss_warm_kb = kb;
      if (o.progress != nullptr && ledger.outcomes() >= next_progress && next_progress > 0) {
        const std::chrono::duration<double> elapsed =
            std::chrono::steady_clock::now() - sampler_start;
        std::fprintf(o.progress,
                     "progress seconds=%.1f outcomes=%llu/%llu receipts=%llu rss_kb=%llu\n",
                     elapsed.count(), static_cast<unsigned long long>(ledger.outcomes()),
                     static_cast<unsigned long long>(o.count),
                     static_cast<unsigned long long>(ledger.correlated()),
                     static_cast<unsigned long long>(kb));
        std::fflush(o.progress);
        while (next_progress <= ledger.outcomes())
          next_progress += o.count / 10;
      }
      co_await detail::sleep_for(o.rss_interval);
    }
  };

  auto main_task = [&]() -> asio::awaitable<void> {
    asio::co_spawn(io, esme.start(),
                   asio::bind_cancellation_slot(start_cancel.slot(), [&](std::exception_ptr e) {
                     started_done = true;
                     if (e && !failure) failure = e;
                   }));
    asio::co_spawn(io, sampler(), [&](std::exception_ptr e) {
      if (e && !failure) failure = e;
    });

    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < o.count; ++i) {
      SubmitSm s;
      s.source = PhoneNumber("254722111111");
      s.destination = PhoneNumber("254722999999");
      s.registered_delivery = RegisteredDelivery::receipt_always;
      s.short_message = fmt::format("soak {}", i);
      s.tracking.log_id = fmt::format("{}", i);
      s.tracking.extra_data = Ledger::extra_for(i);
      Pdu m = std::move(s);
      if (!broker->try_enqueue(m)) co_await broker->enqueue(std::move(m));
    }
    const auto send_deadline = t0 + o.send_timeout;
    while (ledger.outcomes() < o.count && std::chrono::steady_clock::now() < send_deadline)
      co_await detail::sleep_for(std::chrono::milliseconds(2));
    const auto t1 = std::chrono::steady_clock::now();
    rep.send_seconds = std::chrono::duration<double>(t1 - t0).count();
    if (ledger.outcomes() < o.count) {
      ledger.violation(fmt::format("only {} of {} outcomes after {} s", ledger.outcomes(), o.count,
                                   o.send_timeout.count()));
    }
    rep.rss_last_kb = rss_kb();
    rep.rss_peak_kb = std::max(rep.rss_peak_kb, rep.rss_last_kb);

    const auto receipt_deadline = std::chrono::steady_clock::now() + o.receipt_timeout;
    while (!ledger.receipts_complete() && std::chrono::steady_clock::now() < receipt_deadline)
      co_await detail::sleep_for(std::chrono::milliseconds(5));
    rep.total_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sampling = false;
    // Graceful stop, watched: a stop() that never returns is a finding, not a hung test. Then
    // the hard stop (terminal cancellation of start()); if even that does not end the session
    // the process cannot be cleaned up safely and run_soak exits.
    bool stop_done = false;
    asio::co_spawn(io, esme.stop(), [&](std::exception_ptr e) {
      stop_done = true;
      if (e && !failure) failure = e;
    });
    auto wait_for = [&](const bool& flag1, const bool& flag2,
                        std::chrono::seconds limit) -> asio::awaitable<bool> {
      const auto deadline = std::chrono::steady_clock::now() + limit;
      while (!(flag1 && flag2) && std::chrono::steady_clock::now() < deadline)
        co_await detail::sleep_for(std::chrono::milliseconds(2));
      const bool both = flag1 && flag2;
      co_return both;
    };
    const bool stopped = co_await wait_for(stop_done, started_done, o.stop_limit);
    if (!stopped) {
      std::string why = fmt::format(
          "Esme::stop() did not return within {} s (session {}, in "
          "flight {}, connects {}, stop() {}, start() {})",
          o.stop_limit.count(), to_string(esme.session_state()), esme.stats().in_flight,
          esme.stats().connects, stop_done ? "returned" : "pending",
          started_done ? "returned" : "pending");
      ledger.violation(why);
      start_cancel.emit(asio::cancellation_type::terminal);
      const bool cancelled = co_await wait_for(started_done, started_done, std::chrono::seconds(5));
      if (!cancelled || !stop_done) {
        std::fprintf(stderr, "soak: the Esme could not be stopped, exiting without cleanup\n%s\n",
                     why.c_str());
        std::fflush(stderr);
        std::_Exit(3);
      }
    }
  };

  asio::co_spawn(io, main_task(), [&](std::exception_ptr e) {
    if (e && !failure) failure = e;
  });
  io.run();

  asio::post(sim_io, [&] { sim->stop(); });
  sim_thread.join();
  rep.sim = sim->stats();
  sim.reset();
  if (failure) std::rethrow_exception(failure);
  if (sim_error) std::rethrow_exception(sim_error);

  ledger.audit();
  rep.esme = esme.stats();
  const auto& st = rep.esme;
  if (st.taken != o.count) {
    ledger.violation(fmt::format("the Esme took {} messages of {}", st.taken, o.count));
  }
  if (st.responses + st.send_errors != st.taken) {
    ledger.violation(fmt::format("Esme counters: responses {} + send_errors {} != taken {}",
                                 st.responses, st.send_errors, st.taken));
  }
  if (st.max_in_flight > o.window) {
    ledger.violation(
        fmt::format("max_in_flight {} above the window {}", st.max_in_flight, o.window));
  }
  const std::uint64_t sim_accepted = rep.sim.submits - rep.sim.submit_errors - rep.sim.withheld;
  if (ledger.accepted() > sim_accepted) {
    ledger.violation(fmt::format("{} accepted responses, but the simulator accepted only {}",
                                 ledger.accepted(), sim_accepted));
  }
  // Every trouble mode must have happened, or the run proved less than it claims.
  if (o.count >= 10'000) {
    auto require = [&](std::uint64_t n, std::string_view what) {
      if (n == 0) ledger.violation(fmt::format("no {} happened: the soak did not test it", what));
    };
    if (o.drop_every > 0) require(rep.sim.drops, "connection drop");
    if (o.withhold_rate > 0) require(rep.sim.withheld, "withheld response");
    if (o.error_rate > 0) require(ledger.rejected(), "error response");
    require(ledger.errors(Outcome::outcome_unknown), "outcome_unknown report");
    require(ledger.correlated(), "correlated receipt");
  }
  if (o.check_rss && rep.rss_warm_kb > 0 &&
      rep.rss_last_kb > rep.rss_warm_kb + o.rss_growth_limit_kb) {
    ledger.violation(
        fmt::format("RSS grew from {} kB (at 10% of the outcomes) to {} kB, limit "
                    "+{} kB",
                    rep.rss_warm_kb, rep.rss_last_kb, o.rss_growth_limit_kb));
  }
  rep.rss_checked = o.check_rss && rep.rss_warm_kb > 0;

  rep.accepted = ledger.accepted();
  rep.rejected = ledger.rejected();
  rep.statuses = ledger.statuses();
  for (const auto& [s, c] : rep.statuses)
    if (ThrottleHandler::is_throttling_status(static_cast<std::uint32_t>(s))) rep.throttled += c;
  rep.outcome_unknown = ledger.errors(Outcome::outcome_unknown);
  rep.not_sent = ledger.errors(Outcome::not_sent);
  rep.receipts = ledger.receipts();
  rep.correlated = ledger.correlated();
  rep.redelivered = ledger.redelivered();
  rep.orphans = ledger.orphans();
  rep.duplicates = ledger.duplicates();
  rep.missing = ledger.missing();
  rep.missing_receipts = ledger.missing_receipts();
  rep.violations = ledger.violations();
  rep.first_violations = ledger.first_violations();
  return rep;
}

/** @brief The multi-line summary and the RESULT line. */
inline std::string format_report(const Report& r) {
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out,
                 "messages      {} in {:.1f} s ({:.0f}/s until the last outcome), {:.1f} s "
                 "with the last receipts\n",
                 r.count, r.send_seconds,
                 r.send_seconds > 0 ? static_cast<double>(r.count) / r.send_seconds : 0.0,
                 r.total_seconds);
  fmt::format_to(out,
                 "outcomes      accepted {}, rejected {} (throttling {}), outcome_unknown {}, "
                 "not_sent {}; duplicates {}, missing {}\n",
                 r.accepted, r.rejected, r.throttled, r.outcome_unknown, r.not_sent, r.duplicates,
                 r.missing);
  std::string statuses;
  for (const auto& [st, c] : r.statuses)
    statuses += fmt::format(" {}={}", status_name(st), c);
  fmt::format_to(out, "statuses     {}\n", statuses.empty() ? " none" : statuses);
  fmt::format_to(out,
                 "receipts      {} received: {} correlated to their log_id, {} offered again "
                 "after a drop, {} for messages whose response was lost; {} accepted "
                 "without a receipt\n",
                 r.receipts, r.correlated, r.redelivered, r.orphans, r.missing_receipts);
  fmt::format_to(out,
                 "esme          taken {} responses {} send_errors {} late_responses {} "
                 "connects {} max_in_flight {} throttled {} requeued {}\n",
                 r.esme.taken, r.esme.responses, r.esme.send_errors, r.esme.late_responses,
                 r.esme.connects, r.esme.max_in_flight, r.esme.throttled, r.esme.requeued);
  fmt::format_to(out,
                 "simulator     submits {} errors {} withheld {} drops {} receipts_sent {} "
                 "receipts_acked {} receipts_failed {}\n",
                 r.sim.submits, r.sim.submit_errors, r.sim.withheld, r.sim.drops,
                 r.sim.receipts_sent, r.sim.receipts_acked, r.sim.receipts_failed);
  fmt::format_to(out,
                 "rss           start {} kB, at 10% {} kB, last {} kB, peak {} kB ({} samples{})\n",
                 r.rss_start_kb, r.rss_warm_kb, r.rss_last_kb, r.rss_peak_kb, r.rss_samples,
                 r.rss_checked ? "" : "; growth not checked");
  fmt::format_to(out, "violations    {}\n", r.violations);
  for (const auto& v : r.first_violations)
    fmt::format_to(out, "  - {}\n", v);
  fmt::format_to(out,
                 "RESULT soak n={} seconds={:.3f} msgs_per_s={:.0f} violations={} "
                 "rss_first_kb={} rss_last_kb={} rss_peak_kb={}\n",
                 r.count, r.send_seconds,
                 r.send_seconds > 0 ? static_cast<double>(r.count) / r.send_seconds : 0.0,
                 r.violations, r.rss_warm_kb, r.rss_last_kb, r.rss_peak_kb);
  return s;
}

}  // namespace aiosmpp::soak
