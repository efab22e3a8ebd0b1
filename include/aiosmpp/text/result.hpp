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

/** @brief Either a value or a `TextError` (std::expected is C++23). Test with `if (result)`. */
template <class T>
class [[nodiscard]] Result {
 public:
  /** @brief A success (implicit, so a function can `return value;`). */
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  /** @brief A failure (implicit). */
  Result(TextError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  /** @brief True on success. */
  bool has_value() const noexcept { return state_.index() == 0; }
  /** @brief has_value(). */
  explicit operator bool() const noexcept { return has_value(); }

  /** @brief The value; throws `TextException` if this holds an error. */
  T& value() & {
    check();
    return std::get<0>(state_);
  }
  /** @brief The value; throws TextException on an error. */
  const T& value() const& {
    check();
    return std::get<0>(state_);
  }
  /** @brief The value, moved out; throws TextException on an error. */
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }
  /** @brief value(). */
  T& operator*() & { return value(); }
  /** @brief value(). */
  const T& operator*() const& { return value(); }
  /** @brief &value(). */
  T* operator->() { return &value(); }
  /** @brief &value(). */
  const T* operator->() const { return &value(); }

  /** @brief The error; only valid when `!has_value()`. */
  const TextError& error() const { return std::get<1>(state_); }

 private:
  void check() const {
    if (state_.index() != 0) throw TextException(std::get<1>(state_));
  }
  std::variant<T, TextError> state_;
};

/** @brief Success or a `TextError`. */
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  /** @brief A failure (implicit); a default-constructed Result is a success. */
  Result(TextError error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit
  /** @brief True on success. */
  bool has_value() const noexcept { return !failed_; }
  /** @brief has_value(). */
  explicit operator bool() const noexcept { return !failed_; }
  /** @brief Does nothing on success; throws TextException on an error. */
  void value() const {
    if (failed_) throw TextException(error_);
  }
  /** @brief The error; only valid when `!has_value()`. */
  const TextError& error() const { return error_; }

 private:
  TextError error_;
  bool failed_ = false;
};

}  // namespace aiosmpp::text
