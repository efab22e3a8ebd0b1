#include "aiosmpp/esme/hook.hpp"

namespace aiosmpp {

asio::awaitable<void> Hook::before_write(std::string_view) {
  co_return;
}

asio::awaitable<void> Hook::outcome(const Outcome&, std::string_view) {
  co_return;
}

asio::awaitable<void> Hook::receipt(const ReceiptOutcome&, std::string_view) {
  co_return;
}

HookInterest SimpleHook::interests() const noexcept {
  return logger_.enabled(LogLevel::trace) ? HookInterest::all : HookInterest::none;
}

asio::awaitable<void> SimpleHook::sending(const Pdu& message, std::span<const std::uint8_t> pdu,
                                          std::string_view client_id) {
  AIOSMPP_LOG(
      logger_, LogLevel::trace, "hook_sending", {"command", command_name(command_id_of(message))},
      {"sequence_number", header_of(message).sequence_number},
      {"log_id",
       std::visit([](const auto& p) -> std::string_view { return p.tracking.log_id; }, message)},
      {"octets", pdu.size()}, {"client_id", client_id});
  co_return;
}

asio::awaitable<void> SimpleHook::received(const Pdu* message, std::span<const std::uint8_t> pdu,
                                           std::string_view client_id) {
  if (message == nullptr) {
    AIOSMPP_LOG(logger_, LogLevel::trace, "hook_received", {"command", "undecodable"},
                {"octets", pdu.size()}, {"client_id", client_id});
    co_return;
  }
  AIOSMPP_LOG(
      logger_, LogLevel::trace, "hook_received", {"command", command_name(command_id_of(*message))},
      {"command_status", static_cast<std::uint32_t>(header_of(*message).command_status)},
      {"sequence_number", header_of(*message).sequence_number},
      {"log_id",
       std::visit([](const auto& p) -> std::string_view { return p.tracking.log_id; }, *message)},
      {"octets", pdu.size()}, {"client_id", client_id});
  co_return;
}

asio::awaitable<void> SimpleHook::send_error(const Pdu& message, const SendError& error,
                                             std::string_view client_id) {
  AIOSMPP_LOG(
      logger_, LogLevel::trace, "hook_send_error",
      {"command", command_name(command_id_of(message))},
      {"log_id",
       std::visit([](const auto& p) -> std::string_view { return p.tracking.log_id; }, message)},
      {"kind", to_string(error.kind)}, {"error", error.code.message()}, {"detail", error.detail},
      {"client_id", client_id});
  co_return;
}

}  // namespace aiosmpp
