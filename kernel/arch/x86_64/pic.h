// kernel/arch/x86_64/pic.h — the two legacy 8259A interrupt controllers (master + slave).
//
// capOS takes no interrupt from them: the tick is the local APIC's (apic.h). They are still
// reprogrammed so that nothing they could deliver lands on an exception vector: the BIOS maps
// IRQ0-7 to vectors 8-15 (#DF, #GP, #PF...). After pic_init the master delivers at 0x20-0x27, the
// slave at 0x28-0x2f, every line is masked, and the local APIC's LINT0 (the PIC's path to the
// CPU in virtual-wire mode) is masked as well (apic.cpp). A masked 8259 can still raise a
// spurious IRQ7 (master) or IRQ15 (slave) when a request vanishes during the acknowledge cycle;
// such an interrupt has its in-service bit clear and must not be acknowledged as IRQ7/IRQ15
// (the slave's spurious IRQ15 still needs an EOI at the master for its cascade line).
#pragma once

#include <cstdint>

namespace capos::kernel::x86_64 {

inline constexpr uint8_t pic_master_vector_base = 0x20;
inline constexpr uint8_t pic_slave_vector_base = 0x28;
inline constexpr unsigned pic_lines = 16;

// Masks every line (cpu_init: before anything is remapped).
void pic_mask_all();

// ICW1-ICW4 (edge triggered, cascade on IRQ2, 8086 mode), vector bases above, all lines masked.
void pic_init();

// True when the controller owning `irq` (0-15) has it in service (OCW3 read of the ISR).
bool pic_in_service(unsigned irq);

// Non-specific EOI for `irq`: the slave and the master for IRQ8-15, the master for IRQ0-7.
void pic_end_of_interrupt(unsigned irq);
// EOI to the master only (the cascade line of a spurious IRQ15).
void pic_end_of_interrupt_master();

}  // namespace capos::kernel::x86_64
