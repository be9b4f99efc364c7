#include "lib/elf/elf_image.h"

#include <span>

#include "lib/core/checked.h"
#include "lib/core/panic.h"

namespace capos::elf {
namespace {

constexpr uint32_t RWX = PF_R | PF_W | PF_X;

// p_align 0 and 1 both mean "no constraint" (gABI) and normalise to 1; anything else must be a
// power of two.
Result<uint64_t, ElfError> normalized_alignment(uint64_t p_align) {
  if (p_align <= 1) return uint64_t{1};
  if (!is_power_of_two(p_align)) return ElfError::BadAlignment;
  return p_align;
}

// a == b (mod alignment) for a power-of-two alignment. Wrapping subtraction is exact here:
// the alignment divides 2^64, so the residue survives the wrap.
constexpr bool congruent(uint64_t a, uint64_t b, uint64_t alignment) {
  return ((a - b) & (alignment - 1)) == 0;
}

// Shared by PT_LOAD and PT_TLS: the file bytes exist and fit in the memory image.
Result<void, ElfError> check_file_range(const ProgramHeader& phdr, uint64_t file_length) {
  if (phdr.file_size > phdr.memory_size) return ElfError::FileSizeExceedsMemSize;
  if (!range_within(phdr.file_offset, phdr.file_size, file_length)) {
    return ElfError::SegmentOutOfFile;
  }
  return {};
}

// Every field of a PT_LOAD, bounded before it is used to derive anything (loader checklist).
Result<LoadSegment, ElfError> check_load(const ProgramHeader& phdr, uint64_t file_length) {
  if (phdr.memory_size == 0) return ElfError::EmptySegment;
  // x86-64 pages are readable whenever present, so a segment without PF_R would silently get
  // more access than it asks for; unknown bits (PF_MASKOS/PF_MASKPROC) have no capOS meaning.
  if ((phdr.flags & ~RWX) != 0 || (phdr.flags & PF_R) == 0) return ElfError::BadSegmentFlags;
  if ((phdr.flags & PF_W) != 0 && (phdr.flags & PF_X) != 0) {
    return ElfError::WritableAndExecutable;
  }
  TRY(check_file_range(phdr, file_length));
  const uint64_t alignment = TRY(normalized_alignment(phdr.alignment));
  if (!congruent(phdr.virtual_address, phdr.file_offset, alignment) ||
      !congruent(phdr.virtual_address, phdr.file_offset, PAGE_SIZE)) {
    return ElfError::MisalignedSegment;
  }
  Result<uint64_t> end = checked_add(phdr.virtual_address, phdr.memory_size);
  if (!end) return ElfError::SegmentAddressOverflow;
  if (phdr.virtual_address < ELF_VADDR_MIN || *end > ELF_VADDR_LIMIT) {
    return ElfError::SegmentOutsideUserHalf;
  }
  return LoadSegment{.virtual_address = phdr.virtual_address,
                     .memory_size = phdr.memory_size,
                     .file_offset = phdr.file_offset,
                     .file_size = phdr.file_size,
                     .alignment = alignment,
                     .flags = phdr.flags};
}

// The PT_TLS fields on their own; placement relative to the PT_LOADs is checked afterwards.
Result<TlsTemplate, ElfError> check_tls(const ProgramHeader& phdr, uint64_t file_length) {
  TRY(check_file_range(phdr, file_length));
  const uint64_t alignment = TRY(normalized_alignment(phdr.alignment));
  if (phdr.memory_size > MAX_TLS_SIZE || alignment > PAGE_SIZE) return ElfError::TlsTooLarge;
  return TlsTemplate{.virtual_address = phdr.virtual_address,
                     .memory_size = phdr.memory_size,
                     .file_offset = phdr.file_offset,
                     .file_size = phdr.file_size,
                     .alignment = alignment};
}

// The template is file-backed bytes of `load`, at the same place in the file and in memory
// (so copying it from the file or from the mapped segment gives the same bytes). An empty
// template only has to point into the segment.
bool tls_inside(const TlsTemplate& tls, const LoadSegment& load) {
  if (tls.virtual_address < load.virtual_address) return false;
  const uint64_t delta = tls.virtual_address - load.virtual_address;
  if (tls.file_size == 0) return delta <= load.memory_size;
  return delta <= load.file_size && tls.file_size <= load.file_size - delta &&
         tls.file_offset >= load.file_offset && tls.file_offset - load.file_offset == delta;
}

// Entry must be code that came from the file, not zero fill.
bool contains_entry(const LoadSegment& segment, uint64_t entry) {
  return segment.executable() && entry >= segment.virtual_address &&
         entry - segment.virtual_address < segment.file_size;
}

// One program header: PT_LOAD and PT_TLS are collected, the rest accepted or rejected by type.
Result<void, ElfError> classify(const ProgramHeader& phdr, uint64_t file_length, ElfImage& image) {
  switch (phdr.type) {
    case PT_LOAD: {
      const LoadSegment segment = TRY(check_load(phdr, file_length));
      // StaticVector refuses the (MAX_LOAD_SEGMENTS + 1)-th push and stays unchanged.
      if (!image.segments.push_back(segment).has_value()) return ElfError::TooManyLoadSegments;
      return {};
    }
    case PT_TLS:
      if (image.tls.has_value()) return ElfError::MultipleTls;
      image.tls = TRY(check_tls(phdr, file_length));
      return {};
    case PT_INTERP:
    case PT_DYNAMIC: return ElfError::DynamicNotSupported;
    case PT_GNU_STACK:
      // capOS never maps an executable stack; a file that needs one cannot run here.
      if ((phdr.flags & PF_X) != 0) return ElfError::ExecutableStack;
      return {};
    // Informational for a static executable: nothing to map or apply.
    case PT_NULL:
    case PT_NOTE:
    case PT_PHDR:
    case PT_GNU_EH_FRAME:
    case PT_GNU_PROPERTY:
    case PT_GNU_RELRO: return {};
    // PT_SHLIB has "unspecified semantics" (gABI); other generic types postdate this loader.
    case PT_SHLIB: return ElfError::UnsupportedSegmentType;
    default:
      // OS- and processor-specific types are advisory by convention (Linux ignores them too).
      if (phdr.type >= PT_LOOS && phdr.type <= PT_HIPROC) return {};
      return ElfError::UnsupportedSegmentType;
  }
}

template <typename Predicate>
bool any_segment(std::span<const LoadSegment> segments, Predicate predicate) {
  for (const LoadSegment& segment : segments) {
    if (predicate(segment)) return true;
  }
  return false;
}

// Checks that need every segment: pairwise page overlap, entry, TLS placement.
Result<void, ElfError> check_layout(const ElfImage& image) {
  const auto segments = image.segments.span();
  for (size_t i = 0; i < segments.size(); ++i) {
    for (size_t j = i + 1; j < segments.size(); ++j) {
      // Mapping is page granular: two segments sharing a page would need one PTE with the
      // union of their permissions (possibly W+X), so a shared page counts as overlap.
      const LoadSegment& a = segments[i];
      const LoadSegment& b = segments[j];
      if (ranges_overlap(a.page_start(), a.page_end() - a.page_start(), b.page_start(),
                         b.page_end() - b.page_start())) {
        return ElfError::SegmentsOverlap;
      }
    }
  }
  if (!any_segment(segments,
                   [&](const LoadSegment& s) { return contains_entry(s, image.entry); })) {
    return ElfError::EntryOutsideCode;
  }
  if (image.tls.has_value() &&
      !any_segment(segments, [&](const LoadSegment& s) { return tls_inside(*image.tls, s); })) {
    return ElfError::TlsOutsideLoad;
  }
  return {};
}

}  // namespace

ByteView ElfImage::file_bytes(const LoadSegment& segment) const {
  KASSERT(range_within(segment.file_offset, segment.file_size, file.size()));
  return file.subspan(static_cast<size_t>(segment.file_offset),
                      static_cast<size_t>(segment.file_size));
}

ByteView ElfImage::file_bytes(const TlsTemplate& tls_template) const {
  KASSERT(range_within(tls_template.file_offset, tls_template.file_size, file.size()));
  return file.subspan(static_cast<size_t>(tls_template.file_offset),
                      static_cast<size_t>(tls_template.file_size));
}

Result<ElfImage, ElfError> validate_executable(const ElfFile& file) {
  const ElfHeader& header = file.header();
  if (header.type != ET_EXEC) return ElfError::NotExecutable;
  if (header.machine != EM_X86_64) return ElfError::WrongMachine;

  ElfImage image;
  image.file = file.bytes();
  image.entry = header.entry;
  for (size_t index = 0; index < file.program_header_count(); ++index) {
    const ProgramHeader phdr = TRY(file.program_header(index));
    TRY(classify(phdr, file.bytes().size(), image));
  }
  if (image.segments.empty()) return ElfError::NoLoadableSegments;
  TRY(check_layout(image));
  return image;
}

Result<ElfImage, ElfError> parse_executable(ByteView bytes) {
  const ElfFile file = TRY(parse_headers(bytes));
  return validate_executable(file);
}

}  // namespace capos::elf
