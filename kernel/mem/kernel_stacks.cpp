#include "kernel/mem/kernel_stacks.h"

#include "kernel/arch/current.h"
#include "kernel/mem/kernel_address_space.h"
#include "kernel/mem/physical_memory.h"

namespace capos::kernel::mem {

namespace {

// The memory policy of KernelStackPool: frames from the bitmap, mappings in the kernel table
// (kernel-only, read-write, non-executable, write-back).
struct KernelStackMemory {
  static Result<uint64_t> allocate_frame() { return allocate_zeroed_frame(); }
  static void free_frame(uint64_t physical) { mem::free_frame(physical); }
  static Result<void> map(uint64_t virt, uint64_t physical) {
    return kernel_page_table().map(PageMapping{
        .virtual_address = virt,
        .physical_address = physical,
        .size = PageSize::Base,
        .access = PageAccess::ReadWrite,
        .privilege = PagePrivilege::Kernel,
    });
  }
  static Result<uint64_t> unmap(uint64_t virt) { return kernel_page_table().unmap(virt); }
};

static_assert(Arch::kernel_stack_region_base % Arch::page_size == 0);
static_assert(KernelStackGeometry::page_bytes == Arch::page_size);
static_assert(KernelStackGeometry::max_slots * KernelStackGeometry::slot_bytes <=
                  Arch::kernel_stack_region_bytes,
              "the pool must fit in the architecture's kernel-stack window");

constinit KernelStackMemory g_memory{};
constinit KernelStackPool<KernelStackMemory> g_pool(g_memory, Arch::kernel_stack_region_base,
                                                    KernelStackGeometry::max_slots);

}  // namespace

Result<KernelStack> allocate_kernel_stack() { return g_pool.allocate(); }

void release_kernel_stack(const KernelStack& stack) { g_pool.release(stack); }

size_t kernel_stacks_live() { return g_pool.live_count(); }

}  // namespace capos::kernel::mem
