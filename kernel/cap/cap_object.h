// kernel/cap/cap_object.h — the base of every kernel object and the reference-counted handle
// that cap slots hold (SPEC §3).
//
// A capability names a CapObject, the interface it exposes and a badge (lib/cap CapEntry, with
// Handle = ObjectRef). A CALL reaches an object only through CapObject::decode, which first
// checks that the cap's interface is the one the object serves (a facet is a different object,
// never a rights mask) and only then runs the object's own decode step; the invoke step runs
// later from the plan the decode step left in the Invocation (kernel/cap/invocation.h).
//
// Lifetime (SPEC §3 "the last reference of an object destroys it"):
//   * ObjectRef is an intrusive reference: copying one adds a reference, dropping one removes
//     it, and the drop that removes the last one calls the object's destroy() hook — its kind's
//     way back to the pool it came from (lib/core/object_pool.h). Cap slots, invocations,
//     transfer plans and kernel structures hold ObjectRefs; nothing holds a raw CapObject*
//     beyond one call.
//   * Lifetime::Pinned objects (the kernel's boot singletons: Console, BootPackage,
//     CapabilityManager) start with one reference the kernel never drops, so no RELEASE or exit
//     can destroy them; Lifetime::Counted objects start at zero and must override destroy().
//   * Counts are bounded by the references that exist (cap slots are bounded by the pools of
//     tables), far below 2^32; an overflow or an underflow is a kernel bug (KASSERT).
// Kinds are told apart by the Kind tag and `classof` (object_cast<T>), never by RTTI.
//
// Objects never allocate, never block, keep no per-call state in members (the Invocation
// carries the call) and put no kernel pointer in anything they write to a result or message.
#pragma once

#include <cstdint>
#include <utility>

#include "lib/cap/cap_table.h"
#include "lib/core/panic.h"
#include "lib/core/result.h"

namespace capos::kernel {

// Kind tag (STYLE.md). Test is for host-test objects only.
enum class ObjectKind : uint8_t { Console, BootPackage, CapabilityManager, Test };

enum class Lifetime : uint8_t {
  Pinned,   // static storage; a permanent reference keeps it alive for the kernel's life
  Counted,  // destroyed through destroy() when its last ObjectRef drops
};

class Invocation;
class ObjectRef;

class CapObject {
 public:
  CapObject(const CapObject&) = delete;
  CapObject& operator=(const CapObject&) = delete;
  CapObject(CapObject&&) = delete;
  CapObject& operator=(CapObject&&) = delete;

  [[nodiscard]] ObjectKind kind() const { return m_kind; }
  [[nodiscard]] uint64_t interface_id() const { return m_interface_id; }
  // Live references (a pinned object counts its permanent one).
  [[nodiscard]] uint32_t references() const { return m_references; }

  // The one entry of a CALL (SPEC §3), its decode step: BadInterface unless the cap's
  // interface (invocation.interface_id()) is this object's, else the object's own decode step,
  // which on success leaves its plan in the invocation. Side-effect free: it only reads, takes
  // RAII reservations and builds the results in the invocation's result window.
  [[nodiscard]] Result<void> decode(Invocation& invocation);

 protected:
  constexpr CapObject(ObjectKind kind, uint64_t interface_id, Lifetime lifetime)
      : m_kind(kind),
        m_interface_id(interface_id),
        m_references(lifetime == Lifetime::Pinned ? 1 : 0) {}
  ~CapObject() = default;

  // The object's decode step (typically `return decode_with<gen::X>(*this, invocation);`).
  [[nodiscard]] virtual Result<void> decode_methods(Invocation& invocation) = 0;

  // The kind's destroy hook: called exactly once, when the last ObjectRef drops; returns the
  // object to its pool. A pinned object never gets here (its permanent reference is never
  // dropped), so the default is a kernel-bug stop; Counted kinds override it.
  virtual void destroy() {
    capos_panic("kernel object lost its last reference", __FILE__, __LINE__);
  }

 private:
  friend class ObjectRef;
  ObjectKind m_kind;
  uint64_t m_interface_id;
  uint32_t m_references;
};

// An intrusive reference to a CapObject (the CapTable handle in the kernel). Null by default.
class ObjectRef {
 public:
  constexpr ObjectRef() = default;
  // A new reference to `object` (+1).
  explicit ObjectRef(CapObject& object) : m_object(&object) { acquire(); }
  ObjectRef(const ObjectRef& other) : m_object(other.m_object) {
    if (m_object != nullptr) acquire();
  }
  ObjectRef(ObjectRef&& other) noexcept : m_object(std::exchange(other.m_object, nullptr)) {}
  ObjectRef& operator=(const ObjectRef& other) {
    if (this != &other) {
      ObjectRef copy(other);
      swap(copy);
    }
    return *this;
  }
  ObjectRef& operator=(ObjectRef&& other) noexcept {
    if (this != &other) {
      ObjectRef taken(std::move(other));
      swap(taken);
    }
    return *this;
  }
  ~ObjectRef() { reset(); }

  // Drops this reference (-1; the last one destroys the object). Idempotent.
  void reset() {
    CapObject* object = std::exchange(m_object, nullptr);
    if (object == nullptr) return;
    KASSERT(object->m_references > 0);  // an underflow would destroy a live object twice
    if (--object->m_references == 0) object->destroy();
  }

  explicit operator bool() const { return m_object != nullptr; }
  [[nodiscard]] CapObject* get() const { return m_object; }
  CapObject& operator*() const { return *m_object; }
  CapObject* operator->() const { return m_object; }
  // Identity: two references are equal iff they name the same object.
  friend bool operator==(const ObjectRef& a, const ObjectRef& b) {
    return a.m_object == b.m_object;
  }

 private:
  void acquire() {
    KASSERT(m_object->m_references < UINT32_MAX);
    ++m_object->m_references;
  }
  void swap(ObjectRef& other) noexcept { std::swap(m_object, other.m_object); }

  CapObject* m_object = nullptr;
};

// What a process's CapTable slots hold.
using ObjectTable = CapTable<ObjectRef>;
static_assert(CapHandle<ObjectRef>);

// `object` as a T when its kind is T's (T::classof), else nullptr (LLVM's dyn_cast, no RTTI).
template <typename T>
[[nodiscard]] T* object_cast(CapObject& object) {
  return T::classof(object) ? static_cast<T*>(&object) : nullptr;
}

}  // namespace capos::kernel
