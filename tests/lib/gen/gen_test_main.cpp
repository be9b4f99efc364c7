// The differential-case counter and the environment that prints it when a test process ends.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

#include "tests/lib/gen/gen_test_util.h"

namespace capos::gen::test {

namespace {
std::atomic<uint64_t> g_cases{0};

class CountEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("lib/gen differential cases compared with libcapnp: %llu\n",
                static_cast<unsigned long long>(g_cases.load()));
  }
};

// gtest_main runs the tests; registering here (before main) adds the report to every process.
[[maybe_unused]] ::testing::Environment* const g_environment =
    ::testing::AddGlobalTestEnvironment(new CountEnvironment);
}  // namespace

void count_differential_case() { g_cases.fetch_add(1); }
uint64_t differential_cases() { return g_cases.load(); }

}  // namespace capos::gen::test
