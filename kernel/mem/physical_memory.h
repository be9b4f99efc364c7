// kernel/mem/physical_memory.h — the kernel's physical frame allocator, built from the
// Multiboot2 memory map into a lib/mem FrameBitmap.
//
// Bring-up (init_physical_memory), in this order:
//   1. frame_count = the end of the highest available region, in frames;
//   2. place the bitmap's storage in available RAM below the early direct-map limit, clear of
//      every boot reservation;
//   3. create the bitmap with every frame used, free each available region (rounded inwards to
//      whole frames; overlapping available regions are rejected), then mark used: the first
//      MiB (frame 0, BIOS data, a future AP trampoline), the kernel image, the boot information,
//      every module, and the bitmap's own storage.
// Every reservation except the first MiB must lie inside available RAM (it is then covered by
// the direct map); otherwise the boot fails closed.
//
// Not synchronised: single CPU, and only boot code and (phase 2) the FrameAllocator object call
// it.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/arch/arch.h"
#include "kernel/boot/boot_info.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

struct BootReservations {
  PhysicalRange kernel_image;
  PhysicalRange boot_info;
  std::span<const boot::BootModule> modules;
};

enum class MemoryInitError : uint8_t {
  NoAvailableMemory,
  TooMuchMemory,          // beyond what the direct map can hold
  OverlappingRegions,     // two available regions share a frame
  ReservationOutsideRam,  // kernel, boot information or a module is not in available RAM
  NoRoomForBitmap,
};

const char* describe(MemoryInitError error);

struct MemoryStats {
  uint64_t frame_count;    // frames the bitmap tracks (up to the highest available byte)
  uint64_t usable_frames;  // frames inside available regions
  uint64_t free_frames;    // usable frames not reserved at boot (or allocated since)
  uint64_t bitmap_bytes;
};

Result<void, MemoryInitError> init_physical_memory(const boot::MemoryMap& map,
                                                   const BootReservations& reservations);

// One zeroed frame (physical address). Exhausted when none is left. Usable as a
// TableFrameSource.
Result<uint64_t> allocate_zeroed_frame();

// Returns a frame allocate_zeroed_frame handed out (its contents are zeroed again on the next
// allocation, so no stale bytes reach the next owner). Freeing a frame that is not allocated is a
// kernel bug (KASSERT).
void free_frame(uint64_t physical);

MemoryStats physical_memory_stats();

}  // namespace capos::kernel::mem
