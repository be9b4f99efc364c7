// tests/lib/ring/spsc_harness.h — one ring page with both sides attached, over the recording
// policy, for the single-threaded ring tests.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "lib/ring/abi.h"
#include "lib/ring/spsc.h"
#include "tests/lib/ring/ring_test_util.h"

namespace capos::ring_test {

inline UserRing<RecordingAtomics> attach_user(RingPage& page, RecordingAtomics& atomics) {
  auto user = UserRing<RecordingAtomics>::attach(page, atomics);
  if (!user.has_value()) capos_panic("attach failed", __FILE__, __LINE__);
  return std::move(user).take();
}

struct Harness {
  explicit Harness(uint32_t first_index = 0)
      : page(std::make_unique<RingPage>()),
        kernel_atomics(*page),
        user_atomics(*page),
        kernel(*page, kernel_atomics, first_index),
        user(attach_user(*page, user_atomics)) {}

  // Submits NOPs with user_data first, first + 1, ...; returns how many the SQ accepted.
  uint32_t submit_nops(uint64_t first, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
      auto submitted = user.submit(nop_sqe(first + i));
      if (!submitted.has_value()) return i;
    }
    return count;
  }

  std::vector<CapCqe> reap_all() {
    std::vector<CapCqe> cqes;
    for (;;) {
      auto cqe = user.reap();
      if (!cqe.has_value()) {
        EXPECT_EQ(cqe.error(), Error::WouldBlock);
        return cqes;
      }
      cqes.push_back(*cqe);
    }
  }

  std::unique_ptr<RingPage> page;  // value-initialised: a zero-filled page
  RecordingAtomics kernel_atomics;
  RecordingAtomics user_atomics;
  KernelRing<RecordingAtomics> kernel;
  UserRing<RecordingAtomics> user;
};

inline std::vector<uint64_t> user_data_of(const std::vector<CapCqe>& cqes) {
  std::vector<uint64_t> values;
  for (const CapCqe& cqe : cqes) values.push_back(cqe.user_data);
  return values;
}

inline std::vector<uint64_t> iota(uint64_t first, size_t count) {
  std::vector<uint64_t> values;
  for (size_t i = 0; i < count; ++i) values.push_back(first + i);
  return values;
}

// Offsets of the words each side may store to (SPEC §4 "writer" column).
inline const std::set<size_t>& kernel_written_words() {
  static const std::set<size_t> words = {
      offsetof(RingPage, sq_head), offsetof(RingPage, cq_tail), offsetof(RingPage, flags),
      offsetof(RingPage, corrupt_count), offsetof(RingPage, cq_full_count)};
  return words;
}

// Every access in `log` is one the kernel may make outside construction: loads of the two
// user-written indices, SQ slot reads, CQ slot writes, stores to kernel-written words.
inline void expect_kernel_footprint(const std::vector<AccessRecord>& log) {
  for (const AccessRecord& access : log) {
    switch (access.kind) {
      case Access::Load:
        EXPECT_TRUE(access.offset == offsetof(RingPage, sq_tail) ||
                    access.offset == offsetof(RingPage, cq_head))
            << "kernel loaded word at " << access.offset;
        break;
      case Access::Store:
        EXPECT_EQ(kernel_written_words().count(access.offset), 1U)
            << "kernel stored to " << access.offset;
        break;
      case Access::ReadSqe:
        EXPECT_GE(access.offset, offsetof(RingPage, sq));
        EXPECT_LT(access.offset, offsetof(RingPage, cq));
        EXPECT_EQ((access.offset - offsetof(RingPage, sq)) % sizeof(CapSqe), 0U);
        break;
      case Access::WriteCqe:
        EXPECT_GE(access.offset, offsetof(RingPage, cq));
        EXPECT_LT(access.offset, offsetof(RingPage, cq) + CQ_ENTRIES * sizeof(CapCqe));
        EXPECT_EQ((access.offset - offsetof(RingPage, cq)) % sizeof(CapCqe), 0U);
        break;
      case Access::WriteSqe:
      case Access::ReadCqe: ADD_FAILURE() << "kernel touched the wrong queue"; break;
    }
  }
}

inline size_t count_accesses(const std::vector<AccessRecord>& log, Access kind) {
  size_t count = 0;
  for (const AccessRecord& access : log) count += access.kind == kind ? 1 : 0;
  return count;
}

inline size_t count_loads_of(const std::vector<AccessRecord>& log, size_t offset) {
  size_t count = 0;
  for (const AccessRecord& access : log) {
    count += access.kind == Access::Load && access.offset == offset ? 1 : 0;
  }
  return count;
}

}  // namespace capos::ring_test
