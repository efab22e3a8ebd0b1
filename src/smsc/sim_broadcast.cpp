// The simulator's SMPP 5.0 broadcasts (docs/smpp-5.0.md): broadcast_sm gets a message_id and is
// kept, with its areas, for query_broadcast_sm and cancel_broadcast_sm. A broadcast is complete
// (message_state DELIVERED, broadcast_area_success 100 %) once the receipt delay has passed after
// its acceptance; until then it is ENROUTE at 0 %, and cancel_broadcast_sm makes it DELETED (a
// complete one cannot be cancelled, as with cancel_sm). At most config.max_broadcasts are kept,
// the oldest forgotten first; a broadcast_sm's areas are bounded by config.max_broadcast_areas.

#include <string>
#include <utility>

#include "smsc/sim_impl.hpp"

namespace aiosmpp::smsc {

namespace {

// broadcast_sm's mandatory TLVs ([oserl] BROADCAST_SM, docs/smpp-5.0.md): the four broadcast
// ones, and the content in message_payload unless a canned message (sm_default_msg_id) is named.
bool has_mandatory_tlvs(const BroadcastSmView& r) {
  return r.tlvs.contains<tlv::BroadcastAreaIdentifier>() &&
         r.tlvs.contains<tlv::BroadcastContentType>() && r.tlvs.contains<tlv::BroadcastRepNum>() &&
         r.tlvs.contains<tlv::BroadcastFrequencyInterval>() &&
         (r.sm_default_msg_id != 0 || r.tlvs.contains<tlv::MessagePayload>());
}

}  // namespace

Reply Simulator::Impl::on_broadcast(Session& s, const BroadcastSmView& r, BroadcastSmResp& resp) {
  hint(s.last_read_time());
  note_load(s, context(s));
  auto refuse = [&](CommandStatus status) {
    ++stats.broadcast_errors;
    resp.header.command_status = status;
    return Reply::now;
  };
  if (!has_mandatory_tlvs(r)) return refuse(CommandStatus::missing_optional_param);
  Broadcast b;
  for (const auto t : r.tlvs) {
    if (t.tag != tlv::BroadcastAreaIdentifier::tag) continue;
    if (b.areas.size() == config.max_broadcast_areas) {
      return refuse(CommandStatus::invalid_number_of_areas);
    }
    b.areas.emplace_back(t.value.begin(), t.value.end());
  }
  const auto delay = config.receipt_delay.fixed() ? config.receipt_delay.min
                                                  : pick_delay(config.receipt_delay, rng());
  b.done = s.last_read_time() + delay;
  while (broadcasts.size() >= config.max_broadcasts && !broadcast_order.empty()) {
    broadcasts.erase(broadcast_order.pop_front());
  }
  // Ids come from the one counter submit_sm uses, so no id names two messages.
  const std::uint64_t id = next_message_id++;
  broadcasts.emplace(id, std::move(b));
  broadcast_order.push_back(id);
  ++stats.broadcasts;
  write_message_id(resp.message_id, id);
  return Reply::now;
}

Simulator::Impl::Broadcast* Simulator::Impl::find_broadcast(std::string_view message_id) {
  const std::uint64_t id = sim_detail::parse_message_id(message_id, config.message_ids);
  auto it = broadcasts.find(id);
  return it == broadcasts.end() ? nullptr : &it->second;
}

Reply Simulator::Impl::on_query_broadcast(Session& s, const QueryBroadcastSmView& r,
                                          QueryBroadcastSmResp& resp) {
  const Broadcast* b = find_broadcast(r.message_id);
  if (b == nullptr) {
    resp.header.command_status = CommandStatus::broadcast_query_failed;
    return Reply::now;
  }
  MessageState state = MessageState::enroute;
  std::uint8_t success = 0;
  if (b->cancelled) {
    state = MessageState::deleted;
  } else if (s.last_read_time() >= b->done) {
    state = MessageState::delivered;
    success = 100;
  }
  resp.message_id = std::string(r.message_id);
  resp.tlvs.set<tlv::MessageState>(static_cast<std::uint8_t>(state));
  for (const auto& area : b->areas) {
    const auto* octets = reinterpret_cast<const std::uint8_t*>(area.data());
    resp.tlvs.add(tlv::BroadcastAreaIdentifier::tag, {octets, area.size()});
  }
  resp.tlvs.set<tlv::BroadcastAreaSuccess>(success);
  return Reply::now;
}

Reply Simulator::Impl::on_cancel_broadcast(Session& s, const CancelBroadcastSmView& r,
                                           CancelBroadcastSmResp& resp) {
  Broadcast* b = find_broadcast(r.message_id);
  if (b == nullptr || b->cancelled || s.last_read_time() >= b->done) {
    resp.header.command_status = CommandStatus::broadcast_cancel_failed;
  } else {
    b->cancelled = true;
  }
  return Reply::now;
}

}  // namespace aiosmpp::smsc
