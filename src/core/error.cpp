#include "aiosmpp/error.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace aiosmpp {
namespace {

struct StatusInfo {
  std::uint32_t value;
  std::string_view name;
  std::string_view description;
};

// Reference §4, sorted by value for the binary search below.
constexpr std::array<StatusInfo, 67> status_table{{
    {0x00, "ESME_ROK", "no error"},
    {0x01, "ESME_RINVMSGLEN", "message length is invalid"},
    {0x02, "ESME_RINVCMDLEN", "command length is invalid"},
    {0x03, "ESME_RINVCMDID", "invalid command id"},
    {0x04, "ESME_RINVBNDSTS", "incorrect bind status for the given command"},
    {0x05, "ESME_RALYBND", "ESME already bound"},
    {0x06, "ESME_RINVPRTFLG", "invalid priority flag"},
    {0x07, "ESME_RINVREGDLVFLG", "invalid registered delivery flag"},
    {0x08, "ESME_RSYSERR", "system error"},
    {0x0A, "ESME_RINVSRCADR", "invalid source address"},
    {0x0B, "ESME_RINVDSTADR", "invalid destination address"},
    {0x0C, "ESME_RINVMSGID", "message id is invalid"},
    {0x0D, "ESME_RBINDFAIL", "bind failed"},
    {0x0E, "ESME_RINVPASWD", "invalid password"},
    {0x0F, "ESME_RINVSYSID", "invalid system_id"},
    {0x11, "ESME_RCANCELFAIL", "cancel_sm failed"},
    {0x13, "ESME_RREPLACEFAIL", "replace_sm failed"},
    {0x14, "ESME_RMSGQFUL", "message queue full"},
    {0x15, "ESME_RINVSERTYP", "invalid service_type"},
    {0x33, "ESME_RINVNUMDESTS", "invalid number of destinations"},
    {0x34, "ESME_RINVDLNAME", "invalid distribution list name"},
    {0x40, "ESME_RINVDESTFLAG", "invalid dest_flag (submit_multi)"},
    {0x42, "ESME_RINVSUBREP", "invalid submit with replace request"},
    {0x43, "ESME_RINVESMCLASS", "invalid esm_class"},
    {0x44, "ESME_RCNTSUBDL", "cannot submit to distribution list"},
    {0x45, "ESME_RSUBMITFAIL", "submit_sm or submit_multi failed"},
    {0x48, "ESME_RINVSRCTON", "invalid source address TON"},
    {0x49, "ESME_RINVSRCNPI", "invalid source address NPI"},
    {0x50, "ESME_RINVDSTTON", "invalid destination address TON"},
    {0x51, "ESME_RINVDSTNPI", "invalid destination address NPI"},
    {0x53, "ESME_RINVSYSTYP", "invalid system_type"},
    {0x54, "ESME_RINVREPFLAG", "invalid replace_if_present_flag"},
    {0x55, "ESME_RINVNUMMSGS", "invalid number of messages"},
    {0x58, "ESME_RTHROTTLED", "throttling error"},
    {0x61, "ESME_RINVSCHED", "invalid schedule_delivery_time"},
    {0x62, "ESME_RINVEXPIRY", "invalid validity_period (expiry time)"},
    {0x63, "ESME_RINVDFTMSGID", "predefined message invalid or not found"},
    {0x64, "ESME_RX_T_APPN", "ESME receiver temporary application error"},
    {0x65, "ESME_RX_P_APPN", "ESME receiver permanent application error"},
    {0x66, "ESME_RX_R_APPN", "ESME receiver reject message error"},
    {0x67, "ESME_RQUERYFAIL", "query_sm failed"},
    {0xC0, "ESME_RINVOPTPARSTREAM", "error in the optional part of the PDU body"},
    {0xC1, "ESME_ROPTPARNOTALLWD", "optional parameter not allowed"},
    {0xC2, "ESME_RINVPARLEN", "invalid parameter length"},
    {0xC3, "ESME_RMISSINGOPTPARAM", "expected optional parameter missing"},
    {0xC4, "ESME_RINVOPTPARAMVAL", "invalid optional parameter value"},
    {0xFE, "ESME_RDELIVERYFAILURE", "delivery failure"},
    {0xFF, "ESME_RUNKNOWNERR", "unknown error"},
    {0x100, "ESME_RSERTYPUNAUTH", "ESME not authorised to use this service_type (SMPP 5.0)"},
    {0x101, "ESME_RPROHIBITED", "ESME prohibited from using this operation (SMPP 5.0)"},
    {0x102, "ESME_RSERTYPUNAVAIL", "service_type unavailable (SMPP 5.0)"},
    {0x103, "ESME_RSERTYPDENIED", "service_type denied (SMPP 5.0)"},
    {0x104, "ESME_RINVDCS", "invalid data coding scheme (SMPP 5.0)"},
    {0x105, "ESME_RINVSRCADDRSUBUNIT", "invalid source address subunit (SMPP 5.0)"},
    {0x106, "ESME_RINVDSTADDRSUBUNIT", "invalid destination address subunit (SMPP 5.0)"},
    {0x107, "ESME_RINVBCASTFREQINT", "invalid broadcast frequency interval (SMPP 5.0)"},
    {0x108, "ESME_RINVBCASTALIAS_NAME", "invalid broadcast alias name (SMPP 5.0)"},
    {0x109, "ESME_RINVBCASTAREAFMT", "invalid broadcast area format (SMPP 5.0)"},
    {0x10A, "ESME_RINVNUMBCAST_AREAS", "invalid number of broadcast areas (SMPP 5.0)"},
    {0x10B, "ESME_RINVBCASTCNTTYPE", "invalid broadcast content type (SMPP 5.0)"},
    {0x10C, "ESME_RINVBCASTMSGCLASS", "invalid broadcast message class (SMPP 5.0)"},
    {0x10D, "ESME_RBCASTFAIL", "broadcast_sm failed (SMPP 5.0)"},
    {0x10E, "ESME_RBCASTQUERYFAIL", "query_broadcast_sm failed (SMPP 5.0)"},
    {0x10F, "ESME_RBCASTCANCELFAIL", "cancel_broadcast_sm failed (SMPP 5.0)"},
    {0x110, "ESME_RINVBCAST_REP", "invalid number of broadcast repetitions (SMPP 5.0)"},
    {0x111, "ESME_RINVBCASTSRVGRP", "invalid broadcast service group (SMPP 5.0)"},
    {0x112, "ESME_RINVBCASTCHANIND", "invalid broadcast channel indicator (SMPP 5.0)"},
}};

const StatusInfo* find_status(CommandStatus status) noexcept {
  const auto v = static_cast<std::uint32_t>(status);
  std::size_t lo = 0;
  std::size_t hi = status_table.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (status_table[mid].value < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < status_table.size() && status_table[lo].value == v ? &status_table[lo] : nullptr;
}

struct CommandInfo {
  CommandId id;
  std::string_view name;
};

constexpr std::array<CommandInfo, 33> command_table{{
    {CommandId::generic_nack, "generic_nack"},
    {CommandId::bind_receiver, "bind_receiver"},
    {CommandId::bind_receiver_resp, "bind_receiver_resp"},
    {CommandId::bind_transmitter, "bind_transmitter"},
    {CommandId::bind_transmitter_resp, "bind_transmitter_resp"},
    {CommandId::query_sm, "query_sm"},
    {CommandId::query_sm_resp, "query_sm_resp"},
    {CommandId::submit_sm, "submit_sm"},
    {CommandId::submit_sm_resp, "submit_sm_resp"},
    {CommandId::deliver_sm, "deliver_sm"},
    {CommandId::deliver_sm_resp, "deliver_sm_resp"},
    {CommandId::unbind, "unbind"},
    {CommandId::unbind_resp, "unbind_resp"},
    {CommandId::replace_sm, "replace_sm"},
    {CommandId::replace_sm_resp, "replace_sm_resp"},
    {CommandId::cancel_sm, "cancel_sm"},
    {CommandId::cancel_sm_resp, "cancel_sm_resp"},
    {CommandId::bind_transceiver, "bind_transceiver"},
    {CommandId::bind_transceiver_resp, "bind_transceiver_resp"},
    {CommandId::outbind, "outbind"},
    {CommandId::enquire_link, "enquire_link"},
    {CommandId::enquire_link_resp, "enquire_link_resp"},
    {CommandId::submit_multi, "submit_multi"},
    {CommandId::submit_multi_resp, "submit_multi_resp"},
    {CommandId::alert_notification, "alert_notification"},
    {CommandId::data_sm, "data_sm"},
    {CommandId::data_sm_resp, "data_sm_resp"},
    {CommandId::broadcast_sm, "broadcast_sm"},
    {CommandId::broadcast_sm_resp, "broadcast_sm_resp"},
    {CommandId::query_broadcast_sm, "query_broadcast_sm"},
    {CommandId::query_broadcast_sm_resp, "query_broadcast_sm_resp"},
    {CommandId::cancel_broadcast_sm, "cancel_broadcast_sm"},
    {CommandId::cancel_broadcast_sm_resp, "cancel_broadcast_sm_resp"},
}};

class CommandStatusCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smpp"; }
  std::string message(int value) const override {
    return fmt::format("{}", static_cast<CommandStatus>(static_cast<std::uint32_t>(value)));
  }
};

class AiosmppCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aiosmpp"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::malformed_pdu:
        return "malformed PDU";
      case errc::pdu_too_large:
        return "PDU larger than the configured maximum";
      case errc::invalid_field:
        return "invalid PDU field";
      case errc::unknown_command:
        return "unknown command_id";
      case errc::bind_failed:
        return "bind failed";
      case errc::response_timeout:
        return "response timeout";
      case errc::enquire_link_timeout:
        return "enquire_link timeout";
      case errc::connection_closed:
        return "connection closed";
      case errc::not_bound:
        return "not bound";
      case errc::cancelled:
        return "cancelled";
      case errc::stopped:
        return "stopped";
      case errc::tls_handshake_failed:
        return "TLS handshake failed";
      case errc::tls_verify_failed:
        return "TLS certificate verification failed";
    }
    return fmt::format("aiosmpp error {}", value);
  }
};

}  // namespace

std::string_view status_name(CommandStatus status) noexcept {
  if (const auto* info = find_status(status)) return info->name;
  const auto v = static_cast<std::uint32_t>(status);
  if (v >= 0x400 && v <= 0x4FF) return "VENDOR_SPECIFIC";
  if (v >= 0x100 && v <= 0x3FF) return "SMPP_EXTENSION";
  return "RESERVED";
}

std::string_view status_description(CommandStatus status) noexcept {
  if (const auto* info = find_status(status)) return info->description;
  const auto v = static_cast<std::uint32_t>(status);
  if (v >= 0x400 && v <= 0x4FF) return "SMSC vendor-specific error";
  if (v >= 0x100 && v <= 0x3FF) return "reserved for SMPP extensions";
  return "reserved status code";
}

const std::error_category& command_status_category() noexcept {
  static const CommandStatusCategory category;
  return category;
}

const std::error_category& aiosmpp_category() noexcept {
  static const AiosmppCategory category;
  return category;
}

bool is_known(CommandId id) noexcept {
  for (const auto& info : command_table) {
    if (info.id == id) return true;
  }
  return false;
}

std::string_view command_name(CommandId id) noexcept {
  for (const auto& info : command_table) {
    if (info.id == id) return info.name;
  }
  return "unknown";
}

SmppError::SmppError(CommandId command, CommandStatus status, const std::string& detail)
    : std::system_error(make_error_code(status), detail.empty()
                                                     ? fmt::format("{}", command)
                                                     : fmt::format("{}: {}", command, detail)),
      command_(command),
      status_(status) {}

}  // namespace aiosmpp
