// fuzz/elf_parse.cpp — arbitrary bytes into lib/elf (seed §5 target 3).
//
// Both layers run on every input. Whatever parse_headers() accepts must be readable exactly as
// the raw bytes say (header fields, every program header, the table inside the file); whatever
// parse_executable() accepts must satisfy every invariant the loader relies on, re-checked by
// the independent checker of the unit tests (tests/lib/elf/elf_invariants.h: its own byte
// loader, 128-bit arithmetic). Acceptance of a bad file is therefore a crash, not silence.
// Rejections must be deterministic and agree between the one-call and two-call paths.
//
// The structure-aware mutator (elf_mutator.cpp) rewrites header and program header fields with
// values that sit on the validator's boundaries, which plain byte mutation rarely reaches.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "fuzz/fuzz_support.h"
#include "lib/core/bytes.h"
#include "lib/elf/elf_error.h"
#include "lib/elf/elf_file.h"
#include "lib/elf/elf_image.h"
#include "tests/lib/elf/elf_invariants.h"

namespace capos::fuzz {
namespace {

using elf::test::raw_le;

// With CAPOS_FUZZ_TALLY set, how many inputs each layer accepted is printed at exit.
struct Tally {
  uint64_t inputs = 0;
  uint64_t structural = 0;
  uint64_t loadable = 0;
  ~Tally() {
    if (std::getenv("CAPOS_FUZZ_TALLY") == nullptr) return;
    (void)std::fprintf(stderr, "elf_parse: %llu inputs, %llu structurally valid, %llu loadable\n",
                       static_cast<unsigned long long>(inputs),
                       static_cast<unsigned long long>(structural),
                       static_cast<unsigned long long>(loadable));
  }
};
Tally g_tally;

void check_structural(std::span<const uint8_t> raw, const elf::ElfFile& file) {
  const elf::ElfHeader& header = file.header();
  FUZZ_CHECK(raw.size() >= elf::ELF64_HEADER_SIZE);
  FUZZ_CHECK(raw_le(raw, 0, 4) == 0x464c457fU);
  FUZZ_CHECK(raw_le(raw, 16, 2) == header.type);
  FUZZ_CHECK(raw_le(raw, 18, 2) == header.machine);
  FUZZ_CHECK(raw_le(raw, 24, 8) == header.entry);
  FUZZ_CHECK(raw_le(raw, 32, 8) == header.program_header_offset);
  FUZZ_CHECK(raw_le(raw, 56, 2) == header.program_header_count);
  FUZZ_CHECK(header.program_header_count <= elf::MAX_PROGRAM_HEADERS);
  FUZZ_CHECK(file.bytes().data() == raw.data() && file.bytes().size() == raw.size());
  const auto table = elf::test::raw_program_headers(raw);
  FUZZ_CHECK(table.has_value() && table->size() == header.program_header_count);
  for (size_t i = 0; i < table->size(); ++i) {
    const auto decoded = file.program_header(i);
    FUZZ_CHECK(decoded.has_value());
    const elf::test::RawPhdr& want = (*table)[i];
    FUZZ_CHECK(decoded->type == want.type && decoded->flags == want.flags);
    FUZZ_CHECK(decoded->file_offset == want.offset && decoded->virtual_address == want.vaddr);
    FUZZ_CHECK(decoded->physical_address == want.paddr && decoded->file_size == want.filesz);
    FUZZ_CHECK(decoded->memory_size == want.memsz && decoded->alignment == want.align);
  }
  const auto past_end = file.program_header(header.program_header_count);
  FUZZ_CHECK(!past_end.has_value() &&
             past_end.error() == elf::ElfError::ProgramHeaderIndexOutOfRange);
}

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  const std::span<const uint8_t> raw(data, size);
  const ByteView bytes(data, size);

  ++fuzz::g_tally.inputs;
  const auto file = elf::parse_headers(bytes);
  if (file.has_value()) {
    ++fuzz::g_tally.structural;
    fuzz::check_structural(raw, *file);
  }

  const auto image = elf::parse_executable(bytes);
  if (image.has_value()) {
    ++fuzz::g_tally.loadable;
    FUZZ_CHECK(file.has_value());
    const ::testing::AssertionResult verdict = elf::test::satisfies_loader_invariants(raw, *image);
    if (!verdict) {
      const std::string why = std::string("loader invariant: ") + verdict.message();
      fuzz::invariant_failed(why.c_str(), __FILE__, __LINE__);
    }
  } else {
    // A rejection names a rule, maps onto capos::Error, and is the same on every path.
    FUZZ_CHECK(elf::elf_error_name(image.error()) != nullptr);
    (void)elf::to_error(image.error());
    if (!file.has_value()) {
      FUZZ_CHECK(image.error() == file.error());
    } else {
      const auto again = elf::validate_executable(*file);
      FUZZ_CHECK(!again.has_value() && again.error() == image.error());
    }
  }
  return 0;
}
