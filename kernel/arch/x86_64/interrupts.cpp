#include "kernel/arch/x86_64/interrupts.h"

#include <array>

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/timer.h"
#include "kernel/lib/log.h"
#include "lib/core/bytes.h"
#include "lib/core/panic.h"

extern "C" const uint64_t capos_interrupt_stubs[19];  // interrupt_entry.S
extern "C" const char capos_idle_resume[];            // interrupt_entry.S: the RIP after `hlt`

namespace capos::kernel::x86_64 {

namespace {

// In the order of interrupt_entry.S's capos_interrupt_stubs.
constexpr std::array<uint8_t, 19> interrupt_vectors = {0x20,
                                                       0x21,
                                                       0x22,
                                                       0x23,
                                                       0x24,
                                                       0x25,
                                                       0x26,
                                                       0x27,
                                                       0x28,
                                                       0x29,
                                                       0x2a,
                                                       0x2b,
                                                       0x2c,
                                                       0x2d,
                                                       0x2e,
                                                       0x2f,
                                                       timer_vector,
                                                       apic_error_vector,
                                                       apic_spurious_vector};
static_assert(interrupt_vectors.size() == sizeof(capos_interrupt_stubs) / sizeof(uint64_t));

constexpr uint64_t privilege_level_mask = 3;
constexpr uint64_t user_privilege_level = 3;
constexpr unsigned spurious_master_irq = 7;
constexpr unsigned spurious_slave_irq = 15;
constexpr uint16_t no_software_interrupt = 0x100;  // not a vector

constinit InterruptStatistics g_statistics{};
constinit void (*g_tick_hook)() = nullptr;
constinit uint16_t g_expected_software_vector = no_software_interrupt;
constinit bool g_reported_unexpected = false;

// The preemption model (interrupts.h): at CPL 0 only the idle wait, or the one software
// interrupt a self-test announced, may be interrupted.
void check_kernel_interrupt(const ExceptionFrame& frame) {
  if (frame.rip == address_of(capos_idle_resume)) return;
  if (frame.vector == g_expected_software_vector) {
    g_expected_software_vector = no_software_interrupt;
    return;
  }
  log::info("EXCEPTION: interrupt vector {} taken in the kernel outside the idle wait (rip={})",
            frame.vector, log::Hex{frame.rip});
  capos_panic("interrupt in the kernel: the kernel must run with interrupts disabled", __FILE__,
              __LINE__);
}

void timer_interrupt(bool from_user) {
  ++g_statistics.timer_ticks;
  if (from_user) ++g_statistics.ticks_from_user;
  apic_end_of_interrupt();  // before the upcall: it may switch threads for a long time
  if (g_tick_hook != nullptr) {
    g_tick_hook();
    return;
  }
  handle_timer_tick(TimerTick{
      .count = g_statistics.timer_ticks,
      .now_ns = monotonic_ns(),
      .interrupted_user = from_user,
  });
}

void report_unexpected_once(uint64_t vector, uint32_t detail) {
  ++g_statistics.unexpected;
  if (g_reported_unexpected) return;  // one line per boot: a stuck line must not flood the log
  g_reported_unexpected = true;
  log::info("interrupts: unexpected vector {} (detail {}); acknowledged and ignored", vector,
            log::Hex{detail});
}

// A legacy (8259) vector: every line is masked, so IRQ7/IRQ15 with the in-service bit clear are
// spurious (no EOI for IRQ7; the master's cascade line for IRQ15), anything else is unexpected.
void legacy_interrupt(uint64_t vector) {
  const auto irq = static_cast<unsigned>(vector - pic_master_vector_base);
  if ((irq == spurious_master_irq || irq == spurious_slave_irq) && !pic_in_service(irq)) {
    ++g_statistics.spurious_legacy;
    if (irq == spurious_slave_irq) pic_end_of_interrupt_master();
    return;
  }
  pic_end_of_interrupt(irq);
  report_unexpected_once(vector, 0);
}

void dispatch(ExceptionFrame& frame) {
  // interrupt_entry.S cleared both before any C++ ran; a user's AC = 1 kept here would switch
  // SMAP off for the handler, DF = 1 would run string operations backwards.
  KASSERT((read_rflags() & (rflags_alignment_check | rflags_direction)) == 0);
  const bool from_user = (frame.cs & privilege_level_mask) == user_privilege_level;
  if (!from_user) check_kernel_interrupt(frame);
  switch (frame.vector) {
    case timer_vector: timer_interrupt(from_user); return;
    case apic_spurious_vector:
      ++g_statistics.spurious_local;  // never acknowledged (SDM §11.9)
      return;
    case apic_error_vector: {
      const uint32_t status = apic_take_error_status();
      apic_end_of_interrupt();
      report_unexpected_once(frame.vector, status);
      return;
    }
    default:
      KASSERT(frame.vector >= pic_master_vector_base &&
              frame.vector < pic_master_vector_base + pic_lines);  // only stubs above exist
      legacy_interrupt(frame.vector);
      return;
  }
}

}  // namespace

void interrupts_install() {
  for (size_t i = 0; i < interrupt_vectors.size(); ++i) {
    // SAFETY: i < 19, the extent of the table interrupt_entry.S emits.
    idt_set_interrupt_gate(interrupt_vectors[i], capos_interrupt_stubs[i]);
  }
}

InterruptStatistics interrupt_statistics() { return g_statistics; }

void intercept_timer_ticks(void (*hook)()) { g_tick_hook = hook; }

void raise_software_interrupt(uint8_t vector) {
  g_expected_software_vector = vector;
  // SAFETY: `int n` with an immediate needs a constant: the self-test raises only the three
  // spurious vectors, each through its own instruction below; the handlers return.
  switch (vector) {
    case apic_spurious_vector:
      // SAFETY: as above (the local APIC spurious vector).
      asm volatile("int $0xff" : : : "memory");
      break;
    case pic_master_vector_base + spurious_master_irq:
      // SAFETY: as above (IRQ7's vector).
      asm volatile("int $0x27" : : : "memory");
      break;
    case pic_master_vector_base + spurious_slave_irq:
      // SAFETY: as above (IRQ15's vector).
      asm volatile("int $0x2f" : : : "memory");
      break;
    default: capos_panic("raise_software_interrupt: not a spurious vector", __FILE__, __LINE__);
  }
  g_expected_software_vector = no_software_interrupt;
}

}  // namespace capos::kernel::x86_64

// SAFETY: interrupt_entry.S passes a pointer to the frame it just built on the current stack.
extern "C" void capos_interrupt_dispatch(capos::kernel::x86_64::ExceptionFrame* frame) {
  capos::kernel::x86_64::dispatch(*frame);
}
