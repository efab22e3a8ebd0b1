#pragma once

/** @file
 *  @brief Decoding the user data of a received message (deliver_sm / data_sm): UDH stripped,
 *  national language shift IEs honoured, text decoded by data_coding. */

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/result.hpp"
#include "aiosmpp/text/udh.hpp"

namespace aiosmpp::text {

/** @brief How received user data is decoded. */
struct TextDecodeOptions {
  const CodecRegistry* registry = nullptr;  ///< nullptr: built-ins (data_coding 0 = GSM 03.38)
  /** @brief Received text is usually shown rather than rejected: replace by default (`?` for
   *  what does not decode); ignore drops it; strict fails. */
  ErrorMode errors = ErrorMode::replace;
};

/** @brief Received user data, decoded. */
struct DecodedUserData {
  std::string text;                   ///< UTF-8 (for binary codecs: the octets as they are)
  std::optional<UserDataHeader> udh;  ///< when UDHI was set
  /** @brief The codec that decoded it ("gsm0338", "ucs2", ...). */
  std::string_view codec_name;
};

/** @brief Decodes `user_data` (short_message or message_payload) sent with `data_coding`.
 *
 *  With `udhi` the UDH is parsed and skipped; its 0x24/0x25 IEs select the national tables for
 *  GSM 03.38, and for a packed default alphabet the fill bits after it are skipped. Errors: a
 *  malformed UDH, an unknown data_coding, undecodable text in strict mode. */
Result<DecodedUserData> decode_user_data(std::span<const std::uint8_t> user_data,
                                         std::uint8_t data_coding, bool udhi,
                                         const TextDecodeOptions& options = {});

}  // namespace aiosmpp::text
