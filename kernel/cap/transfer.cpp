#include "kernel/cap/transfer.h"

#include <utility>

#include "lib/core/panic.h"

namespace capos::kernel {

Result<SlotReservation> SlotReservation::reserve(ObjectTable& table, FrameLedger& ledger,
                                                 size_t count) {
  if (count > max_transfer_caps) return Error::TooBig;
  // The ledger first: an exhausted quota must not depend on how full the table happens to be.
  std::array<FrameLedger::Reservation, max_transfer_caps> quota{};
  for (size_t i = 0; i < count; ++i) quota[i] = TRY(ledger.reserve(ResourceClass::CapSlots, 1));
  SlotReservation held(table, ledger, TRY(table.reserve(count)));
  held.m_quota = std::move(quota);
  return held;
}

CapId SlotReservation::commit(size_t position, ObjectTable::Entry entry) {
  KASSERT(position < m_slots.size());
  const CapId id = m_slots.commit(position, std::move(entry));
  m_ledger->commit(std::move(m_quota[position]));
  return id;
}

Result<CapId> insert_cap(ObjectTable& table, FrameLedger& ledger, ObjectTable::Entry entry) {
  if (!entry.object) return Error::InvalidArgument;
  SlotReservation slot = TRY(SlotReservation::reserve(table, ledger, 1));
  return slot.commit(0, std::move(entry));
}

Result<ObjectTable::Entry> remove_cap(ObjectTable& table, FrameLedger& ledger, CapId id) {
  ObjectTable::Entry entry = TRY(table.remove(id));
  const Result<void> released = ledger.release(ResourceClass::CapSlots, 1);
  KASSERT(released.has_value());  // committed(CapSlots) == live caps, and this cap was live
  return entry;
}

Result<void> TransferPlan::resolve(ObjectTable& from, FrameLedger& from_ledger,
                                   std::span<const XferDesc> descs) {
  KASSERT(m_count == 0 && descs.size() <= max_transfer_caps);  // decode_xfer_descs bounds it
  std::array<TransferItem, max_transfer_caps> items{};
  for (size_t i = 0; i < descs.size(); ++i) {
    const Result<ObjectTable::Entry> entry = from.lookup(descs[i].cap_id);
    // SPEC §3 / docs/abi.md: every problem with the sideband is BAD_XFER, a dead cap included.
    if (!entry) return Error::BadXfer;
    items[i] = TransferItem{
        .source = descs[i].cap_id,
        .mode =
            descs[i].mode == to_raw(TransferMode::Move) ? TransferMode::Move : TransferMode::Copy,
        .entry = *entry,
    };
  }
  m_items = std::move(items);
  m_count = descs.size();
  m_from = &from;
  m_from_ledger = &from_ledger;
  return {};
}

const TransferItem& TransferPlan::operator[](size_t index) const {
  KASSERT(index < m_count);
  return m_items[index];
}

Result<void> TransferPlan::reserve_receiver(ObjectTable& to, FrameLedger& to_ledger) {
  KASSERT(!m_receiver.has_value());
  m_receiver.emplace(TRY(SlotReservation::reserve(to, to_ledger, m_count)));
  return {};
}

std::array<CapId, max_transfer_caps> TransferPlan::commit() {
  KASSERT(m_receiver.has_value());
  std::array<CapId, max_transfer_caps> ids{};
  // The receiver's caps first, then the MOVE sources: a source disappears exactly when its copy
  // exists, and `from` may be the receiving table itself.
  for (size_t i = 0; i < m_count; ++i) ids[i] = m_receiver->commit(i, m_items[i].entry);
  for (size_t i = 0; i < m_count; ++i) {
    if (m_items[i].mode != TransferMode::Move) continue;
    m_from->take(m_items[i].source);  // live: resolved in decode, same critical section (F-005)
    const Result<void> released = m_from_ledger->release(ResourceClass::CapSlots, 1);
    KASSERT(released.has_value());  // committed(CapSlots) == live caps
  }
  m_items = {};
  m_count = 0;
  m_receiver.reset();
  return ids;
}

}  // namespace capos::kernel
