// kernel/arch/x86_64/asm_constants.h — constants shared by the .S files and C++ code.
//
// Plain #defines only (no C++), so the assembler can include this file too. C++ code wraps each
// one in a typed constexpr (layout.h, gdt.h, debug_exit.cpp) next to static_asserts.
#pragma once

// Physical load address of the kernel image (1 MiB). linker.ld hard-codes the same value and
// asserts it.
#define KERNEL_PHYS_BASE 0x100000
// The kernel image runs at KERNEL_VIRT_OFFSET + physical address (top 2 GiB, -mcmodel=kernel).
#define KERNEL_VIRT_OFFSET 0xffffffff80000000
// Base of the direct map of physical memory (PML4 slot 256, the start of the kernel half).
#define DIRECT_MAP_BASE 0xffff800000000000

// GDT selectors (gdt.h explains the order, which SYSCALL/SYSRET dictate).
#define KERNEL_CODE_SELECTOR 0x08
#define KERNEL_DATA_SELECTOR 0x10
#define USER_DATA_SELECTOR 0x23  // 0x20 | RPL 3
#define USER_CODE_SELECTOR 0x2b  // 0x28 | RPL 3

// RFLAGS of a thread entering user mode for the first time: IF, and bit 1 (always 1).
#define USER_INITIAL_RFLAGS 0x202

// Multiboot2: the value the loader leaves in EAX (Multiboot2 spec §3.3).
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289

// QEMU isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=0x04): writing v exits QEMU
// with status (v << 1) | 1. PASS 0x10 -> 33, FAIL 0x11 -> 35 (docs/design.md "Exit codes").
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

// COM1 (the test oracle).
#define COM1_PORT 0x3f8

// Control-register and MSR bits used by the 32-bit entry code (Intel SDM Vol. 3A §2.5, §2.2.1).
#define CR0_PE 0x1
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800
