#pragma once

/** @file
 *  @brief Choosing an encoding and splitting a text into what submit_sm PDUs carry: a single
 *  short_message, the message_payload TLV, UDH-concatenated segments or SAR segments. Also the
 *  segment-count API a sending UI shows. */

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "aiosmpp/text/codec.hpp"
#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/result.hpp"
#include "aiosmpp/text/udh.hpp"

namespace aiosmpp::text {

/** @brief Which codec encodes the text (mirrors `TextEncoding` of the PDU layer, plus binary). */
enum class Encoding : std::uint8_t {
  automatic,     ///< the SMSC default alphabet if the text fits it, else UCS2 (or, when enabled
                 ///< and cheaper, GSM 03.38 with national language tables)
  smsc_default,  ///< data_coding 0 with the registry's default alphabet
  gsm7,          ///< GSM 03.38 unpacked, data_coding 0
  gsm7_packed,   ///< GSM 03.38 packed septets, data_coding 0
  ascii,         ///< IA5, data_coding 1
  latin1,        ///< ISO-8859-1, data_coding 3
  ucs2,          ///< UTF-16BE, data_coding 8
  binary,        ///< the string's octets as they are, data_coding 4
  custom         ///< the registry's codec for `SplitOptions::custom_data_coding`
};

/** @brief Lower-case name: "auto", "smsc_default", "gsm7", "gsm7_packed", "ascii", "latin1",
 *  "ucs2", "binary", "custom". */
std::string_view encoding_name(Encoding encoding) noexcept;

/** @brief The encoding a name means: the `encoding_name` spellings plus "gsm" (= gsm7) and
 *  "automatic"; nullopt for anything else. For command lines and configuration. */
std::optional<Encoding> encoding_from_name(std::string_view name) noexcept;

/** @brief How a text longer than one message is sent. */
enum class LongMessage : std::uint8_t {
  message_payload,  ///< whole text in short_message up to 254 octets, else in the message_payload
                    ///< TLV (aiosmpplib's auto_message_payload=True; the default)
  udh8,             ///< split, concatenation UDH IE 0x00 with an 8-bit reference
  udh16,            ///< split, concatenation UDH IE 0x08 with a 16-bit reference
  sar,              ///< split, sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs
  none              ///< one short_message or `TextErrc::too_long` above 254 octets
                    ///< (aiosmpplib's auto_message_payload=False)
};

/** @brief Lower-case name: "payload", "udh8", "udh16", "sar", "none". */
std::string_view long_message_name(LongMessage mode) noexcept;

/** @brief The mode a name means: the `long_message_name` spellings plus "message_payload";
 *  nullopt for anything else. */
std::optional<LongMessage> long_message_from_name(std::string_view name) noexcept;

/** @brief Supplies concatenation reference numbers; 8-bit UDH uses the low octet. */
using ReferenceGenerator = std::function<std::uint16_t()>;

/** @brief The default generator: a process-wide atomic counter starting at a random value. */
std::uint16_t next_reference() noexcept;

/** @brief What to encode with and how to send a long text. */
struct SplitOptions {
  /** @brief The encoding; automatic: the default alphabet if the text fits, else UCS2. */
  Encoding encoding = Encoding::automatic;
  std::uint8_t custom_data_coding = 0;  ///< for Encoding::custom
  /** @brief How to send a text over one segment. */
  LongMessage long_message = LongMessage::message_payload;
  /** @brief Unencodable characters: fail (strict), a replacement (replace) or dropped (ignore). */
  ErrorMode errors = ErrorMode::strict;
  /** @brief National language tables for explicit gsm7/gsm7_packed (signalled in the UDH). */
  gsm7::Tables tables{};
  /** @brief With Encoding::automatic, use TS 23.038 national tables when they take fewer parts
   *  than UCS2. Applies when the message is UDH-split (udh8/udh16) or fits one SMS. */
  bool national_languages = true;
  /** @brief Languages to try (empty: all 13). */
  std::vector<gsm7::Language> languages;
  /** @brief A fixed reference number (else `reference_generator`, else `next_reference`). */
  std::optional<std::uint16_t> reference;
  /** @brief Supplies references when `reference` is empty; empty: next_reference. */
  ReferenceGenerator reference_generator;
  /** @brief The codec registry (custom codecs, meaning of data_coding 0); nullptr: built-ins. */
  const CodecRegistry* registry = nullptr;
};

/** @brief SAR TLV values of one segment. */
struct SarValues {
  /** @brief sar_msg_ref_num. */
  std::uint16_t reference = 0;
  /** @brief sar_total_segments. */
  std::uint8_t total = 0;
  /** @brief sar_segment_seqnum, 1-based. */
  std::uint8_t seqnum = 0;
  friend bool operator==(const SarValues&, const SarValues&) = default;
};

/** @brief One PDU's user data. */
struct Segment {
  std::vector<std::uint8_t> bytes;  ///< UDH (if any) then the encoded text, as sent on the wire
  std::size_t udh_length = 0;       ///< octets of UDH at the start of `bytes`
  std::size_t units = 0;            ///< text units in this segment (see `Unit`)
  std::optional<Concatenation> concatenation;  ///< udh8/udh16 segments
  std::optional<SarValues> sar;                ///< sar segments
};

/** @brief The result of `split`: everything a PDU builder needs. */
struct SplitResult {
  Encoding encoding = Encoding::gsm7;  ///< resolved (never automatic or smsc_default unless the
                                       ///< default alphabet is a custom codec)
  /** @brief The data_coding to send. */
  std::uint8_t data_coding = 0;
  /** @brief The codec's name ("gsm0338", "ucs2", ...). */
  std::string_view codec_name;
  gsm7::Tables tables{};  ///< national tables in use (GSM 03.38 only)
  /** @brief What a text unit is for this encoding. */
  Unit unit = Unit::septet;
  /** @brief How the text was sent. */
  LongMessage long_message = LongMessage::message_payload;
  bool message_payload = false;  ///< the single segment goes in the message_payload TLV
  bool udhi = false;             ///< set esm_class UDHI (0x40): the segments start with a UDH
  std::size_t total_units = 0;   ///< text units of the whole message
  /** @brief One per PDU, in order. */
  std::vector<Segment> segments;
};

/** @brief Encodes and splits `utf8` as `options` say.
 *
 *  Segment capacity (units): GSM 160 / 153 (8-bit UDH) / 152 (16-bit UDH), octets 140 / 134 / 133,
 *  UCS2 70 / 67 / 66, less what national language IEs take. An escape pair or a surrogate pair is
 *  never split. Errors: invalid UTF-8, unencodable characters in strict mode (explicit
 *  encodings), unknown custom data_coding, more than 255 segments, a message_payload above 65535
 *  octets, or above 254 octets with LongMessage::none. */
Result<SplitResult> split(std::string_view utf8, const SplitOptions& options = {});

/** @brief What a sending UI shows for a text. */
struct SegmentCount {
  Encoding encoding = Encoding::gsm7;  ///< as `SplitResult::encoding`
  /** @brief The data_coding it would be sent with. */
  std::uint8_t data_coding = 0;
  /** @brief National tables in use (GSM 03.38 only). */
  gsm7::Tables tables{};
  /** @brief What a text unit is for this encoding. */
  Unit unit = Unit::septet;
  std::size_t units = 0;        ///< text units of the whole message
  std::size_t segments = 0;     ///< SMS parts the handset receives (and the operator bills)
  std::size_t per_segment = 0;  ///< capacity of one part in units (single or concatenated)
  std::size_t remaining = 0;    ///< units still free in the last part
  std::size_t pdus = 0;         ///< submit_sm PDUs the options produce
};

/** @brief Counts parts for `utf8` without building them. With message_payload or none the SMSC
 *  splits, so parts are counted as it would (8-bit concatenation UDH). Same errors as `split`. */
Result<SegmentCount> count_segments(std::string_view utf8, const SplitOptions& options = {});

}  // namespace aiosmpp::text
