#!/usr/bin/env python3
"""tools/verify_report: JUnit parsing, output parsing, target mapping, exit status (ctest
tools.verify_report). Renders fixtures/junit_fail.xml (one failing proof) without running ctest."""
import importlib.util
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


class Mapping(unittest.TestCase):
    def test_targets(self):
        self.assertEqual(vr.targets_of("CapTableInsert.Basic"), [1])
        self.assertEqual(vr.targets_of("prove.cap_table.self_test"), [1])
        self.assertEqual(vr.targets_of("prove.elf"), [3])
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


class Render(unittest.TestCase):
    def test_failing_fixture(self):
        with tempfile.TemporaryDirectory() as tmp:
            code = vr.main(["--junit", str(FIXTURE), "--build", str(Path(tmp) / "nobuild"),
                            "--out", tmp, "--coverage", str(Path(tmp) / "nocov")])
            self.assertEqual(code, 1)
            results, _ = vr.read_junit(FIXTURE)
            report = vr.Report(results, [], {})
            rows = {t.number: g for t, g in report.target_groups()}
            self.assertEqual(rows[1].status(), "fail")
            self.assertEqual((rows[1].count("pass"), rows[1].count("fail")), (1, 1))
            self.assertEqual(rows[1].metrics.refuted, 1)
            self.assertEqual(rows[2].status(), "pass")
            self.assertEqual(rows[3].status(), "pass")
            self.assertEqual(rows[3].metrics.fuzz_cov, 413)
            self.assertEqual(rows[3].metrics.claims, 2)
            self.assertEqual(rows[8].status(checked=False), "not yet checked")
            self.assertEqual(rows[6].status(), "no tests")
            html = (Path(tmp) / "report.html").read_text()
            md = (Path(tmp) / "report.md").read_text()
            self.assertIn('href="logs/prove.cap_table.log"', html)
            self.assertNotIn("<script", html)
            self.assertIn("| 1 | lib/cap CapTable | 2 + 4 | **fail** |", md)
            self.assertIn("| 8 | IPC routing | 3 | not yet checked |", md)
            log = (Path(tmp) / "logs" / "prove.cap_table.log").read_text()
            self.assertIn("VIOLATED", log)

    def test_passing_run_exits_zero(self):
        text = FIXTURE.read_text().replace('status="fail">\n\t\t<failure message=""/>',
                                           'status="run">')
        with tempfile.TemporaryDirectory() as tmp:
            junit = Path(tmp) / "pass.xml"
            junit.write_text(text)
            code = vr.main(["--junit", str(junit), "--build", str(Path(tmp) / "nobuild"),
                            "--out", str(Path(tmp) / "out"), "--coverage", tmp])
            self.assertEqual(code, 0)

    def test_missing_junit(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(vr.main(["--junit", str(Path(tmp) / "none.xml"), "--out", tmp]), 2)


if __name__ == "__main__":
    unittest.main()
