#pragma once

/** @file
 *  @brief BasicResult<T, E>: the one value-or-error type of the library (std::expected is C++23).
 *
 *  Each layer names its own error type and an alias: `aiosmpp::Result<T>` holds a CodecError
 *  (pdu/result.hpp), `aiosmpp::text::Result<T>` a TextError (text/result.hpp). The only thing an
 *  error type must bring is a `throw_result_error(const E&)` function found by argument-dependent
 *  lookup, which value() calls on an error result; it decides which exception the layer throws. */

#include <type_traits>
#include <utility>
#include <variant>

namespace aiosmpp {

namespace detail {
/** An empty error for error() on a success, so that mistake reads a default value instead of
 *  undefined memory. */
template <class E>
const E& no_error() noexcept {
  static const E none{};
  return none;
}
}  // namespace detail

/** @brief A value of type T or an error of type E. Test with `if (result)`; value() on an error
 *  throws whatever `throw_result_error(error)` throws for E (a programming error: check
 *  has_value() first on paths that must not throw). */
template <class T, class E>
class [[nodiscard]] BasicResult {
 public:
  /** @brief The value type. */
  using value_type = T;
  /** @brief The error type. */
  using error_type = E;

  /** @brief A success holding `value` (implicit, so a function can `return value;`). */
  BasicResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  /** @brief A failure (implicit, so a function can `return error;`). */
  BasicResult(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit
  /** @brief Constructs the value in place. */
  template <class... Args>
  explicit BasicResult(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  /** @brief True on success. */
  bool has_value() const noexcept { return v_.index() == 0; }
  /** @brief has_value(). */
  explicit operator bool() const noexcept { return has_value(); }

  /** @brief The value. @throws what throw_result_error(error()) throws, on an error. */
  T& value() & {
    check();
    return *std::get_if<0>(&v_);
  }
  /** @brief The value. @throws on an error (see above). */
  const T& value() const& {
    check();
    return *std::get_if<0>(&v_);
  }
  /** @brief The value, moved out. @throws on an error (see above). */
  T&& value() && {
    check();
    return std::move(*std::get_if<0>(&v_));
  }
  /** @brief value(). */
  T& operator*() & { return value(); }
  /** @brief value(). */
  const T& operator*() const& { return value(); }
  /** @brief value(), moved out. */
  T&& operator*() && { return std::move(*this).value(); }
  /** @brief &value(). */
  T* operator->() { return &value(); }
  /** @brief &value(). */
  const T* operator->() const { return &value(); }

  /** @brief The error; only meaningful when !has_value() (a default E otherwise). */
  const E& error() const noexcept {
    const E* e = std::get_if<1>(&v_);
    return e != nullptr ? *e : detail::no_error<E>();
  }

 private:
  void check() const {
    if (v_.index() != 0) throw_result_error(*std::get_if<1>(&v_));
  }
  std::variant<T, E> v_;
};

/** @brief Success or an error of type E; a default-constructed result is a success. */
template <class E>
class [[nodiscard]] BasicResult<void, E> {
 public:
  /** @brief The value type. */
  using value_type = void;
  /** @brief The error type. */
  using error_type = E;

  BasicResult() = default;
  /** @brief A failure (implicit, so a function can `return error;`). */
  BasicResult(E error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  /** @brief True on success. */
  bool has_value() const noexcept { return !failed_; }
  /** @brief has_value(). */
  explicit operator bool() const noexcept { return !failed_; }
  /** @brief Does nothing on success. @throws what throw_result_error(error()) throws, on an
   *  error. */
  void value() const {
    if (failed_) throw_result_error(error_);
  }
  /** @brief The error; only meaningful when !has_value() (a default E otherwise). */
  const E& error() const noexcept { return error_; }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace aiosmpp
