// kernel/arch/x86_64/gdt.h — the Global Descriptor Table and its selectors.
//
// Order (index: selector):
//   0: null | 1: 0x08 kernel code | 2: 0x10 kernel data | 3: 0x18 unused (32-bit user code slot,
//   left null: capOS has no compatibility mode) | 4: 0x20 user data | 5: 0x28 user code (64-bit)
//   | 6-7: 0x30 TSS (a 16-byte system descriptor).
// SYSCALL loads CS = STAR[47:32] and SS = STAR[47:32] + 8; 64-bit SYSRET loads
// CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8 (Intel SDM Vol. 2B, SYSCALL/SYSRET). With
// STAR[47:32] = 0x08 and STAR[63:48] = 0x18 that is kernel code/data and user code/data, which
// is why user data precedes user code. Phase 2 writes `syscall_star` into IA32_STAR.
#pragma once

#include <cstdint>

#include "kernel/arch/x86_64/asm_constants.h"

namespace capos::kernel::x86_64 {

inline constexpr uint16_t kernel_code_selector = KERNEL_CODE_SELECTOR;
inline constexpr uint16_t kernel_data_selector = KERNEL_DATA_SELECTOR;
inline constexpr uint16_t sysret_base_selector = 0x18;
inline constexpr uint16_t user_data_selector = 0x20 | 3;  // RPL 3
inline constexpr uint16_t user_code_selector = 0x28 | 3;  // RPL 3
inline constexpr uint16_t tss_selector = 0x30;

inline constexpr uint64_t syscall_star =
    (uint64_t{sysret_base_selector | 3} << 48) | (uint64_t{kernel_code_selector} << 32);

static_assert(kernel_code_selector == 0x08 && kernel_data_selector == kernel_code_selector + 8,
              "SYSCALL: SS = CS + 8");
static_assert((user_data_selector & ~3) == sysret_base_selector + 8, "SYSRET: SS = base + 8");
static_assert((user_code_selector & ~3) == sysret_base_selector + 16, "SYSRET: CS = base + 16");

// Builds the GDT (including the TSS descriptor, so tss_init() must run first), loads it,
// reloads every segment register and loads the task register.
void gdt_init();

}  // namespace capos::kernel::x86_64
