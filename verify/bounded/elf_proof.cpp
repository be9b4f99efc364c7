// verify/bounded/elf_proof.cpp — `prove.elf`: z3 proofs of the ELF bounds predicates
// (lib/elf/elf_bounds.h; seed target 3 and the seed's Kani "every program-header index < len"),
// their cross-checks against the real parser, and (--self-test) the broken variants.
//
// Claims, for all 64-bit values of every field (e_phnum and e_phentsize below 2^16):
//   E1 table:  program_header_table_ok, index < e_phnum, k < 56  =>  the byte at
//              program_header_offset(e_phoff, index) + k is inside the file, no wrap;
//   E2 load:   load_segment_ok, i < p_filesz, j < p_memsz  =>  p_offset + i inside the file;
//              0x1000 <= p_vaddr + j < 0x7fff_0000_0000 (so canonical user half); no wrap;
//              p_filesz <= p_memsz;
//   E3 pages:  load_segment_ok  =>  page_start/page_end are aligned, cover the segment, stay in
//              [0x1000, 0x7fff_0000_0000] and page_end does not wrap;
//   E4 tls:    tls_segment_ok, i < p_filesz  =>  p_offset + i inside the file, p_memsz <= 1 MiB;
//   E5 tls placement: L placed (file bytes in the file, memory in the window: a part of
//              load_segment_ok), tls_inside_load(T, L)  =>  each template byte is a file-backed
//              byte of L at the same file offset (an empty template points into L);
//   E6 entry:  L placed, entry_in_file_bytes  =>  entry is a file-backed byte of L, inside the
//              user window.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/verify_report/evidence.h"
#include "verify/bounded/elf_predicates.h"
#include "verify/bounded/smt_proof.h"

namespace capos::verify::elf_proof {

using smt::Bool;
using smt::wide;
using smt::Word;

// elf_cross_check.cpp: the parts below ("" = all of table, segments, instances, layout).
bool cross_check(Report& report, const std::string& part);
bool known_part(const std::string& part);

namespace {

struct Claim {
  const char* name;
  z3::expr hypothesis;
  z3::expr conclusion;
};

// A PT_LOAD's fields as free variables, and what the loader is allowed to assume of them.
struct Segment {
  Segment(z3::context& c, const std::string& prefix)
      : offset(Word::variable(c, (prefix + "offset").c_str())),
        file_size(Word::variable(c, (prefix + "filesz").c_str())),
        memory_size(Word::variable(c, (prefix + "memsz").c_str())),
        vaddr(Word::variable(c, (prefix + "vaddr").c_str())),
        flags(Word::variable(c, (prefix + "flags").c_str())),
        align(Word::variable(c, (prefix + "align").c_str())) {}
  Word offset;
  Word file_size;
  Word memory_size;
  Word vaddr;
  Word flags;
  Word align;
};

template <typename P>
std::vector<Claim> claims(z3::context& c) {
  const auto w = [&c](uint64_t value) { return smt::wide_constant(c, value); };
  const Word length = Word::variable(c, "file_length");
  const Word phoff = Word::variable(c, "e_phoff");
  const Word phentsize = Word::variable(c, "e_phentsize");
  const Word phnum = Word::variable(c, "e_phnum");
  const Word index = Word::variable(c, "index");
  const Word i = Word::variable(c, "i");
  const Word j = Word::variable(c, "j");
  const Segment load(c, "");
  const Segment tls(c, "tls_");
  const z3::expr load_ok = P::load_ok(load.offset, load.file_size, load.memory_size, load.vaddr,
                                      load.flags, load.align, length)
                               .expr();
  const z3::expr u16 = z3::ult(phnum.expr(), c.bv_val(uint64_t{0x10000}, 64)) &&
                       z3::ult(phentsize.expr(), c.bv_val(uint64_t{0x10000}, 64));
  const z3::expr header_byte = wide(phoff) + wide(index) * w(56) + wide(i);
  const z3::expr start = wide(P::page_start(load.vaddr));
  const z3::expr end = wide(P::page_end(load.vaddr, load.memory_size));
  const z3::expr end_exact = (wide(load.vaddr) + wide(load.memory_size) + w(4095)) & ~w(4095);
  return {
      {"E1 every program-header byte read is inside the file",
       P::table_ok(phoff, phentsize, phnum, length).expr() && u16 &&
           z3::ult(index.expr(), phnum.expr()) && z3::ult(i.expr(), c.bv_val(uint64_t{56}, 64)),
       z3::zext(P::header_offset(phoff, index).expr(), 64) == wide(phoff) + wide(index) * w(56) &&
           z3::ult(header_byte, wide(length))},
      {"E2 PT_LOAD file bytes inside the file, memory inside the user window, no wrap",
       load_ok && z3::ult(i.expr(), load.file_size.expr()) &&
           z3::ult(j.expr(), load.memory_size.expr()),
       z3::ult(wide(load.offset) + wide(i), wide(length)) &&
           z3::ule(w(spec::vaddr_min), wide(load.vaddr) + wide(j)) &&
           z3::ult(wide(load.vaddr) + wide(j), w(spec::vaddr_limit)) &&
           z3::ule(wide(load.vaddr) + wide(load.memory_size), w(spec::vaddr_limit)) &&
           z3::ule(load.file_size.expr(), load.memory_size.expr())},
      {"E3 the mapped pages are aligned, cover the segment, stay in the window", load_ok,
       (start & w(4095)) == w(0) && (end & w(4095)) == w(0) && end == end_exact &&
           z3::ule(w(spec::vaddr_min), start) && z3::ule(start, wide(load.vaddr)) &&
           z3::ule(wide(load.vaddr) + wide(load.memory_size), end) &&
           z3::ule(end, w(spec::vaddr_limit)) && z3::ult(start, end)},
      {"E4 PT_TLS file bytes inside the file, size bounded",
       P::tls_ok(tls.offset, tls.file_size, tls.memory_size, tls.align, length).expr() &&
           z3::ult(i.expr(), tls.file_size.expr()),
       z3::ult(wide(tls.offset) + wide(i), wide(length)) &&
           z3::ule(tls.memory_size.expr(), c.bv_val(spec::max_tls_size, 64))},
  };
}

// E5 and E6 chain inequalities across several sums, which bit-blasting decides slowly; the same
// predicates instantiated with IntWord (uint64_t semantics over integers) go to linear
// arithmetic instead. They assume only the parts of load_segment_ok they need (a weaker
// hypothesis, so a stronger claim).
template <typename P>
std::vector<Claim> placement_claims(z3::context& c) {
  using smt::IntWord;
  const auto v = [&c](const char* name) { return IntWord::variable(c, name); };
  const IntWord length = v("file_length");
  const IntWord load_vaddr = v("vaddr");
  const IntWord load_memory = v("memsz");
  const IntWord load_file = v("filesz");
  const IntWord load_offset = v("offset");
  const IntWord tls_vaddr = v("tls_vaddr");
  const IntWord tls_file = v("tls_filesz");
  const IntWord tls_offset = v("tls_offset");
  const IntWord i = v("i");
  const IntWord entry = v("entry");
  z3::expr ranges = c.bool_val(true);
  for (const IntWord* word : {&length, &load_vaddr, &load_memory, &load_file, &load_offset,
                              &tls_vaddr, &tls_file, &tls_offset, &i, &entry}) {
    ranges = ranges && word->in_range();
  }
  const z3::expr placed = (p::file_size_fits(load_file, load_memory) &&
                           p::file_bytes_in_file(load_offset, load_file, length) &&
                           !p::segment_address_wraps(load_vaddr, load_memory) &&
                           p::segment_in_user_window(load_vaddr, load_memory))
                              .expr();
  const z3::expr inside = P::tls_inside(tls_vaddr, tls_file, tls_offset, load_vaddr, load_memory,
                                        load_file, load_offset)
                              .expr();
  // Integer terms: these never wrap.
  const z3::expr byte = tls_vaddr.expr() + i.expr();
  const z3::expr lv = load_vaddr.expr();
  return {
      {"E5 each TLS template byte is a file-backed PT_LOAD byte at the same file offset",
       ranges && placed && inside && i.expr() < tls_file.expr(),
       lv <= byte && byte < lv + load_file.expr() &&
           tls_offset.expr() + i.expr() == load_offset.expr() + (byte - lv) &&
           tls_offset.expr() + i.expr() < length.expr()},
      {"E5b an empty TLS template points into the PT_LOAD",
       ranges && placed && inside && tls_file.expr() == 0,
       lv <= tls_vaddr.expr() && tls_vaddr.expr() <= lv + load_memory.expr()},
      {"E6 the entry point is a file-backed byte inside the user window",
       ranges && placed && P::entry_in(entry, load_vaddr, load_file).expr(),
       c.int_val(spec::vaddr_min) <= entry.expr() && entry.expr() < c.int_val(spec::vaddr_limit) &&
           entry.expr() < lv + load_file.expr() &&
           load_offset.expr() + (entry.expr() - lv) < length.expr()},
  };
}

template <typename P>
bool run_claims(Report& report, const std::string& variant) {
  z3::context context;
  bool all_proved = true;
  std::vector<Claim> all = claims<P>(context);
  for (Claim& claim : placement_claims<P>(context)) all.push_back(claim);
  for (const Claim& claim : all) {
    const smt::ClaimResult result = smt::check_claim(context, claim.hypothesis, claim.conclusion);
    if (variant.empty()) {
      report.line(result.proved, std::string(result.proved ? "PROVED " : "REFUTED ") + claim.name +
                                     " [all 64-bit field values] (" +
                                     std::to_string(result.seconds) + " s)" +
                                     (result.proved ? "" : ":" + result.counterexample));
    } else if (!result.proved) {
      report.line(
          true, "CAUGHT elf/" + variant + ": " + claim.name + " refuted:" + result.counterexample);
      return false;
    }
    all_proved = all_proved && result.proved;
  }
  if (!variant.empty()) report.line(false, "MISSED elf/" + variant + ": every claim held");
  return all_proved;
}

// `part` empty: everything; otherwise one of claims, table, segments, instances, layout (a
// textual mutant runs only the part that must refute it).
int prove(const std::string& part) {
  if (!part.empty() && part != "claims" && !known_part(part)) {
    std::fprintf(stderr, "prove_elf: unknown --part %s\n", part.c_str());
    return 2;
  }
  if (part.empty()) {  // the full run only: a textual mutant runs one part, and must fail
    verify_report::evidence(3, "phdr-table-bound", verify_report::EvidenceKind::Proved);
    verify_report::evidence(3, "segment-bounds", verify_report::EvidenceKind::Proved);
    verify_report::evidence(3, "layout", verify_report::EvidenceKind::Tested);
  }
  Report report;
  if (part.empty() || part == "claims") {
    z3::context context;
    smt::check_semantics(context, report);
    run_claims<RealElf>(report, "");
  }
  if (part != "claims") cross_check(report, part);
  return report.exit_status();
}

int self_test() {
  Report report(true);
  run_claims<TableOffByOne>(report, "program-header table bound off by one");
  run_claims<WrapCheckRemoved>(report, "segment overflow check removed");
  run_claims<WindowOffByOne>(report, "user-window bound off by one");
  run_claims<FileRangeOverflow>(report, "file range computed with a wrapping add");
  run_claims<EntryOffByOne>(report, "entry bound off by one");
  run_claims<TlsOffsetUnchecked>(report, "TLS file offset not matched to its address");
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify::elf_proof

// prove_elf [--self-test | --part claims|table|segments|instances|layout]
int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  if (options.self_test) return capos::verify::elf_proof::self_test();
  const std::vector<std::string> args(argv + 1, argv + argc);  // NOLINT: the C entry point
  const bool one = args.size() == 2 && args[0] == "--part";
  return capos::verify::elf_proof::prove(one ? args[1] : "");
}
