// aiosmpp-send's run (see sender.hpp and docs/guides/send.md).

#include "sender.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "report.hpp"
#include "state.hpp"

namespace aiosmpp::send {
namespace {

using Clock = std::chrono::steady_clock;

OutcomeRecord record_of(const Pdu& message) {
  const auto t = unpack_tracking(tracking_of(message));
  OutcomeRecord r;
  r.line = t.line;
  r.id = t.id;
  r.destination = t.destination;
  return r;
}

class Run;

// The application's hook: the Esme (through SqliteHook with --state) gives it each outcome.
class SendHook final : public Hook {
 public:
  explicit SendHook(Run& run) : run_(run) {}
  HookInterest interests() const noexcept override {
    return HookInterest::received | HookInterest::send_error;
  }
  asio::awaitable<void> sending(const Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }
  asio::awaitable<void> received(const Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override;
  asio::awaitable<void> send_error(const Pdu& message, const SendError& error,
                                   std::string_view) override;

 private:
  Run& run_;
};

class Run {
 public:
  Run(asio::io_context& io, const SendOptions& options, Input input)
      : io_(io),
        options_(options),
        input_(std::move(input)),
        wake_(io),
        feeder_wake_(io),
        signals_(io, SIGINT, SIGTERM) {
    if (!options_.state.empty()) state_ = open_state(io.get_executor(), options_.state);
    // A resumed --state run adds to the lines of the runs before it; any other run (a new state
    // file included: nothing was sent before its input was stored) starts the file afresh.
    writer_ = std::make_unique<OutcomeWriter>(options_.out, state_ && state_->loaded());
  }

  asio::awaitable<int> main();

  void on_response(const Pdu& response);
  void on_receipt(const Pdu& receipt);
  asio::awaitable<void> on_send_error(const Pdu& message, const SendError& error);

 private:
  asio::awaitable<void> prepare();
  asio::awaitable<void> resume();
  void make_esme();
  asio::awaitable<bool> connect();
  asio::awaitable<void> feed();
  asio::awaitable<void> wait_until(const std::function<bool()>& done);
  asio::awaitable<void> finish_run();
  void write(const OutcomeRecord& r);
  void notify() { wake_.cancel(); }
  bool responses_done() const { return tally().done() + awaiting_receipt_.size() >= tally().total; }
  const Tally& tally() const { return writer_->tally(); }
  void report_rest_not_sent(const std::string& why);
  void print_summary() const;
  int exit_status() const;

  asio::io_context& io_;
  const SendOptions& options_;
  Input input_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<OutcomeWriter> writer_;
  std::shared_ptr<SimpleBroker> simple_broker_;
  std::unique_ptr<Esme> esme_;
  std::unique_ptr<Progress> progress_;  // here, not in main(): its timer's handler may run later
  asio::steady_timer wake_;             // cancelled whenever the main coroutine should look again
  asio::steady_timer feeder_wake_;      // cancelled when the feeder has work (a message to resend)
  asio::signal_set signals_;
  std::deque<Pdu> resend_;  // not_sent messages, sent again ahead of the input (without --state)
  std::size_t next_ = 0;    // the next input message to hand to the broker (without --state)
  std::map<std::size_t, OutcomeRecord> awaiting_receipt_;  // by line (--wait-receipts)
  bool stopping_ = false;
  bool interrupted_ = false;
  bool esme_ended_ = false;
  bool feeder_ended_ = false;
  Clock::time_point started_ = Clock::now();
};

asio::awaitable<void> SendHook::received(const Pdu* message, std::span<const std::uint8_t>,
                                         std::string_view) {
  if (message == nullptr) co_return;
  if (std::holds_alternative<DeliverSm>(*message) || std::holds_alternative<DataSm>(*message)) {
    run_.on_receipt(*message);
  } else {
    run_.on_response(*message);
  }
  co_return;
}

asio::awaitable<void> SendHook::send_error(const Pdu& message, const SendError& error,
                                           std::string_view) {
  co_await run_.on_send_error(message, error);
}

void Run::write(const OutcomeRecord& r) {
  writer_->write(r);
  if (responses_done()) notify();
}

void Run::on_response(const Pdu& response) {
  auto r = record_of(response);
  set_response(r, response);  // the outcome stream's reading of a response, so both agree
  r.receipt_asked = options_.wait_receipts.count() > 0;
  if (r.receipt_asked && r.kind == OutcomeKind::ok) {
    // Written once its receipt came, or when the wait ends.
    const auto line = r.line;
    awaiting_receipt_[line] = std::move(r);
    if (responses_done()) notify();
    return;
  }
  write(r);
}

void Run::on_receipt(const Pdu& receipt) {
  const auto t = unpack_tracking(tracking_of(receipt));
  const auto it = awaiting_receipt_.find(t.line);
  if (it == awaiting_receipt_.end()) return;
  const auto parsed = std::holds_alternative<DeliverSm>(receipt)
                          ? text::parse_receipt(std::get<DeliverSm>(receipt))
                          : text::parse_receipt(std::get<DataSm>(receipt));
  if (!parsed || !text::is_final(parsed->state)) return;  // intermediate: wait for the final one
  it->second.receipt_state = std::string(to_string(*parsed->state));
  writer_->tally().receipts++;
  auto r = std::move(it->second);
  awaiting_receipt_.erase(it);
  write(r);
}

asio::awaitable<void> Run::on_send_error(const Pdu& message, const SendError& error) {
  if (error.kind == SendError::Kind::not_sent) {
    // Never reached the SMSC: safe to send again; with --state it stays for the next run.
    if (state_) {
      Pdu again = message;  // named: g++ 12 mishandles temporaries in co_await (hook.hpp)
      co_await state_->requeue(std::move(again));
      co_return;
    }
    if (!stopping_) {
      resend_.push_back(message);
      feeder_wake_.cancel();
      co_return;
    }
  }
  auto r = record_of(message);
  r.error = fmt::format("{}", error);
  switch (error.kind) {
    case SendError::Kind::invalid_message:
      r.kind = OutcomeKind::invalid;
      break;
    case SendError::Kind::outcome_unknown:
      r.kind = OutcomeKind::unknown;
      break;
    case SendError::Kind::not_sent:
      r.kind = OutcomeKind::not_sent;
      break;
  }
  write(r);
}

// Bad input lines end first, as "invalid" lines of the outcome file.
asio::awaitable<void> Run::prepare() {
  if (state_ && state_->loaded()) {
    if (!options_.input.empty()) {
      fmt::print(stderr, "aiosmpp-send: resuming {}: the input {} is not read again\n",
                 options_.state, options_.input);
    }
    co_await resume();
    co_return;
  }
  for (const auto& e : input_.errors) {
    fmt::print(stderr, "aiosmpp-send: line {}: {}\n", e.line, e.message);
  }
  writer_->tally().total = input_.messages.size() + input_.errors.size();
  if (writer_->tally().total == 0)
    fmt::print(stderr, "aiosmpp-send: the input holds no messages\n");
  for (const auto& e : input_.errors) {
    OutcomeRecord r;
    r.line = e.line;
    r.kind = OutcomeKind::invalid;
    r.error = e.message;
    write(r);
  }
  if (!state_) co_return;
  std::vector<Pdu> all;
  all.reserve(input_.messages.size());
  for (const auto& m : input_.messages)
    all.emplace_back(to_submit(m, options_));
  co_await state_->load(std::move(all), input_.errors.size());
  input_.messages.clear();
}

// A later run on the same --state: what an interrupted run left.
// A later run on the same --state: what an interrupted run left. A message taken and never
// finished whose line is already in --out ended (a crash between the line and the commit): it is
// only removed. The others are reported unknown, or with --resend-unknown sent again.
asio::awaitable<void> Run::resume() {
  const auto& ended = writer_->ended_lines();
  std::vector<std::int64_t> forget;
  std::vector<std::int64_t> resend;
  std::vector<OutcomeRecord> unknown;
  const auto left = co_await state_->unfinished();
  for (const auto& u : left) {
    auto r = record_of(u.message);
    if (ended.contains(r.line)) {
      forget.push_back(u.id);
    } else if (options_.resend_unknown) {
      resend.push_back(u.id);
    } else {
      r.kind = OutcomeKind::unknown;
      r.error = "outcome_unknown: an earlier run sent it and ended before its response";
      unknown.push_back(std::move(r));
      forget.push_back(u.id);
    }
  }
  co_await state_->resend(std::move(resend));
  const auto ready = co_await state_->ready();
  writer_->tally().total = ready + unknown.size();
  for (const auto& r : unknown)
    write(
        r);  // before forget(): a crash in between repeats the line (then skipped), never loses it
  co_await state_->forget(std::move(forget));
  fmt::print(stderr, "aiosmpp-send: resuming {}: {} to send, {} of unknown outcome\n",
             options_.state, ready, unknown.size());
}

void Run::make_esme() {
  EsmeConfig c;
  c.smsc_host = options_.host;
  c.smsc_port = options_.port;
  c.system_id = options_.system_id;
  c.password = options_.password;
  c.system_type = options_.system_type;
  c.bind_mode = options_.bind;
  c.client_id = "aiosmpp-send";
  c.window = options_.window;
  c.flow_control.enabled = options_.flow_control;
  c.socket_timeout = options_.connect_timeout;
  c.response_timeout = options_.response_timeout;
  c.log_level = options_.log_level;
  Components parts;
  auto hook = std::make_shared<SendHook>(*this);
  if (state_) {
    parts.broker = state_->broker();
    parts.hook = state_->wrap(hook);
  } else {
    simple_broker_ = std::make_shared<SimpleBroker>(io_.get_executor());
    parts.broker = simple_broker_;
    parts.hook = hook;
  }
  if (options_.rate > 0) {
    parts.rate_limiter = std::make_shared<TokenBucketRateLimiter>(options_.rate);
  }
  esme_ = std::make_unique<Esme>(io_.get_executor(), std::move(c), std::move(parts));
}

asio::awaitable<bool> Run::connect() {
  try {
    co_await esme_->connect();
    co_return true;
  } catch (const std::exception& e) {
    const auto why =
        fmt::format("connect to {}:{} failed: {}", options_.host, options_.port, e.what());
    fmt::print(stderr, "aiosmpp-send: {}\n", why);
    if (!state_) report_rest_not_sent(why);
    co_return false;
  }
}

// Hands the input to the SimpleBroker, waiting while it is full (its back-pressure), and sends
// again the messages that were not sent (a connection lost before they were written).
asio::awaitable<void> Run::feed() {
  while (!stopping_) {
    if (resend_.empty() && next_ == input_.messages.size()) {
      feeder_wake_.expires_at(Clock::time_point::max());
      std::error_code ec;
      co_await feeder_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const bool again = !resend_.empty();
    Pdu message = again ? resend_.front() : Pdu(to_submit(input_.messages[next_], options_));
    // A bounded wait, so that a stop is seen while the broker is full.
    if (!co_await simple_broker_->enqueue_for(message, std::chrono::milliseconds(200))) continue;
    if (again) {
      resend_.pop_front();
    } else {
      ++next_;
    }
  }
  feeder_ended_ = true;
  notify();
}

asio::awaitable<void> Run::wait_until(const std::function<bool()>& done) {
  while (!done()) {
    wake_.expires_at(Clock::time_point::max());
    std::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Run::report_rest_not_sent(const std::string& why) {
  std::vector<Pdu> left(resend_.begin(), resend_.end());
  resend_.clear();
  if (simple_broker_) {
    while (simple_broker_->try_dequeue_batch(left, 1000) > 0) {
    }
  }
  for (; next_ < input_.messages.size(); ++next_)
    left.emplace_back(to_submit(input_.messages[next_], options_));
  for (const auto& m : left) {
    auto r = record_of(m);
    r.kind = OutcomeKind::not_sent;
    r.error = why;
    write(r);
  }
}

// After the Esme stopped: receipts still awaited are written without one, unsent messages
// (without --state) as not_sent, and the state file is committed.
asio::awaitable<void> Run::finish_run() {
  for (auto& [line, r] : awaiting_receipt_)
    writer_->write(r);
  awaiting_receipt_.clear();
  if (!state_) {
    report_rest_not_sent("not_sent: interrupted before it was sent");
  } else {
    co_await state_->flush();
  }
}

void Run::print_summary() const {
  fmt::print("{}\n", summary_line(tally(), Clock::now() - started_));
  std::fflush(stdout);
}

int Run::exit_status() const {
  const auto& t = tally();
  if (interrupted_ && (t.not_sent > 0 || t.done() < t.total)) return exit_interrupted;
  return t.ok == t.total ? exit_all_accepted : exit_not_accepted;
}

asio::awaitable<int> Run::main() {
  co_await prepare();
  if (tally().done() < tally().total) {
    make_esme();
    if (!co_await connect()) {
      print_summary();
      co_return exit_connection;
    }
    asio::co_spawn(io_, esme_->start(), [this](std::exception_ptr e) {
      esme_ended_ = true;
      notify();
      if (e) std::rethrow_exception(e);
    });
    if (!state_) asio::co_spawn(io_, feed(), asio::detached);
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    auto mode = options_.progress;
    if (mode == ProgressMode::automatic) mode = tty ? ProgressMode::bar : ProgressMode::lines;
    progress_ =
        std::make_unique<Progress>(io_.get_executor(), mode, options_.progress_interval,
                                   writer_->tally(), [this] { return esme_->stats().in_flight; });
    asio::co_spawn(io_, progress_->run(), asio::detached);
    signals_.async_wait([this](std::error_code ec, int) {
      if (ec) return;
      interrupted_ = true;
      notify();
    });
    co_await wait_until([this] { return interrupted_ || responses_done(); });
    if (!interrupted_ && !awaiting_receipt_.empty()) {
      asio::steady_timer deadline(io_, options_.wait_receipts);
      deadline.async_wait([this](std::error_code) { notify(); });
      const auto until = Clock::now() + options_.wait_receipts;
      co_await wait_until(
          [&] { return interrupted_ || awaiting_receipt_.empty() || Clock::now() >= until; });
      deadline.cancel();
    }
    stopping_ = true;
    feeder_wake_.cancel();
    co_await esme_->stop();
    // The feeder too: what it holds is reported by finish_run(), which must not race it.
    co_await wait_until([this] { return esme_ended_ && (state_ || feeder_ended_); });
    signals_.cancel();
    progress_->stop();
    co_await finish_run();
  }
  print_summary();
  if (interrupted_ && state_) {
    const auto left = co_await state_->ready();
    if (left > 0)
      fmt::print(stderr, "aiosmpp-send: {} messages left in {}\n", left, options_.state);
  }
  co_return exit_status();
}

}  // namespace

int run_send(const SendOptions& options, Input input) {
  asio::io_context io(1);
  int rc = exit_usage;
  {
    Run run(io, options, std::move(input));
    asio::co_spawn(io, run.main(), [&](std::exception_ptr e, int status) {
      if (e) std::rethrow_exception(e);
      rc = status;
    });
    io.run();
  }
  return rc;
}

}  // namespace aiosmpp::send
