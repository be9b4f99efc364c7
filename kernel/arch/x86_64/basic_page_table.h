// kernel/arch/x86_64/basic_page_table.h — the x86-64 page-table logic (4 levels: PML4, PDPT, PD,
// PT), written once over a physical-memory policy so that the kernel and the host run the same
// text (STYLE.md "pure logic over a policy").
//
// The policy (PageTableMemory) is the only way this code reaches a table frame: it supplies
// zeroed frames and reads/writes one 64-bit entry of a frame by physical address. The kernel's
// policy is the direct map (page_table.cpp DirectMapTables); host tests, fuzzers and the
// bounded prover use a simulated physical memory (tests/kernel/mem/simulated_memory.h). Nothing
// here touches hardware: CR3 loads and TLB invalidation stay in x86_64::PageTable
// (page_table.h), which wraps BasicPageTable<DirectMapTables>.
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
//
// lookup() is what the MMU decides on a fresh walk (Intel SDM Vol. 3A §4.5-4.6, CR0.WP = 1,
// EFER.NXE = 1, 1 GiB pages supported): not mapped when an entry on the path is not present or
// sets a bit the SDM reserves (PS in a PML4 entry; the address bits 20:13 / 29:13 below a 2 MiB /
// 1 GiB frame, F-028); otherwise the effective rights are folded along the path by
// predicate::rights_after (user and writable: AND of U/S and R/W; executable: no XD anywhere).
// Not modelled: physical-address bits above the CPU's MAXPHYADDR (taken as 52), protection keys.
// verify/bounded/page_table_proof.cpp checks lookup() against that rule for every combination
// of these bits at every level, and proves rights_after with z3.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>

#include "kernel/arch/arch.h"
#include "lib/core/result.h"

namespace capos::kernel::x86_64 {

// Page-table entry bits (Intel SDM Vol. 3A §4.5, tables 4-14 to 4-20).
namespace pte {
inline constexpr uint64_t present = uint64_t{1} << 0;
inline constexpr uint64_t writable = uint64_t{1} << 1;
inline constexpr uint64_t user = uint64_t{1} << 2;
inline constexpr uint64_t write_through = uint64_t{1} << 3;  // PWT
inline constexpr uint64_t cache_disable = uint64_t{1} << 4;  // PCD: with PWT, PAT entry 3 = UC
inline constexpr uint64_t large = uint64_t{1} << 7;   // PS: a leaf at PDPT (1 GiB) or PD (2 MiB)
inline constexpr uint64_t global = uint64_t{1} << 8;  // survives CR3 loads when CR4.PGE = 1
inline constexpr uint64_t no_execute = uint64_t{1} << 63;
inline constexpr uint64_t address_mask = 0x000f'ffff'ffff'f000;  // bits 51:12
// In a 1 GiB / 2 MiB leaf bit 12 is PAT; the address bits between it and the frame are reserved.
inline constexpr uint64_t large_reserved_low = uint64_t{1} << 13;
}  // namespace pte

inline constexpr uint64_t entries_per_table = 512;
inline constexpr unsigned pml4_level = 3;  // levels: 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT
inline constexpr uint64_t user_half_end = uint64_t{1} << 47;
inline constexpr uint64_t kernel_half_start = 0xffff'8000'0000'0000;
inline constexpr uint64_t max_physical = uint64_t{1} << 52;
inline constexpr uint64_t first_kernel_slot = 256;  // PML4 slots 256..511 map the kernel half

// Bytes one entry of `level` maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB.
constexpr uint64_t level_bytes(unsigned level) { return uint64_t{1} << (12 + 9 * level); }

constexpr bool canonical(uint64_t virtual_address) {
  return virtual_address < user_half_end || virtual_address >= kernel_half_start;
}

constexpr uint64_t table_index(uint64_t virtual_address, unsigned level) {
  return (virtual_address >> (12 + 9 * level)) & (entries_per_table - 1);
}

namespace predicate {

// The rights of a walk so far. Written over a boolean type B (bool here, a z3 term in the proof),
// branch-free, like lib/mem/user_range.h.
template <typename B>
struct PathRights {
  B user;
  B writable;
  B executable;
};

// SDM Vol. 3A §4.6.1: a user-mode access needs U/S = 1 in every paging-structure entry that
// controls the translation; a write (CR0.WP = 1) needs R/W = 1 in every one; an instruction
// fetch (EFER.NXE = 1) is refused if XD = 1 in any one. So one more entry ANDs its bits in.
template <typename B>
constexpr PathRights<B> rights_after(const PathRights<B>& so_far, const B& user, const B& writable,
                                     const B& no_execute) {
  return {so_far.user && user, so_far.writable && writable, so_far.executable && !no_execute};
}

}  // namespace predicate

// A table frame's memory. Frames are named by physical address; an index is < 512.
template <typename M>
concept PageTableMemory =
    std::copy_constructible<M> &&
    requires(M& memory, const M& view, uint64_t frame, uint64_t index, uint64_t value) {
      { memory.allocate_table() } -> std::same_as<Result<uint64_t>>;  // a zeroed frame
      { view.read_entry(frame, index) } -> std::same_as<uint64_t>;
      { memory.write_entry(frame, index, value) } -> std::same_as<void>;
    };

// One leaf: `level` 0 maps 4 KiB (PT entry), 1 maps 2 MiB (PD), 2 maps 1 GiB (PDPT).
struct LeafMapping {
  uint64_t virtual_address;
  uint64_t physical_address;
  unsigned level;
  PageAccess access;
  PagePrivilege privilege;
};

template <PageTableMemory Memory>
class BasicPageTable {
 public:
  // A new, empty hierarchy (one zeroed PML4 frame).
  static Result<BasicPageTable> create(Memory memory) {
    const uint64_t root = TRY(memory.allocate_table());
    return BasicPageTable(root, memory);
  }

  // A new hierarchy whose kernel half (PML4 slots 256..511) is `kernel`'s and whose user half is
  // empty. Seals `kernel`'s kernel half (see above).
  static Result<BasicPageTable> create_sharing_kernel_half(Memory memory, BasicPageTable& kernel) {
    BasicPageTable table = TRY(create(memory));
    kernel.m_kernel_half_sealed = true;
    for (uint64_t slot = first_kernel_slot; slot < entries_per_table; ++slot) {
      table.m_memory.write_entry(table.m_root, slot,
                                 kernel.m_memory.read_entry(kernel.m_root, slot));
    }
    return table;
  }

  // Maps one page (Base: 4 KiB, Large: 2 MiB). Errors: InvalidArgument (misaligned,
  // non-canonical, wrong half for the privilege), AlreadyExists (something is mapped there, or a
  // large page covers it), InvalidState (a sealed kernel half), and the frame source's errors.
  Result<void> map(const PageMapping& mapping) {
    return insert_leaf(
        {mapping.virtual_address, mapping.physical_address,
         mapping.size == PageSize::Large ? 1U : 0U, mapping.access, mapping.privilege},
        mapping.cache);
  }

  // map() at any leaf level (0..2), with the same rules (write-back memory).
  Result<void> map_leaf(const LeafMapping& mapping) {
    return insert_leaf(mapping, PageCache::WriteBack);
  }

  // Removes the base-page mapping at `virtual_address` and returns the frame it mapped; the
  // intermediate tables stay. Errors: InvalidArgument (misaligned, non-canonical), NotFound
  // (nothing mapped there), Unsupported (a large page covers it: the direct map is never
  // unmapped). The TLB is the caller's (x86_64::PageTable::unmap).
  Result<uint64_t> unmap(uint64_t virtual_address) {
    if (virtual_address % level_bytes(0) != 0 || !canonical(virtual_address)) {
      return Error::InvalidArgument;
    }
    uint64_t table = m_root;
    for (unsigned level = pml4_level; level > 0; --level) {
      const uint64_t entry = m_memory.read_entry(table, table_index(virtual_address, level));
      if ((entry & pte::present) == 0) return Error::NotFound;
      if ((entry & pte::large) != 0) return Error::Unsupported;
      table = entry & pte::address_mask;
    }
    const uint64_t index = table_index(virtual_address, 0);
    const uint64_t leaf = m_memory.read_entry(table, index);
    if ((leaf & pte::present) == 0) return Error::NotFound;
    m_memory.write_entry(table, index, 0);
    return leaf & pte::address_mask;
  }

  // The translation of `virtual_address` with the effective rights of its whole path, or nullopt
  // when the MMU would fault whatever the access (non-canonical, not present, a reserved bit).
  [[nodiscard]] std::optional<PageLookup> lookup(uint64_t virtual_address) const {
    if (!canonical(virtual_address)) return std::nullopt;
    predicate::PathRights<bool> rights{true, true, true};
    uint64_t table = m_root;
    for (unsigned level = pml4_level + 1; level-- > 0;) {
      const uint64_t entry = m_memory.read_entry(table, table_index(virtual_address, level));
      if ((entry & pte::present) == 0) return std::nullopt;
      const bool large = level != 0 && (entry & pte::large) != 0;  // at PT level bit 7 is PAT
      if (large && level == pml4_level) return std::nullopt;       // PS is reserved in a PML4E
      rights = predicate::rights_after<bool>(rights, (entry & pte::user) != 0,
                                             (entry & pte::writable) != 0,
                                             (entry & pte::no_execute) != 0);
      if (level == 0 || large) {
        const uint64_t offset_mask = level_bytes(level) - 1;
        const uint64_t frame = entry & pte::address_mask & ~offset_mask;
        if (level != 0 && (entry & offset_mask & ~(pte::large_reserved_low - 1)) != 0) {
          return std::nullopt;  // reserved address bits below a large frame
        }
        return PageLookup{
            .physical_address = frame | (virtual_address & offset_mask),
            .user = rights.user,
            .writable = rights.writable,
            .executable = rights.executable,
        };
      }
      table = entry & pte::address_mask;
    }
    return std::nullopt;  // unreachable: level 0 is always a leaf
  }

  [[nodiscard]] bool kernel_half_sealed() const { return m_kernel_half_sealed; }
  [[nodiscard]] uint64_t root_physical() const { return m_root; }
  [[nodiscard]] const Memory& memory() const { return m_memory; }

 private:
  BasicPageTable(uint64_t root, Memory memory) : m_root(root), m_memory(memory) {}

  Result<void> insert_leaf(const LeafMapping& mapping, PageCache cache) {
    if (mapping.level > 2) return Error::InvalidArgument;
    const uint64_t size = level_bytes(mapping.level);
    const uint64_t virt = mapping.virtual_address;
    const uint64_t phys = mapping.physical_address;
    if (virt % size != 0 || phys % size != 0 || phys >= max_physical) return Error::InvalidArgument;
    const bool user = mapping.privilege == PagePrivilege::User;
    if (user ? (virt >= user_half_end || size > user_half_end - virt) : virt < kernel_half_start) {
      return Error::InvalidArgument;
    }
    const EntrySlot slot = TRY(leaf_slot(virt, mapping.level, mapping.privilege));
    if ((m_memory.read_entry(slot.table, slot.index) & pte::present) != 0) {
      return Error::AlreadyExists;
    }
    uint64_t entry = phys | pte::present;
    if (mapping.access == PageAccess::ReadWrite) entry |= pte::writable;
    if (mapping.access != PageAccess::ReadExecute) entry |= pte::no_execute;
    entry |= user ? pte::user : pte::global;
    if (mapping.level > 0) entry |= pte::large;
    if (cache == PageCache::Uncached) entry |= pte::cache_disable | pte::write_through;
    m_memory.write_entry(slot.table, slot.index, entry);
    return {};
  }

  // One entry: entry `index` of the table frame at `table`.
  struct EntrySlot {
    uint64_t table;
    uint64_t index;
  };

  // The entry for `virtual_address` at table level `level`, creating the missing intermediate
  // tables above it.
  Result<EntrySlot> leaf_slot(uint64_t virtual_address, unsigned level, PagePrivilege privilege) {
    const uint64_t intermediate_flags =
        pte::present | pte::writable | (privilege == PagePrivilege::User ? pte::user : 0);
    uint64_t table = m_root;
    for (unsigned current = pml4_level; current > level; --current) {
      const uint64_t index = table_index(virtual_address, current);
      uint64_t entry = m_memory.read_entry(table, index);
      if ((entry & pte::present) == 0) {
        // F-020: a new kernel PML4 entry after the kernel half was shared would not reach the
        // process tables that copied it.
        if (current == pml4_level && privilege == PagePrivilege::Kernel && m_kernel_half_sealed) {
          return Error::InvalidState;
        }
        entry = TRY(m_memory.allocate_table()) | intermediate_flags;
      } else if ((entry & pte::large) != 0) {
        return Error::AlreadyExists;  // a large page already covers this address
      } else {
        entry |= intermediate_flags & pte::user;
      }
      m_memory.write_entry(table, index, entry);
      table = entry & pte::address_mask;
    }
    return EntrySlot{table, table_index(virtual_address, level)};
  }

  uint64_t m_root;
  Memory m_memory;
  bool m_kernel_half_sealed = false;
};

}  // namespace capos::kernel::x86_64
