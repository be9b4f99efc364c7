// lib/elf/elf_error.h — why an ELF file was rejected, one value per rejection rule.
//
// The validator reports the first rule a file breaks, in a fixed check order (README.md), so a
// given file always yields the same ElfError. to_error() folds the detail onto capos::Error so
// TRY composes with the rest of the kernel; the detail is kept for logs and tests.
#pragma once

#include <cstdint>

#include "lib/core/error.h"

namespace capos::elf {

enum class ElfError : uint8_t {
  // Structural layer (parse_headers): the file is not a readable ELF64 LE file.
  TooShort = 1,                  // fewer bytes than an ELF64 header
  BadMagic,                      // e_ident[0..4) != "\x7fELF"
  NotElf64,                      // EI_CLASS != ELFCLASS64
  NotLittleEndian,               // EI_DATA != ELFDATA2LSB
  BadVersion,                    // EI_VERSION or e_version != EV_CURRENT
  BadHeaderSize,                 // e_ehsize != 64
  BadPhentsize,                  // e_phentsize != 56 while e_phnum > 0
  TooManyProgramHeaders,         // e_phnum > MAX_PROGRAM_HEADERS (includes PN_XNUM)
  ProgramHeadersOutOfFile,       // [e_phoff, e_phoff + e_phnum * 56) not inside the file
  ProgramHeaderIndexOutOfRange,  // program_header(i) with i >= e_phnum

  // Loader policy (parse_executable): readable, but not something capOS may map.
  NotExecutable,           // e_type != ET_EXEC (relocatable, shared object, PIE, core)
  WrongMachine,            // e_machine != EM_X86_64
  DynamicNotSupported,     // PT_INTERP or PT_DYNAMIC present
  UnsupportedSegmentType,  // PT_SHLIB, or a generic type this loader does not know
  NoLoadableSegments,      // no PT_LOAD
  TooManyLoadSegments,     // more than MAX_LOAD_SEGMENTS PT_LOAD entries
  EmptySegment,            // PT_LOAD with p_memsz == 0
  BadSegmentFlags,         // PT_LOAD without PF_R, or with flag bits other than R/W/X
  WritableAndExecutable,   // PT_LOAD with both PF_W and PF_X (W^X)
  FileSizeExceedsMemSize,  // p_filesz > p_memsz (PT_LOAD or PT_TLS)
  SegmentOutOfFile,        // [p_offset, p_offset + p_filesz) not inside the file
  BadAlignment,            // p_align neither 0, 1 nor a power of two
  MisalignedSegment,       // p_vaddr != p_offset modulo p_align or modulo the page size
  SegmentAddressOverflow,  // p_vaddr + p_memsz wraps around 2^64
  SegmentOutsideUserHalf,  // [p_vaddr, p_vaddr + p_memsz) not inside [ELF_VADDR_MIN, LIMIT)
  SegmentsOverlap,         // two PT_LOADs share a page
  EntryOutsideCode,        // e_entry not in the file bytes of an executable PT_LOAD
  ExecutableStack,         // PT_GNU_STACK asks for PF_X
  MultipleTls,             // more than one PT_TLS
  TlsOutsideLoad,          // the PT_TLS template is not file-backed bytes of one PT_LOAD
  TlsTooLarge,             // PT_TLS p_memsz > MAX_TLS_SIZE or p_align > page size
};

// A stable name ("SegmentsOverlap"); never null.
const char* elf_error_name(ElfError error);

// The capos::Error a caller outside the loader sees: Malformed for files that break the ELF
// format, Unsupported for valid ELF files outside capOS policy, TooBig / OutOfRange / Overflow
// for bounds.
Error to_error(ElfError error);

}  // namespace capos::elf
