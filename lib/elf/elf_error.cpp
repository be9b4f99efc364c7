#include "lib/elf/elf_error.h"

namespace capos::elf {

const char* elf_error_name(ElfError error) {
  switch (error) {
    case ElfError::TooShort: return "TooShort";
    case ElfError::BadMagic: return "BadMagic";
    case ElfError::NotElf64: return "NotElf64";
    case ElfError::NotLittleEndian: return "NotLittleEndian";
    case ElfError::BadVersion: return "BadVersion";
    case ElfError::BadHeaderSize: return "BadHeaderSize";
    case ElfError::BadPhentsize: return "BadPhentsize";
    case ElfError::TooManyProgramHeaders: return "TooManyProgramHeaders";
    case ElfError::ProgramHeadersOutOfFile: return "ProgramHeadersOutOfFile";
    case ElfError::ProgramHeaderIndexOutOfRange: return "ProgramHeaderIndexOutOfRange";
    case ElfError::NotExecutable: return "NotExecutable";
    case ElfError::WrongMachine: return "WrongMachine";
    case ElfError::DynamicNotSupported: return "DynamicNotSupported";
    case ElfError::UnsupportedSegmentType: return "UnsupportedSegmentType";
    case ElfError::NoLoadableSegments: return "NoLoadableSegments";
    case ElfError::TooManyLoadSegments: return "TooManyLoadSegments";
    case ElfError::EmptySegment: return "EmptySegment";
    case ElfError::BadSegmentFlags: return "BadSegmentFlags";
    case ElfError::WritableAndExecutable: return "WritableAndExecutable";
    case ElfError::FileSizeExceedsMemSize: return "FileSizeExceedsMemSize";
    case ElfError::SegmentOutOfFile: return "SegmentOutOfFile";
    case ElfError::BadAlignment: return "BadAlignment";
    case ElfError::MisalignedSegment: return "MisalignedSegment";
    case ElfError::SegmentAddressOverflow: return "SegmentAddressOverflow";
    case ElfError::SegmentOutsideUserHalf: return "SegmentOutsideUserHalf";
    case ElfError::SegmentsOverlap: return "SegmentsOverlap";
    case ElfError::EntryOutsideCode: return "EntryOutsideCode";
    case ElfError::ExecutableStack: return "ExecutableStack";
    case ElfError::MultipleTls: return "MultipleTls";
    case ElfError::TlsOutsideLoad: return "TlsOutsideLoad";
    case ElfError::TlsTooLarge: return "TlsTooLarge";
  }
  return "UnknownElfError";
}

Error to_error(ElfError error) {
  switch (error) {
    // Well-formed ELF, but outside what the capOS loader accepts.
    case ElfError::NotElf64:
    case ElfError::NotLittleEndian:
    case ElfError::BadVersion:
    case ElfError::NotExecutable:
    case ElfError::WrongMachine:
    case ElfError::DynamicNotSupported:
    case ElfError::UnsupportedSegmentType:
    case ElfError::WritableAndExecutable:
    case ElfError::ExecutableStack: return Error::Unsupported;
    // Fixed bounds of this implementation.
    case ElfError::TooManyProgramHeaders:
    case ElfError::TooManyLoadSegments:
    case ElfError::TlsTooLarge: return Error::TooBig;
    case ElfError::ProgramHeaderIndexOutOfRange:
    case ElfError::SegmentOutsideUserHalf: return Error::OutOfRange;
    case ElfError::SegmentAddressOverflow: return Error::Overflow;
    // Everything else breaks the ELF format or its internal consistency.
    case ElfError::TooShort:
    case ElfError::BadMagic:
    case ElfError::BadHeaderSize:
    case ElfError::BadPhentsize:
    case ElfError::ProgramHeadersOutOfFile:
    case ElfError::NoLoadableSegments:
    case ElfError::EmptySegment:
    case ElfError::BadSegmentFlags:
    case ElfError::FileSizeExceedsMemSize:
    case ElfError::SegmentOutOfFile:
    case ElfError::BadAlignment:
    case ElfError::MisalignedSegment:
    case ElfError::SegmentsOverlap:
    case ElfError::EntryOutsideCode:
    case ElfError::MultipleTls:
    case ElfError::TlsOutsideLoad: return Error::Malformed;
  }
  return Error::Malformed;
}

}  // namespace capos::elf
