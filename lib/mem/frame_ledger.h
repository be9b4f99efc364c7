// lib/mem/frame_ledger.h — per-owner quota accounting by resource class (SPEC §6).
//
// One FrameLedger per owner (process). For every ResourceClass it keeps a limit (the quota),
// a committed amount (published: the owner holds it) and a reserved amount (taken during
// decode, not yet published). The protocol is STYLE.md's "Decode, then invoke":
//   auto token = TRY(ledger.reserve(ResourceClass::CapSlots, n));   // decode: may fail
//   ...                                                              // more checks; an early
//   ledger.commit(std::move(token));                                 // return rolls back
// A Reservation is settled exactly once: commit() publishes it; rollback(), or its destructor,
// returns it; a moved-from or settled token does nothing when rolled back or destroyed.
//
// Invariants, per class: committed + reserved <= limit (so available() = limit - committed -
// reserved never wraps and reserve() needs no wide arithmetic); reserved == the sum of the
// live Reservations of that class; m_outstanding == the number of live Reservations.
//
// Amount 0 is valid everywhere: reserve(c, 0) always succeeds with a live token that changes
// no balance when settled, release(c, 0) is a no-op. Code that reserves "n of something" needs
// no special case for n == 0.
//
// No shared (cross-owner) pool is kept here. Physical frame exhaustion is reported by
// FrameBitmap (Error::Exhausted) and the frames themselves are allocated during decode, so a
// second global counter would duplicate the bitmap's free_count and could drift from it.
//
// Not synchronised: the owning process's lock serialises calls. Not copyable or movable:
// live Reservations point at their ledger, which must outlive them (the destructor KASSERTs
// that none is outstanding).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/core/result.h"

namespace capos {

enum class ResourceClass : uint8_t {
  CapSlots,            // entries in the owner's CapTable
  EndpointQueueDepth,  // messages queued on endpoints the owner serves
  OutstandingCalls,    // calls the owner has in flight
  RingScratch,         // bytes of kernel scratch for the owner's ring
  FrameGrants,         // physical frames charged to the owner
  LogBytes,            // bytes of console/log output
  CpuBudget,           // scheduler time slices
};

inline constexpr size_t resource_class_count = 7;
static_assert(static_cast<size_t>(ResourceClass::CpuBudget) + 1 == resource_class_count,
              "resource_class_count must follow the last ResourceClass");

// Every class, in declaration order (for iteration in reports and tests).
inline constexpr std::array<ResourceClass, resource_class_count> all_resource_classes = {
    ResourceClass::CapSlots,    ResourceClass::EndpointQueueDepth, ResourceClass::OutstandingCalls,
    ResourceClass::RingScratch, ResourceClass::FrameGrants,        ResourceClass::LogBytes,
    ResourceClass::CpuBudget,
};

// A stable, human-readable name ("FrameGrants"); never null.
const char* resource_class_name(ResourceClass resource);

class FrameLedger {
 public:
  // A reserved amount of one class, not yet published. Move-only; settles exactly once.
  class [[nodiscard]] Reservation {
   public:
    Reservation() = default;  // settled: owns nothing
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;  // rolls back what *this held
    ~Reservation();                                        // rolls back if still live

    [[nodiscard]] bool is_live() const { return m_ledger != nullptr; }
    [[nodiscard]] ResourceClass resource_class() const { return m_resource; }
    [[nodiscard]] uint64_t amount() const { return m_amount; }

   private:
    friend class FrameLedger;
    Reservation(FrameLedger& ledger, ResourceClass resource, uint64_t amount)
        : m_ledger(&ledger), m_resource(resource), m_amount(amount) {}
    void settle() { m_ledger = nullptr; }

    FrameLedger* m_ledger = nullptr;  // null iff settled (committed, rolled back, moved from)
    ResourceClass m_resource = ResourceClass::CapSlots;
    uint64_t m_amount = 0;
  };

  // Every limit 0: the owner can reserve nothing (but amount 0) until set_limit().
  FrameLedger() = default;
  explicit FrameLedger(const std::array<uint64_t, resource_class_count>& limits);
  FrameLedger(const FrameLedger&) = delete;
  FrameLedger& operator=(const FrameLedger&) = delete;
  ~FrameLedger();

  // Takes `amount` of `resource` from what is available. QuotaExceeded when
  // committed + reserved + amount > limit (evaluated without overflow); nothing changes then.
  [[nodiscard]] Result<Reservation> reserve(ResourceClass resource, uint64_t amount);

  // Publishes a live reservation of this ledger: reserved -> committed. Infallible.
  // Takes the token by value (a sink: callers std::move it, leaving theirs settled).
  // KASSERT: the token is live and belongs to this ledger (settling twice is a kernel bug).
  void commit(Reservation token);

  // Returns a reservation to the available pool. A settled token is a no-op.
  // KASSERT: a live token belongs to this ledger.
  void rollback(Reservation token);

  // Gives back `amount` of committed `resource` (a frame freed, a cap deleted). DoubleFree
  // when amount > committed (nothing changes then: never an underflow).
  [[nodiscard]] Result<void> release(ResourceClass resource, uint64_t amount);

  // Changes the quota. QuotaExceeded when the new limit is below committed + reserved (the
  // current use would already exceed it); nothing changes then.
  [[nodiscard]] Result<void> set_limit(ResourceClass resource, uint64_t limit);

  [[nodiscard]] uint64_t limit(ResourceClass resource) const { return account(resource).limit; }
  [[nodiscard]] uint64_t committed(ResourceClass resource) const {
    return account(resource).committed;
  }
  [[nodiscard]] uint64_t reserved(ResourceClass resource) const {
    return account(resource).reserved;
  }
  // limit - committed - reserved: the largest amount reserve() accepts now.
  [[nodiscard]] uint64_t available(ResourceClass resource) const;
  [[nodiscard]] uint64_t outstanding_reservations() const { return m_outstanding; }

  // The exit-path check: nothing committed, nothing reserved, no live token, in any class.
  [[nodiscard]] bool is_empty() const;

  // Checks committed + reserved <= limit for every class. For tests and debug KASSERTs.
  [[nodiscard]] bool invariants_hold() const;

 private:
  struct Account {
    uint64_t limit = 0;
    uint64_t committed = 0;
    uint64_t reserved = 0;
  };

  [[nodiscard]] Account& account(ResourceClass resource);
  [[nodiscard]] const Account& account(ResourceClass resource) const;
  void return_reserved(const Reservation& token);

  std::array<Account, resource_class_count> m_accounts{};
  uint64_t m_outstanding = 0;
};

}  // namespace capos
