#include "smsc/sim_receipt.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "aiosmpp/text/receipt.hpp"
#include "pdu/wire.hpp"

namespace aiosmpp::smsc::sim_detail {

std::string_view ReceiptBuilder::date(std::chrono::system_clock::time_point t, int slot) {
  using namespace std::chrono;
  const auto minute = floor<minutes>(t).time_since_epoch().count();
  auto& out = dates_[static_cast<std::size_t>(slot)];
  if (date_minute_[static_cast<std::size_t>(slot)] != minute) {
    // Appendix B gives no time zone; the simulator reports UTC.
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss tod{floor<minutes>(t) - day};
    fmt::format_to_n(out.data(), out.size(), "{:02}{:02}{:02}{:02}{:02}",
                     static_cast<int>(ymd.year()) % 100, static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), tod.hours().count(), tod.minutes().count());
    date_minute_[static_cast<std::size_t>(slot)] = minute;
  }
  return {out.data(), out.size()};
}

DeliverSmView ReceiptBuilder::build(const ReceiptFields& f, ReceiptStyle style) {
  DeliverSmView d;
  d.source = f.source;
  d.destination = f.destination;
  d.esm_class = EsmClass::delivery_receipt;
  d.registered_delivery = RegisteredDelivery::none;
  d.data_coding = DataCoding::smsc_default;
  const bool intermediate = !f.intermediate_stat.empty();
  if (style != ReceiptStyle::tlv) {
    const bool delivered = !intermediate && f.state == text::DeliveryState::delivered;
    const std::string_view stat = intermediate ? f.intermediate_stat : text::stat_word(f.state);
    const auto text = f.text.substr(0, std::min<std::size_t>(f.text.size(), 20));
    // Appendix B: "id:{} sub:001 dlvrd:{:03} submit date:{} done date:{} stat:{} err:{:03}
    // text:{}", written piece by piece (a format string parsed per receipt was a tenth of the
    // simulator's time with receipts on).
    char* out = text_.data();
    char* const end = out + text_.size();
    auto put = [&out, end](std::string_view piece) {
      const std::size_t n =
          std::min<std::size_t>(piece.size(), static_cast<std::size_t>(end - out));
      std::memcpy(out, piece.data(), n);
      out += n;
    };
    put("id:");
    put(f.text_id);
    put(delivered ? " sub:001 dlvrd:001 submit date:" : " sub:001 dlvrd:000 submit date:");
    put(date(f.submitted, 0));
    put(" done date:");
    put(date(f.done, 1));
    put(" stat:");
    put(stat);
    put(intermediate || delivered ? " err:000 text:" : " err:001 text:");
    put(text);
    d.short_message = std::string_view(text_.data(), static_cast<std::size_t>(out - text_.data()));
  }
  if (style != ReceiptStyle::text) {
    std::uint8_t* p = tlvs_.data();
    const auto id = f.tlv_id.substr(0, std::min<std::size_t>(f.tlv_id.size(), 64));
    p = aiosmpp::detail::store16(p, tlv::ReceiptedMessageId::tag);
    p = aiosmpp::detail::store16(p, id.size() + 1);
    std::memcpy(p, id.data(), id.size());
    p += id.size();
    *p++ = 0;
    // An intermediate receipt carries no message_state: the state it reports is not final.
    if (!intermediate) {
      p = aiosmpp::detail::store16(p, tlv::MessageState::tag);
      p = aiosmpp::detail::store16(p, 1);
      *p++ = static_cast<std::uint8_t>(f.state);
    }
    d.tlvs = TlvsView(std::span<const std::uint8_t>(tlvs_.data(), p));
  }
  return d;
}

bool ReceiptAddress::assign(const PhoneNumberView& v) noexcept {
  if (v.number.size() > digits.size()) return false;
  std::memcpy(digits.data(), v.number.data(), v.number.size());
  size = static_cast<std::uint8_t>(v.number.size());
  ton = v.ton;
  npi = v.npi;
  return true;
}

std::string_view format_message_id(std::uint64_t id, MessageIdFormat format, bool in_receipt,
                                   std::array<char, 24>& buffer) noexcept {
  bool hex = format == MessageIdFormat::hex;
  if (format == MessageIdFormat::hex_in_response) hex = !in_receipt;
  if (format == MessageIdFormat::hex_in_receipt) hex = in_receipt;
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), id, hex ? 16 : 10);
  return {buffer.data(), static_cast<std::size_t>(r.ptr - buffer.data())};
}

std::uint64_t parse_message_id(std::string_view text, MessageIdFormat format) noexcept {
  const int base =
      format == MessageIdFormat::hex || format == MessageIdFormat::hex_in_response ? 16 : 10;
  std::uint64_t id = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id, base);
  if (ec != std::errc{} || p != text.data() + text.size()) return 0;
  return id;
}

}  // namespace aiosmpp::smsc::sim_detail
