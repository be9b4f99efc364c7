#include "lib/elf/elf_file.h"

#include <concepts>

#include "lib/elf/elf_bounds.h"

namespace capos::elf {
namespace {

// e_ident bytes (gABI "ELF Identification").
constexpr uint32_t ELF_MAGIC = 0x464c'457f;  // "\x7fELF" read little-endian
constexpr uint64_t EI_CLASS = 4;
constexpr uint64_t EI_DATA = 5;
constexpr uint64_t EI_VERSION = 6;
constexpr uint64_t EI_OSABI = 7;
constexpr uint8_t ELFCLASS64 = 2;
constexpr uint8_t ELFDATA2LSB = 1;
constexpr uint8_t EV_CURRENT = 1;

// Byte offsets of the ELF64 header fields.
constexpr uint64_t E_TYPE = 16;
constexpr uint64_t E_MACHINE = 18;
constexpr uint64_t E_VERSION = 20;
constexpr uint64_t E_ENTRY = 24;
constexpr uint64_t E_PHOFF = 32;
constexpr uint64_t E_SHOFF = 40;
constexpr uint64_t E_FLAGS = 48;
constexpr uint64_t E_EHSIZE = 52;
constexpr uint64_t E_PHENTSIZE = 54;
constexpr uint64_t E_PHNUM = 56;
constexpr uint64_t E_SHNUM = 60;

// Byte offsets inside one ELF64 program header.
constexpr uint64_t P_TYPE = 0;
constexpr uint64_t P_FLAGS = 4;
constexpr uint64_t P_OFFSET = 8;
constexpr uint64_t P_VADDR = 16;
constexpr uint64_t P_PADDR = 24;
constexpr uint64_t P_FILESZ = 32;
constexpr uint64_t P_MEMSZ = 40;
constexpr uint64_t P_ALIGN = 48;
static_assert(P_ALIGN + sizeof(uint64_t) == ELF64_PROGRAM_HEADER_SIZE);

// A bounds-checked load whose failure is reported as `if_short`. Callers have already checked
// the range, so `if_short` is only reachable if that check is wrong; it still fails closed.
template <std::unsigned_integral T>
Result<T, ElfError> read(ByteView bytes, uint64_t offset, ElfError if_short) {
  Result<T> value = load_le<T>(bytes, offset);
  if (!value) return if_short;
  return *value;
}

Result<void, ElfError> check_identification(ByteView bytes) {
  constexpr ElfError short_file = ElfError::TooShort;
  if (bytes.size() < ELF64_HEADER_SIZE) return short_file;
  if (TRY(read<uint32_t>(bytes, 0, short_file)) != ELF_MAGIC) return ElfError::BadMagic;
  if (TRY(read<uint8_t>(bytes, EI_CLASS, short_file)) != ELFCLASS64) return ElfError::NotElf64;
  if (TRY(read<uint8_t>(bytes, EI_DATA, short_file)) != ELFDATA2LSB) {
    return ElfError::NotLittleEndian;
  }
  if (TRY(read<uint8_t>(bytes, EI_VERSION, short_file)) != EV_CURRENT) {
    return ElfError::BadVersion;
  }
  return {};
}

}  // namespace

Result<ElfFile, ElfError> ElfFile::parse(ByteView bytes) {
  TRY(check_identification(bytes));
  constexpr ElfError short_file = ElfError::TooShort;
  if (TRY(read<uint32_t>(bytes, E_VERSION, short_file)) != EV_CURRENT) return ElfError::BadVersion;
  if (TRY(read<uint16_t>(bytes, E_EHSIZE, short_file)) != ELF64_HEADER_SIZE) {
    return ElfError::BadHeaderSize;
  }

  ElfHeader header;
  header.os_abi = TRY(read<uint8_t>(bytes, EI_OSABI, short_file));
  header.type = TRY(read<uint16_t>(bytes, E_TYPE, short_file));
  header.machine = TRY(read<uint16_t>(bytes, E_MACHINE, short_file));
  header.entry = TRY(read<uint64_t>(bytes, E_ENTRY, short_file));
  header.program_header_offset = TRY(read<uint64_t>(bytes, E_PHOFF, short_file));
  header.section_header_offset = TRY(read<uint64_t>(bytes, E_SHOFF, short_file));
  header.flags = TRY(read<uint32_t>(bytes, E_FLAGS, short_file));
  header.program_header_count = TRY(read<uint16_t>(bytes, E_PHNUM, short_file));
  header.section_header_count = TRY(read<uint16_t>(bytes, E_SHNUM, short_file));

  // With no program headers e_phoff and e_phentsize are meaningless (gABI) and are ignored.
  // Together these are predicate::program_header_table_ok (elf_bounds.h), which the bounded
  // proofs show keeps every program_header() read inside the file.
  if (header.program_header_count > 0) {
    const uint64_t entry_size = TRY(read<uint16_t>(bytes, E_PHENTSIZE, short_file));
    if (!predicate::phentsize_ok<uint64_t>(entry_size)) return ElfError::BadPhentsize;
    // PN_XNUM (0xffff) is above the bound too: extended numbering is not supported.
    if (!predicate::phnum_ok<uint64_t>(header.program_header_count)) {
      return ElfError::TooManyProgramHeaders;
    }
    // count <= 64, so the product cannot overflow; range_fits never does.
    if (!predicate::program_header_table_in_file<uint64_t>(
            header.program_header_offset, header.program_header_count, bytes.size())) {
      return ElfError::ProgramHeadersOutOfFile;
    }
  }
  return ElfFile(bytes, header);
}

Result<ProgramHeader, ElfError> ElfFile::program_header(size_t index) const {
  if (index >= m_header.program_header_count) return ElfError::ProgramHeaderIndexOutOfRange;
  // By the class invariant the whole table lies inside m_bytes, so neither the offset
  // arithmetic (index < 64) nor the loads below can fail.
  const uint64_t base =
      predicate::program_header_offset<uint64_t>(m_header.program_header_offset, index);
  constexpr ElfError outside_file = ElfError::ProgramHeadersOutOfFile;
  ProgramHeader phdr;
  phdr.type = TRY(read<uint32_t>(m_bytes, base + P_TYPE, outside_file));
  phdr.flags = TRY(read<uint32_t>(m_bytes, base + P_FLAGS, outside_file));
  phdr.file_offset = TRY(read<uint64_t>(m_bytes, base + P_OFFSET, outside_file));
  phdr.virtual_address = TRY(read<uint64_t>(m_bytes, base + P_VADDR, outside_file));
  phdr.physical_address = TRY(read<uint64_t>(m_bytes, base + P_PADDR, outside_file));
  phdr.file_size = TRY(read<uint64_t>(m_bytes, base + P_FILESZ, outside_file));
  phdr.memory_size = TRY(read<uint64_t>(m_bytes, base + P_MEMSZ, outside_file));
  phdr.alignment = TRY(read<uint64_t>(m_bytes, base + P_ALIGN, outside_file));
  return phdr;
}

Result<ElfFile, ElfError> parse_headers(ByteView bytes) { return ElfFile::parse(bytes); }

}  // namespace capos::elf
