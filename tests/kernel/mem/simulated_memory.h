// tests/kernel/mem/simulated_memory.h — a simulated x86-64 machine for host tests, fuzzers and
// verify/bounded: physical memory, the CPU's walk for the kernel's user copies, and the kernel's
// own user-memory path (ProcessMemory -> UserPtr -> validate_user_buffer -> copy) running on it.
//
// What is real and what is simulated:
//   - the page tables are the kernel's BasicPageTable (kernel/arch/x86_64/basic_page_table.h)
//     over SimulatedTables, whose frames live in SimulatedPhysicalMemory (sparse 4 KiB frames,
//     zero until written; table frames from a bump allocator at table_base, data frames wherever
//     a test puts them);
//   - ProcessMemory, UserPtr, validate_user_buffer and TableWalk are the kernel's text, with
//     SimulatedUserSpace as the address-space policy instead of ActiveUserSpace;
//   - the copy is the simulation of capos_user_copy: the CPU's own walk (cpu_translate, written
//     from the SDM independently of BasicPageTable::lookup) for a supervisor access with
//     CR0.WP = 1 and SMAP's AC = 1, byte by byte, false at the first byte that takes a #PF.
//     A #PF outside the user half or a #GP (non-canonical) would halt the real kernel (its fixup
//     covers user-half CR2 only), so here it aborts the test: the validation must stop it first.
// Misuse of the simulation (an unaligned frame, an index past 512) aborts too.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernel/arch/x86_64/basic_page_table.h"
#include "kernel/mem/user_ptr.h"
#include "kernel/proc/process_memory.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel::test {

inline constexpr uint64_t sim_page = 4096;

[[noreturn]] inline void simulation_failure(const char* what, uint64_t value) {
  std::fprintf(stderr, "simulated machine: %s (0x%llx)\n", what,
               static_cast<unsigned long long>(value));
  std::abort();
}

class SimulatedPhysicalMemory {
 public:
  static constexpr uint64_t table_base = uint64_t{16} << 20;  // table frames from 16 MiB up
  static constexpr uint64_t data_base = uint64_t{1} << 30;    // a convenient place for data

  // Table frames: Exhausted once `limit` have been handed out (the frame source running dry).
  void set_table_limit(uint64_t limit) { m_table_limit = limit; }
  [[nodiscard]] uint64_t tables_allocated() const { return m_tables; }
  [[nodiscard]] Result<uint64_t> allocate_table() {
    if (m_tables >= m_table_limit) return Error::Exhausted;
    const uint64_t frame = table_base + m_tables * sim_page;
    ++m_tables;
    m_frames[frame / sim_page].fill(0);
    return frame;
  }

  [[nodiscard]] uint8_t read_byte(uint64_t physical) const {
    check_physical(physical);
    const auto found = m_frames.find(physical / sim_page);
    return found == m_frames.end() ? 0 : found->second[physical % sim_page];
  }
  void write_byte(uint64_t physical, uint8_t value) {
    check_physical(physical);
    m_frames[physical / sim_page][physical % sim_page] = value;
    ++m_byte_writes;
  }

  // Bytes within one frame ([physical, physical + bytes.size()) must not cross a frame end).
  void read_bytes(uint64_t physical, std::span<uint8_t> bytes) const {
    check_within_frame(physical, bytes.size());
    const auto found = m_frames.find(physical / sim_page);
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = found == m_frames.end() ? 0 : found->second[physical % sim_page + i];
    }
  }
  void write_bytes(uint64_t physical, std::span<const uint8_t> bytes) {
    check_within_frame(physical, bytes.size());
    auto& frame = m_frames[physical / sim_page];
    for (size_t i = 0; i < bytes.size(); ++i) frame[physical % sim_page + i] = bytes[i];
    m_byte_writes += bytes.size();
  }

  // Entries are little-endian 64-bit words, as the MMU reads them.
  [[nodiscard]] uint64_t read_entry(uint64_t frame, uint64_t index) const {
    check_entry(frame, index);
    ++m_entry_reads;
    const auto found = m_frames.find(frame / sim_page);
    if (found == m_frames.end()) return 0;
    uint64_t value = 0;
    for (uint64_t byte = 8; byte-- > 0;) value = (value << 8) | found->second[index * 8 + byte];
    return value;
  }
  void write_entry(uint64_t frame, uint64_t index, uint64_t value) {
    check_entry(frame, index);
    auto& bytes = m_frames[frame / sim_page];
    for (uint64_t byte = 0; byte < 8; ++byte) {
      bytes[index * 8 + byte] = static_cast<uint8_t>(value >> (8 * byte));
    }
  }

  [[nodiscard]] uint64_t entry_reads() const { return m_entry_reads; }
  [[nodiscard]] uint64_t byte_writes() const { return m_byte_writes; }

 private:
  static void check_physical(uint64_t physical) {
    if (physical >= x86_64::max_physical) simulation_failure("physical address >= 2^52", physical);
  }
  static void check_within_frame(uint64_t physical, uint64_t bytes) {
    check_physical(physical);
    if (physical % sim_page + bytes > sim_page) simulation_failure("bytes cross a frame", physical);
  }
  static void check_entry(uint64_t frame, uint64_t index) {
    if (frame % sim_page != 0) simulation_failure("table frame not page-aligned", frame);
    if (index >= x86_64::entries_per_table) simulation_failure("entry index >= 512", index);
    check_physical(frame);
  }

  std::unordered_map<uint64_t, std::array<uint8_t, sim_page>> m_frames;  // by frame number
  uint64_t m_tables = 0;
  uint64_t m_table_limit = 1 << 16;
  mutable uint64_t m_entry_reads = 0;
  uint64_t m_byte_writes = 0;
};

// BasicPageTable's memory policy on the host.
class SimulatedTables {
 public:
  explicit SimulatedTables(SimulatedPhysicalMemory& memory) : m_memory(&memory) {}
  [[nodiscard]] Result<uint64_t> allocate_table() { return m_memory->allocate_table(); }
  [[nodiscard]] uint64_t read_entry(uint64_t frame, uint64_t index) const {
    return m_memory->read_entry(frame, index);
  }
  void write_entry(uint64_t frame, uint64_t index, uint64_t value) {
    m_memory->write_entry(frame, index, value);
  }
  [[nodiscard]] SimulatedPhysicalMemory& physical() const { return *m_memory; }

 private:
  SimulatedPhysicalMemory* m_memory;
};
static_assert(x86_64::PageTableMemory<SimulatedTables>);

using SimulatedPageTable = x86_64::BasicPageTable<SimulatedTables>;

enum class CpuAccess : uint8_t { Read, Write, Inspect };

// The CPU's walk for a supervisor data access (CPL 0, CR0.WP = 1, EFER.NXE = 1, SMAP with
// AC = 1, so U/S does not matter): the physical address of the byte, or nullopt for a #PF
// (an entry not present; PS set in the PML4E, or reserved address bits under a large frame;
// a write with R/W = 0 in any entry). Inspect ignores R/W (test setup looking at memory).
// A non-canonical address is a #GP, never a #PF: that aborts.
inline std::optional<uint64_t> cpu_translate(const SimulatedPhysicalMemory& memory, uint64_t root,
                                             uint64_t address, CpuAccess access) {
  if (!x86_64::canonical(address)) simulation_failure("#GP: non-canonical access", address);
  static constexpr std::array<unsigned, 4> shifts = {39, 30, 21, 12};  // PML4E, PDPTE, PDE, PTE
  uint64_t table = root;
  for (size_t depth = 0; depth < shifts.size(); ++depth) {
    const unsigned shift = shifts[depth];
    const uint64_t entry = memory.read_entry(table, (address >> shift) & 511);
    if ((entry & 1) == 0) return std::nullopt;
    if (access == CpuAccess::Write && (entry & 2) == 0) return std::nullopt;
    const bool page_size = (entry & 0x80) != 0;
    const uint64_t frame_bits = entry & 0x000f'ffff'ffff'f000;
    if (depth == 0 && page_size) return std::nullopt;  // reserved in a PML4E
    if (depth == 3 || page_size) {
      const uint64_t within = (uint64_t{1} << shift) - 1;
      if (depth != 3 && (frame_bits & within & ~uint64_t{0x1fff}) != 0) return std::nullopt;
      return (frame_bits & ~within) + (address & within);
    }
    table = frame_bits;
  }
  return std::nullopt;
}

// capos_user_copy on the simulated machine (see the header comment).
inline std::optional<uint64_t> user_copy_translate(const SimulatedPhysicalMemory& memory,
                                                   uint64_t root, uint64_t address,
                                                   CpuAccess access) {
  const std::optional<uint64_t> physical = cpu_translate(memory, root, address, access);
  if (!physical && address >= x86_64::user_half_end) {
    simulation_failure("#PF outside the user half in a user copy (kernel halt)", address);
  }
  return physical;
}

// The address-space policy of kernel/mem/user_ptr.h on the simulated machine: `table` plays the
// active hierarchy (CR3 = its root).
class SimulatedUserSpace {
 public:
  using Table = SimulatedPageTable;
  explicit SimulatedUserSpace(const Table& table) : m_table(&table) {}
  [[nodiscard]] const Table& table() const { return *m_table; }

  [[nodiscard]] bool copy_from_user(mem::UserCopyKey /*key*/, void* destination, uint64_t address,
                                    uint64_t bytes) const {
    const std::span<uint8_t> to(static_cast<uint8_t*>(destination), bytes);
    return for_each_page(address, bytes, CpuAccess::Read,
                         [&](uint64_t done, uint64_t physical, uint64_t chunk) {
                           memory().read_bytes(physical, to.subspan(done, chunk));
                         });
  }
  [[nodiscard]] bool copy_to_user(mem::UserCopyKey /*key*/, uint64_t address, const void* source,
                                  uint64_t bytes) const {
    const std::span<const uint8_t> from(static_cast<const uint8_t*>(source), bytes);
    return for_each_page(address, bytes, CpuAccess::Write,
                         [&](uint64_t done, uint64_t physical, uint64_t chunk) {
                           memory().write_bytes(physical, from.subspan(done, chunk));
                         });
  }

 private:
  // In address order, as rep movsb: the walk is the same for every byte of a page, so it runs
  // once per page and the page's bytes move together. False at the first page that faults (the
  // pages before it were copied).
  template <typename Visit>
  bool for_each_page(uint64_t address, uint64_t bytes, CpuAccess access, Visit visit) const {
    for (uint64_t done = 0; done < bytes;) {
      const uint64_t at = address + done;
      const uint64_t chunk = std::min(bytes - done, sim_page - at % sim_page);
      const auto physical = user_copy_translate(memory(), root(), at & ~(sim_page - 1), access);
      if (!physical) return false;
      visit(done, *physical + at % sim_page, chunk);
      done += chunk;
    }
    return true;
  }
  [[nodiscard]] SimulatedPhysicalMemory& memory() const { return m_table->memory().physical(); }
  [[nodiscard]] uint64_t root() const { return m_table->root_physical(); }
  const Table* m_table;
};
static_assert(mem::UserSpace<SimulatedUserSpace>);

// The kernel's ProcessMemory text on the simulated machine.
using SimulatedProcessMemory = BasicProcessMemory<SimulatedUserSpace>;

// A user address space for tests: simulated memory, one real table, conveniences to build and
// inspect it. Not copyable (the table points into the memory).
class SimulatedAddressSpace {
 public:
  SimulatedAddressSpace() : m_table(SimulatedPageTable::create(SimulatedTables(m_memory)).take()) {}
  SimulatedAddressSpace(const SimulatedAddressSpace&) = delete;
  SimulatedAddressSpace& operator=(const SimulatedAddressSpace&) = delete;
  SimulatedAddressSpace(SimulatedAddressSpace&&) = delete;
  SimulatedAddressSpace& operator=(SimulatedAddressSpace&&) = delete;
  ~SimulatedAddressSpace() = default;

  // `pages` 4 KiB pages at `address`, each on a fresh zeroed data frame, mapped user RW or RO by
  // the real map(). user = false then clears the leaf's U/S bit: map() never makes a supervisor
  // page in the user half, but the walk must refuse one all the same.
  void map(uint64_t address, uint64_t pages, bool user, bool writable) {
    for (uint64_t i = 0; i < pages; ++i) {
      const uint64_t virt = (address & ~(sim_page - 1)) + i * sim_page;
      const PageMapping mapping{virt, next_data_frame(), PageSize::Base,
                                writable ? PageAccess::ReadWrite : PageAccess::ReadOnly,
                                PagePrivilege::User};
      if (!m_table.map(mapping)) simulation_failure("map() refused a test mapping", virt);
      if (!user) update_entry(virt, 0, 0, x86_64::pte::user);
    }
  }

  // The frame and index of the entry at `level` on `address`'s path; nullopt unless every entry
  // above it is present and not a leaf.
  [[nodiscard]] std::optional<std::pair<uint64_t, uint64_t>> find_entry(uint64_t address,
                                                                        unsigned level) const {
    uint64_t table = m_table.root_physical();
    for (unsigned current = x86_64::pml4_level; current > level; --current) {
      const uint64_t entry = m_memory.read_entry(table, x86_64::table_index(address, current));
      if ((entry & x86_64::pte::present) == 0 || (entry & x86_64::pte::large) != 0) {
        return std::nullopt;
      }
      table = entry & x86_64::pte::address_mask;
    }
    return std::pair{table, x86_64::table_index(address, level)};
  }
  [[nodiscard]] uint64_t entry(uint64_t address, unsigned level) const {
    const auto slot = find_entry(address, level);
    if (!slot) simulation_failure("entry: no table at this level", address);
    return m_memory.read_entry(slot->first, slot->second);
  }
  // Sets, then clears bits of that entry; false (nothing changed) when it cannot be reached.
  bool try_update_entry(uint64_t address, unsigned level, uint64_t set, uint64_t clear) {
    const auto slot = find_entry(address, level);
    if (!slot) return false;
    const auto [table, index] = *slot;
    m_memory.write_entry(table, index, (m_memory.read_entry(table, index) | set) & ~clear);
    return true;
  }
  void update_entry(uint64_t address, unsigned level, uint64_t set, uint64_t clear) {
    if (!try_update_entry(address, level, set, clear)) {
      simulation_failure("update_entry: no table at this level", address);
    }
  }
  // True iff `address` translates (present all the way, no reserved bit).
  [[nodiscard]] bool present(uint64_t address) const {
    return cpu_translate(m_memory, m_table.root_physical(), address, CpuAccess::Inspect)
        .has_value();
  }

  // The user's own view of its memory (no permission check; the page must be present).
  void poke(uint64_t address, ByteView bytes) {
    for (size_t done = 0; done < bytes.size();) {
      const uint64_t at = address + done;
      const size_t chunk = std::min<size_t>(bytes.size() - done, sim_page - at % sim_page);
      m_memory.write_bytes(physical(at), bytes.subspan(done, chunk));
      done += chunk;
    }
  }
  [[nodiscard]] std::vector<uint8_t> peek(uint64_t address, size_t length) const {
    std::vector<uint8_t> out(length);
    for (size_t done = 0; done < length;) {
      const uint64_t at = address + done;
      const size_t chunk = std::min<size_t>(length - done, sim_page - at % sim_page);
      m_memory.read_bytes(physical(at), std::span(out).subspan(done, chunk));
      done += chunk;
    }
    return out;
  }

  [[nodiscard]] SimulatedProcessMemory memory() const { return SimulatedProcessMemory(m_table); }
  [[nodiscard]] SimulatedPageTable& table() { return m_table; }
  [[nodiscard]] const SimulatedPageTable& table() const { return m_table; }
  [[nodiscard]] SimulatedPhysicalMemory& physical_memory() { return m_memory; }
  [[nodiscard]] const SimulatedPhysicalMemory& physical_memory() const { return m_memory; }
  uint64_t next_data_frame() {
    const uint64_t frame = m_next_data;
    m_next_data += sim_page;
    return frame;
  }

 private:
  [[nodiscard]] uint64_t physical(uint64_t address) const {
    const auto found =
        cpu_translate(m_memory, m_table.root_physical(), address, CpuAccess::Inspect);
    if (!found) simulation_failure("poke/peek of an unmapped address", address);
    return *found;
  }

  SimulatedPhysicalMemory m_memory;  // before m_table, which points into it
  SimulatedPageTable m_table;
  uint64_t m_next_data = SimulatedPhysicalMemory::data_base;
};

}  // namespace capos::kernel::test
