// lib/core/static_vector.h — a vector with capacity fixed at compile time and no heap.
//
// Invariant: elements [0, m_size) are alive, [m_size, Capacity) are raw storage. A push past
// capacity returns Error::Exhausted and leaves the vector unchanged.
#pragma once

#include <cstddef>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "lib/core/result.h"

namespace capos {

template <typename T, size_t Capacity>
class StaticVector {
  static_assert(Capacity > 0, "a StaticVector must be able to hold something");

 public:
  StaticVector() = default;
  StaticVector(const StaticVector& other) { copy_from(other); }
  StaticVector& operator=(const StaticVector& other) {
    if (this != &other) {
      clear();
      copy_from(other);
    }
    return *this;
  }
  StaticVector(StaticVector&& other) noexcept { move_from(other); }
  StaticVector& operator=(StaticVector&& other) noexcept {
    if (this != &other) {
      clear();
      move_from(other);
    }
    return *this;
  }
  ~StaticVector() { clear(); }

  [[nodiscard]] Result<void> push_back(const T& value) { return emplace_back(value); }
  [[nodiscard]] Result<void> push_back(T&& value) { return emplace_back(std::move(value)); }

  template <typename... Args>
  [[nodiscard]] Result<void> emplace_back(Args&&... args) {
    if (m_size == Capacity) return Error::Exhausted;
    new (slot(m_size)) T(std::forward<Args>(args)...);
    ++m_size;
    return {};
  }

  // Removes the last element; Error::OutOfRange when empty.
  [[nodiscard]] Result<void> pop_back() {
    if (m_size == 0) return Error::OutOfRange;
    --m_size;
    element(m_size).~T();
    return {};
  }

  // Removes element `index`, shifting the tail down (order preserved).
  [[nodiscard]] Result<void> erase(size_t index) {
    if (index >= m_size) return Error::OutOfRange;
    for (size_t i = index; i + 1 < m_size; ++i) element(i) = std::move(element(i + 1));
    return pop_back();
  }

  void clear() {
    while (m_size > 0) {
      --m_size;
      element(m_size).~T();
    }
  }

  // Bounds-checked access.
  [[nodiscard]] Result<T*> at(size_t index) {
    if (index >= m_size) return Error::OutOfRange;
    return &element(index);
  }
  [[nodiscard]] Result<const T*> at(size_t index) const {
    if (index >= m_size) return Error::OutOfRange;
    return &element(index);
  }

  // Unchecked access; precondition (KASSERT) index < size().
  T& operator[](size_t index) {
    KASSERT(index < m_size);
    return element(index);
  }
  const T& operator[](size_t index) const {
    KASSERT(index < m_size);
    return element(index);
  }

  [[nodiscard]] size_t size() const { return m_size; }
  [[nodiscard]] bool empty() const { return m_size == 0; }
  [[nodiscard]] bool full() const { return m_size == Capacity; }
  [[nodiscard]] static constexpr size_t capacity() { return Capacity; }

  // Invariant: m_size <= Capacity and elements [0, m_size) are constructed.
  T* begin() { return data(); }
  // SAFETY: m_size <= Capacity, so data() + m_size is at most one past the storage.
  T* end() { return data() + m_size; }
  const T* begin() const { return data(); }
  // SAFETY: m_size <= Capacity, so data() + m_size is at most one past the storage.
  const T* end() const { return data() + m_size; }
  // SAFETY: [data(), data() + m_size) holds exactly the live elements (the invariant).
  std::span<T> span() { return {data(), m_size}; }
  // SAFETY: [data(), data() + m_size) holds exactly the live elements (the invariant).
  std::span<const T> span() const { return {data(), m_size}; }

 private:
  // SAFETY: m_storage is suitably aligned raw storage for Capacity Ts; elements [0, m_size)
  // were constructed there with placement new, so laundering the pointer is valid.
  T* data() { return std::launder(reinterpret_cast<T*>(m_storage)); }
  // SAFETY: as data() above, for const access to the same constructed elements.
  const T* data() const { return std::launder(reinterpret_cast<const T*>(m_storage)); }
  // SAFETY: callers pass index < Capacity (emplace_back checks m_size < Capacity; the copies
  // run over another vector's m_size <= Capacity), so the slot lies inside m_storage.
  void* slot(size_t index) { return m_storage + index * sizeof(T); }
  // SAFETY: callers pass the index of a constructed element: < m_size (at, operator[], erase,
  // the copies), or the last one just cut off by pop_back/clear before its destructor runs.
  T& element(size_t index) { return data()[index]; }
  // SAFETY: as the non-const element() above.
  const T& element(size_t index) const { return data()[index]; }

  void copy_from(const StaticVector& other) {
    for (size_t i = 0; i < other.m_size; ++i) new (slot(i)) T(other.element(i));
    m_size = other.m_size;
  }
  void move_from(StaticVector& other) {
    for (size_t i = 0; i < other.m_size; ++i) new (slot(i)) T(std::move(other.element(i)));
    m_size = other.m_size;
    other.clear();
  }

  // Zero-filled raw storage: elements are constructed on push; zeroing costs one memset per
  // vector and means no stale bytes can ever be observed through it.
  alignas(T) unsigned char m_storage[Capacity * sizeof(T)]{};
  size_t m_size = 0;
};

}  // namespace capos
