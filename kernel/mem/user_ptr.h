// kernel/mem/user_ptr.h — the only way the kernel touches user memory (STYLE.md "User memory is
// an allegation").
//
// A UserPtr is a user address typed by direction, never dereferenced directly. Its one checked
// constructor rejects a count whose byte size overflows and any range outside the user half.
// copy_in / copy_out then run validate_user_buffer over the address space's page table
// (TableWalk: present, user, writable for a write, the effective rights of the whole walk) and
// only then ask the address space to move the bytes.
//
// The address space is a policy (UserSpace): its page table and its copy routine. The kernel's
// is ActiveUserSpace below — the active x86_64::PageTable, and the arch copy inside a STAC/CLAC
// window (UserDoor, kernel/arch/user_access.h); no other portable kernel code can open that window:
// only this file may include that header (gate.freestanding_headers) or name the window and the
// copy routine (gate.unsafe_surface), F-023. Host tests and
// fuzzers run this same text over a simulated machine (tests/kernel/mem/simulated_memory.h:
// BasicPageTable over simulated physical memory, a copy that faults like the MMU). A UserSpace's
// copy functions take a UserCopyKey, which only UserPtr can make, so no caller reaches a copy
// without the validation in front of it.
//
// The ring page is the one piece of shared memory the kernel reaches otherwise: it is a kernel
// frame the kernel accesses through its own direct-map alias with HardwareAtomics, never through
// RING_VADDR (REVIEW_FINDINGS F-014), so it is not user memory in this sense.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "kernel/arch/current.h"
#include "kernel/arch/user_access.h"
#include "kernel/mem/validate_user_buffer.h"
#include "lib/core/checked.h"
#include "lib/core/result.h"

namespace capos::kernel::mem {

enum class UserDirection : uint8_t { In, Out };

template <typename T, UserDirection Direction>
  requires std::is_trivially_copyable_v<T>
class UserPtr;

// Permission to run a UserSpace's copy: constructible only by UserPtr, after validation.
class UserCopyKey {
  UserCopyKey() = default;
  template <typename T, UserDirection Direction>
    requires std::is_trivially_copyable_v<T>
  friend class UserPtr;
};

// A user address space: `table()` is walked by validate_user_buffer; the copies move `bytes`
// bytes between a kernel buffer and user addresses, returning false when the copy faulted on a
// user page (capos_user_copy's contract, F-019; bytes before the fault may have been copied).
template <typename S>
concept UserSpace = std::constructible_from<S, const typename S::Table&> &&
                    requires(const S& space, UserCopyKey key, void* to, const void* from,
                             uint64_t address, uint64_t bytes) {
                      { space.table().lookup(address) } -> std::same_as<std::optional<PageLookup>>;
                      { space.copy_from_user(key, to, address, bytes) } -> std::same_as<bool>;
                      { space.copy_to_user(key, address, from, bytes) } -> std::same_as<bool>;
                    };

// Walks `table` for validate_user_buffer.
template <typename Table>
class TableWalk {
 public:
  explicit TableWalk(const Table& table) : m_table(&table) {}
  [[nodiscard]] std::optional<PageLookup> operator()(uint64_t address) const {
    return m_table->lookup(address);
  }

 private:
  const Table* m_table;
};

// The kernel's address space: `table` must be the active hierarchy (CR3), so the CPU translates
// the user addresses of the copy through it.
class ActiveUserSpace {
 public:
  using Table = Arch::PageTable;
  explicit ActiveUserSpace(const Table& table) : m_table(&table) {}
  [[nodiscard]] const Table& table() const { return *m_table; }

  // SAFETY (user copy): UserPtr calls these only after validate_user_buffer accepted
  // [address, address + bytes) in table(), the active table: the range is in the user half and
  // every page of it is present and user-accessible (and user-writable for copy_to_user; CR0.WP
  // is on, so a read-only page would fault rather than be written). A page gone before the copy
  // faults into the copy's fixup and comes back as false (F-019). The window (AC = 1) is open
  // only for this one copy; the kernel buffer holds `bytes` bytes.
  [[nodiscard]] bool copy_from_user(UserCopyKey /*key*/, void* destination, uint64_t address,
                                    uint64_t bytes) const {
    // SAFETY: see "SAFETY (user copy)" above.
    const UserDoor::UserAccessWindow window;
    // SAFETY: `address` is a user address validated for `bytes` bytes (see above); the copy's
    // fixup turns a fault into false.
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a validated user address
    return UserDoor::copy_user_bytes(destination, reinterpret_cast<const void*>(address), bytes);
  }
  [[nodiscard]] bool copy_to_user(UserCopyKey /*key*/, uint64_t address, const void* source,
                                  uint64_t bytes) const {
    // SAFETY: see "SAFETY (user copy)" above.
    const UserDoor::UserAccessWindow window;
    // SAFETY: `address` is a user address validated writable for `bytes` bytes (see above); the
    // copy's fixup turns a fault into false.
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a validated user address
    return UserDoor::copy_user_bytes(reinterpret_cast<void*>(address), source, bytes);
  }

 private:
  const Table* m_table;
};
static_assert(UserSpace<ActiveUserSpace>);

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

  // Copies the first destination.size() elements in. TooBig if that exceeds count() (or the
  // validation bound); Fault if any page is not present and user-accessible in `space`, or the
  // copy faulted.
  template <UserSpace Space>
  [[nodiscard]] Result<void> copy_in(const Space& space, std::span<T> destination) const
    requires(Direction == UserDirection::In)
  {
    if (destination.size() > m_count) return Error::TooBig;
    const uint64_t bytes = destination.size_bytes();
    TRY(validate_user_buffer(TableWalk(space.table()), m_address, bytes, UserAccess::Read));
    if (bytes == 0) return {};
    if (!space.copy_from_user(UserCopyKey{}, destination.data(), m_address, bytes)) {
      return Error::Fault;
    }
    return {};
  }

  // Copies `source` out to the start of the buffer. TooBig if it exceeds count(); Fault if any
  // page is not present, user-accessible and writable in `space`, or the copy faulted.
  template <UserSpace Space>
  [[nodiscard]] Result<void> copy_out(const Space& space, std::span<const T> source) const
    requires(Direction == UserDirection::Out)
  {
    if (source.size() > m_count) return Error::TooBig;
    const uint64_t bytes = source.size_bytes();
    TRY(validate_user_buffer(TableWalk(space.table()), m_address, bytes, UserAccess::Write));
    if (bytes == 0) return {};
    if (!space.copy_to_user(UserCopyKey{}, m_address, source.data(), bytes)) return Error::Fault;
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
