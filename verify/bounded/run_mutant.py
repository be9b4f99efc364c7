#!/usr/bin/env python3
"""Runs one textual mutant's prover and passes only if the mutant is killed.

  run_mutant.py --name NAME (--expect REGEX | --equivalent) -- PROVER ARGS...

Killed means: the prover exits with its failure status 1 (not a crash, a signal or a sanitizer
report, which are infrastructure failures, not a property violated) and prints a violation line
(VIOLATED / REFUTED / MISMATCH, verify/bounded/report.h) that matches REGEX, i.e. the property
the mutant breaks was the one reported. Prints `CAUGHT mutant NAME: <line>` or `MISSED mutant
NAME: <why>` (the form the dashboard counts), then the prover's output indented by
`  mutant| ` (a mutant's run shows nothing about the shipped code: the dashboard must count
none of its evidence lines, states or violations).

--equivalent: the mutation is documented as not changing behaviour (mutants.py EQUIVALENT);
passes only if the prover passes (status 0), printing `EQUIVALENT mutant NAME: ...`, and fails
with `KILLED equivalent mutant NAME: ...` otherwise (the equivalence argument is wrong).
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
    verdict = parser.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--expect", help="regex a violation line must match")
    verdict.add_argument("--equivalent", action="store_true",
                         help="the mutant must survive (the prover must pass)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no prover command given")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"MISSED mutant {args.name}: the prover did not run to an end ({error})")
        return 1
    # A mutant's run says nothing about the shipped code: its output is indented, so the
    # dashboard counts neither its evidence lines nor its states, claims or violations.
    output = "".join(f"  mutant| {line}\n" for line in (done.stdout + done.stderr).splitlines())
    violations = [line for line in done.stdout.splitlines() if VIOLATION.match(line)]
    if args.equivalent:
        if done.returncode == 0 and not violations:
            print(f"EQUIVALENT mutant {args.name}: the prover passed, as the equivalence "
                  "argument says")
            print(output, end="")
            return 0
        why = violations[0] if violations else f"the prover ended with status {done.returncode}"
        print(f"KILLED equivalent mutant {args.name}: {why} (the equivalence argument is wrong)")
        print(output, end="")
        return 1
    expect = re.compile(args.expect)
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
