#!/usr/bin/env python3
"""tools/verify_report: JUnit parsing, output parsing, target mapping, the part/evidence status of
every target, the spec, evidence.py and the exit status (ctest tools.verify_report). Renders
fixtures/junit_fail.xml (one failing proof) and fixtures/junit_evidence.xml (evidence lines:
a proved target, a failing evidence test, partial and missing targets) without running ctest."""
import importlib.util
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
SPEC = importlib.util.spec_from_file_location(
    "verify_report", ROOT / "tools" / "verify_report" / "verify_report.py")
vr = importlib.util.module_from_spec(SPEC)
sys.modules["verify_report"] = vr
SPEC.loader.exec_module(vr)
FIXTURE = HERE / "fixtures" / "junit_fail.xml"
EVIDENCE = HERE / "fixtures" / "junit_evidence.xml"
EVIDENCE_PY = ROOT / "tools" / "verify_report" / "evidence.py"


def render(junit: Path, tmp: str, *extra: str) -> int:
    return vr.main(["--junit", str(junit), "--build", str(Path(tmp) / "nobuild"), "--out", tmp,
                    "--coverage", str(Path(tmp) / "nocov"), *extra])


class Mapping(unittest.TestCase):
    def test_targets(self):
        self.assertEqual(vr.targets_of("CapTableInsert.Basic"), [1])
        self.assertEqual(vr.targets_of("prove.cap_table.self_test"), [1])
        self.assertEqual(vr.targets_of("prove.elf"), [3])
        # The textual mutants of lib/ count for the target of the code they mutate.
        self.assertEqual(vr.targets_of("prove.mutant.cap-no-retirement"), [1])
        self.assertEqual(vr.targets_of("prove.equivalent.bitmap-contiguous-gap-strict"), [2])
        self.assertEqual(vr.targets_of("prove.mutant.elf-wx-allowed"), [3])
        self.assertEqual(vr.targets_of("prove.mutant.ledger-release-unchecked"), [12])
        self.assertEqual(vr.targets_of("fuzz.smoke.manifest_decode"), [4, 11])
        self.assertEqual(vr.targets_of("model.ring.mutant.kernel-budget-off-by-one"), [5, 7])
        self.assertEqual(vr.targets_of("qemu.selftest_smap"), [10])
        self.assertEqual(vr.targets_of("gate.lint"), [13])
        self.assertEqual(vr.targets_of("qemu.selftest_panic"), [])
        self.assertEqual(vr.targets_of("qemu.hostile_user"), [6, 7, 10])
        self.assertEqual(vr.targets_of("MkmanifestCli.Help"), [4])

    def test_unchecked_targets_have_no_patterns(self):
        unchecked = [t.number for t in vr.TARGETS if not t.patterns]
        self.assertEqual(unchecked, [8, 9, 14])
        self.assertEqual(len(vr.TARGETS), 14)

    def test_spec_lists_every_target(self):
        specs = vr.load_spec(vr.SPEC_PATH)
        self.assertEqual(sorted(specs), list(range(1, 15)))
        self.assertEqual([p.id for p in specs[12].parts],
                         ["ledger", "cap-slots", "endpoint-queue-depth", "outstanding-calls",
                          "ring-scratch", "frame-grants", "log-bytes", "cpu-budget"])
        for number in (8, 9, 14):  # not built: every part explains why it is missing
            self.assertTrue(all(p.missing for p in specs[number].parts))

    def test_tiers(self):
        self.assertEqual(vr.tier_of("gate.lint", ["gate"]), "gate")
        self.assertEqual(vr.tier_of("user.binary_check.x", ["kernel", "user"]), "gate")
        self.assertEqual(vr.tier_of("prove.elf", None), "prove")
        self.assertEqual(vr.tier_of("ring.stress_under_tsan", ["tsan"]), "tsan")
        self.assertEqual(vr.tier_of("FrameBitmap.Alloc", []), "unit")


class Parsing(unittest.TestCase):
    def test_absent_numbers_stay_absent(self):
        m = vr.parse_output("[ RUN      ] X.Y\n[       OK ] X.Y (0 ms)\n")
        self.assertEqual(vr.metric_summary(m), [])
        self.assertIsNone(m.depth)
        self.assertIsNone(m.fuzz_cov)

    def test_explorer_and_z3(self):
        m = vr.parse_output("PROVED P [b]: 10 states, 20 transitions, depth 3, 0.1 s\n"
                            "PROVED claim E1 (z3)\nCAUGHT v1: x (after 2 operations, 5 states, "
                            "0.0 s)\nMISSED v2: the broken variant passed (7 states)\n")
        self.assertEqual((m.states, m.transitions, m.depth, m.closed), (10, 20, 3, 1))
        self.assertEqual((m.claims, m.caught, m.missed), (1, 1, 1))
        self.assertEqual(m.bounds, ["P [b]"])

    def test_model_fuzz_qemu_rapidcheck(self):
        m = vr.parse_output(
            "a: b: exhaustive (preemption bound 2): 5 states, 6 executions + 1 pruned, 9 steps\n"
            "r: random (seed 1, unbounded): 5000 executions, 10 steps, 1.0 s\n"
            "ring_good: 77 states stored, 0.10 s -- no errors\n"
            "#1 DONE cov: 12 ft: 3\nstat::number_of_executed_units: 100\n"
            "run_qemu: ok: exit status 33 (pass), 1 expected line(s) in order, 2.50 s\n"
            "OK, passed 100 tests\n"
            "mutant-x: spsc: CAUGHT (as required)\n"
            "mutant-y: spsc: NOT CAUGHT as required (expected a violation)\n")
        self.assertEqual((m.states, m.executions), (82, 5006))
        self.assertEqual((m.fuzz_cov, m.fuzz_execs, m.qemu_seconds, m.rc_cases),
                         (12, 100, [2.5], 100))
        self.assertEqual((m.caught, m.missed), (1, 1))


class Parts(unittest.TestCase):
    PART = vr.Part("p", "claim", ("size1", "size2"))

    @staticmethod
    def claim(status: str, kind: str, scope=None):
        return (vr.TestResult("t." + status + kind + str(scope), status, 0.0, ""),
                vr.Evidence(1, "p", kind, scope))

    def test_failing_evidence_is_red(self):
        result = vr.part_result(self.PART, [self.claim("pass", "proved", "size1"),
                                            self.claim("fail", "tested")])
        self.assertEqual(result.status, "fail")

    def test_scopes_must_all_be_proved(self):
        both = vr.part_result(self.PART, [self.claim("pass", "proved", "size1"),
                                          self.claim("pass", "proved", "size2")])
        self.assertEqual(both.status, "proved")
        one = vr.part_result(self.PART, [self.claim("pass", "proved", "size1")])
        self.assertEqual((one.status, one.detail), ("tested", "not proved for size2"))

    def test_no_passing_evidence_is_missing(self):
        self.assertEqual(vr.part_result(self.PART, []).status, "missing")
        skipped = vr.part_result(self.PART, [self.claim("skip", "proved", "size1")])
        self.assertEqual(skipped.status, "missing")
        tested = vr.part_result(vr.Part("q", "c"), [self.claim("pass", "tested")])
        self.assertEqual(tested.status, "tested")

    def test_target_status(self):
        def parts(*statuses):
            return [vr.PartResult(vr.Part(str(i), ""), s, "", []) for i, s in enumerate(statuses)]
        self.assertEqual(vr.target_status(parts("proved", "proved"), False), "proved")
        self.assertEqual(vr.target_status(parts("proved", "tested"), False), "tested")
        self.assertEqual(vr.target_status(parts("proved", "missing"), False), "partial")
        self.assertEqual(vr.target_status(parts("missing", "missing"), False), "missing")
        self.assertEqual(vr.target_status(parts("proved", "fail"), False), "fail")
        self.assertEqual(vr.target_status(parts("proved"), True), "fail")  # a test of it failed

    def test_evidence_lines(self):
        found = vr.parse_evidence("x\nVERIFY-EVIDENCE target=12 part=log-bytes kind=tested\n"
                                  "VERIFY-EVIDENCE target=1 part=stale-ids kind=proved scope=size4\n"
                                  "VERIFY-EVIDENCE target=1 part=Bad kind=proved\n"
                                  "VERIFY-EVIDENCE target=1 part=x kind=maybe\n")
        self.assertEqual(found, [vr.Evidence(12, "log-bytes", "tested", None),
                                 vr.Evidence(1, "stale-ids", "proved", "size4")])


class Spec(unittest.TestCase):
    def write(self, tmp: str, text: str) -> Path:
        path = Path(tmp) / "spec.toml"
        path.write_text(text)
        return path

    def test_errors_name_the_place(self):
        good = vr.SPEC_PATH.read_text()
        with tempfile.TemporaryDirectory() as tmp:
            cases = {
                "must list exactly targets": good.replace("number = 14", "number = 15"),
                "lists a part twice": good.replace('id = "live-ids"', 'id = "stale-ids"'),
                "id must be": good.replace('id = "rollback"', 'id = "Roll back"'),
                "missing or bad field": good.replace('claim = "devices reach only granted '
                                                     'buffers"', ""),
            }
            for message, text in cases.items():
                with self.assertRaisesRegex(vr.SpecError, message):
                    vr.load_spec(self.write(tmp, text))
            with self.assertRaises(vr.SpecError):
                vr.load_spec(self.write(tmp, "[[target\n"))
            self.assertEqual(render(EVIDENCE, tmp, "--spec", str(Path(tmp) / "none.toml")), 2)


class EvidenceWrapper(unittest.TestCase):
    def test_prints_then_runs_the_command(self):
        done = subprocess.run([sys.executable, str(EVIDENCE_PY), "12:log-bytes:tested",
                               "1:stale-ids:proved:size4", "--", sys.executable, "-c",
                               "print('ran'); raise SystemExit(3)"],
                              capture_output=True, text=True, check=False)
        self.assertEqual(done.returncode, 3)  # the command's status, so a failure stays one
        self.assertEqual(done.stdout.splitlines(), [
            "VERIFY-EVIDENCE target=12 part=log-bytes kind=tested",
            "VERIFY-EVIDENCE target=1 part=stale-ids kind=proved scope=size4", "ran"])

    def test_bad_claims(self):
        for argv in (["12:log-bytes:maybe", "--", "true"], ["--", "true"], ["12:x:tested"]):
            done = subprocess.run([sys.executable, str(EVIDENCE_PY), *argv],
                                  capture_output=True, text=True, check=False)
            self.assertEqual(done.returncode, 2, argv)


class Render(unittest.TestCase):
    def test_failing_fixture(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(render(FIXTURE, tmp), 1)
            results, _ = vr.read_junit(FIXTURE)
            report = vr.Report(results, [], {}, vr.load_spec(vr.SPEC_PATH))
            rows = {t.number: g for t, g in report.target_groups()}
            self.assertEqual(rows[1].status(), "fail")
            self.assertEqual(report.target_status(1, rows[1]), "fail")  # its test failed
            self.assertEqual((rows[1].count("pass"), rows[1].count("fail")), (1, 1))
            self.assertEqual(rows[1].metrics.refuted, 1)
            # Passing tests that print no evidence do not make a target green.
            self.assertEqual(rows[2].status(), "pass")
            self.assertEqual(report.target_status(2, rows[2]), "missing")
            self.assertEqual(rows[3].metrics.fuzz_cov, 413)
            self.assertEqual(rows[3].metrics.claims, 2)
            html = (Path(tmp) / "report.html").read_text()
            md = (Path(tmp) / "report.md").read_text()
            self.assertIn('href="logs/prove.cap_table.log"', html)
            self.assertNotIn("<script", html)
            self.assertIn("| 1 | lib/cap CapTable | 2 + 4 | **fail** |", md)
            self.assertIn("| 8 | IPC routing | 3 | missing | exactly-once-transfer: missing — IPC "
                          "is not built yet", md)
            log = (Path(tmp) / "logs" / "prove.cap_table.log").read_text()
            self.assertIn("VIOLATED", log)

    def test_evidence_fixture(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(render(EVIDENCE, tmp), 1)  # prove.frame_bitmap failed
            results, _ = vr.read_junit(EVIDENCE)
            report = vr.Report(results, [], {}, vr.load_spec(vr.SPEC_PATH))
            rows = {t.number: g for t, g in report.target_groups()}
            status = {n: report.target_status(n, rows[n]) for n in rows}
            parts = {n: {p.part.id: p for p in report.target_parts(n)} for n in rows}
            self.assertEqual(status[1], "proved")  # every part proved for every scope
            # The failing evidence test turns its part red, although another test passed it.
            self.assertEqual(parts[2]["free-count"].status, "fail")
            self.assertIn("prove.frame_bitmap", parts[2]["free-count"].detail)
            self.assertEqual(parts[2]["contiguous"].status, "tested")
            self.assertEqual(status[2], "fail")
            self.assertEqual(status[12], "partial")
            self.assertEqual(parts[12]["ledger"].status, "proved")
            self.assertEqual(parts[12]["log-bytes"].status, "tested")
            self.assertEqual(parts[12]["cpu-budget"].status, "missing")
            self.assertEqual(parts[12]["cpu-budget"].detail, "no scheduler yet")
            self.assertEqual(status[7], "partial")
            self.assertEqual(status[11], "missing")
            md = (Path(tmp) / "report.md").read_text()
            self.assertIn("| 1 | lib/cap CapTable | 2 + 4 | proved | stale-ids: proved "
                          "(prove.cap_table, prove.cap_table.size2, prove.cap_table.size4)", md)
            self.assertIn("free-count: fail — failed: prove.frame_bitmap", md)
            self.assertIn("frame-grants: missing — the image loader", md)
            html = (Path(tmp) / "report.html").read_text()
            self.assertIn('<td class="proved">proved</td>', html)
            self.assertIn('<td class="partial">partial</td>', html)

    def test_scope_not_run_is_not_proved(self):
        text = EVIDENCE.read_text()
        start = text.index('<testcase name="prove.cap_table.size4"')
        end = text.index("</testcase>", start) + len("</testcase>")
        with tempfile.TemporaryDirectory() as tmp:
            junit = Path(tmp) / "no_size4.xml"
            junit.write_text(text[:start] + text[end:])
            results, _ = vr.read_junit(junit)
            report = vr.Report(results, [], {}, vr.load_spec(vr.SPEC_PATH))
            group = dict((t.number, g) for t, g in report.target_groups())[1]
            self.assertEqual(report.target_status(1, group), "tested")
            stale = report.target_parts(1)[0]
            self.assertEqual((stale.status, stale.detail), ("tested", "not proved for size4"))

    def test_unknown_evidence_fails_the_report(self):
        text = FIXTURE.read_text().replace('status="fail">\n\t\t<failure message=""/>',
                                           'status="run">').replace(
            "[       OK ] CapTableInsert.Basic (0 ms)",
            "VERIFY-EVIDENCE target=1 part=stale-idz kind=tested\n"
            "[       OK ] CapTableInsert.Basic (0 ms)")
        with tempfile.TemporaryDirectory() as tmp:
            junit = Path(tmp) / "typo.xml"
            junit.write_text(text)
            self.assertEqual(render(junit, str(Path(tmp) / "out")), 1)
            md = (Path(tmp) / "out" / "report.md").read_text()
            self.assertIn("CapTableInsert.Basic: target=1 part=stale-idz", md)

    def test_passing_run_exits_zero(self):
        text = FIXTURE.read_text().replace('status="fail">\n\t\t<failure message=""/>',
                                           'status="run">')
        with tempfile.TemporaryDirectory() as tmp:
            junit = Path(tmp) / "pass.xml"
            junit.write_text(text)
            self.assertEqual(render(junit, str(Path(tmp) / "out")), 0)

    def test_missing_junit(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(vr.main(["--junit", str(Path(tmp) / "none.xml"), "--out", tmp]), 2)


if __name__ == "__main__":
    unittest.main()
