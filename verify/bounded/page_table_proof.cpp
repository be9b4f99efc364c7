// verify/bounded/page_table_proof.cpp — `prove.page_table`: the kernel's page-table logic
// (kernel/arch/x86_64/basic_page_table.h, the text the kernel runs over its direct map) checked
// exhaustively over simulated physical memory against the SDM's rule, plus z3 proofs of the
// effective-rights predicate, connecting it to lib/mem/user_range.h (seed target 6). With
// --self-test every textual mutant of that header (page_table_mutants.py) must be caught.
//
//   R1 (z3)  for paths of 2, 3 and 4 entries (a 1 GiB, 2 MiB or 4 KiB leaf), rights_after folded
//            along the path gives user = AND of U/S, writable = AND of R/W, executable = no XD;
//   R2 (z3)  user_page_permits(present, those rights, write) holds iff every entry of the path
//            allows a user-mode access of that kind (U/S = 1, and R/W = 1 for a write): what
//            validate_user_buffer accepts is what the MMU allows at every level;
//   E1       lookup() of two addresses (user and kernel half) for every combination of present,
//            U/S, R/W, XD and PS at each of the 4 levels (2^20 paths each) = the SDM rule: not
//            mapped at the first absent entry or a PS in the PML4E, else a leaf at the first
//            PS in the PDPT or PD or at the PT, rights folded over the entries down to it, the
//            physical address = frame + offset within the leaf;
//   E2       every single bit 0..63 added to one entry of a valid path, at every level and leaf
//            size: the ignored bits change nothing, PAT at a large leaf changes nothing, the
//            reserved address bits under a large frame unmap it, address bits move the walk;
//   E3       non-canonical addresses: not mapped, and no entry is read;
//   V1       validate_user_buffer(TableWalk(real table)) of buffers whose first page is fine and
//            whose second page lies under another PML4 entry with every combination of present,
//            U/S, R/W and PS on its 4 levels, reads and writes = the per-entry rule of R2;
//   M1       map_leaf at every leaf level, privilege and access writes exactly the SDM bits
//            (leaf: frame | P | R/W iff ReadWrite | XD unless ReadExecute | U/S iff user | G iff
//            kernel | PS iff large; intermediates P | R/W (| U/S)); every refusal rule; every
//            overlap of an existing leaf and a new one at any two levels is AlreadyExists and
//            changes nothing; the kernel half is shared (slots 256..511 exactly) and sealed.
#include <z3++.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernel/arch/x86_64/basic_page_table.h"
#include "kernel/mem/user_ptr.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/mem/user_range.h"
#include "tests/kernel/mem/simulated_memory.h"
#include "tools/verify_report/evidence.h"
#include "verify/bounded/report.h"
#include "verify/bounded/smt_proof.h"
#include "verify/bounded/smt_word.h"

namespace capos::verify::page_table {

// The shipped text, as the mutants' traits present it.
struct Shipped {
  static constexpr const char* name = "shipped";
  template <typename Memory>
  using Table = kernel::x86_64::BasicPageTable<Memory>;
  using LeafMapping = kernel::x86_64::LeafMapping;
  template <typename B>
  using Rights = kernel::x86_64::predicate::PathRights<B>;
  template <typename B>
  static Rights<B> step(const Rights<B>& so_far, const B& user, const B& writable,
                        const B& no_execute) {
    return kernel::x86_64::predicate::rights_after<B>(so_far, user, writable, no_execute);
  }
};

}  // namespace capos::verify::page_table

#include "page_table_mutant_headers.inc"

namespace capos::verify::page_table {
namespace {

using kernel::PageAccess;
using kernel::PageLookup;
using kernel::PagePrivilege;
using kernel::test::SimulatedPhysicalMemory;
using kernel::test::SimulatedTables;
namespace pte = kernel::x86_64::pte;

// The entry bits the enumerations vary, as 5-bit codes.
constexpr unsigned bit_present = 1;
constexpr unsigned bit_user = 2;
constexpr unsigned bit_writable = 4;
constexpr unsigned bit_no_execute = 8;
constexpr unsigned bit_large = 16;

constexpr uint64_t level_size(unsigned level) { return uint64_t{1} << (12 + 9 * level); }

// One check's outcome: the cases it ran, and the first disagreement (empty when none).
struct Outcome {
  uint64_t cases = 0;
  std::string failure;
  double seconds = 0;
};

std::string hex(uint64_t value) {
  std::array<char, 24> text{};
  (void)std::snprintf(text.data(), text.size(), "0x%llx", static_cast<unsigned long long>(value));
  return text.data();
}

template <typename F>
Outcome timed(F body) {
  const auto started = std::chrono::steady_clock::now();
  Outcome outcome = body();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return outcome;
}

// ---- R1, R2: z3 over the rights predicate ----------------------------------------------------

template <typename V>
Outcome prove_rights() {
  Outcome outcome;
  for (unsigned entries = 2; entries <= 4; ++entries) {
    z3::context c;
    const smt::Bool truth(c.bool_val(true));
    typename V::template Rights<smt::Bool> rights{truth, truth, truth};
    z3::expr all_user = c.bool_val(true);
    z3::expr all_writable = c.bool_val(true);
    z3::expr any_no_execute = c.bool_val(false);
    z3::expr every_entry_allows_read = c.bool_val(true);
    z3::expr every_entry_allows_write = c.bool_val(true);
    for (unsigned i = 0; i < entries; ++i) {
      const smt::Bool user(c.bool_const(("u" + std::to_string(i)).c_str()));
      const smt::Bool writable(c.bool_const(("w" + std::to_string(i)).c_str()));
      const smt::Bool no_execute(c.bool_const(("x" + std::to_string(i)).c_str()));
      rights = V::template step<smt::Bool>(rights, user, writable, no_execute);
      all_user = all_user && user.expr();
      all_writable = all_writable && writable.expr();
      any_no_execute = any_no_execute || no_execute.expr();
      every_entry_allows_read = every_entry_allows_read && user.expr();
      every_entry_allows_write = every_entry_allows_write && user.expr() && writable.expr();
    }
    const smt::Bool read(c.bool_val(false));
    const smt::Bool write(c.bool_val(true));
    const std::array<std::pair<const char*, z3::expr>, 5> claims = {{
        {"R1 user = AND of U/S", rights.user.expr() == all_user},
        {"R1 writable = AND of R/W", rights.writable.expr() == all_writable},
        {"R1 executable = no XD", rights.executable.expr() == !any_no_execute},
        {"R2 permits a read iff every entry allows it",
         predicate::user_page_permits(truth, rights.user, rights.writable, read).expr() ==
             every_entry_allows_read},
        {"R2 permits a write iff every entry allows it",
         predicate::user_page_permits(truth, rights.user, rights.writable, write).expr() ==
             every_entry_allows_write},
    }};
    for (const auto& [name, conclusion] : claims) {
      const smt::ClaimResult result = smt::check_claim(c, c.bool_val(true), conclusion);
      ++outcome.cases;
      if (!result.proved) {
        outcome.failure = std::string(name) + " refuted for " + std::to_string(entries) +
                          " entries:" + result.counterexample;
        return outcome;
      }
    }
  }
  return outcome;
}

// ---- the SDM rule, written out (never via BasicPageTable) -------------------------------------

struct Expected {
  uint64_t physical;
  bool user;
  bool writable;
  bool executable;
};

// `codes[level]`: the 5-bit code of the entry at each level on the path; `frames[level]` the
// frame a leaf at that level points at. Walking down from the PML4E, the walk faults at an
// entry that is not present or at a PML4E with PS (reserved, Intel SDM Vol. 3A table 4-15); the
// leaf is the PT entry or the first PDPT/PD entry with PS. The rights are those of every entry
// from the PML4E to the leaf (SDM §4.6.1): U/S all set, R/W all set, XD none set.
std::optional<Expected> sdm_rule(const std::array<unsigned, 4>& codes,
                                 const std::array<uint64_t, 4>& frames, uint64_t address) {
  unsigned leaf = 3;
  for (;; --leaf) {
    if ((codes[leaf] & bit_present) == 0) return std::nullopt;
    if (leaf == 3 && (codes[leaf] & bit_large) != 0) return std::nullopt;
    if (leaf == 0 || (codes[leaf] & bit_large) != 0) break;
  }
  const auto every = [&](unsigned bit) {
    bool all = true;
    for (unsigned level = leaf; level < 4; ++level) all = all && (codes[level] & bit) != 0;
    return all;
  };
  const auto any = [&](unsigned bit) {
    bool some = false;
    for (unsigned level = leaf; level < 4; ++level) some = some || (codes[level] & bit) != 0;
    return some;
  };
  return Expected{frames[leaf] + (address & (level_size(leaf) - 1)), every(bit_user),
                  every(bit_writable), !any(bit_no_execute)};
}

// A path for one address with fixed table frames; entries rewritten per case.
template <typename V>
class Path {
 public:
  Path(SimulatedPhysicalMemory& memory, uint64_t address)
      : m_memory(&memory),
        m_table(V::template Table<SimulatedTables>::create(SimulatedTables(memory)).take()),
        m_address(address) {
    m_tables = {memory.allocate_table().take(), memory.allocate_table().take(),
                memory.allocate_table().take(), m_table.root_physical()};
  }
  // Frames of a leaf at each level (aligned to its size), distinct from every table frame.
  static constexpr std::array<uint64_t, 4> frames = {uint64_t{0x7000'5000}, uint64_t{0x7060'0000},
                                                     uint64_t{0x1'4000'0000}, 0};

  // The entry at `level`: its code's bits over the next table, or over the leaf frame when it is
  // a leaf (PS at PDPT/PD, or the PT entry), plus `extra` raw bits.
  void write(const std::array<unsigned, 4>& codes, const std::array<uint64_t, 4>& extra = {}) {
    for (unsigned level = 0; level < 4; ++level) {
      const unsigned code = codes[level];
      const bool leaf = level == 0 || ((code & bit_large) != 0 && level != 3);
      uint64_t entry = leaf ? frames[level] : m_tables[level - 1];
      if ((code & bit_present) != 0) entry |= pte::present;
      if ((code & bit_user) != 0) entry |= pte::user;
      if ((code & bit_writable) != 0) entry |= pte::writable;
      if ((code & bit_no_execute) != 0) entry |= pte::no_execute;
      if ((code & bit_large) != 0) entry |= pte::large;
      m_memory->write_entry(m_tables[level], kernel::x86_64::table_index(m_address, level),
                            entry ^ extra[level]);
    }
  }
  [[nodiscard]] std::optional<PageLookup> lookup() const { return m_table.lookup(m_address); }
  [[nodiscard]] const auto& table() const { return m_table; }
  [[nodiscard]] auto& table() { return m_table; }

 private:
  SimulatedPhysicalMemory* m_memory;
  typename V::template Table<SimulatedTables> m_table;
  uint64_t m_address;
  std::array<uint64_t, 4> m_tables{};
};

std::string compare(const std::optional<PageLookup>& got, const std::optional<Expected>& want) {
  if (got.has_value() != want.has_value()) {
    return got ? "mapped where the SDM faults" : "not mapped where the SDM maps";
  }
  if (!got) return {};
  if (got->physical_address != want->physical) {
    return "physical " + hex(got->physical_address) + " != " + hex(want->physical);
  }
  if (got->user != want->user) return "user bit";
  if (got->writable != want->writable) return "writable bit";
  if (got->executable != want->executable) return "executable bit";
  return {};
}

std::array<unsigned, 4> decode(uint32_t code) {
  return {code & 31, (code >> 5) & 31, (code >> 10) & 31, (code >> 15) & 31};
}

std::string describe(const std::array<unsigned, 4>& codes) {
  std::string text;
  for (unsigned level = 4; level-- > 0;) {
    const unsigned code = codes[level];
    text += std::string(" L") + std::to_string(level) + "=" +
            ((code & bit_present) != 0 ? "P" : "-") + ((code & bit_user) != 0 ? "U" : "-") +
            ((code & bit_writable) != 0 ? "W" : "-") + ((code & bit_no_execute) != 0 ? "X" : "-") +
            ((code & bit_large) != 0 ? "S" : "-");
  }
  return text;
}

constexpr std::array<uint64_t, 2> addresses = {0x0000'7f12'3456'7abc, 0xffff'8123'4567'89ab};

template <typename V>
Outcome exhaustive_lookup() {
  Outcome outcome;
  for (const uint64_t address : addresses) {
    SimulatedPhysicalMemory memory;
    Path<V> path(memory, address);
    for (uint32_t code = 0; code < (1U << 20); ++code) {
      const std::array<unsigned, 4> codes = decode(code);
      path.write(codes);
      const std::string problem = compare(path.lookup(), sdm_rule(codes, Path<V>::frames, address));
      ++outcome.cases;
      if (!problem.empty()) {
        outcome.failure = problem + " at " + hex(address) + ":" + describe(codes);
        return outcome;
      }
    }
  }
  return outcome;
}

constexpr std::array<unsigned, 4> codes_all_good() {
  constexpr unsigned good = bit_present | bit_user | bit_writable;
  return {good, good, good, good};
}

// E2: one more bit in one entry of a valid path (all present, U/S, R/W) for each leaf level.
template <typename V>
Outcome single_bits() {
  Outcome outcome;
  constexpr unsigned good = bit_present | bit_user | bit_writable;
  for (unsigned leaf = 0; leaf < 3; ++leaf) {
    std::array<unsigned, 4> codes{good, good, good, good};
    if (leaf > 0) codes[leaf] |= bit_large;
    for (unsigned level = leaf; level < 4; ++level) {
      for (unsigned bit = 0; bit < 64; ++bit) {
        const uint64_t mask = uint64_t{1} << bit;
        if ((mask & (pte::present | pte::user | pte::writable | pte::no_execute | pte::large)) !=
            0) {
          continue;  // E1 varies these
        }
        SimulatedPhysicalMemory memory;
        Path<V> path(memory, addresses[0]);
        std::array<uint64_t, 4> extra{};
        extra[level] = mask;
        path.write(codes, extra);
        const bool is_leaf = level == leaf;
        const bool address_bit = bit >= 12 && bit < 52;
        const bool pat = is_leaf && leaf > 0 && bit == 12;
        const bool reserved = is_leaf && leaf > 0 && bit > 12 && bit < 12 + 9 * leaf;
        std::optional<Expected> want = sdm_rule(codes, Path<V>::frames, addresses[0]);
        if (reserved) want.reset();
        const std::optional<PageLookup> got = path.lookup();
        ++outcome.cases;
        std::string problem;
        if (!address_bit || pat) {
          problem = compare(got, want);  // ignored bits, PAT: no effect
        } else if (reserved) {
          problem = compare(got, want);  // not mapped
        } else if (is_leaf) {
          // A frame address bit: the same rights at the frame moved by that bit.
          if (want) want->physical ^= mask;
          problem = compare(got, want);
        } else if (got) {
          problem = "a moved table pointer still reaches the page";  // the moved table is empty
        }
        if (!problem.empty()) {
          outcome.failure = problem + ": bit " + std::to_string(bit) + " at level " +
                            std::to_string(level) + ", leaf level " + std::to_string(leaf);
          return outcome;
        }
      }
    }
  }
  // PS in a PML4E whose address field would be a well-aligned 512 GiB frame: still reserved.
  for (const uint64_t frame : {uint64_t{0}, uint64_t{1} << 39, uint64_t{7} << 39}) {
    SimulatedPhysicalMemory memory;
    Path<V> path(memory, addresses[0]);
    path.write(codes_all_good());
    const uint64_t pml4e = frame | pte::present | pte::user | pte::writable | pte::large;
    memory.write_entry(path.table().root_physical(), kernel::x86_64::table_index(addresses[0], 3),
                       pml4e);
    ++outcome.cases;
    if (path.lookup().has_value()) {
      outcome.failure = "a PML4E with PS (frame " + hex(frame) + ") maps a page";
      return outcome;
    }
  }
  return outcome;
}

// E3: non-canonical addresses.
template <typename V>
Outcome non_canonical() {
  Outcome outcome;
  SimulatedPhysicalMemory memory;
  Path<V> path(memory, addresses[0]);
  path.write({bit_present | bit_user, bit_present | bit_user, bit_present | bit_user,
              bit_present | bit_user});
  const uint64_t reads = memory.entry_reads();
  for (const uint64_t address :
       {uint64_t{1} << 47, (uint64_t{1} << 47) | 0x7abc, uint64_t{0x8000'0000'0000'0000},
        uint64_t{0xffff'7fff'ffff'ffff}, addresses[0] | (uint64_t{1} << 52),
        addresses[0] ^ (uint64_t{1} << 63)}) {
    ++outcome.cases;
    if (path.table().lookup(address).has_value()) {
      outcome.failure = "non-canonical " + hex(address) + " mapped";
      return outcome;
    }
  }
  if (memory.entry_reads() != reads) outcome.failure = "a non-canonical lookup read an entry";
  return outcome;
}

// V1: validate_user_buffer over the real walk, second page's path enumerated.
template <typename V>
Outcome validate_exhaustive() {
  Outcome outcome;
  constexpr uint64_t second = uint64_t{1} << 39;  // PML4 slot 1
  constexpr uint64_t first = second - 4096;       // last page of slot 0
  SimulatedPhysicalMemory memory;
  Path<V> path(memory, second);
  auto& table = path.table();
  if (!table.map_leaf(typename V::LeafMapping{first, 0x7100'0000, 0, PageAccess::ReadWrite,
                                              PagePrivilege::User})) {
    outcome.failure = "map_leaf refused the first page";
    return outcome;
  }
  const kernel::mem::TableWalk walk(table);
  for (uint32_t code = 0; code < (1U << 16); ++code) {
    std::array<unsigned, 4> codes{};
    for (unsigned level = 0; level < 4; ++level) {
      const unsigned four = (code >> (4 * level)) & 15;  // P U W S
      codes[level] = (four & 7) | ((four & 8) != 0 ? bit_large : 0);
    }
    path.write(codes);
    // The per-entry rule (R2): every entry from the PML4E to the leaf present with U/S, plus R/W
    // for a write; PS in the PML4E is reserved.
    const std::optional<Expected> leaf = sdm_rule(codes, Path<V>::frames, second);
    const bool readable = leaf && leaf->user;
    const bool writable = readable && leaf->writable;
    struct Case {
      uint64_t address;
      uint64_t length;
      capos::UserAccess access;
      bool expected;
    };
    const std::array<Case, 6> cases = {{
        {first + 4096 - 8, 16, capos::UserAccess::Read, readable},
        {first + 4096 - 8, 16, capos::UserAccess::Write, writable},
        {first, 8192, capos::UserAccess::Read, readable},
        {second + 4095, 1, capos::UserAccess::Write, writable},
        {first, 4096, capos::UserAccess::Write, true},  // the first page alone is always fine
        {second - 1, 1, capos::UserAccess::Read, true},
    }};
    for (const Case& c : cases) {
      const Result<void> result =
          kernel::mem::validate_user_buffer(walk, c.address, c.length, c.access);
      ++outcome.cases;
      const bool accepted = result.has_value();
      if (accepted != c.expected || (!accepted && result.error() != Error::Fault)) {
        outcome.failure = std::string(accepted ? "accepted" : "refused") + " " + hex(c.address) +
                          " + " + std::to_string(c.length) +
                          (c.access == capos::UserAccess::Write ? " for write" : " for read") +
                          " with the second page's path" + describe(codes);
        return outcome;
      }
    }
  }
  return outcome;
}

// ---- M1: map() ---------------------------------------------------------------------------

template <typename V>
class MapCheck {
 public:
  using Table = typename V::template Table<SimulatedTables>;
  using Leaf = typename V::LeafMapping;

  Outcome run() {
    leaf_bits();
    if (m_outcome.failure.empty()) refusals();
    if (m_outcome.failure.empty()) overlaps();
    if (m_outcome.failure.empty()) kernel_half();
    return m_outcome;
  }

 private:
  void fail(const std::string& what) {
    if (m_outcome.failure.empty()) m_outcome.failure = what;
  }
  static Table fresh(SimulatedPhysicalMemory& memory) {
    return Table::create(SimulatedTables(memory)).take();
  }
  // The raw entry at `level` on `address`'s path, read from memory without the table's help.
  static std::optional<uint64_t> raw_entry(const SimulatedPhysicalMemory& memory, uint64_t root,
                                           uint64_t address, unsigned level) {
    uint64_t frame = root;
    for (unsigned current = 3;; --current) {
      const uint64_t entry = memory.read_entry(frame, (address >> (12 + 9 * current)) & 511);
      if (current == level) return entry;
      if ((entry & pte::present) == 0 || (entry & pte::large) != 0) return std::nullopt;
      frame = entry & pte::address_mask;
    }
  }

  void leaf_bits() {
    constexpr std::array<PageAccess, 3> accesses = {PageAccess::ReadOnly, PageAccess::ReadWrite,
                                                    PageAccess::ReadExecute};
    for (unsigned level = 0; level < 3; ++level) {
      for (const PagePrivilege privilege : {PagePrivilege::User, PagePrivilege::Kernel}) {
        for (const PageAccess access : accesses) {
          SimulatedPhysicalMemory memory;
          Table table = fresh(memory);
          const bool user = privilege == PagePrivilege::User;
          const uint64_t virt = user ? 0x0000'0040'0000'0000 : 0xffff'c000'0000'0000;
          const uint64_t frame = uint64_t{64} << 30;
          ++m_outcome.cases;
          if (!table.map_leaf(Leaf{virt, frame, level, access, privilege})) {
            fail("map_leaf refused a valid mapping at level " + std::to_string(level));
            return;
          }
          const uint64_t flags =
              pte::present | pte::writable | pte::user | pte::large | pte::global | pte::no_execute;
          for (unsigned upper = 3; upper > level; --upper) {
            const auto entry = raw_entry(memory, table.root_physical(), virt, upper);
            const uint64_t want = pte::present | pte::writable | (user ? pte::user : 0);
            if (!entry || (*entry & flags) != want) {
              fail("intermediate entry bits at level " + std::to_string(upper));
              return;
            }
          }
          const uint64_t want = frame | pte::present |
                                (access == PageAccess::ReadWrite ? pte::writable : 0) |
                                (access != PageAccess::ReadExecute ? pte::no_execute : 0) |
                                (user ? pte::user : pte::global) | (level > 0 ? pte::large : 0);
          const auto leaf = raw_entry(memory, table.root_physical(), virt, level);
          if (!leaf || *leaf != want) {
            fail("leaf bits " + hex(leaf.value_or(0)) + " != " + hex(want) + " at level " +
                 std::to_string(level));
            return;
          }
          const auto found = table.lookup(virt + level_size(level) - 1);
          if (!found || found->physical_address != frame + level_size(level) - 1 ||
              found->user != user || found->writable != (access == PageAccess::ReadWrite) ||
              found->executable != (access == PageAccess::ReadExecute)) {
            fail("lookup after map_leaf at level " + std::to_string(level));
            return;
          }
        }
      }
    }
  }

  void refusals() {
    const PageAccess rw = PageAccess::ReadWrite;
    const PagePrivilege user = PagePrivilege::User;
    const PagePrivilege kernel = PagePrivilege::Kernel;
    const std::array<Leaf, 10> invalid = {{
        {0x10001, 0x5000, 0, rw, user},
        {0x10000, 0x5800, 0, rw, user},
        {0x20'1000, 0, 1, rw, user},
        {0x20'0000, 0x1000, 1, rw, user},
        {0x4000'0000, 0x20'0000, 2, rw, user},
        {0x10000, pte::address_mask + 0x1000, 0, rw, user},
        {0x10000, 0x5000, 3, rw, user},
        {0xffff'8000'0000'0000, 0x5000, 0, rw, user},
        {0x0000'7fff'ffff'f000, 0x5000, 0, rw, kernel},
        {0x0000'8000'0000'0000, 0x5000, 0, rw, user},
    }};
    for (const Leaf& mapping : invalid) {
      SimulatedPhysicalMemory memory;
      Table table = fresh(memory);
      const Result<void> result = table.map_leaf(mapping);
      ++m_outcome.cases;
      if (result || result.error() != Error::InvalidArgument || memory.tables_allocated() != 1) {
        fail("map_leaf(" + hex(mapping.virtual_address) + ", " + hex(mapping.physical_address) +
             ", level " + std::to_string(mapping.level) + ") not refused as InvalidArgument");
        return;
      }
    }
  }

  // Every (existing, new) pair of leaf levels overlapping: AlreadyExists, nothing changed.
  void overlaps() {
    const uint64_t base = uint64_t{3} << 30;
    for (unsigned existing = 0; existing < 3; ++existing) {
      for (unsigned added = 0; added < 3; ++added) {
        SimulatedPhysicalMemory memory;
        Table table = fresh(memory);
        const uint64_t old_frame = uint64_t{8} << 30;
        if (!table.map_leaf(
                Leaf{base, old_frame, existing, PageAccess::ReadOnly, PagePrivilege::User})) {
          fail("map_leaf refused the first mapping");
          return;
        }
        const Result<void> result = table.map_leaf(
            Leaf{base, uint64_t{16} << 30, added, PageAccess::ReadWrite, PagePrivilege::User});
        ++m_outcome.cases;
        const auto found = table.lookup(base);
        if (result || result.error() != Error::AlreadyExists || !found ||
            found->physical_address != old_frame || found->writable) {
          fail("a level-" + std::to_string(added) + " mapping over a level-" +
               std::to_string(existing) + " leaf was not refused as AlreadyExists");
          return;
        }
      }
    }
  }

  void kernel_half() {
    SimulatedPhysicalMemory memory;
    Table kernel = fresh(memory);
    const uint64_t kernel_page = 0xffff'9600'0000'0000;  // PML4 slot 300
    const uint64_t user_page = 0x0000'0000'0040'0000;
    const PageAccess rw = PageAccess::ReadWrite;
    if (!kernel.map_leaf(Leaf{kernel_page, 0x9000, 0, rw, PagePrivilege::Kernel}) ||
        !kernel.map_leaf(Leaf{user_page, 0xa000, 0, rw, PagePrivilege::User})) {
      fail("kernel table mappings refused");
      return;
    }
    auto shared = Table::create_sharing_kernel_half(SimulatedTables(memory), kernel);
    if (!shared || !kernel.kernel_half_sealed()) {
      fail("create_sharing_kernel_half failed or did not seal");
      return;
    }
    const Table process = std::move(shared).take();
    ++m_outcome.cases;
    for (uint64_t slot = 0; slot < 512; ++slot) {
      const uint64_t want = slot < 256 ? 0 : memory.read_entry(kernel.root_physical(), slot);
      if (memory.read_entry(process.root_physical(), slot) != want) {
        fail("process PML4 slot " + std::to_string(slot) + " is not the kernel's half only");
        return;
      }
    }
    if (process.lookup(user_page).has_value()) fail("the kernel table's user half is shared");
    const uint64_t tables = memory.tables_allocated();
    const Result<void> stray = kernel.map_leaf(
        Leaf{kernel_page + (uint64_t{1} << 39), 0xb000, 0, rw, PagePrivilege::Kernel});
    ++m_outcome.cases;
    if (stray || stray.error() != Error::InvalidState || memory.tables_allocated() != tables) {
      fail("a new kernel PML4 entry after sealing was not refused as InvalidState (F-020)");
      return;
    }
    const uint64_t below = kernel_page + (uint64_t{1} << 30);  // same PML4 entry
    if (!kernel.map_leaf(Leaf{below, 0xc000, 0, rw, PagePrivilege::Kernel})) {
      fail("a kernel mapping under an existing PML4 entry was refused after sealing");
      return;
    }
    const auto seen = process.lookup(below);
    ++m_outcome.cases;
    if (!seen || seen->physical_address != 0xc000)
      fail("the process does not see a kernel mapping");
  }

  Outcome m_outcome;
};

template <typename V>
Outcome map_checks() {
  return MapCheck<V>().run();
}

// ---- running --------------------------------------------------------------------------------

struct Part {
  const char* name;
  const char* bound;
};

template <typename V>
std::array<std::pair<Part, Outcome (*)()>, 6> parts() {
  return {{
      {{"R1-R2 rights_after = AND/AND/no-XD; user_page_permits = every entry allows",
        "paths of 2, 3, 4 entries, z3 over every bit value"},
       &prove_rights<V>},
      {{"E1 lookup = the SDM rule", "2^20 combinations of P/U/W/XD/PS over 4 levels x 2 addresses"},
       &exhaustive_lookup<V>},
      {{"E2 one extra bit in one entry; PS in a PML4E",
        "bits 0..63 x each level x leaf sizes 4K/2M/1G; 3 aligned PML4E frames"},
       &single_bits<V>},
      {{"E3 non-canonical addresses unmapped, no entry read", "6 addresses"}, &non_canonical<V>},
      {{"V1 validate_user_buffer(TableWalk(real table)) = per-entry rule",
        "2^16 P/U/W/PS paths of a second page x 6 buffers"},
       &validate_exhaustive<V>},
      {{"M1 map_leaf bits, refusals, overlaps, kernel half",
        "every level x privilege x access; 10 refusals; 9 overlaps; sealing"},
       &map_checks<V>},
  }};
}

int prove() {
  // Seed target 6's part "real-page-table" (docs/verification-targets.toml): the real lookup,
  // validation walk and map rules exhaustively checked against the SDM rule for fixed addresses
  // and frames, the rights predicate proved for all values — tested, not proved, as a whole.
  verify_report::evidence(6, "real-page-table", verify_report::EvidenceKind::Tested,
                          "exhaustive-fixed-addresses");
  Report report;
  for (const auto& [part, run] : parts<Shipped>()) {
    const Outcome outcome = timed(run);
    const bool ok = outcome.failure.empty();
    report.line(ok, std::string(ok ? "PROVED " : "REFUTED ") + part.name + " [" + part.bound +
                        "]: " + std::to_string(outcome.cases) + " cases, " +
                        std::to_string(outcome.seconds) + " s" +
                        (ok ? "" : ": " + outcome.failure));
  }
  return report.exit_status();
}

template <typename V>
void catch_mutant(Report& report) {
  for (const auto& [part, run] : parts<V>()) {
    const Outcome outcome = timed(run);
    if (!outcome.failure.empty()) {
      report.line(true, std::string("CAUGHT page_table/") + V::name + " (" + V::why + ") by " +
                            part.name + ": " + outcome.failure);
      return;
    }
  }
  report.line(false, std::string("MISSED page_table/") + V::name + ": every check held");
}

int self_test() {
  Report report(true);
#define CAPOS_PAGE_TABLE_MUTANT(traits) catch_mutant<traits>(report);
#include "page_table_mutant_list.inc"
#undef CAPOS_PAGE_TABLE_MUTANT
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify::page_table

int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  return options.self_test ? capos::verify::page_table::self_test()
                           : capos::verify::page_table::prove();
}
