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
    (.S files: one `SAFETY:` comment per file). A labelled heading `SAFETY (port I/O):` also
    counts, so one block comment can cover the first site after it (later sites in the block
    say `SAFETY: see ...`);
  * asm and reinterpret_cast appear only in an arch directory (ARCH_DIRS: the kernel's
    kernel/arch/x86_64/ and the user runtime's user/rt/arch/x86_64/) or in files listed in
    tools/audit/unsafe_allowlist.txt, one path and its reason per line;
  * the counts equal the checked-in snapshot docs/unsafe-surface.txt.
The clang pass caches each translation unit's sites in DIR/unsafe-surface-cache.json, keyed by
its command and the content of every file clang read for it (repository files by SHA-256,
system headers and the compiler by size and mtime), so an unchanged unit is not re-analysed.

Usage:
  unsafe_surface.py check  --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py update --build DIR [--root R] [--snapshot FILE]
  unsafe_surface.py check  --no-compiler --root R --snapshot FILE   (self-test fixtures)
Exit 0 when clean, 1 with one line per problem otherwise, 2 on usage errors.
"""
import argparse
import collections
import hashlib
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SCANNED_TOPS = ("lib", "kernel", "user")
CXX_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".inc"}
ASM_SUFFIXES = {".S", ".s"}
CATEGORIES = ("asm", "reinterpret_cast", "pointer_arith", "volatile", "user_access", "builtin")
# The only places for inline asm, .S files and reinterpret_cast (STYLE.md "Layout"): the
# kernel's arch layer and the user runtime's arch layer (syscall stubs, _start, mem*).
ARCH_DIRS = ("kernel/arch/x86_64/", "user/rt/arch/x86_64/")
SAFETY_WINDOW = 6
SAFETY_MARK = re.compile(r"\bSAFETY(?: \([^)]*\))?:")

PATTERNS = {
    "asm": re.compile(r"\b(?:asm|__asm__)\s*(?:volatile\s*|__volatile__\s*)?(?:goto\s*)?\("),
    "reinterpret_cast": re.compile(r"\breinterpret_cast\s*<"),
    "volatile": re.compile(r"\bvolatile\b"),
    # A window is opened by declaring a UserAccessWindow variable (RAII stac ... clac).
    "user_access": re.compile(r"\bUserAccessWindow\s+\w+\s*[;{(]"),
    "builtin": re.compile(r"\b__builtin_\w+"),
}
# Per-translation-unit results of the clang pass, in the build directory: a unit is re-analysed
# only when its command or a file it includes changed (a full pass is ~15 s of CPU per core).
CACHE_NAME = "unsafe-surface-cache.json"
TOOL_DIGEST = hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest()
UNSAFE_BUFFER = re.compile(
    r"^(.*?):(\d+):\d+: warning: .*\[-Wunsafe-buffer-usage(?:-in-container)?\]")


def strip_strings_and_comments(line: str) -> str:
    """Removes string/char literals and // comments so keywords inside them are not counted."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def has_safety(lines: list[str], index: int) -> bool:
    return any(SAFETY_MARK.search(candidate)
               for candidate in lines[max(0, index - SAFETY_WINDOW): index + 1])


def trusted_files(root: pathlib.Path) -> list[pathlib.Path]:
    files = []
    for top in SCANNED_TOPS:
        base = root / top
        if base.is_dir():
            files.extend(p for p in base.rglob("*")
                         if p.is_file() and p.suffix in CXX_SUFFIXES | ASM_SUFFIXES
                         and "host" not in p.relative_to(root).parts)
    return sorted(files)


def compiler_sites(root: pathlib.Path, build: pathlib.Path,
                   problems: list[str]) -> set[tuple[str, int]]:
    """(relative path, line) of every -Wunsafe-buffer-usage site in the trusted code.

    A translation unit clang cannot parse (e.g. generated headers not built yet) is a problem,
    never silently fewer sites."""
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

    cache_path = build / CACHE_NAME
    try:
        cache = json.loads(cache_path.read_text())
        if cache.get("tool") != TOOL_DIGEST:
            cache = {}
    except (OSError, ValueError):
        cache = {}
    cached_units = cache.get("units", {})
    digests: dict[str, str | None] = {}

    source_root = f"{root.resolve()}/"

    def digest(path: str) -> str | None:
        """Content hash of a repository file; size and mtime of a system file (the compiler and
        its headers change only with a package, which rewrites them)."""
        if path not in digests:
            try:
                if path.startswith(source_root):
                    digests[path] = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
                else:
                    status = pathlib.Path(path).stat()
                    digests[path] = f"{status.st_size}:{status.st_mtime_ns}"
            except OSError:
                digests[path] = None
        return digests[path]

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
        # Reuse the last result iff the command (compiler included) and the content of every
        # file clang read for it are unchanged.
        previous = cached_units.get(relative)
        if (previous and previous["command"] == command and previous["directory"] == directory
                and all(digest(path) == sha for path, sha in previous["inputs"].items())):
            return relative, None, {tuple(site) for site in previous["sites"]}, previous
        with tempfile.TemporaryDirectory() as scratch:
            depfile = pathlib.Path(scratch) / "unit.d"
            result = subprocess.run(command + ["-MD", "-MF", str(depfile)], cwd=directory,
                                    capture_output=True, text=True, check=False)
            inputs = parse_depfile(depfile, pathlib.Path(directory)) if depfile.is_file() else []
        if result.returncode != 0:
            errors = [l for l in result.stderr.splitlines() if ": error: " in l] or ["(no message)"]
            return relative, errors[0], set(), None
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
        compiler = str(pathlib.Path(shutil.which(command[0]) or command[0]).resolve())
        record = {"command": command, "directory": directory, "sites": sorted(found),
                  "inputs": {path: digest(path) for path in [compiler, *inputs]}}
        return relative, None, found, record

    sites: set[tuple[str, int]] = set()
    units = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for relative, error, found, record in pool.map(analyse, sorted(chosen.items())):
            if error:
                problems.append(f"{relative}: clang could not analyse it (build first?): {error}")
            elif record:
                units[relative] = record
            sites |= found
    try:
        scratch = cache_path.with_name(f"{CACHE_NAME}.{os.getpid()}")
        scratch.write_text(json.dumps({"tool": TOOL_DIGEST, "units": units}))
        os.replace(scratch, cache_path)
    except OSError:
        pass  # a read-only build directory only costs the next run its speed
    return {site for site in sites if site[0].startswith(tuple(f"{t}/" for t in SCANNED_TOPS))}


def parse_depfile(depfile: pathlib.Path, directory: pathlib.Path) -> list[str]:
    """The prerequisites of a Make-style depfile, as absolute paths."""
    text = depfile.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(": ")
    paths = re.split(r"(?<!\\)\s+", prerequisites.strip())
    return sorted({str((directory / path.replace("\\ ", " ")).resolve()) for path in paths if path})


ALLOWLIST = "tools/audit/unsafe_allowlist.txt"


def read_allowlist(root: pathlib.Path, problems: list[str]) -> set[str]:
    """Paths allowed asm/reinterpret_cast outside the arch dirs: `path  reason`, # comments."""
    path = root / ALLOWLIST
    allowed = set()
    if path.is_file():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(None, 1)
            if len(fields) < 2:
                problems.append(f"{ALLOWLIST}:{number}: {fields[0]} has no reason")
            allowed.add(fields[0])
    return allowed


def audit(root: pathlib.Path, build: pathlib.Path | None):
    counts: dict[str, collections.Counter] = {}
    problems: list[str] = []
    allowed = read_allowlist(root, problems)
    needed = set()
    pointer_sites = compiler_sites(root, build, problems) if build else set()
    for path in trusted_files(root):
        relative = path.relative_to(root).as_posix()
        lines = path.read_text(errors="replace").splitlines()
        counter = collections.Counter()
        if path.suffix in ASM_SUFFIXES:
            instructions = [l for l in lines
                            if l.strip() and not l.strip().startswith(("#", "//", "/*", "*", "."))
                            and not l.strip().endswith(":")]
            counter["asm"] = len(instructions)
            if instructions and not any(SAFETY_MARK.search(l) for l in lines):
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
        in_arch = relative.startswith(ARCH_DIRS)
        for category in ("asm", "reinterpret_cast"):
            if counter[category] and not in_arch:
                needed.add(relative)
            if counter[category] and not in_arch and relative not in allowed:
                problems.append(f"{relative}: {category} outside {' and '.join(ARCH_DIRS)} "
                                f"and not in {ALLOWLIST}")
        if sum(counter.values()):
            counts[relative] = counter
    for path in sorted(allowed - needed):
        problems.append(f"{ALLOWLIST}: {path} has no asm or reinterpret_cast outside the arch "
                        "directories any more: remove its entry")
    return counts, problems


def render(counts: dict[str, collections.Counter]) -> str:
    lines = ["# Unsafe-surface snapshot: per-file counts of the constructs that need a SAFETY:",
             "# comment (docs/REVIEW.md \"Unsafe code\"). Written by tools/audit/unsafe_surface.py,",
             "# checked by ctest gate.unsafe_surface. After reviewing a change, regenerate it with",
             "#   make unsafe-surface-update",
             "# (= python3 tools/audit/unsafe_surface.py update --build build/asan).",
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
    snapshot = (pathlib.Path(args.snapshot) if args.snapshot
                else root / "docs" / "unsafe-surface.txt")
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
