// kernel/selftest/thread_selftests.cpp — kernel threads on pool stacks (thread_selftests.h).
#include <array>
#include <cstdint>
#include <optional>

#include "kernel/arch/current.h"
#include "kernel/lib/clock_math.h"
#include "kernel/lib/log.h"
#include "kernel/mem/kernel_address_space.h"
#include "kernel/mem/kernel_stacks.h"
#include "kernel/mem/physical_memory.h"
#include "kernel/selftest/thread_selftests.h"
#include "lib/core/panic.h"

namespace capos::kernel {

namespace {

constexpr uint64_t round_trips = 1000;
constexpr uint64_t irq_iterations = 64;
constexpr uint64_t seed_step = 0x9e37'79b9'7f4a'7c15;  // per-thread seeds differ mod 4 (MXCSR)

struct TestThread {
  Arch::ThreadContext context;
  std::optional<mem::KernelStack> stack;
  uint64_t initial_state_mask = 0;
  uint64_t switch_mask = 0;
  uint64_t iterations = 0;
  bool done = false;
};

constinit std::array<TestThread, 2> g_threads{};
constinit uint64_t g_free_frames_before = 0;
constinit uint64_t g_irq_switches = 0;
constinit uint64_t g_current = 0;  // irqswitch: the thread the tick interrupted

[[noreturn]] void finish(bool ok, const char* name) {
  log::info("selftest {}: {}", name, ok ? "ok" : "FAILED");
  Arch::exit_emulator(ok ? ExitStatus::Pass : ExitStatus::Fail);
}

TestThread& other(uint64_t index) { return g_threads[1 - index]; }

void start_threads(KernelThreadEntry entry, const Arch::PageTable& second_space) {
  // The first stack ever mapped also creates the window's intermediate page tables, which stay;
  // map and release one first so the frame count below compares stacks only.
  const Result<mem::KernelStack> warm_up = mem::allocate_kernel_stack();
  KASSERT(warm_up.has_value());
  mem::release_kernel_stack(*warm_up);
  g_free_frames_before = mem::physical_memory_stats().free_frames;
  for (size_t i = 0; i < g_threads.size(); ++i) {
    TestThread& thread = g_threads[i];
    thread = TestThread{};
    const Result<mem::KernelStack> stack = mem::allocate_kernel_stack();
    KASSERT(stack.has_value());
    thread.stack = *stack;
    KASSERT(stack->memory.context_bytes >= Arch::thread_context_bytes());
    Arch::prepare_kernel_thread(thread.context, stack->memory,
                                i == 0 ? mem::kernel_page_table() : second_space, entry, i);
  }
}

// After the threads stopped for good: every page unmapped, every frame back.
bool release_threads(const char* name) {
  bool ok = true;
  for (TestThread& thread : g_threads) {
    if (!thread.stack.has_value()) return false;
    const mem::KernelStack stack = *thread.stack;
    mem::release_kernel_stack(stack);
    for (uint64_t page = stack.memory.stack_bottom;
         page < stack.memory.context_area + stack.memory.context_bytes; page += Arch::page_size) {
      ok = ok && !mem::kernel_page_table().lookup(page).has_value();
    }
    thread.stack.reset();
  }
  const uint64_t free_after = mem::physical_memory_stats().free_frames;
  log::info("selftest {}: stacks released: unmapped {}, free frames {} -> {}, {} live", name,
            ok ? "yes" : "NO", g_free_frames_before, free_after, mem::kernel_stacks_live());
  return ok && free_after == g_free_frames_before && mem::kernel_stacks_live() == 0;
}

// --- switch: 1000 round trips through switch_probe ---
void ping_pong(uint64_t index) {
  TestThread& me = g_threads[index];
  me.initial_state_mask = Arch::initial_state_probe();
  for (uint64_t i = 0; i < round_trips; ++i) {
    me.switch_mask |=
        Arch::switch_probe(me.context, other(index).context, seed_step * (index + 1) + i);
    ++me.iterations;
  }
  // The first thread hands over once more so the second's last probe returns; the second,
  // done last, goes back to the boot context.
  me.done = true;
  Arch::switch_context(me.context, index == 0 ? other(index).context : Arch::boot_context());
  capos_panic("selftest switch: a finished thread was resumed", __FILE__, __LINE__);
}

// --- irqswitch: idle threads switched by the tick ---
void on_tick() {
  const uint64_t from = g_current;
  if (g_threads[1 - from].done) return;  // only the unfinished one runs on
  ++g_irq_switches;
  g_current = 1 - from;
  Arch::switch_context(g_threads[from].context, g_threads[1 - from].context);
}

void idle_loop(uint64_t index) {
  TestThread& me = g_threads[index];
  const uint64_t canary = seed_step ^ index;  // lives in this thread's frame across every switch
  uint64_t corrupted = 0;
  while (me.iterations < irq_iterations) {
    Arch::wait_for_interrupt();  // the tick may switch to the other thread inside it
    if (canary != (seed_step ^ index) || g_current != index) ++corrupted;
    ++me.iterations;
  }
  me.switch_mask = corrupted;
  me.done = true;
  while (!other(index).done) Arch::wait_for_interrupt();
  Arch::intercept_timer_ticks(nullptr);
  Arch::switch_context(me.context, Arch::boot_context());
  capos_panic("selftest irqswitch: a finished thread was resumed", __FILE__, __LINE__);
}

// --- stackguard ---
void overflow(uint64_t /*argument*/) {
  log::info("selftest stackguard: overflowing a pool kernel stack into its guard (expect #DF)");
  Arch::overflow_stack();
}

// --- bench_switch ---
constinit std::array<uint64_t, round_trips> g_samples{};

void bench_ping(uint64_t index) {
  TestThread& me = g_threads[index];
  if (index == 0) {
    for (uint64_t& sample : g_samples) {
      const uint64_t start = Arch::cycle_counter();
      Arch::switch_context(me.context, other(index).context);
      sample = Arch::cycle_counter() - start;
    }
    me.done = true;
    Arch::switch_context(me.context, Arch::boot_context());
  } else {
    for (;;) Arch::switch_context(me.context, other(index).context);
  }
  capos_panic("bench_switch: a finished thread was resumed", __FILE__, __LINE__);
}

// Cycles per switch (half a round trip), median and extremes of g_samples.
void report_samples(const char* what) {
  uint64_t low = UINT64_MAX;
  uint64_t high = 0;
  for (const uint64_t sample : g_samples) {
    low = sample < low ? sample : low;
    high = sample > high ? sample : high;
  }
  const uint64_t median = median_in_place(g_samples);
  log::info(
      "bench switch: {}: {} cycles per switch (median of {} round trips / 2; min {}, "
      "max {})",
      what, median / 2, g_samples.size(), low / 2, high / 2);
}

void run_bench(const Arch::PageTable& second_space, const char* what) {
  start_threads(&bench_ping, second_space);
  Arch::switch_context(Arch::boot_context(), g_threads[0].context);
  report_samples(what);
  static_cast<void>(release_threads("bench_switch"));
}

}  // namespace

void self_test_switch() {
  log::info(
      "selftest switch: 2 kernel threads on pool stacks, {} round trips, each checking its "
      "callee-saved registers, vector registers, MXCSR, FCW, FS base and DS/ES",
      round_trips);
  start_threads(&ping_pong, mem::kernel_page_table());
  Arch::switch_context(Arch::boot_context(), g_threads[0].context);
  bool ok = true;
  for (size_t i = 0; i < g_threads.size(); ++i) {
    const TestThread& thread = g_threads[i];
    log::info("selftest switch: thread {}: {} switches, lost state mask {}, initial-state mask {}",
              i, thread.iterations, log::Hex{thread.switch_mask},
              log::Hex{thread.initial_state_mask});
    ok = ok && thread.iterations == round_trips && thread.switch_mask == 0 &&
         thread.initial_state_mask == 0;
  }
  if (ok) log::info("selftest switch: every switch preserved both threads' state: ok");
  if (ok) log::info("selftest switch: each new thread started with a clean x87/SSE/AVX state: ok");
  ok = release_threads("switch") && ok;
  finish(ok, "switch");
}

void self_test_irq_switch() {
  log::info("selftest irqswitch: 2 idle kernel threads, every tick switches inside the interrupt");
  start_threads(&idle_loop, mem::kernel_page_table());
  g_irq_switches = 0;
  g_current = 0;
  Arch::intercept_timer_ticks(&on_tick);
  Arch::switch_context(Arch::boot_context(), g_threads[0].context);
  bool ok = true;
  for (size_t i = 0; i < g_threads.size(); ++i) {
    const TestThread& thread = g_threads[i];
    log::info("selftest irqswitch: thread {}: {} ticks waited, {} wrong resumptions", i,
              thread.iterations, thread.switch_mask);
    ok = ok && thread.iterations == irq_iterations && thread.switch_mask == 0;
  }
  log::info("selftest irqswitch: {} switches inside the tick handler", g_irq_switches);
  ok = ok && g_irq_switches >= irq_iterations;
  ok = release_threads("irqswitch") && ok;
  finish(ok, "irqswitch");
}

void self_test_stack_guard() {
  start_threads(&overflow, mem::kernel_page_table());
  Arch::switch_context(Arch::boot_context(), g_threads[0].context);
  log::info("selftest stackguard: the overflowing thread came back");
  finish(false, "stackguard");
}

void bench_switch() {
  log::info(
      "bench switch: 2 kernel threads, {} round trips each way (run under QEMU -icount "
      "shift=0: cycles = guest instructions)",
      round_trips);
  run_bench(mem::kernel_page_table(), "same address space");
  const Result<Arch::PageTable> space = Arch::PageTable::create_sharing_kernel_half(
      &mem::allocate_zeroed_frame, mem::kernel_page_table());
  KASSERT(space.has_value());
  run_bench(*space, "different address spaces (CR3 reload)");
  Arch::exit_emulator(ExitStatus::Pass);
}

}  // namespace capos::kernel
