// lib/mem/user_range.cpp — instantiates user_pages_ok() once for a kernel-shaped page walk, so
// the header is compiled (and linted) under both the host and the freestanding flags before the
// kernel includes it.
#include "lib/mem/user_range.h"

#include <optional>

namespace capos {

namespace probe {

struct PageView {
  bool user;
  bool writable;
};

struct PageWalk {
  std::optional<PageView> operator()(uint64_t page) const;
};

}  // namespace probe

static_assert(UserPageWalk<probe::PageWalk>);
static_assert(user_range_ok(user_range_begin, user_range_end - user_range_begin));
static_assert(!user_range_ok(0, 1) && !user_range_ok(user_range_end - 1, 2));

template bool user_pages_ok<probe::PageWalk>(const probe::PageWalk&, uint64_t, uint64_t,
                                             UserAccess);

}  // namespace capos
