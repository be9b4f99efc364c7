// kernel/proc/process.h — a process: address space, ring, cap table, quotas.
//
// Phase 2 runs exactly one process (init), created at boot and never destroyed: when it exits
// or faults the kernel ends the boot (docs/design.md "Kernel bring-up (phase 2)"). The object
// lives in static storage (constructed in place once), never on a kernel stack.
//
// Invariants:
//   - m_ring runs over the ring frame's direct-map alias, never over RING_VADDR (F-014); the
//     same frame is mapped user RW at RING_VADDR in m_table.
//   - Every slot of m_caps holds an ObjectRef (kernel/cap/cap_object.h); the boot singletons
//     it names are pinned, so no RELEASE destroys them. ledger.committed(CapSlots) equals
//     m_caps.live_count() (kernel/cap/transfer.h).
//   - m_completions posts deferred CQEs into m_ring and this process's memory; phase 2 has one
//     process, always current, so its address space is the active one whenever a completion
//     runs (the scheduler issue must keep that true or copy through the direct map).
//   - Locking: none needed — single CPU, and the kernel runs with interrupts off, so a
//     decode/invoke pair on m_caps and m_ledger is never interleaved with another (F-005).
#pragma once

#include <array>
#include <cstdint>

#include "kernel/arch/current.h"
#include "kernel/cap/cap_object.h"
#include "kernel/cap/completion.h"
#include "kernel/proc/process_memory.h"
#include "lib/mem/frame_ledger.h"
#include "lib/ring/atomics.h"
#include "lib/ring/kernel_ring.h"

namespace capos::kernel {

class Process {
 public:
  static constexpr size_t cap_slots = 64;

  Process(uint32_t pid, const char* name, Arch::PageTable table, RingPage& ring_kernel_alias,
          const std::array<uint64_t, resource_class_count>& limits);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;
  Process& operator=(Process&&) = delete;
  ~Process() = default;

  [[nodiscard]] uint32_t pid() const { return m_pid; }
  [[nodiscard]] const char* name() const { return m_name; }
  [[nodiscard]] Arch::PageTable& page_table() { return m_table; }
  [[nodiscard]] KernelRing<HardwareAtomics>& ring() { return m_ring; }
  [[nodiscard]] ObjectTable& caps() { return m_caps; }
  [[nodiscard]] FrameLedger& ledger() { return m_ledger; }
  [[nodiscard]] CompletionSink& completions() { return m_completions; }

 private:
  uint32_t m_pid;
  const char* m_name;  // a string literal or manifest text outliving the process
  Arch::PageTable m_table;
  HardwareAtomics m_atomics;
  KernelRing<HardwareAtomics> m_ring;
  std::array<ObjectTable::Slot, cap_slots> m_slots{};
  ObjectTable m_caps;
  FrameLedger m_ledger;
  ProcessMemory m_memory;
  RingCompletions<KernelRing<HardwareAtomics>, ProcessMemory> m_completions;
};

// The running process (phase 2: init, once started). KASSERTs that one exists.
Process& current_process();

// Constructs the (only) process in static storage; KASSERTs that none exists yet.
Process& create_process(uint32_t pid, const char* name, Arch::PageTable table,
                        RingPage& ring_kernel_alias,
                        const std::array<uint64_t, resource_class_count>& limits);

}  // namespace capos::kernel
