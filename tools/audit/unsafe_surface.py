#!/usr/bin/env python3
"""Unsafe-surface audit: the cargo-geiger analogue (seed Tier 1; SPEC §9; STYLE.md).

For every C++/assembly file of the trusted code (lib/, kernel/, user/) it counts:
  asm              inline asm statements (asm/__asm__) and instruction lines of .S files
  reinterpret_cast reinterpret_cast expressions
  pointer_arith    raw pointer arithmetic, raw-pointer subscripts and unchecked two-argument
                   span constructions, as reported by clang-19's -Wunsafe-buffer-usage on the
                   real compile commands (a compiler analysis, not a regex)
  volatile         volatile accesses/declarations
  user_access      user-memory access windows (UserAccessWindow, stac/clac helpers)
  builtin          __builtin_* escapes
and enforces:
  * every counted site carries a `SAFETY:` comment on its line or in the 6 lines above
    (.S files: one `SAFETY:` comment per file);
  * asm and reinterpret_cast appear only under kernel/arch/x86_64/ or in files listed in
    tools/audit/unsafe_allowlist.txt (each with a reason);
  * the counts equal the checked-in snapshot docs/unsafe-surface.txt.

Usage:
  unsafe_surface.py check  --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py update --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py check  --no-compiler --root R --snapshot FILE   (self-test fixtures)
Exit 0 when clean, 1 with one line per problem otherwise, 2 on usage errors.
"""
import argparse
import collections
import json
import pathlib
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SCANNED_TOPS = ("lib", "kernel", "user")
CXX_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".inc"}
ASM_SUFFIXES = {".S", ".s"}
CATEGORIES = ("asm", "reinterpret_cast", "pointer_arith", "volatile", "user_access", "builtin")
ARCH_DIR = "kernel/arch/x86_64/"
SAFETY_WINDOW = 6

PATTERNS = {
    "asm": re.compile(r"\b(?:asm|__asm__)\s*(?:volatile\s*|__volatile__\s*)?(?:goto\s*)?\("),
    "reinterpret_cast": re.compile(r"\breinterpret_cast\s*<"),
    "volatile": re.compile(r"\bvolatile\b"),
    # A window is opened by declaring a UserAccessWindow variable (RAII stac ... clac).
    "user_access": re.compile(r"\bUserAccessWindow\s+\w+\s*[;{(]"),
    "builtin": re.compile(r"\b__builtin_\w+"),
}
UNSAFE_BUFFER = re.compile(r"^(.*?):(\d+):\d+: warning: .*\[-Wunsafe-buffer-usage(?:-in-container)?\]")


def strip_strings_and_comments(line: str) -> str:
    """Removes string/char literals and // comments so keywords inside them are not counted."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def has_safety(lines: list[str], index: int) -> bool:
    for candidate in lines[max(0, index - SAFETY_WINDOW): index + 1]:
        if "SAFETY:" in candidate:
            return True
    return False


def trusted_files(root: pathlib.Path) -> list[pathlib.Path]:
    files = []
    for top in SCANNED_TOPS:
        base = root / top
        if base.is_dir():
            files.extend(p for p in base.rglob("*")
                         if p.is_file() and p.suffix in CXX_SUFFIXES | ASM_SUFFIXES
                         and "host" not in p.relative_to(root).parts)
    return sorted(files)


def compiler_sites(root: pathlib.Path, build: pathlib.Path) -> set[tuple[str, int]]:
    """(relative path, line) of every -Wunsafe-buffer-usage site in the trusted code."""
    database = build / "compile_commands.json"
    if not database.is_file():
        raise FileNotFoundError(f"{database}: missing (configure the build first)")
    entries = json.loads(database.read_text())
    chosen: dict[str, list[str]] = {}
    for entry in entries:
        source = pathlib.Path(entry["file"]).resolve()
        try:
            relative = source.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        if not relative.startswith(tuple(f"{t}/" for t in SCANNED_TOPS)):
            continue
        if pathlib.Path(relative).suffix not in CXX_SUFFIXES or "/host/" in relative:
            continue
        argv = entry.get("arguments") or shlex.split(entry["command"])
        # Prefer the freestanding flavour (what the kernel runs) when a file has two.
        if relative not in chosen or "-ffreestanding" in argv:
            chosen[relative] = (argv, entry["directory"])

    def analyse(item):
        relative, (argv, directory) = item
        command = [argv[0]]
        skip = False
        for argument in argv[1:]:
            if skip:
                skip = False
                continue
            if argument in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if argument in ("-c", "-MD", "-MMD") or argument.startswith("-fsanitize"):
                continue
            if argument.startswith("-W") and not argument.startswith("-Wl"):
                continue
            command.append(argument)
        command += ["-fsyntax-only", "-Wno-everything", "-Wunsafe-buffer-usage"]
        result = subprocess.run(command, cwd=directory, capture_output=True, text=True,
                                check=False)
        found = set()
        for line in result.stderr.splitlines():
            match = UNSAFE_BUFFER.match(line)
            if match:
                path = (pathlib.Path(directory) / match.group(1)).resolve()
                try:
                    found.add((path.relative_to(root.resolve()).as_posix(),
                               int(match.group(2))))
                except ValueError:
                    pass
        return found

    sites: set[tuple[str, int]] = set()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for found in pool.map(analyse, sorted(chosen.items())):
            sites |= found
    return {site for site in sites if site[0].startswith(tuple(f"{t}/" for t in SCANNED_TOPS))}


def read_allowlist(root: pathlib.Path) -> set[str]:
    path = root / "tools" / "audit" / "unsafe_allowlist.txt"
    allowed = set()
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.add(line.split()[0])
    return allowed


def audit(root: pathlib.Path, build: pathlib.Path | None):
    counts: dict[str, collections.Counter] = {}
    problems: list[str] = []
    allowed = read_allowlist(root)
    pointer_sites = compiler_sites(root, build) if build else set()
    for path in trusted_files(root):
        relative = path.relative_to(root).as_posix()
        lines = path.read_text(errors="replace").splitlines()
        counter = collections.Counter()
        if path.suffix in ASM_SUFFIXES:
            instructions = [l for l in lines
                            if l.strip() and not l.strip().startswith(("#", "//", "/*", "*", "."))
                            and not l.strip().endswith(":")]
            counter["asm"] = len(instructions)
            if instructions and not any("SAFETY:" in l for l in lines):
                problems.append(f"{relative}: assembly file without a SAFETY: comment")
        else:
            for index, raw in enumerate(lines):
                code = strip_strings_and_comments(raw)
                for category, pattern in PATTERNS.items():
                    hits = len(pattern.findall(code))
                    if not hits:
                        continue
                    counter[category] += hits
                    if not has_safety(lines, index):
                        problems.append(f"{relative}:{index + 1}: {category} without a "
                                        "SAFETY: comment")
            for site_path, line_number in sorted(pointer_sites):
                if site_path != relative:
                    continue
                counter["pointer_arith"] += 1
                if not has_safety(lines, line_number - 1):
                    problems.append(f"{relative}:{line_number}: pointer_arith without a "
                                    "SAFETY: comment")
        in_arch = relative.startswith(ARCH_DIR)
        for category in ("asm", "reinterpret_cast"):
            if counter[category] and not in_arch and relative not in allowed:
                problems.append(f"{relative}: {category} outside {ARCH_DIR} and not in "
                                "tools/audit/unsafe_allowlist.txt")
        if sum(counter.values()):
            counts[relative] = counter
    return counts, problems


def render(counts: dict[str, collections.Counter]) -> str:
    lines = ["# Unsafe-surface snapshot (tools/audit/unsafe_surface.py; make unsafe-surface-update).",
             "# path " + " ".join(CATEGORIES)]
    totals = collections.Counter()
    for path in sorted(counts):
        totals.update(counts[path])
        lines.append(f"{path} " + " ".join(f"{c}={counts[path][c]}" for c in CATEGORIES))
    lines.append("TOTAL " + " ".join(f"{c}={totals[c]}" for c in CATEGORIES))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="unsafe-surface audit")
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--build")
    parser.add_argument("--snapshot")
    parser.add_argument("--no-compiler", action="store_true",
                        help="skip the -Wunsafe-buffer-usage pass (fixture self-tests only)")
    args = parser.parse_args()
    root = pathlib.Path(args.root)
    if not args.no_compiler and not args.build:
        print("unsafe-surface: --build DIR is required (or --no-compiler)", file=sys.stderr)
        return 2
    snapshot = pathlib.Path(args.snapshot) if args.snapshot else root / "docs" / "unsafe-surface.txt"
    try:
        counts, problems = audit(root, None if args.no_compiler else pathlib.Path(args.build))
    except (FileNotFoundError, json.JSONDecodeError) as error:
        print(f"unsafe-surface: {error}", file=sys.stderr)
        return 2
    text = render(counts)
    if args.command == "update":
        snapshot.write_text(text)
        print(f"unsafe-surface: wrote {snapshot} ({len(counts)} files)")
    elif not snapshot.is_file():
        problems.append(f"{snapshot}: no snapshot (run make unsafe-surface-update)")
    elif snapshot.read_text() != text:
        old = dict(l.split(" ", 1) for l in snapshot.read_text().splitlines()
                   if l and not l.startswith("#"))
        new = dict(l.split(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
        for path in sorted(set(old) | set(new)):
            if old.get(path) != new.get(path):
                problems.append(f"snapshot drift: {path}: recorded {old.get(path, '(absent)')}, "
                                f"now {new.get(path, '(absent)')} — review, then "
                                "make unsafe-surface-update")
    for problem in problems:
        print(f"unsafe-surface: {problem}", file=sys.stderr)
    if problems:
        print(f"unsafe-surface: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    total = text.strip().splitlines()[-1]
    print(f"unsafe-surface: {len(counts)} files match the snapshot; {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
