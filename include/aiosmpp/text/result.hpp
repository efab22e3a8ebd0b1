#pragma once

/** @file
 *  @brief Errors of the message layer and the small result type its functions return. */

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "aiosmpp/basic_result.hpp"
#include "aiosmpp/pdu/message_text.hpp"

namespace aiosmpp::text {

/** @brief What an encoder does with a character it cannot represent: `strict` fails with
 *  `TextErrc::unencodable`, naming the character and its position; `replace` substitutes a
 *  look-alike where one is defined, else `?`. The same type as MessageText::errors. */
using ErrorMode = aiosmpp::ErrorMode;

/** @brief What went wrong in a text operation. */
enum class TextErrc : std::uint8_t {
  invalid_utf8 = 1,     ///< the UTF-8 input is malformed (position = byte offset)
  unencodable,          ///< a character has no representation in the chosen alphabet
  invalid_encoding,     ///< encoded input (septets, UTF-16, ...) cannot be decoded
  too_long,             ///< the encoded text exceeds a limit (the message names it)
  invalid_argument,     ///< an option or field is out of range (the message names it)
  unknown_data_coding,  ///< no codec is registered for a data_coding value
  invalid_udh,          ///< a user data header does not fit the user data
  invalid_time,         ///< an SMPP time string or value is invalid
  invalid_receipt,      ///< a delivery receipt lacks what it must have
};

/** @brief A failure with a human-readable message that names the field and the limit.
 *
 *  For character errors, `position` is the index of the offending character (code point index in
 *  the UTF-8 input, or unit index in encoded input), `byte_offset` its byte offset and `code_point`
 *  its Unicode value (or the offending septet/unit). */
struct TextError {
  /** @brief What kind of failure. */
  TextErrc code = TextErrc::invalid_argument;
  /** @brief A sentence naming the field, character or limit. */
  std::string message;
  /** @brief Index of the offending character or unit. */
  std::size_t position = 0;
  /** @brief Byte offset of the offending character. */
  std::size_t byte_offset = 0;
  /** @brief The offending code point (or septet/unit). */
  char32_t code_point = 0;
};

/** @brief Thrown only by `Result::value()` on an error result. */
class TextException : public std::runtime_error {
 public:
  /** @brief Carries `error`; what() is its message. */
  explicit TextException(TextError error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  /** @brief The error. */
  const TextError& error() const noexcept { return error_; }

 private:
  TextError error_;
};

/** @brief What Result<T>::value() throws for a TextError: TextException. */
[[noreturn]] inline void throw_result_error(const TextError& error) {
  throw TextException(error);
}

/** @brief Either a value or a `TextError` (BasicResult, see basic_result.hpp). Test with
 *  `if (result)`; value() on an error throws TextException. Result<void> is success or
 *  TextError. */
template <class T>
using Result = BasicResult<T, TextError>;

}  // namespace aiosmpp::text
