// kernel/proc/process_memory.h — the ring dispatcher's view of a process's memory
// (kernel/cap/ring_dispatch.h UserMemory), on UserPtr over the process's address space.
//
// Templated on the address space (kernel/mem/user_ptr.h UserSpace) only so that host tests and
// fuzzers run this text over a simulated page table and copy; the kernel's ProcessMemory is
// BasicProcessMemory<ActiveUserSpace>.
#pragma once

#include <cstdint>

#include "kernel/mem/user_ptr.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel {

// The process's table must be the active one (copies go through its user addresses).
template <mem::UserSpace Space>
class BasicProcessMemory {
 public:
  explicit BasicProcessMemory(const typename Space::Table& table) : m_space(table) {}

  [[nodiscard]] Result<void> copy_in(uint64_t address, MutableByteView destination) {
    const mem::UserIn<uint8_t> source =
        TRY(mem::UserIn<uint8_t>::from_raw(address, destination.size()));
    return source.copy_in(m_space, destination);
  }
  [[nodiscard]] Result<void> copy_out(uint64_t address, ByteView source) {
    const mem::UserOut<uint8_t> destination =
        TRY(mem::UserOut<uint8_t>::from_raw(address, source.size()));
    return destination.copy_out(m_space, source);
  }
  // Validation only (nothing is touched): the result window before a call runs.
  [[nodiscard]] Result<void> check_writable(uint64_t address, uint64_t length) {
    return mem::validate_user_buffer(mem::TableWalk(m_space.table()), address, length,
                                     mem::UserAccess::Write);
  }

 private:
  Space m_space;
};

using ProcessMemory = BasicProcessMemory<mem::ActiveUserSpace>;

}  // namespace capos::kernel
