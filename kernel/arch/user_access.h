// kernel/arch/user_access.h — the user-memory door: the SMAP window and the user copy.
//
// Not part of the Architecture concept (kernel/arch/arch.h), so kernel/arch/current.h does not
// carry it to every kernel file. kernel/mem/user_ptr.h is the one portable includer: UserPtr
// copy_in / copy_out open the window only after validate_user_buffer, around the copy itself.
// Any other file that includes this header or kernel/arch/x86_64/user_access.h, or names the
// window, the copy routine, the capos_user_copy symbol or stac/clac, fails
// gate.freestanding_headers (the include) and gate.unsafe_surface (the names, in the source
// text and in clang's AST) — tools/audit/README.md "The user-memory door" (F-023).
#pragma once

#include <concepts>
#include <cstdint>

#include "kernel/arch/x86_64/user_access.h"

namespace capos::kernel {

template <typename D>
concept UserMemoryAccess = requires(void* destination, const void* source, uint64_t bytes) {
  // The window (x86-64: RFLAGS.AC = 1 under SMAP), open for the lifetime of the object.
  requires std::default_initializable<typename D::UserAccessWindow>;
  // The copy run inside the window: false if it faulted on a user page (F-019 fixup).
  { D::copy_user_bytes(destination, source, bytes) } -> std::same_as<bool>;
};

using UserDoor = x86_64::UserMemoryDoor;
static_assert(UserMemoryAccess<UserDoor>,
              "the arch user-memory door must satisfy UserMemoryAccess");

}  // namespace capos::kernel
