// verify/checker/hash.h — 128-bit state fingerprints and the visited-state table.
//
// A state is fingerprinted, not stored: two different states share a fingerprint with
// probability about n^2 / 2^129 for n states (below 10^-20 for the 10^8 states the deep runs
// could ever reach), and such a collision could only prune a state as visited, never report a
// false violation. verify/README.md "Reduction" gives the soundness argument for pruning.
#pragma once

#include <cstdint>
#include <vector>

namespace capos::verify {

[[nodiscard]] constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// An order-sensitive running fingerprint (two independently mixed 64-bit lanes).
struct Hash128 {
  uint64_t lo = 0x243f6a8885a308d3ULL;
  uint64_t hi = 0x13198a2e03707344ULL;

  void add(uint64_t value) {
    lo = mix64(lo ^ (value + 0x9e3779b97f4a7c15ULL));
    hi = mix64(hi + (value ^ 0xd1b54a32d192ed03ULL) * 0xff51afd7ed558ccdULL);
  }
  void add(const Hash128& other) {
    add(other.lo);
    add(other.hi);
  }
  [[nodiscard]] bool operator==(const Hash128&) const = default;
};

// An order-insensitive sum of fingerprints (a multiset), with removal.
struct HashSum {
  uint64_t lo = 0;
  uint64_t hi = 0;

  void add(const Hash128& item) {
    lo += mix64(item.lo);
    hi += mix64(item.hi ^ 0x5851f42d4c957f2dULL);
  }
  void remove(const Hash128& item) {
    lo -= mix64(item.lo);
    hi -= mix64(item.hi ^ 0x5851f42d4c957f2dULL);
  }
};

// Fingerprints of visited states, each with the largest preemption budget it was explored with
// (0 when the run is unbounded). Open addressing; grows at half load.
class VisitedSet {
 public:
  VisitedSet() : m_slots(1U << 16) {}

  // True when `state` was already explored with at least `budget` preemptions left (the caller
  // prunes); otherwise records it with `budget` and returns false.
  bool seen(const Hash128& state, uint32_t budget) {
    if ((m_count + 1) * 2 > m_slots.size()) grow();
    Slot& slot = find(state);
    if (slot.used) {
      if (slot.budget >= budget) return true;
      slot.budget = budget;
      return false;
    }
    slot = {state.lo, state.hi, budget, true};
    ++m_count;
    return false;
  }
  [[nodiscard]] uint64_t size() const { return m_count; }
  [[nodiscard]] uint64_t bytes() const { return m_slots.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t lo = 0;
    uint64_t hi = 0;
    uint32_t budget = 0;
    bool used = false;
  };

  Slot& find(const Hash128& state) {
    const uint64_t mask = m_slots.size() - 1;
    for (uint64_t at = state.lo & mask;; at = (at + 1) & mask) {
      Slot& slot = m_slots[at];
      if (!slot.used || (slot.lo == state.lo && slot.hi == state.hi)) return slot;
    }
  }
  void grow() {
    std::vector<Slot> old(m_slots.size() * 2);
    old.swap(m_slots);
    for (const Slot& slot : old) {
      if (slot.used) find(Hash128{slot.lo, slot.hi}) = slot;
    }
  }

  std::vector<Slot> m_slots;  // size is a power of two
  uint64_t m_count = 0;
};

}  // namespace capos::verify
