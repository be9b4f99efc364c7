// verify/bounded/cap_table_state.h — a CapTable (lib/cap) as a canonical byte string, and back.
//
// The explorer rebuilds the real table from a key before every operation and encodes it again
// afterwards. The key holds every field the table reads: its counters and free-list ends, and
// for each touched slot (index < high water) its generation, state, entry and — for Free slots —
// the free-list link, plus the pending reservation. Two fields are canonicalised because the
// code never reads them (cap_table.h invariants): slots at or above the high-water mark, and the
// stale m_next_free of a slot that is not Free. Decoding fills both with garbage, so a read of
// either would surface as a wrong result rather than be hidden by the canonical form.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "lib/cap/cap_reservation.h"
#include "lib/cap/cap_table.h"
#include "verify/bounded/state_space.h"

namespace capos::verify {

struct CapObject {
  char tag;
};
inline constexpr CapObject object_a{'A'};
inline constexpr CapObject object_b{'B'};

using CapHandlePtr = const CapObject*;
using Table = CapTable<CapHandlePtr>;
using TableSlot = Table::Slot;
using TableEntry = Table::Entry;
using TableReservation = CapReservation<CapHandlePtr>;

inline constexpr size_t max_table_size = 4;

// The CapId layout of the ring ABI (SPEC §3: slot index in the low 24 bits, generation in the
// high 8), written here rather than taken from lib/cap/cap_id.h, so that the explorer checks
// the table's encoding instead of sharing it: a consistent re-layout of cap_id.h is caught.
inline constexpr CapId abi_cap_id(uint32_t index, uint32_t generation) {
  return generation << 24 | index;
}
inline constexpr uint32_t abi_index(CapId id) { return id & 0xff'ffffU; }
inline constexpr uint8_t abi_generation(CapId id) { return static_cast<uint8_t>(id >> 24); }

// The entries the explorer inserts, by object code (0 = the empty entry of a non-live slot).
// Distinct objects, interfaces and badges, so any mix-up between two caps is visible.
inline TableEntry entry_for(uint8_t object) {
  switch (object) {
    case 1: return {&object_a, 0xA11C'E000, 0x11};
    case 2: return {&object_b, 0xB0B0'0000, 0x22};
    default: return {};
  }
}

// Key layout (28 bytes): [0..6] high water, free head, free tail, free listed, live, reserved,
// retired (no_slot = 0xff); [7 + 3i] slot i generation, state | object << 2, free link;
// [19] pending reservation size or 0xff for none; [20 + 2p] held index, origin | committed << 1.
inline constexpr size_t cap_key_size = 28;
using CapKey = StateKey<cap_key_size>;
inline constexpr uint8_t no_byte = 0xff;
inline constexpr size_t key_slots = 7;
inline constexpr size_t key_reservation = 19;

// What a key says about one slot, decoded once for the checks.
struct SlotView {
  bool touched = false;
  uint8_t generation = 0;
  CapSlotState state = CapSlotState::Free;
  uint8_t object = 0;
};

inline SlotView slot_view(const CapKey& key, size_t index) {
  if (index >= key[0]) return {};
  const uint8_t status = key[key_slots + 3 * index + 1];
  return {true, key[key_slots + 3 * index], static_cast<CapSlotState>(status & 3),
          static_cast<uint8_t>(status >> 2)};
}

inline bool has_reservation(const CapKey& key) { return key[key_reservation] != no_byte; }

// A real table (and reservation) rebuilt from a key. Not movable: the reservation points at the
// table and the table at `storage`.
class TableWorld {
 public:
  TableWorld(const CapKey& key, size_t size)
      : m_size(size), m_table(Table::create(std::span(m_storage).first(size)).take()) {
    decode(key);
  }
  TableWorld(const TableWorld&) = delete;
  TableWorld& operator=(const TableWorld&) = delete;
  ~TableWorld() { disarm(); }

  Table& table() { return m_table; }
  std::optional<TableReservation>& reservation() { return m_reservation; }
  TableSlot& slot(size_t index) { return m_storage[index]; }
  [[nodiscard]] size_t size() const { return m_size; }

  // The canonical key of the current state; a field that does not fit its byte is a violation.
  CapKey encode(Checker& check) const;

  // Drops the reservation without running its rollback, and clears the table's reserved count,
  // so destruction never changes or asserts on a state the explorer has already recorded.
  void disarm();

 private:
  void decode(const CapKey& key);
  friend struct TableFault;

  size_t m_size;
  std::array<TableSlot, max_table_size> m_storage{};
  Table m_table;
  std::optional<TableReservation> m_reservation;
};

// Test-only mutations of the real table's private state, used to inject the faults the
// self-test must catch (cap_table_explore.cpp). Each models one plausible bug in cap_table.h.
struct TableFault {
  [[nodiscard]] static uint8_t generation(const TableWorld& world, size_t index);
  static void set_generation(TableWorld& world, size_t index, uint8_t generation);
  // A Retired slot put back at the tail of the free list with `generation`, as if the slot's
  // generation had wrapped instead of retiring it.
  static void recycle_retired(TableWorld& world, size_t index, uint8_t generation);
  // The slot indices a reservation holds, uncommitted ones only.
  [[nodiscard]] static std::array<uint32_t, max_transfer_caps> pending_slots(
      const TableReservation& reservation, size_t& count);
};

}  // namespace capos::verify
