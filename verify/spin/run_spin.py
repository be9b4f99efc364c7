#!/usr/bin/env python3
"""Runs SPIN on verify/spin/ring.pml: every configuration must verify with `errors: 0` and every
broken variant must be refuted (errors > 0). pan exits 0 even when it finds a violation, so the
verdict is read from its report (TOOLCHAIN.md). Prints states stored, transitions, depth
reached, time (spin -a, cc and pan together) and pan's search time per run.

usage: run_spin.py [--good | --broken] [--deep] [--only TEXT]
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
MODEL = HERE / "ring.pml"

# (name, -D defines, must verify?)
DEFAULT = [
    ("ring sq=1 cq=1 n=3", ["SQ=1", "CQ=1", "N=3", "BUDGET=1"], True),
    ("ring sq=2 cq=2 n=4", ["SQ=2", "CQ=2", "N=4", "BUDGET=2"], True),
    ("ring sq=2 cq=1 n=4", ["SQ=2", "CQ=1", "N=4", "BUDGET=2"], True),
    ("ring sq=4 cq=4 n=5", ["SQ=4", "CQ=4", "N=5", "BUDGET=4"], True),
    ("ring sq=2 cq=2 n=3 stray", ["SQ=2", "CQ=2", "N=3", "BUDGET=2", "STRAY"], True),
    ("broken: publish before write", ["SQ=2", "CQ=2", "N=3", "BROKEN_PUBLISH_FIRST"], False),
    ("broken: no full check", ["SQ=2", "CQ=2", "N=3", "BROKEN_NO_FULL_CHECK"], False),
    ("broken: no CQ reservation", ["SQ=2", "CQ=1", "N=3", "BROKEN_NO_RESERVATION"], False),
    ("broken: no sq bound check", ["SQ=2", "CQ=2", "N=3", "STRAY", "BROKEN_NO_BOUND_CHECK"],
     False),
]
DEEP = DEFAULT + [
    ("ring sq=8 cq=8 n=10", ["SQ=8", "CQ=8", "N=10", "BUDGET=8"], True),
    ("ring sq=8 cq=4 n=10", ["SQ=8", "CQ=4", "N=10", "BUDGET=8"], True),
    ("ring sq=4 cq=4 n=6 stray", ["SQ=4", "CQ=4", "N=6", "BUDGET=4", "STRAY"], True),
    # Both queues wrap their slots twice (17 SQEs through 8 slots); ~5 M states, ~0.5 GB.
    ("ring sq=8 cq=8 n=17", ["SQ=8", "CQ=8", "N=17", "BUDGET=8"], True),
    # A stray index and its repair at size 8; ~9 M states, ~0.8 GB, about a minute of search.
    ("ring sq=8 cq=8 n=10 stray", ["SQ=8", "CQ=8", "N=10", "BUDGET=8", "STRAY"], True),
]


def run(name, defines, must_verify, workdir):
    start = time.monotonic()
    flags = [f"-D{d}" for d in defines]
    subprocess.run(["spin", "-a", *flags, str(MODEL)], cwd=workdir, check=True,
                   capture_output=True, text=True)
    subprocess.run(["cc", "-O2", "-DSAFETY", "-DMEMLIM=4096", "-o", "pan", "pan.c"],
                   cwd=workdir, check=True, capture_output=True, text=True)
    result = subprocess.run(["./pan", "-m1000000"], cwd=workdir, capture_output=True, text=True)
    report = result.stdout + result.stderr
    errors = re.search(r"errors: (\d+)", report)
    stored = re.search(r"([\d.e+]+) states, stored", report)
    depth = re.search(r"depth reached (\d+)", report)
    pan_time = re.search(r"elapsed time ([\d.e+-]+) seconds", report)
    transitions = re.search(r"([\d.e+]+) transitions", report)
    elapsed = time.monotonic() - start
    if errors is None:
        print(f"{name}: pan produced no verdict\n{report}")
        return False
    count = int(errors.group(1))
    states = stored.group(1) if stored else "?"
    reached = depth.group(1) if depth else "?"
    steps = transitions.group(1) if transitions else "?"
    search = f"{float(pan_time.group(1)):.2f}" if pan_time else "?"
    truncated = "max search depth too small" in report
    if must_verify:
        ok = count == 0 and not truncated
        verdict = "verified (errors: 0)" if ok else f"FAILED (errors: {count})"
    else:
        ok = count > 0
        verdict = f"refuted as required (errors: {count})" if ok else "NOT refuted (errors: 0)"
    print(f"{name}: {states} states stored, {steps} transitions, depth {reached}, "
          f"{elapsed:.2f} s ({search} s search) -- {verdict}")
    if (must_verify and not ok) or truncated:
        print(report)
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deep", action="store_true", help="larger configurations too")
    parser.add_argument("--good", action="store_true", help="only the configurations that verify")
    parser.add_argument("--broken", action="store_true", help="only the broken variants")
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    if shutil.which("spin") is None:
        print("run_spin: spin is not installed (make deps)", file=sys.stderr)
        return 1
    ok = True
    with tempfile.TemporaryDirectory(prefix="capos-spin-") as workdir:
        for name, defines, must_verify in DEEP if args.deep else DEFAULT:
            if args.only is not None and args.only not in name:
                continue
            if (args.good and not must_verify) or (args.broken and must_verify):
                continue
            ok = run(name, defines, must_verify, workdir) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
