// verify/bounded/cap_table_model.cpp — operations, expectations and checks of the CapTable
// explorer (cap_table_model.h states the properties).
#include "verify/bounded/cap_table_model.h"

#include <string>
#include <utility>

namespace capos::verify {
namespace {

enum class OpKind : uint8_t {
  Insert = 1,       // a = object code
  InsertNull,       // must be InvalidArgument, no change
  Remove,           // a = index, b = generation (a live id)
  Take,             // a = index, b = generation (a live id)
  RemoveInvalid,    // a = index, b = generation (not live): BadCap, no change
  Reserve,          // a = count
  ReserveRollback,  // a = count: reserve then roll back at once; the state must be unchanged
  Commit,           // a = position, b = object code
  Rollback,
};

constexpr uint32_t op(OpKind kind, uint32_t a = 0, uint32_t b = 0) {
  return static_cast<uint32_t>(kind) | a << 8 | b << 16;
}
constexpr OpKind kind_of(uint32_t operation) { return static_cast<OpKind>(operation & 0xff); }
constexpr uint32_t arg_a(uint32_t operation) { return (operation >> 8) & 0xff; }
constexpr uint8_t arg_b(uint32_t operation) { return static_cast<uint8_t>(operation >> 16); }

std::string id_text(uint32_t index, uint32_t generation) {
  return std::to_string(index) + ":" + std::to_string(generation);
}

const char* object_name(uint8_t object) { return object == 1 ? "A" : "B"; }

}  // namespace

CapGhost ghost_of(const CapKey& key, size_t size) {
  CapGhost ghost;
  for (size_t index = 0; index < size; ++index) {
    const SlotView view = slot_view(key, index);
    if (!view.touched) continue;
    const bool retired = view.state == CapSlotState::Retired;
    ghost.removed_upto[index] =
        static_cast<uint8_t>(retired ? view.generation : view.generation - 1);
    if (view.state == CapSlotState::Live) {
      ghost.live_generation[index] = view.generation;
      ghost.live_object[index] = view.object;
    }
  }
  return ghost;
}

std::vector<CapKey> CapTableModel::initial_states() const {
  Checker check;
  const CapKey empty{};  // high water 0, no reservation ...
  CapKey initial = empty;
  initial[1] = initial[2] = no_byte;  // ... and an empty free list
  initial[key_reservation] = no_byte;
  if (m_bounds.seed_generation == 0) return {initial};
  // Cycle every slot to the seed generation through the real API: with the other slots live,
  // the freed slot is the only free one, so the next insert reuses it.
  TableWorld world(initial, m_size);
  std::array<CapId, max_table_size> ids{};
  for (size_t index = 0; index < m_size; ++index)
    ids[index] = world.table().insert(entry_for(1)).take();
  for (size_t index = 0; index < m_size; ++index) {
    while (cap_id_generation(ids[index]) + 1 < m_bounds.seed_generation) {
      (void)world.table().remove(ids[index]).take();
      ids[index] = world.table().insert(entry_for(1)).take();
    }
  }
  for (size_t index = 0; index < m_size; ++index) (void)world.table().remove(ids[index]).take();
  const CapKey seed = world.encode(check);
  CapGhost expected;
  for (size_t index = 0; index < m_size; ++index)
    expected.removed_upto[index] = static_cast<uint8_t>(m_bounds.seed_generation - 1);
  if (check.failed() || ghost_of(seed, m_size) != expected) {
    capos_panic("cap explorer: seed state is not the expected one", __FILE__, __LINE__);
  }
  return {seed};
}

std::string CapTableModel::describe(uint32_t operation) const {
  const uint32_t a = arg_a(operation);
  const uint8_t b = arg_b(operation);
  switch (kind_of(operation)) {
    case OpKind::Insert: return std::string("insert(") + object_name(static_cast<uint8_t>(a)) + ")";
    case OpKind::InsertNull: return "insert(null)";
    case OpKind::Remove: return "remove(" + id_text(a, b) + ")";
    case OpKind::Take: return "take(" + id_text(a, b) + ")";
    case OpKind::RemoveInvalid: return "remove(" + id_text(a, b) + ") [not live]";
    case OpKind::Reserve: return "reserve(" + std::to_string(a) + ")";
    case OpKind::ReserveRollback: return "reserve(" + std::to_string(a) + ")+rollback()";
    case OpKind::Commit: return "commit(" + std::to_string(a) + ", " + object_name(b) + ")";
    case OpKind::Rollback: return "rollback()";
  }
  return "?";
}

Result<TableEntry> CapTableModel::lookup(TableWorld& world, CapId id) const {
  const uint32_t index = cap_id_index(id);
  if (m_fault == CapFault::LookupIgnoresGeneration && index < world.size()) {
    id = make_cap_id(index, TableFault::generation(world, index));  // the broken resolve()
  }
  if (m_fault == CapFault::LookupRejects200 && cap_id_generation(id) == 200) return Error::BadCap;
  return world.table().lookup(id);
}

bool CapTableModel::within_bounds(const CapKey& key) const {
  if (m_bounds.abstract) return true;  // the whole 8-bit range
  for (size_t index = 0; index < key[0] && index < m_size; ++index) {
    if (slot_view(key, index).generation > m_bounds.max_generation) return false;
  }
  return true;
}

// While a reservation is pending the table is inside one transfer, under one hold of the
// owner's lock (cap_table.h): only that transfer's own steps can run — take() of a MOVE source
// (the source table may be this one), commit() and rollback(). Otherwise every operation runs.
CapTableModel::OpList CapTableModel::operations(const CapKey& state, const CapGhost& ghost) const {
  OpList ops;
  const bool in_transfer = has_reservation(state);
  if (!in_transfer) {
    ops.add(op(OpKind::Insert, 1));
    ops.add(op(OpKind::Insert, 2));
    ops.add(op(OpKind::InsertNull));
  }
  for (uint32_t index = 0; index < m_size; ++index) {
    const uint8_t live = ghost.live_generation[index];
    if (live != 0) ops.add(op(OpKind::Take, index, live));
    if (in_transfer) continue;
    if (live != 0) ops.add(op(OpKind::Remove, index, live));
    const SlotView view = slot_view(state, index);
    const uint8_t current = view.touched ? view.generation : cap_first_generation;
    if (live == 0) ops.add(op(OpKind::RemoveInvalid, index, current));         // never issued
    if (current > 1) ops.add(op(OpKind::RemoveInvalid, index, current - 1u));  // stale
  }
  if (!in_transfer) {
    ops.add(op(OpKind::RemoveInvalid, static_cast<uint32_t>(m_size), 1));  // out of range
    for (uint32_t count = 0; count <= max_transfer_caps + 1; ++count) {
      if (count > 0) ops.add(op(OpKind::Reserve, count));
      if (count <= m_size && count <= max_transfer_caps)
        ops.add(op(OpKind::ReserveRollback, count));
    }
    return ops;
  }
  const uint8_t held = state[key_reservation];
  for (uint32_t position = 0; position < held; ++position) {
    if ((state[key_reservation + 2 + 2 * position] & 2) != 0) continue;  // committed
    ops.add(op(OpKind::Commit, position, 1));
    ops.add(op(OpKind::Commit, position, 2));
  }
  ops.add(op(OpKind::Rollback));
  return ops;
}

void CapTableModel::expand_concrete(const CapKey& state, Successors<key_size>& next,
                                    Checker& check) const {
  const CapGhost ghost = ghost_of(state, m_size);
  check_state(state, ghost, check);
  if (check.failed()) return;
  const OpList ops = operations(state, ghost);
  for (size_t i = 0; i < ops.count; ++i) {
    apply(state, ghost, ops.ops[i], next, check);
    if (check.failed()) return;
  }
}

}  // namespace capos::verify
