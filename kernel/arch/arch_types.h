// kernel/arch/arch_types.h — the values that cross the architecture boundary (kernel/arch/arch.h).
//
// Plain data only: no behaviour, no hardware encoding. The architecture translates each of these
// into its own formats (PTE bits, IDT vectors, register frames) behind the concept.
#pragma once

#include <array>
#include <cstdint>

namespace capos::kernel {

// How a boot ends; the architecture maps it to an emulator exit status (docs/design.md).
enum class ExitStatus : uint8_t { Pass, Fail };

// What a mapping permits. W^X by construction: no value is both writable and executable.
enum class PageAccess : uint8_t { ReadOnly, ReadWrite, ReadExecute };
enum class PagePrivilege : uint8_t { Kernel, User };
// Base: the smallest page; Large: the next level's leaf (x86-64: 4 KiB and 2 MiB).
enum class PageSize : uint8_t { Base, Large };
// WriteBack: ordinary memory. Uncached: device registers (every access reaches the device, in
// program order; nothing is speculatively read or combined).
enum class PageCache : uint8_t { WriteBack, Uncached };

struct PageMapping {
  uint64_t virtual_address = 0;
  uint64_t physical_address = 0;
  PageSize size = PageSize::Base;
  PageAccess access = PageAccess::ReadOnly;
  PagePrivilege privilege = PagePrivilege::Kernel;
  PageCache cache = PageCache::WriteBack;
};

// [start, end) in physical memory.
struct PhysicalRange {
  uint64_t start;
  uint64_t end;
};

// One piece of the kernel image with one permission. Bounds are page-aligned.
struct KernelSection {
  const char* name;
  uint64_t virtual_start;
  uint64_t virtual_end;  // exclusive
  uint64_t physical_start;
  PageAccess access;
};

// Protection features as read back from the hardware after enabling them (never as requested).
struct ProtectionState {
  bool no_execute;
  bool write_protect;
  bool smep;
  bool smap;
};

enum class MissingFeature : uint8_t { Smep, Smap };

// What a page walk found for one address: the effective permissions of the whole path (a user
// access needs User at every level, a write needs Writable at every level, as the MMU decides).
struct PageLookup {
  uint64_t physical_address;  // of the looked-up byte
  bool user;
  bool writable;
  bool executable;
};

// The first entry into user mode of a thread: where it starts and with which registers (SPEC §4
// "Entry": rdi = ring, rsi = pid, rdx = CapSet) and thread pointer (PT_TLS; 0 = none).
struct UserEntry {
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  std::array<uint64_t, 3> arguments;
  uint64_t thread_pointer;
};

// A system call as the architecture decoded it from user registers. Every field is hostile.
struct SyscallArguments {
  uint64_t number;
  std::array<uint64_t, 3> arguments;
};

// Why a thread stops running in user mode without calling exit.
struct UserFault {
  const char* what;  // "#PF (page fault)", "non-canonical return address", ...
  uint64_t vector;   // exception vector, or UINT64_MAX for a kernel-detected fault
  uint64_t error_code;
  uint64_t instruction_pointer;
  uint64_t fault_address;  // CR2 for a page fault, else 0
};

// --- Extended (x87/SSE/AVX) register state of user threads ---
enum class ExtendedStateFormat : uint8_t { Xsave, Fxsave };
struct ExtendedStateInfo {
  ExtendedStateFormat format = ExtendedStateFormat::Fxsave;
  uint64_t enabled_components = 0;   // XCR0 (x87 | SSE | AVX where offered); x87 | SSE for FXSAVE
  uint64_t save_area_bytes = 0;      // per-thread save area, from CPUID.(0Dh,0).EBX or 512
  bool clears_x87_pointers = false;  // AMD FXSAVE pointer-leak mitigation before each restore
};
enum class ExtendedStateError : uint8_t { NoFxsr, NoSse2, SaveAreaTooLarge };

// --- Interrupts and time ---
// What the timer bring-up measured against the reference clock (the PIT on x86-64).
struct TimerCalibration {
  uint64_t tick_hz;             // the periodic tick
  uint64_t clock_hz;            // the monotonic clock's counter (TSC), measured
  uint64_t timer_hz;            // the tick source's counter (LAPIC timer after its divider)
  uint64_t timer_period_count;  // counter value reloaded each tick
  uint64_t clock_spread_ppm;    // largest deviation of one run from the median, clock
  uint64_t timer_spread_ppm;    // same, tick source
  uint64_t uncertainty_ppm;     // worst bracket uncertainty of the windows used
  uint32_t runs;                // calibration windows used (the most certain ones)
  uint32_t attempts;            // windows measured
  uint32_t window_us;           // each window's length
  bool invariant_clock;         // the CPU says the clock counter runs at a constant rate
};
enum class InterruptInitError : uint8_t {
  NoLocalApic,        // CPUID.01H:EDX[9] clear
  X2ApicLeftEnabled,  // firmware handed over in x2APIC mode; xAPIC MMIO would not respond
  NoClockCounter,     // no TSC
  CalibrationFailed,  // the reference window never ended, or a counter did not move
  MapFailed,          // the local APIC page could not be mapped
};

// Counters since boot, for diagnostics and self-tests (all saturate at 2^64 - 1 in theory).
struct InterruptStatistics {
  uint64_t timer_ticks;
  uint64_t ticks_from_user;  // ticks that interrupted CPL 3
  uint64_t spurious_local;   // local APIC spurious vector
  uint64_t spurious_legacy;  // 8259 IRQ7 / IRQ15 with the in-service bit clear
  uint64_t unexpected;       // a masked legacy line or the APIC error vector fired
};

// One tick as the architecture hands it to portable code.
struct TimerTick {
  uint64_t count;         // ticks since the timer started, this one included
  uint64_t now_ns;        // the monotonic clock at the tick
  bool interrupted_user;  // the tick preempted user mode (else: the kernel idle wait)
};

// --- Threads ---
// The memory a thread's kernel context lives in (kernel/mem/kernel_stacks.h allocates it): a
// kernel stack [bottom, top) with an unmapped guard below, and a separate context area of
// context_bytes (the extended-state save area) that the stack can never grow into.
struct ThreadMemory {
  uint64_t stack_bottom;
  uint64_t stack_top;  // 16-byte aligned; the thread's first RSP is below it
  uint64_t context_area;
  uint64_t context_bytes;
};

// The entry of a kernel thread: entry(argument) on its own stack. Must never return.
using KernelThreadEntry = void (*)(uint64_t argument);

}  // namespace capos::kernel
