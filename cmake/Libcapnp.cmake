# libcapnp (Debian's libcapnp-dev 0.9.2) for host tools, tests and fuzz harnesses: its headers
# need one shim under clang-19 -std=c++20 (TOOLCHAIN.md), cmake/capnp_cxx20_compat.h, the only
# copy. capos_libcapnp_compat(<target> <PUBLIC|PRIVATE|INTERFACE>) force-includes it.
set(CAPOS_LIBCAPNP_COMPAT_HEADER ${CMAKE_CURRENT_LIST_DIR}/capnp_cxx20_compat.h)

function(capos_libcapnp_compat target scope)
  target_compile_options(${target} ${scope} -include ${CAPOS_LIBCAPNP_COMPAT_HEADER})
endfunction()
