// lib/elf/elf_file.h — structural layer: a view of a well-formed ELF64 little-endian file.
//
// parse_headers() accepts any well-formed ELF64 LE file (executables, PIEs, shared objects,
// any machine) so it can be compared field by field with binutils' readelf. It checks only
// what is needed to read the ELF header and the program header table safely; whether the file
// may be loaded is decided by parse_executable() (elf_image.h).
//
// Nothing here allocates or copies the file; every read of the untrusted bytes goes through
// lib/core/bytes.h (bounds-checked, byte-by-byte little-endian loads).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/core/bytes.h"
#include "lib/core/result.h"
#include "lib/elf/elf_error.h"

namespace capos::elf {

// Sizes and values from the System V gABI and the x86-64 psABI.
inline constexpr uint64_t ELF64_HEADER_SIZE = 64;
inline constexpr uint64_t ELF64_PROGRAM_HEADER_SIZE = 56;
inline constexpr uint16_t PN_XNUM = 0xffff;  // "real e_phnum is in section 0": rejected
// capOS bound on e_phnum (toolchains emit about 4-14); keeps every walk over the table short.
inline constexpr uint16_t MAX_PROGRAM_HEADERS = 64;

inline constexpr uint16_t ET_EXEC = 2;
inline constexpr uint16_t ET_DYN = 3;
inline constexpr uint16_t EM_X86_64 = 62;

inline constexpr uint32_t PT_NULL = 0;
inline constexpr uint32_t PT_LOAD = 1;
inline constexpr uint32_t PT_DYNAMIC = 2;
inline constexpr uint32_t PT_INTERP = 3;
inline constexpr uint32_t PT_NOTE = 4;
inline constexpr uint32_t PT_SHLIB = 5;
inline constexpr uint32_t PT_PHDR = 6;
inline constexpr uint32_t PT_TLS = 7;
inline constexpr uint32_t PT_LOOS = 0x6000'0000;
inline constexpr uint32_t PT_GNU_EH_FRAME = 0x6474'e550;
inline constexpr uint32_t PT_GNU_STACK = 0x6474'e551;
inline constexpr uint32_t PT_GNU_RELRO = 0x6474'e552;
inline constexpr uint32_t PT_GNU_PROPERTY = 0x6474'e553;
inline constexpr uint32_t PT_HIPROC = 0x7fff'ffff;

inline constexpr uint32_t PF_X = 1;
inline constexpr uint32_t PF_W = 2;
inline constexpr uint32_t PF_R = 4;

// The ELF header fields capOS reads, decoded. Field comments name the ELF field.
struct ElfHeader {
  uint8_t os_abi = 0;                  // e_ident[EI_OSABI], not interpreted
  uint16_t type = 0;                   // e_type
  uint16_t machine = 0;                // e_machine
  uint64_t entry = 0;                  // e_entry
  uint64_t program_header_offset = 0;  // e_phoff
  uint32_t flags = 0;                  // e_flags
  uint16_t program_header_count = 0;   // e_phnum
  uint64_t section_header_offset = 0;  // e_shoff, not validated (the loader never reads it)
  uint16_t section_header_count = 0;   // e_shnum, not validated
};

// One program header, decoded verbatim (no field is validated at this layer).
struct ProgramHeader {
  uint32_t type = 0;              // p_type
  uint32_t flags = 0;             // p_flags
  uint64_t file_offset = 0;       // p_offset
  uint64_t virtual_address = 0;   // p_vaddr
  uint64_t physical_address = 0;  // p_paddr
  uint64_t file_size = 0;         // p_filesz
  uint64_t memory_size = 0;       // p_memsz
  uint64_t alignment = 0;         // p_align
};

// Invariant: m_bytes holds a complete ELF64 LE header with EV_CURRENT and e_ehsize == 64, and
// m_header.program_header_count <= MAX_PROGRAM_HEADERS program headers of
// ELF64_PROGRAM_HEADER_SIZE bytes each start at m_header.program_header_offset and end inside
// m_bytes. An ElfFile borrows the bytes: they must outlive it.
class ElfFile {
 public:
  static Result<ElfFile, ElfError> parse(ByteView bytes);

  [[nodiscard]] const ElfHeader& header() const { return m_header; }
  [[nodiscard]] uint16_t program_header_count() const { return m_header.program_header_count; }
  [[nodiscard]] ByteView bytes() const { return m_bytes; }

  // The index-th program header; ProgramHeaderIndexOutOfRange if index >= count.
  [[nodiscard]] Result<ProgramHeader, ElfError> program_header(size_t index) const;

 private:
  ElfFile(ByteView bytes, const ElfHeader& header) : m_bytes(bytes), m_header(header) {}

  ByteView m_bytes;
  ElfHeader m_header;
};

// The structural parser: ElfFile::parse under the name the loader checklist uses.
[[nodiscard]] Result<ElfFile, ElfError> parse_headers(ByteView bytes);

}  // namespace capos::elf
