#!/usr/bin/env python3
"""Broken variants of the kernel's page-table logic, generated from the shipped source.

Each mutant is one textual change to kernel/arch/x86_64/basic_page_table.h (the `find` text must
occur exactly once, so a change to the shipped code that makes a mutation stale fails the build
instead of silently testing nothing). The mutated header is emitted in a namespace of its own
(capos::kernel::x86_64::mutant_<id>) with a traits struct prove_page_table is templated on, so
the prover runs the mutant exactly as it runs the shipped code; `prove.page_table.self_test`
fails unless every mutant is caught. Names, identifiers and writes come from verify/mutation.py
(shared with verify/models/ring/mutants.py and verify/bounded/mutants.py); the match here allows
any whitespace between the `find` text's tokens.

usage: page_table_mutants.py --source-dir DIR --out-dir DIR | --names
"""
import argparse
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # verify/mutation.py
import mutation  # noqa: E402  (the shared textual-mutation machinery)

GENERATOR = "verify/bounded/page_table_mutants.py"
SOURCE = "kernel/arch/x86_64/basic_page_table.h"
NAMESPACE = "namespace capos::kernel::x86_64 {"
CLOSE = "}  // namespace capos::kernel::x86_64\n"

MUTANTS = [
    # --- the effective-rights rule (lookup, predicate::rights_after) ------------------------
    dict(name="user-or", why="effective U/S is the OR of the path's U/S bits, not the AND",
         find="so_far.user && user", replace="so_far.user || user"),
    dict(name="writable-or", why="effective R/W is the OR of the path's R/W bits",
         find="so_far.writable && writable", replace="so_far.writable || writable"),
    dict(name="no-execute-and", why="one clear XD bit anywhere makes the page executable",
         find="so_far.executable && !no_execute", replace="so_far.executable || !no_execute"),
    dict(name="pml4-writable-ignored", why="lookup ignores the PML4 entry's R/W bit",
         find="(entry & pte::writable) != 0,",
         replace="level == pml4_level || (entry & pte::writable) != 0,"),
    # --- the walk's structure ----------------------------------------------------------------
    dict(name="page-size-ignored", why="lookup ignores PS: a large frame is walked as a table",
         find="const bool large = level != 0 && (entry & pte::large) != 0;",
         replace="const bool large = false;"),
    dict(name="pml4-page-size-accepted", why="PS in a PML4E (reserved) makes a 512 GiB leaf",
         find="if (large && level == pml4_level) return std::nullopt;",
         replace="if (false) return std::nullopt;"),
    dict(name="large-reserved-ignored", why="reserved address bits under a large frame accepted",
         find="if (level != 0 && (entry & offset_mask & ~(pte::large_reserved_low - 1)) != 0) {",
         replace="if (false) {"),
    dict(name="upper-present-ignored", why="only the leaf's present bit is checked",
         find="if ((entry & pte::present) == 0) return std::nullopt;",
         replace="if (level == 0 && (entry & pte::present) == 0) return std::nullopt;"),
    dict(name="large-offset-4k", why="a large page translates with a 4 KiB offset",
         find="const uint64_t offset_mask = level_bytes(level) - 1;",
         replace="const uint64_t offset_mask = level_bytes(0) - 1;"),
    # --- map() and the kernel half -------------------------------------------------------------
    dict(name="intermediate-without-user", why="map() makes intermediate entries supervisor-only",
         find="pte::present | pte::writable | (privilege == PagePrivilege::User ? pte::user : 0);",
         replace="pte::present | pte::writable;"),
    dict(name="no-execute-dropped", why="map() never sets XD (W^X broken for data pages)",
         find="if (mapping.access != PageAccess::ReadExecute) entry |= pte::no_execute;",
         replace=""),
    dict(name="kernel-leaf-user", why="map() gives kernel leaves the U/S bit",
         find="entry |= user ? pte::user : pte::global;", replace="entry |= pte::user | pte::global;"),
    dict(name="seal-ignored", why="a new kernel PML4 entry is made after the half was shared (F-020)",
         find="if (current == pml4_level && privilege == PagePrivilege::Kernel && m_kernel_half_sealed) {",
         replace="if (false) {"),
    dict(name="half-check-dropped", why="a user mapping in the kernel half is accepted",
         find="if (user ? (virt >= user_half_end || size > user_half_end - virt) : virt < kernel_half_start) {",
         replace="if (!user && virt < kernel_half_start) {"),
    dict(name="replace-allowed", why="map() silently replaces an existing leaf",
         find="if ((m_memory.read_entry(slot.table, slot.index) & pte::present) != 0) {",
         replace="if (false) {"),
    dict(name="large-walked-as-table", why="map() walks through a large leaf as if it were a table",
         find="} else if ((entry & pte::large) != 0) {", replace="} else if (false) {"),
    dict(name="share-copies-user-half", why="create_sharing_kernel_half copies the user half too",
         find="for (uint64_t slot = first_kernel_slot; slot < entries_per_table; ++slot) {",
         replace="for (uint64_t slot = 0; slot < entries_per_table; ++slot) {"),
]


def apply(mutant: dict, text: str) -> str:
    # Match the `find` text with any whitespace between its tokens.
    tokens = [re.escape(t) for t in mutant["find"].split()]
    pattern = re.compile(r"\s+".join(tokens))
    matches = pattern.findall(text)
    if len(matches) != 1:
        raise mutation.MutationError(f"{GENERATOR}: {mutant['name']}: the text to mutate occurs "
                         f"{len(matches)} times in {SOURCE} (expected once); update "
                         f"{GENERATOR}")
    return pattern.sub(lambda _: mutant["replace"], text)


def emit_header(mutant: dict, source_dir: pathlib.Path) -> str:
    text = (source_dir / SOURCE).read_text()
    text = apply(mutant, text)
    space = f"mutant_{mutation.ident(mutant['name'])}"
    if text.count(NAMESPACE) != 1 or text.count(CLOSE) != 1:
        raise mutation.MutationError(f"{GENERATOR}: {SOURCE}: expected one `{NAMESPACE}` block")
    text = text.replace(NAMESPACE, f"namespace capos::kernel::x86_64::{space} {{")
    text = text.replace(CLOSE, f"}}  // namespace capos::kernel::x86_64::{space}\n")
    header = (f"// GENERATED by verify/bounded/page_table_mutants.py from {SOURCE}: do not edit.\n"
              f"// Mutant {mutant['name']}: {mutant['why']}.\n")
    traits = f"""
namespace capos::verify::page_table {{
struct Mutant_{mutation.ident(mutant['name'])} {{
  static constexpr const char* name = "{mutant['name']}";
  static constexpr const char* why = "{mutant['why']}";
  template <typename Memory>
  using Table = capos::kernel::x86_64::{space}::BasicPageTable<Memory>;
  using LeafMapping = capos::kernel::x86_64::{space}::LeafMapping;
  template <typename B>
  using Rights = capos::kernel::x86_64::{space}::predicate::PathRights<B>;
  template <typename B>
  static Rights<B> step(const Rights<B>& so_far, const B& user, const B& writable,
                        const B& no_execute) {{
    return capos::kernel::x86_64::{space}::predicate::rights_after<B>(so_far, user, writable,
                                                                       no_execute);
  }}
}};
}}  // namespace capos::verify::page_table
"""
    return header + text + traits


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", type=pathlib.Path)
    parser.add_argument("--out-dir", type=pathlib.Path)
    parser.add_argument("--names", action="store_true", help="print the mutant names")
    args = parser.parse_args()
    if args.names:
        print(";".join(m["name"] for m in MUTANTS))
        return 0
    if args.source_dir is None or args.out_dir is None:
        parser.error("--source-dir and --out-dir are required")
    mutation.check_names((m["name"] for m in MUTANTS), GENERATOR)
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    includes = []
    listing = ["// GENERATED by verify/bounded/page_table_mutants.py: do not edit.\n"]
    for mutant in MUTANTS:
        file = f"page_table_mutant_{mutation.ident(mutant['name'])}.h"
        mutation.write_if_changed(out / file, emit_header(mutant, args.source_dir))
        includes.append(f'#include "{file}"\n')
        listing.append(f"CAPOS_PAGE_TABLE_MUTANT(Mutant_{mutation.ident(mutant['name'])})\n")
    mutation.write_if_changed(out / "page_table_mutant_headers.inc", "".join(includes))
    mutation.write_if_changed(out / "page_table_mutant_list.inc", "".join(listing))
    mutation.write_if_changed(out / "page_table_mutants.stamp", "ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
