#include "kernel/arch/x86_64/fpu.h"

#include <array>

#include "kernel/arch/x86_64/cpu.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"

// Shared with fpu.S (decided once by extended_state_init, read on every switch).
extern "C" {
// NOLINTBEGIN(readability-identifier-naming): names shared with fpu.S
constinit uint8_t capos_fpu_format = 1;  // 0 = XSAVE/XRSTOR, 1 = FXSAVE/FXRSTOR
constinit uint64_t capos_fpu_xcr0 = 0;
constinit uint8_t capos_fpu_clear_pointers = 0;
// NOLINTEND(readability-identifier-naming)
}

namespace capos::kernel::x86_64 {

namespace {

// CR0 / CR4 bits (SDM Vol. 3A §2.5).
constexpr uint64_t cr0_monitor_coprocessor = uint64_t{1} << 1;  // MP
constexpr uint64_t cr0_emulation = uint64_t{1} << 2;            // EM
constexpr uint64_t cr0_task_switched = uint64_t{1} << 3;        // TS
constexpr uint64_t cr0_numeric_error = uint64_t{1} << 5;        // NE
constexpr uint64_t cr4_osfxsr = uint64_t{1} << 9;
constexpr uint64_t cr4_osxmmexcpt = uint64_t{1} << 10;
constexpr uint64_t cr4_osxsave = uint64_t{1} << 18;
// CPUID bits.
constexpr uint32_t cpuid1_edx_fxsr = uint32_t{1} << 24;
constexpr uint32_t cpuid1_edx_sse2 = uint32_t{1} << 26;
constexpr uint32_t cpuid1_ecx_xsave = uint32_t{1} << 26;
constexpr uint32_t cpuid1_ecx_avx = uint32_t{1} << 28;
constexpr uint32_t extended_state_leaf = 0xd;
constexpr uint32_t cpuid_vendor_amd_ebx = 0x6874'7541;                 // "Auth" of "AuthenticAMD"
constexpr uint32_t cpuid_80000008_ebx_fxsave_ptrs = uint32_t{1} << 2;  // XSaveErPtr
constexpr uint32_t extended_leaf_address_sizes = 0x8000'0008;
// XCR0 components (SDM Vol. 1 §13.1).
constexpr uint64_t xcr0_x87 = uint64_t{1} << 0;
constexpr uint64_t xcr0_sse = uint64_t{1} << 1;
constexpr uint64_t xcr0_avx = uint64_t{1} << 2;
// Legacy-area layout (SDM Vol. 1 Table 10-2): FCW at 0, MXCSR at 24.
constexpr size_t fcw_offset = 0;
constexpr size_t mxcsr_offset = 24;
constexpr uint16_t initial_fcw = 0x037f;    // FNINIT
constexpr uint32_t initial_mxcsr = 0x1f80;  // power-on: all exceptions masked, round to nearest
constexpr uint64_t fxsave_bytes = 512;

alignas(
    extended_state_alignment) constinit std::array<uint8_t, extended_state_max_bytes> g_template{};
constinit ExtendedStateInfo g_info{};
constinit bool g_ready = false;

bool amd_pointer_leak() {
  if (cpuid(0, 0).ebx != cpuid_vendor_amd_ebx) return false;
  if (cpuid(0x8000'0000, 0).eax < extended_leaf_address_sizes) return true;
  return (cpuid(extended_leaf_address_sizes, 0).ebx & cpuid_80000008_ebx_fxsave_ptrs) == 0;
}

void build_template() {
  g_template.fill(0);
  g_template[fcw_offset] = static_cast<uint8_t>(initial_fcw & 0xff);
  g_template[fcw_offset + 1] = static_cast<uint8_t>(initial_fcw >> 8);
  for (size_t i = 0; i < sizeof(initial_mxcsr); ++i) {
    g_template[mxcsr_offset + i] = static_cast<uint8_t>(initial_mxcsr >> (8 * i));
  }
  // XSAVE header (bytes 512..575): XSTATE_BV = XCOMP_BV = 0 — every component initial.
}

}  // namespace

Result<ExtendedStateInfo, ExtendedStateError> extended_state_init() {
  const CpuidResult basic = cpuid(1, 0);
  if ((basic.edx & cpuid1_edx_fxsr) == 0) return ExtendedStateError::NoFxsr;
  if ((basic.edx & cpuid1_edx_sse2) == 0) return ExtendedStateError::NoSse2;

  uint64_t cr0 = read_cr0();
  cr0 &= ~(cr0_emulation | cr0_task_switched);
  cr0 |= cr0_monitor_coprocessor | cr0_numeric_error;
  write_cr0(cr0);
  const uint64_t cr4 = read_cr4() | cr4_osfxsr | cr4_osxmmexcpt;

  ExtendedStateInfo info{.format = ExtendedStateFormat::Fxsave,
                         .enabled_components = xcr0_x87 | xcr0_sse,
                         .save_area_bytes = fxsave_bytes};
  if ((basic.ecx & cpuid1_ecx_xsave) != 0 && cpuid(0, 0).eax >= extended_state_leaf) {
    const uint64_t supported = cpuid(extended_state_leaf, 0).eax;
    uint64_t xcr0 = xcr0_x87 | xcr0_sse;
    if ((basic.ecx & cpuid1_ecx_avx) != 0 && (supported & xcr0_avx) != 0) xcr0 |= xcr0_avx;
    write_cr4(cr4 | cr4_osxsave);
    write_xcr0(xcr0);
    // EBX: the size of the standard-form area for the components enabled in XCR0 right now.
    info = {.format = ExtendedStateFormat::Xsave,
            .enabled_components = xcr0,
            .save_area_bytes = cpuid(extended_state_leaf, 0).ebx};
  } else {
    write_cr4(cr4);
  }
  if (info.save_area_bytes > extended_state_max_bytes) return ExtendedStateError::SaveAreaTooLarge;

  capos_fpu_format = info.format == ExtendedStateFormat::Xsave ? 0 : 1;
  capos_fpu_xcr0 = info.enabled_components;
  info.clears_x87_pointers = amd_pointer_leak();
  capos_fpu_clear_pointers = info.clears_x87_pointers ? 1 : 0;
  build_template();
  g_info = info;
  g_ready = true;
  return info;
}

ExtendedStateInfo extended_state_info() { return g_info; }

uint64_t extended_state_bytes() {
  KASSERT(g_ready);
  return g_info.save_area_bytes;
}

bool extended_state_has_avx() { return g_ready && (g_info.enabled_components & xcr0_avx) != 0; }

void extended_state_reset(uint64_t area) {
  KASSERT(g_ready && area % extended_state_alignment == 0);
  // SAFETY: the caller's ThreadMemory context area holds at least extended_state_bytes() bytes
  // (context.cpp KASSERTs it) and is kernel memory no other thread uses.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the thread's context area, by address
  auto* destination = reinterpret_cast<uint8_t*>(area);
  // SAFETY: copies save_area_bytes into that context area (see above), from the clean template.
  __builtin_memcpy(destination, g_template.data(), static_cast<size_t>(g_info.save_area_bytes));
}

}  // namespace capos::kernel::x86_64
