#pragma once

/** @file
 *  @brief Rendering: a PDU whose `text` is set becomes the wire-exact PDU(s) to send (data_coding
 *  chosen, short_message or message_payload filled, UDHI and UDH or SAR TLVs added). */

#include <vector>

#include "aiosmpp/pdu/pdus.hpp"
#include "aiosmpp/text/result.hpp"
#include "aiosmpp/text/split.hpp"

namespace aiosmpp::text {

/** @brief What `render` needs besides the PDU's own MessageText. */
struct RenderOptions {
  /** @brief Custom codecs and the meaning of data_coding 0; nullptr: built-ins. */
  const CodecRegistry* registry = nullptr;
  /** @brief Concatenation references; empty: `next_reference`. */
  ReferenceGenerator reference_generator;
  /** @brief With automatic encoding, try TS 23.038 national tables (see SplitOptions). */
  bool national_languages = true;
  /** @brief Languages to try (empty: all 13). */
  std::vector<gsm7::Language> languages;
};

/** @brief The split options a MessageText asks for. */
SplitOptions split_options(const MessageText& text, const RenderOptions& options = {});

/** @brief The wire-exact submit_sm(s) for `pdu`.
 *
 *  Without `text` the PDU is returned unchanged (the application sent octets). With it, each
 *  result is a copy of `pdu` (header, tracking, addresses, TLVs) with `text` cleared and
 *  data_coding, short_message / message_payload, esm_class UDHI and the SAR TLVs set for its
 *  segment; message_payload and SAR TLVs the PDU already had are replaced. Errors as `split`. */
Result<std::vector<SubmitSm>> render(const SubmitSm& pdu, const RenderOptions& options = {});

/** @brief As for submit_sm (the simulator sends text to ESMEs this way). */
Result<std::vector<DeliverSm>> render(const DeliverSm& pdu, const RenderOptions& options = {});

/** @brief As for submit_sm. */
Result<std::vector<SubmitMulti>> render(const SubmitMulti& pdu, const RenderOptions& options = {});

/** @brief data_sm has no short_message: every segment goes in message_payload (with its UDH when
 *  UDH-split); LongMessageMode::message_payload sends one data_sm however long the text. */
Result<std::vector<DataSm>> render(const DataSm& pdu, const RenderOptions& options = {});

/** @brief replace_sm carries no data_coding (the SMSC keeps the original's) and no
 *  message_payload in 3.4, so the text must fit one short_message in an explicitly chosen
 *  encoding that matches the original submit_sm. Errors: automatic encoding
 *  (`TextErrc::invalid_argument`), a text above 254 octets (`TextErrc::too_long`). */
Result<ReplaceSm> render(const ReplaceSm& pdu, const RenderOptions& options = {});

}  // namespace aiosmpp::text
