#pragma once

/** @file
 *  @brief PhoneNumber: an SMPP address triple (TON, NPI, address). */

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "aiosmpp/pdu/enums.hpp"
#include "aiosmpp/pdu/result.hpp"

namespace aiosmpp {

/** @brief An address triple (`*_ton`, `*_npi`, `*addr`); `Str` is std::string (owning) or
 *  std::string_view (a view into a receive buffer). */
template <class Str>
struct BasicPhoneNumber {
  /** @brief The address digits or alphanumeric sender id (C 21 in most PDUs, C 65 in data_sm). */
  Str number{};
  /** @brief Type of number (international, national, alphanumeric, ...). */
  Ton ton = Ton::unknown;
  /** @brief Numbering plan (isdn for E.164 MSISDNs, ...). */
  Npi npi = Npi::unknown;

  BasicPhoneNumber() = default;
  /** @brief TON and NPI default to unknown (0), as aiosmpplib's PhoneNumber does: it infers
   *  nothing, not even for alphanumeric senders, so pass Ton::alphanumeric yourself for a text
   *  sender id. */
  BasicPhoneNumber(Str number_, Ton ton_ = Ton::unknown, Npi npi_ = Npi::unknown)  // NOLINT
      : number(std::move(number_)), ton(ton_), npi(npi_) {}
  /** @brief The same from a C string, so `PhoneNumber("254722111111")` works. */
  BasicPhoneNumber(const char* number_, Ton ton_ = Ton::unknown,  // NOLINT
                   Npi npi_ = Npi::unknown)
      : number(number_), ton(ton_), npi(npi_) {}

  friend bool operator==(const BasicPhoneNumber&, const BasicPhoneNumber&) = default;
};

/** @brief An address that owns its number. */
using PhoneNumber = BasicPhoneNumber<std::string>;
/** @brief An address pointing into a receive buffer. */
using PhoneNumberView = BasicPhoneNumber<std::string_view>;

/** @brief Checks `number` against a C-octet-string field of `field_size` octets (the size
 *  includes the NUL, e.g. 21 for submit_sm's destination_addr): at most field_size - 1
 *  characters and no NUL. The error names `field` and carries ESME_RINVSRCADR or
 *  ESME_RINVDSTADR-like `status`. */
Result<void> validate(const PhoneNumber& address, std::size_t field_size,
                      std::string_view field = "address",
                      CommandStatus status = CommandStatus::invalid_dest_address);

}  // namespace aiosmpp
