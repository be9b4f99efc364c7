#include "kernel/arch/x86_64/page_table.h"

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

namespace {

// Page-table entry bits (Intel SDM Vol. 3A §4.5, tables 4-14 to 4-20).
constexpr uint64_t pte_present = uint64_t{1} << 0;
constexpr uint64_t pte_writable = uint64_t{1} << 1;
constexpr uint64_t pte_user = uint64_t{1} << 2;
constexpr uint64_t pte_write_through = uint64_t{1} << 3;  // PWT
constexpr uint64_t pte_cache_disable = uint64_t{1} << 4;  // PCD: with PWT, PAT entry 3 = UC
constexpr uint64_t pte_large = uint64_t{1} << 7;          // PS: a leaf at PD (2 MiB) level
constexpr uint64_t pte_global = uint64_t{1} << 8;         // survives CR3 loads when CR4.PGE = 1
constexpr uint64_t pte_no_execute = uint64_t{1} << 63;
constexpr uint64_t pte_address_mask = 0x000f'ffff'ffff'f000;  // bits 51:12

constexpr uint64_t entries_per_table = 512;
constexpr uint64_t base_page = 4096;
constexpr uint64_t large_page = uint64_t{2} << 20;
constexpr uint64_t user_half_end = uint64_t{1} << 47;
constexpr uint64_t kernel_half_start = 0xffff'8000'0000'0000;
constexpr uint64_t max_physical = uint64_t{1} << 52;
constexpr uint64_t first_kernel_slot = 256;  // PML4 slots 256..511 map the kernel half

constexpr bool canonical(uint64_t virtual_address) {
  return virtual_address < user_half_end || virtual_address >= kernel_half_start;
}

constexpr uint64_t table_index(uint64_t virtual_address, unsigned level) {
  return (virtual_address >> (12 + 9 * level)) & (entries_per_table - 1);
}

// SAFETY: `physical` is a page-table frame: it came from the TableFrameSource (or is a frame an
// existing entry points to, which this class put there), and the source guarantees that such
// frames are in the direct map, which maps them read-write at direct_map_base + physical.
uint64_t* table_at(uint64_t physical) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the direct map is reached by address arithmetic
  return reinterpret_cast<uint64_t*>(DIRECT_MAP_BASE + physical);
}

}  // namespace

Result<PageTable> PageTable::create(TableFrameSource frames) {
  const uint64_t root = TRY(frames());
  return PageTable(root, frames);
}

Result<PageTable::EntrySlot> PageTable::leaf_slot(uint64_t virtual_address, unsigned level,
                                                  PagePrivilege privilege) {
  const uint64_t intermediate_flags =
      pte_present | pte_writable | (privilege == PagePrivilege::User ? pte_user : 0);
  uint64_t table = m_root;
  for (unsigned current = 3; current > level; --current) {
    // SAFETY: table_index < 512, the number of entries in a table frame.
    uint64_t* entry = table_at(table) + table_index(virtual_address, current);
    if ((*entry & pte_present) == 0) {
      // F-020: a new kernel PML4 entry after the kernel half was shared would not reach the
      // process tables that copied it.
      if (current == 3 && privilege == PagePrivilege::Kernel && m_kernel_half_sealed) {
        return Error::InvalidState;
      }
      const uint64_t next = TRY(m_frames());
      *entry = next | intermediate_flags;
    } else if ((*entry & pte_large) != 0) {
      return Error::AlreadyExists;  // a large page already covers this address
    } else {
      *entry |= intermediate_flags & pte_user;
    }
    table = *entry & pte_address_mask;
  }
  // SAFETY: as above.
  return EntrySlot{table_at(table) + table_index(virtual_address, level)};
}

Result<void> PageTable::map(const PageMapping& mapping) {
  const bool large = mapping.size == PageSize::Large;
  const uint64_t size = large ? large_page : base_page;
  const uint64_t virt = mapping.virtual_address;
  const uint64_t phys = mapping.physical_address;
  if (virt % size != 0 || phys % size != 0 || phys >= max_physical) return Error::InvalidArgument;
  const bool user = mapping.privilege == PagePrivilege::User;
  if (user ? (virt >= user_half_end || size > user_half_end - virt) : virt < kernel_half_start) {
    return Error::InvalidArgument;
  }

  uint64_t* slot = TRY(leaf_slot(virt, large ? 1 : 0, mapping.privilege)).entry;
  if ((*slot & pte_present) != 0) return Error::AlreadyExists;
  uint64_t entry = phys | pte_present;
  if (mapping.access == PageAccess::ReadWrite) entry |= pte_writable;
  if (mapping.access != PageAccess::ReadExecute) entry |= pte_no_execute;
  entry |= user ? pte_user : pte_global;
  if (large) entry |= pte_large;
  if (mapping.cache == PageCache::Uncached) entry |= pte_cache_disable | pte_write_through;
  *slot = entry;
  // Not-present entries are never cached as translations, but paging-structure caches may hold
  // the path to them; invalidating keeps the live hierarchy exact.
  if ((read_cr3() & pte_address_mask) == m_root) invalidate_page(virt);
  return {};
}

Result<uint64_t> PageTable::unmap(uint64_t virtual_address) {
  if (virtual_address % base_page != 0 || !canonical(virtual_address)) {
    return Error::InvalidArgument;
  }
  uint64_t table = m_root;
  for (unsigned level = 3; level > 0; --level) {
    // SAFETY: table_index < 512; `table` is the root or a frame a present entry points to.
    const uint64_t entry = table_at(table)[table_index(virtual_address, level)];
    if ((entry & pte_present) == 0) return Error::NotFound;
    if ((entry & pte_large) != 0) return Error::Unsupported;
    table = entry & pte_address_mask;
  }
  // SAFETY: as above, at the last level.
  uint64_t* slot = table_at(table) + table_index(virtual_address, 0);
  if ((*slot & pte_present) == 0) return Error::NotFound;
  const uint64_t physical = *slot & pte_address_mask;
  *slot = 0;
  const bool shared = virtual_address >= kernel_half_start;  // global, in every table
  if (shared || (read_cr3() & pte_address_mask) == m_root) invalidate_page(virtual_address);
  return physical;
}

Result<PageTable> PageTable::create_sharing_kernel_half(TableFrameSource frames,
                                                        PageTable& kernel) {
  PageTable table = TRY(create(frames));
  kernel.m_kernel_half_sealed = true;
  const uint64_t* source = table_at(kernel.m_root);
  uint64_t* destination = table_at(table.m_root);
  // SAFETY: both are PML4 frames of 512 entries reached through the direct map (table_at);
  // indices 256..511 are in range. The new root is private to this call until it returns.
  for (uint64_t slot = first_kernel_slot; slot < entries_per_table; ++slot) {
    destination[slot] = source[slot];
  }
  return table;
}

void PageTable::activate() const { write_cr3(m_root); }

std::optional<PageLookup> PageTable::lookup(uint64_t virtual_address) const {
  if (!canonical(virtual_address)) return std::nullopt;
  bool user = true;
  bool writable = true;
  bool executable = true;
  uint64_t table = m_root;
  for (unsigned level = 4; level-- > 0;) {
    // SAFETY: table_index < 512; `table` is the root or a frame a present entry points to.
    const uint64_t entry = table_at(table)[table_index(virtual_address, level)];
    if ((entry & pte_present) == 0) return std::nullopt;
    user = user && (entry & pte_user) != 0;
    writable = writable && (entry & pte_writable) != 0;
    executable = executable && (entry & pte_no_execute) == 0;
    const bool leaf = level == 0 || (level <= 2 && (entry & pte_large) != 0);
    if (leaf) {
      const uint64_t page_bytes = uint64_t{1} << (12 + 9 * level);
      return PageLookup{
          .physical_address =
              (entry & pte_address_mask & ~(page_bytes - 1)) | (virtual_address & (page_bytes - 1)),
          .user = user,
          .writable = writable,
          .executable = executable,
      };
    }
    table = entry & pte_address_mask;
  }
  return std::nullopt;  // unreachable: level 0 is always a leaf
}

}  // namespace capos::kernel::x86_64
