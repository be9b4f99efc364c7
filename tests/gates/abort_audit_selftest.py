#!/usr/bin/env python3
"""Self-test of the abort audit (ctest gate.abort_audit_selftest; tools/audit/README.md).

The audit must fail on MUTANTS OF THE SHIPPED CODE, not on hand-written copies. The test copies
the tree's kernel/, lib/, user/, the inventory and the audit's policy files to a temporary
directory, checks that the unchanged copy passes (so each failure below is the mutation's), and
then applies textual patches and requires the named failure:

  source mutants (one tree; clang re-analyses only the units that include a changed file)
    live-cap       delete the BadCap check in RingDispatcher::decode_call: `*entry` on an
                   unchecked Result (every bad cap id would panic the kernel)
    vector-index   `cap < service.caps.size()` -> `<=` in manifest validation: check_cap_local's
                   StaticVector::operator[] precondition on its parameters is no longer met
    cap-take       RELEASE's invoke step calls CapTable::take (KASSERTs a live id) instead of
                   remove_cap()
    new-wrapper    a new [[noreturn]] wrapper around Arch::exit_emulator called from Console's
                   decode step
    debug-exit     a direct x86_64::debug_exit in CapabilityManager.list's decode step
    tick-panic     a panic in the timer interrupt taken from user mode (the `interrupt` entry:
                   a user program decides how many ticks it sits through)
    outside-ns     a helper defined outside namespace capos (invisible to the clang dump)
  then, on that tree, the new sites classified `boot` must fail as reachable;
  policy mutants (no source change: everything cached)
    entry-rename   an entry pattern that matches nothing (a renamed syscall handler)
    override-gone  `overrides` of a virtual method that does not exist
    external-gone  an `external` line removed (std::exchange becomes an unanalysed call)
    host-only-lie, user-process-lie, precondition-lie, no-reason, unclassified, no-class,
    stale-entry, reach-drift   inventory classes the audit verifies
  and `update` keeps classes, drops the stale entry and marks new sites UNCLASSIFIED.

Usage: abort_audit_selftest.py --build BUILD_DIR [--root ROOT]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
AUDIT = ROOT / "tools" / "audit" / "abort_audit.py"
COPIED = ("kernel", "lib", "user")
POLICY_FILES = ("tools/audit/untrusted_entries.txt", "tools/audit/abort_policy.txt",
                "docs/abort-inventory.txt")


class Failure(Exception):
    pass


def run(tree, build, cache, *extra):
    command = [sys.executable, str(AUDIT), "check", "--root", str(tree), "--build", str(build),
               "--cache", str(cache), *extra]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def replace(tree, relative, old, new, count=1):
    """A textual patch of the shipped file; fails loudly when the shipped text changed (update
    the mutant with the code)."""
    path = tree / relative
    text = path.read_text(encoding="utf-8")
    if text.count(old) != count:
        raise Failure(f"mutant of {relative}: expected {count} occurrence(s) of {old!r}, found "
                      f"{text.count(old)}: the shipped code changed, update this self-test")
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(tree, relative, needle):
    for number, line in enumerate((tree / relative).read_text().splitlines(), 1):
        if needle in line:
            return number
    raise Failure(f"{relative}: no line containing {needle!r}")


def expect(name, status, output, *needles):
    if status == 0:
        raise Failure(f"{name}: the audit PASSED a mutant:\n{output[-3000:]}")
    missing = [needle for needle in needles if needle not in output]
    if missing:
        raise Failure(f"{name}: the audit failed without naming {missing}:\n{output[-6000:]}")
    print(f"abort-selftest: {name}: rejected as expected")


def make_tree(scratch, root):
    tree = scratch / "tree"
    for top in COPIED:
        shutil.copytree(root / top, tree / top, symlinks=True)
    for relative in POLICY_FILES:
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, tree / relative)
    return tree


def source_mutants(tree, build, cache):
    ring = "kernel/cap/ring_dispatch.h"
    replace(tree, ring,
            '    if (!entry) return invocation.fail(Error::BadCap, "no live cap with this id");\n'
            "    invocation.set_target(*entry);", "    invocation.set_target(*entry);")
    live_cap = line_of(tree, ring, "invocation.set_target(*entry);")
    replace(tree, ring,
            "    const Result<ObjectTable::Entry> removed = remove_cap(*m_caller.caps, "
            "*m_caller.ledger, id);\n    KASSERT(removed.has_value());",
            "    (void)m_caller.caps->take(id);")
    take = line_of(tree, ring, "m_caller.caps->take(id)")
    validate = "lib/manifest/validate.cpp"
    replace(tree, validate, "for (size_t cap = 0; cap < service.caps.size(); ++cap)",
            "for (size_t cap = 0; cap <= service.caps.size(); ++cap)")
    index = line_of(tree, validate, "TRY(check_cap_local(service, cap, service_path));")
    console = "kernel/object/console.cpp"
    replace(tree, console, '#include "lib/capnp/capnp_error.h"\n',
            '#include "lib/capnp/capnp_error.h"\n#include "kernel/arch/current.h"\n\n'
            "void helper_outside_namespace() {}\n")
    replace(tree, console, "namespace {\n",
            "namespace {\n\n[[noreturn]] void give_up() { Arch::exit_emulator(ExitStatus::Fail); }\n")
    replace(tree, console, "                                                       bool newline) {\n",
            "                                                       bool newline) {\n"
            "  if (newline) give_up();\n")
    wrapper = line_of(tree, console, "void give_up()")
    outside = line_of(tree, console, "void helper_outside_namespace()")
    manager = "kernel/object/capability_manager.cpp"
    text = (tree / manager).read_text()
    first_include = re.search(r'#include "[^"]+"\n', text).group(0)
    replace(tree, manager, first_include,
            first_include + '#include "kernel/arch/x86_64/debug_exit.h"\n')
    match = re.search(r"\n(\s*)KASSERT\(index < count\);", text)
    if not match:
        raise Failure(f"{manager}: KASSERT(index < count) not found: update this self-test")
    replace(tree, manager, "KASSERT(index < count);",
            "KASSERT(index < count);\n    if (index > 1000) x86_64::debug_exit(ExitStatus::Fail);")
    direct = line_of(tree, manager, "x86_64::debug_exit(ExitStatus::Fail)")
    irq = "kernel/arch/x86_64/interrupts.cpp"
    replace(tree, irq, "  if (from_user) ++g_statistics.ticks_from_user;\n",
            "  if (from_user) ++g_statistics.ticks_from_user;\n"
            "  if (from_user && g_statistics.ticks_from_user > 1000) "
            "capos_panic(\"tick flood\", __FILE__, __LINE__);\n")
    tick_panic = line_of(tree, irq, "capos_panic(\"tick flood\"")

    status, output = run(tree, build, cache)
    expect("live-cap", status, output,
           f"{ring}:{live_cap}: unguarded result_access `*entry` in RingDispatcher::decode_call "
           "is reachable from ring-dispatch, syscall")
    expect("vector-index", status, output,
           f"{validate}:{index}: unguarded precondition_call", "reachable from manifest-decode")
    expect("cap-take", status, output,
           f"{ring}:{take}: unguarded unchecked_call `m_caller.caps->take(id)`",
           "(capos::CapTable::take: no check of this Result dominates the access)")
    expect("new-wrapper", status, output,
           f"{console}:{wrapper}: exit_emulator in give_up is not in docs/abort-inventory.txt",
           "reach: cap-object, ring-dispatch, syscall")
    expect("debug-exit", status, output,
           f"{manager}:{direct}: debug_exit in CapabilityManagerObject::decode_list is not in")
    expect("tick-panic", status, output,
           f"{irq}:{tick_panic}: capos_panic in timer_interrupt is not in docs/abort-inventory.txt",
           "reach: interrupt)")
    expect("outside-ns", status, output,
           f"{console}:{outside}: helper_outside_namespace is defined outside namespace capos")

    # Classifying the new stops `boot` (so they are "documented") must not be accepted: boot is
    # verified unreachable from every untrusted entry.
    inventory = tree / "docs/abort-inventory.txt"
    subprocess.run([sys.executable, str(AUDIT), "update", "--root", str(tree), "--build",
                    str(build), "--cache", str(cache)], capture_output=True, check=True)
    text = inventory.read_text()
    for needle in ("| give_up | exit_emulator |", "| CapabilityManagerObject::decode_list | debug_exit |"):
        text = re.sub(r"(" + re.escape(needle) + r"[^\n]*\n)    UNCLASSIFIED:[^\n]*",
                      r"\1    boot: only before any user code runs, the author says", text)
    inventory.write_text(text)
    status, output = run(tree, build, cache)
    expect("boot-lie", status, output,
           f"{console}:{wrapper}: exit_emulator in give_up is classified boot",
           "but is reachable from cap-object")


def policy_mutants(tree, build, cache):
    entries = tree / "tools/audit/untrusted_entries.txt"
    policy = tree / "tools/audit/abort_policy.txt"
    inventory = tree / "docs/abort-inventory.txt"
    saved = {path: path.read_text() for path in (entries, policy, inventory)}

    replace(tree, "tools/audit/untrusted_entries.txt", "syscall          capos::kernel::handle_syscall\n",
            "syscall          capos::kernel::handle_syscalls\n")
    replace(tree, "tools/audit/untrusted_entries.txt",
            "cap-object       overrides capos::kernel::CapObject::decode_methods\n",
            "cap-object       overrides capos::kernel::CapObject::decode_methods_v2\n")
    replace(tree, "tools/audit/abort_policy.txt", "external exchange --", "# external exchange --")
    status, output = run(tree, build, cache)
    expect("entry-rename", status, output,
           "entry capos::kernel::handle_syscalls (syscall) matches no function")
    expect("override-gone", status, output,
           "entry capos::kernel::CapObject::decode_methods_v2 (cap-object) matches no function")
    expect("external-gone", status, output, "call of exchange, which clang did not analyse")
    for path, text in saved.items():
        path.write_text(text)

    text = inventory.read_text()

    def set_class(text, prefix, new_line):
        pattern = re.compile(r"^(" + re.escape(prefix) + r"[^\n]*\n)    [^\n]*", re.M)
        if not pattern.search(text):
            raise Failure(f"inventory: no entry starting {prefix!r}: update this self-test")
        return pattern.sub(lambda m: m.group(1) + new_line, text, count=1)

    ring = "kernel/cap/ring_dispatch.h | RingDispatcher::invoke_release | KASSERT"
    text = set_class(text, ring, "    host-only: the author says so")
    text = set_class(text, "kernel/proc/syscall.cpp | cap_enter | KASSERT",
                     "    user-process: the author says so")
    text = set_class(text, "kernel/cap/ring_dispatch.h | RingDispatcher::fail_call | KASSERT",
                     "    precondition: the author says so")
    text = set_class(text, "lib/cap/cap_id.h | make_cap_id | KASSERT", "    invariant:")
    text = set_class(text, "kernel/cap/ring_dispatch.cpp | read_xfer_descs | KASSERT",
                     "    UNCLASSIFIED:")
    text = re.sub(r"(kernel/proc/syscall.cpp \| exit_process \| KASSERT[^\n]*\n)    [^\n]*\n",
                  r"\1", text, count=1)  # the class line removed
    text = re.sub(r"(kernel/mem/direct_map.h \| physical_to_virtual \| KASSERT[^\n]*\n"
                  r"    [^\n]*\n)    reach: [^\n]*", r"\1    reach: -", text, count=1)
    text += ("lib/bad/gone.cpp | parse_header | KASSERT | `KASSERT(header.size == 64)`\n"
             "    invariant: a site that was deleted from the tree long ago\n    reach: -\n")
    inventory.write_text(text)
    status, output = run(tree, build, cache)
    expect("host-only-lie", status, output,
           "KASSERT in RingDispatcher::invoke_release is classified host-only",
           "but the kernel compiles it")
    expect("user-process-lie", status, output,
           "KASSERT in cap_enter is classified user-process", "nor under user/")
    expect("precondition-lie", status, output,
           "KASSERT in RingDispatcher::fail_call is classified precondition",
           "not a declared accessor")
    expect("no-reason", status, output, "KASSERT in make_cap_id: no reason after 'invariant:'")
    expect("unclassified", status, output, "KASSERT in read_xfer_descs is UNCLASSIFIED")
    expect("no-class", status, output, "exit_process | KASSERT")
    expect("stale-entry", status, output,
           "stale entry, no such site any more: lib/bad/gone.cpp")
    expect("reach-drift", status, output,
           "KASSERT in physical_to_virtual: reach changed from '-' to 'image-load, interrupt'")

    # update: keeps the classes it can, drops the stale entry, new sites UNCLASSIFIED.
    subprocess.run([sys.executable, str(AUDIT), "update", "--root", str(tree), "--build",
                    str(build), "--cache", str(cache)], capture_output=True, check=True)
    updated = inventory.read_text()
    if "lib/bad/gone.cpp" in updated or "host-only: the author says so" not in updated or \
            "reach: image-load" not in updated:
        raise Failure("update: did not drop the stale entry, keep a class or recompute reach")
    status, output = run(tree, build, cache)
    expect("update-keeps-classes", status, output,
           "KASSERT in exit_process is UNCLASSIFIED")
    print("abort-selftest: update: kept classes, dropped the stale entry, marked new sites")
    for path, text in saved.items():
        path.write_text(text)


def guard_fixture(root):
    """The guard analysis on tests/gates/fixtures/abort_guards/guards.cpp: every marked access
    gets its marked verdict (both directions: a check that accepts everything fails here)."""
    sys.path.insert(0, str(ROOT / "tools" / "audit"))
    import abort_ast  # noqa: E402 (the audit's own module, from this tree)
    import abort_audit  # noqa: E402
    fixture = root / "tests/gates/fixtures/abort_guards/guards.cpp"
    problems = []
    policy = abort_audit.read_policy(root / abort_audit.POLICY, abort_audit.POLICY, problems)
    accessors = {p.pattern: p.argument for p in policy["accessor"]}
    command = ["clang++-19", "-std=c++20", "-ffreestanding", "-fno-exceptions", "-fno-rtti",
               f"-I{root}", "-Wno-everything", str(fixture)]
    summary = abort_ast.analyse(command, str(root), str(root), accessors)
    marks = {}
    for number, line in enumerate(fixture.read_text().splitlines(), 1):
        match = re.search(r"// (guarded|unguarded|precondition|call-guarded|call-unguarded)$",
                          line)
        if match:
            marks[number] = match.group(1)
    seen = {}
    for function in summary["functions"].values():
        for access in function["accesses"]:
            if not access[3] or not access[3].endswith("guards.cpp"):
                continue
            verdict, inherited = access[7], access[8]
            if len(access) > 9:
                got = "call-guarded" if verdict == "guarded" else "call-unguarded"
            elif verdict == "guarded":
                got = "guarded"
            else:
                got = "precondition" if inherited is not None else "unguarded"
            seen.setdefault(access[4], set()).add(got)
    for number, want in sorted(marks.items()):
        got = seen.get(number)
        if got != {want}:
            problems.append(f"guards.cpp:{number}: expected {want}, the analysis gave "
                            f"{sorted(got) if got else 'no access'}")
    for number in sorted(set(seen) - set(marks)):
        problems.append(f"guards.cpp:{number}: an access ({sorted(seen[number])}) with no mark")
    if problems:
        raise Failure("guard analysis fixture:\n  " + "\n  ".join(problems))
    print(f"abort-selftest: guard fixture: {len(marks)} marked accesses, each with its verdict")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--root", default=str(ROOT))
    args = parser.parse_args(argv)
    root, build = pathlib.Path(args.root).resolve(), pathlib.Path(args.build).resolve()
    with tempfile.TemporaryDirectory(prefix="abort-selftest-") as scratch_name:
        scratch = pathlib.Path(scratch_name)
        tree = make_tree(scratch, root)
        cache = scratch / "cache.json"
        shipped_cache = build / "abort-audit-cache.json"
        if shipped_cache.is_file():
            shutil.copy2(shipped_cache, cache)  # unchanged units are not re-analysed
        try:
            guard_fixture(root)
            status, output = run(tree, build, cache)
            if status != 0:
                raise Failure(f"the unchanged copy of the tree fails the audit (fix the tree "
                              f"first):\n{output[-4000:]}")
            print("abort-selftest: the unchanged copy passes")
            policy_mutants(tree, build, cache)
            source_mutants(tree, build, cache)
        except Failure as failure:
            print(f"abort-selftest: FAILED: {failure}", file=sys.stderr)
            return 1
    print("abort-selftest: every mutant was rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
