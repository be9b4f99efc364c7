// CapSet page construction (kernel/proc/capset.h): layout bytes, name rules, bounds.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernel/proc/capset.h"

namespace capos::kernel {
namespace {

std::span<const char> name(const std::string& text) { return {text.data(), text.size()}; }

TEST(CapSet, LayoutOfAPage) {
  const std::string console = "console";
  const std::string boot = "boot_package";
  const std::vector<CapSetGrant> grants = {{name(console), 0x0100'0000, 0xa62dd1241b402f79},
                                           {name(boot), 0x0100'0001, 0xb8b7a3f8bed13ca3}};
  auto page = std::make_unique<CapSetPage>();
  std::memset(page.get(), 0xcc, sizeof(CapSetPage));
  ASSERT_TRUE(build_capset(grants, *page).has_value());
  const auto* bytes = reinterpret_cast<const uint8_t*>(page.get());
  EXPECT_EQ(std::memcmp(bytes, "CSET", 4), 0);  // magic 0x54455343 little-endian
  EXPECT_EQ(bytes[4], 1);                       // version
  EXPECT_EQ(bytes[6], 2);                       // count
  for (size_t i = 8; i < 64; ++i) EXPECT_EQ(bytes[i], 0) << i;
  EXPECT_EQ(std::string(page->entries[0].name), "console");
  for (size_t i = console.size(); i < CAPSET_NAME_BYTES; ++i)
    EXPECT_EQ(page->entries[0].name[i], 0);
  EXPECT_EQ(page->entries[1].cap_id, 0x0100'0001U);
  EXPECT_EQ(page->entries[1].interface_id, 0xb8b7a3f8bed13ca3U);
  EXPECT_EQ(page->entries[1].reserved32, 0U);
  EXPECT_EQ(page->entries[1].reserved64, 0U);
  for (size_t i = 64 + 2 * 64; i < sizeof(CapSetPage); ++i) EXPECT_EQ(bytes[i], 0) << i;
}

TEST(CapSet, NameRules) {
  auto page = std::make_unique<CapSetPage>();
  const std::string longest(CAPSET_NAME_BYTES - 1, 'n');
  const std::string too_long(CAPSET_NAME_BYTES, 'n');
  const std::string with_nul("a\0b", 3);
  EXPECT_TRUE(build_capset(std::vector<CapSetGrant>{{name(longest), 1, 1}}, *page).has_value());
  EXPECT_EQ(page->entries[0].name[CAPSET_NAME_BYTES - 1], 0);
  for (const std::string& bad : {std::string(), too_long, with_nul}) {
    std::memset(page.get(), 0xcc, sizeof(CapSetPage));
    EXPECT_EQ(build_capset(std::vector<CapSetGrant>{{name(bad), 1, 1}}, *page).error(),
              Error::InvalidArgument);
    EXPECT_EQ(page->header.magic, 0U);  // a rejected page is all zero
    EXPECT_EQ(page->entries[0].name[0], 0);
  }
}

TEST(CapSet, AtMost63Entries) {
  auto page = std::make_unique<CapSetPage>();
  const std::string cap = "cap";
  std::vector<CapSetGrant> grants(CAPSET_MAX_ENTRIES, CapSetGrant{name(cap), 1, 2});
  ASSERT_TRUE(build_capset(grants, *page).has_value());
  EXPECT_EQ(page->header.count, CAPSET_MAX_ENTRIES);
  grants.push_back(grants.back());
  EXPECT_EQ(build_capset(grants, *page).error(), Error::TooBig);
  EXPECT_EQ(page->header.count, 0);
}

}  // namespace
}  // namespace capos::kernel
