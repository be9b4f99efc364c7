// tests/kernel/kernel_test_util.h — helpers for host tests of kernel logic: an abstract page walk
// (a map of pages with permissions, for validate_user_buffer over lib/mem's UserPageWalk concept)
// and a counting wrapper for ring_dispatch.h's UserMemory. The kernel's real page table and
// user-memory path run on the simulated machine of tests/kernel/mem/simulated_memory.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "kernel/arch/arch.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel::test {

inline constexpr uint64_t page = 4096;

// Pages of an abstract address space, each with its permissions (no bytes, no table levels).
class FakeAddressSpace {
 public:
  struct Page {
    bool user = true;
    bool writable = true;
  };

  void map(uint64_t address, uint64_t pages, bool user, bool writable) {
    for (uint64_t i = 0; i < pages; ++i) {
      m_pages[(address & ~(page - 1)) + i * page] = Page{user, writable};
    }
  }

  // The walk validate_user_buffer runs (lib/mem UserPageWalk); counts lookups.
  [[nodiscard]] std::optional<PageLookup> lookup(uint64_t address) const {
    ++m_lookups;
    const auto found = m_pages.find(address & ~(page - 1));
    if (found == m_pages.end()) return std::nullopt;
    return PageLookup{address, found->second.user, found->second.writable, false};
  }
  [[nodiscard]] uint64_t lookups() const { return m_lookups; }

 private:
  std::map<uint64_t, Page> m_pages;
  mutable uint64_t m_lookups = 0;
};

class FakeWalk {
 public:
  explicit FakeWalk(const FakeAddressSpace& space) : m_space(&space) {}
  [[nodiscard]] std::optional<PageLookup> operator()(uint64_t address) const {
    return m_space->lookup(address);
  }

 private:
  const FakeAddressSpace* m_space;
};

// A ring_dispatch.h UserMemory (the kernel's ProcessMemory text on the simulated machine,
// tests/kernel/mem/simulated_memory.h) with its successful copy_out calls counted.
template <typename Inner>
class CountingUserMemory {
 public:
  explicit CountingUserMemory(Inner inner) : m_inner(inner) {}
  Result<void> copy_in(uint64_t address, MutableByteView destination) {
    return m_inner.copy_in(address, destination);
  }
  Result<void> copy_out(uint64_t address, ByteView source) {
    TRY(m_inner.copy_out(address, source));
    ++m_writes;
    return {};
  }
  Result<void> check_writable(uint64_t address, uint64_t length) {
    return m_inner.check_writable(address, length);
  }
  [[nodiscard]] uint64_t writes() const { return m_writes; }

 private:
  Inner m_inner;
  uint64_t m_writes = 0;
};

}  // namespace capos::kernel::test
