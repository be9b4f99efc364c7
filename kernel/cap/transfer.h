// kernel/cap/transfer.h — moving authority between cap tables, with the CapSlots quota kept
// equal to the caps a process holds (docs/authority-accounting.md).
//
// Rule: for every process, ledger.committed(CapSlots) == caps.live_count(), always. Every cap
// enters a table through a SlotReservation (insert_cap, result caps, the receiver side of a
// transfer) and leaves it through remove_cap or a MOVE commit, each of which settles exactly one
// unit of quota. The ledger is consulted before the table, so an exhausted quota is
// QuotaExceeded and a full table Exhausted; both become CAP_ERR_QUOTA (the caller's own limit).
//
// Transfer (SPEC §3, exactly once; the protocol issue 15 runs on top of this):
//   decode:  TRY(plan.resolve(from, from_ledger, descs));   // each cap live (BadXfer), refs held
//            TRY(plan.reserve_receiver(to, to_ledger));     // slots + quota, all or nothing
//   invoke:  ids = plan.commit();                           // infallible: receiver caps appear,
//                                                           // MOVE sources disappear, same step
// Dropping a plan before commit rolls every reservation back: both tables and both ledgers are
// then exactly as before (same counts, same ids issued next). A MOVE source stays live (and
// callable) until commit, which runs in the same critical section as decode (single CPU,
// interrupts off; F-005 for SMP).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "kernel/cap/cap_object.h"
#include "lib/cap/cap_reservation.h"
#include "lib/core/result.h"
#include "lib/mem/frame_ledger.h"
#include "lib/ring/abi.h"

namespace capos::kernel {

// `count` (<= max_transfer_caps) cap slots of one table and as many units of its owner's
// CapSlots quota, held together. Move-only; whatever is not committed rolls back on drop.
class [[nodiscard]] SlotReservation {
 public:
  // QuotaExceeded (ledger) or Exhausted (table) with nothing held; TooBig above 4.
  [[nodiscard]] static Result<SlotReservation> reserve(ObjectTable& table, FrameLedger& ledger,
                                                       size_t count);
  SlotReservation(SlotReservation&&) noexcept = default;
  SlotReservation(const SlotReservation&) = delete;
  SlotReservation& operator=(const SlotReservation&) = delete;
  SlotReservation& operator=(SlotReservation&&) = delete;
  ~SlotReservation() = default;

  [[nodiscard]] size_t size() const { return m_slots.size(); }
  // Publishes `entry` at `position` and commits its unit of quota. Infallible; preconditions
  // (KASSERT): position < size(), not committed yet, entry.object non-null.
  CapId commit(size_t position, ObjectTable::Entry entry);

 private:
  SlotReservation(ObjectTable& table, FrameLedger& ledger, ObjectTable::Reservation slots)
      : m_table(&table), m_ledger(&ledger), m_slots(std::move(slots)) {}

  ObjectTable* m_table;
  FrameLedger* m_ledger;
  // Quota tokens first: members are destroyed in reverse, so the table rolls back first.
  std::array<FrameLedger::Reservation, max_transfer_caps> m_quota{};
  ObjectTable::Reservation m_slots;
};

// Publishes one cap (a boot grant, a test's setup): SlotReservation of one, committed.
[[nodiscard]] Result<CapId> insert_cap(ObjectTable& table, FrameLedger& ledger,
                                       ObjectTable::Entry entry);

// RELEASE and exit: BadCap unless `id` is live; otherwise removes it (its id stays stale for
// good), gives its unit of CapSlots back and returns the entry — dropping the returned
// reference may destroy the object.
[[nodiscard]] Result<ObjectTable::Entry> remove_cap(ObjectTable& table, FrameLedger& ledger,
                                                    CapId id);

// One descriptor, resolved in the sender's table at decode.
struct TransferItem {
  CapId source = null_cap_id;
  TransferMode mode = TransferMode::Copy;
  ObjectTable::Entry entry{};  // holds a reference, so the object outlives the plan
};

// The decoded transfer descriptors of one CALL or RETURN and, once the receiver is known, the
// receiver's reserved slots. Movable (an endpoint keeps a call's plan until delivery).
class TransferPlan {
 public:
  TransferPlan() = default;
  TransferPlan(TransferPlan&&) noexcept = default;
  TransferPlan(const TransferPlan&) = delete;
  TransferPlan& operator=(const TransferPlan&) = delete;
  TransferPlan& operator=(TransferPlan&&) = delete;
  ~TransferPlan() = default;

  // Decode, sender side. `descs` passed decode_xfer_descs (lib/ring/sqe.h: modes, reserved
  // fields, no cap both MOVEd and named again). BadXfer when one names no live cap of `from`
  // (never issued, stale, released); the plan stays empty then. Precondition: empty().
  [[nodiscard]] Result<void> resolve(ObjectTable& from, FrameLedger& from_ledger,
                                     std::span<const XferDesc> descs);

  [[nodiscard]] size_t size() const { return m_count; }
  [[nodiscard]] bool empty() const { return m_count == 0; }
  [[nodiscard]] const TransferItem& operator[](size_t index) const;

  // A method that accepts capabilities claims the plan in its decode step; a call whose plan is
  // not empty and not claimed is refused with BadXfer before its invoke step (the dispatcher's
  // admit), so an object cannot take caps by forgetting to look at them.
  TransferPlan& claim() {
    m_claimed = true;
    return *this;
  }
  [[nodiscard]] bool claimed() const { return m_claimed; }

  // Decode, receiver side: size() slots and as much CapSlots quota in the receiver, all or
  // nothing (QuotaExceeded / Exhausted). Precondition (KASSERT): called once, after resolve().
  [[nodiscard]] Result<void> reserve_receiver(ObjectTable& to, FrameLedger& to_ledger);

  // Invoke: the receiver's caps appear (same object, interface and badge as the sender's) and
  // every MOVE source disappears from the sender, releasing its quota. Infallible; returns the
  // receiver's new ids in descriptor order. Precondition (KASSERT): reserve_receiver() ran.
  // The plan is empty afterwards.
  std::array<CapId, max_transfer_caps> commit();

 private:
  std::array<TransferItem, max_transfer_caps> m_items{};
  size_t m_count = 0;
  bool m_claimed = false;
  ObjectTable* m_from = nullptr;
  FrameLedger* m_from_ledger = nullptr;
  std::optional<SlotReservation> m_receiver;
};

}  // namespace capos::kernel
