#!/usr/bin/env python3
"""Freestanding include policy (STYLE.md "Freestanding rules"; SPEC §1 layout).

Checks every C++ file under lib/, kernel/ and user/ of ROOT (default: the repository):
  * system includes (<...>) must be in the freestanding allowlist;
  * project includes ("...") must respect the dependency direction: lib/ includes only lib/,
    user/ includes lib/ and user/, kernel/ includes lib/ and kernel/.
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
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                kind, name = match.groups()
                if kind == "<" and name not in ALLOWED_SYSTEM:
                    problems.append(f"{relative}:{number}: <{name}> is not in the freestanding "
                                    f"allowlist ({', '.join(sorted(ALLOWED_SYSTEM))})")
                if kind == '"' and not name.startswith(allowed_prefixes):
                    problems.append(f'{relative}:{number}: "{name}": {top}/ may include only '
                                    f"{' and '.join(allowed_prefixes)} (dependency direction)")
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
