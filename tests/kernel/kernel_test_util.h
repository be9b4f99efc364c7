// tests/kernel/kernel_test_util.h — fakes for host tests of kernel logic: a page table as a map
// of pages with permissions, and user memory backed by it (ring_dispatch.h's UserMemory).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "kernel/arch/arch.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel::test {

inline constexpr uint64_t page = 4096;

// Pages of a fake address space, each with its own bytes and permissions.
class FakeAddressSpace {
 public:
  struct Page {
    bool user = true;
    bool writable = true;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(page, 0);
  };

  void map(uint64_t address, uint64_t pages, bool user, bool writable) {
    for (uint64_t i = 0; i < pages; ++i) {
      m_pages[(address & ~(page - 1)) + i * page] =
          Page{user, writable, std::vector<uint8_t>(page, 0)};
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

  // Raw access for test setup and checks (no validation).
  void poke(uint64_t address, ByteView bytes) {
    for (size_t i = 0; i < bytes.size(); ++i)
      m_pages.at((address + i) & ~(page - 1)).bytes[(address + i) % page] = bytes[i];
  }
  [[nodiscard]] std::vector<uint8_t> peek(uint64_t address, size_t length) const {
    std::vector<uint8_t> out(length);
    for (size_t i = 0; i < length; ++i)
      out[i] = m_pages.at((address + i) & ~(page - 1)).bytes[(address + i) % page];
    return out;
  }

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

// ring_dispatch.h UserMemory over a FakeAddressSpace, validating exactly as the kernel's
// ProcessMemory does (validate_user_buffer), then copying. Counts writes to user memory.
class FakeUserMemory {
 public:
  explicit FakeUserMemory(FakeAddressSpace& space) : m_space(&space) {}

  Result<void> copy_in(uint64_t address, MutableByteView destination) {
    TRY(mem::validate_user_buffer(FakeWalk(*m_space), address, destination.size(),
                                  mem::UserAccess::Read));
    const std::vector<uint8_t> bytes = m_space->peek(address, destination.size());
    if (!bytes.empty()) std::memcpy(destination.data(), bytes.data(), bytes.size());
    return {};
  }
  Result<void> copy_out(uint64_t address, ByteView source) {
    TRY(mem::validate_user_buffer(FakeWalk(*m_space), address, source.size(),
                                  mem::UserAccess::Write));
    m_space->poke(address, source);
    ++m_writes;
    return {};
  }
  Result<void> check_writable(uint64_t address, uint64_t length) {
    return mem::validate_user_buffer(FakeWalk(*m_space), address, length, mem::UserAccess::Write);
  }
  [[nodiscard]] uint64_t writes() const { return m_writes; }

 private:
  FakeAddressSpace* m_space;
  uint64_t m_writes = 0;
};

}  // namespace capos::kernel::test
