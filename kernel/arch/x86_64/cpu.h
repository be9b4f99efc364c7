// kernel/arch/x86_64/cpu.h — thin wrappers over single privileged instructions.
//
// Every function here is one instruction (or a fixed pair). Callers outside kernel/arch/x86_64
// never see them: portable code reaches the hardware through the Architecture concept
// (kernel/arch/arch.h). Bit meanings are named where they are used (protection.cpp,
// page_table.cpp), not here.
#pragma once

#include <cstdint>

namespace capos::kernel::x86_64 {

// Port I/O: `out`/`in` touch only the named I/O port; the callers own the devices (COM1,
// isa-debug-exit, the legacy PICs), and the kernel runs at CPL 0 with IOPL 0, so only the kernel
// can issue them.
inline void out8(uint16_t port, uint8_t value) {
  // SAFETY: one byte to the caller's own I/O port (CPL 0, IOPL 0); no memory is touched.
  asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}
inline void out32(uint16_t port, uint32_t value) {
  // SAFETY: one doubleword to the caller's own I/O port (CPL 0, IOPL 0); no memory is touched.
  asm volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}
inline uint8_t in8(uint16_t port) {
  uint8_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: one byte from the caller's own I/O port into a local; no memory is touched.
  asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

// Control registers: reads have no side effects. Writes are made only by the code that owns the
// register's meaning (paging: CR3; protection.cpp: CR0.WP, CR4); the "memory" clobber keeps the
// compiler from moving memory accesses across a change of translation or protection.
inline uint64_t read_cr0() {
  uint64_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading CR0 has no side effect; it writes only the output register.
  asm volatile("mov %%cr0, %0" : "=r"(value));
  return value;
}
inline void write_cr0(uint64_t value) {
  // SAFETY: only protection.cpp writes CR0 (setting WP over the value it read); "memory" keeps
  // accesses on their side of the change.
  asm volatile("mov %0, %%cr0" : : "r"(value) : "memory");
}
inline uint64_t read_cr2() {
  uint64_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading CR2 (the last page-fault address) has no side effect.
  asm volatile("mov %%cr2, %0" : "=r"(value));
  return value;
}
inline uint64_t read_cr3() {
  uint64_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading CR3 has no side effect; it writes only the output register.
  asm volatile("mov %%cr3, %0" : "=r"(value));
  return value;
}
inline void write_cr3(uint64_t value) {
  // SAFETY: only PageTable::activate writes CR3, with the root of a complete table that maps
  // the kernel half; "memory" keeps accesses on their side of the switch.
  asm volatile("mov %0, %%cr3" : : "r"(value) : "memory");
}
inline uint64_t read_cr4() {
  uint64_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading CR4 has no side effect; it writes only the output register.
  asm volatile("mov %%cr4, %0" : "=r"(value));
  return value;
}
inline void write_cr4(uint64_t value) {
  // SAFETY: only protection.cpp writes CR4 (PGE, SMEP, SMAP over the value it read, each after
  // CPUID showed the feature); "memory" keeps accesses on their side of the change.
  asm volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

// MSRs: only architectural MSRs whose existence was established (EFER exists on every CPU with
// long mode, which boot.S checked; the SYSCALL MSRs come with it) are accessed.
inline uint64_t read_msr(uint32_t msr) {
  uint32_t low = 0;   // NOLINT(misc-const-correctness): asm output
  uint32_t high = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: rdmsr of an architectural MSR that exists (see above); writes only edx:eax.
  asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
  return (uint64_t{high} << 32) | low;
}
inline void write_msr(uint32_t msr, uint64_t value) {
  // SAFETY: wrmsr of an architectural MSR that exists (see above), by the code that owns its
  // meaning (EFER, the SYSCALL MSRs, FS_BASE at user entry); "memory" orders it with the
  // accesses around it.
  asm volatile("wrmsr"
               :
               : "c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
               : "memory");
}

struct CpuidResult {
  uint32_t eax;
  uint32_t ebx;
  uint32_t ecx;
  uint32_t edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidResult result{};
  // SAFETY: CPUID is unprivileged and side-effect free; it only writes the four output registers.
  asm volatile("cpuid"
               : "=a"(result.eax), "=b"(result.ebx), "=c"(result.ecx), "=d"(result.edx)
               : "a"(leaf), "c"(subleaf));
  return result;
}

inline void invalidate_page(uint64_t virtual_address) {
  // SAFETY: invlpg only drops a TLB entry; a later access re-walks the current tables.
  asm volatile("invlpg (%0)" : : "r"(virtual_address) : "memory");
}

inline void disable_interrupts() {
  // SAFETY: cli changes only the interrupt flag of this (single) CPU.
  asm volatile("cli" : : : "memory");
}
inline void halt() {
  // SAFETY: hlt changes only the run state of this CPU until the next interrupt.
  asm volatile("hlt" : : : "memory");
}

inline uint64_t read_rflags() {
  uint64_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: pushfq/pop uses two stack slots of the current (valid) kernel stack.
  asm volatile("pushfq; pop %0" : "=r"(value) : : "memory");
  return value;
}

// SAFETY: rdtsc only reads the time-stamp counter into EDX:EAX (CR4.TSD stays clear, so user
// mode may read it too: no secret is derived from it).
inline uint64_t read_tsc() {
  uint32_t low = 0;   // NOLINT(misc-const-correctness): asm output
  uint32_t high = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: rdtsc reads only the time-stamp counter (see above).
  asm volatile("rdtsc" : "=a"(low), "=d"(high));
  return (uint64_t{high} << 32) | low;
}

// SAFETY: xsetbv writes XCR0, which selects the state components XSAVE manages; only
// fpu.cpp calls it, once, with a subset of CPUID.(0Dh,0).EAX (what the CPU supports), after
// setting CR4.OSXSAVE (otherwise xsetbv is #UD).
inline void write_xcr0(uint64_t value) {
  // SAFETY: XCR0 = a supported subset, CR4.OSXSAVE already set (see above).
  asm volatile("xsetbv"
               :
               : "c"(0), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32))
               : "memory");
}

// SAFETY: a write to port 0x80 (the POST diagnostic port, unused by any device capOS drives)
// only takes time: the classic delay between 8259/8254 programming steps.
inline void io_wait() { out8(0x80, 0); }

// Segment selectors of the data segment registers (user-controlled in user mode: a thread may
// load the user data selector or null into any of them). SAFETY: reading a selector has no side
// effect; writing one at CPL 0 loads a GDT descriptor (gdt.h) or null, which in 64-bit mode
// changes no base the kernel uses (FS base is rewritten through its MSR afterwards, GS is unused).
inline uint16_t read_ds() {
  uint16_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading a selector has no side effect.
  asm volatile("movw %%ds, %0" : "=r"(value));
  return value;
}
// SAFETY: see "Segment selectors" above.
inline uint16_t read_es() {
  uint16_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading a selector has no side effect.
  asm volatile("movw %%es, %0" : "=r"(value));
  return value;
}
// SAFETY: see "Segment selectors" above.
inline uint16_t read_fs() {
  uint16_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading a selector has no side effect.
  asm volatile("movw %%fs, %0" : "=r"(value));
  return value;
}
// SAFETY: see "Segment selectors" above.
inline uint16_t read_gs() {
  uint16_t value = 0;  // NOLINT(misc-const-correctness): asm output
  // SAFETY: reading a selector has no side effect.
  asm volatile("movw %%gs, %0" : "=r"(value));
  return value;
}
// SAFETY: see "Segment selectors" above.
inline void write_ds(uint16_t value) { asm volatile("movw %0, %%ds" : : "r"(value) : "memory"); }
// SAFETY: see "Segment selectors" above.
inline void write_es(uint16_t value) { asm volatile("movw %0, %%es" : : "r"(value) : "memory"); }
// SAFETY: see "Segment selectors" above.
inline void write_fs(uint16_t value) { asm volatile("movw %0, %%fs" : : "r"(value) : "memory"); }
// SAFETY: see "Segment selectors" above.
inline void write_gs(uint16_t value) { asm volatile("movw %0, %%gs" : : "r"(value) : "memory"); }

// RFLAGS bits read by portable checks (SDM Vol. 1 §3.4.3).
inline constexpr uint64_t rflags_interrupt_enable = uint64_t{1} << 9;
inline constexpr uint64_t rflags_direction = uint64_t{1} << 10;        // DF
inline constexpr uint64_t rflags_alignment_check = uint64_t{1} << 18;  // AC: SMAP override

}  // namespace capos::kernel::x86_64
