// kernel/arch/x86_64/tss.h — the 64-bit Task State Segment (Intel SDM Vol. 3A §8.7).
//
// In long mode the TSS only supplies stacks: RSP0, loaded on an interrupt or exception from
// CPL 3, and the IST stacks, loaded for vectors whose IDT gate names an IST slot regardless of
// CPL. The I/O permission bitmap is empty (io_map_base = sizeof), so CPL 3 has no port access.
#pragma once

#include <cstddef>
#include <cstdint>

namespace capos::kernel::x86_64 {

struct [[gnu::packed]] TaskStateSegment {
  uint32_t reserved0;
  uint64_t rsp[3];  // rsp[0] = RSP0
  uint64_t reserved1;
  uint64_t ist[7];  // ist[0] is IST1
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);
static_assert(offsetof(TaskStateSegment, rsp) == 4);
static_assert(offsetof(TaskStateSegment, ist) == 36);
static_assert(offsetof(TaskStateSegment, io_map_base) == 102);

// IST slots (1-based, as the IDT gate encodes them). Each has its own stack with a guard page
// (linker.ld), so a fault on a broken kernel stack still has somewhere to report from.
enum class IstSlot : uint8_t { None = 0, DoubleFault = 1, Nmi = 2, MachineCheck = 3 };

// Fills the TSS: RSP0 = the boot stack (phase 2 replaces it per thread with
// set_kernel_stack), IST1..3 = the emergency stacks.
void tss_init();

// Phase 2 hook: the context switch sets the kernel stack that CPL 3 -> 0 transitions use.
void tss_set_kernel_stack(uint64_t stack_top);

const TaskStateSegment& tss();

}  // namespace capos::kernel::x86_64
