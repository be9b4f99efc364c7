// lib/cap/cap_table.h — the per-process capability table (SPEC §3).
//
// A CapTable runs over caller-provided slots (capacity 1..2^24, fixed at create()) and never
// allocates. It is not synchronised: the owning process's lock serialises every call, and a
// transfer's decode and invoke steps run under one hold of that lock.
//
// Transfers (STYLE.md "Decode, then invoke"), at most max_transfer_caps descriptors:
//   decode:  entry[i] = TRY(from.lookup(desc[i].cap_id));   // reject a repeated MOVE source
//            auto slots = TRY(to.reserve(n));                // all or nothing; rolled back by
//                                                            // its destructor on early return
//   invoke:  new_id[i] = slots.commit(i, entry[i]);          // infallible
//            if (desc[i].mode == Move) from.take(desc[i].cap_id);   // infallible, see take()
// A MOVE source therefore stays live (and callable) until the receiver's cap appears, and
// disappears in the same critical section. `from` and `to` may be the same table.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "lib/cap/cap_id.h"
#include "lib/core/result.h"

namespace capos {

// What a cap refers to: a nullable, copyable handle (`CapObject*` in the kernel). `Handle{}` is
// the null handle and converts to false; a live entry never holds it.
template <typename H>
concept CapHandle = std::copyable<H> && std::default_initializable<H> &&
                    requires(const H& handle) { static_cast<bool>(handle); };

// One capability: the object, the interface it exposes (the interface is the permission,
// SPEC §3) and the badge the object sees on every call through it.
template <CapHandle Handle>
struct CapEntry {
  Handle object{};
  uint64_t interface_id = 0;
  uint64_t badge = 0;
  friend bool operator==(const CapEntry&, const CapEntry&) = default;
};

enum class CapSlotState : uint8_t { Free, Reserved, Live, Retired };

// Defined in lib/cap/cap_reservation.h; include that header to call CapTable::reserve().
template <CapHandle Handle>
class CapReservation;

// Invariants (all checked by invariants_hold()):
// - Slots at index >= m_high_water have never been handed out and are never read: create() is
//   O(1) and iteration stops at the high-water mark. Below it each slot is in one state.
// - A slot is live iff its state is Live; exactly the live slots hold a non-null object. A
//   CapId resolves iff its index names a live slot whose generation equals the id's.
// - A slot's generation lies in 1..255 and only grows: removing a live cap bumps it, so the
//   removed id stays stale; a slot removed at generation 255 is retired and never reused. So
//   no CapId ever resolves again once removed, and no CapId is ever issued twice.
// - A Free or Reserved slot has never published its current generation; that is why a
//   rollback returns a reserved slot without bumping it.
// - The free list holds exactly the Free slots below m_high_water, oldest-freed first; they
//   are reused before untouched slots (the touched prefix stays as short as peak occupancy)
//   and FIFO spreads generations over them instead of burning through one slot.
// - live + reserved + retired + free == capacity, where free counts untouched slots too.
// Every id ever issued is distinct, so a table issues at most 255 * capacity ids in its life;
// after that every insert and reserve is Exhausted (see README.md).
template <CapHandle Handle>
class CapTable {
 public:
  using Entry = CapEntry<Handle>;
  using Reservation = CapReservation<Handle>;

  // Storage element. The caller provides constructed Slots (e.g. std::array<Slot, N>) and keeps
  // them alive and untouched for the table's lifetime; their contents belong to the table.
  class Slot {
   public:
    Slot() = default;

   private:
    friend class CapTable;
    Entry m_entry{};
    uint32_t m_next_free = 0;
    uint8_t m_generation = cap_first_generation;
    CapSlotState m_state = CapSlotState::Free;
  };

  // A live cap as seen by iteration. `entry` stays valid until the slot is next modified.
  struct LiveCap {
    CapId id;
    const Entry& entry;
  };
  class LiveRange;

  // InvalidArgument for empty storage, TooBig above cap_table_max_capacity slots.
  [[nodiscard]] static Result<CapTable> create(std::span<Slot> storage) {
    if (storage.empty()) return Error::InvalidArgument;
    if (storage.size() > cap_table_max_capacity) return Error::TooBig;
    return CapTable(storage);
  }

  // Leaves `other` empty (capacity 0). Precondition (KASSERT): no slot of `other` is reserved,
  // because a Reservation points at the table it came from.
  CapTable(CapTable&& other) noexcept
      : m_slots(std::exchange(other.m_slots, {})),
        m_high_water(std::exchange(other.m_high_water, 0)),
        m_free_head(std::exchange(other.m_free_head, no_slot)),
        m_free_tail(std::exchange(other.m_free_tail, no_slot)),
        m_free_listed(std::exchange(other.m_free_listed, 0)),
        m_live(std::exchange(other.m_live, 0)),
        m_reserved(std::exchange(other.m_reserved, 0)),
        m_retired(std::exchange(other.m_retired, 0)) {
    KASSERT(m_reserved == 0);
  }
  CapTable(const CapTable&) = delete;
  CapTable& operator=(const CapTable&) = delete;
  CapTable& operator=(CapTable&&) = delete;
  // A Reservation must not outlive its table (KASSERT).
  ~CapTable() { KASSERT(m_reserved == 0); }

  // Publishes a new cap. InvalidArgument for a null object, Exhausted when no slot is free.
  [[nodiscard]] Result<CapId> insert(Entry entry) {
    if (!entry.object) return Error::InvalidArgument;
    if (free_count() == 0) return Error::Exhausted;
    return publish(take_free_slot().index, std::move(entry));
  }

  // BadCap unless `id` is live: id 0, generation 0, index out of range, stale generation,
  // free, reserved and retired slots are all indistinguishable to the caller.
  [[nodiscard]] Result<Entry> lookup(CapId id) const {
    const uint32_t index = TRY(resolve(id));
    return m_slots[index].m_entry;
  }

  // The call path (SPEC §3): BadCap as lookup(), BadInterface when the cap is live but exposes
  // another interface.
  [[nodiscard]] Result<Entry> lookup_for_call(CapId id, uint64_t interface_id) const {
    const uint32_t index = TRY(resolve(id));
    const Entry& entry = m_slots[index].m_entry;
    if (entry.interface_id != interface_id) return Error::BadInterface;
    return entry;
  }

  // RELEASE: BadCap as lookup(); otherwise returns the entry and makes `id` stale forever.
  [[nodiscard]] Result<Entry> remove(CapId id) {
    const uint32_t index = TRY(resolve(id));
    return release_live(index);
  }

  // The invoke half of a MOVE: removes a cap that decode resolved under the same lock hold.
  // Precondition (KASSERT): `id` is live. A transfer naming one MOVE source twice must be
  // rejected in decode, or the second take() would fire this.
  Entry take(CapId id) {
    const Result<uint32_t> index = resolve(id);
    const bool resolved = index.has_value();
    KASSERT(resolved);
    return release_live(*index);
  }

  // Holds `count` free slots for a transfer, all or nothing. TooBig above max_transfer_caps;
  // Exhausted (table unchanged) when fewer slots are free. A count of 0 yields an empty
  // reservation, so decode needs no special case.
  [[nodiscard]] Result<Reservation> reserve(size_t count) {
    if (count > max_transfer_caps) return Error::TooBig;
    if (count > free_count()) return Error::Exhausted;
    Reservation reservation(*this);
    for (size_t i = 0; i < count; ++i) reservation.hold(take_free_slot());
    return reservation;
  }

  // Live caps in ascending slot order, starting at slot `first_index` (a resumable cursor for
  // CapabilityManager.list). Slots never move, so the range stays usable while caps are added
  // or removed; it reports each slot's state when the iterator reaches it.
  [[nodiscard]] LiveRange live(uint32_t first_index = 0) const { return {this, first_index}; }

  [[nodiscard]] size_t capacity() const { return m_slots.size(); }
  [[nodiscard]] size_t live_count() const { return m_live; }
  [[nodiscard]] size_t reserved_count() const { return m_reserved; }
  [[nodiscard]] size_t retired_count() const { return m_retired; }
  [[nodiscard]] size_t free_count() const {
    return m_free_listed + (m_slots.size() - m_high_water);
  }

  // Walks every touched slot and the free list; true iff the invariants above hold. O(capacity)
  // — for tests and debug checks, not for hot paths.
  [[nodiscard]] bool invariants_hold() const;

 private:
  friend class CapReservation<Handle>;

  // constexpr, so constant-initialized: clang-tidy 19 misreports static constexpr members of
  // class templates instantiated in other translation units.
  // NOLINTNEXTLINE(bugprone-dynamic-static-initializers)
  static constexpr uint32_t no_slot = ~uint32_t{0};
  enum class Origin : uint8_t { FreeList, Untouched };  // where a reserved slot came from
  struct Taken {
    uint32_t index;
    Origin origin;
  };

  explicit CapTable(std::span<Slot> storage) : m_slots(storage) {}

  [[nodiscard]] Result<uint32_t> resolve(CapId id) const {
    const uint32_t index = cap_id_index(id);
    if (index >= m_high_water) return Error::BadCap;
    const Slot& slot = m_slots[index];
    if (slot.m_state != CapSlotState::Live) return Error::BadCap;
    if (slot.m_generation != cap_id_generation(id)) return Error::BadCap;
    return index;
  }

  // Precondition: free_count() > 0. Reused slots are preferred, so the touched prefix of the
  // storage stays as short as the table's peak occupancy.
  Taken take_free_slot() {
    Taken taken{m_free_head, Origin::FreeList};
    if (m_free_head != no_slot) {
      m_free_head = m_slots[taken.index].m_next_free;
      if (m_free_head == no_slot) m_free_tail = no_slot;
      --m_free_listed;
    } else {
      KASSERT(m_high_water < m_slots.size());
      taken = {m_high_water++, Origin::Untouched};
      m_slots[taken.index] = Slot{};
    }
    m_slots[taken.index].m_state = CapSlotState::Reserved;
    ++m_reserved;
    return taken;
  }

  CapId publish(uint32_t index, Entry entry) {
    Slot& slot = m_slots[index];
    KASSERT(slot.m_state == CapSlotState::Reserved);
    KASSERT(entry.object);  // SPEC §3: a cap always refers to an object
    slot.m_entry = std::move(entry);
    slot.m_state = CapSlotState::Live;
    --m_reserved;
    ++m_live;
    return make_cap_id(index, slot.m_generation);
  }

  // Undoes take_free_slot() for a slot that never published an id. Called in reverse order of
  // taking, this restores the exact free order, so later inserts get the same ids.
  void unreserve(Taken taken) {
    Slot& slot = m_slots[taken.index];
    KASSERT(slot.m_state == CapSlotState::Reserved);
    slot.m_state = CapSlotState::Free;
    --m_reserved;
    if (taken.origin == Origin::Untouched && taken.index + 1 == m_high_water) {
      --m_high_water;  // back to untouched: its generation is still the first one
      return;
    }
    slot.m_next_free = m_free_head;
    m_free_head = taken.index;
    if (m_free_tail == no_slot) m_free_tail = taken.index;
    ++m_free_listed;
  }

  Entry release_live(uint32_t index) {
    Slot& slot = m_slots[index];
    Entry entry = std::exchange(slot.m_entry, Entry{});
    --m_live;
    if (slot.m_generation == cap_last_generation) {
      slot.m_state = CapSlotState::Retired;  // the next generation would wrap: never reuse
      ++m_retired;
      return entry;
    }
    ++slot.m_generation;
    slot.m_state = CapSlotState::Free;
    slot.m_next_free = no_slot;
    if (m_free_tail == no_slot) {
      m_free_head = index;
    } else {
      m_slots[m_free_tail].m_next_free = index;
    }
    m_free_tail = index;
    ++m_free_listed;
    return entry;
  }

  // The first live slot at or after `index`, or m_high_water.
  [[nodiscard]] uint32_t next_live(uint32_t index) const {
    while (index < m_high_water && m_slots[index].m_state != CapSlotState::Live) ++index;
    return index < m_high_water ? index : m_high_water;
  }

  std::span<Slot> m_slots;
  uint32_t m_high_water = 0;  // slots [0, m_high_water) have been handed out at least once
  uint32_t m_free_head = no_slot;
  uint32_t m_free_tail = no_slot;
  uint32_t m_free_listed = 0;  // length of the free list
  uint32_t m_live = 0;
  uint32_t m_reserved = 0;
  uint32_t m_retired = 0;
};

// Forward iteration over the live slots of [first, high water).
template <CapHandle Handle>
class CapTable<Handle>::LiveRange {
 public:
  class Iterator {
   public:
    LiveCap operator*() const {
      const Slot& slot = m_table->m_slots[m_index];
      return {make_cap_id(m_index, slot.m_generation), slot.m_entry};
    }
    Iterator& operator++() {
      m_index = m_table->next_live(m_index + 1);
      return *this;
    }
    bool operator==(const Iterator& other) const { return m_index == other.m_index; }

   private:
    friend class LiveRange;
    Iterator(const CapTable* table, uint32_t index) : m_table(table), m_index(index) {}
    const CapTable* m_table;
    uint32_t m_index;
  };

  [[nodiscard]] Iterator begin() const { return {m_table, m_table->next_live(m_first)}; }
  [[nodiscard]] Iterator end() const { return {m_table, m_table->m_high_water}; }

 private:
  friend class CapTable;
  LiveRange(const CapTable* table, uint32_t first) : m_table(table), m_first(first) {}
  const CapTable* m_table;
  uint32_t m_first;
};

template <CapHandle Handle>
bool CapTable<Handle>::invariants_hold() const {
  if (m_high_water > m_slots.size() || m_slots.size() > cap_table_max_capacity) return false;
  uint32_t live = 0;
  uint32_t reserved = 0;
  uint32_t retired = 0;
  uint32_t free = 0;
  for (uint32_t i = 0; i < m_high_water; ++i) {
    const Slot& slot = m_slots[i];
    if (slot.m_generation < cap_first_generation) return false;
    if (static_cast<bool>(slot.m_entry.object) != (slot.m_state == CapSlotState::Live)) {
      return false;
    }
    switch (slot.m_state) {
      case CapSlotState::Live: ++live; break;
      case CapSlotState::Reserved: ++reserved; break;
      case CapSlotState::Free: ++free; break;
      case CapSlotState::Retired:
        if (slot.m_generation != cap_last_generation) return false;
        ++retired;
        break;
    }
  }
  // The free list: exactly the Free slots, no cycle (bounded walk), tail is the last one.
  uint32_t listed = 0;
  uint32_t last = no_slot;
  for (uint32_t i = m_free_head; i != no_slot; i = m_slots[i].m_next_free) {
    if (listed == free || i >= m_high_water || m_slots[i].m_state != CapSlotState::Free) {
      return false;
    }
    ++listed;
    last = i;
  }
  return listed == free && free == m_free_listed && last == m_free_tail && live == m_live &&
         reserved == m_reserved && retired == m_retired;
}

}  // namespace capos
