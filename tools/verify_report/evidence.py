#!/usr/bin/env python3
"""Runs a test command after printing the evidence lines it stands for.

  evidence.py TARGET:PART:KIND[:SCOPE] ... -- COMMAND ARGS...

For ctest tests that are scripts or QEMU runs (their CMake definition names the parts they
show; C++ tests print the lines themselves, tools/verify_report/evidence.h). Prints each
`VERIFY-EVIDENCE target=T part=P kind=K [scope=S]` line, then replaces itself with COMMAND, so
the test's exit status and output are the command's: the dashboard counts the part only if the
test passed, and shows it red if it failed (tools/verify_report/README.md).
"""
import os
import re
import sys

SPEC = re.compile(r"^(\d+):([a-z0-9-]+):(proved|tested)(?::([A-Za-z0-9_.-]+))?$")


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("evidence.py: usage: evidence.py TARGET:PART:KIND[:SCOPE]... -- COMMAND...",
              file=sys.stderr)
        return 2
    split = argv.index("--")
    claims, command = argv[:split], argv[split + 1:]
    if not claims or not command:
        print("evidence.py: need at least one TARGET:PART:KIND and a command", file=sys.stderr)
        return 2
    for claim in claims:
        match = SPEC.match(claim)
        if not match:
            print(f"evidence.py: bad evidence {claim!r} (want TARGET:PART:proved|tested[:SCOPE])",
                  file=sys.stderr)
            return 2
        target, part, kind, scope = match.groups()
        print(f"VERIFY-EVIDENCE target={target} part={part} kind={kind}"
              + (f" scope={scope}" if scope else ""), flush=True)
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"evidence.py: cannot run {command[0]}: {error}", file=sys.stderr)
        return 127
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
