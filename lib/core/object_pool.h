// lib/core/object_pool.h — a fixed-capacity pool of objects of one type (no heap).
//
// Kernel objects (processes, endpoints, memory objects, ...) come from pools like this one, so
// the number of each kind is bounded at build time (seed §2 "resource exhaustion"). The
// protocol is STYLE.md's "Decode, then invoke":
//   ObjectPool<Endpoint, 64>::Reservation slot = TRY(pool.reserve());  // decode: Exhausted
//   ... more checks; an early return gives the slot back ...
//   Endpoint& endpoint = std::move(slot).emplace(args...);            // invoke: infallible
//   ...
//   pool.destroy(endpoint);                     // its last reference dropped (ObjectRef)
// Charging the owner's quota for the object is the caller's job, in the same decode step
// (docs/authority-accounting.md: a pool slot and its FrameLedger reservation are taken together).
//
// Invariants (checked by invariants_hold()):
//   * Slots at index >= m_high_water have never been handed out. Below it each slot is Free,
//     Reserved or Live; exactly the Live slots hold a constructed T.
//   * The free list holds exactly the Free slots below m_high_water, most recently freed first.
//   * live + reserved + free == Capacity, where free counts untouched slots too.
//   * A rolled-back reservation leaves the pool exactly as before reserve() when nothing else
//     happened in between (same counts, same slot handed out next): LIFO reuse and the
//     high-water mark moving back make rollback exact.
// Bytes of a destroyed object stay in its slot until the next object is constructed over it:
// a type whose contents are secret must clear them in its destructor (seed: residual state).
//
// Not synchronised: the kernel runs with interrupts off on one CPU (docs/design.md). Not
// copyable or movable: reservations and objects point into it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "lib/core/panic.h"
#include "lib/core/result.h"

namespace capos {

template <typename T, size_t Capacity>
class ObjectPool {
  static_assert(Capacity > 0 && Capacity < UINT32_MAX, "a pool holds 1 .. 2^32 - 2 objects");
  enum class Origin : uint8_t { FreeList, Untouched };  // where a reserved slot came from

 public:
  // A free slot held for one object, not yet constructed. Move-only; emplace() consumes it;
  // destruction (or rollback()) of a live reservation returns the slot.
  class [[nodiscard]] Reservation {
   public:
    Reservation(Reservation&& other) noexcept
        : m_pool(std::exchange(other.m_pool, nullptr)),
          m_index(other.m_index),
          m_origin(other.m_origin) {}
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    Reservation& operator=(Reservation&&) = delete;
    ~Reservation() { rollback(); }

    [[nodiscard]] bool is_live() const { return m_pool != nullptr; }

    // Constructs the object in the held slot. Infallible; precondition (KASSERT): live (a
    // reservation is used at most once).
    template <typename... Args>
    T& emplace(Args&&... args) && {
      KASSERT(m_pool != nullptr);
      ObjectPool* pool = std::exchange(m_pool, nullptr);
      return pool->construct(m_index, std::forward<Args>(args)...);
    }

    // Returns the slot (idempotent).
    void rollback() {
      if (m_pool != nullptr) std::exchange(m_pool, nullptr)->unreserve(m_index, m_origin);
    }

   private:
    friend class ObjectPool;
    Reservation(ObjectPool& pool, uint32_t index, Origin origin)
        : m_pool(&pool), m_index(index), m_origin(origin) {}
    ObjectPool* m_pool;  // null iff settled (emplaced, rolled back, moved from)
    uint32_t m_index;
    Origin m_origin;
  };

  constexpr ObjectPool() = default;
  ObjectPool(const ObjectPool&) = delete;
  ObjectPool& operator=(const ObjectPool&) = delete;
  ObjectPool(ObjectPool&&) = delete;
  ObjectPool& operator=(ObjectPool&&) = delete;
  // Every object destroyed and every reservation settled first (a kernel bug otherwise).
  ~ObjectPool() { KASSERT(m_live == 0 && m_reserved == 0); }

  // Exhausted (nothing changes) when every slot is reserved or live.
  [[nodiscard]] Result<Reservation> reserve() {
    uint32_t index = m_free_head;
    Origin origin = Origin::FreeList;
    if (index != no_slot) {
      m_free_head = m_slots[index].next_free;
      --m_free_listed;
    } else if (m_high_water < Capacity) {
      index = m_high_water++;
      origin = Origin::Untouched;
    } else {
      return Error::Exhausted;
    }
    m_slots[index].state = State::Reserved;
    ++m_reserved;
    return Reservation(*this, index, origin);
  }

  // Runs ~T and frees the slot. Precondition (KASSERT): `object` is a live object of this pool
  // (destroying twice, or an object from elsewhere, is a kernel bug). O(capacity).
  void destroy(T& object) {
    const uint32_t index = index_of(object);
    KASSERT(index != no_slot);
    object.~T();
    m_slots[index].state = State::Free;
    --m_live;
    push_free(index);
  }

  // True iff `object` is a live object of this pool.
  [[nodiscard]] bool owns(const T& object) const { return index_of(object) != no_slot; }

  [[nodiscard]] static constexpr size_t capacity() { return Capacity; }
  [[nodiscard]] size_t live_count() const { return m_live; }
  [[nodiscard]] size_t reserved_count() const { return m_reserved; }
  [[nodiscard]] size_t free_count() const { return Capacity - m_live - m_reserved; }

  // O(capacity); for tests and debug checks.
  [[nodiscard]] bool invariants_hold() const {
    uint32_t live = 0;
    uint32_t reserved = 0;
    uint32_t free = 0;
    for (uint32_t i = 0; i < m_high_water; ++i) {
      switch (m_slots[i].state) {
        case State::Live: ++live; break;
        case State::Reserved: ++reserved; break;
        case State::Free: ++free; break;
      }
    }
    uint32_t listed = 0;
    for (uint32_t i = m_free_head; i != no_slot; i = m_slots[i].next_free) {
      if (listed == free || i >= m_high_water || m_slots[i].state != State::Free) return false;
      ++listed;
    }
    return listed == free && listed == m_free_listed && live == m_live && reserved == m_reserved &&
           m_high_water <= Capacity &&
           live + reserved + free + (Capacity - m_high_water) == Capacity;
  }

 private:
  enum class State : uint8_t { Free, Reserved, Live };
  static constexpr uint32_t no_slot = UINT32_MAX;

  // Raw storage for one T: the union keeps it uninitialised until construct() (no
  // reinterpret_cast needed: the member is named, then constructed with placement new).
  union Storage {
    constexpr Storage() {}  // NOLINT(modernize-use-equals-default): no member is initialised
    ~Storage() {}           // NOLINT(modernize-use-equals-default): the pool destroys the T
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    Storage(Storage&&) = delete;
    Storage& operator=(Storage&&) = delete;
    T value;
  };
  struct Slot {
    Storage storage;
    uint32_t next_free = no_slot;
    State state = State::Free;
  };

  template <typename... Args>
  T& construct(uint32_t index, Args&&... args) {
    Slot& slot = m_slots[index];
    KASSERT(slot.state == State::Reserved);
    T* object = new (&slot.storage.value) T(std::forward<Args>(args)...);
    slot.state = State::Live;
    --m_reserved;
    ++m_live;
    return *object;
  }

  void unreserve(uint32_t index, Origin origin) {
    KASSERT(m_slots[index].state == State::Reserved);
    m_slots[index].state = State::Free;
    --m_reserved;
    if (origin == Origin::Untouched && index + 1 == m_high_water) {
      --m_high_water;  // back to untouched: exactly as before reserve()
      return;
    }
    push_free(index);
  }

  void push_free(uint32_t index) {
    m_slots[index].next_free = m_free_head;
    m_free_head = index;
    ++m_free_listed;
  }

  [[nodiscard]] uint32_t index_of(const T& object) const {
    for (uint32_t i = 0; i < m_high_water; ++i) {
      if (m_slots[i].state == State::Live && &m_slots[i].storage.value == &object) return i;
    }
    return no_slot;
  }

  std::array<Slot, Capacity> m_slots{};
  uint32_t m_high_water = 0;  // slots [0, m_high_water) have been handed out at least once
  uint32_t m_free_head = no_slot;
  uint32_t m_free_listed = 0;
  uint32_t m_live = 0;
  uint32_t m_reserved = 0;
};

}  // namespace capos
