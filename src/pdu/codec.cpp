#include "aiosmpp/pdu/codec.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pdu/decoder.hpp"
#include "pdu/encoder.hpp"
#include "pdu/wire.hpp"

namespace aiosmpp {
namespace {

using detail::load32;
using detail::store32;
using detail::codec::Context;
using detail::codec::Copier;
using detail::codec::Reader;
using detail::codec::Sizer;
using detail::codec::Writer;

// ---- entry points -----------------------------------------------------------------------------

template <class P>
Context encode_context(const P& pdu, const EncodeOptions& options) noexcept {
  Context c{P::command_id, pdu.header.sequence_number, true};
  c.version = options.version;
  // Only a peer older than 5.0 can lack a TLV the codec knows.
  const bool older = !version_has(options.version, InterfaceVersion::smpp_5_0);
  c.refuse_newer = older && options.newer_tlvs == NewerTlvs::refuse;
  c.drop_newer = older && options.newer_tlvs == NewerTlvs::drop;
  if (options.strict_tlvs) {
    c.check_allowed = !is_response(P::command_id);
    c.allowed = tlv::allowed_mask(P::command_id, options.version);
    if (pdu.header.command_status == CommandStatus::ok)
      c.required = tlv::required_mask(P::command_id);
  }
  return c;
}

template <class P>
Context decode_context(const RawHeader& h, const DecodeOptions& options) noexcept {
  Context c{P::command_id, h.sequence_number, true};
  c.version = options.version;
  if (options.strict_tlvs) {
    c.check_allowed = !is_response(P::command_id);
    c.allowed = tlv::allowed_mask(P::command_id, options.version);
    if (h.command_status == CommandStatus::ok) c.required = tlv::required_mask(P::command_id);
  }
  return c;
}

// A command the peer's version does not define: refused by the encoder, and by the decoder
// treated as a command_id it does not know (generic_nack ESME_RINVCMDID, reference §1.1).
CodecError command_version_error(errc e, CommandId id, std::uint32_t sequence_number,
                                 InterfaceVersion version) noexcept {
  CodecError err;
  err.error = e;
  err.status = CommandStatus::invalid_command_id;
  err.problem = CodecProblem::command_not_in_version;
  err.command_id = id;
  err.sequence_known = true;
  err.sequence_number = sequence_number;
  err.field = "command_id";
  err.size = static_cast<std::uint32_t>(id);
  err.limit = static_cast<std::uint8_t>(version);
  return err;
}

template <class P>
constexpr bool newer_than_3_4 = since_version(P::command_id) != InterfaceVersion::smpp_3_4;

template <class P>
Result<std::size_t> size_of(const P& pdu, const EncodeOptions& options) noexcept {
  if constexpr (newer_than_3_4<P>) {
    if (!version_has(options.version, since_version(P::command_id))) {
      return command_version_error(errc::unknown_command, P::command_id, pdu.header.sequence_number,
                                   options.version);
    }
  }
  static const P defaults{};
  const Context context = encode_context(pdu, options);
  Sizer s(context);
  P::fields(s, pdu, defaults);
  if (s.failed()) return s.error();
  if (s.size > 0xFFFFFFFFU) {
    CodecError e;
    e.error = errc::invalid_field;
    e.status = CommandStatus::invalid_command_length;
    e.problem = CodecProblem::pdu_too_large;
    e.command_id = P::command_id;
    e.sequence_known = true;
    e.sequence_number = pdu.header.sequence_number;
    e.field = "command_length";
    e.size = s.size;
    e.limit = 0xFFFFFFFFU;
    return e;
  }
  return s.size;
}

template <class P>
Result<void> encode_impl(const P& pdu, std::vector<std::uint8_t>& out,
                         const EncodeOptions& options) {
  const auto n = size_of(pdu, options);
  if (!n.has_value()) return n.error();
  const std::size_t old = out.size();
  out.resize(old + *n);
  std::uint8_t* p = out.data() + old;
  p = store32(p, static_cast<std::uint32_t>(*n));
  p = store32(p, static_cast<std::uint32_t>(P::command_id));
  p = store32(p, static_cast<std::uint32_t>(pdu.header.command_status));
  p = store32(p, pdu.header.sequence_number);
  std::optional<InterfaceVersion> drop_before;
  if (options.newer_tlvs == NewerTlvs::drop &&
      !version_has(options.version, InterfaceVersion::smpp_5_0)) {
    drop_before = options.version;
  }
  Writer w(p, drop_before);
  P::fields(w, pdu);
  return {};
}

// Reads `pdu`'s body (its header already checked): nullopt, or why it is malformed.
template <class P>
std::optional<CodecError> read_body(const RawHeader& h, std::span<const std::uint8_t> bytes,
                                    const DecodeOptions& options, P& pdu) {
  if constexpr (newer_than_3_4<P>) {
    if (!version_has(options.version, since_version(P::command_id))) {
      return command_version_error(errc::unknown_command, P::command_id, h.sequence_number,
                                   options.version);
    }
  }
  pdu.header.command_status = h.command_status;
  pdu.header.sequence_number = h.sequence_number;
  const Context context = decode_context<P>(h, options);
  Reader r(context, bytes.data() + pdu_header_size, bytes.data() + bytes.size());
  P::fields(r, pdu);
  r.trailing();
  if (r.failed()) return r.error();
  return std::nullopt;
}

template <class P, class Out>
Result<Out> decode_body(const RawHeader& h, std::span<const std::uint8_t> bytes,
                        const DecodeOptions& options) {
  // Built in place and returned by name, so a view is never copied on its way out.
  Result<Out> result(std::in_place, std::in_place_type<P>);
  if (auto e = read_body(h, bytes, options, *std::get_if<P>(&*result))) result = *e;
  return result;
}

CodecError header_error(errc e, CommandStatus status, CodecProblem problem, std::string_view field,
                        std::size_t size, std::size_t limit) noexcept {
  CodecError err;
  err.error = e;
  err.status = status;
  err.problem = problem;
  err.field = field;
  err.size = size;
  err.limit = limit;
  return err;
}

// The header checks every decode starts with (reference §1.1): command_length against the
// span and the limit. The command_id is left to the caller.
Result<RawHeader> checked_header(std::span<const std::uint8_t> bytes,
                                 const DecodeOptions& options) noexcept {
  if (bytes.size() < 4) {
    return header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                        CodecProblem::length_mismatch, "command_length", bytes.size(),
                        pdu_header_size);
  }
  const std::uint32_t length = load32(bytes.data());
  if (length < pdu_header_size) {
    return header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                        CodecProblem::command_length_too_small, "command_length", length,
                        pdu_header_size);
  }
  if (length > options.max_pdu_size || length != bytes.size()) {
    auto e =
        length > options.max_pdu_size
            ? header_error(errc::pdu_too_large, CommandStatus::invalid_command_length,
                           CodecProblem::command_length_too_large, "command_length", length,
                           options.max_pdu_size)
            : header_error(errc::malformed_pdu, CommandStatus::invalid_command_length,
                           CodecProblem::length_mismatch, "command_length", bytes.size(), length);
    if (bytes.size() >= pdu_header_size) {
      e.command_id = static_cast<CommandId>(load32(bytes.data() + 4));
      e.sequence_known = true;
      e.sequence_number = load32(bytes.data() + 12);
    }
    return e;
  }
  return RawHeader{length, static_cast<CommandId>(load32(bytes.data() + 4)),
                   static_cast<CommandStatus>(load32(bytes.data() + 8)), load32(bytes.data() + 12)};
}

CodecError unknown_command_error(const RawHeader& h) noexcept {
  auto e = header_error(errc::unknown_command, CommandStatus::invalid_command_id,
                        CodecProblem::unknown_command_id, "command_id",
                        static_cast<std::uint32_t>(h.command_id), 0);
  e.command_id = h.command_id;
  e.sequence_known = true;
  e.sequence_number = h.sequence_number;
  return e;
}

template <bool View>
auto decode_impl(std::span<const std::uint8_t> bytes, const DecodeOptions& options)
    -> Result<std::conditional_t<View, PduView, Pdu>> {
  using Out = std::conditional_t<View, PduView, Pdu>;
  const auto header = checked_header(bytes, options);
  if (!header) return header.error();
  const RawHeader& h = *header;
  switch (h.command_id) {
#define AIOSMPP_DECODE_CASE(Owning, ViewT, O, V)          \
  case Owning::command_id:                                \
    if constexpr (View) {                                 \
      return decode_body<ViewT, Out>(h, bytes, options);  \
    } else {                                              \
      return decode_body<Owning, Out>(h, bytes, options); \
    }
    AIOSMPP_PDU_LIST(AIOSMPP_DECODE_CASE)
#undef AIOSMPP_DECODE_CASE
  }
  return unknown_command_error(h);
}

template <class P>
Result<MessageIdResponseView> message_id_response(const RawHeader& h,
                                                  std::span<const std::uint8_t> bytes,
                                                  const DecodeOptions& options) {
  // Nearly every response is a message_id alone (or, on error, no body): read without the
  // Reader, by the same rule (its NUL within the field's 65 octets, nothing after it). TLVs, a
  // version check or strict_tlvs' required TLVs take the Reader.
  if constexpr (!newer_than_3_4<P>) {
    const auto body = bytes.subspan(pdu_header_size);
    if (body.empty()) return MessageIdResponseView{h, false, {}, {}};
    if (!options.strict_tlvs && body.size() <= 65 &&
        std::memchr(body.data(), 0, body.size()) == &body.back()) {
      return MessageIdResponseView{
          h,
          true,
          std::string_view(reinterpret_cast<const char*>(body.data()), body.size() - 1),
          {}};
    }
  }
  P pdu;
  if (auto e = read_body(h, bytes, options, pdu)) return *e;
  return MessageIdResponseView{h, pdu.has_body, pdu.message_id, pdu.tlvs};
}

template <class Owning, class View>
Owning copy_to_owning(const View& v) {
  Owning o;
  o.header = v.header;
  Copier c;
  Owning::fields(c, o, v);
  return o;
}

}  // namespace

std::optional<RawHeader> read_header(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < pdu_header_size) return std::nullopt;
  return RawHeader{load32(bytes.data()), static_cast<CommandId>(load32(bytes.data() + 4)),
                   static_cast<CommandStatus>(load32(bytes.data() + 8)), load32(bytes.data() + 12)};
}

Result<Pdu> decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  return decode_impl<false>(bytes, options);
}

Result<PduView> decode_view(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  return decode_impl<true>(bytes, options);
}

Result<MessageIdResponseView> decode_message_id_response(std::span<const std::uint8_t> bytes,
                                                         const DecodeOptions& options) {
  const auto header = checked_header(bytes, options);
  if (!header) return header.error();
  switch (header->command_id) {
    case CommandId::submit_sm_resp:
      return message_id_response<SubmitSmRespView>(*header, bytes, options);
    case CommandId::deliver_sm_resp:
      return message_id_response<DeliverSmRespView>(*header, bytes, options);
    case CommandId::data_sm_resp:
      return message_id_response<DataSmRespView>(*header, bytes, options);
    case CommandId::broadcast_sm_resp:
      return message_id_response<BroadcastSmRespView>(*header, bytes, options);
    case CommandId::query_broadcast_sm_resp:
      return message_id_response<QueryBroadcastSmRespView>(*header, bytes, options);
    default:
      return unknown_command_error(*header);
  }
}

#define AIOSMPP_DEFINE_CODEC(Owning, View, O, V)                                      \
  Result<void> encode(const Owning& pdu, std::vector<std::uint8_t>& out,              \
                      const EncodeOptions& options) {                                 \
    return encode_impl(pdu, out, options);                                            \
  }                                                                                   \
  Result<void> encode(const View& pdu, std::vector<std::uint8_t>& out,                \
                      const EncodeOptions& options) {                                 \
    return encode_impl(pdu, out, options);                                            \
  }                                                                                   \
  Result<std::size_t> encoded_size(const Owning& pdu, const EncodeOptions& options) { \
    return size_of(pdu, options);                                                     \
  }                                                                                   \
  Result<std::size_t> encoded_size(const View& pdu, const EncodeOptions& options) {   \
    return size_of(pdu, options);                                                     \
  }                                                                                   \
  Owning to_owning(const View& pdu) {                                                 \
    return copy_to_owning<Owning>(pdu);                                               \
  }
AIOSMPP_PDU_LIST(AIOSMPP_DEFINE_CODEC)
#undef AIOSMPP_DEFINE_CODEC

Result<void> encode(const Pdu& pdu, std::vector<std::uint8_t>& out, const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return encode_impl(p, out, options); }, pdu);
}
Result<void> encode(const PduView& pdu, std::vector<std::uint8_t>& out,
                    const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return encode_impl(p, out, options); }, pdu);
}
Result<std::size_t> encoded_size(const Pdu& pdu, const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return size_of(p, options); }, pdu);
}
Result<std::size_t> encoded_size(const PduView& pdu, const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return size_of(p, options); }, pdu);
}
namespace {

template <class P>
Pdu bodiless_response(CommandStatus status, std::uint32_t sequence_number) {
  P p;
  p.header.command_status = status;
  p.header.sequence_number = sequence_number;
  if constexpr (requires { p.has_body; }) p.has_body = false;
  return p;
}

}  // namespace

std::optional<Pdu> error_response(const CodecError& error) {
  const std::uint32_t seq = error.sequence_known ? error.sequence_number : 0;
  const bool header_problem = error.problem == CodecProblem::command_length_too_small ||
                              error.problem == CodecProblem::command_length_too_large ||
                              error.problem == CodecProblem::length_mismatch ||
                              error.problem == CodecProblem::unknown_command_id ||
                              error.problem == CodecProblem::command_not_in_version;
  if (header_problem) return bodiless_response<GenericNack>(error.status, seq);
  // A response whose header is sound is never answered, whatever is wrong in its body (§1.1: a
  // generic_nack answers a request that cannot be processed; the peer would take one for a
  // rejection of its own request with that sequence_number).
  if (is_response(error.command_id)) return std::nullopt;
  if (error.status == CommandStatus::invalid_command_length ||
      error.status == CommandStatus::invalid_command_id) {
    return bodiless_response<GenericNack>(error.status, seq);
  }
  if (response_id(error.command_id) == CommandId::generic_nack) {
    return std::nullopt;  // outbind and alert_notification have no response PDU
  }
  switch (response_id(error.command_id)) {
#define AIOSMPP_ERROR_RESPONSE(Owning, View, O, V)         \
  case Owning::command_id:                                 \
    if constexpr (is_response(Owning::command_id)) {       \
      return bodiless_response<Owning>(error.status, seq); \
    } else {                                               \
      break;                                               \
    }
    AIOSMPP_PDU_LIST(AIOSMPP_ERROR_RESPONSE)
#undef AIOSMPP_ERROR_RESPONSE
    default:
      break;
  }
  return std::nullopt;
}

Pdu to_owning(const PduView& pdu) {
  return std::visit([](const auto& v) -> Pdu { return to_owning(v); }, pdu);
}

}  // namespace aiosmpp
