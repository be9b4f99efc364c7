#include "kernel/boot/boot_info.h"

#include "lib/core/bytes.h"
#include "lib/core/checked.h"
#include "lib/core/panic.h"

namespace capos::kernel::boot {

namespace {

constexpr uint32_t tag_end = 0;
constexpr uint32_t tag_command_line = 1;
constexpr uint32_t tag_loader_name = 2;
constexpr uint32_t tag_module = 3;
constexpr uint32_t tag_memory_map = 6;

constexpr uint64_t header_size = 8;      // total_size, reserved
constexpr uint64_t tag_header_size = 8;  // type, size
constexpr uint64_t tag_alignment = 8;
constexpr uint64_t memory_map_fixed_size = 16;  // tag header + entry_size + entry_version
constexpr uint64_t memory_map_min_entry = 24;   // base u64, length u64, type u32, reserved u32
constexpr uint64_t module_fixed_size = 16;      // tag header + mod_start + mod_end

template <typename T>
Result<T, BootInfoError> read(ByteView bytes, uint64_t offset, BootInfoError on_error) {
  const Result<T> value = load_le<T>(bytes, offset);
  if (!value) return on_error;
  return *value;
}

// The NUL-terminated printable string at the start of `bytes`, without its terminator.
Result<std::span<const char>, BootInfoError> read_string(ByteView bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t byte = bytes[i];
    if (byte == 0) {
      return chars_of(bytes.first(i));  // i < bytes.size(): the string without its NUL
    }
    if (byte < 0x20 || byte > 0x7e) return BootInfoError::BadString;
  }
  return BootInfoError::BadString;  // no terminator inside the tag
}

Result<void, BootInfoError> parse_memory_map(ByteView tag, BootInfo& out) {
  if (tag.size() < memory_map_fixed_size) return BootInfoError::BadTagSize;
  const auto entry_size = TRY(read<uint32_t>(tag, 8, BootInfoError::BadTagSize));
  const auto entry_version = TRY(read<uint32_t>(tag, 12, BootInfoError::BadTagSize));
  if (entry_size < memory_map_min_entry || entry_size % 8 != 0 || entry_version != 0) {
    return BootInfoError::BadMemoryMap;
  }
  const ByteView entries = tag.subspan(memory_map_fixed_size);
  if (entries.size() % entry_size != 0) return BootInfoError::BadMemoryMap;
  for (uint64_t offset = 0; offset < entries.size(); offset += entry_size) {
    const auto base = TRY(read<uint64_t>(entries, offset, BootInfoError::BadMemoryMap));
    const auto length = TRY(read<uint64_t>(entries, offset + 8, BootInfoError::BadMemoryMap));
    if (!checked_add(base, length)) return BootInfoError::RegionOverflow;
  }
  out.memory_map = MemoryMap(entries, entry_size);
  return {};
}

Result<void, BootInfoError> parse_module(ByteView tag, BootInfo& out) {
  if (tag.size() < module_fixed_size + 1) return BootInfoError::BadTagSize;
  const auto start = TRY(read<uint32_t>(tag, 8, BootInfoError::BadTagSize));
  const auto end = TRY(read<uint32_t>(tag, 12, BootInfoError::BadTagSize));
  if (start > end) return BootInfoError::BadModule;
  const std::span<const char> name = TRY(read_string(tag.subspan(module_fixed_size)));
  if (out.module_count == BootInfo::max_modules) return BootInfoError::TooManyModules;
  out.module_storage[out.module_count++] = BootModule{start, end, name};
  return {};
}

Result<void, BootInfoError> parse_tag(uint32_t type, ByteView tag, BootInfo& out,
                                      bool& seen_memory_map) {
  switch (type) {
    case tag_command_line:
    case tag_loader_name: {
      std::span<const char>& field = type == tag_command_line ? out.command_line : out.loader_name;
      if (field.data() != nullptr) return BootInfoError::DuplicateTag;
      field = TRY(read_string(tag.subspan(tag_header_size)));
      return {};
    }
    case tag_module: return parse_module(tag, out);
    case tag_memory_map:
      if (seen_memory_map) return BootInfoError::DuplicateTag;
      seen_memory_map = true;
      return parse_memory_map(tag, out);
    default: return {};  // not used by capOS; its bounds were checked by the caller
  }
}

}  // namespace

MemoryMap::MemoryMap(ByteView entries, uint32_t entry_size)
    : m_entries(entries), m_entry_size(entry_size), m_count(entries.size() / entry_size) {}

MemoryRegion MemoryMap::operator[](size_t index) const {
  KASSERT(index < m_count);
  const uint64_t offset = uint64_t{index} * m_entry_size;
  // The parser checked every entry, so these loads cannot fail.
  return MemoryRegion{
      .base = load_le<uint64_t>(m_entries, offset).value_or(0),
      .length = load_le<uint64_t>(m_entries, offset + 8).value_or(0),
      .type = load_le<uint32_t>(m_entries, offset + 16).value_or(0),
  };
}

const char* describe(BootInfoError error) {
  switch (error) {
    case BootInfoError::Truncated: return "shorter than the 8-byte header";
    case BootInfoError::BadTotalSize: return "total_size is too small or disagrees with the data";
    case BootInfoError::BadTagSize: return "a tag is too short or runs past total_size";
    case BootInfoError::MissingEndTag: return "no end tag";
    case BootInfoError::DuplicateTag: return "a single-instance tag appears twice";
    case BootInfoError::BadString: return "a string is unterminated or not printable ASCII";
    case BootInfoError::BadMemoryMap: return "memory map entry size, version or length is invalid";
    case BootInfoError::RegionOverflow: return "a memory region wraps past 2^64";
    case BootInfoError::MissingMemoryMap: return "no memory map";
    case BootInfoError::BadModule: return "a module ends before it starts";
    case BootInfoError::TooManyModules: return "too many modules";
  }
  return "unknown error";
}

Result<void, BootInfoError> parse_multiboot2(ByteView info, BootInfo& out) {
  out = BootInfo{};
  if (info.size() < header_size) return BootInfoError::Truncated;
  const auto total_size = TRY(read<uint32_t>(info, 0, BootInfoError::Truncated));
  if (total_size != info.size() || total_size < header_size + tag_header_size) {
    return BootInfoError::BadTotalSize;
  }
  out.total_size = total_size;
  bool seen_memory_map = false;
  // Invariant: offset is 8-aligned and <= total_size; each round advances it by >= 8 bytes, so
  // the loop runs at most total_size / 8 times.
  uint64_t offset = header_size;
  while (true) {
    if (!range_within(offset, tag_header_size, total_size)) return BootInfoError::MissingEndTag;
    const auto type = TRY(read<uint32_t>(info, offset, BootInfoError::BadTagSize));
    const auto size = TRY(read<uint32_t>(info, offset + 4, BootInfoError::BadTagSize));
    if (size < tag_header_size || !range_within(offset, size, total_size)) {
      return BootInfoError::BadTagSize;
    }
    if (type == tag_end) {
      if (size != tag_header_size) return BootInfoError::BadTagSize;
      break;
    }
    TRY(parse_tag(type, info.subspan(offset, size), out, seen_memory_map));
    // offset + size <= total_size < 2^32, so rounding up cannot overflow a uint64_t.
    offset = (offset + size + tag_alignment - 1) & ~(tag_alignment - 1);
  }
  if (!seen_memory_map) return BootInfoError::MissingMemoryMap;
  return {};
}

}  // namespace capos::kernel::boot
