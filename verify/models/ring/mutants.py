#!/usr/bin/env python3
"""Broken variants of the ring protocol, generated from the shipped source.

Each mutant is one textual change to lib/ring/user_ring.h or lib/ring/kernel_ring.h (the
`find` text must occur exactly once, so a change to the shipped code that makes a mutation stale
fails the build instead of silently testing nothing). The mutated header is emitted in a
namespace of its own (capos::mutant_<id>) with a traits struct the models are templated on, so
the checker runs the mutant exactly as it runs the shipped code. `catch` is the model
configuration that must report a violation whose message contains one of the `expect`
alternatives ('|'-separated); `make model-check` fails if any mutant is not caught.

usage: mutants.py --source-dir DIR --out-dir DIR | --names
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # verify/mutation.py
import mutation  # noqa: E402  (the shared textual-mutation machinery)

REL = "std::memory_order_release"
ACQ = "std::memory_order_acquire"
RLX = "std::memory_order_relaxed"

MUTANTS = [
    # --- relaxed instead of release -------------------------------------------------------
    dict(name="user-sq-tail-relaxed", file="user",
         why="submit publishes sq_tail with a relaxed store",
         find=f"    m_sq_tail += 1;\n    m_atomics->store(m_page->sq_tail, m_sq_tail, {REL});",
         replace=f"    m_sq_tail += 1;\n    m_atomics->store(m_page->sq_tail, m_sq_tail, {RLX});",
         catch=dict(kind="spsc", sq=1, cq=1, user="s", kernel="e"), expect="data race"),
    dict(name="kernel-cq-tail-relaxed", file="kernel",
         why="publish stores cq_tail relaxed",
         find=f"    m_atomics->store(m_page->cq_tail, m_cq_tail, {REL});\n"
              f"    m_atomics->store(m_page->sq_head",
         replace=f"    m_atomics->store(m_page->cq_tail, m_cq_tail, {RLX});\n"
                 f"    m_atomics->store(m_page->sq_head",
         catch=dict(kind="spsc", sq=1, cq=1, user="sr", kernel="e"), expect="data race"),
    dict(name="kernel-sq-head-relaxed", file="kernel",
         why="publish stores sq_head relaxed (the user may reuse a slot the kernel is reading)",
         find=f"    m_atomics->store(m_page->sq_head, m_sq_head, {REL});",
         replace=f"    m_atomics->store(m_page->sq_head, m_sq_head, {RLX});",
         catch=dict(kind="spsc", sq=1, cq=1, user="ss", kernel="e"), expect="data race"),
    dict(name="user-cq-head-relaxed", file="user",
         why="reap frees the CQ slot with a relaxed store",
         find=f"    m_cq_head += 1;\n    m_atomics->store(m_page->cq_head, m_cq_head, {REL});",
         replace=f"    m_cq_head += 1;\n    m_atomics->store(m_page->cq_head, m_cq_head, {RLX});",
         catch=dict(kind="spsc", sq=2, cq=1, user="srsr", kernel="ee"), expect="data race"),
    # --- acquire dropped --------------------------------------------------------------------
    dict(name="kernel-sq-tail-acquire-dropped", file="kernel",
         why="enter loads sq_tail relaxed",
         find=f"m_atomics->load(m_page->sq_tail, {ACQ})",
         replace=f"m_atomics->load(m_page->sq_tail, {RLX})",
         catch=dict(kind="spsc", sq=1, cq=1, user="s", kernel="e"), expect="data race"),
    dict(name="user-cq-tail-acquire-dropped", file="user",
         why="reap loads cq_tail relaxed",
         find=f"m_atomics->load(m_page->cq_tail, {ACQ})",
         replace=f"m_atomics->load(m_page->cq_tail, {RLX})",
         catch=dict(kind="spsc", sq=1, cq=1, user="sr", kernel="e"), expect="data race"),
    dict(name="user-sq-head-acquire-dropped", file="user",
         why="submit loads sq_head relaxed",
         find=f"m_atomics->load(m_page->sq_head, {ACQ})",
         replace=f"m_atomics->load(m_page->sq_head, {RLX})",
         catch=dict(kind="spsc", sq=1, cq=1, user="ss", kernel="e"), expect="data race"),
    dict(name="kernel-cq-head-acquire-dropped", file="kernel",
         why="enter loads cq_head relaxed",
         find=f"m_atomics->load(m_page->cq_head, {ACQ})",
         replace=f"m_atomics->load(m_page->cq_head, {RLX})",
         catch=dict(kind="spsc", sq=2, cq=1, user="srsr", kernel="ee"), expect="data race"),
    # --- a missing or wrong bound check -----------------------------------------------------
    dict(name="user-no-full-check", file="user",
         why="submit does not stop at a full SQ",
         find="    if (queued == SQ_ENTRIES) return Error::WouldBlock;\n",
         replace="",
         catch=dict(kind="spsc", sq=1, cq=1, user="ss", kernel="e"),
         expect="data race|expected|CQE lost|did not recover"),
    dict(name="kernel-no-sq-bound-check", file="kernel",
         why="enter does not validate sq_tail",
         find="if (pending > SQ_ENTRIES || m_cq_tail - cq_head > CQ_ENTRIES) {",
         replace="if (m_cq_tail - cq_head > CQ_ENTRIES) {",
         catch=dict(kind="hostile", sq=1, cq=1, kernel="e", steps=1), expect="out-of-window"),
    dict(name="kernel-no-cq-bound-check", file="kernel",
         why="enter does not validate cq_head",
         find="if (pending > SQ_ENTRIES || m_cq_tail - cq_head > CQ_ENTRIES) {",
         replace="if (pending > SQ_ENTRIES) {",
         catch=dict(kind="hostile", sq=1, cq=1, kernel="e", steps=1), expect="out-of-window"),
    dict(name="kernel-corrupt-latched", file="kernel",
         why="once RING_FLAG_CORRUPT is set every later entry fails (no recovery)",
         find="if (pending > SQ_ENTRIES || m_cq_tail - cq_head > CQ_ENTRIES) {",
         replace="if (m_flags != 0 || pending > SQ_ENTRIES || m_cq_tail - cq_head > CQ_ENTRIES) {",
         catch=dict(kind="hostile", sq=1, cq=1, kernel="e", steps=1),
         expect="RingCorrupt for in-window|did not recover"),
    dict(name="kernel-cq-reservation-off-by-one", file="kernel",
         why="the CQ back-pressure check lets one completion too many through",
         find="if (m_cq_tail - cq_head + m_deferred >= CQ_ENTRIES) {",
         replace="if (m_cq_tail - cq_head + m_deferred > CQ_ENTRIES) {",
         catch=dict(kind="spsc", sq=2, cq=1, user="ss", kernel="e"),
         expect="without a free CQ slot|more than cq_entries"),
    dict(name="kernel-budget-off-by-one", file="kernel",
         why="an entry consumes one SQE more than its budget",
         find="ring_detail::smaller(budget, SQES_PER_ENTRY)",
         replace="ring_detail::smaller(budget + 1, SQES_PER_ENTRY)",
         catch=dict(kind="hostile", sq=2, cq=2, kernel="e", steps=1, budget=1), expect="budget"),
    dict(name="kernel-reads-outside-sq", file="kernel",
         why="the SQ slot index is reduced modulo entries + 1",
         find="m_atomics->read_sqe(m_page->sq[m_sq_head % SQ_ENTRIES])",
         replace="m_atomics->read_sqe(*(m_page->sq + m_sq_head % (SQ_ENTRIES + 1)))",
         catch=dict(kind="spsc", sq=1, cq=1, user="s", kernel="e", first=0xFFFFFFFF),
         expect="outside the queue"),
    # --- double publish / double consume ----------------------------------------------------
    dict(name="kernel-double-publish-cqe", file="kernel",
         why="a completion is written to the CQ twice",
         find="        write_completion(cqe);\n        ++report.completed;",
         replace="        write_completion(cqe);\n        write_completion(cqe);\n"
                 "        ++report.completed;",
         catch=dict(kind="spsc", sq=1, cq=2, user="sr", kernel="e"),
         expect="CQEs posted != SQEs completed|delivered twice"),
    dict(name="user-double-publish-sqe", file="user",
         why="submit advances sq_tail by two for one SQE",
         find=f"    m_sq_tail += 1;\n    m_atomics->store(m_page->sq_tail, m_sq_tail, {REL});",
         replace=f"    m_sq_tail += 2;\n    m_atomics->store(m_page->sq_tail, m_sq_tail, {REL});",
         catch=dict(kind="spsc", sq=2, cq=2, user="s", kernel="e"), expect="expected 2"),
    dict(name="user-publish-before-write", file="user",
         why="submit publishes sq_tail before writing the SQE",
         find="    m_atomics->write_sqe(m_page->sq[m_sq_tail % SQ_ENTRIES], sqe);\n"
              "    m_sq_tail += 1;\n"
              f"    m_atomics->store(m_page->sq_tail, m_sq_tail, {REL});",
         replace="    m_sq_tail += 1;\n"
                 f"    m_atomics->store(m_page->sq_tail, m_sq_tail, {REL});\n"
                 "    m_atomics->write_sqe(m_page->sq[(m_sq_tail - 1) % SQ_ENTRIES], sqe);",
         catch=dict(kind="spsc", sq=1, cq=1, user="s", kernel="e"),
         expect="data race|torn or stale|expected"),
    dict(name="kernel-double-fetch", file="kernel",
         why="the completion re-reads user_data from the shared SQE (TOCTOU)",
         find="        cqe.user_data = sqe.user_data;",
         replace="        cqe.user_data = m_atomics->read_sqe(m_page->sq[m_sq_head % SQ_ENTRIES])"
                 ".user_data;",
         catch=dict(kind="hostile", sq=1, cq=1, kernel="e", steps=2), expect="SQ slots for"),
    dict(name="kernel-defer-reconsumes", file="kernel",
         why="a deferred SQE is not retired from the SQ (consumed again)",
         find="        ++m_deferred;\n        ++report.deferred;\n      }\n      ++m_sq_head;",
         replace="        ++m_deferred;\n        ++report.deferred;\n        --m_sq_head;\n      }\n"
                 "      ++m_sq_head;",
         catch=dict(kind="spsc", sq=2, cq=2, user="ss", kernel="e", defer=True),
         expect="sq_head moved|expected"),
]

SOURCES = {"user": "lib/ring/user_ring.h", "kernel": "lib/ring/kernel_ring.h"}


GENERATOR = "verify/models/ring/mutants.py"
ident = mutation.ident


def emit_header(mutant: dict, source_dir: pathlib.Path) -> str:
    source = SOURCES[mutant["file"]]
    text = mutation.apply((source_dir / source).read_text(), mutant["find"], mutant["replace"],
                          name=mutant["name"], source=source, generator=GENERATOR)
    space = f"mutant_{ident(mutant['name'])}"
    if text.count("namespace capos {") != 1 or text.count("}  // namespace capos\n") != 1:
        raise SystemExit(f"mutants.py: {source}: expected one `namespace capos {{` block")
    text = text.replace("namespace capos {", f"namespace capos::{space} {{")
    text = text.replace("}  // namespace capos\n", f"}}  // namespace capos::{space}\n")
    user = f"capos::{space}::UserRing" if mutant["file"] == "user" else "capos::UserRing"
    kernel = f"capos::{space}::KernelRing" if mutant["file"] == "kernel" else "capos::KernelRing"
    outcome = (f"capos::{space}::DispatchOutcome" if mutant["file"] == "kernel"
               else "capos::DispatchOutcome")
    header = (f"// GENERATED by verify/models/ring/mutants.py from {source}: do not edit.\n"
              f"// Mutant {mutant['name']}: {mutant['why']}.\n")
    traits = f"""
namespace capos::verify::ring {{
struct Mutant_{ident(mutant['name'])} {{
  static constexpr const char* NAME = "{mutant['name']}";
  template <typename Atomics, typename Page>
  using User = {user}<Atomics, Page>;
  template <typename Atomics, typename Page>
  using Kernel = {kernel}<Atomics, Page>;
  using Outcome = {outcome};
}};
}}  // namespace capos::verify::ring
"""
    return header + text + traits


def emit_list(mutants: list) -> str:
    lines = ["// GENERATED by verify/models/ring/mutants.py: do not edit.\n"]
    for m in mutants:
        c = m["catch"]
        kind = "Spsc" if c["kind"] == "spsc" else "Hostile"
        lines.append(
            f'CAPOS_MUTANT(Mutant_{ident(m["name"])}, "{m["name"]}", "{SOURCES[m["file"]]}", '
            f'"{m["why"]}", "{m["expect"]}", {kind}, {c["sq"]}, {c["cq"]}, "{c.get("user", "")}", '
            f'"{c.get("kernel", "e")}", {c.get("budget", 16)}, {str(c.get("defer", False)).lower()}, '
            f'{c.get("steps", 2)}, {c.get("first", 0xFFFFFFFE):#x}U)\n')
    return "".join(lines)


write_if_changed = mutation.write_if_changed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", type=pathlib.Path)
    parser.add_argument("--out-dir", type=pathlib.Path)
    parser.add_argument("--names", action="store_true", help="print the mutant names (for CMake)")
    args = parser.parse_args()
    if args.names:
        print(";".join(m["name"] for m in MUTANTS))
        return 0
    if args.source_dir is None or args.out_dir is None:
        parser.error("--source-dir and --out-dir are required")
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    mutation.check_names((m["name"] for m in MUTANTS), GENERATOR)
    includes = []
    for mutant in MUTANTS:
        file = f"mutant_{ident(mutant['name'])}.h"
        write_if_changed(out / file, emit_header(mutant, args.source_dir))
        includes.append(f'#include "{file}"\n')
    write_if_changed(out / "mutant_headers.inc", "".join(includes))
    write_if_changed(out / "mutant_list.inc", emit_list(MUTANTS))
    write_if_changed(out / "stamp", "ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
