// lib/mem/user_range.h — the arithmetic of user-buffer validation (SPEC §4), proved with z3.
//
// user_range_ok(address, length) decides whether the kernel may ever touch the bytes
// [address, address + length) of a user buffer; user_pages_ok() then walks the page tables over
// exactly the pages those bytes lie on. verify/bounded/user_range_proof.cpp proves, over all
// 2^64 x 2^64 inputs, that an accepted range is canonical user-half memory with no wrap-around
// and that the walk visits the page of every byte, each page inside the user half.
//
// The predicates are written once over a word type W, in predicate::: the C++ below
// instantiates them with uint64_t and the proof with a 64-bit bit-vector term, so the proof
// checks this text, not a re-model of it. They stay branch-free (only + - & ~, comparisons,
// && || !) so both instantiations mean the same thing.
#pragma once

#include <concepts>
#include <cstdint>

namespace capos {

// SPEC §4 "Address-space constants": the user half is [0x1000, 0x0000_8000_0000_0000). Page 0
// stays unmapped; every address below the end is canonical (bits 63..47 clear). Equal to
// USER_HALF_BEGIN / USER_HALF_END in lib/ring/abi.h (asserted in the proof).
inline constexpr uint64_t user_range_begin = 0x0000'0000'0000'1000;
inline constexpr uint64_t user_range_end = 0x0000'8000'0000'0000;  // exclusive
inline constexpr uint64_t user_page_size = 4096;

namespace predicate {

// Every byte of [address, address + length) lies in [user_range_begin, user_range_end),
// evaluated without overflow. An empty range touches no byte and is accepted at any address.
template <typename W>
[[nodiscard]] constexpr auto user_range_ok(const W& address, const W& length) {
  return length == uint64_t{0} || (address >= user_range_begin && address < user_range_end &&
                                   length <= user_range_end - address);
}

// The first and the last page a non-empty accepted range touches (page-aligned addresses).
template <typename W>
[[nodiscard]] constexpr auto user_first_page(const W& address) {
  return address & ~(user_page_size - 1);
}
template <typename W>
[[nodiscard]] constexpr auto user_last_page(const W& address, const W& length) {
  return (address + (length - uint64_t{1})) & ~(user_page_size - 1);
}

// What one page must allow: present and user-accessible, and writable for a write (the
// effective permissions of the whole page walk).
template <typename B>
[[nodiscard]] constexpr auto user_page_permits(const B& present, const B& user, const B& writable,
                                               const B& write) {
  return present && user && (!write || writable);
}

}  // namespace predicate

// The range check the kernel runs on every user pointer (SPEC §4): true iff every byte of
// [address, address + length) is canonical user-half memory, with no wrap-around; an empty
// range is accepted at any address.
[[nodiscard]] constexpr bool user_range_ok(uint64_t address, uint64_t length) {
  return predicate::user_range_ok<uint64_t>(address, length);
}

enum class UserAccess : uint8_t { Read, Write };

// The abstract page-table interface: walk(page) for a page-aligned user address answers
// "not mapped" (an empty optional) or the effective permissions of the walk (`user`,
// `writable`). The kernel's PageTable::lookup() result fits it.
template <typename Walk>
concept UserPageWalk = requires(const Walk& walk, uint64_t page) {
  { walk(page).has_value() } -> std::convertible_to<bool>;
  { walk(page)->user } -> std::convertible_to<bool>;
  { walk(page)->writable } -> std::convertible_to<bool>;
};

// user_range_ok(), and every page the range touches is present, user and (for a write)
// writable. Calls walk() once per page, first to last, and stops at the first refusal; an empty
// range walks nothing. Callers bound `length` first: the walk costs one lookup per page.
template <UserPageWalk Walk>
[[nodiscard]] constexpr bool user_pages_ok(const Walk& walk, uint64_t address, uint64_t length,
                                           UserAccess access) {
  if (!user_range_ok(address, length)) return false;
  if (length == 0) return true;
  const bool write = access == UserAccess::Write;
  const uint64_t last = predicate::user_last_page<uint64_t>(address, length);
  // Proved: first <= last, both page-aligned and inside the user half, so `page` reaches `last`
  // exactly and `page + user_page_size` never wraps.
  for (uint64_t page = predicate::user_first_page<uint64_t>(address);; page += user_page_size) {
    const auto found = walk(page);
    const bool present = found.has_value();
    if (!present ||
        !predicate::user_page_permits<bool>(present, found->user, found->writable, write)) {
      return false;
    }
    if (page == last) return true;
  }
}

}  // namespace capos
