// kernel/arch/x86_64/page_table.h — one 4-level x86-64 page-table hierarchy (PML4 root).
//
// Table frames come from a TableFrameSource (zeroed, reachable through the direct map) and are
// written through the direct map, so a PageTable can be built while another one is active.
//
// Invariants enforced by map():
//   - a mapping never replaces an existing one (AlreadyExists): no silent aliasing;
//   - User mappings lie wholly in the user half, Kernel mappings in the kernel half
//     (InvalidArgument otherwise), so the U bit and the address half always agree;
//   - W^X: PageAccess has no writable+executable value; every non-executable leaf gets NX;
//   - PageCache::Uncached (device registers) sets PCD|PWT, which with the power-on PAT is UC.
// Intermediate entries are present+writable (+user for user mappings) and never NX: permission
// is decided at the leaf.
//
// Per-process tables share the kernel half by copying PML4 slots 256..511 from the kernel table
// (create_sharing_kernel_half): every kernel mapping lives there and carries the G bit. The copy
// is of the PML4 entries only, so the lower-level kernel tables are shared; a kernel mapping
// added later in a PML4 slot that was empty at the copy would not be seen by existing processes.
// So the first create_sharing_kernel_half seals the kernel table: from then on a kernel mapping
// that needs a new PML4 entry fails with InvalidState instead of silently diverging
// (REVIEW_FINDINGS F-020); mappings below existing kernel PML4 entries stay visible to all.
#pragma once

#include <cstdint>
#include <optional>

#include "kernel/arch/arch.h"
#include "lib/core/result.h"

namespace capos::kernel::x86_64 {

class PageTable {
 public:
  // A new, empty hierarchy (one zeroed PML4 frame).
  static Result<PageTable> create(TableFrameSource frames);

  // Maps one page. Errors: InvalidArgument (misaligned, non-canonical, wrong half for the
  // privilege), AlreadyExists (something is mapped there, or a large page covers it), and
  // whatever the frame source returns.
  Result<void> map(const PageMapping& mapping);

  // Removes the base-page mapping at `virtual_address` and returns the frame it mapped; the
  // intermediate tables stay. The TLB entry is dropped (kernel-half entries are global and
  // shared by every table, so they are invalidated whichever table is live). Errors:
  // InvalidArgument (misaligned, non-canonical), NotFound (nothing mapped there), Unsupported
  // (a large page covers it: the direct map is never unmapped).
  Result<uint64_t> unmap(uint64_t virtual_address);

  // A new hierarchy whose kernel half (PML4 slots 256..511) is `kernel`'s and whose user half is
  // empty. Seals `kernel`'s kernel half (see above).
  static Result<PageTable> create_sharing_kernel_half(TableFrameSource frames, PageTable& kernel);

  // True once a process table shares this table's kernel half.
  [[nodiscard]] bool kernel_half_sealed() const { return m_kernel_half_sealed; }

  // Loads CR3 with this hierarchy (flushes non-global TLB entries).
  void activate() const;

  // The translation of `virtual_address` with the effective permissions of its whole path, or
  // nullopt when it is non-canonical or not mapped. Reads the tables only (no TLB involvement),
  // so the answer is what the MMU would decide on a fresh walk.
  [[nodiscard]] std::optional<PageLookup> lookup(uint64_t virtual_address) const;

  [[nodiscard]] uint64_t root_physical() const { return m_root; }

 private:
  PageTable(uint64_t root, TableFrameSource frames) : m_root(root), m_frames(frames) {}

  // One page-table entry, inside a table frame reached through the direct map.
  struct EntrySlot {
    uint64_t* entry;
  };

  // The entry for `virtual_address` at table level `level` (3 = PML4 ... 0 = PT), creating the
  // missing intermediate tables above it.
  Result<EntrySlot> leaf_slot(uint64_t virtual_address, unsigned level, PagePrivilege privilege);

  uint64_t m_root;
  TableFrameSource m_frames;
  bool m_kernel_half_sealed = false;
};

}  // namespace capos::kernel::x86_64
