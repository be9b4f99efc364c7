// lib/cap/cap_id.h — the CapId encoding (SPEC §3). Part of the ring ABI: userspace stores,
// compares and sends these values, so the layout below is frozen.
//
//   31          24 23                         0
//   +-------------+---------------------------+
//   | generation  |        slot index         |
//   +-------------+---------------------------+
//
// Generations issued to caps run 1..255; generation 0 is never issued, so CapId 0 (and every
// id whose generation is 0) never resolves in any table.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/core/panic.h"

namespace capos {

using CapId = uint32_t;

inline constexpr uint32_t cap_index_bits = 24;
inline constexpr uint32_t cap_generation_bits = 8;
inline constexpr uint32_t cap_index_mask = (uint32_t{1} << cap_index_bits) - 1;
static_assert(cap_index_bits + cap_generation_bits == 32, "a CapId is exactly 32 bits");

// Every slot index of a table fits in the id, so a table holds at most 2^24 slots.
inline constexpr size_t cap_table_max_capacity = size_t{1} << cap_index_bits;

inline constexpr uint8_t cap_first_generation = 1;
inline constexpr uint8_t cap_last_generation = 255;  // a slot freed here is retired for good

// The id that never names a capability (generation 0).
inline constexpr CapId null_cap_id = 0;

// SPEC §3 Transfer: one CALL or RETURN carries at most this many transfer descriptors.
inline constexpr size_t max_transfer_caps = 4;

// Precondition (KASSERT): index <= cap_index_mask. Any generation is accepted, including 0,
// so tests and decoders can build ids that must be rejected.
[[nodiscard]] constexpr CapId make_cap_id(uint32_t index, uint8_t generation) {
  KASSERT(index <= cap_index_mask);
  return (uint32_t{generation} << cap_index_bits) | index;
}

[[nodiscard]] constexpr uint32_t cap_id_index(CapId id) { return id & cap_index_mask; }

[[nodiscard]] constexpr uint8_t cap_id_generation(CapId id) {
  return static_cast<uint8_t>(id >> cap_index_bits);
}

}  // namespace capos
