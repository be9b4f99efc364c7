// kernel/arch/x86_64/pit.h — the 8254 programmable interval timer, channel 2, as the reference
// clock the local APIC timer and the TSC are calibrated against (docs/design.md "Interrupts,
// time and context switch").
//
// Channel 2 is the one whose gate software controls (port 0x61 bit 0) and whose output it can
// read (port 0x61 bit 5), so an interval is measured by polling, with no interrupt and without
// touching channel 0 (IRQ0, masked). The speaker (port 0x61 bit 1) stays off. Its input clock is
// 1 193 182 Hz (14.31818 MHz / 12) on every PC; in mode 0 the output goes high when the count
// reaches zero and stays high.
#pragma once

#include <cstdint>

namespace capos::kernel::x86_64 {

inline constexpr uint64_t pit_frequency_hz = 1'193'182;
inline constexpr uint64_t pit_max_count = 0xffff;  // ~54.9 ms

// Loads `count` (1..pit_max_count) into channel 2 in mode 0 with the gate low, then raises the
// gate: counting starts at the next input clock.
void pit_start_one_shot(uint16_t count);

// True once the count started by pit_start_one_shot has reached zero.
bool pit_expired();

// The count for `microseconds` (clamped to 1..pit_max_count).
uint16_t pit_count_for(uint64_t microseconds);

}  // namespace capos::kernel::x86_64
