#include <gtest/gtest.h>

#include "probe/vm_watermarks.hpp"

using namespace ms;

TEST(ZoneinfoWatermarks, SumsMinLowHighOverZonesIgnoringPerNodeStats) {
  const char* text =
      "Node 0, zone      DMA\n"
      "  per-node stats\n"
      "      nr_inactive_anon 91687\n"
      "  pages free     3840\n"
      "        boost    0\n"
      "        min      10\n"
      "        low      13\n"
      "        high     16\n"
      "        spanned  4095\n"
      "        protection: (0, 2899, 23953, 23953, 23953)\n"
      "Node 0, zone    DMA32\n"
      "  pages free     700000\n"
      "        min      1000\n"
      "        low      1250\n"
      "        high     1500\n"
      "Node 0, zone   Normal\n"
      "  pages free     5000000\n"
      "        min      6000\n"
      "        low      7500\n"
      "        high     9000\n";
  auto r = parse_zoneinfo_watermarks(text);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->zones, 3);
  EXPECT_EQ(r->min_pages, 7010u);
  EXPECT_EQ(r->low_pages, 8763u);
  EXPECT_EQ(r->high_pages, 10516u);
}

TEST(ZoneinfoWatermarks, MalformedAndEmpty) {
  auto bad = parse_zoneinfo_watermarks("Node 0, zone Normal\n        min      x\n", "/proc/zoneinfo");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_FALSE(parse_zoneinfo_watermarks(""));
}

TEST(ZoneinfoWatermarks, ThisMachine) {
  auto r = read_vm_reserves(HostPaths{});
  if (!r.zones) GTEST_SKIP() << "no /proc/zoneinfo";
  EXPECT_GT(r.zones->min_pages, 0u);
  EXPECT_LE(r.zones->min_pages, r.zones->low_pages);
  EXPECT_LE(r.zones->low_pages, r.zones->high_pages);
}
