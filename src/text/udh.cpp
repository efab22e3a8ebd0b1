#include "aiosmpp/text/udh.hpp"

#include <fmt/format.h>

namespace aiosmpp::text {

Result<UserDataHeader> parse_udh(std::span<const std::uint8_t> user_data) {
  if (user_data.empty()) {
    return TextError{TextErrc::invalid_udh, "UDHI is set but the user data is empty"};
  }
  const std::size_t udhl = user_data[0];
  if (udhl + 1 > user_data.size()) {
    return TextError{TextErrc::invalid_udh,
                     fmt::format("UDH length {} exceeds the {} octets of user data after it", udhl,
                                 user_data.size() - 1),
                     0, 0, static_cast<char32_t>(udhl)};
  }
  UserDataHeader h;
  h.length = udhl + 1;
  std::size_t i = 1;
  while (i < h.length) {
    if (i + 2 > h.length) {
      return TextError{TextErrc::invalid_udh,
                       fmt::format("UDH information element at offset {} is truncated", i), i, i};
    }
    const std::uint8_t id = user_data[i];
    const std::size_t len = user_data[i + 1];
    if (i + 2 + len > h.length) {
      return TextError{TextErrc::invalid_udh,
                       fmt::format("UDH element 0x{:02X} at offset {} has length {}, beyond the "
                                   "UDH length {}",
                                   id, i, len, udhl),
                       i, i, id};
    }
    const auto data = user_data.subspan(i + 2, len);
    h.elements.push_back({id, {data.begin(), data.end()}});
    if (id == iei::concat_8bit && len == 3) {
      Concatenation c{data[0], data[1], data[2], false};
      if (c.total > 0 && c.seqnum > 0 && c.seqnum <= c.total) h.concatenation = c;
    } else if (id == iei::concat_16bit && len == 4) {
      // The reference is two octets; aiosmpplib 0.7.4 read four and so never reassembled.
      Concatenation c{static_cast<std::uint16_t>((data[0] << 8) | data[1]), data[2], data[3], true};
      if (c.total > 0 && c.seqnum > 0 && c.seqnum <= c.total) h.concatenation = c;
    } else if (id == iei::single_shift && len == 1) {
      if (auto l = gsm7::language_from_id(data[0])) h.single_shift = *l;
    } else if (id == iei::locking_shift && len == 1) {
      if (auto l = gsm7::language_from_id(data[0]); l && gsm7::has_locking_table(*l)) {
        h.locking_shift = *l;
      }
    }
    i += 2 + len;
  }
  return h;
}

std::size_t udh_length(const std::optional<Concatenation>& concat, gsm7::Tables tables) noexcept {
  std::size_t n = 0;
  if (concat) n += concat->sixteen_bit ? 6u : 5u;
  if (tables.locking != gsm7::Language::none) n += 3;
  if (tables.single_shift != gsm7::Language::none) n += 3;
  return n == 0 ? 0 : n + 1;
}

void append_udh(std::vector<std::uint8_t>& out, const std::optional<Concatenation>& concat,
                gsm7::Tables tables) {
  const std::size_t len = udh_length(concat, tables);
  if (len == 0) return;
  out.push_back(static_cast<std::uint8_t>(len - 1));
  if (concat) {
    if (concat->sixteen_bit) {
      out.insert(
          out.end(),
          {iei::concat_16bit, 4, static_cast<std::uint8_t>(concat->reference >> 8),
           static_cast<std::uint8_t>(concat->reference & 0xFF), concat->total, concat->seqnum});
    } else {
      out.insert(out.end(), {iei::concat_8bit, 3, static_cast<std::uint8_t>(concat->reference),
                             concat->total, concat->seqnum});
    }
  }
  if (tables.single_shift != gsm7::Language::none) {
    out.insert(out.end(), {iei::single_shift, 1, static_cast<std::uint8_t>(tables.single_shift)});
  }
  if (tables.locking != gsm7::Language::none) {
    out.insert(out.end(), {iei::locking_shift, 1, static_cast<std::uint8_t>(tables.locking)});
  }
}

}  // namespace aiosmpp::text
