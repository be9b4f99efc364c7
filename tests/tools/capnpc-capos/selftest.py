#!/usr/bin/env python3
"""Self-test of the generated-code drift check and of the generator's fail-closed rules.

  selftest.py --plugin PATH

Each case runs the real tools (tools/capnpc-capos/generate.py, the built plugin, capnp) and
requires the exact outcome: the drift check passes on an exact copy of lib/gen/ and fails,
naming the file, on a copy with one byte changed, a file missing, a stale generated file, and an
installed capnp whose version differs from the recorded one; two regenerations are
byte-identical and carry no absolute path; every fixture schema under fixtures/ is rejected
with the message its first line expects and leaves no output behind.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[3]
GENERATE = ROOT / "tools" / "capnpc-capos" / "generate.py"
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
SCHEMA_CAPNP = "/usr/include/capnp/schema.capnp"  # libcapnp-dev: the plugin protocol

failures = 0


def run(command: list[str]) -> tuple[int, str]:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def report(name: str, good: bool, output: str) -> None:
    global failures
    if good:
        print(f"selftest: {name}: ok")
    else:
        failures += 1
        print(f"selftest: {name}: FAILED\n{output}", file=sys.stderr)


def expect_check(name: str, plugin: str, gen_dir: pathlib.Path, passes: bool, expected: list[str],
                 capnp: str = "capnp") -> None:
    status, output = run([sys.executable, str(GENERATE), "check", "--plugin", plugin,
                          "--gen-dir", str(gen_dir), "--capnp", capnp])
    good = (status == 0) == passes and all(text in output for text in expected)
    report(name, good, f"exit {status}, expected {'pass' if passes else 'failure'} with "
                       f"{expected}; output:\n{output}")


def drift_cases(plugin: str, work: pathlib.Path) -> None:
    clean = work / "clean"
    shutil.copytree(ROOT / "lib" / "gen", clean)
    expect_check("exact copy passes", plugin, clean, True, ["generated files match"])

    mutated = work / "mutated"
    shutil.copytree(ROOT / "lib" / "gen", mutated)
    header = mutated / "capos.capnp.h"
    data = bytearray(header.read_bytes())
    position = data.index(b"STRUCT_SIZE{") + len(b"STRUCT_SIZE{")  # a digit of a struct size
    data[position] = ord("7") if data[position] != ord("7") else ord("6")
    header.write_bytes(bytes(data))
    expect_check("one changed byte fails naming the file", plugin, mutated, False,
                 [f"{header} differs from the regenerated output", "(regenerated)", "STRUCT_SIZE"])

    missing = work / "missing"
    shutil.copytree(ROOT / "lib" / "gen", missing)
    (missing / "capos.capnp.cpp").unlink()
    expect_check("missing file fails naming it", plugin, missing, False,
                 [f"{missing / 'capos.capnp.cpp'} is missing"])

    stale = work / "stale"
    shutil.copytree(ROOT / "lib" / "gen", stale)
    banner = (stale / "capos.capnp.h").read_text().splitlines()[0]
    (stale / "old.capnp.h").write_text(banner.replace("capos.capnp", "old.capnp") + "\n")
    expect_check("stale generated file fails naming it", plugin, stale, False,
                 [f"{stale / 'old.capnp.h'} is stale"])

    fake = work / "capnp-1.0.1"
    fake.write_text("#!/bin/sh\necho \"Cap'n Proto version 1.0.1\"\n")
    fake.chmod(0o755)
    expect_check("different capnp version fails", plugin, clean, False,
                 ["installed capnp 1.0.1 differs from", "recorded in"], capnp=str(fake))


def determinism_case(plugin: str, work: pathlib.Path) -> None:
    outputs = []
    for name in ("first", "second"):
        out = work / name
        status, output = run([sys.executable, str(GENERATE), "generate", "--plugin", plugin,
                              "--out", str(out)])
        if status != 0:
            report("regeneration is deterministic", False, output)
            return
        outputs.append({path.name: path.read_bytes() for path in sorted(out.iterdir())})
    leaked = [name for name, data in outputs[0].items()
              if str(ROOT).encode() in data or b"/tmp/" in data]
    report("regeneration is deterministic and path-free",
           outputs[0] == outputs[1] and len(outputs[0]) == 2 and not leaked,
           f"files {sorted(outputs[0])} vs {sorted(outputs[1])}; absolute paths in {leaked}")


def rejection_cases(plugin: str, work: pathlib.Path) -> None:
    plugin_path = pathlib.Path(plugin).resolve()
    for fixture in sorted(FIXTURES.glob("*.capnp")):
        first = fixture.read_text().splitlines()[0]
        if not first.startswith("# expect: "):
            continue  # an imported helper, not a case
        expected = first[len("# expect: "):]
        out = work / f"reject-{fixture.stem}"
        out.mkdir()
        status, output = run(["capnp", "compile", f"-o{plugin_path}:{out}",
                              str(fixture.relative_to(ROOT))])
        written = sorted(path.name for path in out.iterdir())
        report(f"rejects {fixture.name}", status != 0 and expected in output and not written,
               f"exit {status}, expected '{expected}', wrote {written}; output:\n{output}")

    # capnp itself never hands a plugin an absolute path, so forge requests (decode the real
    # one to text, edit it, encode it again) to prove the plugin's own checks fail closed.
    base = str((FIXTURES / "forge_base.capnp").relative_to(ROOT))
    request = subprocess.run(["capnp", "compile", "-o-", base], cwd=ROOT,
                             capture_output=True, check=True).stdout
    text = subprocess.run(["capnp", "decode", SCHEMA_CAPNP, "CodeGeneratorRequest"], cwd=ROOT,
                          input=request, capture_output=True, check=True).stdout.decode()
    forged = {
        "absolute schema path": (text.replace(f'filename = "{base}"',
                                              f'filename = "/home/dev/capos/{base}"'),
                                 "must be relative to the repository root"),
        "schema path with ..": (text.replace(f'filename = "{base}"', f'filename = "../capos/{base}"'),
                                "must be relative to the repository root"),
        "request without a capnp version": (
            re.sub(r"capnpVersion = \([^)]*\)", "capnpVersion = (major = 0, minor = 0, micro = 0)",
                   text), "did not report its version"),
    }
    for name, (forged_text, expected) in forged.items():
        if forged_text == text:
            report(f"rejects: {name}", False, "the forged edit did not apply")
            continue
        encoded = subprocess.run(["capnp", "encode", SCHEMA_CAPNP, "CodeGeneratorRequest"],
                                 cwd=ROOT, input=forged_text.encode(), capture_output=True,
                                 check=True).stdout
        out = work / f"forged-{len(list(work.iterdir()))}"
        out.mkdir()
        result = subprocess.run([str(plugin_path)], cwd=out, input=encoded, capture_output=True,
                                check=False)
        output = result.stderr.decode(errors="replace")
        written = sorted(path.name for path in out.iterdir())
        report(f"rejects: {name}", result.returncode != 0 and expected in output and not written,
               f"exit {result.returncode}, wrote {written}; output:\n{output}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plugin", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capnpc-capos-selftest-") as temporary:
        work = pathlib.Path(temporary)
        drift_cases(args.plugin, work)
        determinism_case(args.plugin, work)
        rejection_cases(args.plugin, work)
    if failures:
        print(f"selftest: {failures} case(s) failed", file=sys.stderr)
        return 1
    print("selftest: the drift check and the generator's rejections behave as required")
    return 0


if __name__ == "__main__":
    sys.exit(main())
