#include "kernel/arch/x86_64/gdt.h"

#include <array>

#include "kernel/arch/x86_64/descriptor_pointer.h"
#include "kernel/arch/x86_64/tss.h"

namespace capos::kernel::x86_64 {

namespace {

// Code/data descriptors (SDM Vol. 3A §3.4.5): limit 0xfffff, G = 1, P = 1, S = 1.
constexpr uint64_t kernel_code_descriptor = 0x00af'9a00'0000'ffff;  // L = 1, DPL 0, exec/read
constexpr uint64_t kernel_data_descriptor = 0x00cf'9200'0000'ffff;  // DPL 0, read/write
constexpr uint64_t user_data_descriptor = 0x00cf'f200'0000'ffff;    // DPL 3, read/write
constexpr uint64_t user_code_descriptor = 0x00af'fa00'0000'ffff;    // L = 1, DPL 3, exec/read
constexpr uint64_t tss_type_available = 0x9;                        // 64-bit TSS (available)
constexpr uint64_t descriptor_present = uint64_t{1} << 47;

constinit std::array<uint64_t, 8> g_gdt{};

}  // namespace

void gdt_init() {
  // SAFETY: converting the TSS's address to an integer to encode it into its descriptor.
  const auto base = reinterpret_cast<uint64_t>(&tss());
  const uint64_t limit = sizeof(TaskStateSegment) - 1;
  g_gdt[0] = 0;
  g_gdt[1] = kernel_code_descriptor;
  g_gdt[2] = kernel_data_descriptor;
  g_gdt[3] = 0;
  g_gdt[4] = user_data_descriptor;
  g_gdt[5] = user_code_descriptor;
  g_gdt[6] = (limit & 0xffff) | ((base & 0xff'ffff) << 16) | (tss_type_available << 40) |
             descriptor_present | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  g_gdt[7] = base >> 32;
  static_assert(tss_selector == 6 * 8);

  const DescriptorPointer pointer = descriptor_pointer(g_gdt);
  // SAFETY: the GDT above has valid kernel code/data descriptors at the selectors loaded here;
  // the far return reloads CS (a mov cannot), then the data segments and the task register are
  // loaded from the same table. g_gdt is a static object, so GDTR stays valid afterwards.
  asm volatile(
      "lgdt %[pointer]\n\t"
      "pushq %[code]\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movw %[data], %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%ss\n\t"
      "xorl %%eax, %%eax\n\t"
      "movw %%ax, %%fs\n\t"
      "movw %%ax, %%gs\n\t"
      "movw %[tss], %%ax\n\t"
      "ltr %%ax"
      :
      : [pointer] "m"(pointer), [code] "i"(kernel_code_selector), [data] "i"(kernel_data_selector),
        [tss] "i"(tss_selector)
      : "rax", "memory");
}

}  // namespace capos::kernel::x86_64
