#!/usr/bin/env python3
"""ctest verify.mutation_self_test: the textual-mutation machinery itself.

- verify/mutation.py refuses a mutation whose text occurs zero or two times, one that changes
  nothing, and duplicate names (also after ident()).
- Every mutant of verify/bounded/mutants.py (killed and equivalent) applies to the shipped
  tree exactly once, names a lib/cap, lib/mem or lib/elf file, a prover that exists and a
  violation kind the provers print; the generated header copies keep the shipped line numbers
  and carry the marker the build checks.
- run_mutant.py passes a killed mutant only on status 1 with a matching violation line (not on
  a pass, a crash with a violation line, a violation of another property or status 1 without
  one), passes an equivalent mutant only if the prover passes, and indents the prover's output (no evidence, states or violations
  of a mutant's run reach the dashboard).
Python 3 standard library only; runs no prover.
"""
from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))  # verify/mutation.py
sys.path.insert(0, str(HERE))         # verify/bounded/mutants.py
import mutants  # noqa: E402
import mutation  # noqa: E402

RUN_MUTANT = HERE / "run_mutant.py"
PROVERS = {"cap_table", "frame_bitmap", "frame_ledger", "elf", "user_range", "transfer"}


class Apply(unittest.TestCase):
    def apply(self, text, find, replace):
        return mutation.apply(text, find, replace, name="m", source="f.h", generator="g")

    def test_exactly_once(self):
        self.assertEqual(self.apply("a b c", "b", "x"), "a x c")
        with self.assertRaisesRegex(mutation.MutationError, "occurs 0 times in f.h"):
            self.apply("a b c", "z", "x")
        with self.assertRaisesRegex(mutation.MutationError, "occurs 2 times in f.h"):
            self.apply("b b", "b", "x")

    def test_must_change_the_text(self):
        with self.assertRaisesRegex(mutation.MutationError, "does not change f.h"):
            self.apply("a b", "b", "b")

    def test_names(self):
        mutation.check_names(["a-b", "c"], "g")
        with self.assertRaisesRegex(mutation.MutationError, "duplicate mutant name"):
            mutation.check_names(["a-b", "a_b"], "g")
        self.assertEqual(mutation.ident("Cap-No.Bump"), "cap_no_bump")


class ShippedMutants(unittest.TestCase):
    def test_every_mutant_applies_to_the_shipped_tree(self):
        everything = mutants.MUTANTS + mutants.EQUIVALENT
        mutation.check_names((m["name"] for m in everything), "test")
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp)
            for mutant in everything:
                with self.subTest(mutant=mutant["name"]):
                    self.assertRegex(mutant["file"], r"^lib/(cap|mem|elf)/[a-z_]+\.(h|cpp)$")
                    self.assertIn(mutant["prover"], PROVERS)
                    self.assertTrue(mutant["run"], "no prover arguments")
                    self.assertTrue(mutant["why"])
                    mutants.emit(mutant, ROOT, out)
                    copy = (out / mutant["name"] / mutant["file"]).read_text()
                    shipped = (ROOT / mutant["file"]).read_text()
                    self.assertNotEqual(copy, shipped)
                    if mutant["file"].endswith(".h"):
                        marker = mutants.marker(mutant["name"])
                        self.assertIn(f"#define {marker} 1", copy)
                        self.assertIn(f"#ifndef {marker}",
                                      (out / mutant["name"] / "marker.cpp").read_text())
                        # The change keeps the line count unless it deletes or adds lines.
                        delta = mutant["replace"].count("\n") - mutant["find"].count("\n")
                        self.assertEqual(copy.count("\n"), shipped.count("\n") + delta + 2)

    def test_killed_mutants_expect_a_violation_kind(self):
        for mutant in mutants.MUTANTS:
            with self.subTest(mutant=mutant["name"]):
                self.assertRegex(mutant["expect"], r"^\^(VIOLATED|REFUTED|MISMATCH) ")

    def test_stale_mutation_fails_generation(self):
        with tempfile.TemporaryDirectory() as tmp:
            source = pathlib.Path(tmp) / "src"
            mutant = mutants.MUTANTS[0]
            (source / mutant["file"]).parent.mkdir(parents=True)
            (source / mutant["file"]).write_text("// the mutated text is gone\n")
            with self.assertRaisesRegex(mutation.MutationError, "occurs 0 times"):
                mutants.emit(mutant, source, pathlib.Path(tmp) / "out")

    def test_cmake_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "list.cmake"
            mutants.emit_cmake(path)
            lines = [l for l in path.read_text().splitlines() if l.startswith("capos_bounded")]
            self.assertEqual(len(lines), len(mutants.MUTANTS) + len(mutants.EQUIVALENT))
            self.assertEqual(sum(" killed " in l for l in lines), len(mutants.MUTANTS))
            self.assertEqual(sum(" equivalent " in l for l in lines), len(mutants.EQUIVALENT))


def fake_prover(status: int, output: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.stdout.write({output!r}); sys.exit({status})"]


def run_mutant(*verdict: str, prover: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN_MUTANT), "--name", "m", *verdict, "--",
                           *prover], capture_output=True, text=True, check=False)


class RunMutant(unittest.TestCase):
    EXPECT = ("--expect", r"^VIOLATED .*free_count")

    def verdict(self, status: int, output: str, *verdict: str) -> tuple[int, str]:
        done = run_mutant(*(verdict or self.EXPECT), prover=fake_prover(status, output))
        return done.returncode, done.stdout.splitlines()[0]

    def test_caught(self):
        code, line = self.verdict(1, "x\nVIOLATED frame_bitmap: free_count is wrong\n")
        self.assertEqual((code, line), (0, "CAUGHT mutant m: VIOLATED frame_bitmap: free_count "
                                           "is wrong"))

    def test_missed(self):
        cases = {
            (0, "PROVED everything\n"): "the prover passed (the mutant survived)",
            (134, "VIOLATED free_count\n"): "status 134 (a crash, not a violation)",
            (1, "VIOLATED alloc() returned a used frame\n"): "no violation matches",
            (1, "error: bad arguments\n"): "failed without a violation line",
        }
        for (status, output), why in cases.items():
            with self.subTest(status=status, output=output):
                code, line = self.verdict(status, output)
                self.assertEqual(code, 1)
                self.assertTrue(line.startswith("MISSED mutant m: "), line)
                self.assertIn(why, line)

    def test_equivalent(self):
        self.assertEqual(self.verdict(0, "PROVED x\n", "--equivalent"),
                         (0, "EQUIVALENT mutant m: the prover passed, as the equivalence "
                             "argument says"))
        code, line = self.verdict(1, "VIOLATED y\n", "--equivalent")
        self.assertEqual(code, 1)
        self.assertTrue(line.startswith("KILLED equivalent mutant m: VIOLATED y"), line)
        self.assertEqual(self.verdict(2, "", "--equivalent")[0], 1)

    def test_evidence_is_defused(self):
        done = run_mutant(*self.EXPECT, prover=fake_prover(
            1, "VERIFY-EVIDENCE target=2 part=free-count kind=proved\nVIOLATED free_count\n"))
        self.assertEqual(done.returncode, 0)
        self.assertNotRegex(done.stdout, r"(?m)^(VERIFY-EVIDENCE|VIOLATED)")
        self.assertIn("  mutant| VERIFY-EVIDENCE target=2", done.stdout)

    def test_needs_a_verdict_and_a_command(self):
        self.assertEqual(run_mutant(prover=["true"]).returncode, 2)
        self.assertEqual(run_mutant(*self.EXPECT, prover=[]).returncode, 2)


if __name__ == "__main__":
    unittest.main()
