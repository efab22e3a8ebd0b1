#pragma once

/** @file
 *  @brief MessageText: UTF-8 text a PDU should carry, rendered into wire octets by the message
 *  layer (`text::render`). The codec never reads it (docs/architecture.md). */

#include <cstdint>
#include <string>

namespace aiosmpp {

/** @brief How the message layer encodes MessageText::utf8. */
enum class TextEncoding : std::uint8_t {
  automatic,     ///< the default alphabet if the text fits it, else UCS2 (the default)
  smsc_default,  ///< data_coding 0, with whatever codec "SMSC default" is configured to mean
  gsm7,          ///< GSM 03.38 unpacked, data_coding 0
  gsm7_packed,   ///< GSM 03.38 packed septets, data_coding 0
  ascii,         ///< IA5, data_coding 1
  latin1,        ///< ISO-8859-1, data_coding 3
  ucs2,          ///< UTF-16BE, data_coding 8
  custom         ///< a user-registered codec for data_coding `custom_data_coding`
};

/** @brief How the message layer sends text too long for one short_message. */
enum class LongMessageMode : std::uint8_t {
  message_payload,  ///< whole text in the message_payload TLV when it exceeds 254 octets (default)
  udh8,             ///< split, concatenation UDH with an 8-bit reference
  udh16,            ///< split, concatenation UDH with a 16-bit reference
  sar               ///< split, sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs
};

/** @brief What a codec does with characters it cannot encode, or octets it cannot decode.
 *
 *  `strict` fails, naming the character (or octet) and its position; `replace` writes a
 *  replacement (a look-alike where GSM 03.38 has one, else `?`); `ignore` drops it (aiosmpplib's
 *  and Python's "ignore"). A custom codec that predates `ignore` receives `replace` instead
 *  unless it says it handles ignore (`text::Codec::supports_ignore`). */
enum class ErrorMode : std::uint8_t { strict, replace, ignore };

/** @brief Text the application wants sent, with how to encode it and how to send it when long. */
struct MessageText {
  /** @brief The text, UTF-8 (invalid UTF-8 is an error when rendering). */
  std::string utf8;
  /** @brief How to encode it; `automatic` lets the library choose
   *  (EsmeConfig::default_encoding). */
  TextEncoding encoding = TextEncoding::automatic;
  /** @brief The data_coding of the registered codec to use when encoding is `custom`. */
  std::uint8_t custom_data_coding = 0;
  /** @brief How to send a text that does not fit one short_message (254 octets). */
  LongMessageMode long_message = LongMessageMode::message_payload;
  /** @brief What to do with characters the encoding cannot hold: fail (naming the character and
   *  its position), write a replacement (`?`), or drop them. */
  ErrorMode errors = ErrorMode::strict;

  friend bool operator==(const MessageText&, const MessageText&) = default;
};

}  // namespace aiosmpp
