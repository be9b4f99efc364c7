# Flags for freestanding code (lib/, and later kernel/ and user/). Measured on clang-19 with
# Debian's libstdc++ 12 headers (docs/design.md "Freestanding flags"): -mgeneral-regs-only
# rejects libstdc++'s long double overloads, so SIMD is disabled register class by register
# class instead; a float or double use still fails to compile (no SSE return registers).
set(CAPOS_FREESTANDING_FLAGS
    --target=x86_64-unknown-linux-gnu -ffreestanding -fno-exceptions -fno-rtti
    -fno-threadsafe-statics -mno-red-zone -mcmodel=kernel -mno-sse -mno-sse2 -mno-mmx
    -mno-avx -fno-pic -fno-stack-protector -fno-builtin)

# Host builds of lib/ still refuse exceptions and RTTI, so host tests exercise the same code
# shape the kernel runs.
set(CAPOS_LIB_HOST_FLAGS -fno-exceptions -fno-rtti)

# capos_freestanding_check(<name> <sources...>): compiles the sources with the kernel's flags
# into an object library that nothing links; the build fails if lib/ stops being freestanding.
function(capos_freestanding_check name)
  add_library(${name} OBJECT ${ARGN})
  target_compile_options(${name} PRIVATE ${CAPOS_FREESTANDING_FLAGS} ${CAPOS_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  # Sanitizer and coverage flags from the host preset do not apply to kernel-shaped code.
  set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL OFF)
endfunction()

# The lib/ sources linked into both freestanding images (kernel and user runtime): memcpy and
# friends, the ring protocol, the capnp reader/builder, the generated schema code and the
# manifest decoder. kernel/ adds the memory and ELF modules it alone uses.
set(CAPOS_FREESTANDING_SHARED_LIB_SOURCES
    ${PROJECT_SOURCE_DIR}/lib/freestanding/string_x86_64.cpp
    ${PROJECT_SOURCE_DIR}/lib/core/error.cpp
    ${PROJECT_SOURCE_DIR}/lib/ring/transport.cpp
    ${PROJECT_SOURCE_DIR}/lib/ring/sqe.cpp
    ${PROJECT_SOURCE_DIR}/lib/capnp/capnp_error.cpp
    ${PROJECT_SOURCE_DIR}/lib/capnp/message_reader.cpp
    ${PROJECT_SOURCE_DIR}/lib/capnp/reader.cpp
    ${PROJECT_SOURCE_DIR}/lib/capnp/message_builder.cpp
    ${PROJECT_SOURCE_DIR}/lib/capnp/builder.cpp
    ${PROJECT_SOURCE_DIR}/lib/gen/support.cpp
    ${PROJECT_SOURCE_DIR}/lib/gen/capos.capnp.cpp
    ${PROJECT_SOURCE_DIR}/lib/manifest/model.cpp
    ${PROJECT_SOURCE_DIR}/lib/manifest/diagnostic.cpp
    ${PROJECT_SOURCE_DIR}/lib/manifest/validate.cpp
    ${PROJECT_SOURCE_DIR}/lib/manifest/decode.cpp)
