#!/usr/bin/env python3
"""Drives the capOS fuzz harnesses (fuzz/README.md): the ctest smoke, campaigns, corpus merges
and line coverage. Only runs binaries with explicit argument lists; never a shell.

  run.py smoke    --binary B --target T [--seconds S] --work DIR
  run.py campaign --binary B --target T --seconds S [--jobs N] --work DIR
  run.py merge    --binary B --target T --work DIR
  run.py coverage --build DIR [--campaigns DIR] [--targets T ...]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
DICTIONARIES = ROOT / "fuzz" / "dict"

TARGETS = ["elf_parse", "capnp_read", "capnp_differential", "manifest_decode",
           "manifest_roundtrip", "mkmanifest_json", "ring_dispatch", "ring_kernel_dispatch",
           "user_copy"]

# The code each target exists to test: what its line coverage is reported over.
COVERED = {
    "elf_parse": ["lib/elf"],
    "capnp_read": ["lib/capnp/message_reader.cpp", "lib/capnp/reader.cpp",
                   "lib/capnp/reader.h", "lib/capnp/message_reader.h"],
    "capnp_differential": ["lib/capnp/message_reader.cpp", "lib/capnp/reader.cpp",
                           "lib/capnp/reader.h", "lib/capnp/message_reader.h"],
    "manifest_decode": ["lib/manifest/decode.cpp", "lib/manifest/validate.cpp",
                        "lib/manifest/diagnostic.cpp", "lib/manifest/model.cpp"],
    "manifest_roundtrip": ["lib/manifest/decode.cpp", "tools/mkmanifest/encode.cpp"],
    "mkmanifest_json": ["tools/mkmanifest/json_input.cpp", "tools/mkmanifest/files.cpp",
                        "tools/mkmanifest/manifest_source.cpp", "tools/mkmanifest/encode.cpp",
                        "tools/mkmanifest/mkmanifest.cpp", "lib/manifest/validate.cpp"],
    "ring_dispatch": ["lib/ring/sqe.cpp", "lib/ring/kernel_ring.h", "lib/ring/user_ring.h"],
    "ring_kernel_dispatch": ["kernel/cap/ring_dispatch.h", "kernel/cap/ring_dispatch.cpp",
                             "kernel/cap/console.cpp", "kernel/cap/boot_package.cpp",
                             "kernel/cap/capability_manager.cpp", "kernel/cap/cap_object.cpp",
                             "kernel/mem/validate_user_buffer.h", "kernel/mem/user_ptr.h",
                             "kernel/proc/process_memory.h",
                             "kernel/arch/x86_64/basic_page_table.h"],
    "user_copy": ["kernel/arch/x86_64/basic_page_table.h", "kernel/mem/user_ptr.h",
                  "kernel/mem/validate_user_buffer.h", "kernel/proc/process_memory.h",
                  "lib/mem/user_range.h"],
}

# Options every run shares: a slow input is a finding (10 s), memory is bounded, inputs are
# bounded so structure matters more than size.
COMMON = ["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]
# Longest input per target: whole real ELF files (the kernel's is ~140 KiB), messages of a few
# KiB, programs of a few hundred operations.
MAX_LEN = {"elf_parse": 200000, "mkmanifest_json": 8192, "ring_dispatch": 4096,
           "ring_kernel_dispatch": 8192, "user_copy": 4096}


def engine_args(target):
    args = list(COMMON) + [f"-max_len={MAX_LEN.get(target, 16384)}"]
    dictionary = DICTIONARIES / f"{target}.dict"
    if dictionary.exists():
        args.append(f"-dict={dictionary}")
    return args


def fresh(directory):
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def report_artifacts(artifacts):
    found = sorted(p for p in artifacts.iterdir()) if artifacts.exists() else []
    for path in found:
        print(f"run.py: crash input: {path}", file=sys.stderr)
    return found


def run(argv, log=None, env=None):
    print("run.py: " + " ".join(str(a) for a in argv), flush=True)
    if log is None:
        return subprocess.run(argv, check=False, env=env).returncode
    with open(log, "w") as out:
        code = subprocess.run(argv, check=False, stdout=out, stderr=subprocess.STDOUT,
                              env=env).returncode
    return code


def smoke(args):
    seconds = int(os.environ.get("FUZZ_SMOKE_SECONDS", args.seconds))
    corpus = CORPUS / args.target
    work = fresh(Path(args.work))
    artifacts = fresh(work / "artifacts")
    scratch = fresh(work / "corpus")
    # 1. Replay: every checked-in input (including each regression input) runs once.
    started = time.monotonic()
    code = run([args.binary, "-runs=0", f"-artifact_prefix={artifacts}/"] + engine_args(
        args.target) + [str(corpus)])
    if code != 0:
        report_artifacts(artifacts)
        print(f"run.py: {args.target}: corpus replay failed ({code})", file=sys.stderr)
        return 1
    replay = time.monotonic() - started
    # 2. Fuzz on a scratch corpus seeded from the checked-in one (which is never written).
    if seconds > 0:
        log = work / "fuzz.log"
        code = run([args.binary, f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/"]
                   + engine_args(args.target) + [str(scratch), str(corpus)], log=log)
        tail = log.read_text(errors="replace").splitlines()[-40:]
        stats = [line for line in tail if line.startswith("stat::")]
        print("\n".join(stats))
        if code != 0 or report_artifacts(artifacts):
            print("\n".join(tail), file=sys.stderr)
            print(f"run.py: {args.target}: fuzzing found a failure ({code})", file=sys.stderr)
            return 1
    inputs = len(list(corpus.iterdir()))
    print(f"run.py: {args.target}: replayed {inputs} inputs in {replay:.1f} s, fuzzed "
          f"{seconds} s: no failure")
    return 0


def campaign(args):
    work = Path(args.work)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = work / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    log = work / "campaign.log"
    argv = [args.binary, f"-max_total_time={args.seconds}", f"-artifact_prefix={artifacts}/"]
    # Several jobs: fork mode, where a crash is saved and the campaign goes on. One job: a
    # plain run (several times the exec/s of a one-job fork, whose short-lived children keep
    # reloading the corpus); it stops at the first crash.
    if args.jobs > 1:
        argv += [f"-fork={args.jobs}", "-ignore_crashes=1", "-ignore_timeouts=1",
                 "-ignore_ooms=1"]
    argv += engine_args(args.target) + [str(corpus), str(CORPUS / args.target)]
    started = time.monotonic()
    code = run(argv, log=log)
    elapsed = time.monotonic() - started
    text = log.read_text(errors="replace")
    summary = summarize(text)
    summary.update(target=args.target, seconds=round(elapsed), jobs=args.jobs, exit=code,
                   corpus_files=len(list(corpus.iterdir())),
                   corpus_bytes=sum(p.stat().st_size for p in corpus.iterdir()),
                   crashes=[p.name for p in report_artifacts(artifacts)])
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0 if code == 0 and not summary["crashes"] else 1


def summarize(text):
    """The last status line of a libFuzzer log (fork or not) and its final stats."""
    summary = {}
    status = [line for line in text.splitlines() if re.match(r"#\d+", line)]
    if status:
        last = status[-1]
        summary["status"] = last
        for key in ("cov", "ft", "corp", "exec/s"):
            match = re.search(re.escape(key) + r":\s*(\d+)", last)
            if match:
                summary[key] = int(match.group(1))
        match = re.match(r"#(\d+)", last)
        summary["execs"] = int(match.group(1))
    for line in text.splitlines():
        match = re.match(r"stat::(\w+):\s*(\d+)", line)
        if match:
            summary["stat_" + match.group(1)] = int(match.group(2))
    return summary


def merge(args):
    """Adds the campaign inputs that reach new coverage to the checked-in corpus."""
    corpus = CORPUS / args.target
    found = Path(args.work) / "corpus"
    before = len(list(corpus.iterdir()))
    code = run([args.binary, "-merge=1", f"-artifact_prefix={Path(args.work)}/"]
               + engine_args(args.target) + [str(corpus), str(found)])
    print(f"run.py: {args.target}: corpus {before} -> {len(list(corpus.iterdir()))} inputs")
    return code


def coverage(args):
    build = Path(args.build)
    profiles = build / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    rows = []
    for target in args.targets:
        binary = build / target
        inputs = [str(CORPUS / target)]
        if args.campaigns and (Path(args.campaigns) / target / "corpus").is_dir():
            inputs.append(str(Path(args.campaigns) / target / "corpus"))
        raw = profiles / f"{target}.profraw"
        env = dict(os.environ, LLVM_PROFILE_FILE=str(raw))
        code = run([str(binary), "-runs=0"] + engine_args(target) + inputs,
                   log=profiles / f"{target}.log", env=env)
        if code != 0:
            print(f"run.py: {target}: replay failed ({code})", file=sys.stderr)
            return 1
        data = profiles / f"{target}.profdata"
        subprocess.run(["llvm-profdata-19", "merge", "-sparse", str(raw), "-o", str(data)],
                       check=True)
        sources = [str(ROOT / s) for s in COVERED[target]]
        out = subprocess.run(["llvm-cov-19", "report", str(binary), f"-instr-profile={data}"]
                             + sources, check=True, capture_output=True, text=True).stdout
        (profiles / f"{target}.txt").write_text(out)
        total = [line for line in out.splitlines() if line.startswith("TOTAL")]
        fields = total[0].split() if total else []
        # TOTAL regions missed cover% functions missed exec% lines missed cover% branches...
        lines = f"{fields[7]} - {fields[8]} missed = {fields[9]}" if len(fields) > 9 else "?"
        rows.append((target, lines, " ".join(COVERED[target])))
    print(f"{'target':20} {'lines: total - missed = covered':36} code")
    for target, lines, code in rows:
        print(f"{target:20} {lines:36} {code}")
    print(f"run.py: per-file reports in {profiles}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("smoke", "campaign", "merge"):
        p = sub.add_parser(name)
        p.add_argument("--binary", required=True)
        p.add_argument("--target", required=True, choices=TARGETS)
        p.add_argument("--work", required=True)
        p.add_argument("--seconds", type=int, default=15)
        p.add_argument("--jobs", type=int, default=2)
    p = sub.add_parser("coverage")
    p.add_argument("--build", required=True)
    p.add_argument("--campaigns")
    p.add_argument("--targets", nargs="+", default=TARGETS, choices=TARGETS)
    args = parser.parse_args()
    return {"smoke": smoke, "campaign": campaign, "merge": merge, "coverage": coverage}[
        args.command](args)


if __name__ == "__main__":
    sys.exit(main())
