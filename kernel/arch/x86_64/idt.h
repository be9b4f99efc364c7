// kernel/arch/x86_64/idt.h — the Interrupt Descriptor Table.
//
// Vectors 0-31 (exceptions) get interrupt gates to exception_entry.S; #DF, NMI and #MC run on
// their own IST stacks. Vectors 32-255 are not present in phase 1 (interrupts stay disabled and
// the legacy PICs masked); delivering one raises #GP, which is reported like any exception.
// Phase 2 adds the timer vector and decides whether #BP may be raised from CPL 3.
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

}  // namespace capos::kernel::x86_64
