#include "kernel/proc/process.h"

#include <optional>
#include <utility>

#include "lib/core/panic.h"

namespace capos::kernel {

namespace {

constinit std::optional<Process> g_process{};

ObjectTable make_table(std::span<ObjectTable::Slot> slots) {
  Result<ObjectTable> table = ObjectTable::create(slots);
  KASSERT(table.has_value());  // fails only for empty or oversized storage
  return std::move(table).take();
}

}  // namespace

Process::Process(uint32_t pid, const char* name, Arch::PageTable table, RingPage& ring_kernel_alias,
                 const std::array<uint64_t, resource_class_count>& limits)
    : m_pid(pid),
      m_name(name),
      m_table(table),
      m_ring(ring_kernel_alias, m_atomics),
      m_caps(make_table(m_slots)),
      m_ledger(limits),
      m_memory(m_table),
      m_completions(m_ring, m_memory) {}

Process& current_process() {
  KASSERT(g_process.has_value());
  return *g_process;
}

Process& create_process(uint32_t pid, const char* name, Arch::PageTable table,
                        RingPage& ring_kernel_alias,
                        const std::array<uint64_t, resource_class_count>& limits) {
  KASSERT(!g_process.has_value());  // phase 2: one process
  return g_process.emplace(pid, name, table, ring_kernel_alias, limits);
}

}  // namespace capos::kernel
