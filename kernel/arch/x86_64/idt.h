// kernel/arch/x86_64/idt.h — the Interrupt Descriptor Table.
//
// Vectors 0-31 (exceptions) get interrupt gates to exception_entry.S; #DF, NMI and #MC run on
// their own IST stacks. interrupts_install (interrupts.h) adds the hardware interrupt vectors
// once SMAP is on; every other vector stays not present, so delivering one raises #GP, which is
// reported like any exception. Every gate has DPL 0: no vector, #BP included, can be raised by
// `int n` from CPL 3 (that is a #GP, which ends the process).
#pragma once

#include <cstdint>

namespace capos::kernel::x86_64 {

struct [[gnu::packed]] IdtGate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attributes;
  uint16_t offset_middle;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

void idt_init();

// Points `vector` (>= 32) at `handler` with a DPL-0 interrupt gate on the current stack.
void idt_set_interrupt_gate(uint8_t vector, uint64_t handler);

}  // namespace capos::kernel::x86_64
