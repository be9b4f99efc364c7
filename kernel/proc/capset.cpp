#include "kernel/proc/capset.h"

namespace capos::kernel {

namespace {

Result<void> check_name(std::span<const char> name) {
  if (name.empty() || name.size() >= CAPSET_NAME_BYTES) return Error::InvalidArgument;
  for (const char character : name) {
    if (character == '\0') return Error::InvalidArgument;
  }
  return {};
}

// Field by field: a CapSetPage temporary would put 4 KiB on the kernel stack.
void clear(CapSetPage& page) {
  page.header = CapSetHeader{};
  for (CapSetEntry& entry : page.entries) entry = CapSetEntry{};
}

}  // namespace

Result<void> build_capset(std::span<const CapSetGrant> grants, CapSetPage& page) {
  clear(page);
  if (grants.size() > CAPSET_MAX_ENTRIES) return Error::TooBig;
  for (const CapSetGrant& grant : grants) TRY(check_name(grant.name));

  page.header.magic = CAPSET_MAGIC;
  page.header.version = CAPSET_VERSION;
  page.header.count = static_cast<uint16_t>(grants.size());  // <= 63, checked above
  const std::span<CapSetEntry> entries(page.entries);
  for (size_t i = 0; i < grants.size(); ++i) {  // <= CAPSET_MAX_ENTRIES == entries.size()
    CapSetEntry& entry = entries[i];
    const std::span<char> name(entry.name);
    for (size_t j = 0; j < grants[i].name.size(); ++j) name[j] = grants[i].name[j];  // < 40
    entry.cap_id = grants[i].cap_id;
    entry.interface_id = grants[i].interface_id;
  }
  return {};
}

}  // namespace capos::kernel
