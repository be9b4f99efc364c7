#!/usr/bin/env python3
"""Freestanding include policy (STYLE.md "Freestanding rules"; SPEC §1 layout).

Checks every C++ file under lib/, kernel/ and user/ of ROOT (default: the repository):
  * system includes (<...>) must be in the freestanding allowlist;
  * project includes ("...") must respect the dependency direction: lib/ includes only lib/,
    user/ includes lib/ and user/, kernel/ includes lib/ and kernel/;
  * an #include whose name is not a literal <...> or "..." (a macro) is refused: the policy
    could not see what it includes;
  * the user-memory door (kernel/arch/user_access.h, kernel/arch/x86_64/user_access.h) may be
    included only by DOOR_INCLUDERS: kernel/mem/user_ptr.h, the door header itself and the
    kernel arch folder's translation units (its .cpp files; an arch header would carry the door
    to every includer) — target 10, F-023.
Host-only code lives in a folder named `host/` (e.g. lib/core/host/) and is exempt from the
allowlist — but only with --build DIR, and only if no translation unit of a boot image compiles
it or includes it (directly or through other headers; build_graph.py reads what the kernel and
the user programs are compiled from). Without --build nothing is exempt.
Prints one line per violation (path:line: message) and exits 1 if there is any.
Usage: check_headers.py [ROOT] [--build DIR]
"""
import argparse
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import build_graph  # noqa: E402  (tools/audit/build_graph.py)

ALLOWED_SYSTEM = {
    "cstdint", "cstddef", "type_traits", "concepts", "utility", "array", "span", "bit",
    "atomic", "optional", "new", "limits",
}
ALLOWED_PROJECT = {
    "lib": ("lib/",),
    "kernel": ("lib/", "kernel/"),
    "user": ("lib/", "user/"),
}
DOOR_HEADERS = ("kernel/arch/user_access.h", "kernel/arch/x86_64/user_access.h")
DOOR_INCLUDERS = ("kernel/mem/user_ptr.h", "kernel/arch/user_access.h")
DOOR_UNIT_DIR = "kernel/arch/x86_64/"
INCLUDE = re.compile(r'^\s*#\s*include(?:_next)?\s*([<"])([^>"]+)[>"]')
ANY_INCLUDE = re.compile(r"^\s*#\s*(?:include|include_next|import)\b")
SUFFIXES = {".h", ".hh", ".hpp", ".hxx", ".h++", ".inc", ".inl", ".ipp", ".tpp", ".def", ".cpp",
            ".cc", ".cxx", ".c++", ".cp", ".C", ".c", ".S", ".s"}


def door_includer(relative: str) -> bool:
    return relative in DOOR_INCLUDERS or (relative.startswith(DOOR_UNIT_DIR) and
                                          pathlib.PurePosixPath(relative).suffix in
                                          {".cpp", ".cc", ".S"})


def reached_by_boot_units(root: pathlib.Path, build: pathlib.Path) -> set[str]:
    """Repository paths compiled by a boot translation unit or included from one (the closure
    of its literal "..." includes, resolved against the including file's folder and ROOT)."""
    resolved_root = root.resolve()
    pending = []
    for unit in build_graph.boot_units(build):
        try:
            pending.append(unit["file"].relative_to(resolved_root).as_posix())
        except ValueError:
            continue
    reached = set()
    while pending:
        relative = pending.pop()
        if relative in reached:
            continue
        reached.add(relative)
        path = root / relative
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            match = INCLUDE.match(line)
            if not match or match.group(1) != '"':
                continue
            for candidate in (path.parent / match.group(2), root / match.group(2)):
                if candidate.is_file():
                    try:
                        pending.append(candidate.resolve().relative_to(resolved_root).as_posix())
                    except ValueError:
                        pass
                    break
    return reached


def check(root: pathlib.Path, build: pathlib.Path | None = None) -> list[str]:
    problems = []
    boot = reached_by_boot_units(root, build) if build else None
    for top, allowed_prefixes in ALLOWED_PROJECT.items():
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            relative = path.relative_to(root)
            posix = relative.as_posix()
            host_only = "host" in relative.parts and boot is not None and posix not in boot
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    if ANY_INCLUDE.match(line):
                        problems.append(f"{relative}:{number}: computed #include (not a literal "
                                        "<...> or \"...\"): the include policy cannot check it")
                    continue
                kind, name = match.groups()
                if kind == '"' and name in DOOR_HEADERS and not door_includer(posix):
                    problems.append(f'{relative}:{number}: "{name}" (the user-memory door) may '
                                    f"be included only by {', '.join(DOOR_INCLUDERS)} and "
                                    f"{DOOR_UNIT_DIR}*.cpp")
                if host_only:
                    continue
                if kind == "<" and name not in ALLOWED_SYSTEM:
                    problems.append(f"{relative}:{number}: <{name}> is not in the freestanding "
                                    f"allowlist ({', '.join(sorted(ALLOWED_SYSTEM))})")
                if kind == '"' and not name.startswith(allowed_prefixes):
                    problems.append(f'{relative}:{number}: "{name}": {top}/ may include only '
                                    f"{' and '.join(allowed_prefixes)} (dependency direction)")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?",
                        default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--build", help="build directory (exempts host/ files no boot image uses)")
    args = parser.parse_args(argv[1:])
    root = pathlib.Path(args.root)
    if not root.is_dir():
        print(f"check_headers: {root}: not a directory", file=sys.stderr)
        return 2
    try:
        problems = check(root, pathlib.Path(args.build) if args.build else None)
    except build_graph.BuildGraphError as error:
        print(f"check_headers: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_headers: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    print("check_headers: freestanding include policy holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
