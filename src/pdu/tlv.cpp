#include "aiosmpp/pdu/tlv.hpp"

#include <algorithm>
#include <array>

namespace aiosmpp {
namespace tlv {
namespace {

constexpr std::array<Info, detail::count> infos{{
#define AIOSMPP_TLV_INFO(Type, name, tag, kind, min, max, vt, since) \
  {tag, #name, Kind::kind, min, max, detail::Type##_index, InterfaceVersion::smpp_##since},
    AIOSMPP_TLV_LIST(AIOSMPP_TLV_INFO)
#undef AIOSMPP_TLV_INFO
}};

static_assert(std::is_sorted(infos.begin(), infos.end(),
                             [](const Info& a, const Info& b) { return a.tag < b.tag; }));

// Tags below direct_limit (every one SMPP 3.4 and 5.0 define but the few above 0x1200) are found
// by index in a 1.5 KiB table: every TLV encoded or decoded is looked up, and the binary search
// over the whole table showed in the simulator's profile with receipts on (two TLVs each).
constexpr std::uint16_t direct_limit = 0x0620;
constexpr std::uint8_t no_info = 0xFF;
static_assert(infos.size() < no_info);
constexpr auto direct = [] {
  std::array<std::uint8_t, direct_limit> table{};
  table.fill(no_info);
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].tag < direct_limit) table[infos[i].tag] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

template <class... Defs>
constexpr std::uint64_t mask_of() {
  return ((std::uint64_t{1} << Defs::index) | ... | 0);
}

// SMPP 3.4: reference §3.5 (submit_sm), §3.7 (submit_multi), §3.9 (deliver_sm), §3.11 (data_sm),
// §3.12 (data_sm_resp), §3.2 (bind_*_resp), §3.16 (alert_notification); extras per §11.
constexpr std::uint64_t submit_sm_mask =
    mask_of<UserMessageReference, SourcePort, SourceAddrSubunit, DestinationPort, DestAddrSubunit,
            SarMsgRefNum, SarTotalSegments, SarSegmentSeqnum, MoreMessagesToSend, PayloadType,
            MessagePayload, PrivacyIndicator, CallbackNum, CallbackNumPresInd, CallbackNumAtag,
            SourceSubaddress, DestSubaddress, UserResponseCode, DisplayTime, SmsSignal, MsValidity,
            MsMsgWaitFacilities, NumberOfMessages, AlertOnMessageDelivery, LanguageIndicator,
            ItsReplyType, ItsSessionInfo, UssdServiceOp>();
constexpr std::uint64_t submit_multi_mask =
    mask_of<UserMessageReference, SourcePort, SourceAddrSubunit, DestinationPort, DestAddrSubunit,
            SarMsgRefNum, SarTotalSegments, SarSegmentSeqnum, PayloadType, MessagePayload,
            PrivacyIndicator, CallbackNum, CallbackNumPresInd, CallbackNumAtag, SourceSubaddress,
            DestSubaddress, DisplayTime, SmsSignal, MsValidity, MsMsgWaitFacilities,
            AlertOnMessageDelivery, LanguageIndicator,
            // accepted from libraries that send them (§11)
            MoreMessagesToSend, NumberOfMessages, UserResponseCode, ItsReplyType, ItsSessionInfo,
            UssdServiceOp>();
constexpr std::uint64_t deliver_sm_mask =
    mask_of<UserMessageReference, SourcePort, DestinationPort, SarMsgRefNum, SarTotalSegments,
            SarSegmentSeqnum, UserResponseCode, PrivacyIndicator, PayloadType, MessagePayload,
            CallbackNum, SourceSubaddress, DestSubaddress, LanguageIndicator, ItsSessionInfo,
            NetworkErrorCode, MessageState, ReceiptedMessageId,
            UssdServiceOp>();  // 5.0 and practice (§5.2)
constexpr std::uint64_t data_sm_mask =
    mask_of<SourcePort, SourceAddrSubunit, SourceNetworkType, SourceBearerType, SourceTelematicsId,
            DestinationPort, DestAddrSubunit, DestNetworkType, DestBearerType, DestTelematicsId,
            SarMsgRefNum, SarTotalSegments, SarSegmentSeqnum, MoreMessagesToSend, QosTimeToLive,
            PayloadType, MessagePayload, SetDpf, ReceiptedMessageId, MessageState, NetworkErrorCode,
            UserMessageReference, PrivacyIndicator, CallbackNum, CallbackNumPresInd,
            CallbackNumAtag, SourceSubaddress, DestSubaddress, UserResponseCode, DisplayTime,
            SmsSignal, MsValidity, MsMsgWaitFacilities, NumberOfMessages, AlertOnMessageDelivery,
            LanguageIndicator, ItsReplyType, ItsSessionInfo, UssdServiceOp>();
constexpr std::uint64_t data_sm_resp_mask =
    mask_of<DeliveryFailureReason, NetworkErrorCode, AdditionalStatusInfoText, DpfResult>();
constexpr std::uint64_t bind_resp_mask = mask_of<ScInterfaceVersion>();
constexpr std::uint64_t alert_notification_mask = mask_of<MsAvailabilityStatus>();

// SMPP 5.0 (docs/smpp-5.0.md): the message submission TLVs are one list for submit_sm,
// submit_multi and data_sm; deliver_sm gains the routing and number portability TLVs; replace_sm
// may carry message_payload; every response may carry congestion_state.
constexpr std::uint64_t routing_50 =
    mask_of<BillingIdentification, DestAddrNpCountry, DestAddrNpInformation, DestAddrNpResolution,
            DestNetworkId, DestNodeId, SourceNetworkId, SourceNodeId>();
constexpr std::uint64_t submission_50 =
    submit_sm_mask | submit_multi_mask | routing_50 |
    mask_of<DestBearerType, DestNetworkType, DestTelematicsId, QosTimeToLive, SetDpf,
            SourceBearerType, SourceNetworkType, SourceTelematicsId>();
constexpr std::uint64_t deliver_sm_50 =
    deliver_sm_mask | (routing_50 & ~mask_of<BillingIdentification>()) |
    mask_of<CallbackNumAtag, CallbackNumPresInd, DestAddrSubunit, DpfResult, ItsReplyType,
            SourceAddrSubunit>();
constexpr std::uint64_t broadcast_sm_50 =
    mask_of<BroadcastAreaIdentifier, BroadcastContentType, BroadcastFrequencyInterval,
            BroadcastRepNum, MessagePayload, AlertOnMessageDelivery, BroadcastChannelIndicator,
            BroadcastContentTypeInfo, BroadcastMessageClass, BroadcastServiceGroup, CallbackNum,
            CallbackNumAtag, CallbackNumPresInd, DestAddrSubunit, DestSubaddress, DestinationPort,
            DisplayTime, LanguageIndicator, MsValidity, PayloadType, PrivacyIndicator, SmsSignal,
            SourceAddrSubunit, SourcePort, SourceSubaddress, UserMessageReference>();
constexpr std::uint64_t response_50 = mask_of<CongestionState>();

constexpr bool speaks_50(InterfaceVersion version) noexcept {
  return version_has(version, InterfaceVersion::smpp_5_0);
}

}  // namespace

const Info* find(std::uint16_t tag) noexcept {
  if (tag < direct_limit) {
    const std::uint8_t i = direct[tag];
    return i == no_info ? nullptr : &infos[i];
  }
  const auto* it = std::lower_bound(infos.begin(), infos.end(), tag,
                                    [](const Info& i, std::uint16_t t) { return i.tag < t; });
  return it != infos.end() && it->tag == tag ? &*it : nullptr;
}

std::span<const Info> all() noexcept {
  return infos;
}

std::uint64_t allowed_mask(CommandId command, InterfaceVersion version) noexcept {
  const bool v50 = speaks_50(version);
  switch (command) {
    case CommandId::submit_sm:
      return v50 ? submission_50 : submit_sm_mask;
    case CommandId::submit_multi:
      return v50 ? submission_50 : submit_multi_mask;
    case CommandId::deliver_sm:
      return v50 ? deliver_sm_50 : deliver_sm_mask;
    case CommandId::data_sm:
      // data_sm also carries receipts (reference §3.11), so 3.4's delivery TLVs stay.
      return v50 ? submission_50 | data_sm_mask : data_sm_mask;
    case CommandId::replace_sm:
      return v50 ? mask_of<MessagePayload>() : 0;
    case CommandId::data_sm_resp:
      return data_sm_resp_mask | (v50 ? response_50 : 0);
    case CommandId::bind_receiver_resp:
    case CommandId::bind_transmitter_resp:
    case CommandId::bind_transceiver_resp:
      return bind_resp_mask | (v50 ? response_50 : 0);
    case CommandId::alert_notification:
      return alert_notification_mask;
    case CommandId::broadcast_sm:
      return v50 ? broadcast_sm_50 : 0;
    case CommandId::query_broadcast_sm:
      return v50 ? mask_of<UserMessageReference>() : 0;
    case CommandId::cancel_broadcast_sm:
      return v50 ? mask_of<BroadcastContentType, UserMessageReference>() : 0;
    case CommandId::query_broadcast_sm_resp:
      return v50 ? mask_of<BroadcastAreaIdentifier, BroadcastAreaSuccess, MessageState,
                           BroadcastEndTime, UserMessageReference, CongestionState>()
                 : 0;
    case CommandId::broadcast_sm_resp:
      return v50 ? mask_of<BroadcastErrorStatus, BroadcastAreaIdentifier, CongestionState>() : 0;
    default:
      return is_response(command) && v50 ? response_50 : 0;
  }
}

std::uint64_t required_mask(CommandId command) noexcept {
  switch (command) {
    case CommandId::broadcast_sm:
      return mask_of<BroadcastAreaIdentifier, BroadcastContentType, BroadcastRepNum,
                     BroadcastFrequencyInterval, MessagePayload>();
    case CommandId::query_broadcast_sm_resp:
      return mask_of<BroadcastAreaIdentifier, BroadcastAreaSuccess, MessageState>();
    default:
      return 0;
  }
}

bool allowed(CommandId command, std::uint16_t tag, InterfaceVersion version) noexcept {
  const Info* info = find(tag);
  return info == nullptr || !version_has(version, info->since) ||
         (allowed_mask(command, version) & (std::uint64_t{1} << info->index)) != 0;
}

}  // namespace tlv

std::size_t Tlvs::erase(std::uint16_t tag) {
  return static_cast<std::size_t>(
      std::erase_if(items_, [tag](const Tlv& t) { return t.tag == tag; }));
}

void Tlvs::replace_owned(std::uint16_t tag, std::vector<std::uint8_t> value) {
  for (auto& t : items_) {
    if (t.tag == tag) {
      t.value = std::move(value);
      return;
    }
  }
  items_.push_back(Tlv{tag, std::move(value)});
}

CodecError Tlvs::length_error(std::uint16_t tag, std::size_t size) {
  const tlv::Info* info = tlv::find(tag);
  CodecError e;
  e.error = errc::invalid_field;
  e.command_id = static_cast<CommandId>(0);  // not tied to a PDU yet
  const bool bad_text =
      info != nullptr && info->kind == tlv::Kind::c_string && size <= info->max_length;
  e.status =
      bad_text ? CommandStatus::invalid_optional_param_value : CommandStatus::invalid_param_length;
  e.problem = bad_text ? CodecProblem::tlv_value_invalid : CodecProblem::tlv_length_invalid;
  e.tag = tag;
  e.field = info != nullptr ? info->name : std::string_view("tlv");
  e.size = size;
  e.limit = info != nullptr ? info->max_length : 0;
  return e;
}

Tlvs TlvsView::to_owning() const {
  Tlvs out;
  for (const auto& t : *this)
    out.add(t.tag, t.value);
  return out;
}

}  // namespace aiosmpp
