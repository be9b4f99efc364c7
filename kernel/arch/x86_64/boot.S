// kernel/arch/x86_64/boot.S — Multiboot2 header and the path from GRUB's 32-bit protected mode
// to kmain in 64-bit long mode in the higher half.
//
// Machine state on entry (Multiboot2 spec §3.3, i386): EAX = 0x36d76289, EBX = physical address
// of the boot information, 32-bit protected mode with flat segments, paging off, interrupts off,
// no usable stack, GDTR/IDTR not valid for us.
//
// What this file does, in order:
//   1. check the Multiboot2 magic and the CPU (long mode, NX, PAE); on failure print a message on
//      COM1 and leave through isa-debug-exit with the FAIL code (never a silent triple fault);
//   2. build early page tables (in .boot.bss) that map physical [0, 4 GiB) three times with
//      2 MiB pages: identity (to survive enabling paging), at DIRECT_MAP_BASE (so kmain can read
//      the boot information and build its own tables) and, for [0, 2 GiB), at KERNEL_VIRT_OFFSET
//      (the kernel image). All RWX: kmain replaces them with per-section permissions at once;
//   3. enable PAE, EFER.LME + EFER.NXE, paging; load a 64-bit GDT; far-jump to 64-bit code;
//   4. jump to the higher half, zero .bss, switch to the kernel stack, call kmain(mbi_phys).
//
// SAFETY: runs once, before any C++ code, with interrupts off (cli). It writes only memory it
// owns — its .boot.bss page tables (zeroed first), the kernel .bss it zeroes and the kernel
// stack — and never dereferences the boot information, only passes its physical address to
// kmain, which validates it. Every failed check exits through isa-debug-exit instead of running on.
#include "kernel/arch/x86_64/asm_constants.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define PAGE_PRESENT 0x1
#define PAGE_WRITABLE 0x2
#define PAGE_LARGE 0x80
#define COM1_LSR (COM1_PORT + 5)
#define LSR_TX_EMPTY 0x20
#define CPUID_EXT_LONG_MODE (1 << 29)
#define CPUID_EXT_NX (1 << 20)
#define CPUID_PAE (1 << 6)
#define BOOT_CODE64 0x08
#define BOOT_DATA64 0x10

// ---------------------------------------------------------------------------------------------
// Multiboot2 header (spec §3.1): within the first 32 KiB of the file, 8-byte aligned.
    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    // checksum: magic + architecture + header_length + checksum == 0 (mod 2^32)
    .long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    // Module alignment tag (type 6): modules must be page-aligned (the frame bitmap reserves
    // whole frames; GRUB aligns them anyway).
    .balign 8
    .short 6, 0
    .long 8
    // End tag.
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

// ---------------------------------------------------------------------------------------------
// Early page tables and a tiny stack, in low memory (physical == virtual until paging is on).
    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_tables_start:
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096      // PML4[0] (identity) and PML4[256] (direct map)
boot_pdpt_high: .skip 4096      // PML4[511]: entries 510, 511 -> the first two PDs
boot_pd:        .skip 4 * 4096  // 2048 x 2 MiB = physical [0, 4 GiB)
boot_tables_end:
boot_stack32:   .skip 4096
boot_stack32_top:

// ---------------------------------------------------------------------------------------------
    .section .boot.rodata, "a"
    .balign 8
boot_gdt:
    .quad 0                     // null
    .quad 0x00af9a000000ffff    // 0x08: 64-bit code, DPL 0 (L=1, D=0)
    .quad 0x00cf92000000ffff    // 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

msg_not_multiboot:
    .asciz "capOS: boot failed: not started by a Multiboot2 loader (bad magic in EAX)\r\n"
msg_no_long_mode:
    .asciz "capOS: boot failed: CPU lacks long mode (CPUID.80000001h:EDX[29])\r\n"
msg_no_nx:
    .asciz "capOS: boot failed: CPU lacks NX (CPUID.80000001h:EDX[20]); capOS requires it\r\n"
msg_no_pae:
    .asciz "capOS: boot failed: CPU lacks PAE (CPUID.01h:EDX[6])\r\n"

// ---------------------------------------------------------------------------------------------
    .section .boot.text, "ax"
    .code32
    .globl capos_entry32
capos_entry32:
    cli
    cld
    movl $boot_stack32_top, %esp
    cmpl $MULTIBOOT2_BOOTLOADER_MAGIC, %eax
    jne .Lnot_multiboot
    movl %ebx, %edi                     // boot information (physical); kept in EDI to kmain

    // CPU checks. CPUID clobbers EAX, EBX, ECX, EDX only.
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb .Lno_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $CPUID_EXT_LONG_MODE, %edx
    jz .Lno_long_mode
    testl $CPUID_EXT_NX, %edx           // setting EFER.NXE without NX support would #GP
    jz .Lno_nx
    movl $1, %eax
    cpuid
    testl $CPUID_PAE, %edx
    jz .Lno_pae

    // Zero the tables (GRUB zeroes NOBITS memory too, but this must not depend on it).
    movl %edi, %esi
    movl $boot_tables_start, %edi
    movl $((boot_tables_end - boot_tables_start) / 4), %ecx
    xorl %eax, %eax
    rep stosl
    movl %esi, %edi

    movl $(boot_pdpt_low + PAGE_PRESENT + PAGE_WRITABLE), boot_pml4
    movl $(boot_pdpt_low + PAGE_PRESENT + PAGE_WRITABLE), boot_pml4 + 256 * 8
    movl $(boot_pdpt_high + PAGE_PRESENT + PAGE_WRITABLE), boot_pml4 + 511 * 8
    movl $(boot_pd + 0 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_low + 0 * 8
    movl $(boot_pd + 1 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_low + 1 * 8
    movl $(boot_pd + 2 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_low + 2 * 8
    movl $(boot_pd + 3 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_low + 3 * 8
    movl $(boot_pd + 0 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_high + 510 * 8
    movl $(boot_pd + 1 * 4096 + PAGE_PRESENT + PAGE_WRITABLE), boot_pdpt_high + 511 * 8

    // boot_pd[i] = (i << 21) | LARGE | WRITABLE | PRESENT for i in [0, 2048).
    xorl %ecx, %ecx
.Lfill_pd:
    movl %ecx, %eax
    shll $21, %eax
    orl $(PAGE_PRESENT + PAGE_WRITABLE + PAGE_LARGE), %eax
    movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jne .Lfill_pd

    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0                     // long mode active (compatibility mode until the jump)

    lgdt boot_gdt_pointer
    ljmp $BOOT_CODE64, $.Lentry64

.Lnot_multiboot:
    movl $msg_not_multiboot, %esi
    jmp .Lfail32
.Lno_long_mode:
    movl $msg_no_long_mode, %esi
    jmp .Lfail32
.Lno_nx:
    movl $msg_no_nx, %esi
    jmp .Lfail32
.Lno_pae:
    movl $msg_no_pae, %esi
    // fall through

// Prints the NUL-terminated string at ESI on COM1 (polled), then exits through isa-debug-exit
// with the FAIL code; halts forever where that device does not exist.
.Lfail32:
    movw $COM1_LSR, %dx
.Lwait_tx:
    inb %dx, %al
    testb $LSR_TX_EMPTY, %al
    jz .Lwait_tx
    movb (%esi), %al
    testb %al, %al
    jz .Lexit32
    movw $COM1_PORT, %dx
    outb %al, %dx
    incl %esi
    jmp .Lfail32
.Lexit32:
    movw $DEBUG_EXIT_PORT, %dx
    movl $DEBUG_EXIT_FAIL, %eax
    outl %eax, %dx
.Lhalt32:
    cli
    hlt
    jmp .Lhalt32

    .code64
.Lentry64:
    movw $BOOT_DATA64, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $capos_entry64_high, %rax
    jmp *%rax

// ---------------------------------------------------------------------------------------------
// Higher half. The upper 32 bits of every GPR are undefined after the switch from 32-bit code
// (Intel SDM Vol. 1 §3.4.1.1), so the boot information address is zero-extended from EDI.
    .section .text.capos_entry, "ax"
    .globl capos_entry64_high
capos_entry64_high:
    movl %edi, %r12d                    // writing a 32-bit register clears bits 63:32
    leaq capos_bss_start(%rip), %rdi
    leaq capos_bss_end(%rip), %rcx
    subq %rdi, %rcx
    shrq $3, %rcx                       // linker.ld keeps .bss 8-aligned at both ends
    xorl %eax, %eax
    rep stosq
    leaq capos_boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp                     // terminates frame-pointer walks
    movq %r12, %rdi
    call kmain
    ud2                                 // kmain never returns
