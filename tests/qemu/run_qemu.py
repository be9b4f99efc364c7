#!/usr/bin/env python3
"""Boot a capOS ISO under QEMU (TCG) and check the serial log and the exit status.

    run_qemu.py --iso capos.iso --exit pass --expect 'SMEP enabled' --expect 'boot complete'
    run_qemu.py --kernel kernel.elf --module manifest.bin --cmdline capos.selftest=smap \
                --exit fail --expect 'vector 14 #PF'

With --kernel/--module an ISO with that command line is built first (kernel/iso/mkiso.py) in a
temporary directory. QEMU runs with -no-reboot and isa-debug-exit at 0xf4, so the guest ends the
run by writing PASS (0x10 -> status 33) or FAIL (0x11 -> status 35); a triple fault exits 0 and
is always a failure. Each --expect is a regular expression that must match the serial log after
the previous one matched (in order). A wall-clock limit (--timeout) kills a hung guest.

On any mismatch the whole captured log is printed with the reason, and the exit status is 1.
--stream echoes the serial output while it runs (make run). No shell is involved anywhere.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time

EXIT_CODES = {"pass": 33, "fail": 35}
MKISO = pathlib.Path(__file__).resolve().parents[2] / "kernel" / "iso" / "mkiso.py"


def qemu_argv(args: argparse.Namespace, iso: pathlib.Path) -> list[str]:
    return [
        args.qemu, "-accel", "tcg", "-cpu", args.cpu, "-m", args.memory,
        "-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot", "-nic", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-cdrom", str(iso), "-boot", "d",
    ] + (["-icount", f"shift={args.icount}"] if args.icount is not None else [])


def build_iso(args: argparse.Namespace, directory: pathlib.Path) -> pathlib.Path:
    iso = directory / "capos-test.iso"
    argv = [sys.executable, str(MKISO), "--kernel", str(args.kernel), "--module",
            str(args.module), "--output", str(iso), "--cmdline", args.cmdline]
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        raise SystemExit(f"run_qemu: building the test ISO failed (exit {result.returncode})")
    return iso


def boot(argv: list[str], timeout: float, stream: bool) -> tuple[int | None, str, float]:
    """Runs QEMU; returns (exit status or None on timeout, captured output, seconds)."""
    started = time.monotonic()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    chunks: list[bytes] = []

    def reader() -> None:
        assert process.stdout is not None
        while True:
            chunk = process.stdout.read1(4096)
            if not chunk:
                break
            chunks.append(chunk)
            if stream:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        status: int | None = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        status = None
    thread.join(timeout=5)
    elapsed = time.monotonic() - started
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r", "")
    return status, text, elapsed


def check(log: str, status: int | None, expected_status: int,
          patterns: list[str], forbidden: list[str]) -> list[str]:
    problems = []
    if status is None:
        problems.append("timed out (guest hung; killed)")
    elif status != expected_status:
        meaning = {0: " (0 = triple fault or QEMU error)", 33: " (PASS)", 35: " (FAIL)"}
        problems.append(f"exit status {status}{meaning.get(status, '')}, "
                        f"expected {expected_status}")
    position = 0
    for pattern in patterns:
        match = re.compile(pattern, re.MULTILINE).search(log, position)
        if match is None:
            problems.append(f"expected line not found (in order): {pattern!r}")
            break
        position = match.end()
    for pattern in forbidden:
        if re.search(pattern, log, re.MULTILINE):
            problems.append(f"forbidden pattern present: {pattern!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--iso", type=pathlib.Path)
    source.add_argument("--kernel", type=pathlib.Path)
    parser.add_argument("--module", type=pathlib.Path)
    parser.add_argument("--cmdline", default="")
    parser.add_argument("--exit", choices=sorted(EXIT_CODES), required=True,
                        help="expected guest verdict (pass = status 33, fail = status 35)")
    parser.add_argument("--expect", action="append", default=[],
                        help="regex the log must match, in order (repeatable)")
    parser.add_argument("--forbid", action="append", default=[],
                        help="regex the log must not match (repeatable)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--cpu", default="max")
    parser.add_argument("--memory", default="128M")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--icount", type=int, default=None, metavar="SHIFT",
                        help="-icount shift=SHIFT: guest time counts instructions "
                             "(benchmarks: rdtsc deltas = instructions at shift 0)")
    parser.add_argument("--stream", action="store_true", help="echo the serial log live")
    args = parser.parse_args()
    if args.kernel is not None and args.module is None:
        parser.error("--kernel needs --module")

    with tempfile.TemporaryDirectory(prefix="capos-qemu-") as temporary:
        iso = args.iso if args.iso is not None else build_iso(args, pathlib.Path(temporary))
        if not iso.is_file():
            raise SystemExit(f"run_qemu: {iso}: no such ISO (build the capos_iso target)")
        status, log, elapsed = boot(qemu_argv(args, iso), args.timeout, args.stream)

    problems = check(log, status, EXIT_CODES[args.exit], args.expect, args.forbid)
    if problems:
        if not args.stream:
            print("----- serial log -----")
            print(log, end="" if log.endswith("\n") else "\n")
            print("----- end of serial log -----")
        for problem in problems:
            print(f"run_qemu: FAIL: {problem}")
        return 1
    print(f"run_qemu: ok: exit status {status} ({args.exit}), {len(args.expect)} expected "
          f"line(s) in order, {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
