// verify/checker/memory.h — the C++11 memory model as the checker approximates it (Loom /
// CDSChecker style): every location keeps its modification order (all stores, oldest first);
// a load may read any store that coherence and happens-before do not hide; release/acquire
// synchronisation is tracked with vector clocks; payload (non-atomic) locations are checked
// for data races with the same clocks.
//
// What is modelled (verify/README.md "Memory model" has the rules and their sources):
//   * modification order = the order stores execute in the explored interleaving (consistent
//     with happens-before, as C++ requires);
//   * a load by thread T reads any store at or after the newest store S of its location such
//     that S, or a load that read S, happens-before the load (write-read and read-read
//     coherence); older stores are hidden. Relaxed loads therefore see stale values;
//   * a release store carries the writer's clock; an acquire load that reads it joins that
//     clock (synchronises-with). Release sequences are the C++20 ones (the head store only: no
//     read-modify-writes are modelled). Fences: a release fence makes later relaxed stores
//     carry the fence-time clock; an acquire fence joins the clocks of stores read before it;
//   * seq_cst is treated as acq_rel (no single total order): sound for release/acquire
//     protocols, it over-approximates what SC code may observe;
//   * not modelled: load buffering (a load reading a store not yet executed in the
//     interleaving) and out-of-thin-air values.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "verify/checker/hash.h"

namespace capos::verify {

using ThreadId = uint32_t;
inline constexpr ThreadId ROOT_THREAD = 0;  // runs setup and the final phase
inline constexpr size_t MAX_THREADS = 6;    // root + up to five model threads

struct VectorClock {
  std::array<uint32_t, MAX_THREADS> time{};

  void join(const VectorClock& other) {
    for (size_t i = 0; i < MAX_THREADS; ++i)
      time[i] = time[i] > other.time[i] ? time[i] : other.time[i];
  }
  [[nodiscard]] bool operator==(const VectorClock&) const = default;
};

// Atomic: accessed only with load/store and a memory order; never races.
// Payload: plain data ordered by the atomics around it; a conflicting access that happens-before
// does not order is a data race, reported unless the location is marked racy (a hostile peer).
enum class Access : uint8_t { Atomic, Payload };

// A store's identity independent of the interleaving: its thread and that thread's clock.
struct StoreId {
  ThreadId thread = ROOT_THREAD;
  uint32_t epoch = 0;  // 0: the location's initial value (happens-before everything)
};

struct Store {
  uint64_t value = 0;
  StoreId id;
  bool releases = false;  // carries `clock` to an acquiring reader
  VectorClock clock;      // the writer's clock at the store, or at its last release fence
};

// One thread's memory-model state.
struct ThreadClocks {
  VectorClock clock;
  VectorClock fence_release;  // clock at the last release fence
  bool has_fence_release = false;
  VectorClock acquire_pending;  // release clocks read by relaxed loads (for an acquire fence)
};

struct Location {
  void* address = nullptr;
  size_t size = 0;
  Access access = Access::Atomic;
  bool racy = false;  // payload races are expected (a hostile writer), not reported
  std::string name;
  std::vector<Store> stores;  // modification order, oldest first; [0] is the initial value
  // Per thread, (epoch, modification-order position) of each access, in program order.
  std::array<std::vector<std::pair<uint32_t, uint32_t>>, MAX_THREADS> accesses;
  std::array<uint32_t, MAX_THREADS> last_read{};  // payload: epoch of each thread's last read
  Hash128 order_hash;                             // fingerprint of the modification order
  bool live = false;                              // accessed in the current execution
  // Set by a private store (Execution::store_private): only this thread (and the root) may
  // access the location in this execution.
  ThreadId owner = NO_OWNER;
  static constexpr ThreadId NO_OWNER = ~ThreadId{0};
};

// Result of a load: the store read, and how many distinct stores it could have read.
struct LoadResult {
  const Store* store = nullptr;
  uint32_t choices = 1;
  uint32_t chosen = 0;
};

class MemoryModel {
 public:
  // Forgets every store (addresses stay registered; their names survive).
  void reset();

  // Registers a human-readable name for a location (used in traces); optional.
  void name(const void* address, std::string name);
  // Marks a payload location whose data races are part of the model (a hostile writer).
  void mark_racy(const void* address, size_t size);

  // The location at `address`, created on first use with its current bytes as initial value.
  // A location must always be accessed with the same size and access kind.
  Location& location(void* address, size_t size, Access access);

  // Candidate stores a load by a thread with clocks `thread` may read, newest first, one per
  // distinct (value, release clock) — reading the oldest such store allows every behaviour the
  // newer duplicates allow (it constrains later reads least).
  void candidates(const Location& location, const ThreadClocks& thread,
                  std::vector<uint32_t>& positions) const;

  // A payload data race with this access, or nullptr. `writing`: a store, else a load.
  [[nodiscard]] const char* race(const Location& location, ThreadId thread,
                                 const ThreadClocks& clocks, bool writing) const;

  // Performs the load of store `position` (from candidates()) by `thread` at `epoch`.
  const Store& load(Location& location, uint32_t position, ThreadId thread, ThreadClocks& clocks,
                    std::memory_order order);
  // Appends a store by `thread` at `epoch` and writes the value to the real bytes.
  const Store& store(Location& location, uint64_t value, ThreadId thread, ThreadClocks& clocks,
                     std::memory_order order);
  static void fence(ThreadClocks& clocks, std::memory_order order);

  // Order-insensitive fingerprint of every location's modification order.
  [[nodiscard]] const HashSum& order_fingerprint() const { return m_orders; }

  [[nodiscard]] const std::string& name_of(const void* address) const;

 private:
  size_t find_or_add(void* address, size_t size, Access access);

  struct CacheEntry {
    const void* address = nullptr;
    size_t index = 0;
  };
  std::array<CacheEntry, 512> m_cache{};  // address -> m_locations index (addresses never move)
  std::vector<Location> m_locations;
  std::unordered_map<const void*, size_t> m_index;
  std::unordered_map<const void*, std::string> m_names;
  std::vector<std::pair<const void*, size_t>> m_racy;
  std::vector<size_t> m_live;  // locations touched in this execution
  HashSum m_orders;
};

}  // namespace capos::verify
