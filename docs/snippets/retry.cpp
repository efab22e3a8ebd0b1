// docs/concepts.md#outcomes: retrying from the hook. The Esme sends only throttling answers again
// (EsmeConfig::requeue, before the outcome); for everything else the hook decides per outcome. Runs
// without a network: main() plays the Esme's part.

#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "aiosmpp/esme/esme.hpp"
#include "snippet_main.hpp"

namespace {

// snippet-begin: retry
class RetryingHook final : public aiosmpp::Hook {
 public:
  explicit RetryingHook(aiosmpp::Broker& broker) : broker_(broker) {}

  aiosmpp::HookInterest interests() const noexcept override {
    return aiosmpp::HookInterest::received | aiosmpp::HookInterest::send_error;
  }
  asio::awaitable<void> sending(const aiosmpp::Pdu&, std::span<const std::uint8_t>,
                                std::string_view) override {
    co_return;
  }

  asio::awaitable<void> received(const aiosmpp::Pdu* message, std::span<const std::uint8_t>,
                                 std::string_view) override {
    const auto* resp = message ? std::get_if<aiosmpp::SubmitSmResp>(message) : nullptr;
    if (resp == nullptr) co_return;
    const std::error_code status = resp->header.command_status;
    if (status == aiosmpp::CommandStatus::throttled ||
        status == aiosmpp::CommandStatus::message_queue_full) {
      // "Later": the response carries the tracking, not the message, so re-send it from your
      // own records (looked up by log_id), after a delay.
      retry_later.push_back(resp->tracking.log_id);
    }
    co_return;
  }

  asio::awaitable<void> send_error(const aiosmpp::Pdu& message, const aiosmpp::SendError& error,
                                   std::string_view) override {
    const auto& log_id = std::get<aiosmpp::SubmitSm>(message).tracking.log_id;
    // Never reached the SMSC: safe to send again, a few times.
    if (error.kind == aiosmpp::SendError::Kind::not_sent && attempts_[log_id]++ < 3) {
      aiosmpp::Pdu again = message;  // a named copy (g++ 12: no temporaries into co_await)
      co_await broker_.enqueue(std::move(again));
      co_return;
    }
    // invalid_message will fail again; outcome_unknown may have been delivered: record it and
    // let a person or a policy decide.
    failed.push_back(fmt::format("{}: {}", log_id, error));
  }

  std::vector<std::string> retry_later;
  std::vector<std::string> failed;

 private:
  aiosmpp::Broker& broker_;
  std::map<std::string, int> attempts_;
};
// snippet-end: retry

asio::awaitable<void> demo() {
  auto broker = std::make_shared<aiosmpp::SimpleBroker>(co_await asio::this_coro::executor);
  RetryingHook hook(*broker);
  aiosmpp::SubmitSm msg;
  msg.destination = aiosmpp::PhoneNumber("254722999999");
  msg.tracking.log_id = "m-1";
  const aiosmpp::Pdu pdu = msg;

  aiosmpp::SendError down{.kind = aiosmpp::SendError::Kind::not_sent,
                          .code = aiosmpp::errc::connection_closed,
                          .detail = "connection down"};
  co_await hook.send_error(pdu, down, "demo");
  if (broker->size() != 1) throw std::runtime_error("not_sent must be enqueued again");

  aiosmpp::SendError unknown{.kind = aiosmpp::SendError::Kind::outcome_unknown,
                             .code = aiosmpp::errc::response_timeout,
                             .detail = "no response in 15 s"};
  co_await hook.send_error(pdu, unknown, "demo");
  if (broker->size() != 1 || hook.failed.size() != 1) {
    throw std::runtime_error("outcome_unknown must not be re-sent blindly");
  }

  aiosmpp::SubmitSmResp throttled;
  throttled.header.command_status = aiosmpp::CommandStatus::throttled;
  throttled.has_body = false;
  throttled.tracking = msg.tracking;
  const aiosmpp::Pdu resp = throttled;
  co_await hook.received(&resp, {}, "demo");
  if (hook.retry_later != std::vector<std::string>{"m-1"}) {
    throw std::runtime_error("ESME_RTHROTTLED means later");
  }
  fmt::print("re-enqueued 1, retry later: {}, failed: {}\n", hook.retry_later.front(),
             hook.failed.front());
}

}  // namespace

int main() {
  asio::io_context io;
  return docs::run_main(io, demo());
}
