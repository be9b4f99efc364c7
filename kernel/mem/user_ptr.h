// kernel/mem/user_ptr.h — the only way the kernel touches user memory (STYLE.md "User memory is
// an allegation").
//
// A UserPtr is a user address typed by direction, never dereferenced directly. Its one checked
// constructor rejects a count whose byte size overflows and any range outside the user half.
// copy_in / copy_out then run validate_user_buffer over the process's page table (present,
// user, writable for a write) and only then open a STAC/CLAC window (UserDoor's window, from
// kernel/arch/user_access.h) around the copy itself. No other portable kernel code can open that
// window: only this file may include that header (gate.freestanding_headers) or name the window
// and the copy routine (gate.unsafe_surface), F-023.
//
// The ring page is the one piece of shared memory the kernel reaches otherwise: it is a kernel
// frame the kernel accesses through its own direct-map alias with HardwareAtomics, never through
// RING_VADDR (REVIEW_FINDINGS F-014), so it is not user memory in this sense.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "kernel/arch/current.h"
#include "kernel/arch/user_access.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/checked.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

enum class UserDirection : uint8_t { In, Out };

// Walks `table` for validate_user_buffer.
class TableWalk {
 public:
  explicit TableWalk(const Arch::PageTable& table) : m_table(&table) {}
  [[nodiscard]] std::optional<PageLookup> operator()(uint64_t address) const {
    return m_table->lookup(address);
  }

 private:
  const Arch::PageTable* m_table;
};

template <typename T, UserDirection Direction>
  requires std::is_trivially_copyable_v<T>
class UserPtr {
 public:
  // `count` elements of T at `address`. Fault unless the byte range lies in the user half
  // (user_range_ok); Overflow if count * sizeof(T) wraps.
  [[nodiscard]] static Result<UserPtr> from_raw(uint64_t address, uint64_t count) {
    const uint64_t bytes = TRY(checked_mul<uint64_t>(count, sizeof(T)));
    if (!user_range_ok(address, bytes)) return Error::Fault;
    return UserPtr(address, count);
  }

  [[nodiscard]] uint64_t address() const { return m_address; }
  [[nodiscard]] uint64_t count() const { return m_count; }

  // Copies the first destination.size() elements in. TooBig if that exceeds count(); Fault if
  // any page is not present and user-accessible in `space`.
  [[nodiscard]] Result<void> copy_in(const Arch::PageTable& space, std::span<T> destination) const
    requires(Direction == UserDirection::In)
  {
    if (destination.size() > m_count) return Error::TooBig;
    const uint64_t bytes = destination.size_bytes();
    TRY(validate_user_buffer(TableWalk(space), m_address, bytes, UserAccess::Read));
    if (bytes == 0) return {};
    // SAFETY: the window (AC = 1) is open only for the copy below and closes at the end of
    // this scope; validate_user_buffer above checked every page of the range.
    const UserDoor::UserAccessWindow window;
    // SAFETY: [m_address, m_address + bytes) is in the user half and every page of it is
    // present and user-readable in `space`, the active table (validated just above); a page
    // gone before the copy faults into the copy's fixup and comes back as Fault (F-019).
    // `destination` holds `bytes` bytes.
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a validated user address
    if (!UserDoor::copy_user_bytes(destination.data(), reinterpret_cast<const void*>(m_address),
                                   bytes)) {
      return Error::Fault;
    }
    return {};
  }

  // Copies `source` out to the start of the buffer. TooBig if it exceeds count(); Fault if any
  // page is not present, user-accessible and writable in `space`.
  [[nodiscard]] Result<void> copy_out(const Arch::PageTable& space, std::span<const T> source) const
    requires(Direction == UserDirection::Out)
  {
    if (source.size() > m_count) return Error::TooBig;
    const uint64_t bytes = source.size_bytes();
    TRY(validate_user_buffer(TableWalk(space), m_address, bytes, UserAccess::Write));
    if (bytes == 0) return {};
    // SAFETY: the window (AC = 1) is open only for the copy below and closes at the end of
    // this scope; validate_user_buffer above checked every page of the range, writable too.
    const UserDoor::UserAccessWindow window;
    // SAFETY: [m_address, m_address + bytes) is in the user half and every page of it is
    // present, user-accessible and writable in `space` (validated just above); CR0.WP is on,
    // so a read-only page would fault into the fixup (Fault), never be written.
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a validated user address
    if (!UserDoor::copy_user_bytes(reinterpret_cast<void*>(m_address), source.data(), bytes)) {
      return Error::Fault;
    }
    return {};
  }

 private:
  UserPtr(uint64_t address, uint64_t count) : m_address(address), m_count(count) {}
  uint64_t m_address;
  uint64_t m_count;
};

template <typename T>
using UserIn = UserPtr<T, UserDirection::In>;
template <typename T>
using UserOut = UserPtr<T, UserDirection::Out>;

}  // namespace capos::kernel::mem
