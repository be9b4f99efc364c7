// tools/capnpc-capos/capnp_cxx20_compat.h — force-included (-include) into every translation unit
// that includes Cap'n Proto 0.9.2 headers under -std=c++20 (TOOLCHAIN.md).
//
// capnp/blob.h compares `const char*` with kj::StringPtr, which C++20's rewritten comparison
// rules leave without a viable operator; upstream added these overloads in 1.0.1. They compare
// by value, exactly like StringPtr::operator==(const StringPtr&).
#pragma once

#include <kj/string.h>

namespace kj {
inline bool operator==(const char* a, const StringPtr& b) { return StringPtr(a) == b; }
inline bool operator!=(const char* a, const StringPtr& b) { return !(StringPtr(a) == b); }
}  // namespace kj
