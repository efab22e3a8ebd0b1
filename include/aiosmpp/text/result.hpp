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
  TextErrc code = TextErrc::invalid_argument;
  std::string message;
  std::size_t position = 0;
  std::size_t byte_offset = 0;
  char32_t code_point = 0;
};

/** @brief Thrown only by `Result::value()` on an error result. */
class TextException : public std::runtime_error {
 public:
  explicit TextException(TextError error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  const TextError& error() const noexcept { return error_; }

 private:
  TextError error_;
};

/** @brief Either a value or a `TextError` (std::expected is C++23). Test with `if (result)`. */
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit
  Result(TextError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /** @brief The value; throws `TextException` if this holds an error. */
  T& value() & {
    check();
    return std::get<0>(state_);
  }
  const T& value() const& {
    check();
    return std::get<0>(state_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
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
  Result(TextError error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit
  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return !failed_; }
  void value() const {
    if (failed_) throw TextException(error_);
  }
  const TextError& error() const { return error_; }

 private:
  TextError error_;
  bool failed_ = false;
};

}  // namespace aiosmpp::text
