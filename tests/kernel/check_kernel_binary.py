#!/usr/bin/env python3
"""Static checks of kernel.elf that the compiler and linker flags are meant to guarantee.

    check_kernel_binary.py KERNEL_ELF [--objdump llvm-objdump-19] [--readelf llvm-readelf-19]
    check_kernel_binary.py USER_ELF --user [...]
    check_kernel_binary.py --self-test

1. No x87/MMX/SSE/AVX instruction in .text outside FPU_SYMBOLS: the kernel keeps the user's
   x87/SSE/AVX registers live while it runs and saves them only in switch_context, so one such
   instruction in kernel code would corrupt (or leak) user state (docs/design.md "Freestanding
   flags", "Interrupts, time and context switch"). FPU_SYMBOLS are the hand-written assembly
   routines that exist to touch that state (the save/restore and the self-test probes); every
   instruction elsewhere, compiler output included, is scanned. .text holds every
   compiler-generated function and the .S files but boot.S's entry; the .boot section holds only
   boot.S's hand-written 32/64-bit entry and its data, which a 64-bit disassembly would misread,
   so it is not scanned. With --user (a user program: the normal x86-64 ABI, SSE allowed) this
   check is skipped and checks 2-4 still apply.
2. W^X at the segment level: no PT_LOAD segment is both writable and executable.
3. No dynamic linking (PT_INTERP, PT_DYNAMIC) and no constructor tables (.init_array, .ctors).
4. The entry point is below 4 GiB (GRUB jumps to it in 32-bit mode).

--self-test runs the instruction classifier over known-good and known-bad disassembly lines,
so a broken pattern cannot make the check pass vacuously. Exit status 1 on any finding.
"""
import argparse
import re
import subprocess
import sys

# Operands naming FPU/SIMD registers (AT&T syntax), and mnemonics that touch that state without
# naming such a register.
SIMD_REGISTER = re.compile(r"%(x|y|z)mm\d|%mm\d|%st\b|%st\(\d\)|%k[0-7]\b|%mxcsr")
FPU_MNEMONIC = re.compile(
    r"^(f[a-z0-9]*|emms|femms|ldmxcsr|stmxcsr|vldmxcsr|vstmxcsr|xsave\w*|xrstor\w*|"
    r"vzeroupper|vzeroall)$")


# The only kernel functions allowed FPU/SIMD instructions, each a hand-written routine whose job
# is that state (kernel/arch/x86_64/fpu.S, selftest_probes.S).
FPU_SYMBOLS = {
    "capos_fpu_save": "saves one thread's x87/SSE/AVX state (XSAVE/FXSAVE)",
    "capos_fpu_restore": "restores one thread's x87/SSE/AVX state (XRSTOR/FXRSTOR)",
    "capos_switch_probe": "self-test: loads and checks vector registers across a switch",
    "capos_initial_state_probe": "self-test: checks a new thread's clean vector state",
}
SYMBOL_LABEL = re.compile(r"^<([^>]+)>:$")


def classify(line: str) -> str | None:
    """Returns a reason if the disassembly line is an FPU/SIMD instruction, else None."""
    parts = line.strip().split(None, 1)
    if not parts:
        return None
    mnemonic = parts[0]
    operands = parts[1] if len(parts) > 1 else ""
    if FPU_MNEMONIC.match(mnemonic):
        return f"x87/SIMD-state mnemonic {mnemonic!r}"
    if SIMD_REGISTER.search(operands):
        return f"FPU/SIMD register operand in {line.strip()!r}"
    return None


def scan_text(disassembly: str) -> tuple[list[str], int]:
    """(problems, instruction count) for llvm-objdump -d --no-leading-addr output of .text."""
    problems = []
    instructions = 0
    symbol = None
    for line in disassembly.splitlines():
        label = SYMBOL_LABEL.match(line.strip())
        if label:
            symbol = label.group(1)
            continue
        if not line.startswith((" ", "\t")) or "\t" not in line:
            continue
        instruction = line.split("\t", 1)[1]
        instructions += 1
        reason = classify(instruction)
        if reason and symbol not in FPU_SYMBOLS:
            problems.append(f".text: {reason} in <{symbol}>")
    return problems, instructions


def self_test() -> int:
    good = ["movq\t%rax, %rbx", "rep\t\tmovsb\t(%rsi), %es:(%rdi)", "lfence", "callq\t0x10",
            "movq\t%rsp, %rbp", "stac", "clac"]
    bad = ["movaps\t%xmm0, (%rsp)", "fldt\t(%rax)", "fxsave\t(%rdi)", "vmovdqu\t%ymm1, %ymm2",
           "paddq\t%mm0, %mm1", "ldmxcsr\t(%rsp)", "fstp\t%st(1)", "kmovw\t%k1, %eax",
           "fwait", "cvtsi2sd\t%rax, %xmm0", "xsaveopt\t(%rdi)"]
    failures = [line for line in bad if classify(line) is None]
    failures += [line for line in good if classify(line) is not None]
    for line, expected in (("  LOAD 0x0 0x0 0x0 0x1 0x1 RWE 0x1000", True),
                           ("  LOAD 0x0 0x0 0x0 0x1 0x1 R E 0x1000", False),
                           ("  LOAD 0x0 0x0 0x0 0x1 0x1 RW  0x1000", False)):
        if writable_and_executable(line) != expected:
            failures.append(line)
    # The symbol allowlist: SIMD is accepted inside an allowed routine only.
    inside = "<capos_fpu_save>:\n               \txsave64\t(%rdi)\n"
    outside = "<switch_context>:\n               \txsave64\t(%rdi)\n"
    after = inside + "<next_function>:\n               \tmovaps\t%xmm0, (%rsp)\n"
    if scan_text(inside)[0]:
        failures.append("xsave64 inside capos_fpu_save was refused")
    if not scan_text(outside)[0]:
        failures.append("xsave64 inside switch_context was accepted")
    if len(scan_text(after)[0]) != 1:
        failures.append("the allowance leaked past the end of capos_fpu_save")
    for failure in failures:
        print(f"check_kernel_binary: self-test misclassified: {failure!r}")
    if failures:
        return 1
    print(f"check_kernel_binary: self-test ok ({len(bad)} bad, {len(good)} good lines)")
    return 0


def writable_and_executable(program_header_line: str) -> bool:
    """True for a readelf PT_LOAD line whose flags (between memsz and align) include W and E."""
    fields = program_header_line.split()
    if fields[:1] != ["LOAD"] or len(fields) < 8:
        return False
    flags = "".join(fields[6:-1])
    return "W" in flags and "E" in flags


def run(argv: list[str]) -> str:
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"check_kernel_binary: {' '.join(argv)} failed: {result.stderr}")
    return result.stdout


def check(elf: str, objdump: str, readelf: str, user: bool) -> list[str]:
    problems = []
    disassembly = run([objdump, "-d", "--no-show-raw-insn", "--no-leading-addr",
                       "--section=.text", elf])
    simd_problems, instructions = scan_text(disassembly)
    if not user:
        problems += simd_problems
    if instructions < 100:
        problems.append(f".text disassembly has only {instructions} instructions: scan is broken")

    headers = run([readelf, "--program-headers", "--sections", "--file-header", "--wide", elf])
    for line in headers.splitlines():
        fields = line.split()
        if writable_and_executable(line):
            problems.append(f"segment is writable and executable: {line.strip()}")
        if fields[:1] in (["INTERP"], ["DYNAMIC"]):
            problems.append(f"dynamic-linking segment present: {line.strip()}")
    for section in (".init_array", ".ctors", ".preinit_array", ".fini_array", ".dtors"):
        if re.search(rf"\s{re.escape(section)}\s", headers):
            problems.append(f"constructor/destructor table {section} present")
    entry = re.search(r"Entry point address:\s+0x([0-9a-fA-F]+)", headers)
    if entry is None or int(entry.group(1), 16) >= 1 << 32:
        problems.append("entry point missing or not below 4 GiB")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("elf", nargs="?")
    parser.add_argument("--objdump", default="llvm-objdump-19")
    parser.add_argument("--readelf", default="llvm-readelf-19")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--user", action="store_true",
                        help="a user program: FPU/SIMD instructions are the normal ABI")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.elf is None:
        parser.error("KERNEL_ELF is required")
    problems = check(args.elf, args.objdump, args.readelf, args.user)
    for problem in problems:
        print(f"check_kernel_binary: {problem}")
    if problems:
        print(f"check_kernel_binary: {len(problems)} problem(s) in {args.elf}")
        return 1
    simd = ("FPU/SIMD allowed (user ABI)" if args.user else
            f"no FPU/SIMD instructions in .text outside {len(FPU_SYMBOLS)} allowed routines")
    print(f"check_kernel_binary: {args.elf}: {simd}, W^X segments, "
          "no dynamic linking or constructor tables, entry below 4 GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
