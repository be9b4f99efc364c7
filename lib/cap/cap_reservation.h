// lib/cap/cap_reservation.h — CapReservation (alias CapTable<H>::Reservation), the receiver
// side of a capability transfer (SPEC §3 Transfer). Needed by every caller of
// CapTable::reserve().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "lib/cap/cap_table.h"

namespace capos {

// Slots held for one in-flight transfer: taken by CapTable::reserve() in decode, published one
// by one with commit() in invoke. Whatever is not committed goes back to the free list, with
// its generation unchanged (no id from it was ever published), on rollback() or destruction,
// so every early return of a decode step undoes the reservation.
//
// Invariants: positions [0, m_count) each hold one slot that is Reserved in *m_table unless
// committed; a committed slot is Live and belongs to the table, no longer to the reservation.
// A Reservation never outlives its table (the table KASSERTs on destruction). Move-only; a
// moved-from or rolled-back reservation holds nothing.
template <CapHandle Handle>
class [[nodiscard]] CapReservation {
 public:
  using Table = CapTable<Handle>;
  using Entry = CapEntry<Handle>;

  CapReservation(CapReservation&& other) noexcept
      : m_table(std::exchange(other.m_table, nullptr)),
        m_held(other.m_held),
        m_committed(std::exchange(other.m_committed, {})),
        m_count(std::exchange(other.m_count, 0)) {}
  CapReservation(const CapReservation&) = delete;
  CapReservation& operator=(const CapReservation&) = delete;
  CapReservation& operator=(CapReservation&&) = delete;
  ~CapReservation() { rollback(); }

  // Slots held, committed or not.
  [[nodiscard]] size_t size() const { return m_count; }
  // Slots still reserved (neither committed nor rolled back).
  [[nodiscard]] size_t pending_count() const {
    size_t pending = 0;
    for (size_t i = 0; i < m_count; ++i) {
      if (!m_committed[i]) ++pending;
    }
    return pending;
  }

  // Publishes `entry` in the slot at `position` and returns its new id. Infallible: the slot
  // was set aside for exactly this. Preconditions (KASSERT): position < size(), not yet
  // committed, entry.object non-null.
  [[nodiscard]] CapId commit(size_t position, Entry entry) {
    KASSERT(position < m_count);
    KASSERT(!m_committed[position]);
    m_committed[position] = true;
    return m_table->publish(m_held[position].index, std::move(entry));
  }

  // Returns every uncommitted slot, last taken first. If nothing else touched the table since
  // reserve(), the table is then exactly as before reserve(): same counts, same ids issued by
  // later inserts. Committed caps stay live. Idempotent.
  void rollback() {
    for (size_t i = m_count; i > 0; --i) {
      if (!m_committed[i - 1]) m_table->unreserve(m_held[i - 1]);
    }
    m_count = 0;
    m_committed = {};
  }

 private:
  friend Table;
  using Taken = typename Table::Taken;
  explicit CapReservation(Table& table) : m_table(&table) {}

  void hold(Taken taken) {
    KASSERT(m_count < max_transfer_caps);
    m_held[m_count] = taken;
    ++m_count;
  }

  Table* m_table;
  std::array<Taken, max_transfer_caps> m_held{};
  std::array<bool, max_transfer_caps> m_committed{};
  size_t m_count = 0;
};

}  // namespace capos
