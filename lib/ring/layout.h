// lib/ring/layout.h — the ring protocol's view of a ring page, so the protocol (spsc.h) can run
// on pages with fewer entries than ABI v1's.
//
// UserRing and KernelRing are templated on the page type with RingPage (abi.h, 16 SQ / 32 CQ
// entries) as the default and the only layout the kernel and runtime ever instantiate. The model
// checker (verify/) instantiates the same protocol code on small pages (1–8 entries per queue)
// whose state spaces can be explored exhaustively. A page type must have RingPage's field
// names and types; its entry counts are the extents of its `sq` and `cq` arrays and must be
// powers of two, because slot = index % entries is only exact across the u32 wrap of the
// free-running indices when `entries` divides 2^32.
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "lib/ring/abi.h"

namespace capos {

template <typename Page>
concept RingLayout =
    requires(Page& page) {
      { page.sq_head } -> std::same_as<uint32_t&>;
      { page.sq_tail } -> std::same_as<uint32_t&>;
      { page.cq_head } -> std::same_as<uint32_t&>;
      { page.cq_tail } -> std::same_as<uint32_t&>;
      { page.sq_entries } -> std::same_as<uint32_t&>;
      { page.cq_entries } -> std::same_as<uint32_t&>;
      { page.flags } -> std::same_as<uint32_t&>;
      { page.corrupt_count } -> std::same_as<uint32_t&>;
      { page.cq_full_count } -> std::same_as<uint32_t&>;
    } && std::same_as<std::remove_extent_t<decltype(Page::sq)>, CapSqe> &&
    std::same_as<std::remove_extent_t<decltype(Page::cq)>, CapCqe> &&
    std::has_single_bit(std::extent_v<decltype(Page::sq)>) &&
    std::has_single_bit(std::extent_v<decltype(Page::cq)>) &&
    std::extent_v<decltype(Page::sq)> <= SQ_ENTRIES &&
    std::extent_v<decltype(Page::cq)> <= CQ_ENTRIES;

// The entry counts of a page type (SQ_ENTRIES and CQ_ENTRIES for RingPage).
// NOLINTBEGIN(bugprone-dynamic-static-initializers): constant-initialized; the check cannot
// evaluate an initializer that depends on a template parameter.
template <RingLayout Page>
inline constexpr uint32_t sq_entries_of = static_cast<uint32_t>(std::extent_v<decltype(Page::sq)>);
template <RingLayout Page>
inline constexpr uint32_t cq_entries_of = static_cast<uint32_t>(std::extent_v<decltype(Page::cq)>);
// NOLINTEND(bugprone-dynamic-static-initializers)

static_assert(RingLayout<RingPage>);
static_assert(sq_entries_of<RingPage> == SQ_ENTRIES && cq_entries_of<RingPage> == CQ_ENTRIES);

}  // namespace capos
