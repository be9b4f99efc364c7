#include "kernel/arch/x86_64/page_table.h"

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

namespace {

uint64_t* table_at(uint64_t frame) {
  // SAFETY: `frame` is a page-table frame: it came from the TableFrameSource (or is a frame an
  // existing entry points to, which BasicPageTable put there), and the source guarantees that
  // such frames are in the direct map, which maps them read-write at direct_map_base + frame.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the direct map is reached by address arithmetic
  return reinterpret_cast<uint64_t*>(DIRECT_MAP_BASE + frame);
}

}  // namespace

uint64_t DirectMapTables::read_entry(uint64_t frame, uint64_t index) const {
  // SAFETY: BasicPageTable passes index = table_index() or a slot number, both < 512, the number
  // of entries in the table frame table_at() reaches.
  return table_at(frame)[index];
}

void DirectMapTables::write_entry(uint64_t frame, uint64_t index, uint64_t value) {
  // SAFETY: as read_entry.
  table_at(frame)[index] = value;
}

Result<PageTable> PageTable::create(TableFrameSource frames) {
  return PageTable(TRY(Logic::create(DirectMapTables(frames))));
}

Result<void> PageTable::map(const PageMapping& mapping) {
  TRY(m_logic.map(mapping));
  // Not-present entries are never cached as translations, but paging-structure caches may hold
  // the path to them; invalidating keeps the live hierarchy exact.
  if ((read_cr3() & pte::address_mask) == m_logic.root_physical()) {
    invalidate_page(mapping.virtual_address);
  }
  return {};
}

Result<uint64_t> PageTable::unmap(uint64_t virtual_address) {
  const uint64_t physical = TRY(m_logic.unmap(virtual_address));
  const bool shared = virtual_address >= kernel_half_start;  // global, in every table
  if (shared || (read_cr3() & pte::address_mask) == m_logic.root_physical()) {
    invalidate_page(virtual_address);
  }
  return physical;
}

Result<PageTable> PageTable::create_sharing_kernel_half(TableFrameSource frames,
                                                        PageTable& kernel) {
  return PageTable(TRY(Logic::create_sharing_kernel_half(DirectMapTables(frames), kernel.m_logic)));
}

void PageTable::activate() const { write_cr3(m_logic.root_physical()); }

std::optional<PageLookup> PageTable::lookup(uint64_t virtual_address) const {
  return m_logic.lookup(virtual_address);
}

}  // namespace capos::kernel::x86_64
