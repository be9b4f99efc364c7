#!/usr/bin/env python3
"""Build the boot ISO twice from the same inputs and require byte-identical results.

    check_iso_reproducible.py --kernel kernel.elf --module manifest.bin --date D [--iso built.iso]

With --iso, the build's own ISO must be identical to both fresh ones too. Each build runs
kernel/iso/mkiso.py (grub-mkrescue with fixed dates) in its own temporary directory.
"""
import argparse
import hashlib
import pathlib
import subprocess
import sys
import tempfile

MKISO = pathlib.Path(__file__).resolve().parents[2] / "kernel" / "iso" / "mkiso.py"


def build(args: argparse.Namespace, output: pathlib.Path) -> str:
    argv = [sys.executable, str(MKISO), "--kernel", str(args.kernel), "--module", str(args.module),
            "--output", str(output), "--date", args.date]
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        raise SystemExit(f"check_iso_reproducible: mkiso failed (exit {result.returncode})")
    return hashlib.sha256(output.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", required=True, type=pathlib.Path)
    parser.add_argument("--module", required=True, type=pathlib.Path)
    parser.add_argument("--date", required=True)
    parser.add_argument("--iso", type=pathlib.Path)
    args = parser.parse_args()
    digests = {}
    with tempfile.TemporaryDirectory(prefix="capos-repro-") as first, \
            tempfile.TemporaryDirectory(prefix="capos-repro-") as second:
        digests["first build"] = build(args, pathlib.Path(first) / "capos.iso")
        digests["second build"] = build(args, pathlib.Path(second) / "capos.iso")
    if args.iso is not None:
        digests[str(args.iso)] = hashlib.sha256(args.iso.read_bytes()).hexdigest()
    for name, digest in digests.items():
        print(f"check_iso_reproducible: {digest}  {name}")
    if len(set(digests.values())) != 1:
        print("check_iso_reproducible: FAIL: the ISOs differ")
        return 1
    print("check_iso_reproducible: ok: byte-identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
