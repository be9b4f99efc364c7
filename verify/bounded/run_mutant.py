#!/usr/bin/env python3
"""Runs one textual mutant's prover and passes only if the mutant is killed.

  run_mutant.py --name NAME --expect REGEX -- PROVER ARGS...

Killed means: the prover exits with its failure status 1 (not a crash, a signal or a sanitizer
report, which are infrastructure failures, not a property violated) and prints a violation line
(VIOLATED / REFUTED / MISMATCH, verify/bounded/report.h) that matches REGEX, i.e. the property
the mutant breaks was the one reported. Prints `CAUGHT mutant NAME: <line>` or `MISSED mutant
NAME: <why>` (the form the dashboard counts) and the prover's output (with any evidence line
defused: a mutant's run shows nothing about the shipped code).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys

VIOLATION = re.compile(r"^(VIOLATED|REFUTED|MISMATCH) ")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--expect", required=True, help="regex a violation line must match")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no prover command given")
    expect = re.compile(args.expect)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"MISSED mutant {args.name}: the prover did not run to an end ({error})")
        return 1
    # A mutant's run is no evidence for the shipped code (the dashboard must not count it).
    output = re.sub(r"^VERIFY-EVIDENCE", "(mutant run, not evidence) VERIFY-EVIDENCE",
                    done.stdout + done.stderr, flags=re.M)
    violations = [line for line in done.stdout.splitlines() if VIOLATION.match(line)]
    matching = [line for line in violations if expect.search(line)]
    if done.returncode == 1 and matching:
        print(f"CAUGHT mutant {args.name}: {matching[0]}")
        print(output, end="")
        return 0
    if done.returncode == 0:
        why = "the prover passed (the mutant survived)"
    elif done.returncode != 1:
        why = f"the prover ended with status {done.returncode} (a crash, not a violation)"
    elif violations:
        why = f"no violation matches {args.expect!r}; first: {violations[0]}"
    else:
        why = "the prover failed without a violation line"
    print(f"MISSED mutant {args.name}: {why}")
    print(output, end="")
    return 1


if __name__ == "__main__":
    sys.exit(main())
