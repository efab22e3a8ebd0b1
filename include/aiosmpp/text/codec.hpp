#pragma once

/** @file
 *  @brief Text codecs selected by data_coding, and the registry that maps data_coding values to
 *  codecs (aiosmpplib's `custom_codecs` and `default_encoding`). */

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/text/gsm7.hpp"
#include "aiosmpp/text/result.hpp"

namespace aiosmpp::text {

/** @brief data_coding values of SMPP 3.4 §5.2.19 that the built-in codecs use. */
namespace data_coding {
/** @brief SMSC default alphabet (GSM 03.38 unless configured otherwise). */
inline constexpr std::uint8_t smsc_default = 0x00;
/** @brief IA5 (ASCII). */
inline constexpr std::uint8_t ia5 = 0x01;
/** @brief 8-bit binary. */
inline constexpr std::uint8_t binary_2 = 0x02;
/** @brief ISO-8859-1. */
inline constexpr std::uint8_t latin1 = 0x03;
/** @brief 8-bit binary. */
inline constexpr std::uint8_t binary = 0x04;
/** @brief UCS2 (UTF-16BE here, surrogate pairs included). */
inline constexpr std::uint8_t ucs2 = 0x08;
}  // namespace data_coding

/** @brief The unit a codec's output is counted and split in. */
enum class Unit : std::uint8_t {
  septet,  ///< GSM 7-bit septets (one per octet when unpacked); an escape pair is 2
  octet,   ///< one octet per unit
  utf16    ///< two octets per unit, big-endian; a surrogate pair is 2 units
};

/** @brief A text codec. Implement it to register a custom codec for a data_coding value.
 *
 *  Implementations must be stateless or internally synchronised: one instance is shared by every
 *  message that uses it, possibly on several threads. */
class Codec {
 public:
  virtual ~Codec() = default;

  /** @brief A short name for messages and JSON ("gsm0338", "ucs2", ...). */
  virtual std::string_view name() const noexcept = 0;

  /** @brief How the encoded output is counted; see `Unit`. Default: octets. */
  virtual Unit unit() const noexcept { return Unit::octet; }

  /** @brief Appends the encoding of `utf8` to `out`. On failure leaves `out` as it was and
   *  reports the first offending character (position, byte offset, code point). */
  virtual Result<void> encode(std::string_view utf8, ErrorMode mode,
                              std::vector<std::uint8_t>& out) const = 0;

  /** @brief Appends the UTF-8 text of `bytes` to `out`. */
  virtual Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                              std::string& out) const = 0;

  /** @brief The largest cut at or below `limit` octets of `encoded` that does not split a
   *  character. The default cuts anywhere; a multi-octet custom encoding must override it. */
  virtual std::size_t split_point(std::span<const std::uint8_t> encoded, std::size_t limit) const {
    (void)encoded;
    return limit;
  }
};

/** @brief GSM 03.38 with a pair of national tables, unpacked (SMPP's usual form) or packed. */
class Gsm7Codec final : public Codec {
 public:
  /** @brief `packed`: septets packed 8 into 7 octets (else one septet per octet); `tables`:
   *  national locking and single shift tables (none: the default alphabet). */
  explicit Gsm7Codec(bool packed = false, gsm7::Tables tables = {}) noexcept
      : packed_(packed), tables_(tables) {}
  std::string_view name() const noexcept override { return packed_ ? "gsm0338_packed" : "gsm0338"; }
  /** @brief Septets. For the packed form the splitter works on septets and packs each segment. */
  Unit unit() const noexcept override { return Unit::septet; }
  /** @brief Whether septets are packed. */
  bool packed() const noexcept { return packed_; }
  /** @brief The national tables in use. */
  gsm7::Tables tables() const noexcept { return tables_; }
  Result<void> encode(std::string_view utf8, ErrorMode mode,
                      std::vector<std::uint8_t>& out) const override;
  /** @brief For the packed form, decodes every septet the octets hold (see gsm7::unpack_all). */
  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override;
  std::size_t split_point(std::span<const std::uint8_t> encoded, std::size_t limit) const override;

 private:
  bool packed_;
  gsm7::Tables tables_;
};

/** @brief Shared instances of the built-in codecs. */
const Codec& gsm7_codec() noexcept;         ///< GSM 03.38 unpacked ("gsm0338")
const Codec& gsm7_packed_codec() noexcept;  ///< GSM 03.38 packed ("gsm0338_packed")
const Codec& ascii_codec() noexcept;        ///< IA5 / ASCII, 0x00..0x7F ("ascii")
const Codec& latin1_codec() noexcept;       ///< ISO-8859-1 ("latin1")
const Codec& ucs2_codec() noexcept;         ///< UTF-16BE with surrogate pairs ("ucs2")
/** @brief 8-bit data: encode takes the octets of the string as they are, decode gives them back
 *  unchanged (not UTF-8 validated: use it only for binary payloads). */
const Codec& binary_codec() noexcept;

/** @brief Which codec each data_coding value means.
 *
 *  Built in: 0 → the SMSC default alphabet (GSM 03.38 unless `set_default_alphabet` says
 *  otherwise), 1 → ASCII, 2 and 4 → binary, 3 → Latin-1, 8 → UCS2, 0xF0..0xF3 → GSM 03.38,
 *  0xF4..0xF7 → binary (GSM message class groups). Custom codecs registered for a value take
 *  precedence over the built-ins. Not thread-safe to modify; share a fully built registry. */
class CodecRegistry {
 public:
  CodecRegistry() = default;

  /** @brief Registers (or with nullptr removes) a custom codec for `data_coding`. */
  void register_codec(std::uint8_t data_coding, std::shared_ptr<const Codec> codec);

  /** @brief What data_coding 0 ("SMSC default alphabet") means; nullptr restores GSM 03.38. */
  void set_default_alphabet(std::shared_ptr<const Codec> codec);

  /** @brief The codec data_coding 0 means. */
  const Codec& default_alphabet() const noexcept;

  /** @brief The codec for `data_coding`, or nullptr when none is known. */
  const Codec* find(std::uint8_t data_coding) const noexcept;

  /** @brief A process-wide registry with only the built-ins. */
  static const CodecRegistry& builtin() noexcept;

 private:
  std::array<std::shared_ptr<const Codec>, 256> custom_{};
  std::shared_ptr<const Codec> default_alphabet_;
};

/** @brief Encodes `utf8` with `codec` into a new buffer. */
Result<std::vector<std::uint8_t>> encode(std::string_view utf8, const Codec& codec,
                                         ErrorMode mode = ErrorMode::strict);

/** @brief Decodes `bytes` with `codec` into UTF-8. */
Result<std::string> decode(std::span<const std::uint8_t> bytes, const Codec& codec,
                           ErrorMode mode = ErrorMode::strict);

/** @brief Decodes `bytes` with the codec `registry` has for `data_coding`
 *  (`TextErrc::unknown_data_coding` when there is none). */
Result<std::string> decode(std::span<const std::uint8_t> bytes, std::uint8_t data_coding,
                           const CodecRegistry& registry = CodecRegistry::builtin(),
                           ErrorMode mode = ErrorMode::strict);

}  // namespace aiosmpp::text
