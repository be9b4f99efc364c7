// The kernel's page-table logic (kernel/arch/x86_64/basic_page_table.h), the same text the kernel
// runs over its direct map, here over simulated physical memory: the entries map() writes at every
// level, 4 KiB / 2 MiB / 1 GiB leaves, every refusal rule, the sealed kernel half, and lookup()'s
// effective rights for every combination of U/S, R/W and XD along a path, present bits and
// reserved bits. A RapidCheck property runs map_leaf sequences against a model of leaves.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "kernel/arch/x86_64/basic_page_table.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::kernel::test {
namespace {

namespace pte = x86_64::pte;
using x86_64::LeafMapping;

constexpr uint64_t kib4 = 4096;
constexpr uint64_t mib2 = uint64_t{2} << 20;
constexpr uint64_t gib1 = uint64_t{1} << 30;
constexpr uint64_t kernel_base = 0xffff'8000'0000'0000;
constexpr uint64_t flag_bits =
    pte::present | pte::writable | pte::user | pte::large | pte::global | pte::no_execute;

class PageTableTest : public ::testing::Test {
 protected:
  SimulatedPageTable make() { return SimulatedPageTable::create(SimulatedTables(m_memory)).take(); }

  // The entry at `level` on `address`'s path in `table` (every entry above must be a table).
  uint64_t entry(const SimulatedPageTable& table, uint64_t address, unsigned level) {
    uint64_t frame = table.root_physical();
    for (unsigned current = 3; current > level; --current) {
      const uint64_t value = m_memory.read_entry(frame, x86_64::table_index(address, current));
      EXPECT_NE(value & pte::present, 0U) << "level " << current;
      EXPECT_EQ(value & pte::large, 0U) << "level " << current;
      frame = value & pte::address_mask;
    }
    return m_memory.read_entry(frame, x86_64::table_index(address, level));
  }

  SimulatedPhysicalMemory m_memory;
};

PageMapping user_page(uint64_t virt, uint64_t phys, PageAccess access = PageAccess::ReadWrite,
                      PageSize size = PageSize::Base) {
  return {virt, phys, size, access, PagePrivilege::User};
}

TEST_F(PageTableTest, UserPageWritesEveryLevel) {
  SimulatedPageTable table = make();
  const uint64_t virt = 0x0000'1234'5678'9000;
  ASSERT_TRUE(table.map(user_page(virt, 0x4000'5000)).has_value());
  for (unsigned level = 3; level > 0; --level) {
    // Intermediates: present, writable, user, never NX or PS (rights are decided at the leaf).
    EXPECT_EQ(entry(table, virt, level) & flag_bits, pte::present | pte::writable | pte::user);
  }
  EXPECT_EQ(entry(table, virt, 0), 0x4000'5000 | pte::present | pte::writable | pte::user |
                                       pte::no_execute);  // not global: per-process
  EXPECT_EQ(m_memory.tables_allocated(), 4U);
  const auto found = table.lookup(virt + 0x123);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->physical_address, 0x4000'5123U);
  EXPECT_TRUE(found->user);
  EXPECT_TRUE(found->writable);
  EXPECT_FALSE(found->executable);
  EXPECT_FALSE(table.lookup(virt + kib4).has_value());
  EXPECT_FALSE(table.lookup(virt - 1).has_value());
}

TEST_F(PageTableTest, LeafBitsFollowAccessAndPrivilege) {
  SimulatedPageTable table = make();
  ASSERT_TRUE(table.map(user_page(0x10000, 0x50000, PageAccess::ReadOnly)).has_value());
  ASSERT_TRUE(table.map(user_page(0x11000, 0x51000, PageAccess::ReadExecute)).has_value());
  ASSERT_TRUE(table
                  .map({kernel_base + 0x2000, 0x52000, PageSize::Base, PageAccess::ReadExecute,
                        PagePrivilege::Kernel})
                  .has_value());
  EXPECT_EQ(entry(table, 0x10000, 0) & flag_bits, pte::present | pte::user | pte::no_execute);
  EXPECT_EQ(entry(table, 0x11000, 0) & flag_bits, pte::present | pte::user);
  EXPECT_EQ(entry(table, kernel_base + 0x2000, 0) & flag_bits, pte::present | pte::global);
  EXPECT_EQ(entry(table, kernel_base + 0x2000, 1) & flag_bits, pte::present | pte::writable);
  const auto read_only = table.lookup(0x10000);
  const auto code = table.lookup(0x11000);
  const auto kernel = table.lookup(kernel_base + 0x2fff);
  ASSERT_TRUE(read_only && code && kernel);
  EXPECT_TRUE(read_only->user && !read_only->writable && !read_only->executable);
  EXPECT_TRUE(code->user && !code->writable && code->executable);
  EXPECT_TRUE(!kernel->user && !kernel->writable && kernel->executable);
  EXPECT_EQ(kernel->physical_address, 0x52fffU);
}

// Device registers (the local APIC page): PCD|PWT on the leaf, nothing else changes.
TEST_F(PageTableTest, UncachedLeafSetsPcdAndPwt) {
  SimulatedPageTable table = make();
  constexpr uint64_t cache_bits = pte::cache_disable | pte::write_through;
  ASSERT_TRUE(table
                  .map({kernel_base + 0x3000, 0xfee0'0000, PageSize::Base, PageAccess::ReadWrite,
                        PagePrivilege::Kernel, PageCache::Uncached})
                  .has_value());
  ASSERT_TRUE(table
                  .map({kernel_base + 0x4000, 0x53000, PageSize::Base, PageAccess::ReadWrite,
                        PagePrivilege::Kernel})
                  .has_value());
  EXPECT_EQ(entry(table, kernel_base + 0x3000, 0) & cache_bits, cache_bits);
  EXPECT_EQ(entry(table, kernel_base + 0x3000, 0) & flag_bits,
            pte::present | pte::writable | pte::global | pte::no_execute);
  EXPECT_EQ(entry(table, kernel_base + 0x4000, 0) & cache_bits, 0U);
  EXPECT_EQ(entry(table, kernel_base + 0x3000, 1) & cache_bits, 0U);  // the leaf only
}

// unmap: the leaf goes, its frame comes back, the intermediate tables stay; every refusal.
TEST_F(PageTableTest, UnmapRemovesOneBasePage) {
  SimulatedPageTable table = make();
  ASSERT_TRUE(table.map(user_page(0x20000, 0x60000)).has_value());
  ASSERT_TRUE(table.map(user_page(0x21000, 0x61000)).has_value());
  ASSERT_TRUE(table.map(user_page(0x40'0000, 0x80'0000, PageAccess::ReadWrite, PageSize::Large))
                  .has_value());
  const Result<uint64_t> frame = table.unmap(0x20000);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, 0x60000U);
  EXPECT_EQ(entry(table, 0x20000, 0), 0U);
  EXPECT_FALSE(table.lookup(0x20000).has_value());
  ASSERT_TRUE(table.lookup(0x21000).has_value());  // the neighbour is untouched
  EXPECT_EQ(table.unmap(0x20000).error(), Error::NotFound);
  EXPECT_EQ(table.unmap(0x7000'0000).error(), Error::NotFound);     // no table on the path
  EXPECT_EQ(table.unmap(0x20800).error(), Error::InvalidArgument);  // misaligned
  EXPECT_EQ(table.unmap(uint64_t{1} << 47).error(), Error::InvalidArgument);  // non-canonical
  EXPECT_EQ(table.unmap(0x40'0000).error(), Error::Unsupported);              // under a large page
  ASSERT_TRUE(table.lookup(0x40'0000).has_value());
  ASSERT_TRUE(table.map(user_page(0x20000, 0x62000)).has_value());  // the slot is free again
  EXPECT_EQ(table.lookup(0x20000)->physical_address, 0x62000U);
}

TEST_F(PageTableTest, LargeLeavesAtPdAndPdpt) {
  SimulatedPageTable table = make();
  ASSERT_TRUE(table
                  .map(user_page(0x4000'0000 + mib2, 0x8000'0000 + mib2, PageAccess::ReadWrite,
                                 PageSize::Large))
                  .has_value());
  ASSERT_TRUE(table
                  .map_leaf(LeafMapping{0x0000'0080'0000'0000, 3 * gib1, 2, PageAccess::ReadOnly,
                                        PagePrivilege::User})
                  .has_value());
  EXPECT_EQ(entry(table, 0x4000'0000 + mib2, 1) & flag_bits,
            pte::present | pte::writable | pte::user | pte::large | pte::no_execute);
  EXPECT_EQ(entry(table, 0x0000'0080'0000'0000, 2) & flag_bits,
            pte::present | pte::user | pte::large | pte::no_execute);
  // Every byte of the large page translates with its offset; the next page does not.
  for (const uint64_t offset : {uint64_t{0}, uint64_t{0x1234}, mib2 - 1}) {
    const auto found = table.lookup(0x4000'0000 + mib2 + offset);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->physical_address, 0x8000'0000 + mib2 + offset);
    EXPECT_TRUE(found->writable);
  }
  EXPECT_FALSE(table.lookup(0x4000'0000 + 2 * mib2).has_value());
  EXPECT_FALSE(table.lookup(0x4000'0000 + mib2 - 1).has_value());
  for (const uint64_t offset : {uint64_t{0}, uint64_t{0x2345'6789}, gib1 - 1}) {
    const auto found = table.lookup(0x0000'0080'0000'0000 + offset);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->physical_address, 3 * gib1 + offset);
    EXPECT_FALSE(found->writable);
  }
  EXPECT_FALSE(table.lookup(0x0000'0080'0000'0000 + gib1).has_value());
}

TEST_F(PageTableTest, RefusesBadArguments) {
  SimulatedPageTable table = make();
  const auto refused = [&](const LeafMapping& mapping) {
    const Result<void> result = table.map_leaf(mapping);
    return !result && result.error() == Error::InvalidArgument;
  };
  const PageAccess rw = PageAccess::ReadWrite;
  const PagePrivilege user = PagePrivilege::User;
  const PagePrivilege kernel = PagePrivilege::Kernel;
  EXPECT_TRUE(refused({0x10001, 0x5000, 0, rw, user}));                // virtual misaligned
  EXPECT_TRUE(refused({0x10000, 0x5800, 0, rw, user}));                // physical misaligned
  EXPECT_TRUE(refused({mib2 + kib4, 0, 1, rw, user}));                 // 2 MiB virtual
  EXPECT_TRUE(refused({mib2, kib4, 1, rw, user}));                     // 2 MiB physical
  EXPECT_TRUE(refused({gib1, mib2, 2, rw, user}));                     // 1 GiB physical
  EXPECT_TRUE(refused({0x10000, x86_64::max_physical, 0, rw, user}));  // beyond 52 bits
  EXPECT_TRUE(refused({0x10000, 0x5000, 3, rw, user}));                // no 512 GiB leaf
  EXPECT_TRUE(refused({x86_64::user_half_end, 0x5000, 0, rw, user}));  // non-canonical
  EXPECT_TRUE(refused({kernel_base, 0x5000, 0, rw, user}));            // user in kernel half
  EXPECT_TRUE(refused({0x10000, 0x5000, 0, rw, kernel}));              // kernel in user half
  EXPECT_TRUE(refused({x86_64::user_half_end - kib4, 0, 0, rw, kernel}));
  EXPECT_EQ(m_memory.tables_allocated(), 1U);  // refused before any walk
  // The last page and the last GiB of the user half are mappable.
  EXPECT_TRUE(table.map_leaf({x86_64::user_half_end - kib4, 0x5000, 0, rw, user}).has_value());
  EXPECT_TRUE(table.map_leaf({x86_64::user_half_end - 2 * gib1, gib1, 2, rw, user}).has_value());
}

TEST_F(PageTableTest, NeverReplacesAMapping) {
  SimulatedPageTable table = make();
  const auto exists = [&](const LeafMapping& mapping) {
    const Result<void> result = table.map_leaf(mapping);
    return !result && result.error() == Error::AlreadyExists;
  };
  const PageAccess rw = PageAccess::ReadWrite;
  const PagePrivilege user = PagePrivilege::User;
  ASSERT_TRUE(table.map_leaf({0x10000, 0x5000, 0, rw, user}).has_value());
  ASSERT_TRUE(table.map_leaf({4 * mib2, 8 * mib2, 1, rw, user}).has_value());
  ASSERT_TRUE(table.map_leaf({4 * gib1, 4 * gib1, 2, rw, user}).has_value());
  EXPECT_TRUE(exists({0x10000, 0x9000, 0, rw, user}));              // the same page
  EXPECT_TRUE(exists({0, 0, 1, rw, user}));                         // 2 MiB over a PT
  EXPECT_TRUE(exists({4 * mib2 + kib4, 0x9000, 0, rw, user}));      // 4 KiB under 2 MiB
  EXPECT_TRUE(exists({0, 0, 2, rw, user}));                         // 1 GiB over a PD
  EXPECT_TRUE(exists({4 * gib1 + mib2, 0, 1, rw, user}));           // 2 MiB under 1 GiB
  EXPECT_TRUE(exists({4 * gib1 + 7 * kib4, 0x9000, 0, rw, user}));  // 4 KiB under 1 GiB
  EXPECT_EQ(table.lookup(0x10000)->physical_address, 0x5000U);      // nothing replaced
  EXPECT_EQ(table.lookup(4 * mib2 + kib4)->physical_address, 8 * mib2 + kib4);
  EXPECT_EQ(table.lookup(4 * gib1 + 7 * kib4)->physical_address, 4 * gib1 + 7 * kib4);
}

TEST_F(PageTableTest, FrameSourceErrorsPropagate) {
  SimulatedPageTable table = make();
  ASSERT_TRUE(table.map(user_page(0x10000, 0x5000)).has_value());
  m_memory.set_table_limit(m_memory.tables_allocated() + 1);  // one more table, not three
  const Result<void> result = table.map(user_page(gib1 * 7, 0x6000));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), Error::Exhausted);
  EXPECT_FALSE(table.lookup(gib1 * 7).has_value());
  EXPECT_EQ(table.lookup(0x10000)->physical_address, 0x5000U);
  ASSERT_TRUE(table.map(user_page(0x11000, 0x7000)).has_value());  // needs no new table
  m_memory.set_table_limit(m_memory.tables_allocated());
  EXPECT_EQ(SimulatedPageTable::create(SimulatedTables(m_memory)).error(), Error::Exhausted);
}

TEST_F(PageTableTest, KernelHalfIsSharedAndSealed) {
  SimulatedPageTable kernel = make();
  const PageMapping code{kernel_base + 0x5000, 0x9000, PageSize::Base, PageAccess::ReadExecute,
                         PagePrivilege::Kernel};
  ASSERT_TRUE(kernel.map(code).has_value());
  EXPECT_FALSE(kernel.kernel_half_sealed());
  SimulatedPageTable process =
      SimulatedPageTable::create_sharing_kernel_half(SimulatedTables(m_memory), kernel).take();
  EXPECT_TRUE(kernel.kernel_half_sealed());
  EXPECT_FALSE(process.kernel_half_sealed());
  EXPECT_NE(process.root_physical(), kernel.root_physical());
  ASSERT_TRUE(process.lookup(code.virtual_address).has_value());
  EXPECT_EQ(process.lookup(code.virtual_address)->physical_address, 0x9000U);
  for (uint64_t slot = 0; slot < 512; ++slot) {  // exactly slots 256..511 copied
    const uint64_t expected = slot < 256 ? 0 : m_memory.read_entry(kernel.root_physical(), slot);
    EXPECT_EQ(m_memory.read_entry(process.root_physical(), slot), expected) << slot;
  }
  // Below an existing kernel PML4 entry: allowed, and the process sees it at once.
  const PageMapping data{kernel_base + 0x4000'0000, 0xa000, PageSize::Base, PageAccess::ReadWrite,
                         PagePrivilege::Kernel};
  ASSERT_TRUE(kernel.map(data).has_value());
  EXPECT_EQ(process.lookup(data.virtual_address)->physical_address, 0xa000U);
  // A new kernel PML4 entry after sealing: refused (F-020), nothing allocated.
  const uint64_t before = m_memory.tables_allocated();
  const PageMapping stray{kernel_base + (uint64_t{1} << 39), 0xb000, PageSize::Base,
                          PageAccess::ReadWrite, PagePrivilege::Kernel};
  EXPECT_EQ(kernel.map(stray).error(), Error::InvalidState);
  EXPECT_EQ(m_memory.tables_allocated(), before);
  // User mappings stay private to the process.
  ASSERT_TRUE(process.map(user_page(0x10000, 0x5000)).has_value());
  EXPECT_FALSE(kernel.lookup(0x10000).has_value());
  ASSERT_TRUE(kernel.map(user_page(0x20000, 0x6000)).has_value());  // user half: never sealed
  EXPECT_FALSE(process.lookup(0x20000).has_value());
}

TEST_F(PageTableTest, NonCanonicalAndEmptyLookups) {
  SimulatedPageTable table = make();
  const uint64_t reads = m_memory.entry_reads();
  for (const uint64_t address : {x86_64::user_half_end, uint64_t{0x1234'5678'9abc'0000},
                                 kernel_base - 1, uint64_t{0x8000'0000'0000'0000}}) {
    EXPECT_FALSE(table.lookup(address).has_value());
  }
  EXPECT_EQ(m_memory.entry_reads(), reads);  // no walk for a non-canonical address
  EXPECT_FALSE(table.lookup(0).has_value());
  EXPECT_FALSE(table.lookup(kernel_base).has_value());
  EXPECT_FALSE(table.lookup(UINT64_MAX).has_value());
}

// A raw path for one address: tables T3 (root) .. T0, entry bits chosen per level.
class RawPath {
 public:
  static constexpr uint64_t address = 0x0000'7f12'3456'7abc;  // no index is 0 at any level
  explicit RawPath(SimulatedPhysicalMemory& memory)
      : m_memory(&memory), m_table(SimulatedPageTable::create(SimulatedTables(memory)).take()) {
    m_frames = {memory.allocate_table().take(), memory.allocate_table().take(),
                memory.allocate_table().take(), m_table.root_physical()};
  }

  // bits[level] for levels 3..leaf_level (leaf_level: 0 = PT, 1 = PD, 2 = PDPT, 3 = a PML4E
  // claiming to be a leaf). The leaf points at `frame`, the others at the next table.
  void write(unsigned leaf_level, const std::array<uint64_t, 4>& bits, uint64_t frame) {
    for (unsigned level = 3;; --level) {
      const uint64_t target = level == leaf_level ? frame : m_frames[level - 1];
      m_memory->write_entry(m_frames[level], x86_64::table_index(address, level),
                            target | bits[level]);
      if (level == leaf_level) break;
    }
  }
  [[nodiscard]] std::optional<PageLookup> lookup() const { return m_table.lookup(address); }

 private:
  SimulatedPhysicalMemory* m_memory;
  SimulatedPageTable m_table;
  std::array<uint64_t, 4> m_frames{};
};

// Every combination of U/S, R/W and XD at every level of a path, for each leaf size: lookup's
// rights are the AND of U/S, the AND of R/W, and "no XD anywhere" (SDM §4.6, CR0.WP = 1).
TEST_F(PageTableTest, EffectiveRightsForEveryCombinationAlongThePath) {
  RawPath path(m_memory);
  for (unsigned leaf = 0; leaf < 3; ++leaf) {
    const unsigned levels = 4 - leaf;
    const uint64_t frame = uint64_t{5} << (12 + 9 * leaf) << 1;  // aligned to the leaf size
    for (uint32_t code = 0; code < (1U << (3 * levels)); ++code) {
      std::array<uint64_t, 4> bits{};
      bool user = true;
      bool writable = true;
      bool executable = true;
      for (unsigned i = 0; i < levels; ++i) {
        const unsigned level = 3 - i;
        const uint32_t three = (code >> (3 * i)) & 7;
        bits[level] = pte::present | ((three & 1) != 0 ? pte::user : 0) |
                      ((three & 2) != 0 ? pte::writable : 0) |
                      ((three & 4) != 0 ? pte::no_execute : 0) |
                      (level == leaf && leaf > 0 ? pte::large : 0);
        user = user && (three & 1) != 0;
        writable = writable && (three & 2) != 0;
        executable = executable && (three & 4) == 0;
      }
      path.write(leaf, bits, frame);
      const auto found = path.lookup();
      ASSERT_TRUE(found.has_value()) << "leaf " << leaf << " code " << code;
      ASSERT_EQ(found->user, user) << "leaf " << leaf << " code " << code;
      ASSERT_EQ(found->writable, writable) << "leaf " << leaf << " code " << code;
      ASSERT_EQ(found->executable, executable) << "leaf " << leaf << " code " << code;
      const uint64_t within = x86_64::level_bytes(leaf) - 1;
      ASSERT_EQ(found->physical_address, frame | (RawPath::address & within));
    }
  }
}

// One entry not present anywhere on the path: not mapped, whatever the other bits.
TEST_F(PageTableTest, AnyAbsentEntryUnmapsThePage) {
  RawPath path(m_memory);
  constexpr uint64_t all = pte::present | pte::user | pte::writable;
  for (unsigned leaf = 0; leaf < 3; ++leaf) {
    const uint64_t frame = uint64_t{1} << 32;
    for (unsigned absent = leaf; absent < 4; ++absent) {
      std::array<uint64_t, 4> bits{all, all, all, all};
      if (leaf > 0) bits[leaf] |= pte::large;
      bits[absent] &= ~pte::present;
      path.write(leaf, bits, frame);
      EXPECT_FALSE(path.lookup().has_value()) << "leaf " << leaf << " absent " << absent;
    }
  }
}

// PS: a leaf at PDPT and PD, reserved in a PML4E (the MMU faults: F-028), PAT at PT level.
TEST_F(PageTableTest, PageSizeBitAtEachLevel) {
  RawPath path(m_memory);
  constexpr uint64_t all = pte::present | pte::user | pte::writable;
  path.write(0, {all | pte::large, all, all, all}, 0x7000);  // bit 7 of a PTE is PAT
  ASSERT_TRUE(path.lookup().has_value());
  EXPECT_EQ(path.lookup()->physical_address, 0x7000 | (RawPath::address & 0xfff));
  // PS in the PML4E, over an otherwise valid path down to the same PTE.
  path.write(0, {all | pte::large, all, all, all | pte::large}, 0x7000);
  EXPECT_FALSE(path.lookup().has_value());
}

// The address bits between PAT (bit 12) and a large frame are reserved; PAT itself is not.
TEST_F(PageTableTest, ReservedBitsUnderALargeFrame) {
  RawPath path(m_memory);
  constexpr uint64_t table = pte::present | pte::user | pte::writable;
  constexpr uint64_t leaf = table | pte::large;
  const uint64_t mib_frame = 9 * mib2;
  const uint64_t gib_frame = 9 * gib1;
  path.write(1, {0, leaf, table, table}, mib_frame | (uint64_t{1} << 12));  // PAT
  ASSERT_TRUE(path.lookup().has_value());
  EXPECT_EQ(path.lookup()->physical_address, mib_frame | (RawPath::address & (mib2 - 1)));
  for (unsigned bit = 13; bit < 21; ++bit) {
    path.write(1, {0, leaf, table, table}, mib_frame | (uint64_t{1} << bit));
    EXPECT_FALSE(path.lookup().has_value()) << "2 MiB, bit " << bit;
  }
  path.write(2, {0, 0, leaf, table}, gib_frame | (uint64_t{1} << 12));
  ASSERT_TRUE(path.lookup().has_value());
  for (unsigned bit = 13; bit < 30; ++bit) {
    path.write(2, {0, 0, leaf, table}, gib_frame | (uint64_t{1} << bit));
    EXPECT_FALSE(path.lookup().has_value()) << "1 GiB, bit " << bit;
  }
}

// map_leaf sequences against a model of leaves: a mapping succeeds iff it is well-formed and no
// existing leaf overlaps it; afterwards every probed address translates as the model says.
RC_GTEST_PROP(PageTableProperty, MapMatchesALeafModel, ()) {
  SimulatedPhysicalMemory memory;
  SimulatedPageTable table = SimulatedPageTable::create(SimulatedTables(memory)).take();
  struct Leaf {
    uint64_t size;
    uint64_t physical;
    PageAccess access;
  };
  std::map<uint64_t, Leaf> leaves;             // by virtual start
  const uint64_t region = uint64_t{4} * gib1;  // 4 GiB at 2^40: 1 GiB leaves fit
  const uint64_t base = uint64_t{1} << 40;
  const auto steps = *rc::gen::inRange(1, 40);
  for (int step = 0; step < steps; ++step) {
    const auto level = *rc::gen::inRange(0U, 3U);
    const uint64_t size = x86_64::level_bytes(level);
    const uint64_t slot = *rc::gen::inRange<uint64_t>(0, region / size);
    const bool misalign = *rc::gen::inRange(0, 20) == 0;
    const uint64_t virt = base + slot * size + (misalign ? 0x800 : 0);
    const uint64_t physical = (uint64_t{1} << 36) + *rc::gen::inRange<uint64_t>(0, 64) * size;
    const auto access =
        *rc::gen::element(PageAccess::ReadOnly, PageAccess::ReadWrite, PageAccess::ReadExecute);
    const Result<void> result =
        table.map_leaf({virt, physical, level, access, PagePrivilege::User});
    bool overlaps = false;
    for (const auto& [start, leaf] : leaves) {
      overlaps = overlaps || (start < virt + size && virt < start + leaf.size);
    }
    if (misalign) {
      RC_ASSERT(!result);
      RC_ASSERT(result.error() == Error::InvalidArgument);
    } else if (overlaps) {
      RC_ASSERT(!result);
      RC_ASSERT(result.error() == Error::AlreadyExists);
    } else {
      RC_ASSERT(result.has_value());
      leaves[virt] = {size, physical, access};
    }
  }
  std::vector<uint64_t> probes;
  for (const auto& [start, leaf] : leaves) {
    probes.push_back(start);
    probes.push_back(start + leaf.size - 1);
    probes.push_back(start + leaf.size);
  }
  for (int probe = 0; probe < 64; ++probe) {
    probes.push_back(base + *rc::gen::inRange<uint64_t>(0, region));
  }
  for (const uint64_t address : probes) {
    std::optional<PageLookup> expected;
    for (const auto& [start, leaf] : leaves) {
      if (address >= start && address - start < leaf.size) {
        expected = PageLookup{leaf.physical + (address - start), true,
                              leaf.access == PageAccess::ReadWrite,
                              leaf.access == PageAccess::ReadExecute};
      }
    }
    const auto found = table.lookup(address);
    RC_ASSERT(found.has_value() == expected.has_value());
    if (found) {
      RC_ASSERT(found->physical_address == expected->physical_address);
      RC_ASSERT(found->user);
      RC_ASSERT(found->writable == expected->writable);
      RC_ASSERT(found->executable == expected->executable);
    }
  }
}

}  // namespace
}  // namespace capos::kernel::test
