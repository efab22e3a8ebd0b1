// The seed README's MyHook ported: a Hook that sees every PDU going out, every PDU coming in
// (responses with the original message's log_id and extra_data attached, receipts correlated,
// MO messages) and every failure, saves each outcome under its log_id as the seed's
// `_save_result` does, and shows how an application retries. It also asks for outcome(), the
// one call every message ends in (whatever answered it), which is what the example waits on.
//
//   hook [--host 127.0.0.1] [--port 2775]     (try it with aiosmpp-smsc-sim)

#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aiosmpp/esme/esme.hpp"
#include "aiosmpp/text/received.hpp"
#include "common/condition.hpp"
#include "common/options.hpp"

namespace {

// The seed's MyHook: every outcome is saved under the message's log_id (here in a map; in a
// service, a database row), with the same wording the seed uses.
class MyHook final : public aiosmpp::Hook {
 public:
  MyHook(aiosmpp::Broker& broker, examples::Condition& progress)
      : broker_(broker), progress_(progress) {}

  // The seed's three calls, and outcome().
  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::all | aiosmpp::HookInterest::outcome;
  }

  asio::awaitable<void> sending(const aiosmpp::Pdu& message, std::span<const std::uint8_t> pdu,
                                std::string_view client_id) override {
    fmt::print("[{}] sending {} log_id={} ({} octets)\n", client_id,
               aiosmpp::command_id_of(message), tracking_of(message).log_id, pdu.size());
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t> pdu,
                                 std::string_view client_id) override {
    if (message == nullptr) {
      fmt::print("[{}] received {} octets that are not a valid PDU\n", client_id, pdu.size());
      co_return;
    }
    const auto& t = tracking_of(*message);
    fmt::print("[{}] received {} status={} log_id={} extra_data={}\n", client_id,
               aiosmpp::command_id_of(*message), aiosmpp::header_of(*message).command_status,
               t.log_id, t.extra_data);
    if (std::holds_alternative<aiosmpp::GenericNack>(*message)) {
      save_result("Sending failed", t);  // the SMSC could not parse the request: requeue if desired
    } else if (const auto* r = std::get_if<aiosmpp::SubmitSmResp>(message)) {
      save_result(r->header.command_status == aiosmpp::CommandStatus::ok ? "Message sent"
                                                                         : "Sending failed",
                  t);
    } else if (const auto* d = std::get_if<aiosmpp::DeliverSm>(message)) {
      if (aiosmpp::text::is_receipt(*d)) {
        const auto receipt = aiosmpp::text::parse_receipt(*d);
        save_result(receipt ? receipt_wording(receipt->stat) : "Unknown status", t);
        receipts_.insert(t.log_id);
        progress_.notify();
      } else {
        // A mobile-originated message: the application's business, not an outcome.
        const auto text = aiosmpp::text::decode_text(*d);
        fmt::print("[{}] MO from {}: {}\n", client_id, d->source.number,
                   text ? text->text : std::string("(undecodable)"));
      }
    }
    co_return;
  }

  asio::awaitable<void> send_error(const aiosmpp::Pdu& message, const aiosmpp::SendError& error,
                                   std::string_view client_id) override {
    fmt::print("[{}] send_error log_id={}: {}\n", client_id, tracking_of(message).log_id, error);
    save_result(fmt::format("Sending failed: {}", error), tracking_of(message));
    // A failure is not retried automatically (only ESME_RTHROTTLED / ESME_RMSGQFUL answers are,
    // inside the Esme). A message that never reached the SMSC is safe to send again; one of
    // unknown outcome may have been accepted (re-sending risks a duplicate).
    if (error.kind == aiosmpp::SendError::Kind::not_sent && retries_ < 3) {
      ++retries_;
      retrying_.insert(tracking_of(message).log_id);
      aiosmpp::Pdu again = message;
      co_await broker_.enqueue(std::move(again));
    }
    co_return;
  }

  // Called after received() or send_error() for the same message: its one outcome, in one
  // shape (the response, whatever its type, or the SendError).
  asio::awaitable<void> outcome(const aiosmpp::Outcome& o, std::string_view client_id) override {
    fmt::print("[{}] outcome log_id={}: {}\n", client_id, o.tracking().log_id,
               o.error ? fmt::format("{}", *o.error)
                       : fmt::format("{} message_id={}", *o.status(), o.message_id()));
    const std::string& log_id = o.tracking().log_id;
    if (retrying_.erase(log_id) == 0) {  // a re-enqueued message is not done yet
      done_.insert(log_id);
      if (o.accepted()) accepted_.insert(log_id);
    }
    progress_.notify();
    co_return;
  }

  /** Whether `log_id` has its final outcome and, when the SMSC accepted it, its receipt. */
  bool finished(const std::string& log_id) const {
    return done_.count(log_id) != 0 &&
           (accepted_.count(log_id) == 0 || receipts_.count(log_id) != 0);
  }

  /** Every outcome seen, in order, per log_id: what the seed's `_save_result` writes away. */
  const std::map<std::string, std::vector<std::string>>& results() const { return results_; }

 private:
  void save_result(std::string what, const aiosmpp::Tracking& t) {
    results_[t.log_id].push_back(std::move(what));
  }

  // The seed's wording for each final state a receipt's `stat:` can carry.
  static std::string receipt_wording(std::string_view stat) {
    if (stat == "DELIVRD") return "Delivered to handset";
    if (stat == "EXPIRED") return "Message expired";
    if (stat == "DELETED") return "Message deleted by SC";
    if (stat == "UNDELIV") return "Message undeliverable";
    if (stat == "ACCEPTD") return "Message accepted";
    if (stat == "REJECTD") return "Message rejected";
    return "Unknown status";
  }

  aiosmpp::Broker& broker_;
  examples::Condition& progress_;
  std::map<std::string, std::vector<std::string>> results_;
  std::set<std::string> retrying_;  // re-enqueued after not_sent: its outcome is still to come
  std::set<std::string> done_;
  std::set<std::string> accepted_;
  std::set<std::string> receipts_;
  int retries_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const auto options = examples::parse_options(argc, argv);
  return examples::run([&](asio::io_context& io) -> asio::awaitable<void> {
    aiosmpp::EsmeConfig config;
    config.smsc_host = options.host;
    config.smsc_port = options.port;
    config.system_id = "smppclient1";
    config.password = "password";
    config.client_id = "hook-example";
    config.log_level = aiosmpp::LogLevel::warning;
    examples::Condition progress(io.get_executor());
    auto broker = std::make_shared<aiosmpp::SimpleBroker>(io.get_executor());
    auto hook = std::make_shared<MyHook>(*broker, progress);
    aiosmpp::Esme esme(io.get_executor(), config, {.broker = broker, .hook = hook});

    aiosmpp::SubmitSm msg;
    msg.source = aiosmpp::PhoneNumber("254722111111");
    msg.destination = aiosmpp::PhoneNumber("254722999999");
    msg.text = aiosmpp::MessageText{"Hello from the hook example"};
    msg.tracking.log_id = "hook-1";
    msg.tracking.extra_data = "any string the application wants back";
    aiosmpp::Pdu pdu = std::move(msg);
    co_await esme.broker().enqueue(std::move(pdu));

    bool finished = false;
    std::exception_ptr run_error;
    asio::co_spawn(io, esme.start(), [&](std::exception_ptr e) {
      run_error = e;
      finished = true;
      progress.notify();
    });
    // Its outcome, then (when the SMSC accepted it) its receipt.
    co_await progress.wait_for(std::chrono::seconds(3),
                               [&] { return finished || hook->finished("hook-1"); });
    co_await esme.stop();
    co_await progress.wait_until(examples::Condition::Clock::time_point::max(),
                                 [&] { return finished; });
    if (run_error) std::rethrow_exception(run_error);

    fmt::print("results:\n");
    for (const auto& [log_id, outcomes] : hook->results()) {
      fmt::print("  {}: {}\n", log_id, fmt::join(outcomes, "; "));
    }
    if (!hook->finished("hook-1")) {
      throw std::runtime_error("incomplete after 3 s: hook-1 has no outcome or no receipt");
    }
  });
}
