#!/usr/bin/env python3
"""The verification dashboard: one row per verification target of docs/verification.md.

  verify_report.py [--build DIR] [--out DIR] [--junit FILE] [--exclude REGEX] [--label REGEX]
                   [--jobs N] [--coverage DIR]

Without --junit it runs `ctest --test-dir DIR -jN --output-junit OUT/ctest-junit.xml` (every
test unless --exclude/--label narrow it), keeps each test's output as OUT/logs/<test>.log and
writes OUT/report.html (self-contained: inline CSS, relative links, no JavaScript) and
OUT/report.md. With --junit it renders an existing ctest JUnit file without running anything.

Each target's status (proved / tested / partial / missing / fail) is computed from the parts of
its property listed in docs/verification-targets.toml (--spec) and the evidence lines the tests
printed (`VERIFY-EVIDENCE target=N part=ID kind=proved|tested [scope=S]`): a part is covered
only if a test that printed it passed, and red if one failed. Every number in the report comes
from ctest (status, time) or from a line the test printed itself (explored states, z3 claims, broken variants caught, fuzz executions and libFuzzer `cov:`,
QEMU boot time, RapidCheck cases); a value a test did not print is shown as "—". Line coverage
comes only from the reports `make fuzz-coverage` left in --coverage (shown with their date).

Exit status: 0 if every test that ran passed, 1 if any failed or a test printed evidence for a
part the spec does not have (the report is still written), 2 if ctest could not produce a JUnit
file or the spec cannot be read.
Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import html
import json
import re
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC_PATH = ROOT / "docs" / "verification-targets.toml"

# ---------------------------------------------------------------------------------------------
# The 14 targets of docs/verification.md (seed §5) and the ctest names listed under each one.
# A test may serve several targets. The patterns only group tests for the listing (and a
# failing test marks its targets failed); a target's status comes from its parts' evidence.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    number: int
    name: str
    tier: str
    patterns: tuple[str, ...]
    note: str = ""


TARGETS: tuple[Target, ...] = (
    Target(1, "lib/cap CapTable", "2 + 4",
           (r"^CapTable", r"^CapId", r"^prove\.cap_table(\.|$)",
            r"^prove\.(mutant|equivalent)\.cap-")),
    Target(2, "lib/mem FrameBitmap", "2 + 4",
           (r"^FrameBitmap", r"^prove\.frame_bitmap(\.|$)",
            r"^prove\.(mutant|equivalent)\.bitmap-")),
    Target(3, "lib/elf parser", "2 + 4",
           (r"^Elf", r"^fuzz\.smoke\.elf_parse$", r"^prove\.elf(\.|$)",
            r"^prove\.(mutant|equivalent)\.elf-")),
    Target(4, "manifest decode/encode", "2",
           (r"^ManifestDecode", r"^EveryPointerField/ManifestDecodeMissing\.",
            r"^ManifestRoundTrip\.", r"^ManifestDiagnostic\.", r"^GenManifest\.",
            r"^Mkmanifest", r"^(JsonInput|BinaryFiles|InputAndOutput)\.",
            r"^Capnp(Reader|Builder|Errors|Differential)\.",
            r"^fuzz\.smoke\.(manifest_decode|manifest_roundtrip|mkmanifest_json|capnp_read|"
            r"capnp_differential)$", r"^qemu\.manifest_(truncated_)?rejected$"),
           "mkmanifest (the encoder) and lib/capnp (the wire format) counted here"),
    Target(5, "ring SPSC protocol", "3",
           (r"^RingSpsc", r"^RingAbi\.", r"^RingTransport\.", r"^ring\.stress_under_tsan$",
            r"^model\.ring\.", r"^model\.spin\.", r"^model\.checker\."),
           "includes the checker's own litmus/explore tests"),
    Target(6, "validate_user_buffer", "4",
           (r"^ValidateUserBuffer", r"^UserRange\.", r"^prove\.user_range(\.|$)",
            r"^PageTable(Test|Property)\.", r"^UserPtr(Test|Property)\.",
            r"^prove\.page_table(\.|$)", r"^fuzz\.smoke\.user_copy$",
            r"^qemu\.hostile_user$")),
    Target(7, "ring dispatch path", "3",
           (r"^RingDispatchTest\.", r"^RingSqe\.", r"^fuzz\.smoke\.ring_(kernel_)?dispatch$",
            r"^model\.ring\.spsc\.budget", r"^model\.ring\.mutant\.kernel-budget",
            r"^qemu\.hostile_user$")),
    Target(8, "IPC routing", "3", (), "no automated check yet (after IPC)"),
    Target(9, "direct-switch handoff", "2+3", (), "no automated check yet (after IPC)"),
    Target(10, "SMEP/SMAP + access windows", "1 + QEMU",
           (r"^qemu\.smep_smap_enabled$", r"^qemu\.cpu_without_(smep|smap|nx)_fails_closed$",
            r"^qemu\.selftest_(pagefault|smap|smep|nx|wp)$", r"^kernel\.binary_check",
            r"^user\.binary_check\.", r"^qemu\.hostile_user$")),
    Target(11, "manifest authority graph", "2",
           (r"^ManifestValidate\.", r"^ManifestInterfaceIds\.", r"^fuzz\.smoke\.manifest_decode$",
            r"^qemu\.manifest_(truncated_)?rejected$")),
    Target(12, "resource accounting", "2+3",
           (r"^FrameLedger", r"^ResourceClass\.", r"^prove\.frame_ledger(\.|$)",
            r"^prove\.transfer(\.|$)", r"^prove\.(mutant|equivalent)\.ledger-")),
    Target(13, "build/codegen TCB", "1",
           (r"^gate\.", r"^kernel\.iso_reproducible$", r"^Gen", r"^CapnpcNames\.",
            r"^tools\.verify_report$")),
    Target(14, "device DMA (future)", "1", (), "out of scope"),
)

# Fuzz targets (fuzz/run.py TARGETS) → verification target, for `make fuzz-coverage` reports.
FUZZ_COVERAGE_TARGET = {
    "elf_parse": 3, "capnp_read": 4, "capnp_differential": 4, "manifest_decode": 4,
    "manifest_roundtrip": 4, "mkmanifest_json": 4, "ring_dispatch": 7,
    "ring_kernel_dispatch": 7, "user_copy": 6,
}

# Tiers, by ctest label (tests/ CMake wiring); unlabeled tests are the host unit/property tests.
TIERS = (
    ("gate", "Tier 1 — gates and binary checks"),
    ("unit", "Tier 2 — host unit and property tests"),
    ("tsan", "Sanitizers — TSan-only tests"),
    ("fuzz", "Tier 2 — fuzz smoke"),
    ("model", "Tier 3 — model checking"),
    ("prove", "Tier 4 — bounded proofs"),
    ("qemu", "QEMU smokes"),
)
NAME_PREFIX_TIER = (("gate.", "gate"), ("kernel.", "gate"), ("user.", "gate"),
                    ("fuzz.", "fuzz"), ("model.", "model"), ("prove.", "prove"),
                    ("qemu.", "qemu"))


def tier_of(name: str, labels: list[str] | None) -> str:
    if labels:
        for label in ("qemu", "prove", "model", "fuzz", "tsan", "gate"):
            if label in labels:
                return label
        if "kernel" in labels or "user" in labels:
            return "gate"
    for prefix, tier in NAME_PREFIX_TIER:
        if name.startswith(prefix):
            return tier
    if name.endswith("_under_tsan"):
        return "tsan"
    return "unit"


def targets_of(name: str) -> list[int]:
    return [t.number for t in TARGETS if any(re.search(p, name) for p in t.patterns)]


# ---------------------------------------------------------------------------------------------
# The parts of every target's property (docs/verification-targets.toml) and the evidence lines.
# ---------------------------------------------------------------------------------------------
RE_EVIDENCE = re.compile(r"^VERIFY-EVIDENCE target=(\d+) part=([a-z0-9-]+) kind=(proved|tested)"
                         r"(?: scope=([A-Za-z0-9_.-]+))?[ \t]*$", re.M)
PART_STATUSES = ("fail", "missing", "tested", "proved")


class SpecError(Exception):
    """docs/verification-targets.toml is missing or malformed (message names the place)."""


@dataclasses.dataclass(frozen=True)
class Part:
    id: str
    claim: str
    scopes: tuple[str, ...] = ()
    missing: str = ""  # why no test shows it yet (documentation only; never a status)


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    number: int
    name: str
    tier: str
    property: str
    parts: tuple[Part, ...]


def load_spec(path: Path) -> dict[int, TargetSpec]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SpecError(f"{path}: {error}") from error
    specs: dict[int, TargetSpec] = {}
    for index, entry in enumerate(data.get("target", [])):
        where = f"{path}: target #{index + 1}"
        try:
            number = int(entry["number"])
            parts = []
            for part_index, raw in enumerate(entry.get("part", [])):
                part_where = f"{where} part #{part_index + 1}"
                if not re.fullmatch(r"[a-z0-9-]+", str(raw.get("id", ""))):
                    raise SpecError(f"{part_where}: id must be [a-z0-9-]+")
                scopes = tuple(str(s) for s in raw.get("scopes", ()))
                parts.append(Part(str(raw["id"]), str(raw["claim"]), scopes,
                                  str(raw.get("missing", ""))))
            spec = TargetSpec(number, str(entry["name"]), str(entry["tier"]),
                              str(entry["property"]), tuple(parts))
        except (KeyError, TypeError, ValueError) as error:
            raise SpecError(f"{where}: missing or bad field {error}") from error
        if number in specs:
            raise SpecError(f"{where}: target {number} listed twice")
        if not spec.parts:
            raise SpecError(f"{where}: target {number} has no parts")
        ids = [p.id for p in spec.parts]
        if len(set(ids)) != len(ids):
            raise SpecError(f"{where}: target {number} lists a part twice")
        specs[number] = spec
    if sorted(specs) != [t.number for t in TARGETS]:
        raise SpecError(f"{path}: must list exactly targets 1-{len(TARGETS)}, "
                        f"found {sorted(specs)}")
    return specs


@dataclasses.dataclass(frozen=True)
class Evidence:
    target: int
    part: str
    kind: str          # proved | tested
    scope: str | None


def parse_evidence(text: str) -> list[Evidence]:
    return [Evidence(int(m.group(1)), m.group(2), m.group(3), m.group(4))
            for m in RE_EVIDENCE.finditer(text)]


@dataclasses.dataclass
class PartResult:
    part: Part
    status: str                 # fail | missing | tested | proved
    detail: str                 # what is covered / missing, for the report
    tests: list[str]            # the tests that printed evidence for it


def part_result(part: Part, claims: list[tuple["TestResult", Evidence]]) -> PartResult:
    tests = sorted({test.name for test, _ in claims})
    failed = sorted({test.name for test, _ in claims if test.status == "fail"})
    if failed:
        return PartResult(part, "fail", "failed: " + ", ".join(failed), tests)
    passed = [(test, ev) for test, ev in claims if test.status == "pass"]
    proved_scopes = {ev.scope for _, ev in passed if ev.kind == "proved"}
    if part.scopes:
        unproved = [s for s in part.scopes if s not in proved_scopes]
    else:
        unproved = [] if proved_scopes else ["(any)"]
    if passed and not unproved:
        return PartResult(part, "proved", "", tests)
    if passed:
        detail = ""
        if part.scopes and proved_scopes & set(part.scopes):
            detail = "not proved for " + ", ".join(unproved)
        return PartResult(part, "tested", detail, tests)
    if claims:  # only skipped / not-run tests printed it
        return PartResult(part, "missing", "no passing test (only " + ", ".join(tests) + ")",
                          tests)
    return PartResult(part, "missing", part.missing or "no test prints evidence for it", [])


def target_status(parts: list[PartResult], group_failed: bool) -> str:
    statuses = [p.status for p in parts]
    if group_failed or "fail" in statuses:
        return "fail"
    if all(s == "proved" for s in statuses):
        return "proved"
    if all(s in ("proved", "tested") for s in statuses):
        return "tested"
    if any(s in ("proved", "tested") for s in statuses):
        return "partial"
    return "missing"


# ---------------------------------------------------------------------------------------------
# Metrics a test printed itself.
# ---------------------------------------------------------------------------------------------
RE_EXPLORED = re.compile(r"^(PROVED|NOT CLOSED) (.+?) \[(.+)\]: (\d+) states, (\d+) transitions, "
                         r"depth (\d+), ([\d.]+) s", re.M)
RE_PROVED_CLAIM = re.compile(r"^PROVED (?!.*\d+ states, \d+ transitions)", re.M)
RE_CAUGHT = re.compile(r"^CAUGHT |: CAUGHT \(as required\)$", re.M)
RE_MISSED = re.compile(r"^MISSED |: NOT CAUGHT as required", re.M)
RE_REFUTED = re.compile(r"^(VIOLATED|REFUTED|MISMATCH) ", re.M)
RE_CHECKED = re.compile(r"^CHECKED ", re.M)
RE_MODEL_EXHAUSTIVE = re.compile(r"^(.*): exhaustive \(([^)]*)\): (\d+) states, (\d+) executions "
                                 r"\+ (\d+) pruned, (\d+) steps", re.M)
RE_MODEL_RANDOM = re.compile(r"^(.*): random \(([^)]*)\): (\d+) executions, (\d+) steps", re.M)
RE_SPIN = re.compile(r"^(.+?): ([\d.e+]+|\?) states stored(?:, ([\d.e+]+|\?) transitions)?"
                     r"(?:, depth (\d+|\?))?.*? -- (.*)$", re.M)
RE_FUZZ_EXECS = re.compile(r"^stat::number_of_executed_units:\s*(\d+)", re.M)
RE_FUZZ_RATE = re.compile(r"^stat::average_exec_per_sec:\s*(\d+)", re.M)
RE_FUZZ_COV = re.compile(r"\bcov: (\d+)")
RE_FUZZ_REPLAY = re.compile(r"run\.py: \S+: replayed (\d+) inputs in [\d.]+ s, fuzzed (\d+) s")
RE_QEMU = re.compile(r"^run_qemu: ok: .*, ([\d.]+) s$", re.M)
RE_RAPIDCHECK = re.compile(r"^OK, passed (\d+) tests", re.M)
RE_RAPIDCHECK_RUN = re.compile(r"^Using configuration: seed=", re.M)


@dataclasses.dataclass
class Metrics:
    states: int = 0             # explicit-state explorers + model checker + SPIN
    transitions: int = 0
    depth: int | None = None    # deepest fixed point reached
    executions: int = 0         # model checker executions (exhaustive + random)
    closed: int = 0             # explorations that reached their fixed point ("PROVED … states")
    not_closed: int = 0
    claims: int = 0             # z3 claims proved
    checked: int = 0            # cross-checks that agreed ("CHECKED …")
    caught: int = 0             # broken variants caught
    missed: int = 0
    refuted: int = 0            # properties violated / claims refuted / cross-checks mismatched
    fuzz_execs: int = 0
    fuzz_rate: int | None = None
    fuzz_cov: int | None = None  # libFuzzer edges (`cov:`), the highest printed
    fuzz_inputs: int = 0        # checked-in corpus inputs replayed
    fuzz_seconds: int = 0
    qemu_seconds: list[float] = dataclasses.field(default_factory=list)
    rc_props: int = 0           # RapidCheck properties run ("Using configuration: seed=…")
    rc_cases: int = 0           # RapidCheck cases, where the property printed "OK, passed N"
    bounds: list[str] = dataclasses.field(default_factory=list)

    def add(self, other: "Metrics") -> None:
        for field in ("states", "transitions", "executions", "closed", "not_closed", "claims",
                      "checked", "caught", "missed", "refuted", "fuzz_execs", "fuzz_inputs",
                      "fuzz_seconds",
                      "rc_props", "rc_cases"):
            setattr(self, field, getattr(self, field) + getattr(other, field))
        for field in ("depth", "fuzz_cov"):
            mine, theirs = getattr(self, field), getattr(other, field)
            if theirs is not None and (mine is None or theirs > mine):
                setattr(self, field, theirs)
        if other.fuzz_rate is not None:
            self.fuzz_rate = (self.fuzz_rate or 0) + other.fuzz_rate
        self.qemu_seconds += other.qemu_seconds
        self.bounds += other.bounds


def spin_number(text: str | None) -> int:
    """pan prints counts as integers or as 1.2e+06; '?' (absent) counts as nothing."""
    try:
        return int(float(text)) if text and text != "?" else 0
    except ValueError:
        return 0


def parse_output(text: str) -> Metrics:
    m = Metrics()
    for match in RE_EXPLORED.finditer(text):
        if match.group(1) == "PROVED":
            m.closed += 1
        else:
            m.not_closed += 1
        m.states += int(match.group(4))
        m.transitions += int(match.group(5))
        depth = int(match.group(6))
        m.depth = depth if m.depth is None else max(m.depth, depth)
        m.bounds.append(f"{match.group(2)} [{match.group(3)}]")
    m.claims = len(RE_PROVED_CLAIM.findall(text))
    m.checked = len(RE_CHECKED.findall(text))
    m.caught = len(RE_CAUGHT.findall(text))
    m.missed = len(RE_MISSED.findall(text))
    m.refuted = len(RE_REFUTED.findall(text))
    # A broken variant's run stops at its violation: its states are not a bound, only "caught".
    for match in RE_MODEL_EXHAUSTIVE.finditer(text):
        if "-- VIOLATION" in text[match.end():text.find("\n", match.end()) % (len(text) + 1)]:
            continue
        m.states += int(match.group(3))
        m.executions += int(match.group(4))
        m.bounds.append(f"{match.group(1)} (exhaustive, {match.group(2)})")
    for match in RE_MODEL_RANDOM.finditer(text):
        if "-- VIOLATION" in text[match.end():text.find("\n", match.end()) % (len(text) + 1)]:
            continue
        m.executions += int(match.group(3))
        m.bounds.append(f"{match.group(1)} (random, {match.group(2)})")
    for match in RE_SPIN.finditer(text):
        verdict = match.group(5)  # verify/spin/run_spin.py's verdicts
        if verdict.startswith("refuted as required"):
            m.caught += 1
            continue
        if verdict.startswith("NOT refuted"):
            m.missed += 1
            continue
        if verdict.startswith("FAILED"):
            m.refuted += 1
            continue
        m.states += spin_number(match.group(2))
        m.transitions += spin_number(match.group(3))
        if match.group(4) and match.group(4).isdigit():
            depth = int(match.group(4))
            m.depth = depth if m.depth is None else max(m.depth, depth)
        m.bounds.append(f"SPIN {match.group(1)} ({verdict})")
    m.fuzz_execs = sum(int(x) for x in RE_FUZZ_EXECS.findall(text))
    rates = RE_FUZZ_RATE.findall(text)
    m.fuzz_rate = int(rates[-1]) if rates else None
    covs = [int(x) for x in RE_FUZZ_COV.findall(text)]
    m.fuzz_cov = max(covs) if covs else None
    for match in RE_FUZZ_REPLAY.finditer(text):
        m.fuzz_inputs += int(match.group(1))
        m.fuzz_seconds += int(match.group(2))
    m.qemu_seconds = [float(x) for x in RE_QEMU.findall(text)]
    m.rc_cases = sum(int(x) for x in RE_RAPIDCHECK.findall(text))
    m.rc_props = len(RE_RAPIDCHECK_RUN.findall(text))
    return m


# ---------------------------------------------------------------------------------------------
# ctest results.
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class TestResult:
    name: str
    status: str          # pass | fail | skip | notrun (excluded / not in this run)
    seconds: float
    output: str
    detail: str = ""     # failure / skip message
    labels: list[str] | None = None
    metrics: Metrics = dataclasses.field(default_factory=Metrics)
    log: str | None = None  # path relative to the report
    evidence: list[Evidence] = dataclasses.field(default_factory=list)

    @property
    def tier(self) -> str:
        return tier_of(self.name, self.labels)


def read_junit(path: Path) -> tuple[list[TestResult], dict[str, str]]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    info = {k: v for k, v in (suites[0].attrib.items() if suites else [])}
    results = []
    for suite in suites:
        for case in suite.iter("testcase"):
            name = case.get("name", "?")
            status = case.get("status", "")
            try:
                seconds = float(case.get("time", "0") or 0)
            except ValueError:
                seconds = 0.0
            out = case.findtext("system-out") or ""
            err = case.findtext("system-err") or ""
            text = out + (("\n" + err) if err else "")
            failure = case.find("failure")
            error = case.find("error")
            skipped = case.find("skipped")
            detail = ""
            if failure is not None or error is not None or status == "fail":
                verdict = "fail"
                node = failure if failure is not None else error
                detail = (node.get("message", "") if node is not None else "") or "failed"
            elif status == "notrun" and skipped is not None and \
                    "Unable to find" in (skipped.get("message", "") + text):
                verdict, detail = "fail", skipped.get("message", "not run")  # ctest: a failure
            elif status in ("disabled", "notrun") or skipped is not None:
                verdict = "skip"
                detail = skipped.get("message", status) if skipped is not None else status
            else:
                verdict = "pass"
            results.append(TestResult(name, verdict, seconds, text, detail,
                                      metrics=parse_output(text),
                                      evidence=parse_evidence(text)))
    return results, info


def registered_tests(build: Path) -> dict[str, list[str]] | None:
    """Every test ctest knows in BUILD, with its labels (None if ctest cannot list them)."""
    try:
        out = subprocess.run(["ctest", "--test-dir", str(build), "--show-only=json-v1"],
                             capture_output=True, text=True, check=False, timeout=120).stdout
        data = json.loads(out)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    tests = {}
    for test in data.get("tests", []):
        labels = []
        for prop in test.get("properties", []):
            if prop.get("name") == "LABELS":
                labels = list(prop.get("value", []))
        tests[test["name"]] = labels
    return tests


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_logs(results: list[TestResult], out: Path) -> None:
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for result in results:
        if result.status == "notrun":
            continue
        path = logs / f"{safe_name(result.name)}.log"
        header = (f"# {result.name}: {result.status}, {result.seconds:.2f} s"
                  + (f" ({result.detail})" if result.detail else "") + "\n")
        path.write_text(header + result.output, errors="replace")
        result.log = f"logs/{path.name}"


# ---------------------------------------------------------------------------------------------
# Aggregation.
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Group:
    tests: list[TestResult] = dataclasses.field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for t in self.tests if t.status == status)

    @property
    def seconds(self) -> float:
        return sum(t.seconds for t in self.tests)

    @property
    def metrics(self) -> Metrics:
        total = Metrics()
        for t in self.tests:
            total.add(t.metrics)
        return total

    def status(self, checked: bool = True) -> str:
        if not checked:
            return "not yet checked"
        if not self.tests:
            return "no tests"
        if self.count("fail"):
            return "fail"
        if self.count("pass"):
            return "pass"
        return "not run"


def coverage_reports(directory: Path | None) -> dict[int, list[tuple[str, str, str]]]:
    """Line coverage from `make fuzz-coverage` (fuzz/run.py coverage: profiles/<target>.txt)."""
    found: dict[int, list[tuple[str, str, str]]] = {}
    if directory is None or not directory.is_dir():
        return found
    for fuzz_target, number in FUZZ_COVERAGE_TARGET.items():
        path = directory / f"{fuzz_target}.txt"
        if not path.is_file():
            continue
        total = [line.split() for line in path.read_text(errors="replace").splitlines()
                 if line.startswith("TOTAL")]
        # TOTAL regions missed cover% functions missed exec% lines missed cover% ...
        if not total or len(total[0]) < 10:
            continue
        fields = total[0]
        when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
        found.setdefault(number, []).append(
            (fuzz_target, f"{fields[9]} ({int(fields[7]) - int(fields[8])}/{fields[7]} lines)"
             if fields[7].isdigit() and fields[8].isdigit() else fields[9],
             when.strftime("%Y-%m-%d %H:%M UTC")))
    return found


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def metric_summary(m: Metrics) -> list[str]:
    """Short, human-readable bounds/counts; only what the tests printed."""
    parts = []
    if m.closed or m.not_closed:
        text = f"{m.closed} exploration{'s' if m.closed != 1 else ''} closed"
        if m.not_closed:
            text += f", {m.not_closed} NOT closed"
        parts.append(text)
    if m.states:
        parts.append(f"{fmt_int(m.states)} states")
    if m.transitions:
        parts.append(f"{fmt_int(m.transitions)} transitions")
    if m.depth is not None:
        parts.append(f"max depth {m.depth}")
    if m.executions:
        parts.append(f"{fmt_int(m.executions)} executions")
    if m.claims:
        parts.append(f"{m.claims} z3 claims proved")
    if m.checked:
        parts.append(f"{plural(m.checked, 'cross-check')} agreed")
    if m.caught or m.missed:
        parts.append(f"{plural(m.caught, 'broken variant')} caught"
                     + (f", {m.missed} MISSED" if m.missed else ""))
    if m.refuted:
        parts.append(f"{m.refuted} VIOLATED/REFUTED/MISMATCH")
    if m.rc_props:
        parts.append(f"{plural(m.rc_props, 'RapidCheck property')} run".replace("propertys",
                                                                              "properties"))
    if m.rc_cases:
        parts.append(f"{fmt_int(m.rc_cases)} RapidCheck cases reported")
    if m.fuzz_inputs:
        parts.append(f"{fmt_int(m.fuzz_inputs)} corpus inputs replayed")
    if m.fuzz_execs:
        parts.append(f"{fmt_int(m.fuzz_execs)} fuzz execs"
                     + (f" in {m.fuzz_seconds} s" if m.fuzz_seconds else ""))
    if m.fuzz_cov is not None:
        parts.append(f"max cov {m.fuzz_cov} edges")
    if m.qemu_seconds:
        lo, hi = min(m.qemu_seconds), max(m.qemu_seconds)
        parts.append(f"{len(m.qemu_seconds)} boots, {lo:.1f}–{hi:.1f} s" if lo != hi
                     else f"{len(m.qemu_seconds)} boot{'s' if len(m.qemu_seconds) > 1 else ''}, "
                          f"{lo:.1f} s")
    return parts


# ---------------------------------------------------------------------------------------------
# Rendering.
# ---------------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;
color:#1b1f24;max-width:1400px}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em}
h3{font-size:1.05em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #c8ccd1;padding:.3em .55em;vertical-align:top;text-align:left}
th{background:#eef1f4}td.num{text-align:right;white-space:nowrap}
.pass{background:#dcf5e0;color:#135e24;font-weight:600}
.fail{background:#fbdcdc;color:#8f1111;font-weight:700}
.skip,.notrun,.not-run{background:#f2f2f2;color:#555}
.not-yet-checked,.partial{background:#fff3cd;color:#6b4e00;font-weight:600}
.proved{background:#c6efce;color:#0b5a1d;font-weight:700}.tested{background:#e3f6e6;color:#135e24}
.missing{background:#fde9d9;color:#7a3b00;font-weight:600}
.meta{color:#4a535c}code{font-size:.95em}ul.m{margin:0;padding-left:1.1em}
"""

STATUS_CLASS = {"pass": "pass", "fail": "fail", "skip": "skip", "notrun": "notrun",
                "not run": "not-run", "no tests": "not-run",
                "not yet checked": "not-yet-checked", "proved": "proved", "tested": "tested",
                "partial": "partial", "missing": "missing"}


def h(text: object) -> str:
    return html.escape(str(text), quote=True)


def status_cell(status: str) -> str:
    return f'<td class="{STATUS_CLASS.get(status, "")}">{h(status)}</td>'


@dataclasses.dataclass
class Report:
    results: list[TestResult]
    meta: list[tuple[str, str]]
    coverage: dict[int, list[tuple[str, str, str]]]
    specs: dict[int, TargetSpec] = dataclasses.field(default_factory=dict)

    def target_parts(self, number: int) -> list[PartResult]:
        spec = self.specs.get(number)
        if spec is None:
            return []
        claims: dict[str, list[tuple[TestResult, Evidence]]] = {p.id: [] for p in spec.parts}
        for result in self.results:
            for ev in result.evidence:
                if ev.target == number and ev.part in claims:
                    claims[ev.part].append((result, ev))
        return [part_result(part, claims[part.id]) for part in spec.parts]

    def target_status(self, number: int, group: Group) -> str:
        return target_status(self.target_parts(number), group.count("fail") > 0)

    def unknown_evidence(self) -> list[str]:
        """Evidence lines naming a target or part the spec does not have (a typo hides a part)."""
        unknown = []
        for result in self.results:
            for ev in result.evidence:
                spec = self.specs.get(ev.target)
                if spec is None or ev.part not in {p.id for p in spec.parts}:
                    unknown.append(f"{result.name}: target={ev.target} part={ev.part}")
        return unknown

    def target_groups(self) -> list[tuple[Target, Group]]:
        rows = []
        for target in TARGETS:
            group = Group([r for r in self.results if target.number in targets_of(r.name)])
            rows.append((target, group))
        return rows

    def unmapped(self) -> Group:
        return Group([r for r in self.results if not targets_of(r.name)])

    def tier_groups(self) -> list[tuple[str, Group]]:
        return [(title, Group([r for r in self.results if r.tier == key])) for key, title in TIERS]

    def ran(self) -> Group:
        return Group([r for r in self.results if r.status != "notrun"])

    @property
    def failed(self) -> bool:
        return any(r.status == "fail" for r in self.results) or bool(self.unknown_evidence())


def parts_lines(parts: list[PartResult]) -> list[str]:
    """One line per part: `id: status (tests)` or `id: missing — why`."""
    lines = []
    for result in parts:
        text = f"{result.part.id}: {result.status}"
        if result.status in ("proved", "tested") and result.tests:
            text += " (" + ", ".join(result.tests[:4]) + (" …" if len(result.tests) > 4 else "") + ")"
        if result.detail:
            text += f" — {result.detail}"
        lines.append(text)
    return lines


def counts_text(group: Group) -> str:
    text = f"{group.count('pass')} / {group.count('fail')}"
    extra = []
    if group.count("skip"):
        extra.append(f"{group.count('skip')} skipped")
    if group.count("notrun"):
        extra.append(f"{group.count('notrun')} not run")
    return text + (f" ({', '.join(extra)})" if extra else "")


def coverage_text(entries: list[tuple[str, str, str]] | None) -> str:
    if not entries:
        return "—"
    return "; ".join(f"{target} {pct}" for target, pct, _ in entries)


def render_html(report: Report) -> str:
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           "<title>capOS verification report</title>", f"<style>{CSS}</style></head><body>",
           "<h1>capOS verification report</h1>", '<table class="meta">']
    for key, value in report.meta:
        cell = f'<a href="{h(value)}">{h(value)}</a>' if value.startswith("logs/") else h(value)
        out.append(f"<tr><th>{h(key)}</th><td>{cell}</td></tr>")
    out.append("</table>")

    total = report.ran()
    verdict = "FAIL" if report.failed else "PASS"
    out.append(f'<p>Overall: <span class="{verdict.lower()}">{verdict}</span> — '
               f"{total.count('pass')} passed, {total.count('fail')} failed, "
               f"{total.count('skip')} skipped of {len(total.tests)} tests run"
               + (f"; {len([r for r in report.results if r.status == 'notrun'])} registered "
                  "tests not run (excluded)" if any(r.status == "notrun" for r in report.results)
                  else "")
               + f"; {total.seconds:.1f} test-seconds.</p>")

    out.append("<h2>Verification targets</h2>")
    out.append('<p class="meta">Status from the parts of each property '
               "(docs/verification-targets.toml) and the evidence lines of the tests that ran: "
               "proved = every part proved; tested = every part covered; partial = some parts "
               "missing; missing = no part covered; fail = a part's test (or a test of the "
               "target) failed.</p>")
    out.append("<table><tr><th>#</th><th>target</th><th>tier</th><th>status</th>"
               "<th>parts</th><th>tests pass / fail</th><th>time (s)</th>"
               "<th>bounds and counts</th><th>line coverage</th><th>logs</th></tr>")
    for target, group in report.target_groups():
        status = report.target_status(target.number, group)
        parts = report.target_parts(target.number)
        metrics = metric_summary(group.metrics) if group.tests else []
        failing = [t for t in group.tests if t.status == "fail"]
        logs = (f'<a href="#target-{target.number}">{plural(len(group.tests), "test")}</a>'
                if group.tests else "—")
        if failing:
            logs += "<br>failed: " + ", ".join(
                f'<a href="{h(t.log)}">{h(t.name)}</a>' if t.log else h(t.name) for t in failing)
        name = h(target.name) + (f'<br><span class="meta">{h(target.note)}</span>'
                                 if target.note else "")
        counts = h(counts_text(group)) if group.tests else "—"
        seconds = f"{group.seconds:.1f}" if group.tests else "—"
        part_items = "".join(
            f'<li class="{STATUS_CLASS.get(p.status, "")}" title="{h(p.part.claim)}">{h(line)}</li>'
            for p, line in zip(parts, parts_lines(parts)))
        out.append(f"<tr><td class=num>{target.number}</td><td>{name}</td>"
                   f"<td>{h(target.tier)}</td>{status_cell(status)}"
                   f"<td><ul class=m>{part_items}</ul></td>"
                   f"<td class=num>{counts}</td><td class=num>{seconds}</td>")
        out.append("<td>" + ("<ul class=m>" + "".join(f"<li>{h(p)}</li>" for p in metrics)
                             + "</ul>" if metrics else "—") + "</td>")
        out.append(f"<td>{h(coverage_text(report.coverage.get(target.number)))}</td>"
                   f"<td>{logs}</td></tr>")
    other = report.unmapped()
    out.append(f"<tr><td>—</td><td>other tests (no target)</td><td>—</td>"
               f"{status_cell(other.status())}<td>—</td><td class=num>{h(counts_text(other))}</td>"
               f"<td class=num>{other.seconds:.1f}</td><td>—</td><td>—</td>"
               f'<td><a href="#target-other">{plural(len(other.tests), "test")}</a></td></tr>')
    out.append("</table>")

    out.append("<h2>Tiers</h2><table><tr><th>tier</th><th>status</th><th>tests pass / fail</th>"
               "<th>time (s)</th><th>bounds and counts</th></tr>")
    for title, group in report.tier_groups():
        metrics = metric_summary(group.metrics)
        out.append(f"<tr><td>{h(title)}</td>{status_cell(group.status())}"
                   f"<td class=num>{h(counts_text(group))}</td>"
                   f"<td class=num>{group.seconds:.1f}</td><td>"
                   + ("<ul class=m>" + "".join(f"<li>{h(p)}</li>" for p in metrics) + "</ul>"
                      if metrics else "—") + "</td></tr>")
    everything = Group(report.results)
    out.append(f"<tr><th>total</th>{status_cell(everything.status())}"
               f"<th class=num>{h(counts_text(everything))}</th>"
               f"<th class=num>{everything.seconds:.1f}</th><td></td></tr></table>")

    if report.coverage:
        out.append("<h2>Line coverage (from <code>make fuzz-coverage</code>)</h2><table>"
                   "<tr><th>fuzz target</th><th>verification target</th><th>lines</th>"
                   "<th>report date</th></tr>")
        for number, entries in sorted(report.coverage.items()):
            for fuzz_target, pct, when in entries:
                out.append(f"<tr><td>{h(fuzz_target)}</td><td class=num>{number}</td>"
                           f"<td>{h(pct)}</td><td>{h(when)}</td></tr>")
        out.append("</table>")

    out.append("<h2>Tests by target</h2>")
    sections = [(f"target-{t.number}", f"{t.number}. {t.name}", g)
                for t, g in report.target_groups() if g.tests]
    sections.append(("target-other", "Other tests (no target)", report.unmapped()))
    for anchor, title, group in sections:
        out.append(f'<h3 id="{anchor}">{h(title)}</h3><table><tr><th>test</th><th>tier</th>'
                   "<th>status</th><th>time (s)</th><th>bounds and counts</th><th>log</th></tr>")
        for t in sorted(group.tests, key=lambda r: (r.status != "fail", r.name)):
            parts = metric_summary(t.metrics)
            bounds = t.metrics.bounds
            cell = "; ".join(parts) or "—"
            if bounds:
                cell = h(cell) + "<ul class=m>" + "".join(f"<li>{h(b)}</li>" for b in bounds) \
                    + "</ul>"
            else:
                cell = h(cell)
            detail = f'<br><span class="meta">{h(t.detail)}</span>' if t.detail and \
                t.status != "pass" else ""
            log = f'<a href="{h(t.log)}">log</a>' if t.log else "—"
            out.append(f"<tr><td><code>{h(t.name)}</code>{detail}</td><td>{h(t.tier)}</td>"
                       f"{status_cell(t.status)}<td class=num>{t.seconds:.2f}</td>"
                       f"<td>{cell}</td><td>{log}</td></tr>")
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    out = ["# capOS verification report", ""]
    for key, value in report.meta:
        out.append(f"- **{key}**: {md_cell(value)}")
    total = report.ran()
    out += ["", f"Overall: **{'FAIL' if report.failed else 'PASS'}** — "
            f"{total.count('pass')} passed, {total.count('fail')} failed, "
            f"{total.count('skip')} skipped of {len(total.tests)} tests run; "
            f"{total.seconds:.1f} test-seconds.", "", "## Verification targets", "",
            "| # | target | tier | status | parts | tests pass / fail | time (s) "
            "| bounds and counts | line coverage | logs |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for target, group in report.target_groups():
        status = report.target_status(target.number, group)
        parts = md_cell("<br>".join(parts_lines(report.target_parts(target.number)))) or "—"
        metrics = "; ".join(metric_summary(group.metrics)) if group.tests else ""
        failing = [t for t in group.tests if t.status == "fail"]
        listing = f"[{plural(len(group.tests), 'test')}](#target-{target.number})"
        logs = ", ".join(f"[{t.name}]({t.log})" for t in failing if t.log) or (
            listing if group.tests else "—")
        status_text = f"**{status}**" if status == "fail" else status
        counts = md_cell(counts_text(group)) if group.tests else "—"
        seconds = f"{group.seconds:.1f}" if group.tests else "—"
        coverage = md_cell(coverage_text(report.coverage.get(target.number)))
        out.append(f"| {target.number} | {md_cell(target.name)} | {target.tier} | {status_text} | "
                   f"{parts} | {counts} | {seconds} | {md_cell(metrics) or '—'} | {coverage} "
                   f"| {logs} |")
    other = report.unmapped()
    out.append(f"| — | other tests (no target) | — | {other.status()} | — | "
               f"{md_cell(counts_text(other))} | {other.seconds:.1f} | — | — | "
               "[list](#target-other) |")
    out += ["", "## Tiers", "",
            "| tier | status | tests pass / fail | time (s) | bounds and counts |",
            "|---|---|---|---|---|"]
    for title, group in report.tier_groups():
        metrics = md_cell("; ".join(metric_summary(group.metrics))) or "—"
        out.append(f"| {title} | {group.status()} | {md_cell(counts_text(group))} | "
                   f"{group.seconds:.1f} | {metrics} |")
    everything = Group(report.results)
    out.append(f"| **total** | {everything.status()} | {md_cell(counts_text(everything))} | "
               f"{everything.seconds:.1f} | |")
    out += ["", "## Tests by target"]
    sections = [(f"target-{t.number}", f"{t.number}. {t.name}", g)
                for t, g in report.target_groups() if g.tests]
    sections.append(("target-other", "Other tests (no target)", report.unmapped()))
    for anchor, title, group in sections:
        out += ["", f'<a id="{anchor}"></a>', f"### {title}", "",
                "| test | status | time (s) | bounds and counts | log |", "|---|---|---|---|---|"]
        for t in sorted(group.tests, key=lambda r: (r.status != "fail", r.name)):
            status_text = f"**{t.status}**" if t.status == "fail" else t.status
            out.append(f"| `{md_cell(t.name)}` | {status_text} | {t.seconds:.2f} | "
                       f"{md_cell('; '.join(metric_summary(t.metrics))) or '—'} | "
                       + (f"[log]({t.log})" if t.log else "—") + " |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------------
def git_revision() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               check=True).stdout.strip()
        return head + (" (dirty: uncommitted changes to tracked files)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def cache_value(build: Path, key: str) -> str | None:
    cache = build / "CMakeCache.txt"
    if not cache.is_file():
        return None
    for line in cache.read_text(errors="replace").splitlines():
        if line.startswith(key + ":"):
            return line.split("=", 1)[1]
    return None


def utc(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build/asan", help="ctest build directory")
    parser.add_argument("--out", default="build/verify", help="report directory")
    parser.add_argument("--junit", help="render this existing ctest JUnit file; run nothing")
    parser.add_argument("--exclude", help="ctest -E REGEX (default: run every test)")
    parser.add_argument("--label", help="ctest -L REGEX (default: every label)")
    parser.add_argument("--jobs", type=int, default=2, help="ctest -j (default 2)")
    parser.add_argument("--coverage", default="build/fuzz-coverage/profiles",
                        help="`make fuzz-coverage` reports (used if present)")
    parser.add_argument("--spec", default=str(SPEC_PATH),
                        help="the targets' parts (default docs/verification-targets.toml)")
    args = parser.parse_args(argv)
    try:
        specs = load_spec(Path(args.spec))
    except SpecError as error:
        print(f"verify_report: {error}", file=sys.stderr)
        return 2

    build, out = Path(args.build), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta: list[tuple[str, str]] = []
    started = time.time()
    if args.junit:
        junit = Path(args.junit)
        if not junit.is_file():
            print(f"verify_report: no such JUnit file: {junit}", file=sys.stderr)
            return 2
        meta.append(("source", f"existing JUnit file {junit} (written {utc(junit.stat().st_mtime)}"
                               "); no test was run for this report"))
    else:
        junit = out / "ctest-junit.xml"
        if junit.exists():
            junit.unlink()
        command = ["ctest", "--test-dir", str(build), f"-j{args.jobs}", "--output-junit",
                   str(junit.resolve()), "--test-output-size-passed", "4194304",
                   "--test-output-size-failed", "16777216"]
        if args.exclude:
            command += ["-E", args.exclude]
        if args.label:
            command += ["-L", args.label]
        (out / "logs").mkdir(parents=True, exist_ok=True)
        console = out / "logs" / "ctest-console.log"
        print("verify_report: " + " ".join(command), flush=True)
        with open(console, "w") as sink:
            code = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT,
                                  check=False).returncode
        finished = time.time()
        meta.append(("source", "ran: " + " ".join(command)))
        meta.append(("ctest run", f"{utc(started)} → {utc(finished)} "
                                  f"({finished - started:.0f} s wall, exit status {code})"))
        meta.append(("ctest console", "logs/ctest-console.log"))
        if not junit.is_file():
            print(f"verify_report: ctest wrote no JUnit file (exit {code}); see {console}",
                  file=sys.stderr)
            return 2

    results, info = read_junit(junit)
    registered = registered_tests(build) if build.is_dir() else None
    if registered is not None:
        seen = {r.name for r in results}
        for r in results:
            r.labels = registered.get(r.name)
        for name, labels in registered.items():
            if name not in seen:
                results.append(TestResult(name, "notrun", 0.0, "", "not in this run",
                                          labels=labels))
    write_logs(results, out)

    if "timestamp" in info:
        meta.append(("ctest timestamp (JUnit)", info["timestamp"] + " (ctest's local time)"))
    meta.append(("git commit", git_revision()))
    meta.append(("build directory", str(build)))
    sanitize = cache_value(build, "CAPOS_SANITIZE")
    build_type = cache_value(build, "CMAKE_BUILD_TYPE")
    if sanitize is not None or build_type is not None:
        meta.append(("build", f"CMAKE_BUILD_TYPE={build_type or '—'}, "
                              f"CAPOS_SANITIZE={sanitize or '(none)'} (host tests, "
                              "fuzz harnesses and explorers are built with these sanitizers)"))
    if not args.junit and (args.exclude or args.label):
        meta.append(("narrowed", f"exclude={args.exclude or '—'}, label={args.label or '—'}: "
                                 "not a full run"))
    not_run = [r.name for r in results if r.status == "notrun"]
    if not_run:
        meta.append(("not run", f"{plural(len(not_run), 'registered test')} not in this run: "
                                + ", ".join(not_run[:10]) + (" …" if len(not_run) > 10 else "")))
    if registered is None:
        meta.append(("labels", "ctest --show-only unavailable: tiers inferred from test names"))
    meta.append(("report written", utc(time.time())))

    report = Report(results, meta, coverage_reports(Path(args.coverage)), specs)
    unknown = report.unknown_evidence()
    if unknown:
        meta.append(("unknown evidence", f"{plural(len(unknown), 'evidence line')} name a part "
                     f"{args.spec} does not list (exit status 1): " + "; ".join(unknown[:10])))
    (out / "report.html").write_text(render_html(report))
    (out / "report.md").write_text(render_markdown(report))

    ran = report.ran()
    print(f"verify_report: {ran.count('pass')} passed, {ran.count('fail')} failed, "
          f"{ran.count('skip')} skipped; wrote {out / 'report.html'} and {out / 'report.md'}")
    for title, group in report.tier_groups():
        print(f"  {title:42} {group.status():16} {counts_text(group):>16} "
              f"{group.seconds:8.1f} s")
    for target, group in report.target_groups():
        parts = report.target_parts(target.number)
        covered = sum(1 for p in parts if p.status in ("proved", "tested"))
        print(f"  target {target.number:2} {target.name:30} "
              f"{report.target_status(target.number, group):8} "
              f"{covered}/{len(parts)} parts covered "
              f"{counts_text(group) if group.tests else '—':>16}")
        for p in parts:
            if p.status in ("missing", "fail"):
                print(f"      {p.part.id}: {p.status}" + (f" — {p.detail}" if p.detail else ""))
    for line in unknown:
        print(f"verify_report: unknown evidence: {line}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
