// kernel/proc/image_loader.h — maps a validated user executable into a process's page table.
//
// Input is an ElfImage that lib/elf validated over kernel-owned bytes (the boot module, which
// no process can write: F-007). For each PT_LOAD the loader maps fresh zeroed frames over
// [page_start, page_end) with the segment's permission (R--, RW-, R-X; lib/elf already refused
// W+X and overlapping pages), and copies the file bytes in through the direct map; the rest
// stays zero (.bss). Then the user stack and the PT_TLS block (x86-64 TLS variant II). Every
// frame is charged to the process's FrameGrants quota.
//
// User layout above the segments (which end below USER_SEGMENT_LIMIT):
//   TLS_VADDR (0x7fff_8000_0000)  TLS block, then the 16-byte TCB whose first word points at
//                                 itself; the thread pointer (FS base) is the TCB's address;
//   [USER_STACK_TOP - 64 KiB, USER_STACK_TOP)   the stack; the page below stays unmapped;
//   CAPSET_VADDR, RING_VADDR      mapped by the caller.
// Failure leaves frames allocated and mapped: a process that cannot be loaded ends the boot in
// phase 2 (ProcessSpawner will need a rollback path).
#pragma once

#include <cstdint>

#include "kernel/arch/current.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/elf/elf_image.h"
#include "lib/mem/frame_ledger.h"

namespace capos::kernel {

inline constexpr uint64_t user_stack_bytes = uint64_t{64} * 1024;
inline constexpr uint64_t user_tls_vaddr = 0x0000'7fff'8000'0000;
inline constexpr uint64_t user_tcb_bytes = 16;

struct UserImage {
  uint64_t entry = 0;
  uint64_t stack_top = 0;       // 16-byte aligned
  uint64_t thread_pointer = 0;  // 0 when the image has no PT_TLS
  uint64_t frames = 0;          // frames mapped for segments, stack and TLS
};

// Maps a zeroed frame at `virtual_address` (user, `access`), charged to FrameGrants.
[[nodiscard]] Result<uint64_t> map_user_page(Arch::PageTable& table, FrameLedger& ledger,
                                             uint64_t virtual_address, PageAccess access);

// Copies `bytes` to user address `virtual_address` of `table` through the direct map (the pages
// must be mapped; the table need not be active). Not a user-memory access: the kernel writes
// frames it owns before the process runs.
[[nodiscard]] Result<void> fill_user_pages(const Arch::PageTable& table, uint64_t virtual_address,
                                           ByteView bytes);

[[nodiscard]] Result<UserImage> load_user_image(Arch::PageTable& table, FrameLedger& ledger,
                                                const elf::ElfImage& elf);

}  // namespace capos::kernel
