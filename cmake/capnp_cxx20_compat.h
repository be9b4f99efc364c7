// cmake/capnp_cxx20_compat.h — the one C++20 shim for libcapnp 0.9.2's headers, force-included
// (-include, cmake/Libcapnp.cmake) into every host translation unit that includes them: the
// tools (mkmanifest, capnpc-capos), the tests and the fuzz harnesses. TOOLCHAIN.md: capnp/blob.h
// compares `const char*` with kj::StringPtr, which C++20's rewritten comparison rules leave
// without a viable operator under clang-19; upstream added these overloads in 1.0.1. They
// compare by value, exactly like StringPtr::operator==(const StringPtr&). Never in lib/,
// kernel/ or user/ (which cannot include libcapnp at all).
#pragma once

#include <kj/string.h>

namespace kj {
inline bool operator==(const char* a, const StringPtr& b) { return StringPtr(a) == b; }
inline bool operator!=(const char* a, const StringPtr& b) { return !(StringPtr(a) == b); }
}  // namespace kj
