#include "kernel/arch/x86_64/idt.h"

#include <array>

#include "kernel/arch/x86_64/descriptor_pointer.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/tss.h"
#include "lib/core/panic.h"

extern "C" const uint64_t capos_exception_stubs[32];  // exception_entry.S

namespace capos::kernel::x86_64 {

namespace {

constexpr size_t exception_vectors = 32;
constexpr uint8_t interrupt_gate_dpl0 = 0x8e;  // P = 1, DPL = 0, type 0xE (64-bit interrupt gate)

constinit std::array<IdtGate, 256> g_idt{};

IdtGate gate(uint64_t handler, IstSlot ist) {
  return IdtGate{
      .offset_low = static_cast<uint16_t>(handler),
      .selector = kernel_code_selector,
      .ist = static_cast<uint8_t>(ist),
      .type_attributes = interrupt_gate_dpl0,
      .offset_middle = static_cast<uint16_t>(handler >> 16),
      .offset_high = static_cast<uint32_t>(handler >> 32),
      .reserved = 0,
  };
}

IstSlot ist_for(size_t vector) {
  switch (vector) {
    case 2: return IstSlot::Nmi;
    case 8: return IstSlot::DoubleFault;
    case 18: return IstSlot::MachineCheck;
    default: return IstSlot::None;
  }
}

}  // namespace

void idt_init() {
  for (size_t vector = 0; vector < exception_vectors; ++vector) {
    // SAFETY: vector < exception_vectors == 32, the extent of the table exception_entry.S emits.
    g_idt[vector] = gate(capos_exception_stubs[vector], ist_for(vector));
  }
  const DescriptorPointer pointer = descriptor_pointer(g_idt);
  // SAFETY: g_idt is static and its 32 present gates point at exception_entry.S's stubs.
  asm volatile("lidt %0" : : "m"(pointer) : "memory");
}

void idt_set_interrupt_gate(uint8_t vector, uint64_t handler) {
  KASSERT(vector >= exception_vectors);
  // A gate is 16 bytes written with interrupts disabled (single CPU): nothing can be delivered
  // through a half-written one.
  g_idt[vector] = gate(handler, IstSlot::None);
}

}  // namespace capos::kernel::x86_64
