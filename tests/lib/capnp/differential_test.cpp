// Differential properties against libcapnp 0.9.2 (RapidCheck-generated values over the whole
// test schema, compared field by field through schema_walk.h):
//  1. messages libcapnp builds (one segment, or one object per segment via FIXED_SIZE
//     one-word segments, i.e. far pointers everywhere) read identically through lib/capnp;
//  2. messages lib/capnp builds in small caller buffers (multi-segment, far pointers) read
//     identically through libcapnp;
//  3. mutated messages (byte/bit flips, random words, truncation, random garbage): lib/capnp is
//     the stricter reader, so a message libcapnp rejects must be rejected by lib/capnp too (a
//     failure, F-039), where both accept they read identically, and where only lib/capnp
//     rejects, the rejection must be one of its documented stricter rules (stricter_rule() in
//     schema_walk.h; anything else is a disagreement and fails).
// Every property counts its cases; the totals are printed and recorded as test properties.
// CAPNP_DIFFERENTIAL_SCALE=<n> multiplies every case count (soak runs; default 1).
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lib/capnp/message_builder.h"
#include "lib/capnp/message_reader.h"
#include "schema_walk.h"
#include "test.capnp.h"
#include "test_util.h"

namespace capos::capnp::test {
namespace {

::capnp::StructSchema all_types() { return ::capnp::Schema::from<capnp_test_schema::AllTypes>(); }

struct Tally {
  uint64_t cases = 0;
  uint64_t multi_segment = 0;
  uint64_t both_accept = 0;
  uint64_t ours_rejects_only = 0;
  uint64_t both_reject = 0;
  std::map<std::string, uint64_t> our_errors;        // every lib/capnp rejection
  std::map<std::string, uint64_t> ours_only_errors;  // where libcapnp accepted
};

// Runs `property` for `cases` successful cases, seeded like every other RapidCheck test here
// (RC_PARAMS), and fails the current gtest with RapidCheck's report on a counterexample.
template <typename Property>
void check_property(const char* name, int cases, Property property) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const char* scale = std::getenv("CAPNP_DIFFERENTIAL_SCALE");
  params.maxSuccess = cases * (scale != nullptr && std::atoi(scale) > 0 ? std::atoi(scale) : 1);
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream report;
    rc::detail::printResultMessage(result, report);
    FAIL() << report.str();
  }
}

void report(const char* name, const Tally& tally) {
  std::printf(
      "[differential] %s: %llu cases (%llu multi-segment); both accept %llu, "
      "lib/capnp-only reject %llu, both reject %llu (libcapnp-only reject fails the test)\n",
      name, static_cast<unsigned long long>(tally.cases),
      static_cast<unsigned long long>(tally.multi_segment),
      static_cast<unsigned long long>(tally.both_accept),
      static_cast<unsigned long long>(tally.ours_rejects_only),
      static_cast<unsigned long long>(tally.both_reject));
  for (const auto& [error, count] : tally.our_errors) {
    std::printf("[differential]   lib/capnp %s: %llu\n", error.c_str(),
                static_cast<unsigned long long>(count));
  }
  for (const auto& [error, count] : tally.ours_only_errors) {
    std::printf("[differential]   rejected by lib/capnp only, %s: %llu\n", error.c_str(),
                static_cast<unsigned long long>(count));
  }
  ::testing::Test::RecordProperty("cases", std::to_string(tally.cases));
  ::testing::Test::RecordProperty("multi_segment", std::to_string(tally.multi_segment));
}

std::vector<uint64_t> to_words(ByteView bytes) {
  std::vector<uint64_t> words((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

ByteView as_bytes(const std::vector<uint64_t>& words) {
  return ByteView(reinterpret_cast<const uint8_t*>(words.data()), words.size() * 8);
}

// libcapnp's reading of a message, or nullopt where it throws.
std::optional<std::string> read_libcapnp(const std::vector<uint64_t>& words) {
  return test::read_libcapnp(words, all_types(), DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS,
                             DIFFERENTIAL_NESTING_LIMIT);
}

// lib/capnp's reading of a message, or the error that ended it.
CapnpResult<std::string> read_ours(ByteView bytes, TrailingBytes trailing) {
  return test::read_ours(bytes, all_types(), DIFFERENTIAL_TRAVERSAL_LIMIT_WORDS,
                         DIFFERENTIAL_NESTING_LIMIT, trailing);
}

// A random message built by libcapnp: one 1 KiB-growing segment, or FIXED_SIZE segments of
// `segment_words` (as small as one word: every object in its own segment behind a far pointer).
std::vector<uint64_t> libcapnp_message(uint32_t segment_words, int depth) {
  ::capnp::MallocMessageBuilder builder(segment_words == 0 ? 1024 : segment_words,
                                        segment_words == 0
                                            ? ::capnp::AllocationStrategy::GROW_HEURISTICALLY
                                            : ::capnp::AllocationStrategy::FIXED_SIZE);
  fill_random(builder.initRoot<::capnp::DynamicStruct>(all_types()), depth);
  const kj::Array<::capnp::word> flat = ::capnp::messageToFlatArray(builder);
  std::vector<uint64_t> words(flat.size());
  std::memcpy(words.data(), flat.begin(), flat.size() * sizeof(uint64_t));
  return words;
}

uint32_t random_segment_words() { return *rc::gen::element<uint32_t>(0, 0, 1, 4, 16, 64, 256); }

uint32_t segment_count(const std::vector<uint64_t>& words) {
  uint32_t count = 0;
  std::memcpy(&count, words.data(), sizeof(count));
  return count + 1;
}

TEST(CapnpDifferential, LibcapnpBuiltMessagesReadIdentically) {
  Tally tally;
  check_property("libcapnp-built", 1500, [&tally] {
    const uint32_t segment_words = random_segment_words();
    const std::vector<uint64_t> words = libcapnp_message(segment_words, *rc::gen::inRange(0, 3));
    const std::optional<std::string> expected = read_libcapnp(words);
    RC_ASSERT(expected.has_value());
    const CapnpResult<std::string> ours = read_ours(as_bytes(words), TrailingBytes::Reject);
    ++tally.cases;
    if (segment_count(words) > MAX_SEGMENTS) {
      // Policy (README): more segments than MAX_SEGMENTS are refused, whatever they hold.
      RC_ASSERT(error_of(ours) == std::optional(CapnpError::TooManySegments));
      ++tally.ours_rejects_only;
      ++tally.our_errors["TooManySegments"];
      return;
    }
    if (!ours.has_value()) RC_FAIL(capnp_error_name(ours.error()));
    RC_ASSERT(*ours == *expected);
    ++tally.both_accept;
    if (segment_count(words) > 1) ++tally.multi_segment;
  });
  report("libcapnp-built, read by lib/capnp", tally);
}

TEST(CapnpDifferential, OurMessagesReadIdenticallyByLibcapnp) {
  Tally tally;
  check_property("lib/capnp-built", 1000, [&tally] {
    ::capnp::MallocMessageBuilder source;
    fill_random(source.initRoot<::capnp::DynamicStruct>(all_types()), *rc::gen::inRange(0, 3));
    const auto source_root = source.getRoot<::capnp::DynamicStruct>(all_types()).asReader();
    const std::string expected = dump_libcapnp(source_root);

    // A few small caller buffers, then one large enough for anything left over.
    std::vector<std::vector<uint8_t>> buffers;
    const int small = *rc::gen::inRange(0, 8);
    for (int i = 0; i < small; ++i) {
      buffers.emplace_back(size_t{*rc::gen::inRange<uint32_t>(1, 48)} * 8);
    }
    buffers.emplace_back(size_t{1} << 16);
    MessageBuilder builder;
    for (auto& buffer : buffers) RC_ASSERT(builder.add_segment(buffer).has_value());
    const CapnpResult<StructBuilder> root = builder.init_root(struct_size_of(all_types()));
    RC_ASSERT(root.has_value());
    RC_ASSERT(copy_to_ours(source_root, *root).has_value());

    std::vector<uint8_t> output(builder.serialized_bytes());
    const CapnpResult<uint64_t> written = builder.serialize(output);
    RC_ASSERT(written.has_value());
    RC_ASSERT(*written == output.size());

    const std::vector<uint64_t> words = to_words(output);
    const std::optional<std::string> theirs = read_libcapnp(words);
    RC_ASSERT(theirs.has_value());
    RC_ASSERT(*theirs == expected);
    const CapnpResult<std::string> ours = read_ours(output, TrailingBytes::Reject);
    if (!ours.has_value()) RC_FAIL(capnp_error_name(ours.error()));
    RC_ASSERT(*ours == expected);
    ++tally.cases;
    ++tally.both_accept;
    if (builder.segment_count() > 1) ++tally.multi_segment;
  });
  report("lib/capnp-built, read by libcapnp", tally);
}

// One of: flip a bit, overwrite a byte, overwrite a whole word, or truncate.
void mutate(std::vector<uint64_t>& words) {
  auto* bytes = reinterpret_cast<uint8_t*>(words.data());
  const int mutations = *rc::gen::inRange(1, 5);
  for (int i = 0; i < mutations && !words.empty(); ++i) {
    const size_t at = *rc::gen::inRange<size_t>(0, words.size() * 8);
    switch (*rc::gen::inRange(0, 4)) {
      case 0: bytes[at] = static_cast<uint8_t>(bytes[at] ^ (1U << *rc::gen::inRange(0, 8))); break;
      case 1: bytes[at] = *rc::gen::arbitrary<uint8_t>(); break;
      case 2: {
        const uint64_t value = *rc::gen::arbitrary<uint64_t>();
        std::memcpy(&words[at / 8], &value, 8);
        break;
      }
      default: words.resize(*rc::gen::inRange<size_t>(0, words.size())); return;
    }
  }
}

TEST(CapnpDifferential, MutatedMessagesRejectedOrReadIdentically) {
  Tally tally;
  check_property("mutated", 4000, [&tally] {
    std::vector<uint64_t> words;
    if (*rc::gen::inRange(0, 10) == 0) {
      // Random garbage behind a valid one-segment table: random pointers everywhere.
      const uint32_t size = *rc::gen::inRange<uint32_t>(1, 32);
      words.resize(size + 1);
      const uint64_t table = uint64_t{size} << 32;
      std::memcpy(&words[0], &table, 8);
      for (uint32_t i = 1; i <= size; ++i) {
        const uint64_t value = *rc::gen::arbitrary<uint64_t>();
        std::memcpy(&words[i], &value, 8);
      }
    } else {
      words = libcapnp_message(random_segment_words(), *rc::gen::inRange(0, 2));
      mutate(words);
    }
    const std::optional<std::string> theirs = read_libcapnp(words);
    const CapnpResult<std::string> ours = read_ours(as_bytes(words), TrailingBytes::Allow);
    ++tally.cases;
    if (!words.empty() && segment_count(words) > 1) ++tally.multi_segment;
    if (ours.has_value() && theirs.has_value()) {
      RC_ASSERT(*ours == *theirs);
      ++tally.both_accept;
    } else if (ours.has_value()) {
      // The stated policy: lib/capnp is the stricter reader (README "Decisions").
      RC_FAIL("lib/capnp accepts a message libcapnp rejects; lib/capnp read: " + *ours);
    } else {
      ++tally.our_errors[capnp_error_name(ours.error())];
      if (theirs.has_value()) {
        if (stricter_rule(ours.error(), as_bytes(words), /*padded=*/false) == nullptr) {
          RC_FAIL(std::string("lib/capnp rejects with ") + capnp_error_name(ours.error()) +
                  ", which is none of its documented stricter rules, a message libcapnp reads "
                  "as " +
                  *theirs);
        }
        ++tally.ours_rejects_only;
        ++tally.ours_only_errors[capnp_error_name(ours.error())];
      } else {
        ++tally.both_reject;
      }
    }
  });
  report("mutated messages", tally);
}

}  // namespace
}  // namespace capos::capnp::test
