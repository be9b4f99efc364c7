// kernel/mem/validate_user_buffer.h — is a user buffer safe for the kernel to read or write?
//
// Two checks, both before any byte is touched (SPEC §4, seed Track S.8), both lib/mem's
// z3-proven predicates (lib/mem/user_range.h), used here unchanged:
//   1. arithmetic: user_range_ok (user half, no wrap);
//   2. the page tables: user_pages_ok — every page the range touches is present,
//      user-accessible and, for a write, writable, with the effective permissions of the whole
//      walk (PageLookup).
// Templated on the page walk, so host tests run it over fake page tables. It reads page tables
// only: it never dereferences the user address (user_ptr.h does, after this passed).
//
// The answer stays true until the address space changes. The kernel runs with interrupts off
// on a single CPU and a process's tables change only through its own system calls, so nothing
// can unmap the buffer between this check and the copy that follows it.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "lib/core/result.h"
#include "lib/mem/user_range.h"

namespace capos::kernel::mem {

using capos::UserAccess;

// The longest buffer validated in one call: bounds the walk (one lookup per page). Callers copy
// into bounded kernel buffers, far below this.
inline constexpr uint64_t max_user_buffer_bytes = uint64_t{1} << 20;

// Fault unless user_range_ok and user_pages_ok accept the range; TooBig above
// max_user_buffer_bytes (checked after the range, before any walk). An empty range is valid
// and walks nothing.
template <UserPageWalk Walk>
[[nodiscard]] Result<void> validate_user_buffer(const Walk& walk, uint64_t address, uint64_t length,
                                                UserAccess access) {
  if (!user_range_ok(address, length)) return Error::Fault;
  if (length > max_user_buffer_bytes) return Error::TooBig;
  if (!user_pages_ok(walk, address, length, access)) return Error::Fault;
  return {};
}

}  // namespace capos::kernel::mem
