// Force-included into the capnp tests: libcapnp 0.9.2's blob.h compares `const char*` with
// kj::StringPtr, which C++20's rewritten comparison rules make ill-formed under clang-19
// (TOOLCHAIN.md; fixed upstream in 1.0.1). Declaring the comparison first restores it.
#pragma once

#include <kj/string.h>

namespace kj {
inline bool operator==(const char* a, const StringPtr& b) { return b == StringPtr(a); }
}  // namespace kj
