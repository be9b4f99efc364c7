#!/usr/bin/env python3
"""Freestanding include policy (STYLE.md "Freestanding rules"; SPEC §1 layout).

Checks every C++ file under lib/, kernel/ and user/ of ROOT (default: the repository):
  * system includes (<...>) must be in the freestanding allowlist;
  * project includes ("...") must respect the dependency direction: lib/ includes only lib/,
    user/ includes lib/ and user/, kernel/ includes lib/ and kernel/;
  * inside kernel/, the host-testable layers stay host-testable: kernel/cap/ (dispatch,
    invocation, transfer) includes only lib/ and kernel/cap/; kernel/object/ (one file per
    object type) only lib/, kernel/cap/ and kernel/object/ — so neither reaches kernel/arch/
    or kernel/proc/ (nor kernel/mem/, kernel/lib/), directly or through another header, since
    every layer they may include is itself closed the same way.
Host-only code lives in a folder named `host/` (e.g. lib/core/host/) and is exempt.
Prints one line per violation (path:line: message) and exits 1 if there is any.
"""
import pathlib
import re
import sys

ALLOWED_SYSTEM = {
    "cstdint", "cstddef", "type_traits", "concepts", "utility", "array", "span", "bit",
    "atomic", "optional", "new", "limits",
}
ALLOWED_PROJECT = {
    "lib": ("lib/",),
    "kernel": ("lib/", "kernel/"),
    "user": ("lib/", "user/"),
}
# Narrower rules for subtrees (the longest matching prefix wins over ALLOWED_PROJECT).
ALLOWED_SUBTREE = {
    "kernel/cap/": ("lib/", "kernel/cap/"),
    "kernel/object/": ("lib/", "kernel/cap/", "kernel/object/"),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".S", ".inc"}


def check(root: pathlib.Path) -> list[str]:
    problems = []
    for top, allowed_prefixes in ALLOWED_PROJECT.items():
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            relative = path.relative_to(root)
            if "host" in relative.parts:
                continue
            scope, allowed = top + "/", allowed_prefixes
            for subtree, narrower in ALLOWED_SUBTREE.items():
                if relative.as_posix().startswith(subtree):
                    scope, allowed = subtree, narrower
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                kind, name = match.groups()
                if kind == "<" and name not in ALLOWED_SYSTEM:
                    problems.append(f"{relative}:{number}: <{name}> is not in the freestanding "
                                    f"allowlist ({', '.join(sorted(ALLOWED_SYSTEM))})")
                if kind == '"' and not name.startswith(allowed):
                    reason = ("host-testable: no kernel/arch or kernel/proc"
                              if scope in ALLOWED_SUBTREE else "dependency direction")
                    problems.append(f'{relative}:{number}: "{name}": {scope} may include only '
                                    f"{' and '.join(allowed)} ({reason})")
    return problems


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    if not root.is_dir():
        print(f"check_headers: {root}: not a directory", file=sys.stderr)
        return 2
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_headers: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    print("check_headers: freestanding include policy holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
