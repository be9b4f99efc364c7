// Every reader limit of lib/capnp is reached by a checked-in fuzz seed, and this test replays
// each seed and asserts the limit's exact error (fuzz/make_seeds.py CAPNP_LIMIT_SEEDS writes
// them; they are checked in as fuzz/corpus/<target>/seed-limit-<name>.bin, so the fuzz smoke
// replays them through the harnesses as well):
//  - capnp_differential seeds are read as AllTypes with the differential's limits, exactly as
//    fuzz/capnp_differential.cpp reads them: lib/capnp must fail with the seed's error, and
//    libcapnp must reject the seed too, or, for the deliberate disagreements, accept it where
//    lib/capnp's rule is one of its documented stricter rules (stricter_rule(), the harness's
//    own check; on a seed both reject it must not fire, so it is shown to look at the bytes);
//    each deliberate disagreement is one seed here;
//  - capnp_read seeds reach the two rules only the schema-less harness can see: trailing bytes
//    (TrailingBytes::Reject against Allow) and an element one past the end of a list.
// A coverage test requires a seed for every reader CapnpError (or a stated reason it cannot be
// reached) and a table row for every seed-limit-* file.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "lib/capnp/message_reader.h"
#include "schema_walk.h"
#include "test.capnp.h"
#include "test_util.h"

namespace capos::capnp::test {
namespace {

// What libcapnp does with a capnp_differential seed.
enum class Libcapnp : uint8_t {
  Rejects,
  // Accepts, and lib/capnp's rejection is a documented stricter rule (lib/capnp/README.md).
  AcceptsStricterRule,
};

struct LimitSeed {
  const char* name;  // fuzz/corpus/<target>/seed-limit-<name>.bin
  CapnpError error;
  Libcapnp libcapnp;
};

void PrintTo(const LimitSeed& seed, std::ostream* os) { *os << seed.name; }

std::string test_name(const ::testing::TestParamInfo<LimitSeed>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

constexpr Libcapnp REJECTS = Libcapnp::Rejects;
constexpr Libcapnp STRICTER = Libcapnp::AcceptsStricterRule;

const LimitSeed DIFFERENTIAL_SEEDS[] = {
    // Segment table.
    {"TruncatedSegmentTable", CapnpError::TruncatedSegmentTable, REJECTS},
    {"TooManySegments", CapnpError::TooManySegments, STRICTER},
    {"SegmentOutOfBounds", CapnpError::SegmentOutOfBounds, REJECTS},
    {"SegmentOutOfBounds-padded", CapnpError::SegmentOutOfBounds, STRICTER},
    {"MissingRootPointer", CapnpError::MissingRootPointer, REJECTS},
    // Pointers.
    {"PointerOutOfBounds", CapnpError::PointerOutOfBounds, REJECTS},
    {"PointerOutOfBounds-list", CapnpError::PointerOutOfBounds, REJECTS},
    {"PointerOutOfBounds-empty", CapnpError::PointerOutOfBounds, STRICTER},
    {"PointerOutOfBounds-empty-double-far", CapnpError::PointerOutOfBounds, STRICTER},
    {"BadPointerKind", CapnpError::BadPointerKind, REJECTS},
    {"BadPointerKind-capability", CapnpError::BadPointerKind, REJECTS},
    {"WrongElementSize", CapnpError::WrongElementSize, REJECTS},
    {"TextNotNulTerminated", CapnpError::TextNotNulTerminated, REJECTS},
    // List bounds.
    {"BadInlineCompositeTag", CapnpError::BadInlineCompositeTag, REJECTS},
    {"InlineCompositeOverrun", CapnpError::InlineCompositeOverrun, REJECTS},
    // Far pointers.
    {"UnknownSegment", CapnpError::UnknownSegment, REJECTS},
    {"LandingPadOutOfBounds", CapnpError::LandingPadOutOfBounds, REJECTS},
    {"BadLandingPad", CapnpError::BadLandingPad, REJECTS},
    {"BadLandingPad-double", CapnpError::BadLandingPad, STRICTER},
    // Traversal and nesting.
    {"TraversalLimitExceeded", CapnpError::TraversalLimitExceeded, REJECTS},
    {"TraversalLimitExceeded-empty-structs", CapnpError::TraversalLimitExceeded, REJECTS},
    {"NestingLimitExceeded", CapnpError::NestingLimitExceeded, REJECTS},
};

// capnp_read seeds: the libcapnp column is unused (that harness has no libcapnp side).
const LimitSeed READ_SEEDS[] = {
    {"TrailingBytes", CapnpError::TrailingBytes, REJECTS},
    {"IndexOutOfRange", CapnpError::IndexOutOfRange, REJECTS},
};

// Reader errors no input can produce, with the reason.
struct Unreachable {
  CapnpError error;
  const char* reason;
};
const Unreachable UNREACHABLE[] = {
    {CapnpError::MessageSizeOverflow,
     "segment sizes are 32-bit word counts and at most MAX_SEGMENTS (64) are summed: at most "
     "2^41 bytes, far from 2^64 (the check guards the arithmetic, capnp_error.h)"},
};

// The last reader error; builder errors follow it (capnp_error.h).
constexpr CapnpError LAST_READER_ERROR = CapnpError::IndexOutOfRange;

std::filesystem::path seed_path(const char* target, const char* name) {
  return std::filesystem::path(CAPOS_FUZZ_CORPUS) / target /
         (std::string("seed-limit-") + name + ".bin");
}

std::vector<uint8_t> read_seed(const char* target, const char* name) {
  const std::filesystem::path path = seed_path(target, name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path << " is missing; regenerate it with fuzz/make_seeds.py";
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

::capnp::StructSchema all_types() { return ::capnp::Schema::from<capnp_test_schema::AllTypes>(); }

// --- capnp_differential seeds -------------------------------------------------------------

class DifferentialLimitSeed : public ::testing::TestWithParam<LimitSeed> {};

TEST_P(DifferentialLimitSeed, ReachesItsLimitInBothReaders) {
  const LimitSeed& seed = GetParam();
  const std::vector<uint8_t> bytes = read_seed("capnp_differential", seed.name);
  ASSERT_FALSE(bytes.empty());
  // Exactly what fuzz/capnp_differential.cpp does with the input.
  const CapnpResult<std::string> ours =
      read_ours(view(bytes), all_types(), DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS,
                DIFFERENTIAL_NESTING_LIMIT, TrailingBytes::Allow);
  ASSERT_FALSE(ours.has_value()) << "lib/capnp accepts the seed: " << *ours;
  EXPECT_EQ(ours.error(), seed.error);

  std::vector<uint64_t> words((bytes.size() + 7) / 8);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  const std::optional<std::string> theirs = read_libcapnp(
      words, all_types(), DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS, DIFFERENTIAL_NESTING_LIMIT);
  const char* rule = stricter_rule(ours.error(), view(bytes), bytes.size() % 8 != 0);
  if (seed.libcapnp == Libcapnp::Rejects) {
    EXPECT_FALSE(theirs.has_value()) << "libcapnp reads the seed as " << *theirs;
    // The stricter-rule check looks at the bytes, not only the error: a rejection both readers
    // share (same error as a deliberate one, e.g. PointerOutOfBounds) is no stricter rule.
    EXPECT_EQ(rule, nullptr) << "stricter_rule() excuses " << capnp_error_name(ours.error())
                             << " on a seed libcapnp rejects too: it does not look at the bytes";
  } else {
    // A deliberate disagreement: libcapnp reads it, lib/capnp refuses by a documented rule.
    EXPECT_TRUE(theirs.has_value()) << "libcapnp rejects it too: not a disagreement any more";
    EXPECT_NE(rule, nullptr) << "lib/capnp's " << capnp_error_name(ours.error())
                             << " is none of its documented stricter rules";
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, DifferentialLimitSeed, ::testing::ValuesIn(DIFFERENTIAL_SEEDS),
                         test_name);

// --- capnp_read seeds ----------------------------------------------------------------------

TEST(ReadLimitSeed, TrailingBytes) {
  const std::vector<uint8_t> bytes = read_seed("capnp_read", "TrailingBytes");
  MessageReader strict(ReaderOptions{});
  EXPECT_EQ(error_of(strict.parse(view(bytes))), CapnpError::TrailingBytes);
  // The harness's other half: Allow accepts it and says where the message ended.
  MessageReader allow(
      ReaderOptions{DEFAULT_TRAVERSAL_LIMIT_WORDS, DEFAULT_NESTING_LIMIT, TrailingBytes::Allow});
  ASSERT_TRUE(allow.parse(view(bytes)).has_value());
  EXPECT_LT(allow.message_bytes(), bytes.size());
}

TEST(ReadLimitSeed, IndexOutOfRange) {
  const std::vector<uint8_t> bytes = read_seed("capnp_read", "IndexOutOfRange");
  MessageReader reader(ReaderOptions{});
  ASSERT_TRUE(reader.parse(view(bytes)).has_value());
  const CapnpResult<PointerReader> root = reader.root_pointer();
  ASSERT_TRUE(root.has_value());
  const CapnpResult<ListReader> list = root->get_list(ElementSize::Pointer);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2U);
  // What fuzz/capnp_read.cpp reads one past the end of every list.
  EXPECT_EQ(error_of(list->get_struct(list->size())), CapnpError::IndexOutOfRange);
  EXPECT_EQ(error_of(list->pointer(list->size())), CapnpError::IndexOutOfRange);
  EXPECT_TRUE(list->get_struct(list->size() - 1).has_value());
}

// --- coverage ------------------------------------------------------------------------------

TEST(LimitSeedCoverage, EveryReaderErrorHasASeedOrAReason) {
  std::set<CapnpError> covered;
  for (const LimitSeed& seed : DIFFERENTIAL_SEEDS) covered.insert(seed.error);
  for (const LimitSeed& seed : READ_SEEDS) covered.insert(seed.error);
  for (const Unreachable& unreachable : UNREACHABLE) {
    EXPECT_EQ(covered.count(unreachable.error), 0U) << capnp_error_name(unreachable.error);
    covered.insert(unreachable.error);
  }
  for (auto value = static_cast<uint8_t>(CapnpError::TruncatedSegmentTable);
       value <= static_cast<uint8_t>(LAST_READER_ERROR); ++value) {
    const auto error = static_cast<CapnpError>(value);
    EXPECT_EQ(covered.count(error), 1U)
        << capnp_error_name(error) << " has no seed-limit-* fuzz seed (fuzz/make_seeds.py)";
  }
}

TEST(LimitSeedCoverage, EverySeedFileHasARow) {
  const struct {
    const char* target;
    const LimitSeed* begin;
    const LimitSeed* end;
  } targets[] = {
      {"capnp_differential", std::begin(DIFFERENTIAL_SEEDS), std::end(DIFFERENTIAL_SEEDS)},
      {"capnp_read", std::begin(READ_SEEDS), std::end(READ_SEEDS)},
  };
  for (const auto& target : targets) {
    std::set<std::string> rows;
    for (const LimitSeed* seed = target.begin; seed != target.end; ++seed) {
      rows.insert(seed_path(target.target, seed->name).filename().string());
    }
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(CAPOS_FUZZ_CORPUS) / target.target)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("seed-limit-", 0) != 0) continue;
      ++files;
      EXPECT_EQ(rows.count(file), 1U) << target.target << "/" << file << " has no row here";
    }
    EXPECT_EQ(files, rows.size()) << target.target;
  }
}

}  // namespace
}  // namespace capos::capnp::test
