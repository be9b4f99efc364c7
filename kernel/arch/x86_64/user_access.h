// kernel/arch/x86_64/user_access.h — the arch half of user-memory access under SMAP.
//
// With CR4.SMAP set, any supervisor data access to a user page faults unless RFLAGS.AC = 1.
// `stac` sets AC, `clac` clears it. The only code allowed to open the window is UserPtr
// copy_in/copy_out (kernel/mem/user_ptr.h), after validate_user_buffer checked range and PTE
// flags, and only around the copy itself (seed Track S.8), plus the arch layer itself (the
// smap/usercopy self-test triggers, the exception entry's clac). Only kernel/arch/user_access.h
// and kernel/arch/x86_64/*.cpp may include this header, and nothing else may name what it
// declares (gate.freestanding_headers, gate.unsafe_surface; tools/audit/README.md, F-023):
//
//   { UserAccessWindow window; copy_user_bytes(...); }   // AC = 1 only inside the braces
//
// Invariant: AC = 0 whenever no window object is alive. Exception entry clears AC as well
// (exceptions.cpp), and phase 2's SYSCALL path must clear it through IA32_FMASK.
// stac/clac are #UD on a CPU without SMAP; the kernel refuses to boot on such a CPU
// (protection.cpp), and no window is opened before protections are enabled.
#pragma once

#include <cstdint>

// user_copy.S: 0 when all bytes were copied, 1 when the copy faulted on a user page (F-019).
extern "C" uint64_t capos_user_copy(void* destination, const void* source, uint64_t bytes);

namespace capos::kernel::x86_64 {

inline void user_access_begin() {
  // SAFETY: stac sets only RFLAGS.AC (SMAP is on: protection.cpp refuses to boot without it);
  // "memory" keeps the compiler from moving user accesses out of the window.
  asm volatile("stac" : : : "memory", "cc");
}
inline void user_access_end() {
  // SAFETY: clac clears only RFLAGS.AC; "memory" keeps user accesses before it inside the
  // window.
  asm volatile("clac" : : : "memory", "cc");
}

// Copies `bytes` bytes inside an open window. False when the copy took a page fault on a user
// address (the #PF handler resumed at the copy's fixup); bytes before the fault may have been
// copied. SAFETY: both ranges valid for `bytes` bytes when the copy started (the caller's
// validation); a user page vanishing mid-copy is caught, never a kernel page.
inline bool copy_user_bytes(void* destination, const void* source, uint64_t bytes) {
  return capos_user_copy(destination, source, bytes) == 0;
}

// RAII window: AC = 1 from construction to destruction. Not copyable or movable, so a window
// cannot outlive the scope that opened it.
class [[nodiscard]] UserAccessWindow {
 public:
  UserAccessWindow() { user_access_begin(); }
  ~UserAccessWindow() { user_access_end(); }
  UserAccessWindow(const UserAccessWindow&) = delete;
  UserAccessWindow& operator=(const UserAccessWindow&) = delete;
  UserAccessWindow(UserAccessWindow&&) = delete;
  UserAccessWindow& operator=(UserAccessWindow&&) = delete;
};

// The door as kernel/arch/user_access.h hands it to kernel/mem/user_ptr.h (UserMemoryAccess).
struct UserMemoryDoor {
  using UserAccessWindow = x86_64::UserAccessWindow;
  static bool copy_user_bytes(void* destination, const void* source, uint64_t bytes) {
    return x86_64::copy_user_bytes(destination, source, bytes);
  }
};

}  // namespace capos::kernel::x86_64
