// kernel/arch/x86_64/page_table.h — the kernel's page tables: BasicPageTable (basic_page_table.h,
// the PTE logic, host-tested and checked in verify/bounded) over the direct map, plus the two
// hardware steps the logic never takes — loading CR3 and invalidating the TLB entry of a page
// mapped in the live hierarchy.
//
// Table frames come from a TableFrameSource (zeroed, reachable through the direct map) and are
// written through the direct map, so a PageTable can be built while another one is active. The
// rules (no replaced mapping, halves, W^X, the sealed kernel half of F-020, what lookup answers)
// are BasicPageTable's and are documented there.
#pragma once

#include <cstdint>
#include <optional>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/basic_page_table.h"
#include "lib/core/result.h"

namespace capos::kernel::x86_64 {

// BasicPageTable's memory policy in the kernel: frames from a TableFrameSource, entries read and
// written at direct_map_base + frame.
class DirectMapTables {
 public:
  explicit DirectMapTables(TableFrameSource frames) : m_frames(frames) {}
  [[nodiscard]] Result<uint64_t> allocate_table() { return m_frames(); }
  [[nodiscard]] uint64_t read_entry(uint64_t frame, uint64_t index) const;
  void write_entry(uint64_t frame, uint64_t index, uint64_t value);

 private:
  TableFrameSource m_frames;
};
static_assert(PageTableMemory<DirectMapTables>);

class PageTable {
 public:
  // A new, empty hierarchy (one zeroed PML4 frame).
  static Result<PageTable> create(TableFrameSource frames);

  // Maps one page (BasicPageTable::map), then invalidates its TLB entry if this hierarchy is the
  // live one.
  Result<void> map(const PageMapping& mapping);

  // Removes the base-page mapping at `virtual_address` and returns the frame it mapped
  // (BasicPageTable::unmap), then drops its TLB entry (kernel-half entries are global and shared
  // by every table, so they are invalidated whichever table is live).
  Result<uint64_t> unmap(uint64_t virtual_address);

  // A new hierarchy whose kernel half (PML4 slots 256..511) is `kernel`'s and whose user half is
  // empty. Seals `kernel`'s kernel half.
  static Result<PageTable> create_sharing_kernel_half(TableFrameSource frames, PageTable& kernel);

  // True once a process table shares this table's kernel half.
  [[nodiscard]] bool kernel_half_sealed() const { return m_logic.kernel_half_sealed(); }

  // Loads CR3 with this hierarchy (flushes non-global TLB entries).
  void activate() const;

  // The translation of `virtual_address` with the effective permissions of its whole path, or
  // nullopt when the MMU would fault (BasicPageTable::lookup). Reads the tables only (no TLB
  // involvement), so the answer is what the MMU would decide on a fresh walk.
  [[nodiscard]] std::optional<PageLookup> lookup(uint64_t virtual_address) const;

  [[nodiscard]] uint64_t root_physical() const { return m_logic.root_physical(); }

 private:
  using Logic = BasicPageTable<DirectMapTables>;
  explicit PageTable(Logic logic) : m_logic(logic) {}

  Logic m_logic;
};

}  // namespace capos::kernel::x86_64
