#include "aiosmpp/sqlite/hook.hpp"

#include <stdexcept>
#include <utility>

#include "aiosmpp/esme/outcome.hpp"

namespace aiosmpp {

namespace {

bool is_incoming_message(const Pdu& m) noexcept {
  return std::holds_alternative<DeliverSm>(m) || std::holds_alternative<DataSm>(m);
}

// A copy with the broker's queue id (or the correlator's held-receipt id) removed, or nullopt
// when there is none to remove (then the original is passed on as is, without a copy).
std::optional<Pdu> stripped(const Pdu& m) {
  const Tracking& t = tracking_of(m);
  if (!SqliteBroker::id_of(t) && !SqliteCorrelator::held_id_of(t)) return std::nullopt;
  Pdu copy = m;
  SqliteBroker::strip_id(tracking_of(copy));
  SqliteCorrelator::strip_held_id(tracking_of(copy));
  return copy;
}

}  // namespace

SqliteHook::SqliteHook(std::shared_ptr<Hook> inner, std::shared_ptr<SqliteBroker> broker,
                       std::shared_ptr<SqliteCorrelator> correlator)
    : inner_(std::move(inner)),
      broker_(std::move(broker)),
      correlator_(std::move(correlator)),
      inner_interests_(inner_ ? inner_->interests() : HookInterest::none) {
  if (!broker_ && !correlator_) {
    throw std::invalid_argument("SqliteHook: broker and correlator are both null");
  }
  if (correlator_) correlator_->defer_final_release(true);
}

HookInterest SqliteHook::interests() const noexcept {
  return inner_interests_ | HookInterest::received | HookInterest::send_error;
}

asio::awaitable<void> SqliteHook::sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                          std::string_view client_id) {
  if (!has_interest(inner_interests_, HookInterest::sending)) co_return;
  auto copy = stripped(message);
  co_await inner_->sending(copy ? *copy : message, pdu, client_id);
}

asio::awaitable<void> SqliteHook::before_write(std::string_view client_id) {
  if (has_interest(inner_interests_, HookInterest::sending))
    co_await inner_->before_write(client_id);
}

asio::awaitable<void> SqliteHook::received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                           std::string_view client_id) {
  // The message is finished (or the receipt released) only after the application's hook ran,
  // even when it threw: the Esme counts the outcome as given either way.
  std::exception_ptr failure;
  if (has_interest(inner_interests_, HookInterest::received)) {
    try {
      std::optional<Pdu> copy = message != nullptr ? stripped(*message) : std::nullopt;
      co_await inner_->received(copy ? &*copy : message, pdu, client_id);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (message != nullptr) {
    if (is_incoming_message(*message)) {
      if (correlator_) {
        // A held receipt the correlator released: its row goes now that the hook has it.
        if (auto held = SqliteCorrelator::held_id_of(tracking_of(*message))) {
          correlator_->release_held(*held);
        }
        correlator_->release_final_receipts();
      }
    } else if (broker_) {
      broker_->finish(*message);
    }
  }
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> SqliteHook::send_error(const Pdu& message, const SendError& error,
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
  if (broker_) broker_->finish(message);
  if (failure) std::rethrow_exception(failure);
}

// The message is already finished by received() or send_error(), which the Esme calls first;
// these only pass the call on, so an application's hook that asks for outcome() or receipt()
// gets them through this wrapper too.
asio::awaitable<void> SqliteHook::outcome(const Outcome& outcome, std::string_view client_id) {
  if (!has_interest(inner_interests_, HookInterest::outcome)) co_return;
  auto message = stripped(outcome.message);
  auto response = outcome.response ? stripped(*outcome.response) : std::nullopt;
  if (!message && !response) {
    co_await inner_->outcome(outcome, client_id);
    co_return;
  }
  Outcome copy = outcome;
  if (message) copy.message = std::move(*message);
  if (response) copy.response = std::move(*response);
  co_await inner_->outcome(copy, client_id);
}

asio::awaitable<void> SqliteHook::receipt(const ReceiptOutcome& receipt,
                                          std::string_view client_id) {
  if (!has_interest(inner_interests_, HookInterest::receipt)) co_return;
  auto pdu = stripped(receipt.receipt);
  if (!pdu) {
    co_await inner_->receipt(receipt, client_id);
    co_return;
  }
  ReceiptOutcome copy = receipt;
  copy.receipt = std::move(*pdu);
  co_await inner_->receipt(copy, client_id);
}

}  // namespace aiosmpp
