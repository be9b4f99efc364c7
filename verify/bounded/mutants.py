#!/usr/bin/env python3
"""Textual mutants of the shipped lib/ code, run through the Tier 4 provers.

Each mutant is one textual change (verify/mutation.py: the `find` text must occur exactly once)
to a file of lib/cap, lib/mem or lib/elf. The build writes the mutated copy to
<out-dir>/<name>/<the file's path> and compiles the prover `prover` against it: a mutated .cpp
replaces the original in the lib module's sources (the prover's own objects are reused); a
mutated header comes first on the include path of the module and of every prover source, which
are recompiled (a generated marker file fails the build if the copy is not the one included).
The ctest test prove.mutant.<name> runs that binary with `run` and passes only if the prover
fails (status 1) with a violation line (VIOLATED / REFUTED / MISMATCH) matching `expect`: the
same explorers and z3 proofs that prove the shipped code must report each mutation.

EQUIVALENT lists mutations that do not change behaviour, with the reason. They are built and
run the same way as prove.equivalent.<name>, which passes only if the prover passes (so the
equivalence is checked at the prover's bound, and turns red if the code changes under it).

usage: mutants.py --names | --cmake FILE | --list
       mutants.py --source-dir DIR --out-dir DIR --mutant NAME
"""
from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # verify/mutation.py
import mutation  # noqa: E402  (the shared textual-mutation machinery)

GENERATOR = "verify/bounded/mutants.py"
CAP = "lib/cap/cap_table.h"
CAP_ID = "lib/cap/cap_id.h"
CAP_RES = "lib/cap/cap_reservation.h"
BITMAP = "lib/mem/frame_bitmap.cpp"
LEDGER = "lib/mem/frame_ledger.cpp"
BOUNDS = "lib/elf/elf_bounds.h"
ELF_FILE = "lib/elf/elf_file.cpp"
ELF_IMAGE = "lib/elf/elf_image.cpp"

VIOLATED = r"^VIOLATED "


def m(name, file, prover, why, find, replace, run, expect):
    return dict(name=name, file=file, prover=prover, why=why, find=find, replace=replace,
                run=run, expect=expect)


def cap(name, file, why, find, replace, run, expect):
    return m(name, file, "cap_table", why, find, replace, ["--run"] + run, VIOLATED + expect)


def bitmap(name, why, find, replace, run, expect):
    return m(name, BITMAP, "frame_bitmap", why, find, replace, ["--run"] + run, VIOLATED + expect)


def ledger(name, why, find, replace, run, expect):
    return m(name, LEDGER, "frame_ledger", why, find, replace, ["--run"] + run, VIOLATED + expect)


def elf(name, file, why, find, replace, part, expect):
    return m(name, file, "elf", why, find, replace, ["--part", part], expect)


MUTANTS = [
    # --- lib/cap: generation bump, retirement, lookup, reservation accounting, id encoding ------
    cap("cap-remove-no-generation-bump", CAP, "removing a cap does not bump the slot generation",
        "    ++slot.m_generation;\n    slot.m_state = CapSlotState::Free;",
        "    slot.m_state = CapSlotState::Free;",
        ["1", "255", "0"], r".*did not move past it"),
    cap("cap-no-retirement", CAP, "a slot removed at generation 255 is not retired (it wraps)",
        "    if (slot.m_generation == cap_last_generation) {\n"
        "      slot.m_state = CapSlotState::Retired;",
        "    if (slot.m_generation == 0) {\n      slot.m_state = CapSlotState::Retired;",
        ["1", "255", "0"], r".*(invariants_hold|generation 0)"),
    cap("cap-retire-one-early", CAP, "a slot is retired at generation 254 instead of 255",
        "    if (slot.m_generation == cap_last_generation) {\n"
        "      slot.m_state = CapSlotState::Retired;",
        "    if (slot.m_generation == cap_last_generation - 1) {\n"
        "      slot.m_state = CapSlotState::Retired;",
        ["1", "255", "0"], r".*invariants_hold"),
    cap("cap-lookup-ignores-generation", CAP, "resolve() does not compare the generation",
        "    if (slot.m_generation != cap_id_generation(id)) return Error::BadCap;\n", "",
        ["1", "255", "0"], r".*(stale|never-issued) id \S+ resolves"),
    cap("cap-lookup-ignores-state", CAP, "resolve() does not check that the slot is live",
        "    if (slot.m_state != CapSlotState::Live) return Error::BadCap;\n", "",
        ["1", "255", "0"], r".*(stale|never-issued) id \S+ resolves"),
    cap("cap-lookup-index-off-by-one", CAP, "resolve() reads the slot at the high-water mark",
        "    if (index >= m_high_water) return Error::BadCap;",
        "    if (index > m_high_water) return Error::BadCap;",
        ["2", "255", "0"], r".*never-issued id \S+ resolves"),
    cap("cap-rollback-bumps-generation", CAP, "unreserve() bumps the generation of a returned slot",
        "    slot.m_state = CapSlotState::Free;\n    --m_reserved;\n",
        "    slot.m_state = CapSlotState::Free;\n    ++slot.m_generation;\n    --m_reserved;\n",
        ["1", "255", "0"], r".*rollback\(\) did not restore"),
    cap("cap-unreserve-high-water-off-by-one", CAP,
        "a rolled-back untouched slot is not returned below the high-water mark",
        "taken.index + 1 == m_high_water", "taken.index == m_high_water",
        ["1", "255", "0"], r".*rollback\(\) did not restore"),
    cap("cap-reserve-count-off-by-one", CAP, "reserve() accepts one slot more than are free",
        "    if (count > free_count()) return Error::Exhausted;",
        "    if (count > free_count() + 1) return Error::Exhausted;",
        ["1", "255", "0"], r"capos_panic: KASSERT\(m_high_water < m_slots.size\(\)\)"),
    cap("cap-publish-keeps-reserved", CAP, "publishing a reserved slot does not drop the count",
        "    --m_reserved;\n    ++m_live;", "    ++m_live;",
        ["1", "255", "0"], r".*(invariants_hold|counters disagree)"),
    cap("cap-free-list-miscount", CAP, "a removed cap's slot is linked but not counted free",
        "    m_free_tail = index;\n    ++m_free_listed;\n    return entry;",
        "    m_free_tail = index;\n    return entry;",
        ["1", "255", "0"], r".*(invariants_hold|counters disagree)"),
    cap("cap-rollback-forward-order", CAP_RES, "rollback() returns slots first-taken first",
        "    for (size_t i = m_count; i > 0; --i) {\n"
        "      if (!m_committed[i - 1]) m_table->unreserve(m_held[i - 1]);\n    }",
        "    for (size_t i = 0; i < m_count; ++i) {\n"
        "      if (!m_committed[i]) m_table->unreserve(m_held[i]);\n    }",
        ["2", "255", "0"], r".*rollback\(\) did not restore"),
    cap("cap-commit-not-recorded", CAP_RES, "commit() does not mark the position committed",
        "    m_committed[position] = true;\n", "",
        ["1", "255", "0"],
        r".*(capos_panic: KASSERT\(slot.m_state == CapSlotState::Reserved\)|counters disagree)"),
    cap("cap-live-range-unclamped", CAP,
        "next_live() returns a start past the high-water mark unclamped (live(first) reads "
        "slots never handed out)",
        "    return index < m_high_water ? index : m_high_water;", "    return index;",
        ["2", "3", "0"], r".*live\(\d+\) from at or past the high-water mark"),
    cap("cap-id-generation-decode", CAP_ID, "cap_id_generation() shifts by one bit too many",
        "  return static_cast<uint8_t>(id >> cap_index_bits);",
        "  return static_cast<uint8_t>(id >> (cap_index_bits + 1));",
        ["1", "255", "0"], r".*(disagree with the ABI layout|does not resolve)"),
    cap("cap-id-layout-moved", CAP_ID,
        "the id layout moves to 23 index bits and 9 generation bits (self-consistent)",
        "inline constexpr uint32_t cap_index_bits = 24;\n"
        "inline constexpr uint32_t cap_generation_bits = 8;",
        "inline constexpr uint32_t cap_index_bits = 23;\n"
        "inline constexpr uint32_t cap_generation_bits = 9;",
        ["1", "255", "0"], r".*(ABI layout|outside the table)"),
    # --- lib/mem FrameBitmap: free count, double free, contiguous search bounds ---------------
    bitmap("bitmap-free-forgets-count", "free() clears the bit but not the count",
           "  word &= ~bit_of(frame);\n  ++m_free_count;", "  word &= ~bit_of(frame);",
           ["4", "0", "4"], r".*free_count"),
    bitmap("bitmap-free-no-double-free-check", "free() of a free frame is accepted",
           "  if ((word & bit_of(frame)) == 0) return Error::DoubleFree;\n", "",
           ["4", "0", "4"], r".*free\(\d+\)"),
    bitmap("bitmap-free-range-no-double-free-check",
           "free_range() over a free frame is accepted",
           "  if (count_used(m_words, first, count) != count) return Error::DoubleFree;\n", "",
           ["4", "0", "4"], r".*free_range\("),
    bitmap("bitmap-alloc-loses-bit", "alloc() returns a frame without marking it used",
           "    word |= uint64_t{1} << bit;\n", "",
           ["4", "0", "4"], r".*alloc\(\)"),
    bitmap("bitmap-alloc-forgets-count", "alloc() does not decrement the free count",
           "    word |= uint64_t{1} << bit;\n    --m_free_count;", "    word |= uint64_t{1} << bit;",
           ["4", "0", "4"], r".*(free_count|alloc\(\) then free\(\) did not restore)"),
    bitmap("bitmap-alloc-hint-no-wrap", "alloc()'s next-fit scan does not wrap around",
           "    if (index >= word_count) index -= word_count;\n", "",
           ["128", "58", "12"], r".*alloc\(\)"),
    bitmap("bitmap-contiguous-checks-count-minus-one",
           "alloc_contiguous() checks only count - 1 frames of a run",
           "const std::optional<uint64_t> used = find_used(m_words, start, count);",
           "const std::optional<uint64_t> used = find_used(m_words, start, count - 1);",
           ["4", "0", "4"], r".*alloc_contiguous\("),
    bitmap("bitmap-contiguous-skips-candidate", "alloc_contiguous() skips a candidate start",
           "    candidate = *used + 1;", "    candidate = *used + 2;",
           ["4", "0", "4"], r".*alloc_contiguous\("),
    bitmap("bitmap-contiguous-end-unchecked", "alloc_contiguous() lets a run pass the end",
           "    if (!range_within(start, count, m_frame_count)) return Error::Exhausted;\n", "",
           ["192", "180", "12"], r".*alloc_contiguous\("),
    bitmap("bitmap-find-free-skips-start", "the free-frame search skips its start frame",
           "uint64_t word = words[word_of(from)] | (bit_of(from) - 1);",
           "uint64_t word = words[word_of(from)] | ((bit_of(from) << 1) - 1);",
           ["4", "0", "4"], r".*alloc_contiguous\("),
    bitmap("bitmap-mark-used-miscounts", "mark_used() subtracts the whole range from the count",
           "  m_free_count -= newly_used;", "  m_free_count -= count;",
           ["4", "0", "4"], r".*(mark_used|free_count)"),
    bitmap("bitmap-create-tail-mask-inverted",
           "create() sets the last word's real frames instead of the bits past the end",
           "  if (tail != 0) words.back() |= ~((uint64_t{1} << tail) - 1);",
           "  if (tail != 0) words.back() |= ((uint64_t{1} << tail) - 1);",
           ["4", "0", "4"], r".*(past the last frame|invariants_hold)"),
    # --- lib/mem FrameLedger: reserve / commit / rollback / release ----------------------------
    ledger("ledger-reserve-off-by-one", "reserve() grants available() + 1",
           "  if (amount > available(resource)) return Error::QuotaExceeded;",
           "  if (amount > available(resource) + 1) return Error::QuotaExceeded;",
           ["2", "2"], r".*"),
    ledger("ledger-commit-keeps-reserved", "commit() adds to committed but keeps it reserved",
           "  entry.reserved -= token.m_amount;\n  entry.committed += token.m_amount;",
           "  entry.committed += token.m_amount;",
           ["2", "2"], r".*"),
    ledger("ledger-rollback-not-settled", "rollback() returns the amount but leaves the token live",
           "  return_reserved(token);\n  token.settle();\n", "  return_reserved(token);\n",
           ["2", "2"], r".*"),
    ledger("ledger-release-unchecked", "release() takes back more than is committed",
           "  if (amount > entry.committed) return Error::DoubleFree;\n", "",
           ["2", "2"], r".*"),
    ledger("ledger-set-limit-unchecked", "set_limit() goes below the current use",
           "  if (limit < entry.committed + entry.reserved) return Error::QuotaExceeded;\n", "",
           ["2", "2"], r".*"),
    ledger("ledger-move-assign-leaks", "move-assignment onto a live token drops its amount",
           "    if (m_ledger != nullptr) m_ledger->return_reserved(*this);\n"
           "    m_ledger = std::exchange(other.m_ledger, nullptr);",
           "    m_ledger = std::exchange(other.m_ledger, nullptr);",
           ["2", "2"], r".*"),
    ledger("ledger-destructor-leaks", "a token destroyed unsettled keeps its amount reserved",
           "FrameLedger::Reservation::~Reservation() {\n"
           "  if (m_ledger != nullptr) m_ledger->return_reserved(*this);\n}",
           "FrameLedger::Reservation::~Reservation() {}",
           ["2", "2"], r".*"),
    ledger("ledger-move-keeps-source", "a moved-from token stays live (settles twice)",
           "    : m_ledger(std::exchange(other.m_ledger, nullptr)),",
           "    : m_ledger(other.m_ledger),",
           ["2", "2"], r".*"),
    # --- lib/elf: table bounds, overflow guards, user window, overlap, entry, TLS --------------
    elf("elf-range-fits-wraps", BOUNDS, "range_fits() adds offset + length (which can wrap)",
        "  return offset <= total && length <= total - offset;",
        "  return offset + length <= total;", "claims", r"^REFUTED E[12] "),
    elf("elf-table-size-not-scaled", BOUNDS, "the table bound counts entries, not bytes",
        "  return range_fits(offset, count * ELF64_PROGRAM_HEADER_SIZE, file_length);",
        "  return range_fits(offset, count, file_length);", "claims", r"^REFUTED E1 "),
    elf("elf-phnum-bound-off-by-one", BOUNDS, "65 program headers are accepted",
        "  return count <= uint64_t{MAX_PROGRAM_HEADERS};",
        "  return count <= uint64_t{MAX_PROGRAM_HEADERS} + 1;", "table",
        r"^MISMATCH parse_headers\(\)"),
    elf("elf-phentsize-accepts-larger", BOUNDS, "e_phentsize above 56 is accepted",
        "  return entry_size == ELF64_PROGRAM_HEADER_SIZE;",
        "  return entry_size >= ELF64_PROGRAM_HEADER_SIZE;", "table",
        r"^MISMATCH parse_headers\(\)"),
    elf("elf-wrap-guard-off-by-one", BOUNDS, "the address-wrap guard is one too lenient",
        "  return memory_size > max_word - vaddr;",
        "  return memory_size > max_word - vaddr + uint64_t{1};", "claims", r"^REFUTED E[23] "),
    elf("elf-window-lower-bound-dropped", BOUNDS, "segments may start below 0x1000",
        "  return vaddr >= ELF_VADDR_MIN && vaddr + memory_size <= ELF_VADDR_LIMIT;",
        "  return vaddr + memory_size <= ELF_VADDR_LIMIT;", "claims", r"^REFUTED E[236] "),
    elf("elf-window-upper-off-by-one", BOUNDS, "a segment may end one byte past the window",
        "  return vaddr >= ELF_VADDR_MIN && vaddr + memory_size <= ELF_VADDR_LIMIT;",
        "  return vaddr >= ELF_VADDR_MIN && vaddr + memory_size <= ELF_VADDR_LIMIT + 1;",
        "claims", r"^REFUTED E[23] "),
    elf("elf-window-limit-moved", BOUNDS,
        "ELF_VADDR_LIMIT moves to the end of the user half (over the stack, CapSet, ring)",
        "inline constexpr uint64_t ELF_VADDR_LIMIT = 0x0000'7fff'0000'0000;",
        "inline constexpr uint64_t ELF_VADDR_LIMIT = 0x0000'8000'0000'0000;",
        "claims", r"^REFUTED E[236] "),
    elf("elf-tls-size-unbounded", BOUNDS, "PT_TLS memory size is not bounded",
        "  return memory_size <= MAX_TLS_SIZE && p_align <= PAGE_SIZE;",
        "  return p_align <= PAGE_SIZE;", "claims", r"^REFUTED E4 "),
    elf("elf-page-end-not-rounded", BOUNDS, "page_end() rounds down instead of up",
        "  return (vaddr + memory_size + (PAGE_SIZE - 1)) & ~(PAGE_SIZE - 1);",
        "  return (vaddr + memory_size) & ~(PAGE_SIZE - 1);", "claims", r"^REFUTED E3 "),
    elf("elf-entry-bound-off-by-one", BOUNDS, "the entry may be one past the file bytes",
        "  return entry >= vaddr && entry - vaddr < file_size;",
        "  return entry >= vaddr && entry - vaddr <= file_size;", "claims", r"^REFUTED E6 "),
    elf("elf-tls-offset-unmatched", BOUNDS, "the TLS template's file offset is not matched",
        "           tls_offset >= load_offset && tls_offset - load_offset == tls_vaddr - load_vaddr));",
        "           tls_offset >= load_offset));", "claims", r"^REFUTED E5 "),
    elf("elf-wx-allowed", BOUNDS, "load_segment_ok() no longer excludes W+X",
        "  return memory_size != uint64_t{0} && load_flags_ok(flags) && !writable_and_executable(flags) &&",
        "  return memory_size != uint64_t{0} && load_flags_ok(flags) &&",
        "segments", r"^MISMATCH check_load_segment\(\)"),
    elf("elf-parse-phnum-check-dropped", ELF_FILE, "parse_headers() does not bound e_phnum",
        "    if (!predicate::phnum_ok<uint64_t>(header.program_header_count)) {\n"
        "      return ElfError::TooManyProgramHeaders;\n    }\n", "",
        "table", r"^MISMATCH parse_headers\(\)"),
    elf("elf-parse-phentsize-check-dropped", ELF_FILE,
        "parse_headers() does not check e_phentsize",
        "    if (!predicate::phentsize_ok<uint64_t>(entry_size)) return ElfError::BadPhentsize;\n",
        "", "table", r"^MISMATCH parse_headers\(\)"),
    elf("elf-parse-table-check-dropped", ELF_FILE,
        "parse_headers() does not check that the table lies in the file",
        "    if (!predicate::program_header_table_in_file<uint64_t>(\n"
        "            header.program_header_offset, header.program_header_count, bytes.size())) {\n"
        "      return ElfError::ProgramHeadersOutOfFile;\n    }\n", "",
        "table", r"^MISMATCH parse_headers\(\)"),
    elf("elf-phdr-index-off-by-one", ELF_FILE, "program_header(e_phnum) is read",
        "  if (index >= m_header.program_header_count) return ElfError::ProgramHeaderIndexOutOfRange;",
        "  if (index > m_header.program_header_count) return ElfError::ProgramHeaderIndexOutOfRange;",
        "table", r"^MISMATCH parse_headers\(\)"),
    elf("elf-image-window-check-dropped", ELF_IMAGE,
        "check_load_segment() does not confine segments to the user window",
        "  if (!predicate::segment_in_user_window<uint64_t>(phdr.virtual_address, phdr.memory_size)) {\n"
        "    return ElfError::SegmentOutsideUserHalf;\n  }\n", "",
        "segments", r"^MISMATCH check_load_segment\(\)"),
    elf("elf-image-wrap-check-dropped", ELF_IMAGE,
        "check_load_segment() does not reject a wrapping segment",
        "  if (predicate::segment_address_wraps<uint64_t>(phdr.virtual_address, phdr.memory_size)) {\n"
        "    return ElfError::SegmentAddressOverflow;\n  }\n", "",
        "segments", r"^MISMATCH check_load_segment\(\)"),
    elf("elf-overlap-skips-neighbour", ELF_IMAGE,
        "the overlap check does not compare neighbouring segments",
        "    for (size_t j = i + 1; j < segments.size(); ++j) {",
        "    for (size_t j = i + 2; j < segments.size(); ++j) {", "layout", r"^MISMATCH layout:"),
    elf("elf-overlap-bytes-not-pages", ELF_IMAGE,
        "the overlap check compares bytes, so two segments may share a page",
        "      if (ranges_overlap(a.page_start(), a.page_end() - a.page_start(), b.page_start(),\n"
        "                         b.page_end() - b.page_start())) {",
        "      if (ranges_overlap(a.virtual_address, a.memory_size, b.virtual_address,\n"
        "                         b.memory_size)) {", "layout", r"^MISMATCH layout:"),
    elf("elf-entry-any-segment", ELF_IMAGE, "the entry may lie in a non-executable segment",
        "  return segment.executable() && predicate::entry_in_file_bytes<uint64_t>(",
        "  return predicate::entry_in_file_bytes<uint64_t>(", "layout", r"^MISMATCH layout:"),
    elf("elf-tls-placement-unchecked", ELF_IMAGE, "the TLS template may lie outside every PT_LOAD",
        "  if (image.tls.has_value() &&\n"
        "      !any_segment(segments, [&](const LoadSegment& s) { return tls_inside(*image.tls, s); })) {\n"
        "    return ElfError::TlsOutsideLoad;\n  }\n", "", "layout", r"^MISMATCH layout:"),
]

# Mutations that do not change behaviour, with why. They are built and run like the others,
# but as prove.equivalent.<name>, which passes only if the prover passes: the argument is
# checked at the prover's bound, and a later change to the code that makes one of them matter
# turns the test red (then move it to MUTANTS).
EQUIVALENT = [
    bitmap("bitmap-contiguous-gap-strict",
           "`gap >= m_frame_count - start` -> `>` in alloc_contiguous(): when gap == "
           "frame_count - start the aligned start is frame_count itself, and the range_within() "
           "check that follows rejects it with the same Exhausted",
           "      if (gap >= m_frame_count - start) return Error::Exhausted;",
           "      if (gap > m_frame_count - start) return Error::Exhausted;",
           ["10", "0", "10"], ""),
    bitmap("bitmap-contiguous-no-fast-path",
           "alloc_contiguous() without `if (count > m_free_count) return Error::Exhausted;`: a "
           "fast path; with fewer free frames than `count` no run of `count` free frames exists, "
           "so the search returns the same Exhausted",
           "  if (count > m_free_count) return Error::Exhausted;\n", "",
           ["10", "0", "10"], ""),
]


def source_kind(path: str) -> str:
    return "header" if path.endswith(".h") else "source"


def marker(name: str) -> str:
    return f"CAPOS_MUTANT_{mutation.ident(name).upper()}"


def emit(mutant: dict, source_dir: pathlib.Path, out_dir: pathlib.Path) -> None:
    path = mutant["file"]
    text = mutation.apply((source_dir / path).read_text(), mutant["find"], mutant["replace"],
                          name=mutant["name"], source=path, generator=GENERATOR)
    root = out_dir / mutant["name"]
    note = f"// GENERATED by {GENERATOR} from {path} (mutant {mutant['name']}: {mutant['why']})\n"
    if source_kind(path) == "header":
        # At the end, so the line numbers of the shipped text are unchanged.
        text += f"{note}#define {marker(mutant['name'])} 1\n"
        mutation.write_if_changed(root / "marker.cpp", (
            f"{note}// Fails the build unless the mutated copy is the header that is included.\n"
            f'#include "{path}"\n#ifndef {marker(mutant["name"])}\n'
            f"#error the mutated {path} is not the one on the include path\n#endif\n"))
    else:
        text += note
    mutation.write_if_changed(root / path, text)


def cmake_quote(text: str) -> str:
    return f"[==[{text}]==]"


def emit_cmake(path: pathlib.Path) -> None:
    lines = [f"# GENERATED by {GENERATOR} --cmake: do not edit.\n"]
    for mode, mutants in (("killed", MUTANTS), ("equivalent", EQUIVALENT)):
        for mutant in mutants:
            expect = mutant["expect"] if mode == "killed" else "-"
            lines.append(
                f"capos_bounded_mutant({mutant['name']} {mutation.ident(mutant['name'])} "
                f"{mutant['file']} {source_kind(mutant['file'])} {mutant['prover']} {mode} "
                f"{cmake_quote(expect)} {' '.join(mutant['run'])})\n")
    mutation.write_if_changed(path, "".join(lines))


def emit_list() -> str:
    rows = ["| mutant | file | change | prover run | must report |", "|---|---|---|---|---|"]
    for mutant in MUTANTS:
        rows.append(f"| `{mutant['name']}` | `{mutant['file']}` | {mutant['why']} | "
                    f"`prove_{mutant['prover']} {' '.join(mutant['run'])}` | "
                    f"`{mutant['expect']}` |")
    rows += ["", "| equivalent mutant | file | change, and why it does not change behaviour | "
             "prover run (must pass) |", "|---|---|---|---|"]
    for mutant in EQUIVALENT:
        rows.append(f"| `{mutant['name']}` | `{mutant['file']}` | {mutant['why']} | "
                    f"`prove_{mutant['prover']} {' '.join(mutant['run'])}` |")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", type=pathlib.Path)
    parser.add_argument("--out-dir", type=pathlib.Path)
    parser.add_argument("--mutant", help="write this mutant's file (build time)")
    parser.add_argument("--names", action="store_true", help="print the mutant names")
    parser.add_argument("--cmake", type=pathlib.Path, help="write the CMake list (configure time)")
    parser.add_argument("--list", action="store_true", help="print the mutants as a table")
    args = parser.parse_args()
    mutation.check_names((mutant["name"] for mutant in MUTANTS + EQUIVALENT), GENERATOR)
    if args.names:
        print(";".join(mutant["name"] for mutant in MUTANTS + EQUIVALENT))
        return 0
    if args.list:
        print(emit_list(), end="")
        return 0
    if args.cmake is not None:
        emit_cmake(args.cmake)
        return 0
    if args.source_dir is None or args.out_dir is None or args.mutant is None:
        parser.error("--source-dir, --out-dir and --mutant are required")
    chosen = [mutant for mutant in MUTANTS + EQUIVALENT if mutant["name"] == args.mutant]
    if not chosen:
        raise SystemExit(f"{GENERATOR}: no mutant named {args.mutant!r}")
    emit(chosen[0], args.source_dir, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
