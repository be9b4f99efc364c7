#include "kernel/mem/kernel_address_space.h"

#include <optional>

#include "kernel/mem/direct_map.h"
#include "kernel/mem/physical_memory.h"
#include "lib/core/panic.h"

namespace capos::kernel::mem {

namespace {

constexpr uint64_t page_size = Arch::page_size;
constexpr uint64_t large_page_size = Arch::large_page_size;

constinit std::optional<Arch::PageTable> g_kernel_table{};

Result<void> map_kernel_sections(Arch::PageTable& table, AddressSpaceStats& stats) {
  for (const KernelSection& section : Arch::kernel_sections()) {
    KASSERT(section.virtual_start % page_size == 0 && section.virtual_end % page_size == 0);
    for (uint64_t virt = section.virtual_start; virt < section.virtual_end; virt += page_size) {
      TRY(table.map(PageMapping{
          .virtual_address = virt,
          .physical_address = section.physical_start + (virt - section.virtual_start),
          .size = PageSize::Base,
          .access = section.access,
          .privilege = PagePrivilege::Kernel,
      }));
      ++stats.kernel_pages;
    }
  }
  return {};
}

// Maps physical [start, end) (frame-aligned) into the direct map, large pages where possible.
Result<void> map_direct(Arch::PageTable& table, uint64_t start, uint64_t end,
                        AddressSpaceStats& stats) {
  uint64_t physical = start;
  while (physical < end) {
    const bool large = physical % large_page_size == 0 && end - physical >= large_page_size;
    TRY(table.map(PageMapping{
        .virtual_address = Arch::direct_map_base + physical,
        .physical_address = physical,
        .size = large ? PageSize::Large : PageSize::Base,
        .access = PageAccess::ReadWrite,
        .privilege = PagePrivilege::Kernel,
    }));
    const uint64_t step = large ? large_page_size : page_size;
    if (large) ++stats.direct_map_large;
    stats.direct_map_bytes += step;
    physical += step;
  }
  return {};
}

}  // namespace

Result<AddressSpaceStats> activate_kernel_address_space(const boot::MemoryMap& map) {
  AddressSpaceStats stats{};
  Arch::PageTable table = TRY(Arch::PageTable::create(&allocate_zeroed_frame));
  TRY(map_kernel_sections(table, stats));

  const PhysicalRange image = Arch::kernel_image();
  uint64_t highest = 0;
  for (size_t i = 0; i < map.size(); ++i) {
    const boot::MemoryRegion region = map[i];
    if (!region.available()) continue;
    const uint64_t start = (region.base + page_size - 1) & ~(page_size - 1);
    const uint64_t end = region.end() & ~(page_size - 1);
    if (start >= end) continue;
    // The region minus the kernel image: at most two pieces.
    const uint64_t below_end = end < image.start ? end : image.start;
    const uint64_t above_start = start > image.end ? start : image.end;
    if (start < below_end) TRY(map_direct(table, start, below_end, stats));
    if (above_start < end) TRY(map_direct(table, above_start, end, stats));
    if (end > highest) highest = end;
  }

  table.activate();
  set_direct_map_limit(highest);
  g_kernel_table = table;
  return stats;
}

Arch::PageTable& kernel_page_table() {
  KASSERT(g_kernel_table.has_value());
  return *g_kernel_table;
}

}  // namespace capos::kernel::mem
