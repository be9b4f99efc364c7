// kernel/mem/kernel_stack_pool.h — per-thread kernel stacks from frames, in a kernel-half window
// (docs/design.md "Interrupts, time and context switch").
//
// The window (Arch::kernel_stack_region_*) lies under a top-level page-table entry that exists
// from boot, so mapping a stack after the kernel half is sealed needs no new top-level entry and
// every address space sees it (F-020). It is cut into `slot_bytes` slots; slot i, lowest address
// first:
//   [guard_pages unmapped][stack_pages RW NX][context_pages RW NX]
// The stack grows down from the start of the context area towards the guard: an overflow writes
// into an unmapped page and faults (#PF, which then cannot be delivered on that stack: #DF on its
// IST stack with a report), never into a neighbour's stack or its own context area. The context
// area (the thread's extended-state save area) is above the stack's top, out of its reach.
//
// Invariants (invariants_hold(), checked by the host tests after every operation):
//   - a slot is live iff its bit is set; exactly the stack and context pages of live slots are
//     mapped, each to a frame of its own (stack_pages + context_pages frames per live slot);
//   - guard pages are never mapped.
// allocate() takes every frame and mapping it needs or none (a failure unmaps and frees what it
// took, in reverse order); release() unmaps every page (the TLB entries go with it: Memory's
// unmap invalidates) and frees every frame. A slot is released by another thread than the one
// running on it (a thread cannot free the stack it runs on); the scheduler owns that rule.
//
// Templated on the memory policy, so the host tests run this code over fake tables and frames:
//   Result<uint64_t> allocate_frame();        one zeroed frame (physical address)
//   void free_frame(uint64_t physical);
//   Result<void> map(uint64_t virt, uint64_t physical);   kernel RW NX base page
//   Result<uint64_t> unmap(uint64_t virt);    the frame it mapped
// Not synchronised: the kernel runs with interrupts off on one CPU.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "kernel/arch/arch_types.h"
#include "lib/core/panic.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

struct KernelStackGeometry {
  static constexpr uint64_t page_bytes = 4096;
  static constexpr uint64_t guard_pages = 3;
  static constexpr uint64_t stack_pages = 4;    // 16 KiB, as the first thread's (F-008)
  static constexpr uint64_t context_pages = 1;  // the extended-state save area
  static constexpr uint64_t slot_pages = guard_pages + stack_pages + context_pages;
  static constexpr uint64_t slot_bytes = slot_pages * page_bytes;
  static constexpr uint64_t mapped_pages = stack_pages + context_pages;
  static constexpr size_t max_slots = 1024;  // bounded pool (threads are a quota-charged resource)
};

struct KernelStack {
  uint32_t slot;
  ThreadMemory memory;
};

template <typename Memory>
class KernelStackPool {
 public:
  using Geometry = KernelStackGeometry;

  // `base` is page aligned; the window holds at least `slots` slots.
  constexpr KernelStackPool(Memory& memory, uint64_t base, size_t slots)
      : m_memory(&memory),
        m_base(base),
        m_slots(slots < Geometry::max_slots ? slots : Geometry::max_slots) {}

  // Exhausted when every slot is live; otherwise whatever the memory policy returns, with
  // nothing taken.
  Result<KernelStack> allocate() {
    const size_t slot = TRY(take_slot());
    const uint64_t first = mapped_start(slot);
    for (uint64_t page = 0; page < Geometry::mapped_pages; ++page) {
      const Result<void> mapped = map_page(first + page * Geometry::page_bytes);
      if (!mapped) {
        unmap_pages(first, page);
        clear(slot);
        return mapped.error();
      }
    }
    ++m_live;
    return KernelStack{.slot = static_cast<uint32_t>(slot),
                       .memory = ThreadMemory{
                           .stack_bottom = first,
                           .stack_top = first + Geometry::stack_pages * Geometry::page_bytes,
                           .context_area = first + Geometry::stack_pages * Geometry::page_bytes,
                           .context_bytes = Geometry::context_pages * Geometry::page_bytes,
                       }};
  }

  // Precondition: `stack` came from allocate() and was not released since (KASSERT: a double
  // release is a kernel bug, not an input).
  void release(const KernelStack& stack) {
    KASSERT(stack.slot < m_slots && live(stack.slot));
    KASSERT(stack.memory.stack_bottom == mapped_start(stack.slot));
    unmap_pages(stack.memory.stack_bottom, Geometry::mapped_pages);
    clear(stack.slot);
    --m_live;
  }

  [[nodiscard]] size_t live_count() const { return m_live; }
  [[nodiscard]] size_t capacity() const { return m_slots; }
  [[nodiscard]] bool live(size_t slot) const {
    return (m_used[slot / bits] & (uint64_t{1} << (slot % bits))) != 0;
  }
  // The lowest address of slot `slot`'s guard (tests; reports).
  [[nodiscard]] uint64_t slot_start(size_t slot) const {
    return m_base + slot * Geometry::slot_bytes;
  }
  [[nodiscard]] uint64_t mapped_start(size_t slot) const {
    return slot_start(slot) + Geometry::guard_pages * Geometry::page_bytes;
  }

  // Popcount of the bitmap equals live_count, and no bit beyond capacity is set. The mapping
  // half of the invariant is the memory policy's to report (the host fake checks it).
  [[nodiscard]] bool invariants_hold() const {
    size_t count = 0;
    for (size_t word = 0; word < m_used.size(); ++word) {
      count += static_cast<size_t>(std::popcount(m_used[word]));
    }
    for (size_t slot = m_slots; slot < Geometry::max_slots; ++slot) {
      if (live(slot)) return false;
    }
    return count == m_live;
  }

 private:
  static constexpr size_t bits = 64;

  Result<size_t> take_slot() {
    for (size_t slot = 0; slot < m_slots; ++slot) {
      if (!live(slot)) {
        m_used[slot / bits] |= uint64_t{1} << (slot % bits);
        return slot;
      }
    }
    return Error::Exhausted;
  }
  void clear(size_t slot) { m_used[slot / bits] &= ~(uint64_t{1} << (slot % bits)); }

  Result<void> map_page(uint64_t virt) {
    const uint64_t frame = TRY(m_memory->allocate_frame());
    const Result<void> mapped = m_memory->map(virt, frame);
    if (!mapped) m_memory->free_frame(frame);
    return mapped;
  }

  // Unmaps (and frees the frames of) `pages` pages from `first`, highest first.
  void unmap_pages(uint64_t first, uint64_t pages) {
    for (uint64_t page = pages; page-- > 0;) {
      const Result<uint64_t> frame = m_memory->unmap(first + page * Geometry::page_bytes);
      KASSERT(frame.has_value());  // this pool mapped it and nothing else unmaps the window
      m_memory->free_frame(*frame);
    }
  }

  Memory* m_memory;
  uint64_t m_base;
  size_t m_slots;
  size_t m_live = 0;
  std::array<uint64_t, Geometry::max_slots / bits> m_used{};
};

}  // namespace capos::kernel::mem
