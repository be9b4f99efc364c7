// lib/core/result.h — Result<T, E>: a value or an error, never both (STYLE.md "Errors").
//
// Invariant: exactly one of m_value / m_error is alive, selected by m_has_value.
// In builds with CAPOS_CHECKED_RESULTS (host test builds) a Result that is destroyed without
// anyone having asked whether it holds a value panics: an ignored error is a bug even when
// [[nodiscard]] was silenced by a cast.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "lib/core/error.h"
#include "lib/core/panic.h"

namespace capos {

namespace detail {

// Tracks whether a Result was inspected. Zero-size in unchecked builds.
class ResultCheck {
 public:
#ifdef CAPOS_CHECKED_RESULTS
  ResultCheck() = default;
  // Copying hands the duty to check over to the copy, so the source is marked as checked.
  // NOLINTNEXTLINE(cert-oop58-cpp): the mutation of the source is the point.
  ResultCheck(const ResultCheck& other) : m_checked(false) { other.m_checked = true; }
  ResultCheck(ResultCheck&& other) noexcept : m_checked(false) { other.m_checked = true; }
  ResultCheck& operator=(const ResultCheck& other) {
    if (this != &other) {
      verify();
      m_checked = false;
      other.m_checked = true;  // NOLINT(cert-oop58-cpp): see the copy constructor
    }
    return *this;
  }
  ResultCheck& operator=(ResultCheck&& other) noexcept {
    if (this != &other) {
      verify();
      m_checked = false;
      other.m_checked = true;
    }
    return *this;
  }
  ~ResultCheck() { verify(); }
  void mark() const { m_checked = true; }

 private:
  void verify() const {
    if (!m_checked) capos_panic("Result destroyed without being checked", __FILE__, __LINE__);
  }
  mutable bool m_checked = false;
#else
  void mark() const {}
#endif
};

}  // namespace detail

template <typename T, typename E = Error>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use a pointer");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, E>, "value and error types must differ");

 public:
  // Implicit by design: `return value;` and `return Error::X;` are the idiom (STYLE.md).
  // NOLINTBEGIN(google-explicit-constructor)
  Result(const T& value) : m_has_value(true) { new (&m_value) T(value); }
  Result(T&& value) : m_has_value(true) { new (&m_value) T(std::move(value)); }
  Result(E error) : m_error(error), m_has_value(false) {}
  // NOLINTEND(google-explicit-constructor)

  Result(const Result& other) : m_check(other.m_check), m_has_value(other.m_has_value) {
    if (m_has_value) {
      new (&m_value) T(other.m_value);
    } else {
      m_error = other.m_error;
    }
  }
  // ResultCheck is trivially copyable in unchecked builds; moving it is then a plain copy.
  // NOLINTBEGIN(performance-move-const-arg)
  Result(Result&& other) noexcept
      : m_check(std::move(other.m_check)), m_has_value(other.m_has_value) {
    if (m_has_value) {
      new (&m_value) T(std::move(other.m_value));
    } else {
      m_error = other.m_error;
    }
  }
  Result& operator=(const Result& other) {
    if (this != &other) {
      destroy();
      m_check = other.m_check;
      m_has_value = other.m_has_value;
      if (m_has_value) {
        new (&m_value) T(other.m_value);
      } else {
        m_error = other.m_error;
      }
    }
    return *this;
  }
  Result& operator=(Result&& other) noexcept {
    if (this != &other) {
      destroy();
      m_check = std::move(other.m_check);
      m_has_value = other.m_has_value;
      if (m_has_value) {
        new (&m_value) T(std::move(other.m_value));
      } else {
        m_error = other.m_error;
      }
    }
    return *this;
  }
  // NOLINTEND(performance-move-const-arg)
  ~Result() { destroy(); }

  [[nodiscard]] bool has_value() const {
    m_check.mark();
    return m_has_value;
  }
  explicit operator bool() const { return has_value(); }

  // Precondition (KASSERT): has_value(). Reading the value of an error is a bug in the caller.
  T& value() & {
    require_value();
    return m_value;
  }
  const T& value() const& {
    require_value();
    return m_value;
  }
  T take() && {
    require_value();
    return std::move(m_value);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition (KASSERT): !has_value().
  [[nodiscard]] E error() const {
    m_check.mark();
    KASSERT(!m_has_value);
    return m_error;
  }

  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& {
    m_check.mark();
    return m_has_value ? m_value : fallback;
  }

 private:
  void require_value() const {
    m_check.mark();
    KASSERT(m_has_value);
  }
  void destroy() {
    if (m_has_value) m_value.~T();
  }

  union {
    T m_value;
    E m_error;
  };
  detail::ResultCheck m_check;
  bool m_has_value;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : m_error(error), m_has_value(false) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const {
    m_check.mark();
    return m_has_value;
  }
  explicit operator bool() const { return has_value(); }
  void take() && { KASSERT(has_value()); }
  [[nodiscard]] E error() const {
    m_check.mark();
    KASSERT(!m_has_value);
    return m_error;
  }

 private:
  E m_error{};
  detail::ResultCheck m_check;
  bool m_has_value = true;
};

}  // namespace capos

#define CAPOS_TRY_CONCAT_INNER(a, b) a##b
#define CAPOS_TRY_CONCAT(a, b) CAPOS_TRY_CONCAT_INNER(a, b)
// `name` is always a fresh identifier from __COUNTER__, never an expression.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CAPOS_TRY_IMPL(expr, name)  \
  ({                                \
    auto name = (expr);             \
    if (!name) return name.error(); \
    std::move(name).take();         \
  })
// NOLINTEND(bugprone-macro-parentheses)

// TRY(expr): evaluate a Result; on error return it from the enclosing function, otherwise yield
// the value (or nothing, for Result<void>). Uses a GNU statement expression (clang and gcc).
#define TRY(expr) CAPOS_TRY_IMPL(expr, CAPOS_TRY_CONCAT(capos_try_result_, __COUNTER__))
