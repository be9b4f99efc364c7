// verify/bounded/cap_table_checks.cpp — one transition of the CapTable explorer, and the
// per-state checks (cap_table_model.h states the properties).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/core/error.h"
#include "verify/bounded/cap_table_model.h"
#include "verify/bounded/outcome.h"

namespace capos::verify {
namespace {

size_t free_slots(const CapKey& key, size_t size) {
  size_t count = size - key[0];
  for (size_t index = 0; index < key[0]; ++index) {
    if (slot_view(key, index).state == CapSlotState::Free) ++count;
  }
  return count;
}

size_t count_state(const CapKey& key, CapSlotState state) {
  size_t count = 0;
  for (size_t index = 0; index < key[0]; ++index) {
    if (slot_view(key, index).state == state) ++count;
  }
  return count;
}

std::string id_text(CapId id) {
  return std::to_string(abi_index(id)) + ":" + std::to_string(abi_generation(id));
}

// The ghost after an operation, built from what the operation returned (never from the table).
class GhostUpdate {
 public:
  GhostUpdate(const CapGhost& ghost, size_t size, Checker& check, const CapTableModel& model,
              uint32_t operation)
      : m_ghost(ghost), m_size(size), m_check(check), m_model(model), m_operation(operation) {}

  [[gnu::noinline, gnu::cold]] void fail(const std::string& message) {
    m_check.fail(m_model.describe(m_operation) + ": " + message);
  }

  void issued(const Result<CapId>& result, uint8_t object) {
    if (!result.has_value()) return fail("failed with " + outcome_text(result.error()));
    const CapId id = *result;
    const uint32_t index = abi_index(id);  // the ABI layout, not lib/cap's decoders
    const uint8_t generation = abi_generation(id);
    if (cap_id_index(id) != index || cap_id_generation(id) != generation) {
      return fail("issued id " + id_text(id) +
                  ": cap_id_index/cap_id_generation disagree with "
                  "the ABI layout (SPEC §3)");
    }
    if (index >= m_size) return fail("issued id " + id_text(id) + " outside the table");
    if (generation == 0) return fail("issued id " + id_text(id) + " with generation 0");
    if (m_ghost.live_generation[index] != 0) {
      return fail("issued id " + id_text(id) + " while another id of that slot is live");
    }
    if (generation <= m_ghost.removed_upto[index]) {
      return fail("issued id " + id_text(id) + " a second time (it was issued and removed)");
    }
    if (generation != m_ghost.removed_upto[index] + 1) {
      return fail("issued id " + id_text(id) + ": a generation was skipped");
    }
    m_ghost.live_generation[index] = generation;
    m_ghost.live_object[index] = object;
  }

  void removed(const Result<TableEntry>& result, uint32_t index, uint8_t generation) {
    if (!result.has_value()) return fail("failed with " + outcome_text(result.error()));
    if (*result != entry_for(m_ghost.live_object[index])) {
      return fail("returned an entry other than the one inserted under that id");
    }
    m_ghost.live_generation[index] = 0;
    m_ghost.live_object[index] = 0;
    m_ghost.removed_upto[index] = generation;
  }

  [[nodiscard]] const CapGhost& ghost() const { return m_ghost; }

 private:
  CapGhost m_ghost;
  size_t m_size;
  Checker& m_check;
  const CapTableModel& m_model;
  uint32_t m_operation;
};

// Generations a rollback returned to the free list, for the RollbackBumpsGeneration fault.
void bump_returned(TableWorld& world, const std::array<uint32_t, max_transfer_caps>& slots,
                   size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const uint8_t generation = TableFault::generation(world, slots[i]);
    if (generation < cap_last_generation) {
      TableFault::set_generation(world, slots[i], static_cast<uint8_t>(generation + 1));
    }
  }
}

[[gnu::noinline, gnu::cold]] void fail_lookup(Checker& check, const std::string& message) {
  check.fail(message);
}

}  // namespace

void CapTableModel::apply(const CapKey& state, const CapGhost& ghost, uint32_t operation,
                          Successors<key_size>& next, Checker& check) const {
  TableWorld world(state, m_size);
  Table& table = world.table();
  GhostUpdate update(ghost, m_size, check, *this, operation);
  const uint32_t a = (operation >> 8) & 0xff;
  const auto b = static_cast<uint8_t>(operation >> 16);
  const size_t free_before = free_slots(state, m_size);
  std::optional<Error> expected_error;  // the operation must fail with this and change nothing
  std::optional<Error> actual_error;
  switch (static_cast<uint8_t>(operation & 0xff)) {
    case 1: {  // insert
      const Result<CapId> id = table.insert(entry_for(static_cast<uint8_t>(a)));
      if (free_before == 0) {
        expected_error = Error::Exhausted;
        actual_error = error_of(id);
      } else {
        update.issued(id, static_cast<uint8_t>(a));
      }
      break;
    }
    case 2: {  // insert(null)
      expected_error = Error::InvalidArgument;
      actual_error = error_of(table.insert(TableEntry{}));
      break;
    }
    case 3:    // remove
    case 4: {  // take
      const CapId id = abi_cap_id(a, b);
      const Result<TableEntry> entry =
          (operation & 0xff) == 3 ? table.remove(id) : Result<TableEntry>(table.take(id));
      update.removed(entry, a, b);
      if (m_fault == CapFault::MissingGenerationBump && b < cap_last_generation) {
        TableFault::set_generation(world, a, b);
      }
      if (m_fault == CapFault::GenerationWraps && b == cap_last_generation) {
        TableFault::recycle_retired(world, a, cap_first_generation);
      }
      break;
    }
    case 5: {  // remove of an id that is not live
      expected_error = Error::BadCap;
      actual_error = error_of(table.remove(abi_cap_id(a, b)));
      break;
    }
    case 6: {  // reserve
      Result<TableReservation> reservation = table.reserve(a);
      if (a > max_transfer_caps || a > free_before) {
        expected_error = a > max_transfer_caps ? Error::TooBig : Error::Exhausted;
        actual_error = error_of(reservation);
        break;
      }
      if (!reservation.has_value()) {
        update.fail("failed with " + outcome_text(reservation.error()));
        break;
      }
      world.reservation().emplace(std::move(reservation).take());
      if (world.reservation()->size() != a || world.reservation()->pending_count() != a) {
        update.fail("the reservation does not hold the requested slots");
      }
      break;
    }
    case 7: {  // reserve + rollback: exactly the state before
      Result<TableReservation> reservation = table.reserve(a);
      if (a > free_before) {
        expected_error = Error::Exhausted;
        actual_error = error_of(reservation);
        break;
      }
      if (!reservation.has_value()) {
        update.fail("failed with " + outcome_text(reservation.error()));
        break;
      }
      TableReservation held = std::move(reservation).take();
      size_t count = 0;
      const auto slots = TableFault::pending_slots(held, count);
      held.rollback();
      if (m_fault == CapFault::RollbackBumpsGeneration) bump_returned(world, slots, count);
      const CapKey after = world.encode(check);
      if (after != state)
        update.fail("rollback() did not restore the exact state before reserve()");
      return;
    }
    case 8: {  // commit
      const Result<CapId> id = world.reservation()->commit(a, entry_for(b));
      update.issued(id, b);
      break;
    }
    case 9: {  // rollback
      size_t count = 0;
      const auto slots = TableFault::pending_slots(*world.reservation(), count);
      world.reservation()->rollback();
      if (world.reservation()->size() != 0) update.fail("rollback() left slots held");
      world.reservation().reset();
      if (m_fault == CapFault::RollbackBumpsGeneration) bump_returned(world, slots, count);
      break;
    }
    default: capos_panic("cap explorer: unknown operation", __FILE__, __LINE__);
  }
  if (check.failed()) return;
  const CapKey after = world.encode(check);
  if (check.failed()) return;
  if (expected_error.has_value()) {
    if (actual_error != expected_error) {
      return update.fail("expected " + outcome_text(expected_error) + ", got " +
                         outcome_text(actual_error));
    }
    if (after != state) return update.fail("a failed operation changed the table");
    return;
  }
  const CapGhost table_says = ghost_of(after, m_size);
  for (size_t index = 0; index < m_size; ++index) {
    const CapGhost& history = update.ghost();
    const std::string slot = "slot " + std::to_string(index) + ": ";
    if (table_says.removed_upto[index] < history.removed_upto[index]) {
      return update.fail(slot + "id " + std::to_string(index) + ":" +
                         std::to_string(history.removed_upto[index]) +
                         " was removed, but the slot's generation did not move past it (it would "
                         "resolve and be issued again)");
    }
    if (table_says.removed_upto[index] != history.removed_upto[index] ||
        table_says.live_generation[index] != history.live_generation[index] ||
        table_says.live_object[index] != history.live_object[index]) {
      return update.fail(slot +
                         "the table's generation and live id differ from the ids it "
                         "issued and removed");
    }
  }
  for (size_t index = 0; index < m_size; ++index) {
    if (slot_view(state, index).state == CapSlotState::Retired &&
        slot_view(after, index).state != CapSlotState::Retired) {
      return update.fail("slot " + std::to_string(index) + " left the Retired state");
    }
  }
  if (within_bounds(after)) next.emit(operation, after);
}

void CapTableModel::check_state(const CapKey& state, const CapGhost& ghost, Checker& check) const {
  TableWorld world(state, m_size);
  const Table& table = world.table();
  if (!table.invariants_hold()) return check.fail("invariants_hold() is false");
  size_t live = 0;
  for (size_t index = 0; index < m_size; ++index) live += ghost.live_generation[index] != 0;
  size_t pending = 0;
  if (world.reservation().has_value()) pending = world.reservation()->pending_count();
  if (table.capacity() != m_size || table.live_count() != live ||
      table.retired_count() != count_state(state, CapSlotState::Retired) ||
      table.reserved_count() != pending ||
      table.reserved_count() != count_state(state, CapSlotState::Reserved) ||
      table.free_count() != free_slots(state, m_size)) {
    return check.fail("the counters disagree with the slots");
  }
  check_lookups(world, ghost, check);
  if (check.failed()) return;
  // live() from every start index, one past the table included, lists exactly the live ghost
  // ids, in slot order. From at or past the high-water mark (key[0]) the range must be empty
  // before it is dereferenced: a start left unclamped would read slots that were never handed
  // out, or past the table.
  for (uint32_t first = 0; first <= m_size + 1; ++first) {
    const auto range = table.live(first);
    if (first >= state[0] && !(range.begin() == range.end())) {
      return check.fail("live(" + std::to_string(first) +
                        ") from at or past the high-water mark is not empty");
    }
    std::vector<std::pair<CapId, TableEntry>> listed;
    for (const auto& cap : range) {
      if (listed.size() == m_size) {
        return check.fail("live(" + std::to_string(first) +
                          ") lists more caps than the table has slots");
      }
      listed.emplace_back(cap.id, cap.entry);
    }
    std::vector<std::pair<CapId, TableEntry>> expected;
    for (uint32_t index = first; index < m_size; ++index) {
      if (ghost.live_generation[index] == 0) continue;
      expected.emplace_back(abi_cap_id(index, ghost.live_generation[index]),
                            entry_for(ghost.live_object[index]));
    }
    if (listed != expected) return check.fail("live() does not list exactly the live caps");
  }
}

void CapTableModel::check_lookups(TableWorld& world, const CapGhost& ghost, Checker& check) const {
  const Table& table = world.table();
  // Every id of every slot index, all 256 generations; past the table, index checks come first
  // in resolve(), so a few generations per out-of-range index suffice.
  for (uint32_t position = 0; position < m_size + 2; ++position) {
    const bool in_table = position < m_size;
    const uint32_t slot = position <= m_size ? position : cap_index_mask;
    for (uint32_t g = 0; g <= cap_last_generation; ++g) {
      if (!in_table && g > 2 && g < cap_last_generation) continue;
      const auto generation = static_cast<uint8_t>(g);
      const CapId id = abi_cap_id(slot, generation);
      if (make_cap_id(slot, generation) != id) {
        return fail_lookup(
            check, "make_cap_id(" + id_text(id) + ") differs from the ABI layout (SPEC §3)");
      }
      const Result<TableEntry> found = lookup(world, id);
      const bool live = in_table && generation != 0 && ghost.live_generation[slot] == generation;
      if (live) {
        const TableEntry inserted = entry_for(ghost.live_object[slot]);
        if (!found.has_value() || *found != inserted) {
          return fail_lookup(check, "live id " + id_text(id) + " does not resolve to its entry");
        }
        const Result<TableEntry> call = table.lookup_for_call(id, inserted.interface_id);
        const Result<TableEntry> wrong = table.lookup_for_call(id, inserted.interface_id + 1);
        if (!call.has_value() || *call != inserted || error_of(wrong) != Error::BadInterface) {
          return fail_lookup(check, "lookup_for_call(" + id_text(id) + ") is wrong");
        }
        continue;
      }
      const bool newest_stale =
          in_table && generation != 0 && generation == ghost.removed_upto[slot];
      if (error_of(found) == Error::BadCap &&
          (!newest_stale ||
           error_of(table.lookup_for_call(id, entry_for(1).interface_id)) == Error::BadCap)) {
        continue;
      }
      const bool stale = in_table && generation != 0 && generation <= ghost.removed_upto[slot];
      return fail_lookup(check, std::string(stale ? "stale" : "never-issued") + " id " +
                                    id_text(id) + " resolves");
    }
  }
}

}  // namespace capos::verify
