#include "lib/elf/elf_image.h"

#include <span>

#include "lib/core/checked.h"
#include "lib/core/panic.h"
#include "lib/elf/elf_bounds.h"

namespace capos::elf {
namespace {

// p_align 0 and 1 both mean "no constraint" (gABI) and normalise to 1; anything else must be a
// power of two (checked by predicate::alignment_ok before this is used).
constexpr uint64_t normalized_alignment(uint64_t p_align) { return p_align <= 1 ? 1 : p_align; }

// Shared by PT_LOAD and PT_TLS: the file bytes exist and fit in the memory image.
Result<void, ElfError> check_file_range(const ProgramHeader& phdr, uint64_t file_length) {
  if (!predicate::file_size_fits<uint64_t>(phdr.file_size, phdr.memory_size)) {
    return ElfError::FileSizeExceedsMemSize;
  }
  if (!predicate::file_bytes_in_file<uint64_t>(phdr.file_offset, phdr.file_size, file_length)) {
    return ElfError::SegmentOutOfFile;
  }
  return {};
}

// The template is file-backed bytes of `load`, at the same place in the file and in memory
// (so copying it from the file or from the mapped segment gives the same bytes). An empty
// template only has to point into the segment.
bool tls_inside(const TlsTemplate& tls, const LoadSegment& load) {
  return predicate::tls_inside_load<uint64_t>(tls.virtual_address, tls.file_size, tls.file_offset,
                                              load.virtual_address, load.memory_size,
                                              load.file_size, load.file_offset);
}

// Entry must be code that came from the file, not zero fill.
bool contains_entry(const LoadSegment& segment, uint64_t entry) {
  return segment.executable() && predicate::entry_in_file_bytes<uint64_t>(
                                     entry, segment.virtual_address, segment.file_size);
}

// One program header: PT_LOAD and PT_TLS are collected, the rest accepted or rejected by type.
// An empty PT_TLS (p_memsz 0: what a linker script with a PT_TLS line emits for a program without
// thread-locals, typically at address 0) is validated like any other but means "no TLS": there is
// no block to allocate and no template to place, so it is not recorded. It still counts towards
// "at most one PT_TLS".
Result<void, ElfError> classify(const ProgramHeader& phdr, uint64_t file_length, ElfImage& image,
                                bool& seen_tls) {
  switch (phdr.type) {
    case PT_LOAD: {
      const LoadSegment segment = TRY(check_load_segment(phdr, file_length));
      // StaticVector refuses the (MAX_LOAD_SEGMENTS + 1)-th push and stays unchanged.
      if (!image.segments.push_back(segment).has_value()) return ElfError::TooManyLoadSegments;
      return {};
    }
    case PT_TLS: {
      if (seen_tls) return ElfError::MultipleTls;
      seen_tls = true;
      const TlsTemplate tls = TRY(check_tls_segment(phdr, file_length));
      if (tls.memory_size != 0) image.tls = tls;
      return {};
    }
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

// Every field of a PT_LOAD, bounded before it is used to derive anything (loader checklist).
// Each test is a predicate of elf_bounds.h; their conjunction is predicate::load_segment_ok.
Result<LoadSegment, ElfError> check_load_segment(const ProgramHeader& phdr, uint64_t file_length) {
  if (phdr.memory_size == 0) return ElfError::EmptySegment;
  // x86-64 pages are readable whenever present, so a segment without PF_R would silently get
  // more access than it asks for; unknown bits (PF_MASKOS/PF_MASKPROC) have no capOS meaning.
  if (!predicate::load_flags_ok<uint64_t>(phdr.flags)) return ElfError::BadSegmentFlags;
  if (predicate::writable_and_executable<uint64_t>(phdr.flags)) {
    return ElfError::WritableAndExecutable;
  }
  TRY(check_file_range(phdr, file_length));
  if (!predicate::alignment_ok<uint64_t>(phdr.alignment)) return ElfError::BadAlignment;
  if (!predicate::segment_congruent<uint64_t>(phdr.virtual_address, phdr.file_offset,
                                              phdr.alignment)) {
    return ElfError::MisalignedSegment;
  }
  if (predicate::segment_address_wraps<uint64_t>(phdr.virtual_address, phdr.memory_size)) {
    return ElfError::SegmentAddressOverflow;
  }
  if (!predicate::segment_in_user_window<uint64_t>(phdr.virtual_address, phdr.memory_size)) {
    return ElfError::SegmentOutsideUserHalf;
  }
  return LoadSegment{.virtual_address = phdr.virtual_address,
                     .memory_size = phdr.memory_size,
                     .file_offset = phdr.file_offset,
                     .file_size = phdr.file_size,
                     .alignment = normalized_alignment(phdr.alignment),
                     .flags = phdr.flags};
}

// The PT_TLS fields on their own (predicate::tls_segment_ok); placement relative to the
// PT_LOADs is checked afterwards.
Result<TlsTemplate, ElfError> check_tls_segment(const ProgramHeader& phdr, uint64_t file_length) {
  TRY(check_file_range(phdr, file_length));
  if (!predicate::alignment_ok<uint64_t>(phdr.alignment)) return ElfError::BadAlignment;
  if (!predicate::tls_size_ok<uint64_t>(phdr.memory_size, phdr.alignment)) {
    return ElfError::TlsTooLarge;
  }
  return TlsTemplate{.virtual_address = phdr.virtual_address,
                     .memory_size = phdr.memory_size,
                     .file_offset = phdr.file_offset,
                     .file_size = phdr.file_size,
                     .alignment = normalized_alignment(phdr.alignment)};
}

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
  bool seen_tls = false;
  for (size_t index = 0; index < file.program_header_count(); ++index) {
    const ProgramHeader phdr = TRY(file.program_header(index));
    TRY(classify(phdr, file.bytes().size(), image, seen_tls));
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
