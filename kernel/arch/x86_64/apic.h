// kernel/arch/x86_64/apic.h — the local APIC in xAPIC (MMIO) mode: the periodic tick, EOI,
// the spurious and error vectors (Intel SDM Vol. 3A ch. 11).
//
// The register page (IA32_APIC_BASE, normally 0xfee00000) is not RAM, so the direct map does not
// cover it: apic_init maps it once at device_window_base (PML4 slot 511, which exists from boot,
// so the mapping needs no new top-level entry and is seen by every process table: F-020) as a
// kernel-only, read-write, non-executable, uncached (PCD|PWT, PAT entry 3 = UC) page.
// Registers are 32 bits wide at 16-byte strides and are accessed only with aligned 32-bit
// volatile loads and stores (SDM §11.4.1).
//
// Set-up: software-enabled through the spurious-interrupt vector register (vector 0xff), task
// priority 0, LINT0 masked (the 8259s' virtual-wire path; they are masked too), LINT1 left as
// the firmware set it (NMI), the error LVT on vector 0xfe, the performance and thermal LVTs
// masked when present. The timer runs from the bus clock divided by 16.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/page_table.h"

namespace capos::kernel::x86_64 {

inline constexpr uint8_t timer_vector = 0x30;
inline constexpr uint8_t apic_error_vector = 0xfe;
inline constexpr uint8_t apic_spurious_vector = 0xff;

// Where the register page is mapped (PML4 slot 511, PDPT entry 509; docs/design.md layout).
inline constexpr uint64_t device_window_base = 0xffff'ffff'4000'0000;

// Checks CPUID and IA32_APIC_BASE, maps the page, enables the APIC (timer masked).
Result<void, InterruptInitError> apic_init(PageTable& kernel_table);

// Timer: one-shot masked countdown from `initial` (calibration), then periodic on timer_vector.
void apic_timer_start_free_running(uint32_t initial);
uint32_t apic_timer_current();
void apic_timer_start_periodic(uint32_t period);
void apic_timer_stop();
inline constexpr uint32_t apic_timer_divider = 16;

void apic_end_of_interrupt();

// Reads (and clears) the error status register; the value of the last error.
uint32_t apic_take_error_status();

}  // namespace capos::kernel::x86_64
