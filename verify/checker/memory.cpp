// verify/checker/memory.cpp — see memory.h.
#include "verify/checker/memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace capos::verify {

namespace {

bool acquires(std::memory_order order) {
  return order == std::memory_order_acquire || order == std::memory_order_acq_rel ||
         order == std::memory_order_seq_cst || order == std::memory_order_consume;
}
bool releases(std::memory_order order) {
  return order == std::memory_order_release || order == std::memory_order_acq_rel ||
         order == std::memory_order_seq_cst;
}

// Whether an access of `owner` at `epoch` happens-before the current point of a thread whose
// clock is `clock`.
bool happens_before(ThreadId owner, uint32_t epoch, const VectorClock& clock) {
  return epoch <= clock.time[owner];
}

// Fixed-size copies (inlined; a variable-size memcpy is a sanitizer-intercepted call).
uint64_t read_bytes(const void* address, size_t size) {
  switch (size) {
    case 1: {
      uint8_t value = 0;
      std::memcpy(&value, address, 1);
      return value;
    }
    case 2: {
      uint16_t value = 0;
      std::memcpy(&value, address, 2);
      return value;
    }
    case 4: {
      uint32_t value = 0;
      std::memcpy(&value, address, 4);
      return value;
    }
    case 8: {
      uint64_t value = 0;
      std::memcpy(&value, address, 8);
      return value;
    }
    default: break;
  }
  (void)std::fprintf(stderr, "verify: locations are 1, 2, 4 or 8 bytes (got %zu)\n", size);
  std::abort();
}
void write_bytes(void* address, size_t size, uint64_t value) {
  switch (size) {
    case 1: {
      const auto narrow = static_cast<uint8_t>(value);
      std::memcpy(address, &narrow, 1);
      return;
    }
    case 2: {
      const auto narrow = static_cast<uint16_t>(value);
      std::memcpy(address, &narrow, 2);
      return;
    }
    case 4: {
      const auto narrow = static_cast<uint32_t>(value);
      std::memcpy(address, &narrow, 4);
      return;
    }
    default: std::memcpy(address, &value, 8); return;
  }
}

Hash128 location_fingerprint(const Location& location) {
  Hash128 hash;
  hash.add(reinterpret_cast<uintptr_t>(location.address));
  hash.add(location.order_hash);
  return hash;
}

}  // namespace

void MemoryModel::reset() {
  for (const size_t index : m_live) {
    Location& location = m_locations[index];
    location.stores.clear();
    for (auto& accesses : location.accesses) accesses.clear();
    location.last_read.fill(0);
    location.order_hash = Hash128{};
    location.live = false;
    location.owner = Location::NO_OWNER;
  }
  m_live.clear();
  m_orders = HashSum{};
}

void MemoryModel::name(const void* address, std::string name) {
  m_names[address] = std::move(name);
}

void MemoryModel::mark_racy(const void* address, size_t size) {
  m_racy.emplace_back(address, size);
}

const std::string& MemoryModel::name_of(const void* address) const {
  static const std::string unnamed = "?";
  auto found = m_names.find(address);
  return found == m_names.end() ? unnamed : found->second;
}

Location& MemoryModel::location(void* address, size_t size, Access access) {
  CacheEntry& cached = m_cache[(reinterpret_cast<uintptr_t>(address) >> 1) % m_cache.size()];
  if (cached.address != address) {
    cached.address = address;
    cached.index = find_or_add(address, size, access);
  }
  Location& location = m_locations[cached.index];
  if (location.size != size || location.access != access) {
    (void)std::fprintf(stderr, "verify: %s accessed with two sizes or access kinds\n",
                       location.name.c_str());
    std::abort();
  }
  if (!location.live) {
    location.live = true;
    m_live.push_back(cached.index);
    Store initial;
    initial.value = read_bytes(address, size);
    location.stores.push_back(initial);
    location.order_hash.add(0);
    m_orders.add(location_fingerprint(location));
  }
  return location;
}

size_t MemoryModel::find_or_add(void* address, size_t size, Access access) {
  auto [entry, inserted] = m_index.try_emplace(address, m_locations.size());
  if (inserted) {
    Location fresh;
    fresh.address = address;
    fresh.size = size;
    fresh.access = access;
    fresh.name = name_of(address);
    const auto* byte = static_cast<const std::byte*>(address);
    for (const auto& [begin, length] : m_racy) {
      const auto* first = static_cast<const std::byte*>(begin);
      if (byte >= first && byte < first + length) fresh.racy = true;
    }
    m_locations.push_back(std::move(fresh));
  }
  return entry->second;
}

void MemoryModel::candidates(const Location& location, const ThreadClocks& thread,
                             std::vector<uint32_t>& positions) const {
  // The newest store that is, or was read by, an access happening-before this load.
  uint32_t lowest = 0;
  for (ThreadId owner = 0; owner < MAX_THREADS; ++owner) {
    const auto& accesses = location.accesses[owner];
    for (auto at = accesses.rbegin(); at != accesses.rend(); ++at) {
      if (happens_before(owner, at->first, thread.clock)) {
        lowest = lowest > at->second ? lowest : at->second;
        break;  // earlier accesses of `owner` are at older positions (coherence)
      }
    }
  }
  positions.clear();
  const auto count = static_cast<uint32_t>(location.stores.size());
  for (uint32_t position = count; position-- > lowest;) {
    // Keep only the oldest store of each (value, release clock): scanning newest first, a later
    // (older) duplicate replaces the one kept.
    const Store& store = location.stores[position];
    bool replaced = false;
    for (uint32_t& kept : positions) {
      const Store& other = location.stores[kept];
      if (other.value == store.value && other.releases == store.releases &&
          (!store.releases || other.clock == store.clock)) {
        kept = position;
        replaced = true;
        break;
      }
    }
    if (!replaced) positions.push_back(position);
  }
}

const char* MemoryModel::race(const Location& location, ThreadId thread, const ThreadClocks& clocks,
                              bool writing) const {
  if (location.access != Access::Payload || location.racy) return nullptr;
  const Store& last = location.stores.back();
  if (last.id.thread != thread && !happens_before(last.id.thread, last.id.epoch, clocks.clock)) {
    return writing ? "data race (write after an unordered write)"
                   : "data race (read of an unordered write)";
  }
  if (writing) {
    for (ThreadId reader = 0; reader < MAX_THREADS; ++reader) {
      if (reader == thread || location.last_read[reader] == 0) continue;
      if (!happens_before(reader, location.last_read[reader], clocks.clock)) {
        return "data race (write over an unordered read)";
      }
    }
  }
  return nullptr;
}

const Store& MemoryModel::load(Location& location, uint32_t position, ThreadId thread,
                               ThreadClocks& clocks, std::memory_order order) {
  const uint32_t epoch = ++clocks.clock.time[thread];
  const Store& store = location.stores[position];
  if (store.releases) {
    if (acquires(order)) {
      clocks.clock.join(store.clock);
    } else {
      clocks.acquire_pending.join(store.clock);
    }
  }
  location.accesses[thread].emplace_back(epoch, position);
  if (location.access == Access::Payload) location.last_read[thread] = epoch;
  return store;
}

const Store& MemoryModel::store(Location& location, uint64_t value, ThreadId thread,
                                ThreadClocks& clocks, std::memory_order order) {
  const uint32_t epoch = ++clocks.clock.time[thread];
  Store store;
  store.value = value;
  store.id = {thread, epoch};
  if (releases(order)) {
    store.releases = true;
    store.clock = clocks.clock;
  } else if (clocks.has_fence_release) {
    store.releases = true;
    store.clock = clocks.fence_release;
  }
  m_orders.remove(location_fingerprint(location));
  location.order_hash.add((uint64_t{thread} << 32) | epoch);
  m_orders.add(location_fingerprint(location));
  const auto position = static_cast<uint32_t>(location.stores.size());
  location.stores.push_back(store);
  location.accesses[thread].emplace_back(epoch, position);
  write_bytes(location.address, location.size, value);
  return location.stores.back();
}

void MemoryModel::fence(ThreadClocks& clocks, std::memory_order order) {
  if (acquires(order)) clocks.clock.join(clocks.acquire_pending);
  if (releases(order)) {
    clocks.fence_release = clocks.clock;
    clocks.has_fence_release = true;
  }
}

}  // namespace capos::verify
