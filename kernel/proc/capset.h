// kernel/proc/capset.h — building a process's CapSet page (SPEC §4 "CapSet page", §7).
//
// The page tells a process which caps it starts with, by name, in manifest order. The kernel
// fills it in a kernel frame and maps it read-only at CAPSET_VADDR. Pure: host-tested.
#pragma once

#include <cstdint>
#include <span>

#include "lib/cap/cap_id.h"
#include "lib/core/result.h"
#include "lib/ring/abi.h"

namespace capos::kernel {

struct CapSetGrant {
  std::span<const char> name;  // 1..CAPSET_NAME_BYTES - 1 bytes, no NUL
  CapId cap_id;
  uint64_t interface_id;
};

// Writes the whole page: header (magic, version, count), one entry per grant with its name
// NUL-padded, every reserved byte and unused entry zero. TooBig for more than
// CAPSET_MAX_ENTRIES grants; InvalidArgument for an empty name, a name of CAPSET_NAME_BYTES
// bytes or more (one NUL must remain) or a name containing NUL. On failure the page is all
// zero (count 0, no magic), so a half-built page is never mapped by mistake.
[[nodiscard]] Result<void> build_capset(std::span<const CapSetGrant> grants, CapSetPage& page);

}  // namespace capos::kernel
