// kernel/main.cpp — kmain: the capOS boot (docs/design.md "Kernel bring-up", phases 1 and 2).
//
// boot.S enters here in 64-bit mode on the kernel stack, with early RWX page tables. kmain:
//   console -> descriptor tables -> boot information (validated) -> command line ->
//   physical memory (FrameBitmap) -> the kernel's own page tables (W^X, direct map) ->
//   NX/WP/SMEP/SMAP (read back) -> user x87/SSE/AVX -> interrupts, calibrated clock and tick
//   (before any process shares the kernel half: F-020) -> [self-test] -> summary ->
//   SYSCALL/user-mode setup ->
//   the boot manifest (validated) -> init in user mode (kernel/proc/init_process.h).
// Any unacceptable input or CPU ends the boot with a message and the FAIL exit code; init's
// exit ends it with PASS (exit code 0) or FAIL (kernel/proc/syscall.h).
#include <cstdint>
#include <span>

#include "kernel/arch/current.h"
#include "kernel/boot/boot_info.h"
#include "kernel/boot/command_line.h"
#include "kernel/lib/fatal.h"
#include "kernel/lib/log.h"
#include "kernel/lib/text.h"
#include "kernel/mem/direct_map.h"
#include "kernel/mem/kernel_address_space.h"
#include "kernel/mem/physical_memory.h"
#include "kernel/proc/init_process.h"
#include "kernel/selftest/selftest.h"
#include "lib/core/bytes.h"
#include "lib/core/checked.h"
#include "lib/core/error.h"

namespace capos::kernel {

namespace {

// Larger than any boot information GRUB builds for capOS (a few KiB); a bigger claim is bogus.
constexpr uint32_t max_boot_info_size = 1U << 20;
constexpr uint64_t kib = 1024;
constexpr uint64_t mib = kib * 1024;

constinit boot::BootInfo g_boot_info{};

const boot::BootInfo& load_boot_info(uint64_t physical) {
  constexpr uint64_t header_size = 8;
  if (physical == 0 || physical % 8 != 0) fail_boot("boot", "boot information is misaligned");
  if (!range_within(physical, header_size, Arch::early_direct_map_limit)) {
    fail_boot("boot", "boot information is outside the early direct map");
  }
  const ByteView header = mem::physical_bytes(physical, header_size);
  const uint32_t total_size = load_le<uint32_t>(header, 0).value_or(0);
  if (total_size > max_boot_info_size ||
      !range_within(physical, total_size, Arch::early_direct_map_limit)) {
    fail_boot("boot", "boot information total_size is implausible");
  }
  const Result<void, boot::BootInfoError> parsed =
      boot::parse_multiboot2(mem::physical_bytes(physical, total_size), g_boot_info);
  if (!parsed) fail_boot("multiboot2 information rejected", boot::describe(parsed.error()));
  return g_boot_info;
}

boot::BootOptions load_options(const boot::BootInfo& info) {
  const Result<boot::BootOptions, boot::CommandLineError> options =
      boot::parse_command_line(info.command_line);
  if (!options) {
    log::info("boot: command line word \"{}\": {}", options.error().word,
              boot::describe(options.error().kind));
    fail_boot("boot", "command line rejected");
  }
  return *options;
}

// The module named "manifest" (mkiso.py's grub.cfg); exactly one is required.
const boot::BootModule& find_manifest_module(const boot::BootInfo& info) {
  const boot::BootModule* manifest = nullptr;
  for (const boot::BootModule& module : info.modules()) {
    log::info("boot: module \"{}\": {} bytes", module.name, module.size());
    if (!equals(module.name, "manifest")) continue;
    if (manifest != nullptr) fail_boot("boot", "more than one manifest module");
    manifest = &module;
  }
  if (manifest == nullptr) fail_boot("boot", "no manifest module (grub.cfg: module2 ... manifest)");
  log::info("boot: manifest module present ({} bytes)", manifest->size());
  return *manifest;
}

void init_memory(const boot::BootInfo& info, uint64_t boot_info_physical) {
  const PhysicalRange image = Arch::kernel_image();
  const mem::BootReservations reservations{
      .kernel_image = image,
      .boot_info = {boot_info_physical, boot_info_physical + info.total_size},
      .modules = info.modules(),
  };
  const Result<void, mem::MemoryInitError> memory =
      mem::init_physical_memory(info.memory_map, reservations);
  if (!memory) fail_boot("physical memory", mem::describe(memory.error()));
  const mem::MemoryStats stats = mem::physical_memory_stats();
  log::info("memory: {} usable frames ({} MiB) of {} tracked; {} free after boot reservations",
            stats.usable_frames, stats.usable_frames * Arch::page_size / mib, stats.frame_count,
            stats.free_frames);
  log::debug("memory: frame bitmap {} bytes", stats.bitmap_bytes);

  for (const KernelSection& section : Arch::kernel_sections()) {
    log::debug("paging: {} [{}, {}) phys {}", section.name, log::Hex{section.virtual_start},
               log::Hex{section.virtual_end}, log::Hex{section.physical_start});
  }
  const Result<mem::AddressSpaceStats> space = mem::activate_kernel_address_space(info.memory_map);
  if (!space) fail_boot("paging", error_name(space.error()));
  log::info(
      "paging: kernel page tables active: text R-X, rodata R--, data/bss/stacks RW- (NX), "
      "stack guard pages unmapped, {} kernel pages",
      space->kernel_pages);
  log::info("paging: direct map RW- (NX) of {} MiB RAM ({} large pages); user half empty",
            space->direct_map_bytes / mib, space->direct_map_large);
}

void enable_protections() {
  const Result<ProtectionState, MissingFeature> state = Arch::enable_protections();
  if (!state) {
    fail_boot("cpu", state.error() == MissingFeature::Smep
                         ? "the CPU lacks SMEP (CPUID.(EAX=7,ECX=0):EBX[7]); capOS requires it"
                         : "the CPU lacks SMAP (CPUID.(EAX=7,ECX=0):EBX[20]); capOS requires it");
  }
  // Each line reflects the register as read back after the write.
  if (!state->no_execute) fail_boot("cpu", "EFER.NXE reads back clear");
  log::info("NX enabled");
  if (!state->write_protect) fail_boot("cpu", "CR0.WP reads back clear");
  log::info("WP enabled");
  if (!state->smep) fail_boot("cpu", "CR4.SMEP reads back clear");
  log::info("SMEP enabled");
  if (!state->smap) fail_boot("cpu", "CR4.SMAP reads back clear");
  log::info("SMAP enabled");
}

const char* describe(ExtendedStateError error) {
  switch (error) {
    case ExtendedStateError::NoFxsr: return "the CPU lacks FXSAVE/FXRSTOR (CPUID.01H:EDX[24])";
    case ExtendedStateError::NoSse2: return "the CPU lacks SSE2 (CPUID.01H:EDX[26])";
    case ExtendedStateError::SaveAreaTooLarge: return "the XSAVE area exceeds one page";
  }
  return "unknown extended-state error";
}

const char* describe(InterruptInitError error) {
  switch (error) {
    case InterruptInitError::NoLocalApic: return "the CPU has no local APIC (CPUID.01H:EDX[9])";
    case InterruptInitError::X2ApicLeftEnabled:
      return "the firmware left the local APIC in x2APIC mode (xAPIC MMIO unavailable)";
    case InterruptInitError::NoClockCounter: return "the CPU has no TSC (CPUID.01H:EDX[4])";
    case InterruptInitError::CalibrationFailed:
      return "timer calibration failed (the PIT window never ended or a counter did not move)";
    case InterruptInitError::MapFailed: return "cannot map the local APIC registers";
  }
  return "unknown interrupt-controller error";
}

// User x87/SSE/AVX (per-thread state, eager switching), then interrupts and the tick.
void init_extended_state_and_timer() {
  const Result<ExtendedStateInfo, ExtendedStateError> state = Arch::extended_state_init();
  if (!state) fail_boot("cpu", describe(state.error()));
  log::info(
      "fpu: user x87/SSE{} enabled with {}, save area {} bytes per thread, switched eagerly{}",
      (state->enabled_components & 4) != 0 ? "/AVX" : "",
      state->format == ExtendedStateFormat::Xsave ? "XSAVE" : "FXSAVE", state->save_area_bytes,
      state->clears_x87_pointers ? " (x87 pointers cleared before each restore: AMD)" : "");
  const Result<TimerCalibration, InterruptInitError> timer =
      Arch::interrupts_init(mem::kernel_page_table());
  if (!timer) fail_boot("interrupts", describe(timer.error()));
  log::info("interrupts: 8259 PICs remapped and masked, local APIC enabled (xAPIC)");
  log::info(
      "timer: calibrated against the PIT ({} of {} windows of {} us, uncertainty <= {} ppm): "
      "clock {} Hz (spread {} ppm{}), tick source {} Hz (spread {} ppm)",
      timer->runs, timer->attempts, timer->window_us, timer->uncertainty_ppm, timer->clock_hz,
      timer->clock_spread_ppm, timer->invariant_clock ? ", invariant" : ", not invariant",
      timer->timer_hz, timer->timer_spread_ppm);
  log::info("timer: periodic tick {} Hz (reload {}); the kernel runs with interrupts off",
            timer->tick_hz, timer->timer_period_count);
}

void report_summary() {
  const mem::MemoryStats stats = mem::physical_memory_stats();
  const PhysicalRange image = Arch::kernel_image();
  log::info("summary: memory {} frames usable, {} free; kernel image {} KiB", stats.usable_frames,
            stats.free_frames, (image.end - image.start) / kib);
  log::info("capOS: kernel ready; starting init");
}

}  // namespace

}  // namespace capos::kernel

extern "C" [[noreturn]] void kmain(uint64_t boot_info_physical) {
  using namespace capos::kernel;  // NOLINT(google-build-using-namespace): the entry point only
  Arch::console_init();
  log::info("capOS kernel starting");
  Arch::cpu_init();
  log::info("cpu: GDT, TSS (IST stacks for #DF, NMI, #MC) and IDT (32 exception vectors) loaded");

  const boot::BootInfo& info = load_boot_info(boot_info_physical);
  const boot::BootOptions options = load_options(info);
  log::set_level(options.verbosity == boot::LogVerbosity::Debug ? log::Level::Debug
                                                                : log::Level::Info);
  log::info("boot: loader \"{}\", command line \"{}\", {} memory map entries, {} modules",
            info.loader_name, info.command_line, info.memory_map.size(), info.modules().size());
  const boot::BootModule& manifest = find_manifest_module(info);

  init_memory(info, boot_info_physical);
  enable_protections();

  init_extended_state_and_timer();
  if (options.self_test != boot::SelfTest::None) run_self_test(options.self_test);
  Arch::user_mode_init();
  log::info(
      "syscall: SYSCALL/SYSRET enabled (FMASK clears IF TF DF AC NT IOPL); thread kernel "
      "stack {} KiB with guard page",
      Arch::thread_stack_size / kib);
  report_summary();
  // The module lies in available RAM reserved at boot (physical_memory.h), so the direct map
  // covers it and nothing else owns it: the kernel-owned bytes init is loaded from (F-007).
  start_init(mem::physical_bytes(manifest.start, manifest.size()));
}
