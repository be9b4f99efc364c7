// kernel/proc/init_process.h — from the boot manifest to init running in user mode (SPEC §7).
//
//   1. decode_and_validate (lib/manifest) over the manifest module, into static storage (a
//      Manifest is ~94 KiB: never on a kernel stack). A rejected manifest prints its precise
//      diagnostic (`manifest: rejected: <path>: <message>`) and ends the boot with FAIL before
//      any process exists.
//   2. parse_executable (lib/elf) over init's embedded bytes, still inside the kernel-owned
//      module (F-007); a rejected ELF ends the boot the same way.
//   3. a process table sharing the kernel half; the ring page (user RW at RING_VADDR, the
//      kernel using its direct-map alias); the image, stack and TLS (image_loader.h); init's
//      caps — "console", "boot_package", "capability_manager" — and its read-only CapSet page.
//   4. enter user mode at the ELF entry with rdi = RING_VADDR, rsi = pid, rdx = CAPSET_VADDR.
#pragma once

#include "lib/core/bytes.h"

namespace capos::kernel {

[[noreturn]] void start_init(ByteView manifest_module);

}  // namespace capos::kernel
