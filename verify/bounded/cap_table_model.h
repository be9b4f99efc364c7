// verify/bounded/cap_table_model.h — the CapTable explorer (seed target 1, Tier 4).
//
// Drives the real CapTable<H> and CapReservation<H> through every operation from every reachable
// state of a table of `size` slots and checks, on every state and every transition:
//   - a stale CapId never resolves, and no id is ever issued twice (ghost ids below);
//   - each live id resolves to its insertion-time entry, through lookup, lookup_for_call and
//     live() iteration, and no other id (of the 256 generations of each index) resolves;
//   - retired slots stay retired; the counters and invariants_hold() agree with the slots;
//   - reserve(n) followed by rollback() restores the exact state (every byte of the key).
//
// Ghost ids. For every slot the explorer knows which ids were ever issued: with a correct table
// they are generations 1..g-1 (all removed) plus g if the slot is live, where g is the slot's
// current generation (255 and all removed once retired). ghost_of(key) computes that set from
// the state; every transition recomputes it the other way — from the ids the operation actually
// returned or removed — and fails unless both agree. By induction over any path, the ghost of a
// state then equals the true history of issued ids, so the state alone can be hashed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "verify/bounded/cap_table_state.h"
#include "verify/bounded/state_space.h"

namespace capos::verify {

// Faults the self-test injects into the real table, each through TableFault after the real
// operation ran; every one must be reported as a violation.
enum class CapFault : uint8_t {
  None,
  MissingGenerationBump,    // remove() leaves the generation unchanged
  GenerationWraps,          // removing at generation 255 recycles the slot at generation 1
  RollbackBumpsGeneration,  // rollback() returns slots as if they had been removed
  LookupIgnoresGeneration,  // resolve() matches the slot index only
  LookupRejects200,         // lookup() of a live id fails when its generation is 200 (a
                            // middle value no representative has: the abstraction's re-check)
};

struct CapBounds {
  // Transitions that would take a slot above this generation are checked but not followed
  // (255 = the full 8-bit range, no pruning).
  uint8_t max_generation = 255;
  // 0: start from the empty table. Otherwise (>= 2) start from the reachable state in which
  // every slot has been cycled with real insert/remove calls until it is free at this generation
  // (generations below it issued and removed), freed in index order.
  uint8_t seed_generation = 0;
  // The generation abstraction (cap_table_abstract.cpp): every slot generation is 1, 255 or
  // "middle" (2..254, stored as one representative per slot), so the whole 8-bit range closes
  // at sizes 3 and 4; each state is also re-explored under `rechecks` other concretizations of
  // its middle generations, which must behave the same up to that renaming.
  bool abstract = false;
  uint8_t rechecks = 1;
};

struct CapGhost {
  std::array<uint8_t, max_table_size> removed_upto{};     // generations 1..n were issued, removed
  std::array<uint8_t, max_table_size> live_generation{};  // 0: no live id in this slot
  std::array<uint8_t, max_table_size> live_object{};
  friend bool operator==(const CapGhost&, const CapGhost&) = default;
};

class CapTableModel {
 public:
  static constexpr size_t key_size = cap_key_size;

  CapTableModel(size_t size, CapBounds bounds, CapFault fault)
      : m_size(size), m_bounds(bounds), m_fault(fault) {}

  std::vector<CapKey> initial_states() const;
  void expand(const CapKey& state, Successors<key_size>& next, Checker& check) const {
    if (m_bounds.abstract) return expand_abstract(state, next, check);
    expand_concrete(state, next, check);
  }
  [[nodiscard]] std::string describe(uint32_t operation) const;

 private:
  void expand_concrete(const CapKey& state, Successors<key_size>& next, Checker& check) const;
  void expand_abstract(const CapKey& state, Successors<key_size>& next, Checker& check) const;
  void check_state(const CapKey& state, const CapGhost& ghost, Checker& check) const;
  void check_lookups(TableWorld& world, const CapGhost& ghost, Checker& check) const;
  void apply(const CapKey& state, const CapGhost& ghost, uint32_t operation,
             Successors<key_size>& next, Checker& check) const;
  struct OpList {
    std::array<uint32_t, 48> ops{};
    size_t count = 0;
    void add(uint32_t operation) { ops[count++] = operation; }
  };
  [[nodiscard]] OpList operations(const CapKey& state, const CapGhost& ghost) const;
  [[nodiscard]] Result<TableEntry> lookup(TableWorld& world, CapId id) const;
  [[nodiscard]] bool within_bounds(const CapKey& key) const;

  size_t m_size;
  CapBounds m_bounds;
  CapFault m_fault;
};

CapGhost ghost_of(const CapKey& key, size_t size);

// The generation abstraction of a state: every middle generation (2..254) of a touched slot
// replaced by that slot's representative (cap_table_abstract.cpp).
CapKey abstract_of(const CapKey& key);
[[nodiscard]] constexpr bool middle_generation(uint8_t generation) {
  return generation > cap_first_generation && generation < cap_last_generation;
}

}  // namespace capos::verify
