// fuzz/capnp_differential.cpp — lib/capnp against libcapnp 0.9.2 on arbitrary bytes.
//
// Both readers get the same bytes and the same limits and read the root as the test schema's
// AllTypes (tests/lib/capnp/test.capnp: every field type, unions, groups, nested lists),
// through the canonical dumps of tests/lib/capnp/schema_walk.h. Where both accept, the dumps
// must be identical; a disagreement is a crash. lib/capnp is the stricter reader by policy
// (lib/capnp/README.md "Decisions"), so an input libcapnp rejects and lib/capnp accepts is a
// crash too (F-039), and an input only lib/capnp rejects must break one of its documented
// stricter rules (stricter_rule() in tests/lib/capnp/schema_walk.h: segment count, out-of-range
// offsets of zero-sized objects, the double-far landing pad, or a last segment that ends in the
// zero padding given to libcapnp). With CAPOS_FUZZ_TALLY set, the counts are printed at exit.
#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/capnp_mutator.h"
#include "fuzz/fuzz_support.h"
#include "lib/capnp/message_reader.h"
#include "test.capnp.h"
#include "tests/lib/capnp/schema_walk.h"

namespace capos::fuzz {
namespace {

::capnp::StructSchema all_types() { return ::capnp::Schema::from<capnp_test_schema::AllTypes>(); }

std::optional<std::string> read_libcapnp(const std::vector<uint64_t>& words) {
  return capnp::test::read_libcapnp(words, all_types(),
                                    capnp::test::DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS,
                                    capnp::test::DIFFERENTIAL_NESTING_LIMIT);
}

// The unit-test differential's limits (schema_walk.h); trailing bytes allowed, since the
// input's zero padding lies after the last segment.
capnp::CapnpResult<std::string> read_ours(ByteView bytes) {
  return capnp::test::read_ours(bytes, all_types(), capnp::test::DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS,
                                capnp::test::DIFFERENTIAL_NESTING_LIMIT,
                                capnp::TrailingBytes::Allow);
}

struct Tally {
  std::map<std::string, uint64_t> libcapnp_only_errors;  // lib/capnp's reason, by name
  uint64_t both_accept = 0;
  uint64_t libcapnp_only = 0;
  uint64_t both_reject = 0;
  ~Tally() {
    if (std::getenv("CAPOS_FUZZ_TALLY") == nullptr) return;
    (void)std::fprintf(stderr,
                       "capnp_differential: both accept %llu, libcapnp only %llu, both "
                       "reject %llu\n",
                       static_cast<unsigned long long>(both_accept),
                       static_cast<unsigned long long>(libcapnp_only),
                       static_cast<unsigned long long>(both_reject));
    for (const auto& [error, count] : libcapnp_only_errors) {
      (void)std::fprintf(stderr,
                         "capnp_differential:   lib/capnp rejects, libcapnp accepts: %s %llu\n",
                         error.c_str(), static_cast<unsigned long long>(count));
    }
  }
};
Tally g_tally;

}  // namespace
}  // namespace capos::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capos;
  // libcapnp reads whole aligned words: give it a zero-padded copy (the padding lies after the
  // last segment, where our reader is told to allow trailing bytes).
  std::vector<uint64_t> words((size + 7) / 8);
  if (size != 0) std::memcpy(words.data(), data, size);
  const capos::capnp::CapnpResult<std::string> ours = fuzz::read_ours(ByteView(data, size));
  const std::optional<std::string> theirs = fuzz::read_libcapnp(words);
  if (ours.has_value() && theirs.has_value()) {
    ++fuzz::g_tally.both_accept;
    if (*ours != *theirs) {
      (void)std::fprintf(stderr, "lib/capnp: %s\nlibcapnp:  %s\n", ours->c_str(), theirs->c_str());
      fuzz::invariant_failed("lib/capnp and libcapnp read different values", __FILE__, __LINE__);
    }
  } else if (ours.has_value()) {
    (void)std::fprintf(stderr, "lib/capnp: %s\nlibcapnp:  rejected\n", ours->c_str());
    fuzz::invariant_failed("lib/capnp accepts what libcapnp rejects", __FILE__, __LINE__);
  } else if (theirs.has_value()) {
    if (capos::capnp::test::stricter_rule(ours.error(), ByteView(data, size), size % 8 != 0) ==
        nullptr) {
      (void)std::fprintf(stderr, "lib/capnp: %s\nlibcapnp:  %s\n",
                         capos::capnp::capnp_error_name(ours.error()), theirs->c_str());
      fuzz::invariant_failed(
          "lib/capnp rejects, by no documented stricter rule, what libcapnp reads", __FILE__,
          __LINE__);
    }
    ++fuzz::g_tally.libcapnp_only;
    ++fuzz::g_tally.libcapnp_only_errors[capos::capnp::capnp_error_name(ours.error())];
  } else {
    ++fuzz::g_tally.both_reject;
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return capos::fuzz::mutate_capnp(data, size, max_size, seed);
}
