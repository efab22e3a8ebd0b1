#include "aiosmpp/text/user_data.hpp"

#include <fmt/format.h>

namespace aiosmpp::text {

Result<DecodedUserData> decode_user_data(std::span<const std::uint8_t> user_data,
                                         std::uint8_t data_coding, bool udhi,
                                         const TextDecodeOptions& options) {
  const CodecRegistry& reg =
      options.registry != nullptr ? *options.registry : CodecRegistry::builtin();
  const Codec* codec = reg.find(data_coding);
  if (codec == nullptr) {
    return TextError{TextErrc::unknown_data_coding,
                     fmt::format("data_coding 0x{:02X}: no codec registered", data_coding), 0, 0,
                     data_coding};
  }
  DecodedUserData out;
  out.codec_name = codec->name();
  std::span<const std::uint8_t> body = user_data;
  gsm7::Tables tables{};
  if (udhi) {
    auto h = parse_udh(user_data);
    if (!h) return h.error();
    body = user_data.subspan(h->length);
    tables.locking = h->locking_shift.value_or(gsm7::Language::none);
    tables.single_shift = h->single_shift.value_or(gsm7::Language::none);
    out.udh = std::move(*h);
  }
  if (const auto* gsm = dynamic_cast<const Gsm7Codec*>(codec)) {
    if (tables == gsm7::Tables{}) tables = gsm->tables();
    Result<void> r;
    if (gsm->packed()) {
      const auto septets = gsm7::unpack_all(body, gsm7::fill_bits(out.udh ? out.udh->length : 0));
      r = gsm7::decode(septets, out.text, options.errors, tables);
    } else {
      r = gsm7::decode(body, out.text, options.errors, tables);
    }
    if (!r) return r.error();
    return out;
  }
  auto r = codec->decode(body, mode_for(*codec, options.errors), out.text);
  if (!r) return r.error();
  return out;
}

}  // namespace aiosmpp::text
