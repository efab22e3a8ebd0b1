#include "aiosmpp/redis/hook.hpp"

#include <exception>
#include <optional>
#include <stdexcept>

#include "aiosmpp/redis/outcome_stream.hpp"

namespace aiosmpp {

namespace {

bool is_incoming_message(const Pdu& m) noexcept {
  return std::holds_alternative<DeliverSm>(m) || std::holds_alternative<DataSm>(m);
}

// A copy without the broker's entry id, or nullopt when there is none (then no copy is made).
std::optional<Pdu> stripped(const Pdu& m) {
  if (RedisBroker::entry_of(tracking_of(m)).empty()) return std::nullopt;
  Pdu copy = m;
  RedisBroker::strip_entry(tracking_of(copy));
  return copy;
}

}  // namespace

RedisHook::RedisHook(std::shared_ptr<Hook> inner, std::shared_ptr<RedisBroker> broker)
    : inner_(std::move(inner)),
      broker_(std::move(broker)),
      inner_interests_(inner_ ? inner_->interests() : HookInterest::none) {
  if (!broker_) throw std::invalid_argument("RedisHook: broker is null");
  const auto* stream = dynamic_cast<const RedisOutcomeStream*>(inner_.get());
  delegated_ = stream != nullptr && stream->settles(*broker_);
  broker_->delegate_settlement(delegated_);
  // A claimed message that had been written: its one outcome, through send_error() and
  // outcome() as for any other (with settlement delegated, the entry id is still in the
  // tracking, for the stream's transaction; the application's send_error() never sees it).
  broker_->set_unknown_handler(
      [inner = inner_, interests = inner_interests_](Pdu m, SendError e) -> asio::awaitable<void> {
        if (!inner) co_return;
        std::exception_ptr failure;
        if (has_interest(interests, HookInterest::send_error)) {
          try {
            auto copy = stripped(m);
            co_await inner->send_error(copy ? *copy : m, e, {});
          } catch (...) {
            failure = std::current_exception();
          }
        }
        if (has_interest(interests, HookInterest::outcome)) {
          // Named: g++ 12 destroys an aggregate temporary inside a co_await expression twice.
          Outcome outcome{std::move(m), std::nullopt, std::move(e)};
          co_await inner->outcome(outcome, {});
        }
        if (failure) std::rethrow_exception(failure);
      });
}

HookInterest RedisHook::interests() const noexcept {
  return inner_interests_ | HookInterest::sending | HookInterest::received |
         HookInterest::send_error;
}

asio::awaitable<void> RedisHook::sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                         std::string_view client_id) {
  broker_->note_written(message);
  if (!has_interest(inner_interests_, HookInterest::sending)) co_return;
  auto copy = stripped(message);
  co_await inner_->sending(copy ? *copy : message, pdu, client_id);
}

asio::awaitable<void> RedisHook::before_write(std::string_view client_id) {
  co_await broker_->record_noted();
  if (has_interest(inner_interests_, HookInterest::sending))
    co_await inner_->before_write(client_id);
}

asio::awaitable<void> RedisHook::received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                          std::string_view client_id) {
  // Settled only after the application's hook ran, even when it threw: the Esme counts the
  // outcome as given either way.
  std::exception_ptr failure;
  if (has_interest(inner_interests_, HookInterest::received)) {
    try {
      std::optional<Pdu> copy = message != nullptr ? stripped(*message) : std::nullopt;
      co_await inner_->received(copy ? &*copy : message, pdu, client_id);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (message != nullptr && !is_incoming_message(*message) && !delegated_) {
    broker_->settle(*message);
  }
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> RedisHook::send_error(const Pdu& message, const SendError& error,
                                            std::string_view client_id) {
  std::exception_ptr failure;
  if (has_interest(inner_interests_, HookInterest::send_error)) {
    try {
      auto copy = stripped(message);
      co_await inner_->send_error(copy ? *copy : message, error, client_id);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (!delegated_) broker_->settle(message);
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> RedisHook::outcome(const Outcome& outcome, std::string_view client_id) {
  if (!has_interest(inner_interests_, HookInterest::outcome)) co_return;
  // Delegated: the stream needs the entry id to settle in the record's transaction.
  if (delegated_ || RedisBroker::entry_of(tracking_of(outcome.message)).empty()) {
    co_await inner_->outcome(outcome, client_id);
    co_return;
  }
  Outcome copy = outcome;
  RedisBroker::strip_entry(tracking_of(copy.message));
  if (copy.response) RedisBroker::strip_entry(tracking_of(*copy.response));
  co_await inner_->outcome(copy, client_id);
}

asio::awaitable<void> RedisHook::receipt(const ReceiptOutcome& receipt,
                                         std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::receipt))
    co_await inner_->receipt(receipt, client_id);
}

}  // namespace aiosmpp
