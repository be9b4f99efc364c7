// kernel/proc/process_memory.h — the ring dispatcher's view of a process's memory
// (kernel/cap/ring_dispatch.h UserMemory), on UserPtr over the process's page table.
#pragma once

#include <cstdint>

#include "kernel/arch/current.h"
#include "kernel/mem/user_ptr.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::kernel {

// The process's table must be the active one (copies go through its user addresses).
class ProcessMemory {
 public:
  explicit ProcessMemory(const Arch::PageTable& table) : m_table(&table) {}

  [[nodiscard]] Result<void> copy_in(uint64_t address, MutableByteView destination) {
    const mem::UserIn<uint8_t> source =
        TRY(mem::UserIn<uint8_t>::from_raw(address, destination.size()));
    return source.copy_in(*m_table, destination);
  }
  [[nodiscard]] Result<void> copy_out(uint64_t address, ByteView source) {
    const mem::UserOut<uint8_t> destination =
        TRY(mem::UserOut<uint8_t>::from_raw(address, source.size()));
    return destination.copy_out(*m_table, source);
  }
  // Validation only (nothing is touched): the result window before a call runs.
  [[nodiscard]] Result<void> check_writable(uint64_t address, uint64_t length) {
    return mem::validate_user_buffer(mem::TableWalk(*m_table), address, length,
                                     mem::UserAccess::Write);
  }

 private:
  const Arch::PageTable* m_table;
};

}  // namespace capos::kernel
