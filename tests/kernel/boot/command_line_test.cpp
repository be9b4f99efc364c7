// Boot command line (kernel/boot/command_line.cpp): every self-test word, verbosity, and the
// fail-closed rejections.
#include <gtest/gtest.h>

#include <string>

#include "kernel/boot/command_line.h"

namespace capos::kernel::boot {
namespace {

Result<BootOptions, CommandLineError> parse(const std::string& text) {
  return parse_command_line(std::span<const char>(text.data(), text.size()));
}

TEST(CommandLine, EmptyMeansDefaults) {
  const auto options = parse("");
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->self_test, SelfTest::None);
  EXPECT_EQ(options->verbosity, LogVerbosity::Info);
}

TEST(CommandLine, EverySelfTestNameRoundTrips) {
  for (const SelfTest test :
       {SelfTest::PageFault, SelfTest::Smap, SelfTest::Smep, SelfTest::NoExecute,
        SelfTest::WriteProtect, SelfTest::DoubleFault, SelfTest::Panic, SelfTest::KernelHalf,
        SelfTest::UserCopy, SelfTest::Timer, SelfTest::Spurious, SelfTest::Switch,
        SelfTest::IrqSwitch, SelfTest::StackGuard, SelfTest::KernelIrq, SelfTest::BenchSwitch}) {
    const auto options = parse(std::string("capos.selftest=") + self_test_name(test));
    ASSERT_TRUE(options.has_value()) << self_test_name(test);
    EXPECT_EQ(options->self_test, test);
  }
  EXPECT_STREQ(self_test_name(SelfTest::None), "none");
}

TEST(CommandLine, SeparatesWordsAndIgnoresForeignOnes) {
  const auto options = parse("  /boot/kernel.elf  capos.log=debug quiet capos.selftest=nx ");
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->self_test, SelfTest::NoExecute);
  EXPECT_EQ(options->verbosity, LogVerbosity::Debug);
}

TEST(CommandLine, RejectsUnknownCaposOptions) {
  const std::string line = "quiet capos.selftes=smap";  // the error's word points into it
  const auto options = parse(line);
  ASSERT_FALSE(options.has_value());
  EXPECT_EQ(options.error().kind, CommandLineError::Kind::UnknownOption);
  EXPECT_EQ(std::string(options.error().word.data(), options.error().word.size()),
            "capos.selftes=smap");
}

TEST(CommandLine, RejectsUnknownValues) {
  for (const char* text :
       {"capos.selftest=", "capos.selftest=smapx", "capos.selftest=SMAP", "capos.log=verbose"}) {
    const auto options = parse(text);
    ASSERT_FALSE(options.has_value()) << text;
    EXPECT_EQ(options.error().kind, CommandLineError::Kind::UnknownValue) << text;
  }
}

TEST(CommandLine, RejectsRepeatedOptions) {
  const auto options = parse("capos.selftest=smap capos.selftest=smap");
  ASSERT_FALSE(options.has_value());
  EXPECT_EQ(options.error().kind, CommandLineError::Kind::Duplicate);
}

}  // namespace
}  // namespace capos::kernel::boot
