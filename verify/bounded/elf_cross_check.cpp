// verify/bounded/elf_cross_check.cpp — ties the ELF proofs to the parser: the real
// parse_headers(), check_load_segment() and check_tls_segment() accept exactly what the proved
// predicates accept (and what a 128-bit spec allows), on millions of boundary and random
// inputs; the z3 instance of each predicate evaluates like its uint64_t instance; and
// parse_executable() accepts exactly the segment layouts an independent spec allows
// (elf_layout_check.cpp). Every spec here uses the SPEC constants of elf_predicates.h, not
// lib/elf's.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/core/bytes.h"
#include "lib/elf/elf_image.h"
#include "verify/bounded/elf_predicates.h"
#include "verify/bounded/smt_proof.h"

namespace capos::verify::elf_proof {

bool check_layouts(Report& report);  // elf_layout_check.cpp

namespace {

using u128 = unsigned __int128;
constexpr uint64_t huge = ~uint64_t{0};
constexpr uint64_t max_file = 4096 + 128;

void put(std::vector<uint8_t>& bytes, size_t at, uint64_t value, size_t width) {
  for (size_t b = 0; b < width; ++b) bytes[at + b] = static_cast<uint8_t>(value >> (8 * b));
}

// A well-formed ELF64 header whose table fields are then overwritten per case.
std::vector<uint8_t> header_template() {
  std::vector<uint8_t> bytes(max_file, 0);
  const std::array<uint8_t, 8> ident = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  for (size_t b = 0; b < ident.size(); ++b) bytes[b] = ident[b];
  put(bytes, 16, elf::ET_EXEC, 2);
  put(bytes, 18, elf::EM_X86_64, 2);
  put(bytes, 20, 1, 4);   // e_version
  put(bytes, 52, 64, 2);  // e_ehsize
  return bytes;
}

bool table_spec(uint64_t phoff, uint64_t phentsize, uint64_t phnum, uint64_t length) {
  return phnum == 0 ||
         (phentsize == spec::program_header_size && phnum <= spec::max_program_headers &&
          static_cast<u128>(phoff) + static_cast<u128>(phnum) * spec::program_header_size <=
              length);
}

bool check_table(Report& report, smt::Inputs& inputs) {
  std::vector<uint8_t> bytes = header_template();
  uint64_t cases = 0;
  bool ok = true;
  const auto one = [&](uint64_t phoff, uint64_t phentsize, uint64_t phnum, uint64_t length) {
    put(bytes, 32, phoff, 8);
    put(bytes, 54, phentsize, 2);
    put(bytes, 56, phnum, 2);
    const Result<elf::ElfFile, elf::ElfError> file =
        elf::parse_headers(ByteView(bytes.data(), static_cast<size_t>(length)));
    const bool predicate =
        elf::predicate::program_header_table_ok<uint64_t>(phoff, phentsize, phnum, length);
    ok = ok && file.has_value() == predicate &&
         predicate == table_spec(phoff, phentsize, phnum, length);
    if (file.has_value()) {  // the concrete E1: every header decodes, and no other index does
      // Every Result is checked even once a mismatch is seen (`ok &&` would skip the check, and
      // an unchecked Result panics in checked builds, hiding the MISMATCH line).
      for (size_t index = 0; index < phnum; ++index) {
        const bool decodes = file->program_header(index).has_value();
        ok = ok && decodes;
      }
      const bool past_end = file->program_header(phnum).has_value() ||
                            file->program_header(phnum + 1).has_value() ||
                            file->program_header(~size_t{0}).has_value();
      ok = ok && !past_end;
    }
    ++cases;
  };
  const std::vector<uint64_t> counts = {0, 1, 2, 3, 63, 64, 65, 0xffff};
  const std::vector<uint64_t> sizes = {55, 56, 57, 0, 0xffff};
  const std::vector<uint64_t> lengths = {64, 65, 119, 120, 121, 176, 1000, 3648, 3647, 4096};
  for (uint64_t length : lengths) {
    for (uint64_t phnum : counts) {
      const uint64_t table = phnum * 56;
      for (uint64_t phoff :
           {uint64_t{0}, uint64_t{1}, uint64_t{64}, length - table - 1, length - table,
            length - table + 1, length, length + 1, huge, huge - 55, uint64_t{1} << 63}) {
        for (uint64_t phentsize : sizes) one(phoff, phentsize, phnum, length);
      }
    }
  }
  for (int n = 0; n < 1'000'000; ++n) {
    const uint64_t length = 64 + inputs.random() % (max_file - 64);
    const uint64_t phnum = n % 3 == 0 ? inputs.random() % 0x10000 : inputs.random() % 70;
    const uint64_t phentsize = n % 5 == 0 ? inputs.random() % 0x10000 : 56;
    const uint64_t phoff = n % 2 == 0 ? inputs.random() : inputs.random() % (length + 8);
    one(phoff, phentsize, phnum, length);
  }
  report.line(ok, std::string(ok ? "CHECKED" : "MISMATCH") +
                      " parse_headers() accepts the table iff program_header_table_ok iff the "
                      "128-bit spec, and then program_header(i) decodes iff i < e_phnum: " +
                      std::to_string(cases) + " headers");
  return ok;
}

// An independent statement of what a PT_LOAD may be, in 128 bits.
bool load_spec(const elf::ProgramHeader& h, uint64_t length) {
  const bool flags = (h.flags & ~uint64_t{7}) == 0 && (h.flags & elf::PF_R) != 0 &&
                     !((h.flags & elf::PF_W) != 0 && (h.flags & elf::PF_X) != 0);
  const bool align = h.alignment <= 1 || (h.alignment & (h.alignment - 1)) == 0;
  const u128 delta = (static_cast<u128>(h.virtual_address) - h.file_offset) & ((u128{1} << 64) - 1);
  const bool congruent =
      (h.alignment <= 1 || (delta % h.alignment) == 0) && delta % spec::page_size == 0;
  return h.memory_size > 0 && flags && h.file_size <= h.memory_size &&
         static_cast<u128>(h.file_offset) + h.file_size <= length && align && congruent &&
         h.virtual_address >= spec::vaddr_min &&
         static_cast<u128>(h.virtual_address) + h.memory_size <= spec::vaddr_limit;
}

// The same for a PT_TLS on its own (its placement is elf_layout_check.cpp's).
bool tls_spec(const elf::ProgramHeader& h, uint64_t length) {
  const bool align = h.alignment <= 1 || (h.alignment & (h.alignment - 1)) == 0;
  return h.file_size <= h.memory_size && static_cast<u128>(h.file_offset) + h.file_size <= length &&
         align && h.memory_size <= spec::max_tls_size && h.alignment <= spec::page_size;
}

elf::ProgramHeader random_header(smt::Inputs& inputs, uint64_t length, int n) {
  const std::array<uint64_t, 8> flags = {4, 5, 6, 7, 0, 1, 12, 0x8000'0004};
  const std::array<uint64_t, 7> aligns = {0, 1, 2, 3, 0x1000, 0x20'0000, huge};
  elf::ProgramHeader h;
  h.type = elf::PT_LOAD;
  h.flags = static_cast<uint32_t>(flags[inputs.random() % flags.size()]);
  h.alignment = aligns[inputs.random() % aligns.size()];
  const uint64_t span = length > huge - 2 ? huge : length + 2;  // offsets up to just past the end
  h.file_offset = n % 2 == 0 ? inputs.random() % span : inputs.random();
  h.file_size = n % 3 == 0 ? length - h.file_offset + inputs.random() % 3 - 1 : inputs.random();
  h.memory_size = n % 4 == 0 ? h.file_size + inputs.random() % 0x3000 : inputs.random();
  const uint64_t page = (inputs.random() % 0x8000'0000ULL) * 4096;
  h.virtual_address = n % 2 == 0 ? page + (h.file_offset & 4095) : inputs.random();
  if (n % 7 == 0) h.virtual_address = spec::vaddr_limit - (h.memory_size & 0xffff);
  if (n % 11 == 0) h.memory_size = spec::max_tls_size + inputs.random() % 3 - 1;
  return h;
}

bool check_segments(Report& report, smt::Inputs& inputs) {
  uint64_t cases = 0;
  uint64_t accepted = 0;
  bool ok = true;
  for (int n = 0; n < 2'000'000; ++n) {
    const uint64_t length = n % 5 == 0 ? inputs.random() : inputs.random() % 0x10'0000;
    const elf::ProgramHeader h = random_header(inputs, length, n);
    const Result<elf::LoadSegment, elf::ElfError> load = elf::check_load_segment(h, length);
    const bool predicate = elf::predicate::load_segment_ok<uint64_t>(
        h.file_offset, h.file_size, h.memory_size, h.virtual_address, h.flags, h.alignment, length);
    const bool load_accepted = load.has_value();  // checked even after a mismatch
    ok = ok && load_accepted == predicate && predicate == load_spec(h, length);
    accepted += predicate ? 1 : 0;
    const Result<elf::TlsTemplate, elf::ElfError> tls = elf::check_tls_segment(h, length);
    const bool tls_predicate = elf::predicate::tls_segment_ok<uint64_t>(
        h.file_offset, h.file_size, h.memory_size, h.alignment, length);
    const bool tls_accepted = tls.has_value();
    ok = ok && tls_accepted == tls_predicate && tls_predicate == tls_spec(h, length);
    cases += 2;
  }
  report.line(ok, std::string(ok ? "CHECKED" : "MISMATCH") +
                      " check_load_segment()/check_tls_segment() accept iff load_segment_ok/"
                      "tls_segment_ok (and the 128-bit specs): " +
                      std::to_string(cases) + " headers, " + std::to_string(accepted) +
                      " PT_LOADs accepted");
  return ok;
}

// The z3 instance of load_segment_ok against its uint64_t instance.
bool check_instances(Report& report, smt::Inputs& inputs) {
  z3::context c;
  std::vector<smt::Word> vars;
  for (const char* name : {"offset", "filesz", "memsz", "vaddr", "flags", "align", "length"}) {
    vars.push_back(smt::Word::variable(c, name));
  }
  const z3::expr term =
      elf::predicate::load_segment_ok(vars[0], vars[1], vars[2], vars[3], vars[4], vars[5], vars[6])
          .expr();
  const smt::Word phoff = smt::Word::variable(c, "phoff");
  const smt::Word phentsize = smt::Word::variable(c, "phentsize");
  const smt::Word phnum = smt::Word::variable(c, "phnum");
  const z3::expr table =
      elf::predicate::program_header_table_ok(phoff, phentsize, phnum, vars[6]).expr();
  bool ok = true;
  int evaluated = 0;
  for (int n = 0; n < 8000; ++n) {
    const uint64_t length = inputs.random() % 0x10'0000;
    const elf::ProgramHeader h = random_header(inputs, length, n);
    const std::array<uint64_t, 7> values = {
        h.file_offset, h.file_size, h.memory_size, h.virtual_address, h.flags, h.alignment, length};
    z3::expr_vector from(c);
    z3::expr_vector to(c);
    for (size_t v = 0; v < vars.size(); ++v) {
      from.push_back(vars[v].expr());
      to.push_back(c.bv_val(values[v], 64));
    }
    z3::expr closed = term;
    const bool expected = elf::predicate::load_segment_ok<uint64_t>(
        values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
    ok = ok && (smt::evaluate(closed.substitute(from, to)) == 1) == expected;
    const uint64_t count = inputs.random() % 70;
    const uint64_t entry_size = n % 4 == 0 ? inputs.random() % 0x10000 : 56;
    const uint64_t offset = inputs.random() % (length + 8);
    from.push_back(phoff.expr());
    from.push_back(phentsize.expr());
    from.push_back(phnum.expr());
    to.push_back(c.bv_val(offset, 64));
    to.push_back(c.bv_val(entry_size, 64));
    to.push_back(c.bv_val(count, 64));
    z3::expr closed_table = table;
    ok = ok &&
         (smt::evaluate(closed_table.substitute(from, to)) == 1) ==
             elf::predicate::program_header_table_ok<uint64_t>(offset, entry_size, count, length);
    evaluated += 2;
  }
  report.line(ok, std::string(ok ? "CHECKED" : "MISMATCH") +
                      " z3 instances of load_segment_ok/program_header_table_ok = C++ instances "
                      "on " +
                      std::to_string(evaluated) + " inputs");
  return ok;
}

}  // namespace

bool known_part(const std::string& part) {
  return part.empty() || part == "table" || part == "segments" || part == "instances" ||
         part == "layout";
}

bool cross_check(Report& report, const std::string& part) {
  smt::Inputs inputs({0, 1, 55, 56, 57, 64, 0xfff, 0x1000, 0x1001, spec::vaddr_limit - 0x1000,
                      spec::vaddr_limit, spec::vaddr_limit + 1, spec::max_tls_size,
                      elf::ELF_VADDR_MIN, elf::ELF_VADDR_LIMIT, elf::ELF_VADDR_LIMIT + 1,
                      elf::MAX_TLS_SIZE, 0x7fff'ffff'ffff'ffffULL, huge});
  bool ok = true;
  if (part.empty() || part == "table") ok = check_table(report, inputs) && ok;
  if (part.empty() || part == "segments") ok = check_segments(report, inputs) && ok;
  if (part.empty() || part == "instances") ok = check_instances(report, inputs) && ok;
  if (part.empty() || part == "layout") ok = check_layouts(report) && ok;
  return ok;
}

}  // namespace capos::verify::elf_proof
