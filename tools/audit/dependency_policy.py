#!/usr/bin/env python3
"""Dependency policy check (seed Track S.10; issue: hygiene and review tier; F-024).

Fails (exit 1, one line per problem) when:
  * a package in deps.lock is not installed at exactly its pinned version (drift);
  * a package in deps.lock has no row in docs/trusted-build-inputs.md, or the row's version
    differs from the lock, or the row has no rationale;
  * docs/trusted-build-inputs.md lists a package that deps.lock does not pin;
  * deps.lock is malformed or lists a package twice;
and, with --build DIR, from what that configured build actually uses:
  * a file the build uses belongs to a Debian package that is neither pinned in deps.lock nor in
    the base-system allowlist tools/audit/base_system.txt;
  * a file the build uses belongs to no Debian package at all (a tool from pyenv, /usr/local,
    a home directory: not from apt);
  * a base_system.txt entry has no reason, or names a package that is not of Debian priority
    `required` (or Essential) — the allowlist is the Debian base system, nothing else.
"What the build uses" is, outside the checkout and the build directory: every file named by a
CMakeCache.txt entry (compilers, find_program/find_library/find_package results); every header
and input recorded in the Ninja dependency log (`ninja -t deps`: what the compilers read); every
program and absolute path of every build command (`ninja -t commands`), with `-l` libraries
resolved in the system library directories; and the programs and absolute paths of every test
command (`ctest --show-only=json-v1`). Each file's owner is asked of dpkg (`dpkg-query -S`, also
for its resolved path and its merged-/usr twin). Not seen: programs a script started by the
build or a test finds on PATH by itself.
Usage: dependency_policy.py [--root DIR] [--installed FILE] [--build DIR [--owners FILE]
                            [--priorities FILE]]
  --installed FILE   "package version" lines instead of asking dpkg (self-test)
  --owners FILE      "path package" lines instead of dpkg-query -S (self-test; "-": no package)
  --priorities FILE  "package priority essential" lines instead of dpkg-query -W (self-test)
"""
import argparse
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

LOCK_LINE = re.compile(r"^([a-z0-9][a-z0-9.+-]*)=([A-Za-z0-9.+:~-]+)$")
ROW = re.compile(r"^\|\s*([a-z0-9][a-z0-9.+-]*)\s*\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$")
BASE_SYSTEM = "tools/audit/base_system.txt"
CACHE_ENTRY = re.compile(r"^([^#/][^:=]*)(?::[A-Z]+)?=(.*)$")
LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib")
SHELL_SEPARATORS = {"&&", "||", ";", "|", "(", ")"}


def read_lock(path: pathlib.Path, problems: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = LOCK_LINE.match(line)
        if not match:
            problems.append(f"deps.lock:{number}: expected package=version, got {line!r}")
            continue
        name, version = match.groups()
        if name in pins:
            problems.append(f"deps.lock:{number}: {name} pinned twice")
        pins[name] = version
    return pins


def read_rationales(path: pathlib.Path) -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in path.read_text().splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "package":
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def installed_versions(names: list[str], installed_file: str | None) -> dict[str, str]:
    if installed_file:
        result = {}
        for line in pathlib.Path(installed_file).read_text().splitlines():
            if line.strip():
                name, version = line.split()
                result[name] = version
        return result
    result = {}
    for name in names:
        query = subprocess.run(
            ["dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", name],
            capture_output=True, text=True, check=False)
        if query.returncode == 0 and query.stdout.startswith("installed "):
            result[name] = query.stdout.split(" ", 1)[1]
    return result


# --- what the build uses -----------------------------------------------------------------------

class UsedFiles:
    """Absolute paths outside the checkout and the build, each with the first place it was seen."""

    def __init__(self, root: pathlib.Path, build: pathlib.Path, known: set[str]):
        self.excluded = (f"{root.resolve()}/", f"{build.resolve()}/")
        self.known = known  # paths the --owners fixture knows (they need not exist here)
        self.paths: dict[str, str] = {}

    def add(self, path: str, where: str) -> None:
        if not path.startswith("/") or path.startswith(self.excluded) or path in self.paths:
            return
        if path.startswith(("/proc/", "/dev/", "/tmp/", "/sys/")):
            return
        if path in self.known or os.path.isfile(path):
            self.paths[path] = where

    def add_program(self, name: str, where: str) -> None:
        if "/" in name:
            self.add(name, where)
        elif name and re.match(r"^[\w.+-]+$", name):
            found = shutil.which(name)
            if found:
                self.add(os.path.abspath(found), where)

    def add_command(self, command: str | list[str], where: str) -> None:
        try:
            words = shlex.split(command) if isinstance(command, str) else list(command)
        except ValueError:
            words = str(command).split()
        program_next = True
        for word in words:
            if word in SHELL_SEPARATORS:
                program_next = True
                continue
            if program_next:
                program_next = False
                if word in ("cd", "exec", "env", "true", ":"):
                    program_next = word in ("exec", "env")
                    continue
                if "=" in word and not word.startswith("/"):
                    program_next = True  # VAR=value before the program
                    continue
                self.add_program(word, where)
                continue
            if word.startswith("-l") and len(word) > 2 and "/" not in word:
                for directory in LIBRARY_DIRS:
                    for suffix in (".so", ".a"):
                        candidate = f"{directory}/lib{word[2:]}{suffix}"
                        if os.path.isfile(candidate):
                            self.add(candidate, where)
                            break
                    else:
                        continue
                    break
                continue
            for piece in re.split(r"[=,:]", word):  # -I/x, --flag=/path, a:b lists
                if piece.startswith("-I/") or piece.startswith("-L/"):
                    piece = piece[2:]
                if piece.startswith("/"):
                    self.add(piece, where)


def run(argv: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def used_files(root: pathlib.Path, build: pathlib.Path, known: set[str],
               problems: list[str]) -> dict[str, str]:
    used = UsedFiles(root, build, known)
    cache = build / "CMakeCache.txt"
    if not cache.is_file():
        raise FileNotFoundError(f"{cache}: missing (configure the build first)")
    for line in cache.read_text(errors="replace").splitlines():
        match = CACHE_ENTRY.match(line)
        if match:
            for value in match.group(2).split(";"):
                used.add(value.strip(), f"CMakeCache.txt {match.group(1)}")
    ninja = shutil.which("ninja")
    if ninja is None or not (build / "build.ninja").is_file():
        problems.append(f"{build}: no ninja or build.ninja: the build's commands cannot be read")
    else:
        deps = run([ninja, "-C", str(build), "-t", "deps"], build)
        target = ""
        for line in deps.stdout.splitlines():
            if line and not line.startswith(" "):
                target = line.split(":", 1)[0]
            elif line.strip():
                path = line.strip()
                full = path if path.startswith("/") else str((build / path).resolve())
                used.add(full, f"dependency of {target}")
        commands = run([ninja, "-C", str(build), "-t", "commands"], build)
        if commands.returncode != 0:
            problems.append(f"ninja -t commands: {commands.stderr.strip()}")
        for line in commands.stdout.splitlines():
            used.add_command(line, "a build command")
    ctest = shutil.which("ctest")
    if ctest and (build / "CTestTestfile.cmake").is_file():
        listing = run([ctest, "--show-only=json-v1"], build)
        try:
            tests = json.loads(listing.stdout).get("tests", []) if listing.stdout.strip() else []
        except ValueError:
            tests = []
            problems.append(f"ctest --show-only=json-v1 in {build}: not JSON")
        for test in tests:
            if test.get("command"):
                used.add_command(test["command"], f"test {test.get('name', '?')}")
    return used.paths


def owners_of(paths: list[str], owners_file: str | None) -> dict[str, set[str]]:
    """path -> owning packages (empty: no package owns it)."""
    if owners_file:
        table: dict[str, set[str]] = {}
        for line in pathlib.Path(owners_file).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                path, package = line.split()
                table.setdefault(path, set())
                if package != "-":
                    table[path].add(package)
        return {path: table.get(path, set()) for path in paths}

    def variants(path: str) -> list[str]:
        result = [path, os.path.realpath(path)]
        for candidate in list(result):
            for short, long in (("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/"),
                                ("/lib/", "/usr/lib/"), ("/lib64/", "/usr/lib64/")):
                if candidate.startswith(short):
                    result.append(long + candidate[len(short):])
                elif candidate.startswith(long):
                    result.append(short + candidate[len(long):])
        return list(dict.fromkeys(result))

    queries = sorted({variant for path in paths for variant in variants(path)})
    owned: dict[str, set[str]] = {}
    for start in range(0, len(queries), 200):
        chunk = queries[start:start + 200]
        result = subprocess.run(["dpkg-query", "-S", *chunk], capture_output=True, text=True,
                                check=False)
        for line in result.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            packages, _, path = line.partition(": ")
            owned.setdefault(path.strip(), set()).update(
                p.strip().split(":", 1)[0] for p in packages.split(","))
    return {path: set().union(*(owned.get(v, set()) for v in variants(path))) for path in paths}


def priorities_of(names: list[str], priorities_file: str | None) -> dict[str, tuple[str, str]]:
    if priorities_file:
        result = {}
        for line in pathlib.Path(priorities_file).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, priority, essential = line.split()
                result[name] = (priority, essential)
        return result
    result = {}
    for name in names:
        query = subprocess.run(["dpkg-query", "-W", "-f=${Priority} ${Essential}", name],
                               capture_output=True, text=True, check=False)
        if query.returncode == 0:
            priority, _, essential = query.stdout.partition(" ")
            result[name] = (priority, essential or "no")
    return result


def read_base_system(root: pathlib.Path, problems: list[str]) -> dict[str, str]:
    path = root / BASE_SYSTEM
    entries = {}
    if not path.is_file():
        problems.append(f"{BASE_SYSTEM}: missing (the base-system allowlist)")
        return entries
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 1)
        if len(fields) < 2:
            problems.append(f"{BASE_SYSTEM}:{number}: {fields[0]} has no reason")
        entries[fields[0]] = fields[1] if len(fields) > 1 else ""
    return entries


def check_build(root: pathlib.Path, build: pathlib.Path, pins: dict[str, str], args,
                problems: list[str]) -> int:
    base = read_base_system(root, problems)
    priorities = priorities_of(sorted(base), args.priorities)
    for name in sorted(base):
        if name not in priorities:
            problems.append(f"{BASE_SYSTEM}: {name} is not installed")
            continue
        priority, essential = priorities[name]
        if priority != "required" and essential != "yes":
            problems.append(f"{BASE_SYSTEM}: {name} is of priority {priority}, not the Debian base "
                            "system (required/Essential): pin it in deps.lock instead")
    known = set()
    if args.owners:
        known = {line.split()[0] for line in pathlib.Path(args.owners).read_text().splitlines()
                 if line.strip() and not line.startswith("#")}
    used = used_files(root, build, known, problems)
    owners = owners_of(sorted(used), args.owners)
    unpinned: dict[str, tuple[str, str]] = {}
    for path, packages in sorted(owners.items()):
        if not packages:
            problems.append(f"{path}: used by the build ({used[path]}) but installed by no Debian "
                            "package (not from apt)")
        for package in sorted(packages):
            if package not in pins and package not in base:
                unpinned.setdefault(package, (path, used[path]))
    for package, (path, where) in sorted(unpinned.items()):
        problems.append(f"{package}: owns {path}, used by the build ({where}), but is not pinned in "
                        f"deps.lock (nor Debian base system in {BASE_SYSTEM})")
    return len({p for packages in owners.values() for p in packages})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--installed")
    parser.add_argument("--build")
    parser.add_argument("--owners")
    parser.add_argument("--priorities")
    args = parser.parse_args()
    root = pathlib.Path(args.root)
    problems: list[str] = []
    pins = read_lock(root / "deps.lock", problems)
    rows = read_rationales(root / "docs" / "trusted-build-inputs.md")
    installed = installed_versions(sorted(pins), args.installed)
    for name, version in sorted(pins.items()):
        have = installed.get(name)
        if have is None:
            problems.append(f"{name}: pinned {version} but not installed (run scripts/bootstrap)")
        elif have != version:
            problems.append(f"{name}: pinned {version} but {have} is installed (drift)")
        row = rows.get(name)
        if row is None:
            problems.append(f"{name}: no rationale row in docs/trusted-build-inputs.md")
        else:
            if row[0] != version:
                problems.append(f"{name}: docs/trusted-build-inputs.md says {row[0]}, "
                                f"deps.lock pins {version}")
            if len(row[1]) < 10:
                problems.append(f"{name}: rationale in docs/trusted-build-inputs.md is missing")
    for name in sorted(set(rows) - set(pins)):
        problems.append(f"{name}: listed in docs/trusted-build-inputs.md but not pinned in deps.lock")
    used_packages = None
    if args.build:
        try:
            used_packages = check_build(root, pathlib.Path(args.build).resolve(), pins, args,
                                        problems)
        except FileNotFoundError as error:
            print(f"dependency-policy: {error}", file=sys.stderr)
            return 2
    for problem in problems:
        print(f"dependency-policy: {problem}", file=sys.stderr)
    if problems:
        print(f"dependency-policy: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    used = (f"; the build uses files of {used_packages} packages, each pinned or base system"
            if used_packages is not None else "")
    print(f"dependency-policy: {len(pins)} packages pinned, installed at their versions, "
          f"each with a rationale{used}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
