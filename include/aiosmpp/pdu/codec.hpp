#pragma once

/** @file
 *  @brief Encoding and decoding of SMPP PDUs: every PDU of 3.4 and the broadcast PDUs of 5.0.
 *
 *  Encoding validates every field first (sizes, ranges, TLV lengths), then grows the output
 *  buffer once and writes through a pointer: on error the buffer is untouched, and when it has
 *  room nothing is allocated.
 *
 *  Whatever decode() accepts, encode() writes back byte for byte with default options: every
 *  limit the decoder applies the encoder applies too (no stricter), and the values keep every wire
 *  detail (unknown TLVs, TLV order and repeats, has_body of header-only responses). A gateway can
 *  therefore forward what it received unchanged. Stricter checks (the TLV allow-lists) are
 *  validation the caller asks for, with the same option on both sides (strict_tlvs).
 *
 *  Decoding reads one whole PDU from a contiguous span (the Framer delivers such spans), never
 *  reads outside it, and reports every malformation as a CodecError carrying the command_status
 *  the peer must be answered with. decode_view() allocates nothing: its strings and TLVs point
 *  into the span. decode() copies into owning types.
 *
 *  Rules the decoder applies (reference §1.1, §3, §5):
 *  - command_length must be 16.. max_pdu_size and equal the span's size (ESME_RINVCMDLEN);
 *    command_id must be one 3.4 or 5.0 defines, and one the peer's version has (DecodeOptions::
 *    version; ESME_RINVCMDID either way).
 *  - A mandatory field running past the end of the PDU, or a C-octet string with no NUL before
 *    it, is ESME_RINVCMDLEN (the body is shorter than its fields). A C-octet string with no NUL
 *    within its maximum size gets the field's own status (ESME_RINVDSTADR for destination_addr,
 *    ESME_RINVSYSID for system_id, ...). Time fields must be empty or 16 characters ending in
 *    '+', '-' or 'R' ("1 or 17", §7).
 *  - sm_length above 254 or past the end of the PDU is ESME_RINVMSGLEN; so is a non-empty
 *    short_message next to a message_payload TLV (§3.5).
 *  - The octets after the mandatory fields are the TLV section and must be whole TLVs: 1-3 stray
 *    octets or a TLV whose length runs past the PDU is ESME_RINVOPTPARSTREAM. So "a body longer
 *    than its fields" means a broken TLV part, except for header-only PDUs (§3.4), which have no
 *    TLV section: any body there is ESME_RINVCMDLEN.
 *  - A known TLV with a length outside its type's sizes is ESME_RINVPARLEN; a C-string TLV not
 *    ending in its only NUL is ESME_RINVOPTPARAMVAL. A known TLV a request may not carry is
 *    ESME_ROPTPARNOTALLWD (see tlv::allowed) when DecodeOptions::strict_tlvs is set, and is
 *    kept otherwise (the encoder likewise only with EncodeOptions::strict_tlvs). Unknown tags are
 *    kept byte for byte.
 *  - With strict_tlvs, a PDU whose command_status is 0 must carry the TLVs its definition
 *    requires (SMPP 5.0's broadcast_sm and query_broadcast_sm_resp: tlv::required_mask),
 *    else ESME_RMISSINGOPTPARAM.
 *  - Response PDUs with a body (bind_*_resp, submit_sm_resp, ...) may also arrive header-only
 *    (3.4 sends no body on error; some SMSCs do so on success); has_body records which.
 *
 *  SMPP versions (docs/smpp-5.0.md). Both option structs carry the version the peer speaks,
 *  5.0 by default (everything the codec knows). A session that negotiated 3.4 passes it: the
 *  encoder then refuses a 5.0 command (CodecProblem::command_not_in_version, ESME_RINVCMDID) and
 *  refuses or drops a 5.0 TLV (EncodeOptions::newer_tlvs), so one call enforces "a 3.4 peer never
 *  sees a 5.0 TLV"; the decoder answers a 5.0 command as an unknown one. A peer below 3.4 (3.3
 *  and earlier) is sent no TLV at all (reference §5.1). */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/pdu/result.hpp"

namespace aiosmpp {

/** @brief The size of the SMPP header. */
inline constexpr std::size_t pdu_header_size = 16;
/** @brief The default maximum PDU size: a 64 KiB body plus the header. */
inline constexpr std::size_t default_max_pdu_size = 64 * 1024 + 16;

/** @brief Decoder settings. */
struct DecodeOptions {
  /** Largest command_length accepted (ESME_RINVCMDLEN / errc::pdu_too_large above it). */
  std::size_t max_pdu_size = default_max_pdu_size;
  /** Reject a known TLV that the request's definition does not list (ESME_ROPTPARNOTALLWD).
   *  Off by default: SMSCs in the field add TLVs the spec does not list for a PDU (for example
   *  source_network_type and dest_network_type on delivery receipts), and refusing them would
   *  refuse the message. Unknown tags are kept either way; lengths and values of known TLVs are
   *  always checked. With it, a PDU also must carry the TLVs it requires (ESME_RMISSINGOPTPARAM),
   *  and the lists are those of `version`, where a TLV that version does not define counts as
   *  unknown. */
  bool strict_tlvs = false;
  /** The version the peer speaks (the session's negotiated one). A command newer than it is
   *  refused as unknown (ESME_RINVCMDID, CodecProblem::command_not_in_version, answered with
   *  generic_nack). TLVs are checked and kept whatever their version. */
  InterfaceVersion version = InterfaceVersion::smpp_5_0;
};

/** @brief What the encoder does with a known TLV that the peer's version does not define (a 5.0
 *  TLV for a 3.4 peer, any TLV for a 3.3 one). */
enum class NewerTlvs : std::uint8_t {
  refuse,  ///< fail with CodecProblem::tlv_not_in_version (ESME_ROPTPARNOTALLWD), naming the TLV
  drop,    ///< leave it out of the encoding, writing the rest as it is
};

/** @brief Encoder settings. The defaults write back whatever decode() accepted with its
 *  defaults, byte for byte.
 *
 *  A session that negotiated 3.4 encodes with `{.version = InterfaceVersion::smpp_3_4}` (refuse)
 *  or `{.version = InterfaceVersion::smpp_3_4, .newer_tlvs = NewerTlvs::drop}`: the peer never
 *  sees a 5.0 TLV or command. */
struct EncodeOptions {
  /** Refuse a known TLV that a request's definition (in `version`) does not list
   *  (ESME_ROPTPARNOTALLWD, CodecProblem::tlv_not_allowed), and a PDU with command_status 0
   *  missing a TLV it requires (ESME_RMISSINGOPTPARAM, CodecProblem::tlv_missing): validation for
   *  PDUs built by the application. Off by default, so that a PDU received from a peer (which the
   *  lenient decoder kept) can be forwarded as it came; responses may carry any TLV either way. */
  bool strict_tlvs = false;
  /** The version the peer speaks (the session's negotiated one; 5.0 by default, which lets
   *  everything through). A command newer than it is refused (errc::unknown_command,
   *  ESME_RINVCMDID, CodecProblem::command_not_in_version); a known TLV newer than it is refused
   *  or dropped as `newer_tlvs` says. */
  InterfaceVersion version = InterfaceVersion::smpp_5_0;
  /** What to do with a known TLV newer than `version`. */
  NewerTlvs newer_tlvs = NewerTlvs::refuse;
};

/** @brief The four header fields, read without validation. */
struct RawHeader {
  /** @brief Total PDU size in octets, header included. */
  std::uint32_t command_length = 0;
  /** @brief The command, possibly one the codec does not know. */
  CommandId command_id = CommandId::generic_nack;
  /** @brief The status (0 in requests). */
  CommandStatus command_status = CommandStatus::ok;
  /** @brief The sequence number that pairs a response with its request. */
  std::uint32_t sequence_number = 0;
};

/** @brief The header of `bytes`, or nullopt when fewer than 16 octets are given. Useful to answer
 *  an undecodable PDU with a generic_nack or _resp carrying its sequence_number. */
std::optional<RawHeader> read_header(std::span<const std::uint8_t> bytes) noexcept;

/** @brief Decodes exactly one PDU (`bytes.size()` must equal its command_length) into an owning
 *  Pdu. */
Result<Pdu> decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

/** @brief Decodes exactly one PDU into a PduView pointing into `bytes`. Allocates nothing. */
Result<PduView> decode_view(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

/** @brief Whether `id` is a response whose body is a message_id and TLVs: submit_sm_resp,
 *  deliver_sm_resp, data_sm_resp and (5.0) broadcast_sm_resp, query_broadcast_sm_resp. */
constexpr bool has_message_id_body(CommandId id) noexcept {
  return id == CommandId::submit_sm_resp || id == CommandId::deliver_sm_resp ||
         id == CommandId::data_sm_resp || id == CommandId::broadcast_sm_resp ||
         id == CommandId::query_broadcast_sm_resp;
}

/** @brief A message_id response (has_message_id_body()) as views into its octets: what a
 *  sender's hot path reads of each response, with nothing else built. */
struct MessageIdResponseView {
  /** @brief The header as read. */
  RawHeader header;
  /** @brief False: header only (3.4's error form). */
  bool has_body = true;
  /** @brief The SMSC's identifier of the message (empty without a body). */
  std::string_view message_id;
  /** @brief The TLVs, each already checked as decode_view() checks them. */
  TlvsView tlvs;
};

/** @brief Reads a message_id response by decode_view()'s rules, without building a PduView:
 *  it fails exactly when decode_view() fails, with the same CodecError, and otherwise holds what
 *  decode_view()'s alternative holds. A PDU of any other command_id fails with
 *  errc::unknown_command (CodecProblem::unknown_command_id, field "command_id"): check
 *  has_message_id_body() first. Allocates nothing. */
Result<MessageIdResponseView> decode_message_id_response(std::span<const std::uint8_t> bytes,
                                                         const DecodeOptions& options = {});

/** @brief Appends `pdu`'s encoding to `out` (any owning or view PDU type). */
#define AIOSMPP_DECLARE_CODEC(Owning, View, O, V)                                         \
  Result<void> encode(const Owning& pdu, std::vector<std::uint8_t>& out,                  \
                      const EncodeOptions& options = {});                                 \
  Result<void> encode(const View& pdu, std::vector<std::uint8_t>& out,                    \
                      const EncodeOptions& options = {});                                 \
  Result<std::size_t> encoded_size(const Owning& pdu, const EncodeOptions& options = {}); \
  Result<std::size_t> encoded_size(const View& pdu, const EncodeOptions& options = {});   \
  Owning to_owning(const View& pdu);
AIOSMPP_PDU_LIST(AIOSMPP_DECLARE_CODEC)
#undef AIOSMPP_DECLARE_CODEC

/** @brief Appends the encoding of whichever PDU `pdu` holds. */
Result<void> encode(const Pdu& pdu, std::vector<std::uint8_t>& out,
                    const EncodeOptions& options = {});
/** @brief The same for a view. */
Result<void> encode(const PduView& pdu, std::vector<std::uint8_t>& out,
                    const EncodeOptions& options = {});
/** @brief The validated size of `pdu`'s encoding (command_length). */
Result<std::size_t> encoded_size(const Pdu& pdu, const EncodeOptions& options = {});
/** @brief The same for a view. */
Result<std::size_t> encoded_size(const PduView& pdu, const EncodeOptions& options = {});

/** @brief Copies a view into owning storage (tracking and text empty). */
Pdu to_owning(const PduView& pdu);

/** @brief The PDU to send back for a PDU that failed to decode, or nullopt when none is due.
 *
 *  - A broken header (command_length out of range, a command_id 3.4 does not define, requests and
 *    responses alike) gets a generic_nack with that status and the offending sequence_number (0
 *    when unreadable), reference §1.1; so does a request whose body is shorter or longer than
 *    its fields (ESME_RINVCMDLEN).
 *  - Any other failure in a request gets the request's own _resp carrying the error's status and
 *    no body (e.g. submit_sm_resp ESME_RINVDSTADR), reference §1.1 and §4.
 *  - Known responses (whatever is wrong in their body), generic_nack, outbind and
 *    alert_notification are never answered: nullopt. */
std::optional<Pdu> error_response(const CodecError& error);

}  // namespace aiosmpp
