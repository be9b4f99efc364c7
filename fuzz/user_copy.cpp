// fuzz/user_copy.cpp — the kernel's page-table logic and user-memory path as shipped
// (kernel/arch/x86_64/basic_page_table.h; ProcessMemory -> UserPtr -> validate_user_buffer ->
// copy) on the simulated machine of tests/kernel/mem/simulated_memory.h, against reference
// models (seed target 6). Two modes, chosen by the first byte:
//
//   tables: a random 4-level table around a boundary (random bits on every entry of the paths,
//     large pages, rare reserved bits; tests/kernel/mem/random_address_space.h), then copy_in,
//     copy_out and check_writable on buffers near the window and on wild addresses. Each result
//     must equal the model's (the SDM rule over the chosen bits): the error and its precedence,
//     the bytes read, exactly the bytes written on success and none on failure. A copy that
//     validation accepted must not fault in the simulated CPU walk (lookup and the MMU agree),
//     and a fault outside the user half aborts (it would halt the kernel).
//   map: map_leaf calls (4 KiB / 2 MiB / 1 GiB, user or kernel, any access, sometimes
//     misaligned or in the wrong half) on a kernel table with a small table-frame budget, and
//     create_sharing_kernel_half at any point; each result must equal a model of occupied slots
//     (AlreadyExists, InvalidArgument, InvalidState once sealed, Exhausted), and every probed
//     address must translate as the model's leaves say, in the kernel table and in every process
//     table sharing its kernel half.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "kernel/arch/x86_64/basic_page_table.h"
#include "tests/kernel/mem/random_address_space.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::fuzz {
namespace {

using kernel::PageAccess;
using kernel::PageLookup;
using kernel::PagePrivilege;
using kernel::test::RandomAddressSpace;
using kernel::test::sim_page;
using kernel::test::SimulatedPageTable;
using kernel::test::SimulatedPhysicalMemory;
using kernel::test::SimulatedTables;
namespace x86 = kernel::x86_64;

void check_empty(const std::string& problem) {
  if (!problem.empty()) (void)std::fprintf(stderr, "user_copy: %s\n", problem.c_str());
  FUZZ_CHECK(problem.empty());
}

void tables_mode(FuzzedDataProvider& in) {
  const auto choose = [&](uint64_t bound) {
    return in.ConsumeIntegralInRange<uint64_t>(0, bound - 1);
  };
  RandomAddressSpace space(choose);
  static constexpr std::array<uint64_t, 8> wild = {0,
                                                   0xfff,
                                                   x86::user_half_end - 8,
                                                   x86::user_half_end,
                                                   0x1234'5678'9abc'0000,
                                                   RandomAddressSpace::kernel_page,
                                                   0xffff'ffff'ffff'fff8,
                                                   0x8000'0000'0000'0000};
  for (int step = 0; step < 32 && in.remaining_bytes() > 0; ++step) {
    const auto operation =
        static_cast<RandomAddressSpace::Operation>(in.ConsumeIntegralInRange(0, 2));
    uint64_t address =
        space.base() - sim_page + in.ConsumeIntegralInRange<uint64_t>(0, 10 * sim_page);
    if (in.ConsumeIntegralInRange(0, 7) == 0)
      address = wild[in.ConsumeIntegralInRange<size_t>(0, wild.size() - 1)];
    uint64_t length = 0;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0: length = in.ConsumeIntegralInRange<uint64_t>(0, 64); break;
      case 1: length = in.ConsumeIntegralInRange<uint64_t>(0, 9 * sim_page); break;
      case 2:
        length = sim_page * in.ConsumeIntegralInRange<uint64_t>(0, 9) - (address % sim_page);
        break;
      default:  // past the walk bound (a copy that long is rare: it costs a 1 MiB buffer)
        if (operation != RandomAddressSpace::Operation::CheckWritable &&
            in.ConsumeIntegralInRange(0, 7) != 0)
          break;
        length = operation == RandomAddressSpace::Operation::CheckWritable
                     ? std::array<uint64_t,
                                  3>{kernel::mem::max_user_buffer_bytes + 1, UINT64_MAX,
                                     x86::user_half_end}[in.ConsumeIntegralInRange<size_t>(0, 2)]
                     : kernel::mem::max_user_buffer_bytes + 1;
        break;
    }
    if (operation != RandomAddressSpace::Operation::CheckWritable && length > (uint64_t{2} << 20)) {
      length = 0;
    }
    check_empty(space.run(operation, address, length, in.ConsumeIntegral<uint8_t>()));
  }
  FUZZ_CHECK(space.memory_matches_model());
}

// map mode ---------------------------------------------------------------------------------

constexpr std::array<uint64_t, 4> regions = {
    uint64_t{1} << 40, x86::user_half_end - (uint64_t{4} << 30),
    0xffff'8000'0000'0000 + (uint64_t{3} << 39), 0xffff'ff80'0000'0000};
constexpr uint64_t region_bytes = uint64_t{4} << 30;

struct ModelLeaf {
  uint64_t size;
  uint64_t physical;
  PageAccess access;
  PagePrivilege privilege;
};

class MapModel {
 public:
  // The contract of BasicPageTable::map_leaf, written as slots: an entry at (level, va >> shift)
  // is present once a table or a leaf was put there; tables are made on the way down and stay
  // even when a later step fails.
  std::optional<Error> map(const x86::LeafMapping& m, uint64_t& table_budget, bool sealed) {
    if (m.level > 2) return Error::InvalidArgument;
    const uint64_t size = x86::level_bytes(m.level);
    if (m.virtual_address % size != 0 || m.physical_address % size != 0 ||
        m.physical_address >= x86::max_physical) {
      return Error::InvalidArgument;
    }
    const bool user = m.privilege == PagePrivilege::User;
    if (user ? (m.virtual_address >= x86::user_half_end ||
                size > x86::user_half_end - m.virtual_address)
             : m.virtual_address < x86::kernel_half_start) {
      return Error::InvalidArgument;
    }
    for (unsigned level = 3; level > m.level; --level) {
      const auto key = slot(level, m.virtual_address);
      const auto found = m_slots.find(key);
      if (found == m_slots.end()) {
        if (level == 3 && !user && sealed) return Error::InvalidState;
        if (table_budget == 0) return Error::Exhausted;
        --table_budget;
        m_slots[key] = false;
      } else if (found->second) {
        return Error::AlreadyExists;
      }
    }
    const auto key = slot(m.level, m.virtual_address);
    if (m_slots.contains(key)) return Error::AlreadyExists;
    m_slots[key] = true;
    m_leaves[m.virtual_address] = {size, m.physical_address, m.access, m.privilege};
    return std::nullopt;
  }

  [[nodiscard]] std::optional<PageLookup> lookup(uint64_t address) const {
    auto found = m_leaves.upper_bound(address);
    if (found == m_leaves.begin()) return std::nullopt;
    --found;
    const ModelLeaf& leaf = found->second;
    if (address - found->first >= leaf.size) return std::nullopt;
    return PageLookup{leaf.physical + (address - found->first),
                      leaf.privilege == PagePrivilege::User, leaf.access == PageAccess::ReadWrite,
                      leaf.access == PageAccess::ReadExecute};
  }
  [[nodiscard]] const std::map<uint64_t, ModelLeaf>& leaves() const { return m_leaves; }

 private:
  static std::pair<unsigned, uint64_t> slot(unsigned level, uint64_t address) {
    return {level, address >> (12 + 9 * level)};
  }
  std::map<std::pair<unsigned, uint64_t>, bool> m_slots;  // true: a leaf
  std::map<uint64_t, ModelLeaf> m_leaves;
};

void check_lookup(const SimulatedPageTable& table, const MapModel& model, uint64_t address) {
  const std::optional<PageLookup> got = table.lookup(address);
  const std::optional<PageLookup> want = model.lookup(address);
  FUZZ_CHECK(got.has_value() == want.has_value());
  if (!got) return;
  FUZZ_CHECK(got->physical_address == want->physical_address);
  FUZZ_CHECK(got->user == want->user && got->writable == want->writable);
  FUZZ_CHECK(got->executable == want->executable);
}

void map_mode(FuzzedDataProvider& in) {
  SimulatedPhysicalMemory memory;
  SimulatedPageTable kernel = SimulatedPageTable::create(SimulatedTables(memory)).take();
  std::vector<SimulatedPageTable> processes;
  MapModel model;
  uint64_t budget = in.ConsumeIntegralInRange<uint64_t>(0, 24);
  memory.set_table_limit(memory.tables_allocated() + budget);
  for (int step = 0; step < 48 && in.remaining_bytes() > 0; ++step) {
    if (in.ConsumeIntegralInRange(0, 15) == 0) {  // share the kernel half (seals it)
      memory.set_table_limit(memory.tables_allocated() + 1);
      auto process =
          SimulatedPageTable::create_sharing_kernel_half(SimulatedTables(memory), kernel);
      FUZZ_CHECK(process.has_value() && kernel.kernel_half_sealed());
      processes.push_back(std::move(process).take());
      memory.set_table_limit(memory.tables_allocated() + budget);
      continue;
    }
    const unsigned level = in.ConsumeIntegralInRange(0U, 3U);
    const uint64_t size = x86::level_bytes(level);
    const uint64_t region = regions[in.ConsumeIntegralInRange<size_t>(0, regions.size() - 1)];
    uint64_t virt = region + size * in.ConsumeIntegralInRange<uint64_t>(
                                        0, level == 0 ? 63 : region_bytes / size - 1);
    if (level == 0 && in.ConsumeBool())
      virt += x86::level_bytes(1) * in.ConsumeIntegralInRange<uint64_t>(0, 3);
    if (in.ConsumeIntegralInRange(0, 15) == 0)
      virt += sim_page * in.ConsumeIntegralInRange<uint64_t>(1, 3);
    uint64_t physical = (uint64_t{1} << 40) + size * in.ConsumeIntegralInRange<uint64_t>(0, 255);
    if (in.ConsumeIntegralInRange(0, 15) == 0)
      physical = in.ConsumeBool() ? x86::max_physical : physical + sim_page;
    const x86::LeafMapping mapping{
        virt, physical, level,
        std::array<PageAccess, 3>{PageAccess::ReadOnly, PageAccess::ReadWrite,
                                  PageAccess::ReadExecute}[in.ConsumeIntegralInRange<size_t>(0, 2)],
        in.ConsumeBool() ? PagePrivilege::User : PagePrivilege::Kernel};
    const uint64_t before = memory.tables_allocated();
    uint64_t model_budget = budget;
    const std::optional<Error> want = model.map(mapping, model_budget, kernel.kernel_half_sealed());
    const Result<void> got = kernel.map_leaf(mapping);
    FUZZ_CHECK(got.has_value() == !want.has_value());
    if (!got) FUZZ_CHECK(got.error() == *want);
    FUZZ_CHECK(memory.tables_allocated() - before == budget - model_budget);
    budget = model_budget;
    check_lookup(kernel, model, virt);
    check_lookup(kernel, model, virt + size - 1);
    check_lookup(kernel, model, virt + size);
  }
  // Every leaf, at its edges and inside, in the kernel table and (kernel half) in every process.
  for (const auto& [start, leaf] : model.leaves()) {
    for (const uint64_t address :
         {start, start + leaf.size / 2 + 123, start + leaf.size - 1, start + leaf.size}) {
      check_lookup(kernel, model, address);
      for (const SimulatedPageTable& process : processes) {
        if (address < x86::kernel_half_start) {
          FUZZ_CHECK(!process.lookup(address).has_value());
        } else {
          check_lookup(process, model, address);
        }
      }
    }
  }
}

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeIntegralInRange(0, 3) == 3) {
    capos::fuzz::map_mode(in);
  } else {
    capos::fuzz::tables_mode(in);
  }
  return 0;
}
