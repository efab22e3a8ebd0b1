#pragma once

/** @file
 *  @brief A codec over the C library's iconv (glibc): any character set it converts to and from
 *  UTF-8, registered for a data_coding like any other codec. The built-in codecs of data_coding
 *  5, 6, 7, 9, 10, 13 and 14 are IconvCodecs (codec.hpp). */

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aiosmpp/text/codec.hpp"

namespace aiosmpp::text {

/** @brief A codec for an iconv character set ("WINDOWS-1251", "ISO-8859-7", ...; `iconv -l`
 *  lists them).
 *
 *  Converters are opened once per thread and character set and reused (never one per message);
 *  converting allocates only the output and never blocks. The codec keeps one converter each way
 *  open for its lifetime, so that the C library keeps the character set's module loaded and a
 *  thread's first message does not load it from disk. Error modes: strict fails naming the
 *  character (or octet) and its position, replace writes `?`, ignore drops it. A stateful
 *  character set (ISO-2022) returns to its initial state at the end of every encoding, and
 *  `split` encodes each segment from its own text (`segments_from_text`), so that every segment
 *  decodes on its own. Thread-safe. */
class IconvCodec : public Codec {
 public:
  /** @brief `charset`: the iconv name; `name`: what name() returns. Never throws for an unknown
   *  character set: `available()` says false, and encode/decode fail with
   *  TextErrc::unknown_data_coding naming it. */
  IconvCodec(std::string charset, std::string name);
  ~IconvCodec() override;
  IconvCodec(const IconvCodec&) = delete;
  IconvCodec& operator=(const IconvCodec&) = delete;

  std::string_view name() const noexcept override { return name_; }
  /** @brief The iconv character set name. */
  const std::string& charset() const noexcept { return charset_; }
  /** @brief Whether the C library converts between UTF-8 and the character set. */
  bool available() const noexcept { return available_; }

  Result<void> encode(std::string_view utf8, ErrorMode mode,
                      std::vector<std::uint8_t>& out) const override;
  Result<void> decode(std::span<const std::uint8_t> bytes, ErrorMode mode,
                      std::string& out) const override;
  bool supports_ignore() const noexcept override { return true; }
  /** @brief True: the codec cannot know where the character set's characters begin. */
  bool segments_from_text() const noexcept override { return true; }

 protected:
  /** @brief A character iconv cannot encode, offered before the error mode applies: append an
   *  encoding of `cp` to `out` and return true, or return false. Default: false. */
  virtual bool encode_fallback(char32_t cp, std::vector<std::uint8_t>& out) const;

  /** @brief Decodes `bytes`, which start at octet `offset` of the caller's input (for error
   *  positions), through iconv, appending to `out`; on failure `out` is left as it was. */
  Result<void> decode_part(std::span<const std::uint8_t> bytes, std::size_t offset, ErrorMode mode,
                           std::string& out) const;

 private:
  std::string charset_;
  std::string name_;
  bool available_ = false;
  void* keep_to_ = nullptr;    // iconv_t UTF-8 -> charset, held open (see the class)
  void* keep_from_ = nullptr;  // iconv_t charset -> UTF-8
};

}  // namespace aiosmpp::text
