// verify/bounded/cap_table_state.cpp — CapTable state <-> canonical key, and fault mutations.
#include "verify/bounded/cap_table_state.h"

#include <string>

#include "verify/bounded/private_access.h"

namespace capos::verify {

// The only place that names the private fields (one explicit instantiation per program).
PRIVATE_MEMBER(HighWaterTag, Table, m_high_water);
PRIVATE_MEMBER(FreeHeadTag, Table, m_free_head);
PRIVATE_MEMBER(FreeTailTag, Table, m_free_tail);
PRIVATE_MEMBER(FreeListedTag, Table, m_free_listed);
PRIVATE_MEMBER(LiveTag, Table, m_live);
PRIVATE_MEMBER(ReservedTag, Table, m_reserved);
PRIVATE_MEMBER(RetiredTag, Table, m_retired);
PRIVATE_MEMBER(SlotEntryTag, TableSlot, m_entry);
PRIVATE_MEMBER(SlotNextTag, TableSlot, m_next_free);
PRIVATE_MEMBER(SlotGenerationTag, TableSlot, m_generation);
PRIVATE_MEMBER(SlotStateTag, TableSlot, m_state);
PRIVATE_MEMBER(HeldTag, TableReservation, m_held);
PRIVATE_MEMBER(CommittedTag, TableReservation, m_committed);
PRIVATE_MEMBER(CountTag, TableReservation, m_count);

namespace {

constexpr uint32_t no_slot = ~uint32_t{0};
constexpr uint32_t garbage_link = 0xdead'beef;

template <typename Tag, typename Object>
auto& field(Object& object) {
  return object.*member_pointer(Tag{});
}

[[gnu::noinline, gnu::cold]] void corrupt(const char* what, uint32_t value, Checker& check) {
  check.fail(std::string("corrupt table: ") + what + " = " + std::to_string(value));
}

uint8_t to_byte(uint32_t value, const char* what, Checker& check) {
  if (value == no_slot) return no_byte;
  if (value >= no_byte) {
    corrupt(what, value, check);
    return 0;
  }
  return static_cast<uint8_t>(value);
}

uint32_t from_byte(uint8_t value) { return value == no_byte ? no_slot : value; }

uint8_t object_code(const TableEntry& entry, Checker& check) {
  for (uint8_t code = 0; code <= 2; ++code) {
    if (entry == entry_for(code)) return code;
  }
  check.fail("corrupt table: a slot holds an entry that was never inserted");
  return 0;
}

}  // namespace

void TableWorld::decode(const CapKey& key) {
  Table& table = m_table;
  field<HighWaterTag>(table) = key[0];
  field<FreeHeadTag>(table) = from_byte(key[1]);
  field<FreeTailTag>(table) = from_byte(key[2]);
  field<FreeListedTag>(table) = key[3];
  field<LiveTag>(table) = key[4];
  field<ReservedTag>(table) = key[5];
  field<RetiredTag>(table) = key[6];
  for (size_t index = 0; index < max_table_size; ++index) {
    TableSlot& slot = m_storage[index];
    const SlotView view = slot_view(key, index);
    if (!view.touched) {  // never read by the table: garbage that would show if it were
      field<SlotEntryTag>(slot) = entry_for(2);
      field<SlotNextTag>(slot) = garbage_link;
      field<SlotGenerationTag>(slot) = 0x5a;
      field<SlotStateTag>(slot) = CapSlotState::Live;
      continue;
    }
    field<SlotGenerationTag>(slot) = view.generation;
    field<SlotStateTag>(slot) = view.state;
    field<SlotEntryTag>(slot) = entry_for(view.object);
    field<SlotNextTag>(slot) =
        view.state == CapSlotState::Free ? from_byte(key[key_slots + 3 * index + 2]) : garbage_link;
  }
  if (!has_reservation(key)) return;
  Result<TableReservation> empty = table.reserve(0);  // binds a reservation to the table
  m_reservation.emplace(std::move(empty).take());
  auto& held = field<HeldTag>(*m_reservation);
  auto& committed = field<CommittedTag>(*m_reservation);
  const uint8_t count = key[key_reservation];
  for (size_t position = 0; position < count; ++position) {
    const uint8_t bits = key[key_reservation + 1 + 2 * position + 1];
    held[position].index = key[key_reservation + 1 + 2 * position];
    held[position].origin = static_cast<decltype(held[position].origin)>(bits & 1);
    committed[position] = (bits & 2) != 0;
  }
  field<CountTag>(*m_reservation) = count;
}

CapKey TableWorld::encode(Checker& check) const {
  CapKey key{};
  const Table& table = m_table;
  const uint32_t high_water = field<HighWaterTag>(table);
  if (high_water > m_size) check.fail("corrupt table: high water above capacity");
  key[0] = to_byte(high_water, "high water", check);
  key[1] = to_byte(field<FreeHeadTag>(table), "free head", check);
  key[2] = to_byte(field<FreeTailTag>(table), "free tail", check);
  key[3] = to_byte(field<FreeListedTag>(table), "free listed", check);
  key[4] = to_byte(field<LiveTag>(table), "live", check);
  key[5] = to_byte(field<ReservedTag>(table), "reserved", check);
  key[6] = to_byte(field<RetiredTag>(table), "retired", check);
  for (size_t index = 0; index < high_water && index < m_size; ++index) {
    const TableSlot& slot = m_storage[index];
    const CapSlotState state = field<SlotStateTag>(slot);
    key[key_slots + 3 * index] = field<SlotGenerationTag>(slot);
    key[key_slots + 3 * index + 1] = static_cast<uint8_t>(
        static_cast<uint8_t>(state) | object_code(field<SlotEntryTag>(slot), check) << 2);
    if (state == CapSlotState::Free) {
      key[key_slots + 3 * index + 2] = to_byte(field<SlotNextTag>(slot), "free link", check);
    }
  }
  key[key_reservation] = no_byte;
  if (!m_reservation.has_value()) return key;
  const auto& held = field<HeldTag>(*m_reservation);
  const auto& committed = field<CommittedTag>(*m_reservation);
  const size_t count = field<CountTag>(*m_reservation);
  key[key_reservation] = static_cast<uint8_t>(count);
  for (size_t position = 0; position < count; ++position) {
    key[key_reservation + 1 + 2 * position] = to_byte(held[position].index, "held slot", check);
    key[key_reservation + 1 + 2 * position + 1] = static_cast<uint8_t>(
        static_cast<uint8_t>(held[position].origin) | (committed[position] ? 2 : 0));
  }
  return key;
}

void TableWorld::disarm() {
  if (m_reservation.has_value()) {
    field<CountTag>(*m_reservation) = 0;
    m_reservation.reset();
  }
  field<ReservedTag>(m_table) = 0;
}

uint8_t TableFault::generation(const TableWorld& world, size_t index) {
  return field<SlotGenerationTag>(world.m_storage[index]);
}

void TableFault::set_generation(TableWorld& world, size_t index, uint8_t generation) {
  field<SlotGenerationTag>(world.m_storage[index]) = generation;
}

void TableFault::recycle_retired(TableWorld& world, size_t index, uint8_t generation) {
  Table& table = world.m_table;
  TableSlot& slot = world.m_storage[index];
  field<SlotGenerationTag>(slot) = generation;
  field<SlotStateTag>(slot) = CapSlotState::Free;
  field<SlotNextTag>(slot) = no_slot;
  const auto position = static_cast<uint32_t>(index);
  uint32_t& tail = field<FreeTailTag>(table);
  if (tail == no_slot) {
    field<FreeHeadTag>(table) = position;
  } else {
    field<SlotNextTag>(world.m_storage[tail]) = position;
  }
  tail = position;
  ++field<FreeListedTag>(table);
  --field<RetiredTag>(table);
}

std::array<uint32_t, max_transfer_caps> TableFault::pending_slots(
    const TableReservation& reservation, size_t& count) {
  std::array<uint32_t, max_transfer_caps> slots{};
  count = 0;
  const auto& held = field<HeldTag>(reservation);
  const auto& committed = field<CommittedTag>(reservation);
  for (size_t position = 0; position < field<CountTag>(reservation); ++position) {
    if (!committed[position]) slots[count++] = held[position].index;
  }
  return slots;
}

}  // namespace capos::verify
