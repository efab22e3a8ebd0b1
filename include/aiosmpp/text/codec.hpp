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
/** @brief JIS X 0208-1990; built in as ISO-2022-JP (what aiosmpplib uses). */
inline constexpr std::uint8_t jis = 0x05;
/** @brief Cyrillic, ISO-8859-5. */
inline constexpr std::uint8_t cyrillic = 0x06;
/** @brief Latin/Hebrew, ISO-8859-8. */
inline constexpr std::uint8_t hebrew = 0x07;
/** @brief UCS2 (UTF-16BE here, surrogate pairs included). */
inline constexpr std::uint8_t ucs2 = 0x08;
/** @brief Pictogram encoding; built in as Shift_JIS (what aiosmpplib uses). */
inline constexpr std::uint8_t pictogram = 0x09;
/** @brief ISO-2022-JP (music codes). */
inline constexpr std::uint8_t iso2022jp = 0x0A;
/** @brief Extended Kanji JIS X 0212-1990; built in as EUC-JP. */
inline constexpr std::uint8_t extended_kanji = 0x0D;
/** @brief KS C 5601; built in as EUC-KR. */
inline constexpr std::uint8_t ks_c_5601 = 0x0E;
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
 *  message that uses it, possibly on several threads.
 *
 *  Error modes: `encode` and `decode` receive the caller's ErrorMode. A codec written before
 *  ErrorMode::ignore existed keeps working: unless it overrides `supports_ignore()`, the library
 *  hands it ErrorMode::replace when the caller asked for ignore (see `mode_for`). */
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

  /** @brief Whether `encode` and `decode` implement ErrorMode::ignore (drop what cannot be
   *  converted). Default false: the library passes ErrorMode::replace instead, so a codec that
   *  predates ignore writes its replacement rather than failing or misreading the mode. */
  virtual bool supports_ignore() const noexcept { return false; }

  /** @brief Whether `split` must encode each segment from its own slice of the text instead of
   *  cutting the encoded text with `split_point`. Needed by stateful encodings (ISO-2022-JP: each
   *  segment must end back in ASCII, and the next one designate its character set again) and by
   *  any encoding whose multi-octet sequences `split_point` cannot see. Default false. */
  virtual bool segments_from_text() const noexcept { return false; }
};

/** @brief The mode to call `codec` with for what the caller asked: `mode` itself, except
 *  ErrorMode::ignore for a codec that does not support it, which gets ErrorMode::replace. */
inline ErrorMode mode_for(const Codec& codec, ErrorMode mode) noexcept {
  return mode == ErrorMode::ignore && !codec.supports_ignore() ? ErrorMode::replace : mode;
}

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
  bool supports_ignore() const noexcept override { return true; }

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
/** @brief ISO-2022-JP (JIS X 0208 with ASCII and JIS X 0201 Roman), stateful: data_coding 5 and
 *  10 ("iso2022_jp"). Through the C library's iconv, as are the five below. */
const Codec& iso2022jp_codec() noexcept;
const Codec& iso8859_5_codec() noexcept;  ///< Cyrillic, data_coding 6 ("iso8859_5")
const Codec& iso8859_8_codec() noexcept;  ///< Hebrew, data_coding 7 ("iso8859_8")
/** @brief Shift_JIS, data_coding 9 ("shift_jis"): 0x5C and 0x7E read as `\` and `~`, as
 *  Python's shift_jis (aiosmpplib) reads them. */
const Codec& shift_jis_codec() noexcept;
/** @brief EUC-JP, data_coding 13 ("euc_jp"): JIS X 0212 characters as 0x8F and two octets. */
const Codec& euc_jp_codec() noexcept;
/** @brief EUC-KR (KS X 1001, formerly KS C 5601), data_coding 14 ("euc_kr"), with the 8-octet
 *  KS X 1001:1998 Annex 3 sequences for Hangul syllables outside its 2,350, as Python's euc_kr. */
const Codec& euc_kr_codec() noexcept;

/** @brief Which codec each data_coding value means.
 *
 *  Built in: 0 → the SMSC default alphabet (GSM 03.38 unless `set_default_alphabet` says
 *  otherwise), 1 → ASCII, 2 and 4 → binary, 3 → Latin-1, 5 and 10 → ISO-2022-JP, 6 →
 *  ISO-8859-5, 7 → ISO-8859-8, 8 → UCS2, 9 → Shift_JIS, 13 → EUC-JP, 14 → EUC-KR, 0xF0..0xF3 →
 *  GSM 03.38, 0xF4..0xF7 → binary (GSM message class groups). Custom codecs registered for a
 *  value take precedence over the built-ins. Not thread-safe to modify; share a fully built
 *  registry. */
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
