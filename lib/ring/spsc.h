// lib/ring/spsc.h — the ring protocol (SPEC §4 "Semantics"), both sides, written once:
// user_ring.h (UserRing) and kernel_ring.h (KernelRing).
//
// One ring page, two single-threaded parties: the user (UserRing: produces SQEs, consumes
// CQEs) and the kernel (KernelRing: consumes SQEs, produces CQEs). Every shared-memory access
// goes through the RingAtomics policy (atomics.h), so the kernel, the runtime, the host tests,
// the fuzz harness and the model checker all run this exact code.
//
// Happens-before edges (the only ones the protocol needs):
//   user writes SQE slot  -> store-release sq_tail  ~> kernel load-acquire sq_tail  -> reads slot
//   kernel reads SQE slot -> store-release sq_head  ~> user load-acquire sq_head    -> reuses slot
//   kernel writes CQE     -> store-release cq_tail  ~> user load-acquire cq_tail    -> reads CQE
//   user reads CQE        -> store-release cq_head  ~> kernel load-acquire cq_head  -> reuses slot
#pragma once

#include "lib/ring/kernel_ring.h"  // IWYU pragma: export
#include "lib/ring/user_ring.h"    // IWYU pragma: export
