#include "kernel/mem/physical_memory.h"

#include <array>
#include <utility>

#include "kernel/arch/current.h"
#include "kernel/mem/direct_map.h"
#include "lib/core/checked.h"
#include "lib/mem/frame_bitmap.h"

namespace capos::kernel::mem {

namespace {

constexpr uint64_t frame_size = Arch::page_size;
constexpr uint64_t low_memory_end = uint64_t{1} << 20;  // reserved: see the header
// First MiB, kernel image, boot information, bitmap storage, modules.
constexpr size_t max_reservations = 4 + boot::BootInfo::max_modules;

constinit FrameBitmap g_frames{};
constinit MemoryStats g_stats{};

constexpr uint64_t round_down(uint64_t value) { return value & ~(frame_size - 1); }
// Callers pass addresses below 2^52 (the direct-map capacity bound), so this cannot overflow.
constexpr uint64_t round_up(uint64_t value) { return round_down(value + frame_size - 1); }

class ReservationList {
 public:
  void add(PhysicalRange range) {
    KASSERT(m_count < m_ranges.size());
    m_ranges[m_count++] = range;
  }
  [[nodiscard]] std::span<const PhysicalRange> ranges() const {
    return std::span<const PhysicalRange>(m_ranges).first(m_count);
  }

 private:
  std::array<PhysicalRange, max_reservations> m_ranges{};
  size_t m_count = 0;
};

bool inside_available_ram(const boot::MemoryMap& map, PhysicalRange range) {
  for (size_t i = 0; i < map.size(); ++i) {
    const boot::MemoryRegion region = map[i];
    if (region.available() && region.base <= range.start && range.end <= region.end()) {
      return true;
    }
  }
  return false;
}

// The lowest frame-aligned start of `bytes` bytes inside an available region, below `limit`,
// overlapping no reservation.
Result<uint64_t> place(const boot::MemoryMap& map, std::span<const PhysicalRange> reserved,
                       uint64_t bytes, uint64_t limit) {
  for (size_t i = 0; i < map.size(); ++i) {
    const boot::MemoryRegion region = map[i];
    if (!region.available()) continue;
    const uint64_t region_end = round_down(region.end() < limit ? region.end() : limit);
    uint64_t candidate = round_up(region.base);
    // Each pass either succeeds, leaves the region, or moves past one reservation for good.
    for (size_t pass = 0; pass <= reserved.size(); ++pass) {
      if (candidate >= region_end || bytes > region_end - candidate) break;
      const PhysicalRange* clash = nullptr;
      for (const PhysicalRange& range : reserved) {
        if (ranges_overlap(candidate, bytes, range.start, range.end - range.start)) clash = &range;
      }
      if (clash == nullptr) return candidate;
      candidate = round_up(clash->end);
    }
  }
  return Error::Exhausted;
}

Result<void, MemoryInitError> check(Result<void> result, MemoryInitError on_error) {
  if (!result) return on_error;
  return {};
}

}  // namespace

const char* describe(MemoryInitError error) {
  switch (error) {
    case MemoryInitError::NoAvailableMemory: return "the memory map has no available RAM";
    case MemoryInitError::TooMuchMemory: return "RAM extends beyond the direct map's capacity";
    case MemoryInitError::OverlappingRegions: return "available memory regions overlap";
    case MemoryInitError::ReservationOutsideRam:
      return "the kernel, boot information or a module lies outside available RAM";
    case MemoryInitError::NoRoomForBitmap: return "no room for the frame bitmap";
  }
  return "unknown error";
}

Result<void, MemoryInitError> init_physical_memory(const boot::MemoryMap& map,
                                                   const BootReservations& reservations) {
  uint64_t highest = 0;
  for (size_t i = 0; i < map.size(); ++i) {
    const boot::MemoryRegion region = map[i];
    if (region.available() && region.end() > highest) highest = region.end();
  }
  if (highest < low_memory_end) return MemoryInitError::NoAvailableMemory;
  if (highest > Arch::direct_map_capacity) return MemoryInitError::TooMuchMemory;
  const uint64_t frame_count = round_down(highest) / frame_size;

  ReservationList reserved;
  reserved.add({0, low_memory_end});
  reserved.add(reservations.kernel_image);
  reserved.add(reservations.boot_info);
  for (const boot::BootModule& module : reservations.modules) {
    reserved.add({module.start, module.end});
  }
  for (const PhysicalRange& range : reserved.ranges().subspan(1)) {
    if (!inside_available_ram(map, range)) return MemoryInitError::ReservationOutsideRam;
  }

  const uint64_t words = FrameBitmap::storage_words_for(frame_count);
  const uint64_t bitmap_bytes = round_up(words * sizeof(uint64_t));
  const Result<uint64_t> storage =
      place(map, reserved.ranges(), bitmap_bytes, Arch::early_direct_map_limit);
  if (!storage) return MemoryInitError::NoRoomForBitmap;
  reserved.add({*storage, *storage + bitmap_bytes});

  auto* storage_words = physical_to_virtual<uint64_t>(*storage, bitmap_bytes);
  // SAFETY: the storage frames are available RAM reserved for the bitmap alone (placed clear of
  // every other reservation above) and mapped by the direct map.
  Result<FrameBitmap> bitmap =
      FrameBitmap::create(std::span<uint64_t>(storage_words, words), frame_count, FrameState::Used);
  KASSERT(bitmap.has_value());  // frame_count > 0 and the storage was sized for it
  g_frames = std::move(bitmap).take();

  uint64_t usable = 0;
  for (size_t i = 0; i < map.size(); ++i) {
    const boot::MemoryRegion region = map[i];
    if (!region.available()) continue;
    const uint64_t first = round_up(region.base) / frame_size;
    const uint64_t end = round_down(region.end()) / frame_size;
    if (first >= end) continue;
    TRY(check(g_frames.free_range(first, end - first), MemoryInitError::OverlappingRegions));
    usable += end - first;
  }
  for (const PhysicalRange& range : reserved.ranges()) {
    const uint64_t first = round_down(range.start) / frame_size;
    const uint64_t end = round_up(range.end) / frame_size;
    const uint64_t clamped_end = end < frame_count ? end : frame_count;
    if (first >= clamped_end) continue;
    const Result<uint64_t> marked = g_frames.mark_used(first, clamped_end - first);
    KASSERT(marked.has_value());  // the range lies inside the bitmap (clamped above)
  }
  g_stats = MemoryStats{frame_count, usable, g_frames.free_count(), bitmap_bytes};
  return {};
}

Result<uint64_t> allocate_zeroed_frame() {
  const uint64_t frame = TRY(g_frames.alloc());
  const uint64_t physical = frame * frame_size;
  auto* bytes = physical_to_virtual<uint8_t>(physical, frame_size);
  // SAFETY: the frame was just allocated (no other owner) and the direct map covers it.
  __builtin_memset(bytes, 0, frame_size);
  g_stats.free_frames = g_frames.free_count();
  return physical;
}

void free_frame(uint64_t physical) {
  KASSERT(physical % frame_size == 0);
  const Result<void> freed = g_frames.free(physical / frame_size);
  KASSERT(freed.has_value());  // a frame this allocator handed out and nobody freed yet
  g_stats.free_frames = g_frames.free_count();
}

MemoryStats physical_memory_stats() { return g_stats; }

}  // namespace capos::kernel::mem
