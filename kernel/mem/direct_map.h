// kernel/mem/direct_map.h — reaching physical memory through the direct map.
//
// Physical address p is mapped read-write, non-executable at Arch::direct_map_base + p:
//   - before kmain's page-table switch, by boot.S's early tables for p < early_direct_map_limit;
//   - after it, by kernel_address_space.cpp for every usable RAM frame except the kernel image
//     (which is reachable only through its own W^X mapping).
// direct_map_limit() is the end of the window in force; physical_to_virtual KASSERTs against it.
// It cannot prove that a given frame is RAM: callers pass frames the FrameBitmap handed out or
// that the boot information validated.
#pragma once

#include <cstdint>

#include "kernel/arch/current.h"
#include "lib/core/bytes.h"
#include "lib/core/checked.h"
#include "lib/core/panic.h"

namespace capos::kernel::mem {

uint64_t direct_map_limit();
void set_direct_map_limit(uint64_t limit);

template <typename T>
T* physical_to_virtual(uint64_t physical, uint64_t length = sizeof(T)) {
  KASSERT(range_within(physical, length, direct_map_limit()));
  // SAFETY: [physical, physical + length) lies in the direct-map window (checked above), which
  // maps it read-write at direct_map_base + physical; the caller owns the frame(s) in question.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the direct map is reached by address arithmetic
  return reinterpret_cast<T*>(Arch::direct_map_base + physical);
}

// The `length` bytes at `physical` as a read-only view (boot information, boot modules).
inline ByteView physical_bytes(uint64_t physical, uint64_t length) {
  // SAFETY: physical_to_virtual KASSERTs that [physical, physical + length) lies in the direct
  // map, so the pointer addresses `length` mapped bytes and the view covers exactly those.
  return {physical_to_virtual<const uint8_t>(physical, length), static_cast<size_t>(length)};
}

}  // namespace capos::kernel::mem
