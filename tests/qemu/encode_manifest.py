#!/usr/bin/env python3
"""Encode a SystemManifest written in Cap'n Proto text form into the binary boot module.

    encode_manifest.py --capnp capnp --schema schema/capos.capnp INPUT.txt OUTPUT.bin

For manifests mkmanifest refuses to write (tests of the kernel's own rejection). Runs
`capnp encode` from an argv list (no shell), input on stdin, output written atomically.
"""
import argparse
import os
import pathlib
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capnp", default="capnp")
    parser.add_argument("--schema", required=True, type=pathlib.Path)
    parser.add_argument("input", type=pathlib.Path)
    parser.add_argument("output", type=pathlib.Path)
    args = parser.parse_args()
    with args.input.open("rb") as source:
        result = subprocess.run([args.capnp, "encode", str(args.schema), "SystemManifest"],
                                stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                check=False)
    if result.returncode != 0 or not result.stdout:
        sys.stderr.write(result.stderr.decode(errors="replace"))
        raise SystemExit(f"encode_manifest: capnp encode failed (exit {result.returncode})")
    temporary = args.output.with_name(f".{args.output.name}.tmp")
    temporary.write_bytes(result.stdout)
    os.replace(temporary, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
