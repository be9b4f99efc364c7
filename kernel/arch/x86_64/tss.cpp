#include "kernel/arch/x86_64/tss.h"

#include "kernel/arch/x86_64/kernel_image.h"

namespace capos::kernel::x86_64 {

namespace {

constinit TaskStateSegment g_tss{};

size_t ist_index(IstSlot slot) { return static_cast<size_t>(slot) - 1; }

}  // namespace

void tss_init() {
  g_tss = TaskStateSegment{};
  g_tss.rsp[0] = stack_top(KernelStack::Boot);
  // SAFETY: ist is the hardware layout's uint64_t[7]; ist_index maps the three non-None
  // IstSlot values 1..3 to 0..2, inside it.
  g_tss.ist[ist_index(IstSlot::DoubleFault)] = stack_top(KernelStack::DoubleFault);
  // SAFETY: as above, ist_index(IstSlot::Nmi) is 1, inside ist[7].
  g_tss.ist[ist_index(IstSlot::Nmi)] = stack_top(KernelStack::Nmi);
  // SAFETY: as above, ist_index(IstSlot::MachineCheck) is 2, inside ist[7].
  g_tss.ist[ist_index(IstSlot::MachineCheck)] = stack_top(KernelStack::MachineCheck);
  g_tss.io_map_base = sizeof(TaskStateSegment);
}

void tss_set_kernel_stack(uint64_t stack_top) { g_tss.rsp[0] = stack_top; }

const TaskStateSegment& tss() { return g_tss; }

}  // namespace capos::kernel::x86_64
