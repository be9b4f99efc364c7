# kernel/host_sources.cmake — the kernel sources that are host-testable by construction
# (kernel/cap: dispatch, invocation, transfer; kernel/object: one file per object type). The
# header gate (tools/audit/check_headers.py) keeps them free of kernel/arch and kernel/proc.
# One list for the kernel image, the host tests (tests/kernel) and the fuzz harness
# (fuzz/ring_kernel_dispatch), included by each. Expects CAPOS_KERNEL_ROOT = the repository root.
set(CAPOS_KERNEL_HOST_SOURCES
    ${CAPOS_KERNEL_ROOT}/kernel/cap/cap_object.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/cap/invocation.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/cap/ring_dispatch.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/cap/transfer.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/object/boot_package.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/object/capability_manager.cpp
    ${CAPOS_KERNEL_ROOT}/kernel/object/console.cpp)
