// verify/bounded/cap_table_abstract.cpp — the generation abstraction of the CapTable explorer,
// which closes tables of 3 and 4 slots over the whole 8-bit generation range.
//
// A table of n slots has 255^n generation vectors, far too many to store at n >= 3. The code
// treats a generation as data: it compares it for equality (with an id's generation and with
// 255), increments it when a live cap is removed, and retires the slot when that happens at
// 255. So each slot's generation is abstracted to one of three classes: 1 (never removed),
// 255 (the next removal retires the slot) and middle (2..254), stored as one concrete
// representative per slot (middle_rep). A removal in the middle may stay in the middle or
// reach 255: both successors are explored, so every run of the real table over the full range
// is, slot by slot, a run of the abstraction (an over-approximation: nothing is missed).
//
// That is sound only if the code's behaviour on a state depends on a middle generation solely
// through that renaming ("uniformity"). It is checked, not assumed, on every state: the state
// is explored again under other concretizations (each middle slot at another value of 2..254,
// 254 included, chosen from the state's key), with every property check of the concrete
// explorer, and each operation must reach the same abstract successors (a concretization at
// 254 may only drop the stay-in-the-middle one). At size 2, where the full range is explored
// exactly, cap_table_explore.cpp also compares the abstract state set with the abstraction of
// every concrete state. What uniformity checks cannot exclude is code that singles out a
// middle value no concretization of a state hits; docs/verification.md states this bound.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "verify/bounded/cap_table_model.h"

namespace capos::verify {
namespace {

constexpr size_t key_generation(size_t slot) { return key_slots + 3 * slot; }

// The representative of the middle class, per slot (distinct, so a mix-up between two slots'
// generations cannot hide behind equal values).
constexpr uint8_t middle_rep(size_t slot) { return static_cast<uint8_t>(100 + 37 * slot); }

constexpr uint32_t op_kind(uint32_t operation) { return operation & 0xff; }
constexpr uint32_t op_index(uint32_t operation) { return (operation >> 8) & 0xff; }

// Another middle value for `slot`, drawn from the state and the round: the ends of the range
// (2 and 254) a quarter of the time, otherwise anywhere in it.
uint8_t other_middle(const CapKey& key, size_t slot, uint32_t round) {
  uint64_t h = 0x9e37'79b9'7f4a'7c15ULL ^ (uint64_t{round} << 32) ^ slot;
  for (uint8_t byte : key) h = (h ^ byte) * 0x100'0000'01b3ULL;
  h ^= h >> 29;
  switch (h % 8) {
    case 0: return 2;
    case 1: return 254;
    default: return static_cast<uint8_t>(2 + (h >> 8) % 253);
  }
}

bool touched(const CapKey& key, size_t slot) { return slot < key[0]; }

// The operations that name a generation (remove, take, remove of a non-live id) carry it in
// bits 16..23; under a concretization it is shifted with the slot's middle value.
uint32_t rename_operation(uint32_t operation, const std::array<int, max_table_size>& shift) {
  const uint32_t kind = op_kind(operation);
  if (kind < 3 || kind > 5) return operation;  // Remove = 3, Take = 4, RemoveInvalid = 5
  const uint32_t index = op_index(operation);
  if (index >= max_table_size || shift[index] == 0) return operation;
  const int generation = static_cast<int>((operation >> 16) & 0xff) + shift[index];
  return (operation & 0xffff) | static_cast<uint32_t>(generation & 0xff) << 16;
}

// The abstract successors of one concrete transition before -> after: the abstraction of
// `after`, and if a middle generation moved within the middle, also that slot at 255.
void abstract_successors(const CapKey& before, const CapKey& after, std::vector<CapKey>& out) {
  out.push_back(abstract_of(after));
  for (size_t slot = 0; slot < max_table_size; ++slot) {
    if (!touched(before, slot) || !touched(after, slot)) continue;
    const uint8_t was = before[key_generation(slot)];
    const uint8_t now = after[key_generation(slot)];
    if (was != now && middle_generation(was) && middle_generation(now)) {
      CapKey last = after;
      last[key_generation(slot)] = cap_last_generation;
      out.push_back(abstract_of(last));
    }
  }
}

using EdgeSets = std::vector<std::pair<uint32_t, std::vector<CapKey>>>;

EdgeSets abstract_edges(const CapKey& before, const Successors<cap_key_size>& next,
                        const std::array<int, max_table_size>& shift) {
  EdgeSets edges;
  for (const auto& edge : next.edges()) {
    std::vector<CapKey> keys;
    abstract_successors(before, edge.key, keys);
    std::sort(keys.begin(), keys.end());
    edges.emplace_back(rename_operation(edge.operation, shift), std::move(keys));
  }
  std::sort(edges.begin(), edges.end());
  return edges;
}

std::string generations_text(const CapKey& key) {
  std::string text;
  for (size_t slot = 0; slot < key[0]; ++slot) {
    text += (slot == 0 ? "" : ",") + std::to_string(key[key_generation(slot)]);
  }
  return "[" + text + "]";
}

}  // namespace

CapKey abstract_of(const CapKey& key) {
  CapKey out = key;
  for (size_t slot = 0; slot < max_table_size; ++slot) {
    if (touched(key, slot) && middle_generation(key[key_generation(slot)])) {
      out[key_generation(slot)] = middle_rep(slot);
    }
  }
  return out;
}

void CapTableModel::expand_abstract(const CapKey& state, Successors<key_size>& next,
                                    Checker& check) const {
  Successors<key_size> concrete;
  expand_concrete(state, concrete, check);
  if (check.failed()) return;
  const EdgeSets expected = abstract_edges(state, concrete, {});
  for (uint32_t round = 0; round < m_bounds.rechecks; ++round) {
    CapKey other = state;
    std::array<int, max_table_size> shift{};  // concrete value - representative, per slot
    bool at_last = false;                     // a middle slot concretized at 254
    for (size_t slot = 0; slot < m_size; ++slot) {
      if (!touched(state, slot) || !middle_generation(state[key_generation(slot)])) continue;
      const uint8_t value = other_middle(state, slot, round);
      other[key_generation(slot)] = value;
      shift[slot] = middle_rep(slot) - value;
      at_last = at_last || value == 254;
    }
    if (other == state) continue;
    Checker recheck;
    Successors<key_size> renamed;
    expand_concrete(other, renamed, recheck);
    const std::string where = "under the concretization with generations " +
                              generations_text(other) + " of " + generations_text(state) + ": ";
    if (recheck.failed()) return check.fail(where + recheck.message());
    const EdgeSets got = abstract_edges(other, renamed, shift);
    bool same = got.size() == expected.size();
    for (size_t i = 0; same && i < got.size(); ++i) {
      same = got[i].first == expected[i].first &&
             std::includes(expected[i].second.begin(), expected[i].second.end(),
                           got[i].second.begin(), got[i].second.end()) &&
             (at_last || got[i].second == expected[i].second);
    }
    if (!same) {
      return check.fail(where +
                        "the abstract successors differ from the representative's (the "
                        "code does not treat middle generations uniformly)");
    }
  }
  for (const auto& edge : concrete.edges()) {
    std::vector<CapKey> keys;
    abstract_successors(state, edge.key, keys);
    for (const CapKey& key : keys) next.emit(edge.operation, key);
  }
}

}  // namespace capos::verify
