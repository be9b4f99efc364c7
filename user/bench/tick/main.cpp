// user/bench/tick/main.cpp — benchmark: what one timer tick costs the program it preempts
// (docs/design.md "Interrupts, time and context switch"). Booted as init by qemu.bench_tick
// under QEMU -icount shift=0, where the TSC counts guest instructions.
//
// The program reads the TSC in a tight loop. Without interruption consecutive reads differ by
// the loop's few instructions; a tick shows up as one large gap: interrupt delivery, the entry
// stub, the dispatcher, the EOI, the upcall and the interrupt return. The report is the median
// gap minus the loop's own cost, over `ticks_wanted` ticks. It prints numbers and asserts none.
#include <array>
#include <cstdint>

#include "lib/gen/capos.capnp.h"
#include "user/rt/arch/x86_64/cycle_counter.h"
#include "user/rt/clients.h"
#include "user/rt/runtime.h"
#include "user/rt/text.h"

namespace {

constexpr size_t ticks_wanted = 256;
constexpr uint64_t gap_margin = 32;     // above the loop's jitter, below any tick
constexpr size_t warm_up_reads = 4096;  // to find the loop's own cost first
constexpr uint64_t budget_cycles = uint64_t{1} << 31;

constinit std::array<uint64_t, ticks_wanted> g_gaps{};

void sort(std::array<uint64_t, ticks_wanted>& values, size_t count) {
  for (size_t i = 1; i < count; ++i) {
    const uint64_t value = values[i];
    size_t j = i;
    for (; j > 0 && values[j - 1] > value; --j) values[j] = values[j - 1];
    values[j] = value;
  }
}

}  // namespace

int64_t capos_main(capos::rt::Runtime& runtime) {
  const auto console_cap = runtime.find_cap("console", capos::gen::Console::INTERFACE_ID);
  if (!console_cap) return 2;
  const capos::rt::ConsoleClient console(*console_cap);

  uint64_t loop = UINT64_MAX;  // the smallest uninterrupted delta: the loop's own cost
  uint64_t previous = capos::rt::read_cycle_counter();
  for (size_t i = 0; i < warm_up_reads; ++i) {
    const uint64_t now = capos::rt::read_cycle_counter();
    loop = now - previous < loop ? now - previous : loop;
    previous = now;
  }
  size_t count = 0;
  const uint64_t start = previous;
  while (count < ticks_wanted && previous - start < budget_cycles) {
    const uint64_t now = capos::rt::read_cycle_counter();
    if (now - previous > loop + gap_margin) g_gaps[count++] = now - previous;
    previous = now;
  }
  sort(g_gaps, count);
  const uint64_t median = count == 0 ? 0 : g_gaps[count / 2] - loop;
  const uint64_t low = count == 0 ? 0 : g_gaps[0] - loop;
  const uint64_t high = count == 0 ? 0 : g_gaps[count - 1] - loop;
  (void)console
      .write_line(runtime, capos::rt::Line()
                               .add("bench tick: ")
                               .add(static_cast<uint64_t>(count))
                               .add(" ticks preempted the loop: ")
                               .add(median)
                               .add(" cycles per tick from user mode (median; min ")
                               .add(low)
                               .add(", max ")
                               .add(high)
                               .add("; loop ")
                               .add(loop)
                               .add(")")
                               .view())
      .has_value();
  return 0;
}
