#pragma once

// The simulator's receipt writer: one implementation of the receipt a simulator sends (the
// Appendix B text, the receipted_message_id and message_state TLVs), used by the public
// make_receipt() and by the simulator's hot path. It builds a DeliverSmView whose strings point
// into the builder's own buffers, so a receipt costs no allocation: the session encodes the view
// straight into its write buffer.

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/smsc/simulator.hpp"

namespace aiosmpp::smsc::sim_detail {

/** What one receipt says. Addresses are the receipt's own (the submit's swapped). */
struct ReceiptFields {
  std::string_view tlv_id;   // receipted_message_id (the id as submit_sm_resp gave it)
  std::string_view text_id;  // `id:` in the text
  PhoneNumberView source;
  PhoneNumberView destination;
  std::chrono::system_clock::time_point submitted;
  std::chrono::system_clock::time_point done;
  text::DeliveryState state = text::DeliveryState::delivered;
  std::string_view intermediate_stat;  // ENROUTE, BUFFRED; empty: a final receipt
  std::string_view text;               // the start of the original text
};

class ReceiptBuilder {
 public:
  /** The receipt in `style`; valid until the next build(). */
  DeliverSmView build(const ReceiptFields& f, ReceiptStyle style);

 private:
  // YYMMDDhhmm of `t` (UTC), cached per minute: receipts come in bursts within one minute.
  std::string_view date(std::chrono::system_clock::time_point t, int slot);

  std::array<char, 254> text_{};
  std::array<std::uint8_t, 4 + 65 + 4 + 1> tlvs_{};
  std::array<std::array<char, 10>, 2> dates_{};
  std::array<std::int64_t, 2> date_minute_{-1, -1};
};

/** A deliver_sm address held inline (at most 20 characters: C 21). */
struct ReceiptAddress {
  std::array<char, 20> digits{};
  std::uint8_t size = 0;
  Ton ton = Ton::unknown;
  Npi npi = Npi::unknown;

  /** False when `v` is longer than a deliver_sm address may be. */
  bool assign(const PhoneNumberView& v) noexcept;
  PhoneNumberView view() const noexcept {
    return PhoneNumberView(std::string_view(digits.data(), size), ton, npi);
  }
};

/** Writes `id` as `format` asks for the response (`in_receipt` false) or the receipt text. */
std::string_view format_message_id(std::uint64_t id, MessageIdFormat format, bool in_receipt,
                                   std::array<char, 24>& buffer) noexcept;

/** Parses a message id written for responses in `format`; 0 when it is not one. */
std::uint64_t parse_message_id(std::string_view text, MessageIdFormat format) noexcept;

}  // namespace aiosmpp::smsc::sim_detail
