#!/usr/bin/env python3
"""Build provenance (seed Track S.10; issue: hygiene and review tier).

  build_provenance.py write --build DIR [--output FILE]
      Records the exact tool versions and the SHA-256 of every boot input and generated file
      as sorted "key: value" lines (default output: DIR/provenance.txt).
  build_provenance.py compare BASE CANDIDATE
      Prints every key whose value differs (or exists on one side only); exit 1 if any does.

Never runs a shell; every external command is an explicit argv. Paths in the record are
relative to the repository or build directory, so two clean builds in different folders can be
compared.
"""
import argparse
import hashlib
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOLS = {
    "tool.clang": ["clang++-19", "--version"],
    "tool.lld": ["ld.lld-19", "--version"],
    "tool.capnp": ["capnp", "--version"],
    "tool.grub-mkrescue": ["grub-mkrescue", "--version"],
    "tool.xorriso": ["xorriso", "-version"],
    "tool.qemu": ["qemu-system-x86_64", "--version"],
    "tool.cmake": ["cmake", "--version"],
    "tool.ninja": ["ninja", "--version"],
}
# Source-side inputs of the boot image and of generated code (repository-relative globs).
SOURCE_INPUTS = ["deps.lock", "schema/*.capnp", "lib/gen/**/*", "system.json",
                 "kernel/**/*.ld", "kernel/iso/*"]
# Build outputs that end up in the boot image (build-directory-relative globs).
BUILD_OUTPUTS = ["kernel/capos.iso", "kernel/kernel.elf", "kernel/*.bin", "user/**/*.elf",
                 "**/manifest.bin"]


def first_line(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error.__class__.__name__})"
    text = (result.stdout or result.stderr).strip().splitlines()
    return text[0].strip() if text else f"no output (exit {result.returncode})"


def sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def collect(base: pathlib.Path, patterns: list[str], prefix: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in patterns:
        for path in sorted(base.glob(pattern)):
            if path.is_file() and not path.is_symlink():
                found[f"{prefix}{path.relative_to(base).as_posix()}"] = sha256(path)
    return found


def write(build: pathlib.Path, output: pathlib.Path) -> int:
    if not build.is_dir():
        print(f"build-provenance: {build}: no such build directory (run make build)",
              file=sys.stderr)
        return 2
    record = {key: first_line(argv) for key, argv in TOOLS.items()}
    record.update(collect(ROOT, SOURCE_INPUTS, "source."))
    record.update(collect(build, BUILD_OUTPUTS, "output."))
    if not any(key.startswith("output.") for key in record):
        print(f"build-provenance: {build}: no boot outputs found (run make iso first)",
              file=sys.stderr)
        return 2
    temporary = output.with_name(output.name + ".tmp")
    temporary.write_text("".join(f"{key}: {record[key]}\n" for key in sorted(record)))
    temporary.replace(output)
    print(f"build-provenance: wrote {len(record)} entries to {output}")
    return 0


def parse(path: pathlib.Path) -> dict[str, str]:
    entries = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        key, separator, value = line.partition(": ")
        if not separator:
            raise ValueError(f"{path}:{number}: expected 'key: value'")
        entries[key] = value
    return entries


def compare(base: pathlib.Path, candidate: pathlib.Path) -> int:
    try:
        left, right = parse(base), parse(candidate)
    except (OSError, ValueError) as error:
        print(f"build-provenance: {error}", file=sys.stderr)
        return 2
    differences = 0
    for key in sorted(set(left) | set(right)):
        if left.get(key) != right.get(key):
            differences += 1
            print(f"{key}:\n  base:      {left.get(key, '(absent)')}\n"
                  f"  candidate: {right.get(key, '(absent)')}")
    print(f"build-provenance: {differences} difference(s) in {len(set(left) | set(right))} keys")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description="build provenance record and comparison")
    sub = parser.add_subparsers(dest="command", required=True)
    writer = sub.add_parser("write")
    writer.add_argument("--build", required=True)
    writer.add_argument("--output")
    comparer = sub.add_parser("compare")
    comparer.add_argument("base")
    comparer.add_argument("candidate")
    args = parser.parse_args()
    if args.command == "write":
        build = pathlib.Path(args.build)
        output = pathlib.Path(args.output) if args.output else build / "provenance.txt"
        return write(build, output)
    return compare(pathlib.Path(args.base), pathlib.Path(args.candidate))


if __name__ == "__main__":
    sys.exit(main())
