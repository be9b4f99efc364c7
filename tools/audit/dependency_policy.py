#!/usr/bin/env python3
"""Dependency policy check (seed Track S.10; issue: hygiene and review tier).

Fails (exit 1, one line per problem) when:
  * a package in deps.lock is not installed at exactly its pinned version (drift);
  * a package in deps.lock has no row in docs/trusted-build-inputs.md, or the row's version
    differs from the lock, or the row has no rationale;
  * docs/trusted-build-inputs.md lists a package that deps.lock does not pin;
  * deps.lock is malformed or lists a package twice.
Usage: dependency_policy.py [--root DIR] [--installed FILE]
  --installed FILE reads "package version" lines instead of asking dpkg (used by the self-test).
"""
import argparse
import pathlib
import re
import subprocess
import sys

LOCK_LINE = re.compile(r"^([a-z0-9][a-z0-9.+-]*)=([A-Za-z0-9.+:~-]+)$")
ROW = re.compile(r"^\|\s*([a-z0-9][a-z0-9.+-]*)\s*\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    parser.add_argument("--installed")
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
    for problem in problems:
        print(f"dependency-policy: {problem}", file=sys.stderr)
    if problems:
        print(f"dependency-policy: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"dependency-policy: {len(pins)} packages pinned, installed at their versions, "
          "each with a rationale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
