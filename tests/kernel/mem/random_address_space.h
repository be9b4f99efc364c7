// tests/kernel/mem/random_address_space.h — a random user address space around one boundary,
// written raw into simulated memory, with its own reference model; and one user-memory operation
// run through the kernel's real path (SimulatedProcessMemory) and checked against that model.
// Shared by the RapidCheck property (tests/kernel/mem/user_ptr_test.cpp) and the libFuzzer
// harness (fuzz/user_copy.cpp); each supplies the choices (`choose(bound)`: a value < bound).
//
// The window is 8 pages, 4 on each side of a boundary: near page 0, a 2 MiB, a 1 GiB or a
// 512 GiB boundary, or the end of the user half. Every entry on the window's paths gets random
// bits (mostly present+U/S+R/W, else each at random; XD; PS at PDPT/PD, rarely PS in a PML4E or
// reserved address bits under a large frame); entries shared by several pages are one entry, as in
// a real table. The model keeps the chosen bits and evaluates them with the SDM rule written out
// below — it never calls BasicPageTable::lookup. The process table shares a kernel half holding one
// kernel page.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernel/arch/x86_64/basic_page_table.h"
#include "kernel/mem/validate_user_buffer.h"
#include "tests/kernel/mem/simulated_memory.h"

namespace capos::kernel::test {

class RandomAddressSpace {
 public:
  static constexpr uint64_t window_pages = 8;
  static constexpr std::array<uint64_t, 5> boundaries = {
      4 * sim_page, uint64_t{3} << 21, uint64_t{5} << 30, uint64_t{2} << 39, x86_64::user_half_end};
  static constexpr uint64_t kernel_page = 0xffff'8000'0040'0000;

  template <typename Choose>
  explicit RandomAddressSpace(Choose&& choose)
      : m_kernel(SimulatedPageTable::create(SimulatedTables(m_memory)).take()),
        m_process(make_process()) {
    m_base = boundaries[choose(boundaries.size())] - window_pages / 2 * sim_page;
    for (uint64_t page = 0; page < window_pages; ++page) build_path(choose, page_address(page));
    for (uint64_t page = 0; page < window_pages; ++page) fill(page);
  }
  RandomAddressSpace(const RandomAddressSpace&) = delete;
  RandomAddressSpace& operator=(const RandomAddressSpace&) = delete;
  RandomAddressSpace(RandomAddressSpace&&) = delete;
  RandomAddressSpace& operator=(RandomAddressSpace&&) = delete;
  ~RandomAddressSpace() = default;

  [[nodiscard]] uint64_t base() const { return m_base; }
  [[nodiscard]] uint64_t page_address(uint64_t page) const { return m_base + page * sim_page; }
  [[nodiscard]] const SimulatedPageTable& table() const { return m_process; }
  [[nodiscard]] SimulatedProcessMemory memory() const { return SimulatedProcessMemory(m_process); }

  // The model's view of one page: nullopt when the MMU faults on it whatever the access.
  struct ModelPage {
    uint64_t physical;  // of the page's first byte
    bool user;
    bool writable;
  };
  [[nodiscard]] std::optional<ModelPage> model_page(uint64_t page_address) const {
    bool user = true;
    bool writable = true;
    for (unsigned level = 4; level-- > 0;) {
      const auto found = m_entries.find({level, page_address >> shift(level)});
      if (found == m_entries.end() || !found->second.present) return std::nullopt;
      const Entry& entry = found->second;
      if (level == 3 && entry.large) return std::nullopt;  // reserved: #PF
      user = user && entry.user;
      writable = writable && entry.writable;
      if (level == 0 || entry.large) {
        if (entry.reserved) return std::nullopt;
        return ModelPage{entry.target + (page_address & ((uint64_t{1} << shift(level)) - 1)), user,
                         writable};
      }
    }
    return std::nullopt;
  }

  enum class Operation : uint8_t { CopyIn, CopyOut, CheckWritable };

  // Runs `operation` on [address, address + length) through ProcessMemory and checks it against
  // the model: the error (Fault before TooBig before a page walk), the bytes read, the bytes
  // written (exactly the buffer on success, nothing on failure). Empty string when they agree.
  std::string run(Operation operation, uint64_t address, uint64_t length, uint8_t seed) {
    const bool write = operation != Operation::CopyIn;
    if (operation != Operation::CheckWritable && length > uint64_t{2} << 20) {
      simulation_failure("RandomAddressSpace::run: a copy longer than 2 MiB", length);
    }
    const std::optional<Error> expected = model_error(address, length, write);
    SimulatedProcessMemory memory = this->memory();
    std::vector<uint8_t> buffer(operation == Operation::CheckWritable ? 0 : length);
    for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<uint8_t>(seed + i * 31);
    const std::vector<uint8_t> before =
        operation == Operation::CopyIn ? buffer : std::vector<uint8_t>{};
    const uint64_t writes = m_memory.byte_writes();
    Result<void> result = operation == Operation::CopyIn ? memory.copy_in(address, buffer)
                          : operation == Operation::CopyOut
                              ? memory.copy_out(address, buffer)
                              : memory.check_writable(address, length);
    const std::string where =
        " at 0x" + hex(address) + " + 0x" + hex(length) + " (window 0x" + hex(m_base) + ")";
    if (result.has_value() != !expected.has_value()) {
      return std::string(result ? "accepted" : "refused") + " against the model" + where;
    }
    ++(result ? m_accepted : m_refused);
    if (!result) {
      if (result.error() != *expected) return "wrong error" + where;
      if (m_memory.byte_writes() != writes) return "a refused operation wrote memory" + where;
      if (operation == Operation::CopyIn && buffer != before) {
        return "a refused copy_in changed its destination" + where;
      }
      return {};
    }
    if (operation == Operation::CheckWritable) {
      return m_memory.byte_writes() == writes ? "" : "check_writable wrote memory" + where;
    }
    if (m_memory.byte_writes() - writes != (write ? length : 0)) return "byte count" + where;
    for (uint64_t done = 0; done < length;) {
      const uint64_t at = address + done;
      const uint64_t chunk = std::min(length - done, sim_page - at % sim_page);
      const uint64_t physical = model_physical(at);
      const std::span<const uint8_t> moved = std::span(buffer).subspan(done, chunk);
      const std::span<uint8_t> model =
          std::span(m_model_bytes[physical / sim_page]).subspan(physical % sim_page, chunk);
      if (write) {
        std::copy(moved.begin(), moved.end(), model.begin());
        std::array<uint8_t, sim_page> actual{};
        m_memory.read_bytes(physical, std::span(actual).first(chunk));
        if (!std::equal(moved.begin(), moved.end(), actual.begin()))
          return "copy_out bytes" + where;
      } else if (!std::equal(moved.begin(), moved.end(), model.begin())) {
        return "copy_in bytes" + where;
      }
      done += chunk;
    }
    return {};
  }

  // Operations run() saw accepted / refused (all of them agreeing with the model so far).
  [[nodiscard]] uint64_t accepted() const { return m_accepted; }
  [[nodiscard]] uint64_t refused() const { return m_refused; }

  // Every byte of the window's mapped pages holds what the model says.
  [[nodiscard]] bool memory_matches_model() const {
    std::array<uint8_t, sim_page> actual{};
    for (const auto& [frame, bytes] : m_model_bytes) {
      m_memory.read_bytes(frame * sim_page, actual);
      if (actual != bytes) return false;
    }
    return true;
  }

 private:
  struct Entry {
    bool present;
    bool user;
    bool writable;
    bool large;
    bool reserved;    // reserved address bits set under a large frame
    uint64_t target;  // next table frame, or the leaf's frame
  };
  static constexpr unsigned shift(unsigned level) { return 12 + 9 * level; }
  static std::string hex(uint64_t value) {
    static constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string text;
    do {
      text.insert(text.begin(), digits[value & 15]);
      value >>= 4;
    } while (value != 0);
    return text;
  }

  SimulatedPageTable make_process() {
    const PageMapping kernel{kernel_page, 0x9000, PageSize::Base, PageAccess::ReadWrite,
                             PagePrivilege::Kernel};
    if (!m_kernel.map(kernel)) simulation_failure("kernel mapping refused", kernel_page);
    return SimulatedPageTable::create_sharing_kernel_half(SimulatedTables(m_memory), m_kernel)
        .take();
  }

  template <typename Choose>
  void build_path(Choose& choose, uint64_t address) {
    if (address >= x86_64::user_half_end) return;  // non-canonical: nothing can map it
    uint64_t table = m_process.root_physical();
    for (unsigned level = 4; level-- > 0;) {
      const std::pair<unsigned, uint64_t> key{level, address >> shift(level)};
      auto found = m_entries.find(key);
      if (found == m_entries.end()) {
        found = m_entries.emplace(key, choose_entry(choose, level)).first;
        const Entry& entry = found->second;
        uint64_t raw =
            entry.target | (entry.present ? x86_64::pte::present : 0) |
            (entry.user ? x86_64::pte::user : 0) | (entry.writable ? x86_64::pte::writable : 0) |
            (choose(2) != 0 ? x86_64::pte::no_execute : 0) | (entry.large ? x86_64::pte::large : 0);
        if (entry.reserved) raw |= uint64_t{1} << (13 + choose(shift(level) - 13));
        m_memory.write_entry(table, x86_64::table_index(address, level), raw);
      }
      const Entry& entry = found->second;
      if (!entry.present || level == 0 || (entry.large && level != 3)) return;
      table = entry.target;  // a PML4E with PS still points at a table: built, never reachable
    }
  }

  template <typename Choose>
  Entry choose_entry(Choose& choose, unsigned level) {
    // Mostly a permissive entry (so that long buffers are sometimes accepted), else random bits.
    const bool permissive = choose(8) != 0;
    Entry entry{permissive || choose(2) != 0,
                permissive || choose(2) != 0,
                permissive || choose(2) != 0,
                false,
                false,
                0};
    if (level == 3) entry.large = choose(8) == 0;  // reserved: the MMU faults
    if (level == 1 || level == 2) {
      entry.large = choose(4) == 0;
      entry.reserved = entry.large && choose(8) == 0;
    }
    if (level == 0 || (entry.large && level != 3)) {
      const uint64_t size = uint64_t{1} << shift(level);
      m_next_frame = (m_next_frame + size - 1) & ~(size - 1);
      entry.target = m_next_frame;
      m_next_frame += size;
    } else {
      entry.target = m_memory.allocate_table().take();
    }
    return entry;
  }

  void fill(uint64_t page) {
    const std::optional<ModelPage> mapped = model_page(page_address(page));
    if (!mapped) return;
    auto& bytes = m_model_bytes[mapped->physical / sim_page];
    for (uint64_t i = 0; i < sim_page; ++i) {
      bytes[i] = static_cast<uint8_t>((mapped->physical + i) * 0x9e37'79b9 >> 24);
    }
    m_memory.write_bytes(mapped->physical, bytes);
  }

  // SPEC §4 / user_range.h: Fault unless in the user half without wrap; TooBig beyond the walk
  // bound; Fault unless every page permits the access.
  [[nodiscard]] std::optional<Error> model_error(uint64_t address, uint64_t length,
                                                 bool write) const {
    if (length == 0) return std::nullopt;
    const unsigned __int128 end = static_cast<unsigned __int128>(address) + length;
    if (address < 0x1000 || end > x86_64::user_half_end) return Error::Fault;
    if (length > mem::max_user_buffer_bytes) return Error::TooBig;
    for (uint64_t page = address & ~(sim_page - 1); page < end; page += sim_page) {
      const std::optional<ModelPage> mapped = model_page(page);
      if (!mapped || !mapped->user || (write && !mapped->writable)) return Error::Fault;
    }
    return std::nullopt;
  }
  [[nodiscard]] uint64_t model_physical(uint64_t address) const {
    return model_page(address & ~(sim_page - 1))->physical + (address & (sim_page - 1));
  }

  SimulatedPhysicalMemory m_memory;
  SimulatedPageTable m_kernel;
  SimulatedPageTable m_process;
  uint64_t m_base = 0;
  std::map<std::pair<unsigned, uint64_t>, Entry> m_entries;  // (level, address >> shift)
  // The window's bytes, by physical frame (every mapped window page has a frame of its own).
  std::unordered_map<uint64_t, std::array<uint8_t, sim_page>> m_model_bytes;
  uint64_t m_next_frame = uint64_t{1} << 36;  // data frames, past the tables
  uint64_t m_accepted = 0;
  uint64_t m_refused = 0;
};

}  // namespace capos::kernel::test
